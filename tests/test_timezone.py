"""Time zones: business-local dates, independence from the process time zone, daylight saving.

Expected values are worked out by hand from the UTC instants below (offsets: Asia/Shanghai +8 all
year; America/New_York -5 (EST) / -4 (EDT), switching 2024-03-10 02:00 and 2024-11-03 02:00 local).
"""

from __future__ import annotations

import time

import pandas as pd
import pytest

from userops_lib.data.load import load_dataset
from userops_lib.metrics.kpis import period_kpis
from userops_lib.metrics.retention import cohort_retention, n_day_retention


def _orders(rows):
    df = pd.DataFrame(rows, columns=["customer_id", "order_ts"])
    return df.assign(order_id=[f"o{i}" for i in range(len(df))], order_ts=pd.to_datetime(df.order_ts, utc=True),
                     amount=1.0)


# UTC instant -> Shanghai local date:  a 15:30Z Jan 1 -> Jan 1 23:30;  b 16:30Z Jan 1 -> Jan 2 00:30;
# c 02:00Z Jan 2 -> Jan 2 10:00;  d 20:00Z Jan 2 -> Jan 3 04:00.
NEAR_MIDNIGHT = _orders([("a", "2024-01-01 15:30"), ("b", "2024-01-01 16:30"),
                         ("c", "2024-01-02 02:00"), ("d", "2024-01-02 20:00")])


def _daily_buyers(data):
    k = period_kpis(data, "day")
    return dict(zip(k.period, k.buyers))


def test_daily_buyers_follow_the_business_time_zone():
    assert _daily_buyers(load_dataset({"orders": NEAR_MIDNIGHT}, time_zone="UTC")) == {
        "2024-01-01": 2, "2024-01-02": 2}  # a, b | c, d
    assert _daily_buyers(load_dataset({"orders": NEAR_MIDNIGHT}, time_zone="Asia/Shanghai")) == {
        "2024-01-01": 1, "2024-01-02": 2, "2024-01-03": 1}  # a | b, c | d


@pytest.fixture
def process_tz():
    """Set the process time zone (TZ + tzset) for one test, and restore it afterwards."""
    with pytest.MonkeyPatch.context() as mp:
        def set_tz(name):
            mp.setenv("TZ", name)
            time.tzset()
        yield set_tz
    time.tzset()


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "America/Los_Angeles", "UTC"])
def test_results_do_not_depend_on_the_process_time_zone(process_tz, zone):
    process_tz(zone)
    naive = NEAR_MIDNIGHT.assign(order_ts=NEAR_MIDNIGHT.order_ts.dt.tz_localize(None))  # read as local wall clock
    shanghai = load_dataset({"orders": NEAR_MIDNIGHT}, time_zone="Asia/Shanghai")
    assert _daily_buyers(shanghai) == {"2024-01-01": 1, "2024-01-02": 2, "2024-01-03": 1}
    assert _daily_buyers(load_dataset({"orders": naive}, time_zone="Asia/Shanghai")) == {
        "2024-01-01": 2, "2024-01-02": 2}  # naive values are already business-local: dates as written
    assert shanghai.as_of == pd.Timestamp("2024-01-03").date()
    d1 = n_day_retention(shanghai, days=(1,))
    assert d1.eligible_users.iloc[0] == 3 and d1.retained_on_day.iloc[0] == 0  # one order per buyer


# New York, UTC instants and local wall clock:
#   a 2024-03-10 04:30Z = Mar 9 23:30 EST;  2024-03-11 04:30Z = Mar 11 00:30 EDT  -> 24 h, 2 days apart
#   b 2024-03-10 04:30Z = Mar 9 23:30 EST;  2024-03-11 03:30Z = Mar 10 23:30 EDT  -> 23 h, next day (D1)
#   c 2024-11-03 03:30Z = Nov 2 23:30 EDT;  2024-11-04 05:30Z = Nov 4 00:30 EST   -> 26 h, 2 days apart
#   d 2024-11-03 04:10Z = Nov 3 00:10 EDT;  2024-11-04 04:50Z = Nov 3 23:50 EST (same 25-hour day)
#     and 2024-11-04 05:10Z = Nov 4 00:10 EST (D1)
DST = _orders([("a", "2024-03-10 04:30"), ("a", "2024-03-11 04:30"),
               ("b", "2024-03-10 04:30"), ("b", "2024-03-11 03:30"),
               ("c", "2024-11-03 03:30"), ("c", "2024-11-04 05:30"),
               ("d", "2024-11-03 04:10"), ("d", "2024-11-04 04:50"), ("d", "2024-11-04 05:10")])


def test_daylight_saving_changes_lose_or_duplicate_no_day():
    data = load_dataset({"orders": DST}, time_zone="America/New_York")
    days = period_kpis(data, "day").set_index("period")
    # one row per calendar day from Mar 9 to Nov 4, the two switch days exactly once each
    assert len(days) == (pd.Timestamp("2024-11-04") - pd.Timestamp("2024-03-09")).days + 1
    assert days.index.is_unique
    assert days.loc[["2024-03-09", "2024-03-10", "2024-03-11"], "buyers"].tolist() == [2, 1, 1]  # a b | b | a
    assert days.loc[["2024-11-02", "2024-11-03", "2024-11-04"], "buyers"].tolist() == [1, 1, 2]  # c | d | c d
    assert days.loc["2024-11-03", "orders"] == 2  # d's 00:10 EDT and 23:50 EST orders, same local day
    r = n_day_retention(data, days=(1, 2)).set_index("label")
    # as-of = Nov 4. D1: all 4 eligible; b (Mar 10) and d (Nov 4 00:10) -> 2/4.
    # D2: d's day 2 (Nov 5) is after the as-of date, so 3 eligible; on D2 a (Mar 11) and c (Nov 4),
    # within 2 days a, b, c.
    assert r.loc["D1", ["eligible_users", "retained_on_day"]].tolist() == [4, 2]
    assert r.loc["D2", ["eligible_users", "retained_on_day", "retained_within"]].tolist() == [3, 2, 3]
    daily = cohort_retention(data, "day", max_offset=2)
    assert daily.loc["2024-03-09", ["D1", "D2"]].tolist() == [0.5, 0.5]  # b on D1, a on D2
    assert daily.loc["2024-11-03", "D1"] == 1.0  # d
