"""Referral / fission: every expected value below is a hand count over the 12-customer table here.

Who invited whom (valid invites marked ->):
    c1 -> c2, c3, c4;  c2 -> c5;  c5 -> c6            (one tree, 3 links deep)
    c9 -> c10 -> c9 (a cycle), c9 -> c11              (never reaches a first inviter)
    c7 names itself (self-referral); c8 names "zz" (unknown); c1, c12 have no referrer.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from userops_lib.data.load import load_dataset
from userops_lib.exceptions import ContractError, ParameterError
from userops_lib.metrics.referral import (INVITED_LABEL, referral_chains, referral_overview, referral_vs_channels,
                                  top_inviters)
from userops_lib.report.display import mask_id


def _data():
    customers = pd.DataFrame({
        "customer_id": [f"c{i}" for i in range(1, 13)],
        "referrer_id": [None, "c1", "c1", "c1", "c2", "c5", "c7", "zz", "c10", "c9", "c9", None],
        "channel": ["organic", "referral", "referral", "referral", "referral", "referral", "organic", "social",
                    "referral", "referral", "referral", "social"],
    })
    orders = pd.DataFrame({
        "order_id": [f"o{i}" for i in range(1, 11)],
        "customer_id": ["c1", "c1", "c2", "c3", "c5", "c5", "c6", "c7", "c9", "c11"],
        "order_ts": pd.to_datetime(["2024-01-01", "2024-01-10", "2024-01-05", "2024-01-11", "2024-01-20",
                                    "2024-01-28", "2024-01-15", "2024-01-02", "2024-01-03", "2024-01-25"]),
        "amount": [100.0, 50.0, 30.0, 40.0, 20.0, 20.0, 10.0, 60.0, 5.0, 15.0],
    })
    return load_dataset({"customers": customers, "orders": orders}, as_of="2024-02-01")


@pytest.fixture(scope="module")
def data():
    return _data()


def test_overview_counts_and_k_factor(data):
    ov = referral_overview(data).iloc[0]
    # valid invites: c1->c2,c3,c4; c2->c5; c5->c6; c10->c9; c9->c10; c9->c11 = 8 invitees
    # inviters c1 (3), c9 (2), c2, c5, c10 (1 each) = 5: mean 8/5, median of 3,2,1,1,1 = 1
    assert ov.customers == 12 and ov.invitees == 8 and ov.inviters == 5
    assert ov.inviter_share == pytest.approx(5 / 12)
    assert ov.invites_per_inviter_mean == pytest.approx(1.6) and ov.invites_per_inviter_median == 1
    # buyers: c1, c2, c3, c5, c6, c7, c9, c11 = 8; invitees who bought: c2, c3, c5, c6, c9, c11 = 6
    assert ov.buyers == 8 and ov.converted_invitees == 6
    assert ov.invitee_conversion == pytest.approx(6 / 8)
    assert ov.invites_per_buyer == pytest.approx(8 / 8)
    assert ov.k_factor == pytest.approx(1.0 * 0.75)
    # first-purchase gaps: c1->c2 4 d, c1->c3 10 d, c2->c5 15 d, c9->c11 22 d -> median 12.5;
    # c5->c6 is -5 d (the invitee bought first): counted apart; c10 never bought.
    assert ov.viral_cycle_days == pytest.approx(12.5) and ov.cycle_pairs == 4 and ov.invitee_bought_first == 1
    assert ov.self_referrals == 1 and ov.unknown_referrers == 1


def test_chains_depths_and_cycles(data):
    chains = referral_chains(data)
    # depth 0: c1, c7 (self-referral), c8 (unknown referrer), c12; depth 1: c2, c3, c4; 2: c5; 3: c6
    assert chains.set_index("depth")["customers"].to_dict() == {0: 4, 1: 3, 2: 1, 3: 1}
    # one tree (c1's) whose deepest member (c6) is 3 links down
    assert chains.set_index("depth")["chains"].to_dict() == {0: 0, 1: 0, 2: 0, 3: 1}
    assert chains.attrs["in_referral_cycle"] == 3  # c9, c10 and c11 below them
    assert chains.attrs["self_referrals"] == 1 and chains.attrs["unknown_referrers"] == 1
    assert chains["share"].sum() == pytest.approx(9 / 12)


def test_top_inviters(data):
    top = top_inviters(data, n=3, mask=False)
    # c1: 3 invitees, 2 bought (c2 30 + c3 40 = 70), own 2 orders 150; c9: 2 invitees (c10, c11),
    # 1 bought (c11, 15), own 1 order 5; then c2 (1 invitee c5, GMV 40) before c5 (c6, 10) and c10 (c9, 5)
    assert top.inviter.tolist() == ["c1", "c9", "c2"]
    assert top.invitees.tolist() == [3, 2, 1] and top.converted_invitees.tolist() == [2, 1, 1]
    assert top.invitee_gmv.tolist() == pytest.approx([70.0, 15.0, 40.0])
    assert top.own_orders.tolist() == [2, 1, 1] and top.own_gmv.tolist() == pytest.approx([150.0, 5.0, 30.0])
    masked = top_inviters(data, n=1)
    assert masked.inviter.iloc[0] == mask_id("c1") != "c1"


def test_referral_vs_channels(data):
    out = referral_vs_channels(data, horizon_days=10).set_index("acquisition")
    # invited: c2, c3, c4, c5, c6, c9, c10, c11 (8), buyers c2, c3, c5, c6, c9, c11 (6).
    # 10-day window complete by 2024-02-01 when the first purchase is on or before 2024-01-22:
    # all but c11 (01-25) -> 5; only c5 buys twice within 10 days (01-20, 01-28) -> 1/5;
    # spend in window: c2 30, c3 40, c5 40, c6 10, c9 5 -> 125 / 5 = 25.
    inv = out.loc[INVITED_LABEL]
    assert (inv.customers, inv.buyers, inv.buyers_full_horizon) == (8, 6, 5)
    assert inv.conversion == pytest.approx(0.75) and inv.repurchase_rate == pytest.approx(0.2)
    assert inv.spend_per_buyer == pytest.approx(25.0)
    # organic: c1 (01-01 and 01-10: 9 days, a repurchase; 150) and c7 (self-referral; 60)
    org = out.loc["organic"]
    assert (org.customers, org.buyers) == (2, 2)
    assert org.repurchase_rate == pytest.approx(0.5) and org.spend_per_buyer == pytest.approx(105.0)
    # social: c8 (unknown referrer) and c12, neither bought
    soc = out.loc["social"]
    assert (soc.customers, soc.buyers, soc.conversion) == (2, 0, 0.0) and math.isnan(soc.repurchase_rate)
    assert out.customers.sum() == 12  # every customer in exactly one group


def _repeat_data():
    """Five buyers, no invites, as-of 2024-03-30, for the 10-day repurchase definition."""
    orders = pd.DataFrame({
        "order_id": [f"o{i}" for i in range(1, 9)],
        "customer_id": ["a", "a", "b", "b", "c", "c", "d", "e"],
        "order_ts": pd.to_datetime(["2024-03-01 09:00", "2024-03-01 18:00", "2024-03-01 00:00", "2024-03-11 00:00",
                                    "2024-03-01 00:00", "2024-03-12 00:00", "2024-03-20 00:00", "2024-03-21 00:00"]),
        "amount": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0],
    })
    customers = pd.DataFrame({"customer_id": list("abcde"), "referrer_id": pd.Series([None] * 5, dtype="string"), "channel": ["web"] * 5})
    return load_dataset({"customers": customers, "orders": orders}, as_of="2024-03-30")


def test_repurchase_is_a_later_purchase_day_within_the_horizon():
    web = referral_vs_channels(_repeat_data(), horizon_days=10).set_index("acquisition").loc["web"]
    # a: two orders on day 0 -> one purchase day, no repurchase; b: day 10 -> repurchase (edge counts);
    # c: day 11 -> too late; d: first 03-20, exactly 10 days before as-of -> eligible, no repurchase;
    # e: first 03-21 -> window not complete, left out. So 1 of 4.
    assert (web.buyers, web.buyers_full_horizon) == (5, 4)
    assert web.repurchase_rate == pytest.approx(0.25)
    # spend in days 0-10 of a, b, c, d: 30 + 70 + 50 + 70 = 220 over 4
    assert web.spend_per_buyer == pytest.approx(55.0)


def test_repurchase_rate_agrees_with_second_purchase_conversion(demo_data):
    from userops_lib.metrics.conversion import second_purchase_conversion

    # peer function of this project: with no invites, each channel's rate must be rate_90d
    customers = demo_data.table("customers").to_pandas()
    customers["referrer_id"] = pd.Series(pd.NA, index=customers.index, dtype="string")
    plain = load_dataset({"customers": customers, "orders": demo_data.table("orders").to_pandas()},
                         as_of=str(demo_data.as_of))
    ours = referral_vs_channels(plain, horizon_days=90).set_index("acquisition")
    peer = second_purchase_conversion(demo_data, windows=[90], by="channel").set_index("group")
    common = ours.index.intersection(peer.index)
    assert len(common) >= 3
    assert ours.loc[common, "buyers_full_horizon"].tolist() == peer.loc[common, "eligible_90d"].tolist()
    assert ours.loc[common, "repurchase_rate"].to_numpy() == pytest.approx(peer.loc[common, "rate_90d"].to_numpy())


def test_missing_referrer_column_and_bad_parameters(data):
    no_ref = {"customers": pd.DataFrame({"customer_id": ["a"]}),
              "orders": pd.DataFrame({"order_id": ["o"], "customer_id": ["a"],
                                      "order_ts": pd.to_datetime(["2024-01-01"]), "amount": [1.0]})}
    with pytest.raises(ContractError, match="referrer_id"):
        referral_overview(no_ref)
    with pytest.raises(ParameterError, match="horizon_days"):
        referral_vs_channels(data, horizon_days=0)


def test_demo_shop_invitees_match_the_customers_table(demo_data):
    # cross-check against the raw customers table: every non-empty referrer_id that names another
    # known customer is one invite
    cust = demo_data.table("customers").to_pandas()
    valid = cust.referrer_id.notna() & cust.referrer_id.isin(cust.customer_id) & (cust.referrer_id != cust.customer_id)
    ov = referral_overview(demo_data).iloc[0]
    assert ov.invitees == valid.sum() > 0 and ov.inviters == cust.loc[valid, "referrer_id"].nunique()
    chains = referral_chains(demo_data)
    assert chains.customers.sum() + chains.attrs["in_referral_cycle"] == len(cust)
