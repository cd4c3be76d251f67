"""Campaign results on a hand-made shop; conversions and GMV are hand counts, intervals are compared
with the formula (scipy.stats.norm) and with scipy's own Welch test (peer library)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from userops_lib.metrics.campaigns import NOT_CAUSAL, RANDOMISED, campaign_results
from userops_lib.exceptions import ParameterError

# K1 (1-10 March, cost 100): randomised; treatment t1..t6, control u1..u4; x1 in both groups and y1
# in an unknown group are left out (and counted).
# K2 (1-5 April, cost 50): no control group; participants = buyers of orders attributed to K2.
# K3: no end date.
_ORDERS = [  # order_id, customer, date, amount, campaign
    ("o1", "t1", "2024-03-02", 100.0, None), ("o2", "t2", "2024-03-05", 50.0, None),
    ("o3", "t2", "2024-03-09", 30.0, None), ("o4", "t3", "2024-03-10", 20.0, None),  # last day counts
    ("o5", "t4", "2024-03-11", 999.0, None),  # day after the end: outside
    ("o6", "u1", "2024-03-03", 40.0, None), ("o7", "x1", "2024-03-04", 500.0, None),
    ("o8", "t5", "2024-02-29", 70.0, None),  # before the start: outside
    ("o9", "p1", "2024-04-02", 60.0, "K2"), ("o10", "p2", "2024-04-03", 40.0, "K2"),
    ("o11", "t1", "2024-04-04", 25.0, None), ("o12", "q1", "2023-12-01", 10.0, None),
]


def _data():
    orders = pd.DataFrame(_ORDERS, columns=["order_id", "customer_id", "order_ts", "amount", "campaign_id"])
    orders["order_ts"] = pd.to_datetime(orders["order_ts"])
    campaigns = pd.DataFrame({"campaign_id": ["K1", "K2", "K3"], "name": ["Spring coupon", "April sale", "Draft"],
                              "start": ["2024-03-01", "2024-04-01", "2024-05-01"],
                              "end": ["2024-03-10", "2024-04-05", None], "cost": [100.0, 50.0, None]})
    assign = [("K1", f"t{i}", "treatment") for i in range(1, 7)] + [("K1", f"u{i}", "control") for i in range(1, 5)]
    assign += [("K1", "x1", "treatment"), ("K1", "x1", "control"), ("K1", "y1", "holdout")]
    assignments = pd.DataFrame(assign, columns=["campaign_id", "customer_id", "group"])
    return {"orders": orders, "campaigns": campaigns, "campaign_assignments": assignments}


@pytest.fixture(scope="module")
def results():
    return campaign_results(_data()).set_index("campaign_id")


def test_randomised_campaign_counts(results):
    k1 = results.loc["K1"]
    assert k1.design == RANDOMISED
    assert (k1.n_treatment, k1.n_control) == (6, 4)
    assert (k1.excluded_in_both_groups, k1.excluded_unknown_group) == (1, 1)  # x1, y1
    # treatment: t1, t2, t3 bought in 1-10 March -> 3/6; GMV t1 100 + t2 80 + t3 20 = 200 over 6
    # control: u1 only -> 1/4; GMV 40 over 4
    assert k1.conversion_treatment == pytest.approx(0.5) and k1.conversion_control == pytest.approx(0.25)
    assert k1.gmv_per_user_treatment == pytest.approx(200 / 6) and k1.gmv_per_user_control == pytest.approx(10.0)
    assert k1.conversion_uplift == pytest.approx(0.25)
    assert k1.gmv_uplift == pytest.approx(200 / 6 - 10)
    assert k1.incremental_gmv == pytest.approx((200 / 6 - 10) * 6)  # 140
    assert k1.roi == pytest.approx((140 - 100) / 100)


def test_roi_range_is_the_roi_formula_at_the_ends_of_the_gmv_interval(results):
    k1 = results.loc["K1"]
    # ROI = (GMV-per-user uplift x 6 treated - cost 100) / 100, applied to the Welch interval ends
    # (the interval itself is checked against scipy below)
    assert k1.roi_low == pytest.approx((k1.gmv_uplift_low * 6 - 100) / 100)
    assert k1.roi_high == pytest.approx((k1.gmv_uplift_high * 6 - 100) / 100)
    assert k1.roi_low < k1.roi < k1.roi_high


def test_conversion_interval_is_the_normal_approximation(results):
    k1 = results.loc["K1"]
    z = stats.norm.ppf(0.975)
    se = math.sqrt(0.5 * 0.5 / 6 + 0.25 * 0.75 / 4)
    assert k1.conversion_uplift_low == pytest.approx(0.25 - z * se)
    assert k1.conversion_uplift_high == pytest.approx(0.25 + z * se)
    narrower = campaign_results(_data(), campaign_ids="K1", confidence=0.8).iloc[0]
    assert narrower.conversion_uplift_high - narrower.conversion_uplift_low == pytest.approx(
        2 * stats.norm.ppf(0.9) * se)


def test_gmv_interval_matches_scipy_welch(results):
    k1 = results.loc["K1"]
    treatment = np.array([100.0, 80.0, 20.0, 0.0, 0.0, 0.0])  # t1..t6 window GMV
    control = np.array([40.0, 0.0, 0.0, 0.0])                # u1..u4
    ci = stats.ttest_ind(treatment, control, equal_var=False).confidence_interval(0.95)
    assert k1.gmv_uplift_low == pytest.approx(ci.low) and k1.gmv_uplift_high == pytest.approx(ci.high)


def test_without_control_group_the_label_says_not_causal(results):
    k2 = results.loc["K2"]
    assert k2.design == NOT_CAUSAL and "NOT causal" in k2.design
    # participants p1, p2 (attributed orders), both bought in 1-5 April, GMV 60 + 40
    # comparison: ordered 2 Jan - 31 March (90 days before the start): t1, t2, t3, t4, u1, x1, t5 = 7
    # (q1's December order is too early); in the window only t1 bought (25)
    assert (k2.n_treatment, k2.n_control) == (2, 7)
    assert k2.conversion_treatment == 1.0 and k2.conversion_control == pytest.approx(1 / 7)
    assert k2.gmv_per_user_treatment == pytest.approx(50.0) and k2.gmv_per_user_control == pytest.approx(25 / 7)


def test_without_control_group_only_the_descriptive_comparison_is_given(results):
    k2 = results.loc["K2"]
    # plain differences stay: 2/2 - 1/7 converted; 50 - 25/7 GMV per user (hand counts above)
    assert k2.conversion_uplift == pytest.approx(1 - 1 / 7)
    assert k2.gmv_uplift == pytest.approx(50 - 25 / 7)
    # K2 has a cost (50), yet no interval, incremental GMV or ROI: they would read as causal
    for col in ("conversion_uplift_low", "conversion_uplift_high", "gmv_uplift_low", "gmv_uplift_high",
                "incremental_gmv", "roi", "roi_low", "roi_high"):
        assert math.isnan(k2[col]), col
    assert k2.cost == 50.0


def test_campaign_without_window_is_reported_not_dropped(results):
    k3 = results.loc["K3"]
    assert "no start/end" in k3.note and k3.n_treatment == 0 and math.isnan(k3.conversion_uplift)
    assert len(results) == 3


def test_parameter_errors():
    with pytest.raises(ParameterError, match="confidence"):
        campaign_results(_data(), confidence=95)
    with pytest.raises(ParameterError, match="K9"):
        campaign_results(_data(), campaign_ids=["K9"])


def test_demo_shop_designs_follow_the_assignments(demo_data):
    # a campaign is "randomised" exactly when the assignments table has control rows for it
    assign = demo_data.table("campaign_assignments").to_pandas()
    with_control = set(assign.loc[assign.group == "control", "campaign_id"])
    out = campaign_results(demo_data)
    assert set(out.loc[out.design == RANDOMISED, "campaign_id"]) == with_control
    sizes = assign.groupby(["campaign_id", "group"]).size()
    for row in out[out.design == RANDOMISED].itertuples():
        expected = (sizes[row.campaign_id, "treatment"], sizes[row.campaign_id, "control"])
        assert (row.n_treatment, row.n_control) == expected
