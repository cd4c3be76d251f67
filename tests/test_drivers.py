"""同比 / 环比 of the headline KPIs and the GMV driver tree, on a hand-made shop.

Every expected value is derived by hand from the tables below (the comment next to each assertion
says how); the LMDI contributions are written as their closed forms, L(a, b) = (a - b) / ln(a / b)
(Ang 2005, additive LMDI-I). The demo-shop tests check the identities the decomposition promises
(parts add up to the total) on real-sized data.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from userops_lib.data.load import load_dataset
from userops_lib.exceptions import ParameterError
from userops_lib.metrics.drivers import driver_tree, drivers_sentence, headline_comparison, log_mean
from userops_lib.metrics.kpi_review import kpi_scorecard, load_targets, result_drivers

# 2024-02: x buys once (100)                          -> GMV 100, 1 order, 1 buyer (new)
# 2024-03 .. 2024-12: nothing
# 2025-01: a buys twice (100 + 100), b once (200)     -> GMV 400, 3 orders, 2 buyers (both new)
# 2025-02: a 300 (returning), c 100 + 200, d 200      -> GMV 800, 4 orders, 3 buyers (c, d new; a returning)
ORDERS = pd.DataFrame(
    [("o1", "x", "2024-02-10 10:00", 100.0),
     ("o2", "a", "2025-01-03 10:00", 100.0), ("o3", "a", "2025-01-20 10:00", 100.0), ("o4", "b", "2025-01-05 10:00", 200.0),
     ("o5", "a", "2025-02-02 10:00", 300.0), ("o6", "c", "2025-02-03 10:00", 100.0), ("o7", "c", "2025-02-04 10:00", 200.0),
     ("o8", "d", "2025-02-28 10:00", 200.0)],
    columns=["order_id", "customer_id", "order_ts", "amount"]).assign(order_ts=lambda d: pd.to_datetime(d.order_ts))
# Visitors (any event): 2025-01 a, b, e, f -> 4; 2025-02 a, c, d, e, f, g -> 6. Conversion 2/4 = 3/6 = 0.5.
EVENTS = pd.DataFrame(
    [(c, "2025-01-15 09:00", "visit") for c in "abef"] + [(c, "2025-02-15 09:00", "visit") for c in "acdefg"]
    + [("a", "2025-02-16 09:00", "visit")],  # a second visit of a counts once
    columns=["customer_id", "event_ts", "event_name"]).assign(event_ts=lambda d: pd.to_datetime(d.event_ts))


@pytest.fixture(scope="module")
def shop():
    return load_dataset({"orders": ORDERS, "events": EVENTS})


@pytest.fixture(scope="module")
def orders_only():
    return load_dataset({"orders": ORDERS})


def test_headline_counted_by_hand(shop):
    h = headline_comparison(shop, "month", at="2025-02-15").set_index("kpi")
    assert h.attrs["period"] == "2025-02" and h.attrs["previous_period"] == "2025-01"
    assert h.attrs["last_year_period"] == "2024-02" and h.attrs["complete"]
    assert list(h.index) == ["gmv", "orders", "buyers", "new_buyers", "returning_buyers", "aov"]
    # GMV 800 vs 400 (环比 +100%) and vs 100 a year before (同比 +700%)
    assert tuple(h.loc["gmv", ["value", "previous", "last_year"]]) == (800.0, 400.0, 100.0)
    assert h.loc["gmv", "change_vs_previous"] == pytest.approx(1.0)
    assert h.loc["gmv", "change_vs_last_year"] == pytest.approx(7.0)
    # orders 4 vs 3 vs 1; buyers 3 vs 2 vs 1; new 2 (c, d) vs 2 (a, b) vs 1 (x)
    assert tuple(h.loc["orders", ["value", "previous", "last_year"]]) == (4, 3, 1)
    assert h.loc["orders", "change_vs_previous"] == pytest.approx(1 / 3)
    assert tuple(h.loc["new_buyers", ["value", "previous", "last_year"]]) == (2, 2, 1)
    # AOV 800/4 = 200 vs 400/3 vs 100/1: +50% and +100%
    assert h.loc["aov", "previous"] == pytest.approx(400 / 3)
    assert h.loc["aov", "change_vs_previous"] == pytest.approx(0.5)
    assert h.loc["aov", "change_vs_last_year"] == pytest.approx(1.0)
    # returning: 1 (a) vs 0 and 0 -> no relative change, and the note says why (never a bare blank)
    assert math.isnan(h.loc["returning_buyers", "change_vs_previous"])
    # x's order on 2024-02-10 is the first of the data: February 2024 is partial
    assert h.loc["returning_buyers", "note"] == ("previous value 0; same period last year (2024-02) is partial: the "
                                                 "data starts on 2024-02-10, inside it; last year value 0")
    assert h.loc["gmv", "note"] == "same period last year (2024-02) is partial: the data starts on 2024-02-10, inside it"
    assert h.attrs["last_year_note"] == "same period last year (2024-02) is partial: the data starts on 2024-02-10, inside it"


def test_headline_says_when_there_is_no_year_of_history(shop):
    # default = the last complete month with orders: 2025-02 (the data ends on 2025-02-28)
    assert headline_comparison(shop).attrs["period"] == "2025-02"
    h = headline_comparison(shop, "month", at="2025-01-01")
    # 2024-01 is before the first order (2024-02-10): no value, and the note names the reason
    assert h["last_year"].isna().all() and h["change_vs_last_year"].isna().all()
    # the previous month (2024-12) is inside the data and had no orders: a real 0, not missing; its AOV
    # (0 / 0) is undefined and says so
    no_year = "no same period last year (2024-01): the data starts on 2024-02-10"
    assert set(h["note"]) == {f"previous value 0; {no_year}", f"previous value undefined (no orders); {no_year}"}
    gmv = h.set_index("kpi").loc["gmv"]
    assert gmv.previous == 0 and math.isnan(gmv.change_vs_previous)
    with pytest.raises(ParameterError, match="after the data's as-of date"):
        headline_comparison(shop, at="2026-01-01")


def test_driver_tree_counted_by_hand(shop):
    tree = driver_tree(shop, "month", at="2025-02-01", compare="previous")
    t = tree.set_index("node")
    assert t.attrs["period"] == "2025-02" and t.attrs["base_period"] == "2025-01" and t.attrs["note"] == ""
    # GMV 400 -> 800. Buyers 2 -> 3, orders per buyer 3/2 -> 4/3, AOV 400/3 -> 200.
    w = (800 - 400) / math.log(800 / 400)  # L(800, 400) = 400 / ln 2 = 577.08
    assert t.loc["gmv", "contribution"] == pytest.approx(400.0)
    assert t.loc["buyers", "contribution"] == pytest.approx(w * math.log(3 / 2))        # +233.99
    assert t.loc["orders_per_buyer", "contribution"] == pytest.approx(w * math.log(8 / 9))  # -67.97
    assert t.loc["aov", "contribution"] == pytest.approx(w * math.log(3 / 2))           # +233.99
    assert t.loc["orders_per_buyer", "before"] == 1.5 and t.loc["orders_per_buyer", "now"] == pytest.approx(4 / 3)
    assert t.loc["aov", "change"] == pytest.approx(0.5)
    # new buyers 2 -> 2 contribute nothing; returning 0 -> 1 carry the buyers' whole contribution
    assert t.loc["new_buyers", "contribution"] == 0.0
    assert t.loc["returning_buyers", "contribution"] == pytest.approx(w * math.log(3 / 2))
    # visitors 4 -> 6, conversion 0.5 -> 0.5: all of the buyers' contribution is visitors
    assert t.loc["visitors", "contribution"] == pytest.approx(w * math.log(6 / 4))
    assert t.loc["conversion", "contribution"] == pytest.approx(0.0, abs=1e-9)
    assert t.loc["aov", "share_of_change"] == pytest.approx(math.log(1.5) / math.log(2))  # 58.5 %
    assert t.loc["buyers", "parent"] == "gmv" and t.loc["new_buyers", "parent"] == "buyers"
    assert drivers_sentence(tree) == (
        "GMV rose from 400 (2025-01) to 800 (2025-02), +400 (+100.0%): buyers +50.0% contributed +234, "
        "orders per buyer -11.1% contributed -68 and AOV (客单价) +50.0% contributed +234.")


def test_driver_tree_year_on_year_and_other_kpis(shop, orders_only):
    # 同比: 2024-02 (GMV 100, 1 order, 1 buyer) -> 2025-02 (800, 4, 3)
    t = driver_tree(orders_only, "month", at="2025-02-01", compare="last_year").set_index("node")
    w = 700 / math.log(8)
    assert t.loc["buyers", "contribution"] == pytest.approx(w * math.log(3))
    assert t.loc["orders_per_buyer", "contribution"] == pytest.approx(w * math.log(4 / 3))
    assert t.loc["aov", "contribution"] == pytest.approx(w * math.log(2))
    assert "visitors" not in t.index  # no events table: no visitors x conversion split
    # orders = buyers x orders per buyer: 3 -> 4 with L(4, 3) = 1 / ln(4/3)
    o = driver_tree(shop, "month", at="2025-02-01", kpi="orders").set_index("node")
    assert o.loc["buyers", "contribution"] == pytest.approx(math.log(3 / 2) / math.log(4 / 3))
    assert o.loc["buyers", "contribution"] + o.loc["orders_per_buyer", "contribution"] == pytest.approx(1.0)
    # buyers = new + returning: each part contributes its own change; visitors x conversion by L(3, 2)
    tree = driver_tree(shop, "month", at="2025-02-01", kpi="buyers")
    b = tree.set_index("node")
    assert (b.loc["buyers", "contribution"], b.loc["new_buyers", "contribution"],
            b.loc["returning_buyers", "contribution"]) == (1.0, 0.0, 1.0)
    assert b.loc["visitors", "contribution"] == pytest.approx(log_mean(3, 2) * math.log(6 / 4))
    assert drivers_sentence(tree) == (
        "Buyers rose from 2 (2025-01) to 3 (2025-02), +1 (+50.0%): new buyers +0.0% contributed +0 and "
        "returning buyers n/a contributed +1.")


def test_driver_tree_zero_period_and_errors(orders_only):
    # 2024-03 has no order: GMV 100 -> 0 cannot be split by logs; the total and the reason remain
    t = driver_tree(orders_only, "month", at="2024-03-01")
    assert list(t["node"]) == ["gmv"] and t["contribution"].iloc[0] == -100.0
    assert t.attrs["note"].startswith("GMV or one of its factors is 0 in one of the periods")
    assert drivers_sentence(t) == ("GMV fell from 100 (2024-02) to 0 (2024-03), -100 (-100.0%). (GMV or one of its "
                                   "factors is 0 in one of the periods: a log decomposition needs positive values in "
                                   "both, so only the total change is shown.)")
    with pytest.raises(ParameterError, match=r"2024-01 is outside the data \(orders from 2024-02-10 to 2025-02-28\)"):
        driver_tree(orders_only, "month", at="2025-01-01", compare="last_year")
    with pytest.raises(ParameterError, match="compare"):
        driver_tree(orders_only, compare="yoy")
    with pytest.raises(ParameterError, match="kpi"):
        driver_tree(orders_only, kpi="aov")
    assert log_mean(2.0, 2.0) == 2.0 and log_mean(4.0, 1.0) == pytest.approx(3 / math.log(4))


@pytest.mark.parametrize("period,compare", [("month", "previous"), ("month", "last_year"), ("week", "last_year"),
                                            ("quarter", "previous")])
def test_contributions_add_up_on_the_demo(demo_data, period, compare):
    t = driver_tree(demo_data, period, compare=compare)
    c = t.set_index("node")["contribution"]
    total = c["gmv"]
    assert total == pytest.approx(t["now"].iloc[0] - t["before"].iloc[0])
    assert c[["buyers", "orders_per_buyer", "aov"]].sum() == pytest.approx(total, rel=1e-9)
    assert c[["new_buyers", "returning_buyers"]].sum() == pytest.approx(c["buyers"], rel=1e-9)
    assert c[["visitors", "conversion"]].sum() == pytest.approx(c["buyers"], rel=1e-9)


def test_kpi_review_explains_a_result_kpi_at_risk(demo_data):
    card = kpi_scorecard(demo_data, load_targets({"periods": {"2025-Q4": {"result": {"gmv": 1.0, "buyers": 1.0}}}}),
                         "2025-Q4")
    assert result_drivers(demo_data, card).empty  # both met: nothing to explain
    actual = card.set_index("kpi")["actual"]
    # GMV 5 % above its actual -> at risk (attainment 95 %); buyers met
    targets = load_targets({"periods": {"2025-Q4": {"result": {"gmv": float(actual["gmv"]) * 1.05, "buyers": 1.0}}}})
    card = kpi_scorecard(demo_data, targets, "2025-Q4")
    assert card.set_index("kpi").loc["gmv", "status"] == "at risk"
    out = result_drivers(demo_data, card)
    assert list(out.drop_duplicates(["kpi", "compare"])[["kpi", "compare", "base_period"]].itertuples(index=False)) == [
        ("gmv", "previous", "2025-Q3"), ("gmv", "last_year", "2024-Q4")]
    same = driver_tree(demo_data, "quarter", at="2025-10-01", compare="last_year")
    got = out[out["compare"] == "last_year"].reset_index(drop=True)
    pd.testing.assert_series_equal(got["contribution"], same["contribution"])
    assert out.attrs["sentences"][1] == drivers_sentence(same)
