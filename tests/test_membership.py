"""Membership analytics: every expected value is a hand count over the 11-customer shop below.

Tier history (t0 = 2024-03-31, t1 = 2024-06-30, as-of 2024-07-15; customers signed up 2023-12-01
except K, signed up 2024-05-01):
    A silver 01-01, gold 05-01                 silver -> gold       (up)
    B silver 01-15                             silver -> silver
    C gold 02-01, silver 06-01                 gold -> silver       (down)
    D gold 02-01                               gold -> gold
    E platinum 03-01, left ("") 06-15          platinum -> non-member (down)
    F silver 04-10                             non-member -> silver (joined after t0)
    G gold 03-31 (on t0), platinum 07-01       gold -> gold (07-01 is after t1)
    H silver 02-01, platinum 06-30 (on t1)     silver -> platinum
    I, J no history                            non-member -> non-member
    K no history, signed up after t0           not counted at t0
Orders: A..E, G, H one order on 2024-01-01; F on 03-01 and 05-01; I on 06-01; J on 01-01; K none.
Amounts: A 100, B 200, C 300, D 400, E 500, F 100 + 100, G 300, H 1000, I 50, J 50.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from userops_lib.data.load import load_dataset
from userops_lib.exceptions import MissingTableError, ParameterError
from userops_lib.metrics.membership import (NON_MEMBER, members_vs_nonmembers, revenue_by_tier, tier_distribution,
                                    tier_migration, time_to_join)

HISTORY = [("A", "2024-01-01", "silver"), ("A", "2024-05-01", "gold"), ("B", "2024-01-15", "silver"),
           ("C", "2024-02-01", "gold"), ("C", "2024-06-01", "silver"), ("D", "2024-02-01", "gold"),
           ("E", "2024-03-01", "platinum"), ("E", "2024-06-15", ""), ("F", "2024-04-10", "silver"),
           ("G", "2024-03-31", "gold"), ("G", "2024-07-01", "platinum"), ("H", "2024-02-01", "silver"),
           ("H", "2024-06-30", "platinum")]
ORDERS = [("A", "2024-01-01", 100), ("B", "2024-01-01", 200), ("C", "2024-01-01", 300), ("D", "2024-01-01", 400),
          ("E", "2024-01-01", 500), ("F", "2024-03-01", 100), ("F", "2024-05-01", 100), ("G", "2024-01-01", 300),
          ("H", "2024-01-01", 1000), ("I", "2024-06-01", 50), ("J", "2024-01-01", 50)]


@pytest.fixture(scope="module")
def shop():
    history = pd.DataFrame(HISTORY, columns=["customer_id", "valid_from", "tier"])
    history["valid_from"] = pd.to_datetime(history["valid_from"])
    orders = pd.DataFrame(ORDERS, columns=["customer_id", "order_ts", "amount"])
    orders.insert(0, "order_id", [f"o{i}" for i in range(len(orders))])
    orders["order_ts"] = pd.to_datetime(orders["order_ts"]) + pd.Timedelta(hours=10)
    orders["amount"] = orders["amount"].astype(float)
    customers = pd.DataFrame({"customer_id": list("ABCDEFGHIJK"),
                              "signup_ts": pd.to_datetime(["2023-12-01"] * 10 + ["2024-05-01"])})
    return load_dataset({"orders": orders, "customers": customers, "tier_history": history}, as_of="2024-07-15")


def test_migration_matrix_counted_by_hand(shop):
    m = tier_migration(shop, "2024-03-31", "2024-06-30")
    states = [NON_MEMBER, "silver", "gold", "platinum"]
    assert list(m.counts.index) == states and list(m.counts.columns) == states
    # rows from the header table: non-member {F->silver, I, J stay}; silver {A->gold, B stays, H->platinum};
    # gold {C->silver, D, G stay}; platinum {E->non-member}
    expected = {NON_MEMBER: [2, 1, 0, 0], "silver": [0, 1, 1, 1], "gold": [0, 1, 2, 0], "platinum": [1, 0, 0, 0]}
    for state, row in expected.items():
        assert m.counts.loc[state].tolist() == row
    assert m.shares.loc["gold", "gold"] == pytest.approx(2 / 3)
    assert m.shares.loc[NON_MEMBER, "silver"] == pytest.approx(1 / 3)
    summary = m.summary.set_index("from_tier")
    assert summary.loc["silver", ["customers", "retained", "upgraded", "downgraded"]].tolist() == pytest.approx(
        [3, 1 / 3, 2 / 3, 0])
    assert summary.loc["gold", "downgraded"] == pytest.approx(1 / 3)
    assert summary.loc["platinum", "downgraded"] == pytest.approx(1.0)
    # each row of shares sums to 1
    assert m.shares.sum(axis=1).tolist() == pytest.approx([1, 1, 1, 1])


def test_migration_rejects_reversed_dates_and_unknown_tiers(shop):
    with pytest.raises(ParameterError, match="start"):
        tier_migration(shop, "2024-06-30", "2024-03-31")
    with pytest.raises(ParameterError, match="platinum"):
        tier_migration(shop, "2024-03-31", "2024-06-30", tier_order=["silver", "gold"])


def test_tier_distribution_at_period_ends(shop):
    dist = tier_distribution(shop, period="month")
    at = dist[dist["period_end"] == pd.Timestamp("2024-03-31").date()].set_index("tier")["customers"]
    # 03-31: silver A, B, H; gold C, D, G; platinum E; non-members F, I, J (K signed up later)
    assert at.to_dict() == {NON_MEMBER: 3, "silver": 3, "gold": 3, "platinum": 1}
    last = dist[dist["period_end"] == dist["period_end"].max()]
    assert last["period_end"].iloc[0] == pd.Timestamp("2024-07-15").date()  # running period ends at as-of
    # 07-15: silver B, C, F; gold A, D; platinum G, H; non-members E, I, J, K
    assert last.set_index("tier")["customers"].to_dict() == {NON_MEMBER: 4, "silver": 3, "gold": 2, "platinum": 2}
    assert last.set_index("tier").loc["gold", "member_share"] == pytest.approx(2 / 7)
    assert last["share"].sum() == pytest.approx(1.0)


def test_time_to_join_and_upgrades(shop):
    t = time_to_join(shop).set_index("step")
    # days first purchase -> first tier: A 0, B 14, C 31, D 31, E 60, F 40, G 90, H 31
    # sorted 0 14 31 31 31 40 60 90: median 31, p25 14 + .75 * 17 = 26.75, p75 40 + .25 * 20 = 45
    first = t.loc["first purchase → member"]
    assert first["customers"] == 8
    assert [first["median_days"], first["p25_days"], first["p75_days"]] == pytest.approx([31, 26.75, 45])
    assert t.attrs["joined_before_first_purchase"] == 1  # A joined on the day of its first order
    assert t.loc["silver → gold", "median_days"] == 121  # A: 2024-01-01 -> 05-01 (leap February)
    assert t.loc["silver → platinum", "median_days"] == 150  # H: 02-01 -> 06-30
    assert t.loc["gold → platinum", "median_days"] == 92  # G: 03-31 -> 07-01
    assert "gold → silver" not in t.index  # downgrades are not upgrades


def test_revenue_by_tier_shares(shop):
    r = revenue_by_tier(shop, window_days=None).set_index("tier")
    # tiers at 07-15: silver B C F (200 + 300 + 200), gold A D (100 + 400), platinum G H (300 + 1000),
    # non-member buyers E I J (500 + 50 + 50); K neither bought nor is a member
    assert r["customers"].to_dict() == {NON_MEMBER: 3, "silver": 3, "gold": 2, "platinum": 2}
    assert r["revenue"].to_dict() == pytest.approx({NON_MEMBER: 600, "silver": 700, "gold": 500, "platinum": 1300})
    assert r.loc["platinum", "revenue_share"] == pytest.approx(1300 / 3100)
    assert r.loc["platinum", "concentration"] == pytest.approx((1300 / 3100) / (2 / 10))


def test_members_vs_nonmembers(shop):
    df = members_vs_nonmembers(shop, window_days=365, retention_days=90).set_index("group")
    # members at 07-15: A B C D F G H; 2,500 over 8 orders and 8 purchase days
    assert df.loc["member", ["customers", "orders", "revenue"]].tolist() == pytest.approx([7, 8, 2500])
    assert df.loc["member", "aov"] == pytest.approx(2500 / 8)
    assert df.loc["member", "purchase_days_per_customer"] == pytest.approx(8 / 7)
    # all 7 members first bought by 04-16; only F bought again within 90 days (03-01 -> 05-01)
    assert df.loc["member", ["retention_base", "retention"]].tolist() == pytest.approx([7, 1 / 7])
    # non-members E, J (eligible, no return) and I (first order 06-01: too recent to count)
    assert df.loc[NON_MEMBER, ["customers", "retention_base", "retention"]].tolist() == pytest.approx([3, 2, 0])
    assert "not the effect" in df.attrs["caveat"]


def test_orders_only_data_raises_missing_table():
    orders = pd.DataFrame({"order_id": ["o1"], "customer_id": ["A"], "order_ts": pd.to_datetime(["2024-01-01"]),
                           "amount": [10.0]})
    data = load_dataset({"orders": orders})
    with pytest.raises(MissingTableError, match="tier_history"):
        tier_migration(data, "2024-01-01", "2024-02-01")
    with pytest.raises(MissingTableError, match="tier_history"):
        revenue_by_tier(data)


def test_member_tier_snapshot_without_history():
    orders = pd.DataFrame({"order_id": ["o1", "o2", "o3"], "customer_id": ["A", "B", "C"],
                           "order_ts": pd.to_datetime(["2024-01-01"] * 3), "amount": [10.0, 30.0, 60.0]})
    customers = pd.DataFrame({"customer_id": ["A", "B", "C"], "member_tier": ["gold", "", "gold"]})
    r = revenue_by_tier(load_dataset({"orders": orders, "customers": customers})).set_index("tier")
    # B has an empty tier = non-member; A and C are gold
    assert r.loc["gold", "customers"] == 2 and r.loc["gold", "revenue"] == pytest.approx(70)
    assert r.loc[NON_MEMBER, "revenue"] == pytest.approx(30)
    assert math.isnan(r.loc["silver", "concentration"])
    assert r.attrs["tier_source"] == "customers.member_tier"
