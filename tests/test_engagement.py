"""Stickiness distribution and activity index on hand-made logs; expected values counted by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from userops_lib.data.load import load_dataset
from userops_lib.metrics.engagement import (
    activity_by_segment,
    activity_index,
    stickiness_distribution,
)
from userops_lib.exceptions import ParameterError


def _day(d: int, hour: int = 12) -> pd.Timestamp:
    return pd.Timestamp(2024, 1, d, hour)


# ---------------------------------------------------------------------------------- stickiness
def _sticky_log() -> pd.DataFrame:
    # window 2024-01-06..01-10 (5 days ending 01-10)
    # a: 06 (twice), 07, 10  → 3 active days     b: 08 → 1
    # c: 06, 07, 08, 09, 10 → 5                  d: 05 (outside), 09 → 1
    # e: 01 only → not active in the window
    days = {"a": [6, 6, 7, 10], "b": [8], "c": [6, 7, 8, 9, 10], "d": [5, 9], "e": [1]}
    rows = [(c, _day(d, 9 + i), "visit") for c, ds in days.items() for i, d in enumerate(ds)]
    df = pd.DataFrame(rows, columns=["customer_id", "event_ts", "event_name"])
    return df.assign(event_date=df.event_ts.dt.date)


def test_stickiness_counts_and_cumulative_shares():
    out = stickiness_distribution(_sticky_log(), window_days=5, end="2024-01-10")
    # exactly N days: 1 → b, d; 3 → a; 5 → c; 4 active customers
    assert out.customers.tolist() == [2, 0, 1, 0, 1]
    assert out.share.tolist() == pytest.approx([0.5, 0, 0.25, 0, 0.25])
    # at least N days: 4, 2 (a c), 2, 1 (c), 1
    assert out.customers_at_least.tolist() == [4, 2, 2, 1, 1]
    assert out.share_at_least.tolist() == pytest.approx([1, 0.5, 0.5, 0.25, 0.25])
    assert out.attrs["active_customers"] == 4 and out.attrs["source"] == "events"


def test_stickiness_end_defaults_to_last_activity_and_orders_work():
    orders = pd.DataFrame({"customer_id": ["a", "a", "b"], "order_ts": [_day(9), _day(10), _day(10)]})
    out = stickiness_distribution(orders, window_days=2)
    # window 01-09..01-10 (last order day): a active 2 days, b 1 day
    assert out.customers.tolist() == [1, 1] and out.attrs["source"] == "orders"
    with pytest.raises(ParameterError, match="window_days"):
        stickiness_distribution(orders, window_days=0)


# ------------------------------------------------------------------------------ activity index
def _shop():
    # window: 3 days 01-08..01-10, half-life 1 day → a day weighs 1 (01-10), 0.5 (01-09), 0.25 (01-08)
    events = [
        ("u1", _day(10, 9), "visit"), ("u1", _day(10, 18), "visit"), ("u1", _day(9), "product_view"),
        ("u1", _day(8), "like"),
        ("u2", _day(8), "visit"), ("u2", _day(9), "visit"),
        ("u3", _day(10), "visit"), ("u3", _day(10), "product_view"), ("u3", _day(7), "review"),
        ("u5", _day(1), "visit"),
        ("u2", _day(10), "add_to_cart"),  # no component: not counted
    ]
    orders = [("o1", "u2", _day(10), 20.0), ("o2", "u3", _day(8), 30.0)]
    return load_dataset({
        "events": pd.DataFrame(events, columns=["customer_id", "event_ts", "event_name"]),
        "orders": pd.DataFrame(orders, columns=["order_id", "customer_id", "order_ts", "amount"]),
        "customers": pd.DataFrame({"customer_id": ["u1", "u2", "u3", "u4", "u5"]}),
    }, as_of="2024-01-10")


# F per component (decayed day sums) and S = F / max F:
#            visits              views          interactions        purchases
# u1   1 (01-10, once) → 1   0.5 (01-09) → 0.5  0.25 (01-08) → 1    0 → 0
# u2   0.25 + 0.5 → 0.75     0 → 0              0 → 0               1 (01-10) → 1
# u3   1 → 1                 1 → 1              0 (review 01-07 outside) 0.25 (01-08) → 0.25
# u4, u5: nothing in the window → 0
# default weights 1, 1, 2, 3 (sum 7):
# u1 = 100 (1 + 0.5 + 2) / 7 = 50;  u2 = 100 (0.75 + 3) / 7 = 53.571;  u3 = 100 (1 + 1 + 0.75) / 7 = 39.286
HAND = {"u1": 50.0, "u2": 100 * 3.75 / 7, "u3": 100 * 2.75 / 7, "u4": 0.0, "u5": 0.0}


def _index(**kw) -> pd.DataFrame:
    return activity_index(_shop(), half_life_days=1, window_days=3, **kw)


def test_index_reproduced_by_hand():
    out = _index().set_index("customer_id")
    assert out.activity_index.to_dict() == pytest.approx(HAND)
    assert out.loc["u2", "visits_score"] == pytest.approx(0.75)
    assert out.loc["u1", ["visits_days", "views_days", "interactions_days", "purchases_days"]].tolist() == [1, 1, 1, 0]
    assert out.loc[["u2", "u1", "u3"], "rank"].tolist() == [1, 2, 3]
    assert out.attrs["inactive_customers"] == 2  # u4 (customer row only) and u5 (visit before the window)


def test_weights_change_the_ranking():
    # without purchases (weights 1, 1, 2 → sum 4): u1 (1 + 0.5 + 2) / 4 = 87.5, u3 2 / 4 = 50, u2 0.75 / 4 = 18.75
    out = _index(weights={"visits": 1, "views": 1, "interactions": 2}).set_index("customer_id")
    assert out.activity_index[["u1", "u3", "u2"]].tolist() == pytest.approx([87.5, 50.0, 18.75])
    assert out.loc[["u1", "u3", "u2"], "rank"].tolist() == [1, 2, 3]
    # purchases only: u2 100, u3 25, u1 0
    only = _index(weights={"purchases": 1}).set_index("customer_id")
    assert only.activity_index[["u2", "u3", "u1"]].tolist() == pytest.approx([100, 25, 0])


def test_index_stays_within_0_and_100(demo_data):
    out = activity_index(demo_data)
    assert out.activity_index.between(0, 100).all()
    assert out.activity_index.max() > 0 and out.activity_index.min() == 0
    # one customer per row, ranks follow the index
    assert out.customer_id.is_unique and out.activity_index.is_monotonic_decreasing
    # customers with the same rank (the inactive ones share the last) come in id order
    inactive = out[out.activity_index == 0]
    assert len(inactive) > 1 and inactive.customer_id.is_monotonic_increasing and inactive["rank"].nunique() == 1


def test_bad_weights():
    with pytest.raises(ParameterError, match="unknown component"):
        _index(weights={"logins": 1})
    with pytest.raises(ParameterError, match="at least one"):
        _index(weights={"visits": 0})
    with pytest.raises(ParameterError, match="half_life_days"):
        activity_index(_shop(), half_life_days=0)


def test_activity_by_segment():
    idx = _index()
    segments = pd.DataFrame({"customer_id": ["u1", "u2", "u3", "u9"], "segment": ["A", "A", "B", "B"]})
    out = activity_by_segment(idx, segments).set_index("segment")
    # A: u1 50, u2 53.57 → 2 customers, mean 51.79, both in (40, 60]; B: u3 39.29 → (20, 40];
    # u4 u5 have no segment → unknown, index 0; u9 has a segment but no index → counted, left out
    assert out.customers.to_dict() == {"A": 2, "B": 1, "unknown": 2}
    assert out.loc["A", "mean_index"] == pytest.approx((HAND["u1"] + HAND["u2"]) / 2)
    assert out.loc["A", "band_40_60"] == 1.0 and out.loc["B", "band_20_40"] == 1.0
    assert out.loc["unknown", "inactive_share"] == 1.0 and out.loc["unknown", "band_0_20"] == 1.0
    assert out.attrs["segmented_without_index"] == 1
