"""When will each customer buy next: the timing of the purchase models, on hand-set parameters.

The models below are not fitted: their parameters are set by hand so every expected value is a
closed form worked out in the comments. References: BG/NBD, Fader, Hardie & Lee (2005) (an
active customer buys at rate λ ~ Gamma(r + x, α + T) after the history); Pareto/NBD, Fader &
Hardie note 009 (and a lifetime rate μ ~ Gamma(s, β + T)). A second, independent route checks
the BG/NBD wait: the model's public ``conditional_probability_alive`` gives
P(no purchase in u | active) = odds(active at T + u) / odds(active at T) for a customer who does
not buy (derived in the test).
"""

from __future__ import annotations

import datetime as dt
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from userops_lib import clv
from userops_lib.clv.bgnbd import BetaGeoModel
from userops_lib.clv.mbgnbd import ModifiedBetaGeoModel
from userops_lib.clv.pareto_nbd import ParetoNBDModel
from userops_lib.clv.timing import median_wait, next_purchase_table, wait_probability
from userops_lib.exceptions import ParameterError


def _model(cls, unit="D", **params):
    model = cls()
    model.params_, model.time_unit = dict(params), unit
    return model


# Two customers at the observation end 2025-03-01, in days: c1 bought twice (x = 1, t_x = 4, T = 8),
# c2 once (x = 0, t_x = 0, T = 8).
SUMMARY = pd.DataFrame({"customer_id": ["c1", "c2"], "frequency": [1, 0], "recency": [4.0, 0.0], "T": [8.0, 8.0],
                        "last_purchase": pd.to_datetime(["2025-02-25", "2025-02-21"])})
SUMMARY.attrs.update(observation_end="2025-03-01", time_unit="D")


def test_bgnbd_wait_counted_by_hand():
    model = _model(BetaGeoModel, r=1.0, alpha=2.0, a=0.5, b=1.5)
    # P(no purchase in u | active) = ((α + T) / (α + T + u))^(r + x): c1 (10 / 40)^2 = 1/16, c2 (10 / 40)^1 = 1/4
    np.testing.assert_allclose(wait_probability(model, SUMMARY, 30), [15 / 16, 3 / 4])
    # median wait: 10 (2^(1/(r+x)) - 1) -> c1 10 (√2 - 1) = 4.14 days, c2 10 days
    np.testing.assert_allclose(median_wait(model, SUMMARY), [10 * (math.sqrt(2) - 1), 10.0])
    t = next_purchase_table(model, SUMMARY, horizon_days=30).set_index("customer_id")
    # P(active): c1 1 / (1 + a/(b + x - 1) ((α + T)/(α + t_x))^(r + x)) = 1 / (1 + (1/3)(10/6)^2); c2 (x = 0) 1
    alive = 1 / (1 + (0.5 / 1.5) * (10 / 6) ** 2)
    assert t.loc["c1", "probability_alive"] == pytest.approx(alive)
    assert t.loc["c1", "buy_probability"] == pytest.approx(alive * 15 / 16)
    assert t.loc["c2", "buy_probability"] == pytest.approx(0.75)
    # 4.14 days -> the 5th day after 2025-03-01; 10 days -> 2025-03-11
    assert t.loc["c1", "expected_next_purchase"] == pd.Timestamp("2025-03-06")
    assert t.loc["c2", "expected_next_purchase"] == pd.Timestamp("2025-03-11")
    assert list(t.index) == ["c1", "c2"]  # soonest first
    assert t.loc["c1", "days_since_last_purchase"] == 4 and t.attrs["horizon_days"] == 30


def test_bgnbd_wait_agrees_with_the_models_probability_alive():
    # A customer who does not buy in (T, T + u] stays active (BG/NBD drops out only at a purchase), so
    # Bayes gives odds(active | x, t_x, T + u) = odds(active | x, t_x, T) · P(no purchase in u | active).
    model = _model(BetaGeoModel, r=0.8, alpha=3.0, a=0.7, b=2.2)
    x, tx, T = np.array([1.0, 3.0, 6.0]), np.array([2.0, 5.0, 9.0]), np.array([8.0, 12.0, 10.0])
    odds = lambda t_end: (lambda p: p / (1 - p))(model.conditional_probability_alive(x, tx, t_end))  # noqa: E731
    summary = pd.DataFrame({"frequency": x, "T": T})
    summary.attrs["time_unit"] = "D"
    np.testing.assert_allclose(1 - wait_probability(model, summary, 5.0), odds(T + 5.0) / odds(T), rtol=1e-12)


def test_mbgnbd_shares_the_bgnbd_wait():
    # Same posterior rate Gamma(r + x, α + T) for an active customer: the same wait as BG/NBD
    bg = _model(BetaGeoModel, r=1.0, alpha=2.0, a=0.5, b=1.5)
    mbg = _model(ModifiedBetaGeoModel, r=1.0, alpha=2.0, a=0.5, b=1.5)
    np.testing.assert_allclose(wait_probability(mbg, SUMMARY, 30), wait_probability(bg, SUMMARY, 30))


