"""Categories and products: sales with 环比/同比, repurchase rate and cycle, first product -> repeat.

Every expected value is counted by hand from the small shop below (the comment next to each
assertion says how). One check compares with the library's own overall repurchase cycle
(:func:`userops_lib.metrics.conversion.repurchase_cycle`): one group holding everybody must give
its key days.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from userops_lib.data.load import load_dataset
from userops_lib.exceptions import ContractError, ParameterError
from userops_lib.metrics.categories import (category_report, category_repurchase, category_sales,
                                            first_product_repeat, repurchase_cycles)
from userops_lib.metrics.conversion import repurchase_cycle

# a: o1 2025-01-05 (food P1 2x10, pets P2 1x50), o2 2025-01-20 (food P1 1x10), o3 2025-02-10 (pets P3 1x30)
# b: o4 2025-01-10 (pets P2 1x50), o5 2025-02-15 (pets P2 1x50, food P1 1x10)
# c: o6 2025-02-20 (food P1 3x10, P4 without category 1x5)
# d: o7 2024-02-05 (food P1 1x10), the first order of the data
ORDERS = pd.DataFrame(
    [("o1", "a", "2025-01-05 10:00", 70.0), ("o2", "a", "2025-01-20 10:00", 10.0), ("o3", "a", "2025-02-10 10:00", 30.0),
     ("o4", "b", "2025-01-10 10:00", 50.0), ("o5", "b", "2025-02-15 10:00", 60.0), ("o6", "c", "2025-02-20 10:00", 35.0),
     ("o7", "d", "2024-02-05 10:00", 10.0)],
    columns=["order_id", "customer_id", "order_ts", "amount"]).assign(order_ts=lambda d: pd.to_datetime(d.order_ts))
ITEMS = pd.DataFrame(
    [("o1", "P1", "Kibble", "food", 2, 10.0), ("o1", "P2", "Litter", "pets", 1, 50.0),
     ("o2", "P1", "Kibble", "food", 1, 10.0), ("o3", "P3", None, "pets", 1, 30.0),
     ("o4", "P2", "Litter", "pets", 1, 50.0), ("o5", "P2", "Litter", "pets", 1, 50.0),
     ("o5", "P1", "Kibble", "food", 1, 10.0), ("o6", "P1", "Kibble", "food", 3, 10.0),
     ("o6", "P4", "Gift card", None, 1, 5.0), ("o7", "P1", "Kibble", "food", 1, 10.0)],
    columns=["order_id", "product_id", "product_name", "category", "quantity", "price"])
CUSTOMERS = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "channel": ["ads", "ads", "seo", None]})


@pytest.fixture(scope="module")
def shop():
    # as-of 2025-02-28: February 2025 is complete
    return load_dataset({"orders": ORDERS, "order_items": ITEMS, "customers": CUSTOMERS}, as_of="2025-02-28")


def test_category_sales_counted_by_hand(shop):
    s = category_sales(shop, "month")
    assert s.attrs["period"] == "2025-02" and s.attrs["previous_period"] == "2025-01"
    # Feb 2025 lines: pets o3 30 + o5 50 = 80 (a, b); food o5 10 + o6 30 = 40 (b, c); P4 5 (c) without category
    assert list(s.category) == ["pets", "food", "(unknown)"]
    s = s.set_index("category")
    assert tuple(s.loc["pets", ["gmv", "buyers", "orders"]]) == (80.0, 2, 2)
    assert tuple(s.loc["food", ["gmv", "buyers", "orders"]]) == (40.0, 2, 2)
    assert s.loc["(unknown)", "gmv"] == 5.0 and s.attrs["unknown_category_lines"] == 1
    # shares: 80 / 125, 40 / 125; buyers of February: a, b, c -> food 2 / 3
    assert s.loc["pets", "gmv_share"] == pytest.approx(0.64) and s.loc["food", "buyer_share"] == pytest.approx(2 / 3)
    # 环比 (Jan 2025): food 20 + 10 = 30 (a) -> +33.3 %, buyers 1 -> 2 (+100 %); pets 50 + 50 = 100 -> -20 %
    assert s.loc["food", "gmv_previous"] == 30.0 and s.loc["food", "gmv_vs_previous"] == pytest.approx(1 / 3)
    assert s.loc["food", "buyers_vs_previous"] == pytest.approx(1.0)
    assert s.loc["pets", "gmv_vs_previous"] == pytest.approx(-0.2)
    assert math.isnan(s.loc["(unknown)", "gmv_vs_previous"])  # nothing without a category in January
    # 同比 (Feb 2024): food 10 (d) -> +300 %; pets sold nothing then -> no relative change
    assert s.loc["food", "gmv_last_year"] == 10.0 and s.loc["food", "gmv_vs_last_year"] == pytest.approx(3.0)
    assert s.loc["pets", "gmv_last_year"] == 0.0 and math.isnan(s.loc["pets", "gmv_vs_last_year"])
    assert s.attrs["last_year_note"] == ("same period last year (2024-02) is partial: the data starts on 2024-02-05, "
                                         "inside it")
    # January 2025 has no year of history before it: the comparison columns are missing, and the note says why
    jan = category_sales(shop, "month", at="2025-01-15")
    assert jan["gmv_last_year"].isna().all()
    assert jan.attrs["last_year_note"] == "no same period last year (2024-01): the data starts on 2024-02-05"


def test_repurchase_cycles_by_category_counted_by_hand(shop):
    c = repurchase_cycles(shop, "category", max_days=30).set_index("category")
    assert list(c.index) == ["food", "pets", "(unknown)"] and c.attrs["basis"] == "full follow-up"
    # food purchase days: a 01-05, 01-20; b 02-15; c 02-20; d 2024-02-05. 4 first buyers, a came back (15 days).
    # Followed 30+ days (first day on or before 01-29): a and d; of them a came back within 30 days.
    food = c.loc["food"]
    assert (food.first_buyers, food.repeat_buyers, food.basis_buyers, food.basis_repeat) == (4, 1, 2, 1)
    assert (food.median_days, food.p50_day, food.p80_day) == (15.0, 15, 15)
    assert food.back_within_share == 0.5 and food.repeat_share == 0.25
    # pets: a 01-05 -> 02-10 (36 days), b 01-10 -> 02-15 (36 days): both back, both after day 30
    pets = c.loc["pets"]
    assert (pets.first_buyers, pets.repeat_buyers, pets.basis_buyers, pets.basis_repeat) == (2, 2, 2, 0)
    assert math.isnan(pets.median_days) and pets.back_within_share == 0.0
    assert c.loc["(unknown)", "basis_buyers"] == 0 and math.isnan(c.loc["(unknown)", "back_within_share"])


def test_repurchase_cycles_by_customer_group(shop):
    # purchase days overall: a 01-05 -> 01-20 (15 days); b 01-10 -> 02-15 (36); c and d once
    groups = pd.DataFrame({"customer_id": ["a", "b", "c"], "segment": ["x", "x", "y"]})
    g = repurchase_cycles(shop, "segment", groups=groups, max_days=30).set_index("segment")
    assert tuple(g.loc["x", ["first_buyers", "repeat_buyers", "basis_buyers", "basis_repeat"]]) == (2, 2, 2, 1)
    assert g.loc["x", "median_days"] == 15.0
    assert tuple(g.loc["(unknown)", ["first_buyers", "basis_buyers", "basis_repeat"]]) == (1, 1, 0)  # d: no group
    by_channel = repurchase_cycles(shop, "channel", max_days=30).set_index("channel")  # from customers.channel
    assert by_channel.loc["ads", "median_days"] == 15.0 and by_channel.loc["seo", "first_buyers"] == 1
    with pytest.raises(ContractError, match="segment"):
        repurchase_cycles(shop, "segment")
    with pytest.raises(ParameterError, match="max_days"):
        repurchase_cycles(shop, max_days=0)


def test_one_group_of_everybody_gives_the_overall_repurchase_cycle(demo_data):
    everybody = pd.DataFrame({"customer_id": demo_data.table("orders").customer_id.to_pandas().unique(), "all": "all"})
    mine = repurchase_cycles(demo_data, "all", groups=everybody).iloc[0]
    overall = repurchase_cycle(demo_data).attrs  # the 02 report's cycle: the reference
    assert (mine.first_buyers, mine.repeat_buyers, mine.basis_buyers, mine.basis_repeat) == (
        overall["first_buyers"], overall["repeat_buyers"], overall["basis_buyers"], overall["basis_repeat"])
    assert (mine.median_days, mine.p50_day, mine.p80_day) == (overall["median_days"], overall["p50_day"],
                                                              overall["p80_day"])


def test_category_repurchase_rate_and_report(shop):
    # window 2024-03-01 .. 2025-02-28 (365 days) leaves d's 2024 order out. food: a (2 days), b, c -> 1 / 3;
    # pets: a (01-05, 02-10), b (01-10, 02-15) -> 2 / 2; (unknown): c once -> 0
    r = category_repurchase(shop).set_index("category")
    assert tuple(r.loc["food", ["buyers", "repeat_buyers"]]) == (3, 1) and r.loc["pets", "repurchase_rate"] == 1.0
    assert r.loc["(unknown)", "repurchase_rate"] == 0.0
    rep = category_report(shop, max_days=30, first_window=30).set_index("category")
    assert rep.loc["food", "repurchase_rate"] == pytest.approx(1 / 3) and rep.loc["food", "cycle_median_days"] == 15.0
    # first order mainly in (most spend): a o1 pets (50 > 20), b o4 pets, c o6 food (30 > 5), d o7 food.
    # pets: a and b eligible (30+ days), a back in 15 days -> 1 / 2; food: only d eligible, never back -> 0 / 1
    assert tuple(rep.loc["pets", ["first_buyers", "first_eligible"]]) == (2, 2)
    assert rep.loc["pets", "second_purchase_rate"] == 0.5 and rep.loc["food", "second_purchase_rate"] == 0.0
    assert rep.loc["(unknown)", "first_buyers"] == 0
    assert rep.attrs["period"] == "2025-02" and rep.attrs["cycle_basis"] == "full follow-up"


def test_first_product_repeat_counted_by_hand(shop):
    # first orders: a o1 (P1, P2), b o4 (P2), c o6 (P1, P4), d o7 (P1). Eligible (first day 30+ days before
    # 2025-02-28): a, b, d. Back within 30 days: a (15 days); b came back after 36.
    f = first_product_repeat(shop, window_days=30, min_eligible=2)
    assert list(f.product_id) == ["P1", "P2", "P4"]
    f = f.set_index("product_id")
    assert tuple(f.loc["P1", ["first_buyers", "eligible", "repeat_buyers"]]) == (3, 2, 1)  # a, c, d; a, d; a
    assert tuple(f.loc["P2", ["first_buyers", "eligible", "repeat_buyers"]]) == (2, 2, 1)  # a, b; a
    assert f.loc["P4", "small"] and math.isnan(f.loc["P4", "repeat_rate"])  # c is too recent to judge
    assert f.loc["P1", "product"] == "Kibble · food" and f.loc["P4", "product"] == "Gift card"
    assert f.attrs["overall_rate"] == pytest.approx(1 / 3)  # a of a, b, d
