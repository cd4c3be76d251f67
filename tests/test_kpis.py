"""Period KPIs, active users, stickiness and channel conversion on hand-counted tables.

Every expected value below is counted by hand from the small tables in this file; the comment next
to each assertion says how.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from userops_lib.data.load import load_dataset
from userops_lib.exceptions import ContractError, MissingTableError, ParameterError
from userops_lib.metrics.kpis import active_users, channel_conversion, period_kpis, stickiness

# 11 orders of 5 customers over Jan-Apr 2024; the as-of date defaults to the last order (Apr 9),
# so April is incomplete.
ORDERS = pd.DataFrame(
    [("o01", "a", "2024-01-03 10:00", 10.0), ("o02", "a", "2024-01-20 10:00", 20.0), ("o03", "b", "2024-01-05 09:00", 30.0),
     ("o04", "a", "2024-02-02 12:00", 40.0), ("o05", "c", "2024-02-10 08:00", 50.0), ("o06", "c", "2024-02-10 20:00", 60.0),
     ("o07", "b", "2024-03-05 11:00", 70.0), ("o08", "d", "2024-03-08 11:00", 80.0), ("o09", "c", "2024-03-31 23:00", 90.0),
     ("o10", "d", "2024-04-02 10:00", 100.0), ("o11", "e", "2024-04-09 10:00", 110.0)],
    columns=["order_id", "customer_id", "order_ts", "amount"],
).assign(order_ts=lambda d: pd.to_datetime(d.order_ts))

CUSTOMERS = pd.DataFrame({
    "customer_id": ["a", "b", "c", "d", "e", "f"],
    "signup_ts": pd.to_datetime(["2023-12-20", "2024-01-02", "2024-01-25", "2024-03-01", "2024-03-02", "2024-04-01"]),
    "channel": ["ads", "ads", "organic", None, "organic", "ads"],
})


@pytest.fixture(scope="module")
def shop():
    return load_dataset({"orders": ORDERS})


def _row(kpis, label):
    return kpis.set_index("period").loc[label]


def test_monthly_kpis_counted_by_hand(shop):
    k = period_kpis(shop, "month")
    assert list(k.period) == ["2024-01", "2024-02", "2024-03", "2024-04"]
    jan, feb, mar, apr = (_row(k, p) for p in k.period)
    # Jan: o01+o02+o03 = 60; buyers a, b (both new); a has 2 orders -> repurchase 1/2;
    # of {a, b} only a buys in Feb -> return-purchase 1/2.
    assert (jan.gmv, jan.orders, jan.buyers, jan.new_buyers, jan.returning_buyers) == (60.0, 3, 2, 2, 0)
    assert jan.aov == 20.0 and jan.repurchase_rate == 0.5 and jan.return_purchase_rate == 0.5
    assert math.isnan(jan.churn_rate) and math.isnan(jan.buyer_growth_rate)  # no previous period
    # Feb: 40+50+60 = 150 over 3 orders; buyers a (returning), c (new, 2 orders the same day);
    # Jan buyer b did not come back -> churn 1/2; GMV growth (150-60)/60 = 1.5.
    assert (feb.gmv, feb.buyers, feb.new_buyers, feb.returning_buyers) == (150.0, 2, 1, 1)
    assert feb.repurchase_rate == 0.5 and feb.churn_rate == 0.5 and feb.churned_buyers == 1
    assert feb.buyer_growth_rate == 0.0 and feb.gmv_growth_rate == pytest.approx(1.5)
    # Mar: b, d (new), c -> 3 buyers; 240 GMV; of Feb's {a, c}, a is missing -> churn 1/2.
    # Mar's return-purchase needs April, which is not complete at the as-of date (Apr 9) -> NaN.
    assert (mar.gmv, mar.buyers, mar.new_buyers, mar.aov) == (240.0, 3, 1, 80.0)
    assert mar.churn_rate == 0.5 and mar.buyer_growth_rate == 0.5
    assert math.isnan(mar.return_purchase_rate)
    # Apr is incomplete: flagged, its churn and return-purchase not computed.
    assert bool(jan.complete) and bool(mar.complete) and not bool(apr.complete)
    assert (apr.buyers, apr.new_buyers) == (2, 1)
    assert math.isnan(apr.churn_rate) and math.isnan(apr.return_purchase_rate)


def test_complete_last_month_gets_churn_and_previous_return_rate():
    # as-of = Apr 30 closes April: Mar buyers {b, d, c}, only d buys in April -> return 1/3,
    # April churn 2/3; April's own return-purchase still needs May -> NaN.
    k = period_kpis(load_dataset({"orders": ORDERS}, as_of="2024-04-30"), "month")
    mar, apr = _row(k, "2024-03"), _row(k, "2024-04")
    assert mar.return_purchase_rate == pytest.approx(1 / 3)
    assert bool(apr.complete) and apr.churn_rate == pytest.approx(2 / 3) and apr.churned_buyers == 2
    assert math.isnan(apr.return_purchase_rate)


def test_repurchase_by_order_days_merges_same_day_orders(shop):
    # c's two February orders are on one day: with repeat_basis="days" February has no repeat buyer.
    k = period_kpis(shop, "month", repeat_basis="days")
    assert _row(k, "2024-02").repurchase_rate == 0.0
    assert _row(k, "2024-01").repurchase_rate == 0.5  # a ordered on Jan 3 and Jan 20


def test_weeks_start_on_monday_and_quarters_split_at_april():
    # Sun 2024-01-07 and Mon 2024-01-08 are in two ISO weeks; Mar 31 and Apr 2 in Q1 and Q2.
    orders = ORDERS[ORDERS.order_id.isin(["o01", "o09", "o10"])].copy()
    orders.loc[orders.order_id == "o01", "order_ts"] = pd.Timestamp("2024-01-07 23:00")
    extra = pd.DataFrame({"order_id": ["x1"], "customer_id": ["a"], "order_ts": [pd.Timestamp("2024-01-08 01:00")],
                          "amount": [5.0]})
    data = load_dataset({"orders": pd.concat([orders, extra])})
    weeks = period_kpis(data, "week")
    assert weeks.period_start.iloc[0] == pd.Timestamp("2024-01-01")  # a Monday
    assert list(weeks.orders.iloc[:2]) == [1, 1]
    assert (weeks.period_start.dt.day_of_week == 0).all()
    quarters = period_kpis(data, "quarter")
    assert list(quarters.period) == ["2024-Q1", "2024-Q2"] and list(quarters.orders) == [3, 1]


def test_signups_per_period_with_growth():
    # sign-ups: Dec 1 (a), Jan 2 (b, c), Feb 0, Mar 2 (d, e), Apr 1 (f). Dec has no order but is
    # shown (zero GMV) so no sign-up is left out.
    data = load_dataset({"orders": ORDERS, "customers": CUSTOMERS})
    k = period_kpis(data, "month")
    assert list(k.period) == ["2023-12", "2024-01", "2024-02", "2024-03", "2024-04"]
    assert list(k.new_signups) == [1, 2, 0, 2, 1]
    assert k.signup_growth_rate.iloc[1] == 1.0 and k.signup_growth_rate.iloc[2] == -1.0
    assert math.isnan(k.signup_growth_rate.iloc[3])  # previous month had 0 sign-ups: no growth rate
    assert k.gmv.iloc[0] == 0.0 and k.attrs["customers_without_signup_date"] == 0


def test_dataframe_input_gives_the_same_table(shop):
    frame = shop.orders.to_pandas()
    pd.testing.assert_frame_equal(period_kpis(frame, "month"), period_kpis(shop, "month"))


def test_bad_inputs_name_the_parameter_or_column(shop):
    with pytest.raises(ParameterError, match="period"):
        period_kpis(shop, "fortnight")
    with pytest.raises(ContractError, match="order_date"):
        period_kpis(ORDERS.drop(columns="order_ts"))  # neither order_ts nor its local order_date
    with pytest.raises(MissingTableError, match="customers"):
        channel_conversion(shop)


EVENTS = pd.DataFrame({
    "customer_id": ["a", "a", "b", "a", "c", "b", "b", "d"],
    "event_ts": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00", "2024-01-01 10:00", "2024-01-02 10:00",
                                "2024-01-03 10:00", "2024-01-03 11:00", "2024-02-01 10:00", "2024-02-02 10:00"]),
    "event_name": ["visit"] * 8,
})


def test_active_users_from_events_by_day_and_month():
    data = load_dataset({"orders": ORDERS, "events": EVENTS}, as_of="2024-02-02")
    dau = active_users(data, "day").set_index("period")
    # Jan 1: a (twice), b -> 2; Jan 2: a -> 1; Jan 3: c, b -> 2; Jan 4..31: nobody -> 0 rows kept.
    assert list(dau.active_users.iloc[:4]) == [2, 1, 2, 0]
    assert len(dau) == 33 and (dau.source == "events").all()  # Jan 1 .. Feb 2, every day
    mau = active_users(data, "month").set_index("period")
    assert mau.loc["2024-01", "active_users"] == 3 and mau.loc["2024-02", "active_users"] == 2
    # stickiness Jan: DAU sum 2+1+2 = 5 over 31 days, MAU 3 -> (5/31)/3.
    st = stickiness(data).set_index("period")
    assert st.loc["2024-01", "stickiness"] == pytest.approx(5 / 31 / 3)
    assert st.loc["2024-02", "days_observed"] == 2 and st.loc["2024-02", "avg_dau"] == 1.0


def test_weekly_active_users_count_each_customer_once_per_week():
    data = load_dataset({"orders": ORDERS, "events": EVENTS}, as_of="2024-02-02")
    wau = active_users(data, "week").set_index("period_start").active_users
    # the week of Mon 2024-01-01: a (Jan 1, 2), b (Jan 1, 3), c (Jan 3) -> 3, not the 5 customer-days;
    # the week of Mon 2024-01-29: b (Feb 1), d (Feb 2) -> 2; the three weeks between: nobody
    assert wau.tolist() == [3, 0, 0, 0, 2]
    assert wau.index[0] == pd.Timestamp("2024-01-01")
    # the same table given directly (rows not distinct): the same counts
    assert active_users(EVENTS.assign(event_date=EVENTS.event_ts.dt.date), "week").active_users.tolist() == [3, 0, 0, 0, 2]


def test_active_users_fall_back_to_orders(shop):
    mau = active_users(shop, "month")
    assert (mau.source == "orders").all()
    assert list(mau.active_users) == [2, 2, 3, 2]  # the monthly buyers counted above


def test_channel_conversion_with_costs():
    costs = pd.DataFrame({"channel": ["ads", "organic", "tv"], "cost": [90.0, 0.0, 50.0]})
    data = load_dataset({"orders": ORDERS, "customers": CUSTOMERS, "channel_costs": costs})
    conv = channel_conversion(data).set_index("channel")
    # ads: a, b, f acquired, a and b bought -> 2/3, CAC 90/2; organic: c, e both bought;
    # d has no channel -> "unknown" (1 of 1 bought); tv has a cost but no customer.
    assert conv.loc["ads", ["acquired_users", "converted_users"]].tolist() == [3, 2]
    assert conv.loc["ads", "conversion_rate"] == pytest.approx(2 / 3) and conv.loc["ads", "cac"] == 45.0
    assert conv.loc["organic", "conversion_rate"] == 1.0 and conv.loc["unknown", "converted_users"] == 1
    assert conv.loc["tv", "acquired_users"] == 0 and math.isnan(conv.loc["tv", "cac"])
    assert conv.acquired_users.sum() == len(CUSTOMERS)  # nobody lost
    assert channel_conversion(data).attrs["buyers_not_in_customers"] == 0
    # what the channel's customers spent: ads a 10+20+40 = 70 and b 30+70 = 100 -> 170, 85 per converted user;
    # organic c 50+60+90 = 200 and e 110 -> 310, 155 each; tv brought nobody -> 0 and no per-user value
    assert conv.loc["ads", ["revenue", "revenue_per_buyer"]].tolist() == [170.0, 85.0]
    assert conv.loc["organic", ["revenue", "revenue_per_buyer"]].tolist() == [310.0, 155.0]
    assert conv.loc["tv", "revenue"] == 0.0 and math.isnan(conv.loc["tv", "revenue_per_buyer"])


def test_channel_conversion_counts_buyers_missing_from_customers():
    data = load_dataset({"orders": ORDERS, "customers": CUSTOMERS[CUSTOMERS.customer_id != "e"]})
    assert channel_conversion(data).attrs["buyers_not_in_customers"] == 1  # e bought, has no customer row
