"""New-buyer conversion and the repurchase cycle on a hand-made six-buyer shop.

Every expected number below is a hand count over the tables in ``_shop`` (days counted on a
calendar; as-of date 2024-04-30).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from userops_lib.metrics.conversion import repurchase_cycle, second_purchase_conversion
from userops_lib.data.load import load_dataset
from userops_lib.exceptions import ParameterError

AS_OF = "2024-04-30"


def _orders() -> pd.DataFrame:
    # buyer: first purchase day -> second purchase day (gap), days observed to 2024-04-30
    # A 01-01 -> 01-21 (20), 120 observed; two orders on 01-01 are one purchase day
    # B 01-10 -> 03-20 (70), 111 observed
    # C 02-01 only,          89 observed
    # D 03-01 -> 03-31 (30), 60 observed
    # E 04-10 -> 04-12 (2),  20 observed
    # F 01-15 twice on the same day only: not a second purchase, 106 observed
    rows = [
        ("o01", "A", "2024-01-01 10:00", 60.0, "SPRING"), ("o02", "A", "2024-01-01 15:00", 40.0, ""),
        ("o03", "A", "2024-01-21 09:00", 20.0, ""), ("o04", "B", "2024-01-10 12:00", 30.0, ""),
        ("o05", "B", "2024-03-20 12:00", 90.0, ""), ("o06", "C", "2024-02-01 08:00", 100.0, ""),
        ("o07", "D", "2024-03-01 20:00", 40.0, ""), ("o08", "D", "2024-03-31 23:30", 60.0, "WELCOME"),
        ("o09", "E", "2024-04-10 11:00", 10.0, ""), ("o10", "E", "2024-04-12 11:00", 30.0, ""),
        ("o11", "F", "2024-01-15 09:00", 25.0, ""), ("o12", "F", "2024-01-15 20:00", 25.0, ""),
    ]
    df = pd.DataFrame(rows, columns=["order_id", "customer_id", "order_ts", "amount", "coupon"])
    return df.assign(order_ts=pd.to_datetime(df.order_ts))


def _items() -> pd.DataFrame:
    # first orders' categories by spend: A o01 shoes 50 > socks 10; B o04 socks; C o06 shoes;
    # D o07 bags 20 = socks 20 (tie -> alphabetical: bags); E o09 socks; F o11 bags
    rows = [("o01", "p1", "shoes", 1, 50.0), ("o01", "p2", "socks", 2, 5.0), ("o02", "p3", "bags", 1, 40.0),
            ("o03", "p2", "socks", 2, 10.0), ("o04", "p2", "socks", 1, 30.0), ("o05", "p1", "shoes", 1, 90.0),
            ("o06", "p1", "shoes", 1, 100.0), ("o07", "p3", "bags", 1, 20.0), ("o07", "p2", "socks", 4, 5.0),
            ("o08", "p3", "bags", 1, 60.0), ("o09", "p2", "socks", 1, 10.0), ("o10", "p2", "socks", 3, 10.0),
            ("o11", "p3", "bags", 1, 25.0), ("o12", "p3", "bags", 1, 25.0)]
    return pd.DataFrame(rows, columns=["order_id", "product_id", "category", "quantity", "price"])


def _customers() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": list("ABCDEF"), "channel": ["ads", "ads", "organic", "organic", "organic", "ads"]})


@pytest.fixture(scope="module")
def shop():
    return load_dataset({"orders": _orders(), "order_items": _items(), "customers": _customers()}, as_of=AS_OF)


def _row(df, group):
    return df.set_index("group").loc[group]


def test_overall_conversion_windows_side_by_side_with_censoring(shop):
    df = second_purchase_conversion(shop, windows=(30, 60, 90))
    row = _row(df, "all buyers")
    assert row.first_buyers == 6
    # W=30: E (20 days observed) left out; converted A (20) and D (30: the last day is inside)
    assert (row.eligible_30d, row.converted_30d, row.censored_30d) == (5, 2, 1)
    assert row.rate_30d == pytest.approx(2 / 5)
    # W=60: D has exactly 60 days observed, so it counts; B's 70-day gap is outside
    assert (row.eligible_60d, row.converted_60d, row.censored_60d) == (5, 2, 1)
    # W=90: only A, B, F have 90 days observed; A and B converted
    assert (row.eligible_90d, row.converted_90d, row.censored_90d) == (3, 2, 3)
    assert df.attrs["censored"] == {30: 1, 60: 1, 90: 3}


def test_same_day_orders_are_one_purchase_day(shop):
    # F bought twice on 2024-01-15 and never again: not converted in any window
    df = second_purchase_conversion(shop.orders.filter(shop.orders.customer_id == "F"), windows=[90], as_of=AS_OF)
    assert (df.eligible_90d[0], df.converted_90d[0]) == (1, 0)


def test_by_channel_uses_the_customers_acquisition_channel(shop):
    df = second_purchase_conversion(shop, windows=[30], by="channel")
    # ads = A, B, F (all eligible, A converted); organic = C, D, E (E censored, D converted)
    assert tuple(_row(df, "ads")[["eligible_30d", "converted_30d"]]) == (3, 1)
    assert tuple(_row(df, "organic")[["eligible_30d", "converted_30d", "censored_30d"]]) == (2, 1, 1)


def test_by_coupon_of_the_first_order(shop):
    df = second_purchase_conversion(shop, windows=[30], by="coupon")
    # only A's first order (o01) used a coupon; D's coupon was on its second order
    assert tuple(_row(df, "coupon")[["first_buyers", "converted_30d"]]) == (1, 1)
    assert tuple(_row(df, "no coupon")[["first_buyers", "eligible_30d", "converted_30d"]]) == (5, 4, 1)


def test_by_first_category_top_spend_with_alphabetical_ties(shop):
    df = second_purchase_conversion(shop, windows=[60], by="first_category")
    assert sorted(df.group) == ["bags", "shoes", "socks"]
    # shoes = A, C; socks = B, E (E censored); bags = D (tie broken to bags), F
    assert tuple(_row(df, "shoes")[["eligible_60d", "converted_60d"]]) == (2, 1)
    assert tuple(_row(df, "socks")[["eligible_60d", "converted_60d", "censored_60d"]]) == (1, 0, 1)
    assert tuple(_row(df, "bags")[["eligible_60d", "converted_60d"]]) == (2, 1)


def test_by_cohort_month_and_empty_windows_are_nan(shop):
    df = second_purchase_conversion(shop, windows=[30], by="cohort")
    assert list(df.group) == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert tuple(_row(df, "2024-01")[["first_buyers", "converted_30d"]]) == (3, 1)  # A, B, F
    april = _row(df, "2024-04")  # E only, 20 days observed
    assert april.eligible_30d == 0 and math.isnan(april.rate_30d)


def test_a_dataframe_of_orders_gives_the_same_numbers(shop):
    orders = _orders().assign(order_date=lambda d: d.order_ts.dt.normalize())
    df = second_purchase_conversion(orders, windows=(30, 60, 90), as_of=AS_OF)
    ref = second_purchase_conversion(shop, windows=(30, 60, 90))
    pd.testing.assert_frame_equal(df, ref)


def test_bad_parameters_are_named():
    with pytest.raises(ParameterError, match="windows"):
        second_purchase_conversion(_orders(), windows=[0])
    with pytest.raises(ParameterError, match="by="):
        second_purchase_conversion(_orders(), by="city")
    with pytest.raises(ParameterError, match="order_items"):
        second_purchase_conversion(_orders(), by="first_category")


def test_repurchase_cycle_with_full_follow_up(shop):
    dist = repurchase_cycle(shop, max_days=60)
    a = dist.attrs
    # followed 60+ days (first purchase on or before 03-01): A, B, C, D, F; E (20 days) left out.
    # Their second purchases within 60 days: A 20, D 30; B's 70 is after day 60.
    assert (a["basis"], a["basis_buyers"], a["left_out_recent"]) == ("full follow-up", 5, 1)
    assert (a["first_buyers"], a["repeat_buyers"]) == (6, 4)  # all buyers, E included
    assert a["basis_repeat"] == 2 and a["beyond_max_days"] == 1
    assert a["median_days"] == 25.0 and a["p50_day"] == 20 and a["p80_day"] == 30  # 1.6 of 2 needs D's 30
    assert dist.buyers.sum() == 2 and dist.cumulative_share.iloc[-1] == pytest.approx(1.0)
    # E's quick 2-day return, seen only because E is recent, is not in the distribution
    assert dist.set_index("days").loc[2, "buyers"] == 0


def test_repurchase_cycle_falls_back_to_all_buyers_on_short_data(shop):
    # nobody has 200 days of follow-up (the data span 120 days): all buyers are used, and said so
    a = repurchase_cycle(shop, max_days=200).attrs
    assert (a["basis"], a["basis_buyers"], a["basis_repeat"]) == ("all buyers", 6, 4)
    assert a["median_days"] == 25.0 and a["p80_day"] == 70


def test_repurchase_cycle_distribution_and_key_days(shop):
    dist = repurchase_cycle(shop, max_days=60, full_follow_up=False)
    a = dist.attrs
    # gaps: E 2, A 20, D 30, B 70; C and F never came back
    assert (a["first_buyers"], a["repeat_buyers"]) == (6, 4)
    assert a["repeat_share"] == pytest.approx(4 / 6)
    assert a["median_days"] == 25.0  # (20 + 30) / 2
    assert a["p50_day"] == 20  # 2 of 4 second purchases by day 20
    assert a["p80_day"] == 70  # 3.2 of 4 needs the fourth, on day 70
    assert a["beyond_max_days"] == 1  # B's 70 days > 60
    assert len(dist) == 60 and dist.buyers.sum() == 3
    assert dist.set_index("days").loc[[2, 20, 30], "buyers"].tolist() == [1, 1, 1]
    assert dist.cumulative_share.iloc[-1] == pytest.approx(3 / 4)


def test_repurchase_cycle_without_repeat_buyers_is_nan():
    only_f = _orders().query("customer_id == 'F'")
    a = repurchase_cycle(only_f).attrs
    assert a["repeat_buyers"] == 0 and math.isnan(a["p80_day"])


def test_runs_on_the_demo_shop(demo_data):
    df = second_purchase_conversion(demo_data, windows=(30, 90), by="channel")
    assert (df.converted_30d <= df.eligible_30d).all() and (df.eligible_90d <= df.eligible_30d).all()
    assert df.first_buyers.sum() == repurchase_cycle(demo_data).attrs["first_buyers"]
