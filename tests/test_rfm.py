"""RFM scores and segments on hand-made customer tables; every expected value is counted by hand."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from userops_lib.exceptions import ParameterError
from userops_lib.metrics.rfm import (CLASSIC_RULES, classic_rule_grid, rfm_segments, rfm_table, rule_table,
                             segment_profile)
from userops_lib.clv.summary import rfm_summary


def _rfm(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer_id", "recency_days", "frequency_days", "monetary_total"])


# cn8 table. Means: R 1541/12 = 128.4, F 54/12 = 4.5, M 5160/12 = 430.
# High = R < 128.4, F > 4.5, M > 430  ->  code written after each row.
CN8 = _rfm([
    ("c01", 1, 10, 1000.0),  # 111 bought yesterday, high F and M
    ("c02", 5, 1, 900.0),  # 101
    ("c03", 200, 9, 800.0),  # 011
    ("c04", 300, 1, 950.0),  # 001
    ("c05", 10, 8, 50.0),  # 110
    ("c06", 3, 1, 40.0),  # 100
    ("c07", 250, 7, 30.0),  # 010
    ("c08", 280, 1, 20.0),  # 000
    ("c09", 20, 1, 10.0),  # 100
    ("c10", 150, 1, 60.0),  # 000
    ("c11", 2, 12, 1200.0),  # 111
    ("c12", 320, 2, 100.0),  # 000 (with median cuts: F 2 > 1.5 and M 100 > 80 -> 011)
])

# classic table, 10 customers. Quantile scores = ceil(5 * min_rank / 10):
#   R (rank from the oldest): k10 1, k09 1, k08 2, k07 2, k06 3, k05 3, k04 4, k03 4, k02 5, k01 5
#   F: 1 (4 tied, min rank 1) -> 1; 2 (rank 5) -> 3; 3 (2 tied, rank 6) -> 3; 4 -> 4; 5 -> 5; 6 -> 5
#   M: distinct, ranks 1..10 -> 1,1,2,2,3,3,4,4,5,5
#   FM = (F + M + 1) // 2, segment from CLASSIC_RULES:
CLASSIC = _rfm([
    ("k01", 1, 6, 600.0),  # R5 F5 M5 FM5 Champions
    ("k02", 2, 5, 500.0),  # R5 F5 M5 FM5 Champions
    ("k03", 5, 4, 450.0),  # R4 F4 M4 FM4 Loyal Customers
    ("k04", 9, 1, 50.0),  # R4 F1 M1 FM1 Promising
    ("k05", 30, 3, 300.0),  # R3 F3 M3 FM3 Need Attention
    ("k06", 60, 2, 200.0),  # R3 F3 M3 FM3 Need Attention
    ("k07", 90, 1, 80.0),  # R2 F1 M2 FM2 Hibernating
    ("k08", 120, 1, 70.0),  # R2 F1 M2 FM2 Hibernating
    ("k09", 200, 3, 400.0),  # R1 F3 M4 FM4 At Risk
    ("k10", 365, 1, 10.0),  # R1 F1 M1 FM1 Lost
])
CLASSIC_EXPECTED = {"k01": (5, 5, 5, "Champions"), "k02": (5, 5, 5, "Champions"), "k03": (4, 4, 4, "Loyal Customers"),
                    "k04": (4, 1, 1, "Promising"), "k05": (3, 3, 3, "Need Attention"),
                    "k06": (3, 3, 3, "Need Attention"), "k07": (2, 1, 2, "Hibernating"),
                    "k08": (2, 1, 2, "Hibernating"), "k09": (1, 3, 4, "At Risk"), "k10": (1, 1, 1, "Lost")}


def _by_id(df, col="segment"):
    return dict(zip(df.customer_id, df[col]))


def _quiet(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rfm_segments(*args, **kwargs)


# ------------------------------------------------------------------------------------------ cn8
def test_cn8_mean_cut_gives_the_hand_counted_classes():
    seg = rfm_segments(CN8, scheme="cn8", cut="mean")
    got = _by_id(seg, "rfm_code")
    assert got == {"c01": "111", "c02": "101", "c03": "011", "c04": "001", "c05": "110", "c06": "100",
                   "c07": "010", "c08": "000", "c09": "100", "c10": "000", "c11": "111", "c12": "000"}
    counts = seg.segment.value_counts().to_dict()
    assert counts == {"一般挽留客户": 3, "重要价值客户": 2, "一般发展客户": 2, "重要发展客户": 1, "重要保持客户": 1,
                      "重要挽留客户": 1, "一般价值客户": 1, "一般保持客户": 1}
    assert seg.attrs["cuts"]["frequency_days"] == pytest.approx(4.5)


def test_cn8_direction_recent_buyer_is_value_not_retention():
    seg = _by_id(rfm_segments(CN8, scheme="cn8"))
    # c01 bought yesterday (1 day ago) with high F and M: recent means FEW days since the last purchase
    assert seg["c01"] == "重要价值客户"
    # c03 has high F and M but last bought 200 days ago: the one to keep (保持)
    assert seg["c03"] == "重要保持客户"
    # c02: recent, bought once, big spend -> develop; c04: long gone, big spend -> win back
    assert (seg["c02"], seg["c04"]) == ("重要发展客户", "重要挽留客户")


def test_cn8_direction_from_orders():
    # x bought yesterday three times (days), y long ago three times, same spend; z once, small
    ts = ["2024-06-01", "2024-06-10", "2024-06-29", "2024-01-01", "2024-01-05", "2024-01-09", "2024-03-01"]
    orders = pd.DataFrame({"order_id": [f"o{i}" for i in range(7)], "customer_id": list("xxxyyyz"),
                           "order_ts": pd.to_datetime(ts), "amount": [100.0] * 6 + [5.0]})
    seg = _by_id(_quiet(orders, scheme="cn8", as_of="2024-06-30"))
    assert seg["x"] == "重要价值客户" and seg["y"] == "重要保持客户" and seg["z"] == "一般挽留客户"


def test_cn8_median_cut_moves_the_customer_at_the_mean():
    seg = _by_id(rfm_segments(CN8, scheme="cn8", cut="median"))
    # medians: R (20+150)/2 = 85, F (1+2)/2 = 1.5, M (60+100)/2 = 80 -> c12 (320, 2, 100) is 011
    assert seg["c12"] == "重要保持客户"
    assert seg["c10"] == "一般挽留客户"


def test_cn8_thresholds_dict():
    # R < 100, F > 3, M > 500: c05 (10, 8, 50) -> 110; c12 (320, 2, 100) -> 000
    seg = _by_id(rfm_segments(CN8, scheme="cn8", cut={"R": 100, "F": 3, "M": 500}))
    assert (seg["c05"], seg["c12"], seg["c11"]) == ("一般价值客户", "一般挽留客户", "重要价值客户")


def test_cn8_recency_days_cuts_recent_at_a_fixed_number_of_days():
    # review #25: the mean cut (128.4 here, 236 days on the demo) calls a buyer of 150 days ago "recent" under
    # any larger mean. With recency_days=10: recent = at most 10 days ago, F and M keep the mean (4.5, 430).
    # c05 (10 days, F 8, M 50) is still recent -> 110; c09 (20 days) no longer -> 000; c01 (1 day) -> 111
    seg = rfm_segments(CN8, scheme="cn8", cut="mean", recency_days=10)
    got = _by_id(seg, "rfm_code")
    assert (got["c05"], got["c09"], got["c01"], got["c03"]) == ("110", "000", "111", "011")
    assert seg.attrs["recency_days"] == 10 and seg.attrs["cuts"]["recency_days"] == 11  # days < 11 = within 10
    assert seg.attrs["cuts"]["frequency_days"] == pytest.approx(4.5)
    assert rfm_segments(CN8, scheme="cn8").attrs["recency_days"] is None
    with pytest.raises(ParameterError, match="recency_days"):
        rfm_segments(CN8, scheme="cn8", recency_days=-1)
    with pytest.raises(ParameterError, match="cn8"):
        _quiet(CLASSIC, scheme="classic", recency_days=90)


# -------------------------------------------------------------------------------------- classic
def test_classic_quantile_scores_and_segments():
    seg = _quiet(CLASSIC, scheme="classic", cut="quantile")
    got = {r.customer_id: (r.r_score, r.f_score, r.m_score, r.segment) for r in seg.itertuples()}
    assert got == CLASSIC_EXPECTED
    assert seg.attrs["m_column"] == "monetary_total" and seg.attrs["unmatched"] == 0


def test_scores_do_not_depend_on_row_order_and_ties_share_a_score():
    twin = CLASSIC.query("customer_id == 'k04'").assign(customer_id="k04-twin")
    table = pd.concat([CLASSIC, twin], ignore_index=True)
    a = _quiet(table, scheme="classic", cut="quantile").set_index("customer_id")
    for seed in (1, 2, 3):
        b = _quiet(table.sample(frac=1, random_state=seed), scheme="classic", cut="quantile").set_index("customer_id")
        pd.testing.assert_frame_equal(a.sort_index(), b.sort_index())
    cols = ["r_score", "f_score", "m_score", "segment"]
    assert a.loc["k04", cols].tolist() == a.loc["k04-twin", cols].tolist()
    # the four one-purchase-day customers (k04, k07, k08, k10, + twin) all get F = 1
    assert set(a.loc[a.frequency_days == 1, "f_score"]) == {1}


def test_warning_when_fewer_distinct_scores_than_asked():
    # F takes 6 values but ties give only scores {1, 3, 4, 5}
    with pytest.warns(UserWarning, match="frequency_days gives only 4 distinct scores of the 5"):
        rfm_segments(CLASSIC, scheme="classic", cut="quantile")
    # everyone bought on one day: F has one score; cn8 F has one class
    once = CLASSIC.assign(frequency_days=1)
    with pytest.warns(UserWarning, match="frequency_days gives only 1 distinct high/low classes of the 2"):
        rfm_segments(once, scheme="cn8")


def test_no_warning_when_every_class_is_used():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rfm_segments(CN8, scheme="cn8")


def test_classic_rules_cover_every_score_combination_exactly_once():
    grid = classic_rule_grid()
    assert len(grid) == 125 and "Other" not in set(grid.segment)
    assert set(grid.segment) == {r[0] for r in CLASSIC_RULES}  # every segment reachable
    for r in range(1, 6):  # independent check: exactly one rule holds each (R, FM) cell
        for fm in range(1, 6):
            hits = [s for s, (rl, rh), (fl, fh), *_ in CLASSIC_RULES if rl <= r <= rh and fl <= fm <= fh]
            assert len(hits) == 1, (r, fm, hits)


def test_fixed_thresholds_are_closed_on_the_right():
    cut = {"R": [7, 30, 90, 180], "F": [1, 2, 3, 4], "M": [50, 100, 300, 500]}
    seg = _quiet(CLASSIC, scheme="classic", cut=cut).set_index("customer_id")
    # R: <=7 -> 5 (1, 2, 5 days); (7, 30] -> 4 (9, 30); (30, 90] -> 3 (60, 90); (90, 180] -> 2; > 180 -> 1
    assert seg.r_score.tolist() == [5, 5, 5, 4, 4, 3, 3, 2, 1, 1]
    assert seg.f_score.tolist() == [5, 5, 4, 1, 3, 2, 1, 1, 3, 1]  # 1 + number of edges below F
    assert seg.m_score.tolist() == [5, 4, 4, 1, 3, 3, 2, 2, 4, 1]  # 500 -> 4: edge 500 closes band 4
    with pytest.raises(ParameterError, match="4 strictly increasing edges"):
        rfm_segments(CLASSIC, scheme="classic", cut={"R": [1, 2], "F": [1, 2, 3, 4], "M": [1, 2, 3, 4]})


def test_monetary_mean_is_spend_per_purchase_day():
    seg = _quiet(CLASSIC, scheme="classic", cut="quantile", monetary="mean")
    assert seg.attrs["m_column"] == "monetary_mean"
    # means: k01 100, k02 100, k03 112.5, k04 50, k05 100, k06 100, k07 80, k08 70, k09 133.3, k10 10
    # min ranks: 10 -> 1, 50 -> 2, 70 -> 3, 80 -> 4, 100 (4 tied) -> 5, 112.5 -> 9, 133.3 -> 10
    assert _by_id(seg, "m_score") == {"k10": 1, "k04": 1, "k08": 2, "k07": 2, "k01": 3, "k02": 3, "k05": 3,
                                      "k06": 3, "k03": 5, "k09": 5}


# ------------------------------------------------------------------------------- custom rules
def test_custom_rule_table_first_match_wins_and_other_is_counted():
    rules = [{"segment": "VIP", "r_min": 4, "f_min": 4, "action": "thank"}, {"segment": "Sleeping", "r_max": 2}]
    seg = _quiet(CLASSIC, scheme=rules, cut="quantile")
    # VIP: R>=4 and F>=4 -> k01, k02, k03; Sleeping: R<=2 -> k07..k10; the rest (k04, k05, k06) Other
    assert seg.segment.value_counts().to_dict() == {"Sleeping": 4, "VIP": 3, "Other": 3}
    assert seg.attrs["unmatched"] == 3 and seg.attrs["scheme"] == "custom"
    overlapping = pd.DataFrame([{"segment": "Recent", "r_min": 4}, {"segment": "VIP", "r_min": 4, "f_min": 4}])
    seg = _quiet(CLASSIC, scheme=overlapping, cut="quantile")
    assert "VIP" not in set(seg.segment) and (seg.segment == "Recent").sum() == 4  # k01..k04


def test_rule_table_rejects_unknown_columns():
    with pytest.raises(ParameterError, match="unknown columns"):
        rule_table([{"segment": "A", "recency": 3}])


# ------------------------------------------------------------------------- measures and profile
def test_rfm_table_from_orders_counts_purchase_days():
    # x: two orders on 03-01 (10 + 20) and one on 03-20 (30); y: one order on 01-31
    orders = pd.DataFrame({"order_id": ["a", "b", "c", "d"], "customer_id": ["x", "x", "x", "y"],
                           "order_ts": pd.to_datetime(["2024-03-01 09:00", "2024-03-01 17:00", "2024-03-20 12:00",
                                                       "2024-01-31 08:00"]),
                           "amount": [10.0, 20.0, 30.0, 50.0]})
    t = rfm_table(orders, as_of="2024-03-31").set_index("customer_id")
    assert t.loc["x"].tolist() == [11, 2, 60.0, 30.0, False]  # 03-20 -> 03-31 = 11 days
    assert t.loc["y"].tolist() == [60, 1, 50.0, 50.0, True]  # 01-31 -> 03-31 = 60 days
    from_summary = rfm_table(rfm_summary(orders, observation_end="2024-03-31", date_col="order_ts"))
    pd.testing.assert_frame_equal(from_summary, t.reset_index(), check_like=True, check_dtype=False)


def test_segment_profile_counts_shares_and_actions():
    seg = rfm_segments(CN8, scheme="cn8")
    prof = segment_profile(seg).set_index("segment")
    assert prof.customers.sum() == 12 and prof.customer_share.sum() == pytest.approx(1.0)
    assert prof.loc["重要价值客户", "revenue_share"] == pytest.approx(2200 / 5160)  # c01 + c11
    assert prof.loc["一般挽留客户", "mean_recency_days"] == pytest.approx((280 + 150 + 320) / 3)
    assert bool(prof.loc["重要保持客户", "at_risk"]) and not bool(prof.loc["重要价值客户", "at_risk"])
    assert prof.action.str.len().min() > 0
    assert list(prof.index[:2]) == ["重要价值客户", "重要发展客户"]  # rule-table order
    # 重要保持客户 (c03) last bought 200 days ago, past the R cut of 128.4 days: the action must hold for
    # customers who have already lapsed, so it says win back, never "before they lapse"
    assert prof.loc["重要保持客户", "mean_recency_days"] == 200
    action = prof.loc["重要保持客户", "action"].lower()
    assert "win back" in action and "before they lapse" not in action


def test_segment_profile_revenue_from_other_orders():
    seg = rfm_segments(CN8, scheme="cn8")
    orders = pd.DataFrame({"order_id": ["a", "b", "c"], "customer_id": ["c01", "c03", "zz"],
                           "order_ts": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
                           "amount": [30.0, 10.0, 5.0]})
    prof = segment_profile(seg, orders).set_index("segment")
    assert prof.loc["重要价值客户", "revenue"] == 30.0 and prof.revenue.sum() == 40.0
    assert prof.attrs["revenue_outside"] == 5.0  # zz is not in the segments


def test_classic_on_the_demo_shop(demo_data):
    seg = _quiet(demo_data, scheme="classic", cut="quantile")
    assert seg.customer_id.is_unique and seg.attrs["unmatched"] == 0
    assert seg.attrs["as_of"] == demo_data.as_of
    prof = segment_profile(seg)
    assert prof.revenue_share.sum() == pytest.approx(1.0)
