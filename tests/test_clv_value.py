"""CLV and the value views."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from oracle import lifetimes, needs_lifetimes

from userops_lib.clv import (
    at_risk_high_value,
    clv_by_channel,
    clv_by_cohort,
    clv_deciles,
    customer_lifetime_value,
    customer_value_table,
    fit_purchase_model,
    fit_spend_model,
    lifecycle_actions,
)
from userops_lib.data.load import load_dataset
from userops_lib.exceptions import ParameterError


@pytest.fixture(scope="module")
def cdnow_days(cdnow_weeks):
    """CDNOW summary converted from weeks to days (lifetimes' CLV steps 30-*day* months with freq='D')."""
    df = cdnow_weeks.assign(recency=cdnow_weeks["recency"] * 7, T=cdnow_weeks["T"] * 7)
    df.attrs["time_unit"] = "D"
    return df


@pytest.fixture(scope="module")
def spend(cdnow_days):
    return fit_spend_model(cdnow_days)


PEER_FITTERS = {"bgnbd": "BetaGeoFitter", "mbgnbd": "ModifiedBetaGeoFitter", "pnbd": "ParetoNBDFitter"}


@needs_lifetimes
@pytest.mark.parametrize("model", ["bgnbd", "pnbd", "mbgnbd"])
def test_clv_equals_lifetimes_with_its_conventions(cdnow_days, spend, model):
    # peer library: lifetimes' GammaGammaFitter.customer_lifetime_value, 30-day months (freq="D"),
    # with lifetimes' purchase fitter carrying our parameters
    purchases = fit_purchase_model(cdnow_days, model)
    peer_spend = lifetimes.GammaGammaFitter()
    peer_spend.params_ = pd.Series(spend.params_)
    peer_purchases = getattr(lifetimes, PEER_FITTERS[model])()
    peer_purchases.params_ = pd.Series(purchases.params_)
    peer_purchases.predict = peer_purchases.conditional_expected_number_of_purchases_up_to_time  # as fit() sets it
    with np.errstate(divide="ignore"):  # lifetimes' Pareto/NBD takes log(0) for customers without repeats
        expected = peer_spend.customer_lifetime_value(peer_purchases, cdnow_days["frequency"], cdnow_days["recency"],
                                                      cdnow_days["T"], cdnow_days["monetary_value"], time=12,
                                                      discount_rate=0.01, freq="D")
    ours = customer_lifetime_value(purchases, spend, cdnow_days, months=12, monthly_discount_rate=0.01, month_days=30)
    np.testing.assert_allclose(ours["clv"].to_numpy(), expected.to_numpy(), rtol=1e-9, atol=1e-9)
    assert ours["customer_id"].tolist() == cdnow_days["customer_id"].tolist()


def test_clv_definition_by_hand(cdnow_days, spend):
    # two months of 30.4375 days, 5% a month: spend · (E1/1.05 + (E2 − E1)/1.05²), E from the model
    bg = fit_purchase_model(cdnow_days, "bgnbd")
    e1 = bg.expected_purchases(30.4375, cdnow_days)
    e2 = bg.expected_purchases(60.875, cdnow_days)
    by_hand = spend.expected_spend(cdnow_days) * (e1 / 1.05 + (e2 - e1) / 1.05 ** 2)
    ours = customer_lifetime_value(bg, spend, cdnow_days, months=2, monthly_discount_rate=0.05)
    np.testing.assert_allclose(ours["clv"], by_hand, rtol=1e-12)
    np.testing.assert_allclose(ours["expected_purchases"], e2, rtol=1e-12)


def test_clv_month_is_in_the_summary_unit(cdnow_days, spend):
    # the same customers in weeks must get the same CLV: a month is 30.4375/7 weeks
    weeks = cdnow_days.assign(recency=cdnow_days["recency"] / 7, T=cdnow_days["T"] / 7)
    weeks.attrs["time_unit"] = "W"
    daily = customer_lifetime_value(fit_purchase_model(cdnow_days), spend, cdnow_days)
    weekly = customer_lifetime_value(fit_purchase_model(weeks), spend, weeks)
    np.testing.assert_allclose(daily["clv"], weekly["clv"], rtol=1e-4)


def test_clv_parameters_are_checked(cdnow_days, spend):
    bg = fit_purchase_model(cdnow_days)
    with pytest.raises(ParameterError, match="months"):
        customer_lifetime_value(bg, spend, cdnow_days, months=0)
    with pytest.raises(ParameterError, match="monthly_discount_rate"):
        customer_lifetime_value(bg, spend, cdnow_days, monthly_discount_rate=1.5)


def test_clv_deciles_hand_counted():
    # 20 customers with CLV 1..20 (total 210): decile 1 = {20, 19} = 39, decile 10 = {2, 1} = 3
    values = pd.DataFrame({"customer_id": [f"c{i}" for i in range(20)], "clv": np.arange(1.0, 21.0)})
    table = clv_deciles(values)
    assert table["customers"].tolist() == [2] * 10
    assert table["total_clv"].tolist() == [39, 35, 31, 27, 23, 19, 15, 11, 7, 3]
    assert table.loc[0, "share_of_value"] == pytest.approx(39 / 210)
    assert table["cumulative_share"].iloc[-1] == pytest.approx(1.0)


def test_clv_by_cohort_hand_counted():
    # Jan cohort: a (10), b (30) → 2 customers, 40; Feb cohort: c (60) → 1 customer, 60; total 100
    values = pd.DataFrame({"customer_id": ["a", "b", "c"], "clv": [10.0, 30.0, 60.0],
                           "probability_alive": [0.5, 1.0, 0.8],
                           "first_purchase": pd.to_datetime(["2024-01-03", "2024-01-31", "2024-02-01"]).date})
    table = clv_by_cohort(values)
    assert [str(c) for c in table["cohort"]] == ["2024-01-01", "2024-02-01"]
    assert table["customers"].tolist() == [2, 1]
    assert table["total_clv"].tolist() == [40.0, 60.0]
    assert table["mean_probability_alive"].tolist() == [0.75, 0.8]
    assert table["share_of_value"].tolist() == [0.4, 0.6]


def test_clv_by_channel_with_costs_hand_counted():
    # customers: a, b (ads), c (seo), d (no channel); buyers valued: a 100, c 30, e 5 (e not in customers)
    # ads: 2 acquired, 1 buyer, CLV 100, cost 50 → CAC 25, CLV per customer 50, CLV/CAC 2
    # seo: 1 acquired, CLV 30, cost 60 → CAC 60, CLV/CAC 0.5; (unknown): d and e → 2 customers, CLV 5
    orders = pd.DataFrame({"order_id": ["o1", "o2", "o3"], "customer_id": ["a", "c", "e"],
                           "order_ts": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
                           "amount": [10.0, 20.0, 5.0]})
    customers = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "channel": ["ads", "ads", "seo", None]})
    costs = pd.DataFrame({"channel": ["ads", "seo"], "cost": [50.0, 60.0]})
    data = load_dataset({"orders": orders, "customers": customers, "channel_costs": costs})
    values = pd.DataFrame({"customer_id": ["a", "c", "e"], "clv": [100.0, 30.0, 5.0]})
    table = clv_by_channel(values, data).set_index("channel")
    assert table.loc["ads", ["customers", "buyers", "total_clv"]].tolist() == [2, 1, 100.0]
    assert table.loc["ads", "cac"] == 25.0 and table.loc["ads", "clv_to_cac"] == 2.0
    assert table.loc["seo", "clv_to_cac"] == 0.5
    assert table.loc["(unknown)", ["customers", "buyers", "total_clv"]].tolist() == [2, 1, 5.0]
    assert np.isnan(table.loc["(unknown)", "cac"])


