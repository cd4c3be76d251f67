"""Holdout validation, model comparison and diagnostic plots."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from userops_lib.clv import (
    BetaGeoModel,
    best_model,
    compare_models,
    cumulative_repeat_purchases,
    holdout_by_frequency,
    holdout_error,
    plot_calibration_vs_holdout,
    plot_cumulative_repeat_purchases,
    plot_frequency_recency_matrix,
    plot_probability_alive_matrix,
)
from userops_lib.clv.validation import tied_models
from userops_lib.data.load import load_dataset
from userops_lib.exceptions import ModelFitError, ParameterError
from userops_lib.clv.summary import calibration_holdout_split

# BG/NBD parameters of Fader, Hardie & Lee (2005), CDNOW, weeks
FHL = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def _model(params=FHL, unit="W"):
    model = BetaGeoModel()
    model.params_, model.time_unit = dict(params), unit
    return model


def _per_customer(split, params=FHL):
    """The model's own conditional expectation, customer by customer (the formula itself is checked
    against lifetimes in test_clv_models): here the grouping and totals are under test."""
    return np.array([_model(params).conditional_expected_number_of_purchases_up_to_time(39.0, x, tx, T)[0]
                     for x, tx, T in zip(split["frequency_cal"], split["recency_cal"], split["T_cal"])])


@pytest.fixture(scope="module")
def tiny_split():
    # 9 customers, hand-made; calibration frequencies 0,0,1,1,2,3,7,8,9 → groups 0,0,1,1,2,3,7+,7+,7+
    split = pd.DataFrame({
        "customer_id": list("abcdefghi"),
        "frequency_cal": [0, 0, 1, 1, 2, 3, 7, 8, 9],
        "recency_cal": [0, 0, 10, 30, 20, 35, 38, 39, 20],
        "T_cal": [39.0] * 9,
        "frequency_holdout": [0, 1, 0, 2, 1, 3, 5, 6, 0],
        "duration_holdout": [39.0] * 9,
    })
    split.attrs["time_unit"] = "W"
    return split


def test_holdout_grouping_hand_counted(tiny_split):
    table = holdout_by_frequency(_model(), tiny_split)
    assert table["frequency_group"].tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    # customers per group and actual holdout purchases, counted by hand from the table above
    assert table["customers"].tolist() == [2, 2, 1, 1, 0, 0, 0, 3]
    assert table["actual_purchases"].tolist() == [1, 2, 1, 3, 0, 0, 0, 11]
    assert table.loc[7, "actual_mean"] == pytest.approx(11 / 3)
    assert np.isnan(table.loc[4, "actual_mean"])  # empty group: no mean, not 0
    # predicted: the sum of each group's customers' own expectations
    peer = _per_customer(tiny_split)
    assert table.loc[7, "predicted_purchases"] == pytest.approx(peer[6:].sum(), rel=1e-10)
    assert table["predicted_purchases"].sum() == pytest.approx(peer.sum(), rel=1e-10)


def test_holdout_error_hand_counted(tiny_split):
    err = holdout_error(_model(), tiny_split)
    peer = _per_customer(tiny_split)
    assert err["actual_total"] == 18  # 0+1+0+2+1+3+5+6+0
    assert err["predicted_total"] == pytest.approx(peer.sum())
    assert err["mae"] == pytest.approx(np.abs(peer - tiny_split["frequency_holdout"]).mean())


@pytest.fixture(scope="module")
def cdnow_split():
    # the raw CDNOW sample, calibration 1997-01-01..1997-09-30 (39 weeks), holdout to 1998-06-30
    return calibration_holdout_split(load_dataset("cdnow_sample"), "1997-09-30", time_unit="W")


def test_compare_models_on_cdnow_reproduces_published_fits(cdnow_split):
    table, fitted = compare_models(cdnow_split)
    table = table.set_index("model")
    assert table["converged"].all() and set(fitted) == {"bgnbd", "pnbd", "mbgnbd"}
    # FHL (2005) LL −9582.4; BTYD walkthrough LL −9595.0 — fitted here from the raw purchase log
    assert table.loc["bgnbd", "log_likelihood"] == pytest.approx(-9582.4, abs=0.1)
    assert table.loc["pnbd", "log_likelihood"] == pytest.approx(-9595.0, abs=0.1)
    assert fitted["bgnbd"].params_["a"] == pytest.approx(0.793, rel=1e-2)
    # AIC = 2k − 2LL with k = 4
    assert table.loc["bgnbd", "aic"] == pytest.approx(8 + 2 * 9582.4, abs=0.3)
    # 1,882 holdout repeat purchases (sum of frequency_holdout; FHL 2005 figure 2 total)
    assert table.loc["bgnbd", "holdout_actual"] == cdnow_split["frequency_holdout"].sum() == 1882
    assert best_model(table.reset_index()) in tied_models(table.reset_index())


def _comparison(rows):
    return pd.DataFrame(rows, columns=["model", "converged", "aic", "holdout_mae", "note"])


def test_best_model_breaks_near_ties_on_aic():
    # hand-made: smallest MAE 0.5268 (pnbd); 1 % above it is 0.532068, so mbgnbd (0.5311) is tied
    # and bgnbd (0.5396, +2.4 %) is not; of the tied two mbgnbd has the smaller AIC (100 < 110)
    table = _comparison([("bgnbd", True, 90.0, 0.5396, ""), ("pnbd", True, 110.0, 0.5268, ""),
                         ("mbgnbd", True, 100.0, 0.5311, ""), ("broken", False, None, None, "did not converge")])
    assert tied_models(table) == ["mbgnbd", "pnbd"]
    assert best_model(table) == "mbgnbd"
    # with no tolerance the smallest MAE wins outright; with 3 % all three tie and bgnbd's AIC 90 wins
    assert best_model(table, tolerance=0.0) == "pnbd"
    assert best_model(table, tolerance=0.03) == "bgnbd"
    with pytest.raises(ParameterError, match="tolerance"):
        best_model(table, tolerance=1.5)


def test_compare_models_reports_failures_instead_of_raising():
    split = pd.DataFrame({"frequency_cal": [0] * 5, "recency_cal": [0.0] * 5, "T_cal": [10.0] * 5,
                          "frequency_holdout": [0, 1, 0, 0, 0], "duration_holdout": [5.0] * 5})
    table, fitted = compare_models(split)
    assert not table["converged"].any() and fitted == {}
    assert table["note"].str.contains("repeat buyers").all()
    with pytest.raises(ModelFitError, match="no purchase model could be fitted"):
        best_model(table)


def _six_months(repeat_day: str) -> pd.DataFrame:
    """Six months of orders, 2025-01-01 to 2025-07-01, and one repeat buyer (a, again on ``repeat_day``)."""
    days = ["2025-01-01", repeat_day, "2025-02-14", "2025-03-10", "2025-05-20", "2025-07-01"]
    return pd.DataFrame({"order_id": [f"o{i}" for i in range(6)], "customer_id": ["a", "a", "b", "c", "d", "e"],
                         "order_date": pd.to_datetime(days).date, "amount": [10.0, 12.0, 8.0, 30.0, 5.0, 9.0]})


def test_too_little_history_says_how_many_days_and_which_parameter():
    # as_of 2025-07-01 and holdout_days 180 put the calibration end on 2025-01-02: one customer (a,
    # whose repeat purchase falls in the holdout) and no repeat buyer. Counted by hand: the data spans
    # 181 days (2025-01-01 to 2025-07-01); a calibration as long as the 180-day holdout needs 360,
    # and 181 // 2 = 90 is the longest holdout that leaves one
    split = calibration_holdout_split(_six_months("2025-06-20"), "2025-01-02", time_unit="W")
    with pytest.raises(ModelFitError) as caught:
        compare_models(split)
    message = str(caught.value)
    assert message.startswith("too little history for the purchase models: with holdout_days=180 they need at "
                              "least 360 days of orders")
    assert "the data has 181 (2025-01-01 to 2025-07-01); set holdout_days to at most 90" in message
    assert "1-day calibration period has 1 customer and no repeat buyer" in message
    assert "\n" not in message and "frequency > 0" not in message
    # enough history for the holdout but the only repeat purchase comes after the calibration end:
    # no shorter holdout is promised, the repeat buyer is what is missing
    split = calibration_holdout_split(_six_months("2025-06-20"), "2025-04-02", time_unit="W")
    with pytest.raises(ModelFitError, match=r"no repeat buyer before the holdout: the 91-day calibration period "
                                            r"\(2025-01-01 to 2025-04-02, 3 customers\).*holdout_days \(now 90\)"):
        compare_models(split)
    # with the repeat purchase inside the calibration period the models are fitted as before
    split = calibration_holdout_split(_six_months("2025-01-20"), "2025-04-02", time_unit="W")
    assert compare_models(split)[0]["model"].tolist() == ["bgnbd", "pnbd", "mbgnbd"]


def test_cumulative_repeat_purchases_hand_counted():
    # a buys on Jan 1, Jan 3 (twice), Jan 5; b on Jan 2 and Jan 5; c first buys Jan 4, after the
    # calibration end (Jan 3), so c is not in the population.
    # repeat purchase days: a Jan 3, a Jan 5, b Jan 5 → cumulative 0, 0, 1, 1, 3
    orders = pd.DataFrame({
        "order_id": [f"o{i}" for i in range(7)],
        "customer_id": ["a", "a", "a", "a", "b", "b", "c"],
        "order_date": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-03", "2024-01-05",
                                      "2024-01-02", "2024-01-05", "2024-01-04"]).date,
    })
    model = _model({"r": 0.5, "alpha": 3.0, "a": 0.8, "b": 2.0}, unit="D")
    frame = cumulative_repeat_purchases(model, orders, "2024-01-03")
    assert frame["actual_cumulative"].tolist() == [0, 0, 1, 1, 3]
    # expected on Jan 5: a is 4 days old, b 3 days → E(4) + E(3), E the unconditional expectation
    # (eq. 9 of Fader, Hardie & Lee 2005; checked against lifetimes in test_clv_models)
    assert frame["expected_cumulative"].iloc[-1] == pytest.approx(model.expected_population_purchases(4.0)
                                                                  + model.expected_population_purchases(3.0))
    assert frame["expected_cumulative"].iloc[0] == 0


def test_plots_return_figures(tiny_split):
    import matplotlib.figure

    model = _model()
    summary = tiny_split.rename(columns={"frequency_cal": "frequency", "recency_cal": "recency", "T_cal": "T"})
    summary.attrs["time_unit"] = "W"
    figures = [plot_calibration_vs_holdout(holdout_by_frequency(model, tiny_split)),
               plot_frequency_recency_matrix(model, summary), plot_probability_alive_matrix(model, summary)]
    frame = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=3), "actual_cumulative": [0, 1, 2],
                          "expected_cumulative": [0.0, 0.8, 1.9]})
    figures.append(plot_cumulative_repeat_purchases(frame))
    assert all(isinstance(f, matplotlib.figure.Figure) for f in figures)


# ------------------------------------------------------------------------------ one model per run
def test_choose_purchase_model_is_the_validated_choice(cdnow_split):
    # issue 14 #7: 03 and 04 get their model from this one function. On the CDNOW sample (as-of
    # 1998-06-30) a calibration end of 1997-09-30 is the split of cdnow_split, so "best" is best_model
    # of that comparison; a named model is kept as named and still compared.
    from userops_lib.clv import choose_purchase_model

    data = load_dataset("cdnow_sample")
    choice = choose_purchase_model(data, "best", calibration_end="1997-09-30")
    table, _ = compare_models(cdnow_split)
    assert choice.model == best_model(table) and choice.requested == "best" and choice.note == ""
    pd.testing.assert_frame_equal(choice.comparison, table)
    named = choose_purchase_model(data, "pnbd", calibration_end="1997-09-30")
    assert named.model == "pnbd" and set(named.fitted) == {"bgnbd", "pnbd", "mbgnbd"}
    # default calibration end: as-of 1998-06-30 minus 273 days = 1997-09-30, the same choice
    assert choose_purchase_model(data, holdout_days=273).calibration_end.isoformat() == "1997-09-30"
    with pytest.raises(ParameterError, match="clv_model 'xyz'"):
        choose_purchase_model(data, "xyz")


def test_choose_purchase_model_falls_back_only_when_asked():
    # six months and no repeat buyer before the holdout (see the test above): 04 must say so (raise),
    # 03 values its packs with the fallback and the note says why
    from userops_lib.clv import choose_purchase_model

    orders = _six_months("2025-06-20")
    with pytest.raises(ModelFitError, match="too little history"):
        choose_purchase_model(orders, "best")
    choice = choose_purchase_model(orders, "best", fallback="bgnbd")
    assert choice.model == "bgnbd" and choice.comparison is None and "too little history" in choice.note
    assert choose_purchase_model(orders, "mbgnbd", fallback="bgnbd").model == "mbgnbd"


def test_a_run_validates_the_purchase_models_once(tmp_path, monkeypatch):
    # 03 and 04 of a run open the same snapshot and ask for the same choice: the second call reads
    # the first one's split and fits instead of fitting the three models again
    from userops_lib.clv import choose_purchase_model, validation

    first = choose_purchase_model(load_dataset("cdnow_sample", snapshot_dir=tmp_path), "best",
                                  calibration_end="1997-09-30", fallback="bgnbd")

    def no_fit(*args, **kwargs):
        raise AssertionError("fitted again")

    monkeypatch.setattr(validation, "compare_models", no_fit)
    opened = load_dataset("cdnow_sample", snapshot_dir=tmp_path)
    second = choose_purchase_model(opened, "best", calibration_end="1997-09-30")
    assert (second.model, second.calibration_end, second.note) == (first.model, first.calibration_end, "")
    pd.testing.assert_frame_equal(second.comparison, first.comparison)
    pd.testing.assert_frame_equal(second.split, first.split)
    assert {k: m.params_ for k, m in second.fitted.items()} == {k: m.params_ for k, m in first.fitted.items()}
    # another calibration end, a Dataset loaded without the snapshot, or one with other tables: fitted
    for data, end in ((opened, "1997-06-30"), (load_dataset("cdnow_sample"), "1997-09-30"),
                      (opened.with_tables(orders=opened.orders.limit(5000)), "1997-09-30")):
        with pytest.raises(AssertionError, match="fitted again"):
            choose_purchase_model(data, "best", calibration_end=end)


def test_a_run_fits_the_chosen_model_on_all_customers_once(tmp_path, monkeypatch):
    # 03's audience CLV and 04's values fit the chosen model on the same summary of the same snapshot:
    # the second fit is read from the run; another summary (unit, fewer customers) or no run: fitted
    from userops_lib.clv import base, fit_purchase_model, rfm_summary

    data = load_dataset("cdnow_sample", snapshot_dir=tmp_path)
    first = fit_purchase_model(rfm_summary(data, time_unit="W"), "bgnbd", run=data)

    def no_fit(*args, **kwargs):
        raise AssertionError("fitted again")

    monkeypatch.setattr(base.PurchaseModel, "fit", no_fit)
    opened = load_dataset("cdnow_sample", snapshot_dir=tmp_path)
    weekly = rfm_summary(opened, time_unit="W")
    second = fit_purchase_model(weekly, "bgnbd", run=opened)
    assert (second.params_, second.log_likelihood_) == (first.params_, first.log_likelihood_)
    for summary, run in ((rfm_summary(opened, time_unit="D"), opened), (weekly.iloc[:1000], opened),
                         (weekly, load_dataset("cdnow_sample")), (weekly, None)):
        with pytest.raises(AssertionError, match="fitted again"):
            fit_purchase_model(summary, "bgnbd", run=run)
    with pytest.raises(AssertionError, match="fitted again"):
        fit_purchase_model(weekly, "pnbd", run=opened)


def test_value_and_loyalty_reports_take_their_model_from_the_same_call():
    # the two notebooks declare the same run parameters with the same defaults and pass them to
    # choose_purchase_model, so a run's YAML (one key each) gives both reports one model
    import ast
    import json
    from pathlib import Path

    from userops_lib.runner.params import declared_parameters

    root = Path(__file__).resolve().parent.parent / "notebooks"
    keys = ("clv_model", "calibration_end", "holdout_days", "time_unit")
    declared = {n: declared_parameters(root / f"{n}.ipynb") for n in ("03_value", "04_loyalty")}
    for key in keys:
        assert declared["03_value"][key]["default"] == declared["04_loyalty"][key]["default"], key
    for name in declared:
        code = "\n".join("".join(c["source"]) for c in json.loads((root / f"{name}.ipynb").read_text())["cells"]
                         if c["cell_type"] == "code" and "parameters" not in c.get("metadata", {}).get("tags", []))
        calls = [n for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Call)
                 and getattr(n.func, "attr", getattr(n.func, "id", "")) == "choose_purchase_model"]
        assert len(calls) == 1, name
        call = calls[0]
        assert [ast.unparse(a) for a in call.args] == ["data", "clv_model"], name
        passed = {k.arg: ast.unparse(k.value) for k in call.keywords}
        assert passed["holdout_days"] == "holdout_days" and passed["time_unit"] == "time_unit", name
        assert passed["calibration_end"] in ("calibration_end", "cal_end"), name