def test_pareto_nbd_wait_counted_by_hand():
    # With α = β the integral has a closed form: P(W <= u | active) = k/(k+s) [1 - (A/(A+u))^(k+s)],
    # A = α + T = 10, k = r + x. c1: k = 2, s = 1 -> 2/3 (1 - (10/40)^3) = 2/3 · 63/64 at 30 days;
    # c2: k = 1 -> 1/2 (1 - (10/40)^2) = 15/32.
    model = _model(ParetoNBDModel, r=1.0, alpha=2.0, s=1.0, beta=2.0)
    np.testing.assert_allclose(wait_probability(model, SUMMARY, 30), [2 / 3 * 63 / 64, 15 / 32], rtol=1e-10)
    # median of c1: (10 / (10 + u))^3 = 1/4 -> u = 10 (4^(1/3) - 1) = 5.87 days; c2 can never reach an even
    # chance (at most 1/2, only in the limit), so no date
    wait = median_wait(model, SUMMARY)
    assert wait[0] == pytest.approx(10 * (4 ** (1 / 3) - 1), rel=1e-9) and math.isnan(wait[1])
    t = next_purchase_table(model, SUMMARY).set_index("customer_id")
    assert pd.isna(t.loc["c2", "expected_next_purchase"]) and t.loc["c1", "expected_next_purchase"] == pd.Timestamp(
        "2025-03-07")


def test_time_units_and_errors():
    # the same customer in weeks (T = 8/7 weeks), parameters in weeks (α = 2/7): the same wait in days
    weekly = SUMMARY.assign(T=SUMMARY["T"] / 7, recency=SUMMARY["recency"] / 7)
    weekly.attrs.update(SUMMARY.attrs, time_unit="W")
    model = _model(BetaGeoModel, unit="W", r=1.0, alpha=2.0 / 7, a=0.5, b=1.5)
    np.testing.assert_allclose(wait_probability(model, weekly, 30), [15 / 16, 3 / 4])
    np.testing.assert_allclose(median_wait(model, weekly), [10 * (math.sqrt(2) - 1), 10.0])
    with pytest.raises(ParameterError, match="time unit"):
        wait_probability(model, SUMMARY, 30)
    with pytest.raises(ParameterError, match="not been fitted"):
        wait_probability(BetaGeoModel(), SUMMARY, 30)
    with pytest.raises(ParameterError, match="horizon_days"):
        next_purchase_table(_model(BetaGeoModel, r=1.0, alpha=2.0, a=0.5, b=1.5), SUMMARY, horizon_days=0)


def test_fitted_model_on_the_demo_is_consistent(demo_data):
    summary = clv.rfm_summary(demo_data, time_unit="W")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = clv.fit_purchase_model(summary, "bgnbd")
    t = next_purchase_table(model, summary, horizon_days=30)
    assert len(t) == len(summary) and t.attrs["as_of"] == demo_data.as_of
    # P(at least one purchase) never exceeds the expected number of purchases (both given activity)
    active = t[t.probability_alive > 0.01]
    assert (active.buy_if_active <= active.expected_purchases / active.probability_alive + 1e-12).all()
    # a date exactly when the wait is known, never before the day after the as-of date
    known = t.dropna(subset=["days_to_next_purchase"])
    assert (known.expected_next_purchase > pd.Timestamp(demo_data.as_of)).all()
    assert t.expected_next_purchase.isna().sum() == t.days_to_next_purchase.isna().sum()
    assert known.days_to_next_purchase.is_monotonic_increasing
    assert t.expected_next_purchase.min() <= pd.Timestamp(demo_data.as_of + dt.timedelta(days=365))


def test_remind_now_pack_is_masked_and_exported_like_the_audience_packs(tmp_path):
    import json

    from userops_lib.data.ids import mask_id
    from userops_lib.metrics.audiences import export_audiences, hash_ids
    from userops_lib.metrics.reminders import REMINDER_PACK, remind_now, reminder_list

    model = _model(BetaGeoModel, r=1.0, alpha=2.0, a=0.5, b=1.5)
    predictions = next_purchase_table(model, SUMMARY)
    # c1: expected in 4.14 days, P(active) 0.519; c2: in 10 days, P(active) 1 (hand values above)
    pack = remind_now(predictions, within_days=5)
    assert pack.members["customer_id"].tolist() == ["c1"] and pack.sizes["pack"].tolist() == [REMINDER_PACK]
    assert remind_now(predictions, within_days=10).members["customer_id"].tolist() == ["c1", "c2"]
    assert remind_now(predictions, within_days=10, min_probability_alive=0.6).members["customer_id"].tolist() == ["c2"]
    shown = reminder_list(remind_now(predictions, within_days=10))
    assert shown["customer_id"].tolist() == [mask_id("c1"), mask_id("c2")]  # soonest first, masked
    assert shown["expected_next_purchase"].tolist() == [pd.Timestamp("2025-03-06"), pd.Timestamp("2025-03-11")]
    assert reminder_list(pack, mask=False)["customer_id"].tolist() == ["c1"]
    manifest = json.loads(export_audiences(pack, tmp_path, salt="s3cret").read_text(encoding="utf-8"))
    assert manifest["packs"][0]["size"] == 1 and manifest["data_as_of"] == "2025-03-01"
    assert "within 5 days after 2025-03-01" in manifest["packs"][0]["description"]
    exported = pd.read_csv(tmp_path / f"{REMINDER_PACK}.csv")
    assert exported["customer_id_hmac_sha256"].tolist() == hash_ids(["c1"], "s3cret")
    with pytest.raises(ParameterError, match="within_days"):
        remind_now(predictions, within_days=0)
