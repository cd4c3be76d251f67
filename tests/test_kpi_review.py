"""KPI review (考核): targets file, scorecard, progress milestones and agreement with period_kpis.

Every expected value is counted by hand from the small tables in this file (the comment next to
each assertion says how), except the "numbers agree" tests, whose reference is the stage-report
function :func:`userops_lib.metrics.kpis.period_kpis` on the demo fixture.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from userops_lib.data.load import load_dataset
from userops_lib.exceptions import ParameterError
from userops_lib.metrics.kpi_review import (
    EXAMPLE_TARGETS,
    KPI_REGISTRY,
    _change,
    _two_proportion_p,
    change_text,
    kpi_scorecard,
    kpi_trend,
    last_complete_period,
    load_targets,
    moves_sentence,
    notable_moves,
    parse_period,
    period_actuals,
    progress_sentence,
    progress_status,
)
from userops_lib.metrics.kpis import period_kpis

# 10 orders of 5 customers. By quarter:
#   2024-Q3: c1 100                                      -> GMV 100
#   2025-Q2: c2 200, c4 40, c4 40                        -> GMV 280, 3 orders, buyers {c2, c4}
#   2025-Q3: c1 50 + c1 30 (same day), c2 100, c3 60     -> GMV 240, 4 orders, buyers {c1, c2, c3}
#   2025-Q4: c3 20 (Oct 1 = the day after c3's first order), c5 90 (Oct 2 = as-of date)
ORDERS = pd.DataFrame(
    [("o01", "c1", "2024-08-10 10:00", 100.0), ("o02", "c4", "2025-04-01 09:00", 40.0),
     ("o03", "c4", "2025-04-02 09:00", 40.0), ("o04", "c2", "2025-05-05 12:00", 200.0),
     ("o05", "c1", "2025-07-01 10:00", 50.0), ("o06", "c1", "2025-07-01 18:00", 30.0),
     ("o07", "c2", "2025-08-20 11:00", 100.0), ("o08", "c3", "2025-09-30 23:00", 60.0),
     ("o09", "c3", "2025-10-01 08:00", 20.0), ("o10", "c5", "2025-10-02 10:00", 90.0)],
    columns=["order_id", "customer_id", "order_ts", "amount"],
).assign(order_ts=lambda d: pd.to_datetime(d.order_ts))

TARGETS = {"periods": {
    "2025-Q3": {
        "result": {"gmv": 240, "buyers": 4},
        "process": {"repurchase_rate": 0.35, "churn_rate": 0.6, "aov": {"target": 100, "direction": "lower"}},
        "progress": [{"name": "early one", "due": "2025-08-10", "done": "2025-08-01"},
                     {"name": "on-time one", "due": dt.date(2025, 8, 31), "done": dt.date(2025, 8, 31)},
                     {"name": "late one", "due": "2025-09-01", "done": "2025-09-15"},
                     {"name": "open late", "due": "2025-09-20", "done": None},
                     {"name": "open", "due": "2025-12-01"}]},
    "2025": {"result": {"gmv": 700}, "process": {"repurchase_rate": 0.8}},
}}


@pytest.fixture(scope="module")
def shop():
    return load_dataset({"orders": ORDERS})


@pytest.fixture(scope="module")
def card(shop):
    return kpi_scorecard(shop, load_targets(TARGETS), "2025-Q3").set_index("kpi")


# ----------------------------------------------------------------------------- periods, targets
def test_parse_period_and_last_complete_period():
    assert parse_period("2025-Q4") == ("quarter", dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert parse_period(2024) == ("year", dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    # Oct 2 2025: Q3 ended Sep 30, 2024 is the last full year; Dec 31 completes the quarter and the year.
    assert last_complete_period("2025-10-02", "quarter") == "2025-Q3"
    assert last_complete_period("2025-10-02", "year") == "2024"
    assert last_complete_period("2025-12-31", "quarter") == "2025-Q4"
    assert last_complete_period("2025-12-31", "year") == "2025"


def test_example_targets_file_loads_with_every_group():
    targets = load_targets(EXAMPLE_TARGETS)
    assert {"2025-Q3", "2025-Q4", "2025"} <= set(targets)
    for period, spec in targets.items():
        assert spec["result"] and spec["process"] and spec["progress"], period
        values = [t["target"] for group in ("result", "process") for t in spec[group].values()]
        assert all(v > 0 for v in values), period
    # YAML dates become dates; an open milestone has done = None.
    assert targets["2025-Q4"]["progress"][0]["due"] == dt.date(2025, 10, 15)
    assert targets["2025-Q4"]["progress"][1]["done"] is None


@pytest.mark.parametrize("periods, words", [
    ({"2025-Q5": {"result": {"gmv": 1}}}, ["2025-Q5"]),
    ({"Q4 2025": {"result": {"gmv": 1}}}, ["Q4 2025"]),
    ({"2025-Q4": {"result": {"gmw": 1}}}, ["2025-Q4", "result.gmw", "unknown KPI"]),
    ({"2025-Q4": {"process": {"aov": "high"}}}, ["2025-Q4", "process.aov", "number"]),
    ({"2025-Q4": {"process": {"aov": True}}}, ["2025-Q4", "process.aov"]),
    ({"2025-Q4": {"process": {"churn_rate": {"target": 0.5, "direction": "down"}}}}, ["2025-Q4", "churn_rate", "direction"]),
    ({"2025-Q4": {"results": {"gmv": 1}}}, ["2025-Q4", "results"]),
    ({"2025": {"progress": [{"name": "Launch", "done": "2025-01-02"}]}}, ["2025", "Launch", "due"]),
    ({"2025": {"progress": [{"name": "Launch", "due": "next spring"}]}}, ["2025", "Launch", "due", "next spring"]),
    ({"2025": {"progress": [{"due": "2025-01-02"}]}}, ["2025", "progress[0]", "name"]),
])
def test_bad_targets_name_the_period_and_the_key(periods, words):
    with pytest.raises(ParameterError) as err:
        load_targets({"periods": periods})
    for word in words:
        assert word in str(err.value)


def test_bad_targets_file(tmp_path):
    with pytest.raises(ParameterError, match="does not exist"):
        load_targets(tmp_path / "nope.yaml")
    (tmp_path / "t.yaml").write_text("targets:\n  gmv: 1\n")
    with pytest.raises(ParameterError, match="periods"):
        load_targets(tmp_path / "t.yaml")
    (tmp_path / "u.yaml").write_text("periods:\n  2025-Q4:\n    result: {gmv: 12O0}\n")  # letter O typo
    with pytest.raises(ParameterError, match=r"2025-Q4, result.gmv"):
        load_targets(tmp_path / "u.yaml")


# ---------------------------------------------------------------------------------- scorecard
def test_quarter_actuals_counted_by_hand(card):
    # 2025-Q3: GMV 50+30+100+60 = 240; buyers c1, c2, c3 = 3; only c1 has 2 orders -> 1/3.
    assert card.at["gmv", "actual"] == pytest.approx(240.0)
    assert card.at["buyers", "actual"] == 3
    assert card.at["repurchase_rate", "actual"] == pytest.approx(1 / 3)
    # AOV 240 / 4 orders = 60; churn: Q2 buyers {c2, c4}, c4 did not buy in Q3 -> 1/2.
    assert card.at["aov", "actual"] == pytest.approx(60.0)
    assert card.at["churn_rate", "actual"] == pytest.approx(0.5)


def test_statuses_follow_the_thresholds(card):
    # gmv 240/240 = 100 % -> met; buyers 3/4 = 75 % -> missed; repurchase (1/3)/0.35 = 95 % -> at risk.
    assert card.at["gmv", "attainment"] == pytest.approx(1.0) and card.at["gmv", "status"] == "met"
    assert card.at["buyers", "attainment"] == pytest.approx(0.75) and card.at["buyers", "status"] == "missed"
    assert card.at["repurchase_rate", "attainment"] == pytest.approx((1 / 3) / 0.35)
    assert card.at["repurchase_rate", "status"] == "at risk"
    assert list(card["group"]) == ["result", "result", "process", "process", "process"]


def test_stricter_thresholds_move_the_status(shop):
    # With met at 120 % and at risk at 100 %, GMV at exactly 100 % is only "at risk".
    strict = kpi_scorecard(shop, TARGETS, "2025-Q3", thresholds=(1.2, 1.0)).set_index("kpi")
    assert strict.at["gmv", "status"] == "at risk"
    with pytest.raises(ParameterError, match="thresholds"):
        kpi_scorecard(shop, TARGETS, "2025-Q3", thresholds=(0.9, 1.0))


def test_lower_is_better(card):
    # churn_rate is lower-is-better in the registry: target 0.6 / actual 0.5 = 120 % -> met.
    assert KPI_REGISTRY["churn_rate"].direction == "lower"
    assert card.at["churn_rate", "direction"] == "lower"
    assert card.at["churn_rate", "attainment"] == pytest.approx(1.2) and card.at["churn_rate", "status"] == "met"
    # aov overridden to lower in the targets: 100 / 60 = 167 % -> met (as higher it would be 60 %, missed).
    assert card.at["aov", "direction"] == "lower"
    assert card.at["aov", "attainment"] == pytest.approx(100 / 60) and card.at["aov", "status"] == "met"


def test_trend_vs_previous_period_and_last_year(card):
    # Previous quarter 2025-Q2 GMV 280: (240-280)/280; same quarter last year 2024-Q3 GMV 100: +140 %.
    assert card.at["gmv", "previous"] == pytest.approx(280.0)
    assert card.at["gmv", "change_vs_previous"] == pytest.approx(-40 / 280)
    assert card.at["gmv", "last_year"] == pytest.approx(100.0)
    assert card.at["gmv", "change_vs_last_year"] == pytest.approx(1.4)
    # Q2 repurchase: c4 has 2 orders of buyers {c2, c4} -> 1/2. A rate moves in percentage points:
    # 1/3 - 1/2 = -16.67 pp, and has no relative change column.
    assert card.at["repurchase_rate", "previous"] == pytest.approx(0.5)
    assert card.at["repurchase_rate", "change_vs_previous_pp"] == pytest.approx(100 * (1 / 3 - 1 / 2))
    assert math.isnan(card.at["repurchase_rate", "change_vs_previous"])
    assert math.isnan(card.at["gmv", "change_vs_previous_pp"])
    assert change_text(np.nan, card.at["repurchase_rate", "change_vs_previous_pp"]) == "-16.7 pp"
    assert change_text(card.at["gmv", "change_vs_previous"], np.nan) == "-14.3%"  # -40 / 280


# Shrinking shop: buyers 5 -> 4 -> 2 and GMV 500 -> 400 -> 100 in 2025-Q1..Q3, so both growth rates are
# negative in Q2 (-20 %, -20 %) and fall further in Q3 (buyers -50 %, GMV -75 %).
SHRINKING = pd.DataFrame(
    [(f"s{i}", c, ts, 100.0) for i, (c, ts) in enumerate(
        [("a", "2025-01-05"), ("b", "2025-01-06"), ("c", "2025-01-07"), ("d", "2025-01-08"), ("e", "2025-01-09"),
         ("a", "2025-04-05"), ("b", "2025-04-06"), ("c", "2025-04-07"), ("d", "2025-04-08")])]
    + [("s9", "a", "2025-07-05", 60.0), ("s10", "b", "2025-07-06", 40.0)],
    columns=["order_id", "customer_id", "order_ts", "amount"],
).assign(order_ts=lambda d: pd.to_datetime(d.order_ts))


def test_growth_rates_from_a_negative_base_keep_the_sign_of_the_move():
    card = kpi_scorecard(load_dataset({"orders": SHRINKING}, as_of="2025-09-30"), {"periods": {}}, "2025-Q3")
    card = card.set_index("kpi")
    # Buyer growth: Q2 (4-5)/5 = -20 %, Q3 (2-4)/4 = -50 % -> -30 pp (worse), not +150 % as (-0.5+0.2)/-0.2.
    assert card.at["buyer_growth_rate", "previous"] == pytest.approx(-0.2)
    assert card.at["buyer_growth_rate", "actual"] == pytest.approx(-0.5)
    assert card.at["buyer_growth_rate", "change_vs_previous_pp"] == pytest.approx(-30.0)
    # GMV growth: Q2 (400-500)/500 = -20 %, Q3 (100-400)/400 = -75 % -> -55 pp.
    assert card.at["gmv_growth_rate", "change_vs_previous_pp"] == pytest.approx(-55.0)
    # GMV itself 400 -> 100: -75 %.
    assert card.at["gmv", "change_vs_previous"] == pytest.approx(-0.75)


def test_relative_change_divides_by_the_size_of_a_negative_base():
    # From -12.6 to -18.8: (-18.8 + 12.6) / 12.6 = -49.2 % (a fall); from -77.2 to -13.1: +83.0 % (a rise).
    got = _change(pd.Series([-18.8, -13.1, 5.0, 1.0]), pd.Series([-12.6, -77.2, 4.0, 0.0]))
    assert got.iloc[0] == pytest.approx(-6.2 / 12.6)
    assert got.iloc[1] == pytest.approx(64.1 / 77.2)
    assert got.iloc[2] == pytest.approx(0.25)
    assert math.isnan(got.iloc[3])  # no relative change from 0


def test_year_rates_are_recomputed_over_the_year(shop):
    card = kpi_scorecard(shop, TARGETS, "2025").set_index("kpi")
    # 2025 GMV: 40+40+200+50+30+100+60+20+90 = 630 -> 630/700 = 90 % -> at risk.
    assert card.at["gmv", "actual"] == pytest.approx(630.0)
    assert card.at["gmv", "status"] == "at risk"
    # 2025 buyers c1..c5; c1, c2, c3, c4 each have 2 orders in the year -> 4/5 (no quarter has more than 1/2).
    assert card.at["repurchase_rate", "actual"] == pytest.approx(0.8)
    assert card.at["repurchase_rate", "status"] == "met"
    # previous year 2024: GMV 100 (c1).
    assert card.at["gmv", "previous"] == pytest.approx(100.0)
    assert card.attrs["complete"] is False  # as-of Oct 2, 2025


def test_year_churn_counts_only_complete_years():
    # c1 (the only 2024 buyer) buys again in 2025 -> year churn 0 once 2025 is complete; NaN before.
    full = period_actuals(load_dataset({"orders": ORDERS}, as_of="2025-12-31"), ["2025"], ["churn_rate", "new_buyers"])
    assert full.set_index("kpi").at["churn_rate", "actual"] == 0.0
    assert full.set_index("kpi").at["new_buyers", "actual"] == 4  # c2, c3, c4, c5 first bought in 2025
    partial = period_actuals(load_dataset({"orders": ORDERS}), ["2025"], ["churn_rate"])
    assert math.isnan(partial.at[0, "actual"])


def test_retention_of_the_periods_new_buyers(shop):
    # Q3 new buyers: c3 only (first order Sep 30); c3 buys on Oct 1 = day 1 -> D1 = 1/1.
    # D7 needs day 7 (Oct 7) to be observed, after the as-of date Oct 2 -> not computable (NaN).
    ret = period_actuals(shop, ["2025-Q3"], ["d1_retention", "d7_retention"]).set_index("kpi")
    assert ret.at["d1_retention", "actual"] == 1.0
    assert math.isnan(ret.at["d7_retention", "actual"])


def test_every_missing_actual_says_why(shop):
    quarters = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    out = period_actuals(shop, quarters).set_index(["period", "kpi"])
    assert (out.note[out.actual.isna()] != "").all()
    assert (out.note[out.actual.notna()] == "").all()
    # 2025-Q1 has no order: no new buyers for retention, no buyers for repurchase, no orders for AOV.
    assert out.at[("2025-Q1", "d7_retention_within"), "note"] == "no new buyers in the period"
    assert out.at[("2025-Q1", "repurchase_rate"), "note"] == "no buyers in the period"
    assert out.at[("2025-Q1", "aov"), "note"] == "no orders in the period"
    # Q2 churn and growth compare with Q1's 0 buyers.
    assert out.at[("2025-Q2", "churn_rate"), "note"] == "no buyers in the previous quarter"
    assert "no previous quarter" in out.at[("2025-Q2", "buyer_growth_rate"), "note"]
    # Q3 return purchase needs Q4 complete (as-of Oct 2); c3's day 7 (Oct 7) is after Oct 2.
    assert out.at[("2025-Q3", "return_purchase_rate"), "note"] == "needs the following quarter to be complete"
    assert "day 7" in out.at[("2025-Q3", "d7_retention"), "note"]
    assert out.at[("2025-Q4", "churn_rate"), "note"] == "needs the complete quarter"


def test_bases_are_the_customers_behind_each_value(shop):
    out = period_actuals(shop, ["2025-Q3"], ["repurchase_rate", "churn_rate", "d1_retention", "gmv"])
    base = out.set_index("kpi")["base"]
    # Q3 buyers c1, c2, c3 = 3; churn rests on Q2's buyers c2, c4 = 2; D1 on the one new buyer c3.
    assert base["repurchase_rate"] == 3 and base["gmv"] == 3
    assert base["churn_rate"] == 2 and base["d1_retention"] == 1


def test_two_proportion_p_value_matches_the_chi_square_test(card):
    # Reviewer's D7 case: 16/1507 vs 17/1299; the pooled z-test is the uncorrected 2x2 chi-square test.
    p = _two_proportion_p(pd.Series([16 / 1507]), pd.Series([1507]), pd.Series([17 / 1299]), pd.Series([1299]))
    ref = chi2_contingency([[16, 1507 - 16], [17, 1299 - 17]], correction=False)[1]
    assert p.iloc[0] == pytest.approx(ref, rel=1e-9) and p.iloc[0] > 0.5
    # Scorecard: Q3 repurchase 1 of 3 vs Q2 1 of 2.
    ref = chi2_contingency([[1, 2], [1, 1]], correction=False)[1]
    assert card.at["repurchase_rate", "p_value_vs_previous"] == pytest.approx(ref, rel=1e-9)
    assert math.isnan(card.at["gmv", "p_value_vs_previous"])  # GMV is not a share of customers


# A scorecard by hand: GMV +20 %; churn (lower is better) 50 % -> 60 % of 200 buyers (p = 0.044, hand z =
# 2.01); repurchase 20 % -> 30 % of 1,000 buyers; AOV halves on 20 buyers; D7 16/1507 vs 17/1299 (p = 0.55).
HAND_CARD = pd.DataFrame({
    "kpi": ["gmv", "churn_rate", "repurchase_rate", "aov", "d7_retention"],
    "label": ["GMV", "Buyer churn rate", "Repurchase rate", "AOV", "D7"],
    "actual": [120.0, 0.6, 0.3, 50.0, 16 / 1507], "previous": [100.0, 0.5, 0.2, 100.0, 17 / 1299],
    "direction": ["higher", "lower", "higher", "higher", "higher"],
    "change_vs_previous": [0.2, np.nan, np.nan, -0.5, np.nan],
    "change_vs_previous_pp": [np.nan, 10.0, 10.0, np.nan, 100 * (16 / 1507 - 17 / 1299)],
    "base": [40, 200, 1000, 20, 1507], "base_previous": [40, 200, 1000, 25, 1299],
    "p_value_vs_previous": [np.nan, 0.044, 1e-6, np.nan, 0.545]})


def test_moves_are_ranked_by_improvement_and_noise_is_not_called_out():
    moves = notable_moves(HAND_CARD).set_index("kpi")
    # Gains: GMV +0.20, repurchase +0.10 (10 pp), D7 -0.0025, churn -0.10 (up is bad), AOV -0.50.
    assert list(moves.index) == ["gmv", "repurchase_rate", "d7_retention", "churn_rate", "aov"]
    assert moves.at["churn_rate", "gain"] == pytest.approx(-0.10)
    assert moves.at["aov", "reason"] == "fewer than 30 customers in one of the periods"
    assert moves.at["d7_retention", "reason"].startswith("not significant")
    assert moves.at["gmv", "reason"] == "" and moves.at["churn_rate", "reason"] == ""
    text = moves_sentence(notable_moves(HAND_CARD), "quarter")
    assert "largest improvement was **GMV** (+20.0%)" in text
    assert "largest deterioration was **Buyer churn rate** (+10.0 pp)" in text
    assert "AOV (-50.0%, fewer than 30 customers" in text and "D7 (-0.2 pp, not significant" in text
    # Nothing to rank against: say so.
    assert "no previous quarter" in moves_sentence(notable_moves(HAND_CARD.iloc[:0]), "quarter")


def test_kpis_needing_absent_tables_are_marked(shop):
    out = period_actuals(shop, ["2025-Q3"], ["dau_mau", "channel_conversion", "gmv"]).set_index("kpi")
    assert out.at["dau_mau", "note"] == "n/a: needs table events"
    assert out.at["channel_conversion", "note"] == "n/a: needs table customers"
    assert math.isnan(out.at["dau_mau", "actual"]) and out.at["gmv", "note"] == ""


def test_period_without_targets_shows_actuals_only(shop):
    card = kpi_scorecard(shop, TARGETS, "2025-Q2")
    assert card.attrs["has_targets"] is False
    assert set(card["kpi"]) == set(KPI_REGISTRY)
    assert (card["status"] == "no target").all()
    assert card.set_index("kpi").at["gmv", "actual"] == pytest.approx(280.0)  # 200 + 40 + 40


def test_accepts_a_plain_orders_dataframe():
    orders = ORDERS.assign(order_date=ORDERS.order_ts.dt.date)
    card = kpi_scorecard(orders, TARGETS, "2025-Q3").set_index("kpi")
    assert card.at["gmv", "actual"] == pytest.approx(240.0)


def test_kpi_trend(shop):
    # GMV per quarter 2025-Q1..Q3: Q1 had no order (0), Q2 280, Q3 240.
    trend = kpi_trend(shop, "gmv", ("2025-Q3", 3))
    assert list(trend["period"]) == ["2025-Q1", "2025-Q2", "2025-Q3"]
    assert list(trend["actual"]) == [0.0, 280.0, 240.0]
    # A rate of a period without buyers is missing (NaN, with a note), never 0; several KPIs: long form.
    both = kpi_trend(shop, ["gmv", "repurchase_rate"], ("2025-Q3", 3)).set_index(["period", "kpi"])
    assert math.isnan(both.at[("2025-Q1", "repurchase_rate"), "actual"])
    assert both.at[("2025-Q1", "repurchase_rate"), "note"] == "no buyers in the period"
    assert both.at[("2025-Q2", "repurchase_rate"), "actual"] == 0.5
    with pytest.raises(ParameterError, match="gmw"):
        kpi_trend(shop, "gmw", ["2025-Q3"])


# ----------------------------------------------------------------------------------- progress
def test_the_trend_reuses_the_scorecards_periods(monkeypatch):
    # 05 asks for each KPI of the scorecard's quarters (this, the previous, last year's) again in its
    # trend charts: each (KPI, quarter) is computed once per Dataset, with the same values
    from userops_lib.metrics import kpi_review

    shop, asked = load_dataset({"orders": ORDERS}), []
    real = kpi_review._actual
    monkeypatch.setattr(kpi_review, "_actual", lambda *args: asked.append((args[2], args[3])) or real(*args))
    card = kpi_scorecard(shop, load_targets(TARGETS), "2025-Q3").set_index("kpi")
    assert {("gmv", q) for q in ("2025-Q3", "2025-Q2", "2024-Q3")} <= set(asked)
    asked.clear()
    trend = kpi_trend(shop, "gmv", ("2025-Q3", 3)).set_index("period")
    assert asked == [("gmv", "2025-Q1")]  # Q2 and Q3 were the scorecard's
    assert trend.at["2025-Q3", "actual"] == card.at["gmv", "actual"] == 240.0  # GMV of Q3 by hand (above)


def test_progress_status_by_hand():
    # Review date Oct 2, 2025: done Aug 1 < due Aug 10 -> early (-9 days); Aug 31 = due -> on time;
    # Sep 15 > Sep 1 -> overdue (14); open, due Sep 20 -> open-overdue (12); due Dec 1 -> open.
    out = progress_status(TARGETS, "2025-Q3", "2025-10-02").set_index("name")
    assert list(out["status"]) == ["early", "on time", "overdue", "open-overdue", "open"]
    assert list(out["days_late"].iloc[:4]) == [-9, 0, 14, 12] and math.isnan(out["days_late"].iloc[4])
    assert progress_status(TARGETS, "2025-Q2", "2025-10-02").empty


def test_progress_sentence_singular_and_plural():
    # One each of early / on time / overdue / open-overdue: singular verbs.
    out = progress_status(TARGETS, "2025-Q3", "2025-10-02")
    assert progress_sentence(out) == ("Of 5 milestones, 1 was done early, 1 on time, 1 late, and 1 is still open "
                                      "past its due date.")
    two = pd.concat([out.iloc[:1], out.iloc[:1]])
    assert progress_sentence(two) == ("Of 2 milestones, 2 were done early, 0 on time, 0 late, and 0 are still "
                                      "open past their due date.")


def test_retention_labels_and_example_targets_use_the_seed_definition():
    # Seed 003: 7日留存 = bought again *within* 7 days; on-day KPIs say "on day N".
    assert "on day 7" in KPI_REGISTRY["d7_retention"].label
    assert "within 7 days" in KPI_REGISTRY["d7_retention_within"].label
    targets = load_targets()
    targeted = {k for spec in targets.values() for k in spec["process"]}
    assert {"d7_retention_within", "d30_retention_within"} <= targeted
    assert not targeted & {"d1_retention", "d7_retention", "d30_retention"}


# --------------------------------------------------------------------------------- agreement
def test_numbers_agree_with_period_kpis_on_demo(demo_data):
    quarter = last_complete_period(demo_data.as_of, "quarter")
    ref = period_kpis(demo_data, period="quarter").set_index("period").loc[quarter]
    card = kpi_scorecard(demo_data, load_targets(), quarter).set_index("kpi")
    actual = period_actuals(demo_data, [quarter], ["gmv", "aov", "repurchase_rate"]).set_index("kpi")["actual"]
    for kpi in ("gmv", "aov", "repurchase_rate"):
        assert actual[kpi] == pytest.approx(ref[kpi], rel=1e-12)
        if kpi in card.index:
            assert card.at[kpi, "actual"] == pytest.approx(ref[kpi], rel=1e-12)


def test_year_sums_agree_with_quarters_on_demo(demo_data):
    # A year's GMV, orders and new buyers (first purchase ever) are the sums of its quarters.
    year = str(demo_data.as_of.year - 1)
    quarters = period_kpis(demo_data, period="quarter")
    quarters = quarters[quarters.period.str.startswith(year)]
    got = period_actuals(demo_data, [year], ["gmv", "orders", "new_buyers", "aov"]).set_index("kpi")["actual"]
    assert got["gmv"] == pytest.approx(quarters.gmv.sum())
    assert got["orders"] == quarters.orders.sum()
    assert got["new_buyers"] == quarters.new_buyers.sum()
    assert got["aov"] == pytest.approx(quarters.gmv.sum() / quarters.orders.sum())


def test_all_kpis_adds_every_kpi_without_a_target_after_the_targeted_ones(shop):
    # issue 14 #6: churn, 回购率, DAU, MAU... are shown even when the file sets no target for them
    card = kpi_scorecard(shop, TARGETS, "2025-Q3", all_kpis=True)
    targeted = ["gmv", "buyers", "repurchase_rate", "churn_rate", "aov"]  # TARGETS' 2025-Q3, in file order
    assert list(card["kpi"][:5]) == targeted and set(card["kpi"]) == set(KPI_REGISTRY)
    rest = card.iloc[5:].set_index("kpi")
    assert rest["target"].isna().all() and (rest["status"] == "no target").all()
    # orders: o05..o08 in Q3 -> 4, against o02..o04 in Q2 -> 3 (+33.3%)
    assert rest.at["orders", "actual"] == 4 and rest.at["orders", "change_vs_previous"] == pytest.approx(1 / 3)
    # return purchase needs Q4 complete (the data ends on Oct 2): no value, and the note says why
    assert rest.at["return_purchase_rate", "note"] == "needs the following quarter to be complete"
    assert rest.at["dau", "note"] == "n/a: needs table events"  # no events: no value, said why
    # without all_kpis only the targeted rows
    assert list(kpi_scorecard(shop, TARGETS, "2025-Q3")["kpi"]) == targeted


def test_dau_and_mau_are_the_means_of_the_quarters_months():
    # July 1: c1, c2; July 2: c1; Aug 1: c3; no event in September (the data's months count, inactive days 0).
    # Average DAU: July 3 / 31, August 1 / 31, September 0 -> mean 4 / 93; MAU 2, 1, 0 -> mean 1.0;
    # DAU/MAU: (3/31)/2, (1/31)/1, September none -> mean of the two = 5 / 124
    events = pd.DataFrame({"customer_id": ["c1", "c2", "c1", "c3"], "event_name": ["visit"] * 4,
                           "event_ts": pd.to_datetime(["2025-07-01 08:00", "2025-07-01 09:00", "2025-07-02 10:00",
                                                       "2025-08-01 10:00"])})
    data = load_dataset({"orders": ORDERS, "events": events})
    got = period_actuals(data, ["2025-Q3"], ["dau", "mau", "dau_mau"]).set_index("kpi")["actual"]
    assert got["dau"] == pytest.approx(4 / 93) and got["mau"] == pytest.approx(1.0)
    assert got["dau_mau"] == pytest.approx(5 / 124)


def test_usage_retention_and_purchase_conversion_of_the_quarter():
    # issue 14 #6. Sign-ups in Q3: c1 (Jul 1), c2 (Jul 10), c3 (Aug 1), c9 (Sep 28: day 7 is Oct 5, after the
    # as-of date Oct 2, so not observable). Events: c1 on Jul 3 (day 2: came back within 7 days), c2 on Jul 20
    # (day 10: too late), c3 on Aug 1 (day 0 only), c4 on Aug 15 (signed up in Q2: not in the cohort).
    # Usage retention within 7 days: 1 of 3 observable sign-ups = 1/3.
    # Purchase conversion: visitors in Q3 c1, c2, c3, c4 = 4; buyers in Q3 (o05..o08) c1, c2, c3 = 3 -> 3/4.
    customers = pd.DataFrame({"customer_id": ["c1", "c2", "c3", "c4", "c5", "c9"],
                              "signup_ts": ["2025-07-01", "2025-07-10", "2025-08-01", "2025-04-01", "2025-10-02",
                                              "2025-09-28"]})
    events = pd.DataFrame({"customer_id": ["c1", "c2", "c3", "c4"], "event_name": ["visit"] * 4,
                           "event_ts": pd.to_datetime(["2025-07-03 10:00", "2025-07-20 10:00", "2025-08-01 10:00",
                                                       "2025-08-15 10:00"])})
    data = load_dataset({"orders": ORDERS, "customers": customers, "events": events})
    got = period_actuals(data, ["2025-Q3"], ["usage_d7_retention", "purchase_conversion"]).set_index("kpi")
    assert got.at["usage_d7_retention", "actual"] == pytest.approx(1 / 3) and got.at["usage_d7_retention", "base"] == 3
    assert got.at["purchase_conversion", "actual"] == pytest.approx(3 / 4) and got.at["purchase_conversion", "base"] == 4
    # without events neither can be computed, and the note says which table is missing
    plain = period_actuals(load_dataset({"orders": ORDERS, "customers": customers}), ["2025-Q3"],
                           ["usage_d7_retention", "purchase_conversion"]).set_index("kpi")["note"]
    assert plain.tolist() == ["n/a: needs table events", "n/a: needs table events"]


def test_nps_of_the_survey_rounds_sent_in_the_quarter():
    # issue 14 #6: NPS is a KPI of the review. Round r2 is sent in Q2 (first row Jun 30), r3 in Q3
    # (first row Jul 2, answered until Jul 5), r4 (Oct 1) in Q4, outside Q3.
    # Q2 (r2): c1 10, c2 3, c3 9 -> promoters 2, detractors 1 of 3 -> 100 * (2 - 1) / 3 = +33.3.
    # Q3 (r3): c1 9, c2 7, c3 5, c4 6, c5 invited without a score -> promoters 1, detractors 2 of 4 scored
    # -> 100 * (1 - 2) / 4 = -25.0; change -25.0 - 33.3 = -58.3 points; base = 4 scores.
    # Q1: no round -> no value, said why.
    rows = [("r2", "c1", 10, "2025-06-30"), ("r2", "c2", 3, "2025-07-01"), ("r2", "c3", 9, "2025-07-01"),
            ("r3", "c1", 9, "2025-07-02"), ("r3", "c2", 7, "2025-07-03"), ("r3", "c3", 5, "2025-07-05"),
            ("r3", "c4", 6, "2025-07-03"), ("r3", "c5", None, "2025-07-02"), ("r4", "c1", 0, "2025-10-01")]
    surveys = pd.DataFrame(rows, columns=["survey_id", "customer_id", "score", "ts"]).assign(
        question="nps", ts=lambda d: pd.to_datetime(d.ts))
    data = load_dataset({"orders": ORDERS, "surveys": surveys})
    got = period_actuals(data, ["2025-Q1", "2025-Q2", "2025-Q3"], ["nps"]).set_index("period")
    assert got.at["2025-Q2", "actual"] == pytest.approx(100 / 3) and got.at["2025-Q2", "base"] == 3
    assert got.at["2025-Q3", "actual"] == pytest.approx(-25.0) and got.at["2025-Q3", "base"] == 4
    assert math.isnan(got.at["2025-Q1", "actual"])
    assert got.at["2025-Q1", "note"] == "no NPS survey round sent in the period"
    card = kpi_scorecard(data, TARGETS, "2025-Q3", all_kpis=True).set_index("kpi")
    assert card.at["nps", "status"] == "no target" and card.at["nps", "format"] == "points"
    # a move of a score in points, never relative (-25 against +33.3 would read -175%)
    assert card.at["nps", "change_vs_previous_pp"] == pytest.approx(-25.0 - 100 / 3)
    assert math.isnan(card.at["nps", "change_vs_previous"])
    # without surveys the note names the table
    plain = period_actuals(load_dataset({"orders": ORDERS}), ["2025-Q3"], ["nps"])
    assert plain["note"].iloc[0] == "n/a: needs table surveys"