def test_clv_by_channel_falls_back_to_the_first_orders_channel_with_ties_broken_by_name():
    # no customers table: a's first order (2024-01-01 09:00) has two orders at that moment, "web" and
    # "app" -> "app" (first by name), not the later "ads"; b's only order is "web"
    orders = pd.DataFrame({"order_id": ["o1", "o2", "o3", "o4"], "customer_id": ["a", "a", "a", "b"],
                           "order_ts": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 09:00", "2024-01-05 09:00",
                                                       "2024-01-02 09:00"]),
                           "amount": [10.0, 20.0, 5.0, 7.0], "channel": ["web", "app", "ads", "web"]})
    values = pd.DataFrame({"customer_id": ["a", "b"], "clv": [100.0, 30.0]})
    table = clv_by_channel(values, load_dataset({"orders": orders})).set_index("channel")
    assert table["total_clv"].to_dict() == {"app": 100.0, "web": 30.0}


def test_at_risk_high_value_hand_counted():
    # value_if_active 10..100; 80th percentile = 82 → high value: i (90), j (100);
    # of those P(alive) < 0.5: j only (0.2) → value at risk 100 · 0.8 = 80
    values = pd.DataFrame({"customer_id": list("abcdefghij"),
                           "value_if_active": np.arange(10.0, 101.0, 10.0),
                           "probability_alive": [0.1] * 8 + [0.9, 0.2]})
    values["clv"] = values["value_if_active"] * values["probability_alive"]
    table = at_risk_high_value(values)
    assert table["customer_id"].tolist() == ["j"]
    assert table.loc[0, "value_at_risk"] == pytest.approx(80.0)
    assert table.attrs["candidates"] == 1


def test_customer_value_table_adds_alive_and_value_if_active(cdnow_days, spend):
    bg = fit_purchase_model(cdnow_days)
    table = customer_value_table(bg, spend, cdnow_days)
    assert len(table) == 2357
    np.testing.assert_allclose(table["probability_alive"], bg.probability_alive(cdnow_days))
    np.testing.assert_allclose(table["value_if_active"] * table["probability_alive"], table["clv"], rtol=1e-9, atol=1e-6)  # P(alive) clipped at 1e-9


def test_lifecycle_actions_one_line_per_stage():
    counts = pd.DataFrame({"stage": ["new", "dormant", "vip"], "customers": [5, 3, 1]})
    table = lifecycle_actions(counts)
    assert table["customers"].tolist() == [5, 3, 1]
    assert table.loc[2, "action"].startswith("No standard action")
    assert table["action"].str.len().gt(10).all()
