"""Cohort retention and N-day retention on hand-counted tables.

Each expected value is counted by hand from the tables in this file (the comments show the count).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from userops_lib.data.load import load_dataset
from userops_lib.exceptions import MissingTableError, ParameterError
from userops_lib.metrics.retention import AVERAGE_LABEL, cohort_retention, n_day_retention


def _orders(rows):
    df = pd.DataFrame(rows, columns=["customer_id", "order_ts"])
    return df.assign(order_id=[f"o{i:02d}" for i in range(len(df))], order_ts=pd.to_datetime(df.order_ts),
                     amount=10.0)


# Monthly cohorts by first purchase: Jan {a, b, c} (3), Feb {d, e} (2), Mar {f} (1).
ORDERS = _orders([
    ("a", "2024-01-05"), ("a", "2024-02-10"), ("a", "2024-03-03"),
    ("b", "2024-01-20"), ("b", "2024-03-10"),
    ("c", "2024-01-31"),
    ("d", "2024-02-01"), ("d", "2024-02-20"),
    ("e", "2024-02-28"), ("e", "2024-03-01"),
    ("f", "2024-03-14"),
])


def test_monthly_on_retention_and_size_weighted_average():
    wide = cohort_retention(load_dataset({"orders": ORDERS}, as_of="2024-03-31"), "month")
    assert list(wide.columns) == ["cohort_size", "M0", "M1", "M2"]
    assert list(wide.cohort_size) == [3, 2, 1, 6]  # last row: all cohorts
    jan, feb, mar, avg = (wide.iloc[i] for i in range(4))
    # Jan: a buys in Feb -> M1 1/3; a and b buy in Mar -> M2 2/3.
    assert (jan.M0, jan.M1, jan.M2) == (1.0, pytest.approx(1 / 3), pytest.approx(2 / 3))
    # Feb: e buys in Mar, d does not -> M1 1/2; M2 would be April, after the as-of date -> masked.
    assert feb.M1 == 0.5 and math.isnan(feb.M2) and math.isnan(mar.M1)
    # M1 average weighted by size: (1 + 1) / (3 + 2) = 0.4, not the plain mean (1/3 + 1/2) / 2.
    assert wide.index[-1] == AVERAGE_LABEL
    assert avg.M1 == pytest.approx(0.4) and avg.M2 == pytest.approx(2 / 3)  # M2: Jan only


def test_incomplete_periods_are_masked_not_zero():
    # as-of Mar 15: March is not complete, so every cell falling in March is NaN (Jan M2 would be
    # 2/3 and Mar M0 1.0 once March ends); the average M1 then covers Jan only (1/3).
    wide = cohort_retention(load_dataset({"orders": ORDERS}, as_of="2024-03-15"), "month")
    assert math.isnan(wide.loc["2024-01", "M2"]) and math.isnan(wide.loc["2024-02", "M1"])
    assert math.isnan(wide.loc["2024-03", "M0"])
    assert wide.loc[AVERAGE_LABEL, "M1"] == pytest.approx(1 / 3) and math.isnan(wide.loc[AVERAGE_LABEL, "M2"])
    long = cohort_retention(load_dataset({"orders": ORDERS}, as_of="2024-03-15"), "month", as_frame="long")
    # masked cells: Jan M2; Feb M1, M2; Mar M0, M1, M2 (6 of the 3 x 3 grid) + the empty M2 average
    assert long.retention.isna().sum() == 6 + 1
    assert not (long.dropna(subset=["retention"]).retention == 0).any()


def test_on_or_after_and_brackets():
    data = load_dataset({"orders": ORDERS}, as_of="2024-03-31")
    after = cohort_retention(data, "month", criterion="on_or_after")
    # Jan: a (offsets 1, 2) and b (offset 2) are active at offset >= 1 -> 2/3; Feb: e -> 1/2.
    assert after.loc["2024-01", "M1+"] == pytest.approx(2 / 3) and after.loc["2024-02", "M1+"] == 0.5
    brackets = cohort_retention(data, "month", criterion=[(1, 1), (1, 2)])
    assert list(brackets.columns) == ["cohort_size", "M1", "M1-M2"]
    # Jan [1, 2]: a, b -> 2/3; Feb [1, 2] ends in April, after the as-of date -> masked.
    assert brackets.loc["2024-01", "M1-M2"] == pytest.approx(2 / 3)
    assert math.isnan(brackets.loc["2024-02", "M1-M2"])


def test_daily_cohorts_d1_is_the_next_calendar_day():
    # x buys at 23:50 and again 20 minutes later, after midnight: D1. y buys twice on one day: D0 only.
    orders = _orders([("x", "2024-05-01 23:50"), ("x", "2024-05-02 00:10"),
                      ("y", "2024-05-01 08:00"), ("y", "2024-05-01 20:00"), ("z", "2024-05-03 12:00")])
    wide = cohort_retention(load_dataset({"orders": orders}), "day")
    assert wide.loc["2024-05-01", "D1"] == 0.5 and wide.loc["2024-05-01", "cohort_size"] == 2


def test_signup_anchor_counts_customers_who_never_bought():
    customers = pd.DataFrame({"customer_id": ["a", "b", "c", "z"],
                              "signup_ts": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"])})
    data = load_dataset({"orders": ORDERS, "customers": customers}, as_of="2024-03-31")
    wide = cohort_retention(data, "month", anchor="signup")
    # Jan sign-ups a, b, c, z (z never buys): M0 a, b, c = 3/4; M1 a = 1/4; M2 a, b = 2/4.
    assert wide.loc["2024-01", "cohort_size"] == 4
    assert wide.loc["2024-01", ["M0", "M1", "M2"]].tolist() == [0.75, 0.25, 0.5]
    assert wide.attrs["active_customers_without_anchor"] == 3  # d, e, f bought without a sign-up row


def test_bad_parameters():
    with pytest.raises(ParameterError, match="criterion"):
        cohort_retention(ORDERS.assign(order_date=ORDERS.order_ts.dt.normalize()), criterion="within")
    with pytest.raises(MissingTableError, match="'customers'"):  # an orders table alone has no sign-up dates
        cohort_retention(ORDERS.assign(order_date=ORDERS.order_ts.dt.normalize()), anchor="signup")
    with pytest.raises(ParameterError, match="days"):
        n_day_retention(load_dataset({"orders": ORDERS}), days=(0, 7))


def test_n_day_retention_on_day_and_within():
    orders = _orders([
        ("a", "2024-01-01 23:59"), ("a", "2024-01-02 00:01"), ("a", "2024-01-31 09:00"),
        ("b", "2024-01-01 00:01"), ("b", "2024-01-01 23:00"), ("b", "2024-01-03 10:00"),
        ("c", "2024-01-02 10:00"), ("c", "2024-01-09 10:00"),
        ("d", "2024-01-30 10:00"), ("d", "2024-01-31 08:00"),
        ("e", "2024-01-31 10:00"),
    ])
    r = n_day_retention(load_dataset({"orders": orders}), days=(1, 7, 30)).set_index("label")
    # as-of = Jan 31. D1 eligible: first day <= Jan 30 -> a, b, c, d (e waits); on D1: a (two
    # minutes later, but the next day) and d -> 2/4. b's second order is on day 0, its third on D2.
    assert r.loc["D1", ["eligible_users", "not_yet_observable", "retained_on_day"]].tolist() == [4, 1, 2]
    assert r.loc["D1", "retention_on_day"] == 0.5
    # D7 eligible: first day <= Jan 24 -> a, b, c; on day 7: c only; within 7 days: a, b, c.
    assert r.loc["D7", "retention_on_day"] == pytest.approx(1 / 3) and r.loc["D7", "retention_within"] == 1.0
    # D30 eligible: first day <= Jan 1 -> a, b; on day 30 (Jan 31): a.
    assert r.loc["D30", ["eligible_users", "retained_on_day", "retained_within"]].tolist() == [2, 1, 2]
    assert (r.new_users == 5).all()


def test_n_day_usage_retention_from_signup_on_events():
    # Usage retention (次日/7日/30日留存): day 0 is the sign-up day, any event counts, buying is not needed.
    customers = pd.DataFrame({"customer_id": ["p", "q", "r", "s"],
                              "signup_ts": pd.to_datetime(["2024-03-01 22:00", "2024-03-01 09:00",
                                                           "2024-03-05 10:00", "2024-03-30 10:00"])})
    events = pd.DataFrame([
        ("p", "2024-03-01 22:05", "visit"), ("p", "2024-03-02 00:30", "visit"),   # p: day 0, day 1
        ("q", "2024-03-01 09:01", "visit"), ("q", "2024-03-08 12:00", "product_view"),  # q: day 0, day 7
        ("r", "2024-03-06 08:00", "visit"), ("r", "2024-03-20 08:00", "visit"),   # r: day 1, day 15
        ("s", "2024-03-31 08:00", "visit"),                                       # s: day 1
        ("x", "2024-03-02 08:00", "visit"),                                       # x: no sign-up row
    ], columns=["customer_id", "event_ts", "event_name"]).assign(event_ts=lambda d: pd.to_datetime(d.event_ts))
    data = load_dataset({"orders": ORDERS, "customers": customers, "events": events}, as_of="2024-03-31")
    r = n_day_retention(data, days=(1, 7, 30), anchor="signup", activity="events").set_index("label")
    # D1 eligible (sign-up <= Mar 30): p, q, r, s; active on day 1: p, r, s -> 3/4 (q only on day 0 and 7).
    assert r.loc["D1", ["eligible_users", "retained_on_day"]].tolist() == [4, 3]
    # D7 eligible (sign-up <= Mar 24): p, q, r; on day 7: q; within 7 days: p (d1), q (d7), r (d1) -> 3/3.
    assert r.loc["D7", ["eligible_users", "retained_on_day", "retained_within"]].tolist() == [3, 1, 3]
    # D30 eligible (sign-up <= Mar 1): p, q; within 30 days: both; s waits for its day 30.
    assert r.loc["D30", ["eligible_users", "not_yet_observable", "retained_within"]].tolist() == [2, 2, 2]
    assert (r.new_users == 4).all()  # x has events but no sign-up: not a new user of any day
