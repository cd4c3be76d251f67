"""Lifecycle stages on a hand-made log: 6 customers over January-June 2024.

Every expected value below is a hand count of the log in ``_log`` (months active per customer):

    A: Jan (two orders) Feb Mar Apr May Jun
    B: Jan . . Apr . .
    C: . Feb Mar . . .
    D: Jan . . . . .
    E: . . Mar . May Jun
    F: . . . . May .
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from userops_lib.data.load import load_dataset
from userops_lib.exceptions import ParameterError
from userops_lib.metrics.lifecycle import customer_stage, lifecycle_stages, stage_transitions

ACTIVE_MONTHS = {"A": [1, 1, 2, 3, 4, 5, 6], "B": [1, 4], "C": [2, 3], "D": [1], "E": [3, 5, 6], "F": [5]}


def _log() -> pd.DataFrame:
    # the i-th order of a customer is on day 3 (i = 0) or 12 + i: no two orders of one customer share a week
    rows = [(c, dt.date(2024, m, 3 if i == 0 else 12 + i))
            for c, months in ACTIVE_MONTHS.items() for i, m in enumerate(months)]
    df = pd.DataFrame(rows, columns=["customer_id", "order_date"])
    df["order_date"] = pd.to_datetime(df.order_date)
    df["order_id"] = [f"o{i}" for i in range(len(df))]
    df["amount"] = 10.0
    return df


def _data():
    orders = _log().assign(order_ts=lambda d: d.order_date + pd.Timedelta("12h")).drop(columns="order_date")
    return load_dataset({"orders": orders}, as_of="2024-06-30")


def test_every_stage_counted_by_hand():
    out = lifecycle_stages(_data(), period="month", churn_after=3, lookback=0).set_index("period")
    # Jan: new A B D. Feb: new C; returning A; dormant B D. Mar: new E; returning A C.
    # Apr: returning A; resurrected B; dormant C E; churned D (inactive Feb, Mar, Apr).
    # May: new F; returning A; resurrected E; dormant B. Jun: returning A E; dormant F;
    # churned C (inactive Apr, May, Jun). B is inactive May-Jun only: not churned yet.
    assert list(out.index) == list(pd.date_range("2024-01-01", periods=6, freq="MS"))
    assert out.new.tolist() == [3, 1, 1, 0, 1, 0]
    assert out.returning.tolist() == [0, 1, 2, 1, 1, 2]
    assert out.resurrected.tolist() == [0, 0, 0, 1, 1, 0]
    assert out.dormant.tolist() == [0, 2, 0, 2, 1, 1]
    assert out.churned.tolist() == [0, 0, 0, 1, 0, 1]
    assert out.active.tolist() == [3, 2, 3, 2, 3, 2]
    # quick ratio (new + resurrected) / dormant: Feb 1/2, Apr 1/2, May 2/1, Jun 0/1; none dormant in Jan, Mar
    np.testing.assert_allclose(out.quick_ratio, [np.nan, 0.5, np.nan, 0.5, 2.0, 0.0])
    assert out.complete.all()


def test_lookback_removes_the_first_periods():
    full = lifecycle_stages(_log(), lookback=0)
    assert full.period.iloc[0] == pd.Timestamp("2024-01-01")
    one = lifecycle_stages(_log())  # default lookback=1
    assert one.period.iloc[0] == pd.Timestamp("2024-02-01")
    pd.testing.assert_frame_equal(one.reset_index(drop=True), full.iloc[1:].reset_index(drop=True))


def test_churn_threshold_and_incomplete_last_period():
    # churn_after=2: D churns in Mar (Feb, Mar), B too (Feb, Mar) and again in Jun (May, Jun), C in May
    out = lifecycle_stages(_log(), churn_after=2, lookback=0)
    assert out.churned.tolist() == [0, 0, 2, 0, 1, 1]
    # without a Dataset the last order (A, June 18) is the as-of date: June is partial
    assert out.complete.tolist() == [True] * 5 + [False]


def test_customer_stage_at_the_last_complete_month_and_in_april():
    june = customer_stage(_data()).set_index("customer_id")
    # June: A, E active in May and June -> returning; B last active Apr (2 inactive months) -> dormant;
    # C last Mar (3) -> churned; D last Jan (5) -> churned; F last May (1) -> dormant
    assert june.attrs["period_start"] == "2024-06-01"
    assert june.stage.astype(str).to_dict() == {"A": "returning", "B": "dormant", "C": "churned",
                                                "D": "churned", "E": "returning", "F": "dormant"}
    assert june.inactive_periods.to_dict() == {"A": 0, "B": 2, "C": 3, "D": 5, "E": 0, "F": 1}
    april = customer_stage(_data(), at="2024-04-15").set_index("customer_id")
    # April: F has not bought yet; B resurrected; C, E dormant; D churned (Feb, Mar, Apr)
    assert april.stage.astype(str).to_dict() == {"A": "returning", "B": "resurrected", "C": "dormant",
                                                 "D": "churned", "E": "dormant"}
    march = customer_stage(_log(), at="2024-03").set_index("customer_id")
    assert march.loc["E", "stage"] == "new" and march.loc["E", "first_active"] == pd.Timestamp("2024-03-01")


def test_stage_transitions_april_to_june():
    out = stage_transitions(_data(), "2024-04", "2024-06")
    got = {(str(r.from_stage), str(r.to_stage)): r.customers for r in out.itertuples()}
    # April -> June from the two hand-counted stage lists above; F joined in May
    assert got == {("returning", "returning"): 1, ("resurrected", "dormant"): 1, ("dormant", "returning"): 1,
                   ("dormant", "churned"): 1, ("churned", "churned"): 1, ("not yet a customer", "dormant"): 1}
    matrix = out.pivot_table(index="from_stage", columns="to_stage", values="share", aggfunc="sum",
                             observed=True, fill_value=0)
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)
    assert matrix.loc["dormant", "churned"] == pytest.approx(0.5)


def test_weeks_events_and_bad_parameters():
    events = _log().rename(columns={"order_date": "event_date"})
    by_week = lifecycle_stages(events, period="week", activity="events", lookback=0)
    # 16 rows (A 7, B 2, C 2, D 1, E 3, F 1), no two of a customer in one week: 16 active customer-weeks
    assert by_week.active.sum() == 16
    assert by_week.new.sum() == 6
    assert (by_week.period.dt.day_of_week == 0).all()  # weeks start on Monday
    with pytest.raises(ParameterError, match="fortnight"):
        lifecycle_stages(_log(), period="fortnight")
    with pytest.raises(ParameterError, match="to_period"):
        stage_transitions(_log(), "2024-05", "2024-04")


def test_demo_shop_each_customer_is_new_once(demo_data):
    # invariant: with no lookback every buyer is counted new exactly once
    out = lifecycle_stages(demo_data, lookback=0)
    assert out.new.sum() == demo_data.orders.customer_id.nunique().to_pyarrow().as_py()
    stages = customer_stage(demo_data)
    assert len(stages) <= out.new.sum() and stages.stage.notna().all()
