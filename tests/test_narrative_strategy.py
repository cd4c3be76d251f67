"""The Strategy-experiment report's sentences, exactly, in both languages, for small hand-made results.

Every input is written out here (no data is loaded); each expected number is worked out in the
comment above it from those inputs. Money is CNY in Chinese, USD in English (the defaults).
"""

from __future__ import annotations

import pandas as pd

import datetime as dt

from userops_lib.metrics.basket import AssociationRulesFacts
from userops_lib.metrics.campaigns import NOT_CAUSAL, RANDOMISED
from userops_lib.metrics.conversion import RepurchaseCycleFacts, SecondPurchaseConversionFacts
from userops_lib.metrics.rfm import RfmSegmentsFacts
from userops_lib.results import attach
from userops_lib.report.formatting import NumberStyle
from userops_lib.report.narrative import strategy as text

EN, ZH = NumberStyle("en"), NumberStyle("zh")
NAN = float("nan")


def _cycle(p80: int = 100, repeat: int = 5) -> pd.DataFrame:
    cycle = pd.DataFrame({"days": [10], "buyers": [repeat], "share": [1.0], "cumulative_share": [1.0]})
    # a hand-made result states every fact its function states
    return attach(cycle, RepurchaseCycleFacts(
        first_buyers=50, repeat_buyers=repeat, repeat_share=repeat / 50, basis="full follow-up", basis_buyers=50,
        left_out_recent=0, basis_repeat=repeat, beyond_max_days=0, max_days=365, as_of=dt.date(2025, 12, 31),
        median_days=40.0, p50_day=40, p80_day=p80))


def _profile() -> pd.DataFrame:
    # two at-risk segments; 重要保持客户 has the most revenue (600 of 1,000 = 60.0%), 4 customers of 10
    return pd.DataFrame({"segment": ["重要价值客户", "重要保持客户", "一般保持客户"],
                         "segment_en": ["Important value", "Important retention", "General retention"],
                         "customers": [4, 4, 2], "customer_share": [0.4, 0.4, 0.2],
                         "revenue": [300.0, 600.0, 100.0], "revenue_share": [0.3, 0.6, 0.1],
                         "mean_recency_days": [20.0, 130.0, 300.0], "mean_frequency_days": [5.0, 3.0, 2.0],
                         "mean_monetary": [75.0, 150.0, 50.0], "at_risk": [False, True, True],
                         "action": ["Keep delighted: VIP service, early access, no discounting needed",
                                    "Win back personally: call or message them one by one with a tailored offer",
                                    "Keep in touch: low-cost reminders, new arrivals"]})


def _segments(recency, cuts=None, recency_days=None) -> pd.DataFrame:
    # scored by rank (cuts None) unless cn8 cuts are given
    segments = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "segment": ["重要保持客户"] * 4,
                             "recency_days": recency})
    return attach(segments, RfmSegmentsFacts(
        scheme="classic" if cuts is None else "cn8", cut="quantile" if cuts is None else "mean", cuts=cuts,
        n_scores=5 if cuts is None else None, m_column="monetary_total", as_of=dt.date(2025, 12, 31), unmatched=0,
        rules=pd.DataFrame(), recency_days=recency_days))


def test_the_at_risk_segment_has_lapsed_when_more_than_half_is_past_the_80_percent_day():
    # recency 50, 120, 150, 200 against p80 = 100: 3 of 4 (75.0%) are past it, more than LAPSED_SHARE (0.5)
    segments = _segments([50, 120, 150, 200])
    assert text.lapsed_share(segments, "重要保持客户", _cycle()) == 0.75
    assert text.risk_sentence(_profile(), segments, _cycle(), EN) == (
        "*Important retention* holds the most revenue at risk: 60.0% of revenue from 4 customers who last bought "
        "130 days ago on average. 75.0% of them last bought more than 100 days ago, the gap within which 80% of "
        "second purchases came: most of them have lapsed already, so win them back personally.")
    assert text.risk_sentence(_profile(), segments, _cycle(), ZH) == (
        "*重要保持客户*面临流失风险的销售额最多：4 位用户贡献了 60.0% 的销售额，平均 130 天前最后一次购买。"
        "其中 75.0% 的最后一次购买在 100 天以前，超过了 80% 二次购买发生的间隔：他们中的多数已经流失，请一对一召回。")


def test_exactly_half_past_the_80_percent_day_is_not_lapsed_yet():
    # recency 50, 60, 150, 200: 2 of 4 = 50.0%, not more than 0.5 -> reach them before they lapse
    segments = _segments([50, 60, 150, 200])
    assert text.risk_sentence(_profile(), segments, _cycle(), EN).endswith(
        "50.0% of them last bought more than 100 days ago, the gap within which 80% of second purchases came: "
        "reach them personally before they lapse.")
    assert text.risk_sentence(_profile(), segments, _cycle(), ZH).endswith("请在他们流失前一对一触达。")
    # without a second purchase there is no cycle to judge by: the sentence stops after the segment
    assert text.risk_sentence(_profile(), segments, _cycle(repeat=0), EN).endswith("130 days ago on average.")


def _rules() -> pd.DataFrame:
    # 200 orders, pairs needed in 10 orders (the default count), confidence 10%. Rule 1: 12 of the 24 orders
    # with A hold C (50.0%), lift 3.0; rule 2: lift 1.5 -> 2 rules, 1 with a lift of 2 or more (STRONG_LIFT)
    rules = pd.DataFrame({"rule": ["cat food → litter", "shampoo → conditioner"], "support": [0.06, 0.05],
                          "confidence": [0.5, 0.25], "lift": [3.0, 1.5], "baskets_with_rule": [12, 10],
                          "antecedent_baskets": [24, 40]})
    return attach(rules, _rule_facts(200))


def _rule_facts(n_baskets: int, level: str = "product") -> AssociationRulesFacts:
    return AssociationRulesFacts(n_baskets=n_baskets, lines_without_item=0, level=level, min_count=10,
                                 threshold="min_baskets", min_confidence=0.1)


def test_basket_sentence_states_the_threshold_the_rules_passed_not_a_bare_lift_count():
    # issue 14 §7.4: "N rules have a lift above 1" read as "hardly any affinity"
    en = text.basket_sentence(_rules(), EN, single_share=0.39, lead_min_orders=10)
    assert en == (
        "Of 200 orders, 39.0% hold a single item. 2 product rules hold in at least 10 of the 200 orders with a "
        "confidence of at least 10%; 1 of them have a lift of 2 or more (bought together at least 2 times as often "
        "as chance). The strongest held by 10 or more orders is *cat food → litter*: 50.0% of the 24 orders with the "
        "first also hold the second (12 orders), 3.0 times the base rate.")
    assert "lift above 1" not in en
    assert text.basket_sentence(_rules(), ZH, single_share=0.39, lead_min_orders=10) == (
        "200 笔订单中，39.0% 只包含一件商品。2 条商品规则在 200 笔订单中至少 10 笔里成立，且置信度不低于 10%；"
        "其中 1 条的提升度不低于 2（一起购买的频率至少是随机情况的 2 倍）。在 10 笔及以上订单中成立的规则里，最强的是 "
        "*cat food → litter*：包含前者的 24 笔订单中有 50.0% 也包含后者（12 笔订单），是基准水平的 3.0 倍。")
    empty = attach(_rules().iloc[:0], _rule_facts(200, "category_product"))
    assert text.basket_sentence(empty, EN) == (
        "No category → product pair is bought together in at least 10 of the 200 orders with a confidence of at "
        "least 10%, so there is no category → product rule to act on.")


def _thin_rules() -> pd.DataFrame:
    # review #11: the top lift (laptop ↔ mouse, 423.8) rests on 11 orders; shampoo → conditioner (lift 157.0)
    # on 30; milk → coffee (lift 20.0) on 200. Every lift is 2 or more: "all of them"
    rules = pd.DataFrame({"rule": ["mouse → laptop", "shampoo → conditioner", "milk → coffee"],
                          "support": [11 / 20343, 30 / 20343, 200 / 20343], "confidence": [0.458, 0.517, 0.4],
                          "lift": [423.8, 157.0, 20.0], "baskets_with_rule": [11, 30, 200],
                          "antecedent_baskets": [24, 58, 500]})
    return attach(rules, _rule_facts(20343))


def test_the_basket_sentence_leads_with_a_rule_on_enough_orders():
    # LEAD_MIN_ORDERS = 30: shampoo → conditioner (30 orders) leads; the 11-order lift is a lead to test
    assert text.LEAD_MIN_ORDERS == 30
    assert text.basket_sentence(_thin_rules(), EN) == (
        "3 product rules hold in at least 10 of the 20,343 orders with a confidence of at least 10%, all of them with "
        "a lift of 2 or more (bought together at least 2 times as often as chance). The strongest held by 30 or more "
        "orders is *shampoo → conditioner*: 51.7% of the 58 orders with the first also hold the second (30 orders), "
        "157.0 times the base rate. Higher lifts rest on fewer orders (*mouse → laptop*: 423.8 times, on 11 orders): "
        "leads to test, not results.")
    assert text.basket_sentence(_thin_rules(), ZH) == (
        "3 条商品规则在 20,343 笔订单中至少 10 笔里成立，且置信度不低于 10%，全部规则的提升度都不低于 2（一起购买的频率至少是随机情况的 "
        "2 倍）。在 30 笔及以上订单中成立的规则里，最强的是 *shampoo → conditioner*：包含前者的 58 笔订单中有 51.7% 也包含后者"
        "（30 笔订单），是基准水平的 157.0 倍。提升度更高的规则所依据的订单更少（*mouse → laptop*：423.8 倍，仅 11 笔订单）："
        "只能作为待检验的线索，而非结论。")
    # with 300 as the minimum no rule leads: the strongest is said to be a lead only
    assert text.basket_sentence(_thin_rules(), EN, lead_min_orders=300).endswith(
        "No rule is held by 300 or more orders; the strongest, *mouse → laptop* (423.8 times the base rate), rests on "
        "11 orders only: a lead to test, not a result.")
    # the closing advice bundles the rule on 30 orders, not the 11-order one
    steps = text.next_steps(_profile(), _segments([50, 120, 150, 200]), _cycle(), _conv(), ZH, rules=_thin_rules())
    assert "4. **组合销售：**推荐或捆绑 *shampoo → conditioner*（提升度 157.0，30 笔订单）。" in steps.splitlines()


def _campaigns() -> pd.DataFrame:
    # A: randomised, 200 treated / 100 control, conversion 10% vs 5% (+5.0 pp, interval +1.0 to +9.0 pp),
    #    ROI 1.5 (range 0.2 to 2.8) -> pays back even at the low end. B: randomised, uplift interval -2.0 to +4.0 pp,
    #    ROI -0.5. C: no control group; its participants' conversion is 100% by construction
    return pd.DataFrame({
        "name": ["A", "B", "C"], "design": [RANDOMISED, RANDOMISED, NOT_CAUSAL],
        "n_treatment": [200, 50, 30], "n_control": [100, 50, 120],
        "conversion_treatment": [0.10, 0.06, 1.0], "conversion_control": [0.05, 0.05, 0.04],
        "conversion_uplift": [0.05, 0.01, 0.96], "conversion_uplift_low": [0.01, -0.02, NAN],
        "conversion_uplift_high": [0.09, 0.04, NAN], "gmv_per_user_treatment": [30.0, 12.0, 500.0],
        "gmv_per_user_control": [20.0, 11.0, 15.0], "gmv_uplift": [10.0, 1.0, 485.0],
        "gmv_uplift_low": [2.0, -3.0, NAN], "gmv_uplift_high": [18.0, 5.0, NAN],
        "incremental_gmv": [2000.0, 50.0, NAN], "cost": [800.0, 100.0, 900.0], "roi": [1.5, -0.5, NAN],
        "roi_low": [0.2, -2.5, NAN], "roi_high": [2.8, 1.5, NAN]})


def test_campaigns_without_a_control_group_show_no_participants_conversion():
    # issue 14 §7.3: "Conversion, participants 100.0%" is true by construction, so the column is gone
    tables = text.campaign_tables(_campaigns(), EN)
    assert list(tables) == ["uplift", "roi", "descriptive"]
    assert list(tables["descriptive"].columns) == ["Campaign", "Participants", "Non-participants",
                                                   "Conversion, non-participants", "GMV per participant",
                                                   "GMV per non-participant"]
    assert tables["descriptive"].iloc[0].tolist() == ["C", "30", "120", "4.0%", "$500.00", "$15.00"]
    # the randomised results in two tables of 7 columns each, so the 95% columns fit 1200 px
    assert tables["uplift"].iloc[0].tolist() == ["A", "200", "100", "10.0%", "5.0%", "+5.0 pp", "+1.0 pp ~ +9.0 pp"]
    assert tables["roi"].iloc[0].tolist() == ["A", "$10.00", "$2.00 ~ $18.00", "$2,000.00", "$800.00", "1.50×",
                                              "0.20× ~ 2.80×", "yes"]
    # review #13: B's ROI range (-2.50 to 1.50) includes a loss: not yet shown to pay back
    assert text.campaign_tables(_campaigns(), ZH)["roi"].iloc[1].tolist()[5:] == [
        "-0.50 倍", "-2.50 倍 ~ 1.50 倍", "尚未确认：区间含亏损"]
    assert "对照组转化率" in text.campaign_tables(_campaigns(), ZH)["uplift"].columns


def test_campaign_sentence_counts_sure_uplifts_and_reads_the_best_roi_range():
    # A's interval is above zero, B's is not: 1 of 2; the best ROI is A, low end 0.2 > 0
    assert text.campaign_sentence(_campaigns(), EN) == (
        "1 of 2 campaigns with a random control group show a conversion uplift whose 95% interval lies above zero. "
        "The best ROI is *A*: 1.50×, 95% range 0.20× to 2.80×; it pays back even at the low end. Not yet shown to pay "
        "back, their ROI range includes a loss: *B* (ROI -0.50×, 95% range -2.50× to 1.50×). 1 campaign(s) without "
        "a control group are compared descriptively only: participants chose to take part, so the gap is not the "
        "campaign's effect.")
    assert text.campaign_sentence(_campaigns(), ZH) == (
        "2 个设有随机对照组的营销活动中，1 个的转化率增量提升 95% 区间高于零。投资回报率 (ROI) 最高的是 *A*：1.50 倍，"
        "95% 区间 0.20 倍至 2.80 倍；即使按区间下限也能回本。ROI 区间含亏损、尚不能确认回本的：*B*（ROI -0.50 倍，95% 区间 "
        "-2.50 倍至 1.50 倍）。1 个没有对照组的营销活动只作描述性对比：是否参与由用户自己选择，因此差距并不是活动的效果。")


def _by_channel() -> pd.DataFrame:
    # 60-day window: ads 40 eligible 25.0%, shop 30 eligible 10.0%, tiny 29 eligible 50.0% (below MIN_GROUP = 30)
    df = pd.DataFrame({"group": ["ads", "shop", "tiny"], "first_buyers": [45, 33, 31],
                       "eligible_30d": [44, 32, 30], "rate_30d": [0.2, 0.05, 0.4],
                       "eligible_60d": [40, 30, 29], "rate_60d": [0.25, 0.10, 0.5],
                       "eligible_90d": [35, 25, 20], "rate_90d": [0.3, 0.2, 0.6]})
    return attach(df, SecondPurchaseConversionFacts(as_of=dt.date(2025, 12, 31), windows=[30, 60, 90], by="channel",
                                                    censored={30: 3, 60: 10, 90: 29}))


def test_breakdown_compares_only_groups_of_at_least_30_eligible_buyers():
    assert text.MIN_GROUP == 30
    assert text.breakdown_sentence(_by_channel(), "channel", EN) == (
        "Within 60 days, *ads* converts best (25.0%) and *shop* worst (10.0%), among groups with 30+ eligible buyers.")
    assert text.breakdown_sentence(_by_channel(), "channel", ZH) == (
        "在可观察用户数不少于 30 的分组中，60 天内 *ads* 转化最好（25.0%），*shop* 最差（10.0%）。")
    # with 31 as the minimum only ads is left: no comparison
    assert text.breakdown_sentence(_by_channel(), "channel", EN, min_group=31) == (
        "Fewer than two groups by acquisition channel have 31 or more buyers eligible for the 60-day window; no "
        "comparison made.")
    coupon = _by_channel().assign(group=["coupon", "no coupon", "(unknown)"])
    assert text.breakdown_table(coupon, "coupon", ZH).iloc[:, 0].tolist() == ["用券", "未用券", "（未知）"]


def _conv() -> pd.DataFrame:
    # 100 first buyers; 30 days: 18 of 90 eligible (20.0%), 10 too recent; 90 days: 30 of 75 (40.0%), 25 too recent
    conv = pd.DataFrame({"group": ["all buyers"], "first_buyers": [100], "eligible_30d": [90], "converted_30d": [18],
                         "rate_30d": [0.2], "eligible_90d": [75], "converted_90d": [30], "rate_90d": [0.4]})
    return attach(conv, SecondPurchaseConversionFacts(as_of=dt.date(2025, 12, 31), windows=[30, 90], by=None,
                                                      censored={30: 10, 90: 25}))


def test_window_sentence_counts_the_buyers_too_recent_to_judge():
    assert text.window_sentence(_conv(), EN) == (
        "20.0% of new buyers bought again within 30 days and 40.0% within 90 days. Buyers too recent to judge were left "
        "out (10 for 30 days and 25 for 90 days).")
    # review of the zh demo: "转化率为 17.2%（30 天内再次购买）" restated the rate in a bracket
    assert text.window_sentence(_conv(), ZH) == (
        "新客的 30 天二次购买转化率为 20.0%，90 天为 40.0%。首次购买太近、尚无法判断的用户未计入（30 天窗口 10 位；"
        "90 天窗口 25 位）。")


def test_next_steps_are_chosen_from_the_results():
    # risk: Important retention, 3 of 4 past day 100 -> lapsed; cycle 40 / 100; 30-day rate 20.0%;
    # strongest rule lift 3.0 >= 2 -> bundle; best randomised ROI A (low 0.2 > 0) -> scale; C has no control group
    steps = text.next_steps(_profile(), _segments([50, 120, 150, 200]), _cycle(), _conv(), EN, rules=_rules(),
                            campaigns=_campaigns(), lead_min_orders=10)
    assert steps == (
        "1. **Reach Important retention first:** 60.0% of revenue is at risk (4 customers, last purchase 130 days "
        "ago on average); most have lapsed already: win them back one by one.\n"
        "2. **Repurchase reminders:** remind new buyers before day 40 (half of those who come back have by then) and "
        "once more before day 100.\n"
        "3. **Second purchase:** raise the 30-day second-purchase rate from 20.0% with onboarding and a "
        "second-purchase coupon for buyers still on one purchase day.\n"
        "4. **Bundle:** recommend or bundle *cat food → litter* (lift 3.0, 12 orders).\n"
        "5. **A** has the best ROI (1.50×, 95% range 0.20× to 2.80×): repeat or scale it.\n"
        "6. **Measure the next campaigns:** give the 1 campaign(s) without a control group a random hold-out next "
        "time, so their effect can be measured.")
    zh = text.next_steps(_profile(), _segments([50, 60, 150, 200]), _cycle(), _conv(), ZH,
                         rules=_rules().assign(lift=[1.9, 1.5]))
    # half past day 100 is not lapsed; lift 1.9 < 2: no bundle; no campaigns
    assert zh == (
        "1. **优先触达重要保持客户：**60.0% 的销售额面临流失风险（4 位用户，平均 130 天前最后一次购买）；"
        "多数仍在通常的购买间隔内：在流失前触达他们。\n"
        "2. **回购提醒：**在第 40 天前提醒新客（再次购买的用户中有一半在此之前完成），并在第 100 天前再提醒一次。\n"
        "3. **二次购买：**通过新客引导和二次购买优惠券，提升只购买过一天的用户的 30 天二次购买转化率（目前 20.0%）。")


def test_rfm_table_names_segments_and_actions_in_the_reports_language():
    segments = _segments([50, 120, 150, 200])
    en = text.rfm_table(_profile(), segments, EN)
    assert en["Segment"].tolist() == ["Important value", "Important retention", "General retention"]
    zh = text.rfm_table(_profile(), segments, ZH)
    assert zh["用户分层"].tolist() == ["重要价值客户", "重要保持客户", "一般保持客户"]
    assert zh["建议动作"].iloc[1] == "一对一召回：逐一电话或消息联系，给予定制优惠"
    assert not any("_" in c for c in list(en.columns) + list(zh.columns))


def _cn8_segments(recency, recency_cut: float, fixed: int | None = None) -> pd.DataFrame:
    return _segments(recency, {"recency_days": recency_cut, "frequency_days": 2.4, "monetary_total": 876.29}, fixed)


def test_the_rfm_rule_and_cuts_say_recent_in_days():
    # review #25: "近期购买" with a mean cut of 236.4 days means at most 236 days ago; the rule says so
    segments = _cn8_segments([300, 320, 400, 500], 236.4)
    segments["rfm_code"] = "011"
    zh = text.rfm_table(_profile(), segments, ZH)
    assert zh["规则"].iloc[1] == "非近期购买（超过 236 天）、高频、高消费"
    assert text.rfm_table(_profile(), segments, EN)["Rule"].iloc[1] == "not recent (over 236 days), frequent, high spend"
    # a fixed cut of 90 days (rfm_recency_days): cuts 91 = within 90; F 2.4 -> 3 or more purchase days
    fixed = _cn8_segments([300, 320, 400, 500], 91.0, fixed=90)
    assert text.cuts_sentence(fixed, ZH) == (
        "所用切分点：*近期购买* = 最后一次购买在 2025年12月31日前 **90 天**以内（固定天数）；*高频* = **3 个及以上购买日**，"
        "*高消费* = 总消费额高于 **¥876.29**（全部 4 位用户各指标的平均值）。")


def test_a_share_past_the_80_percent_day_that_the_rule_makes_100_percent_is_not_given_as_a_finding():
    # review #25: "100.0% 的最后一次购买在 163 天以前" of 重要保持客户 (not recent = over 236 days) was true by
    # definition. Recency 300..500 against a recent cut of 236 days and p80 = 100: the rule is said instead
    segments = _cn8_segments([300, 320, 400, 500], 236.4)
    assert text.risk_sentence(_profile(), segments, _cycle(), ZH).endswith(
        "按分层规则（非近期购买），他们最后一次购买都在 236 天以前，晚于 80% 二次购买发生的第 100 天：他们中的多数已经流失，"
        "请一对一召回。")
    # with a recent cut of 90 days (below p80 = 100) the share is a finding again: 3 of 4 past day 100
    segments = _cn8_segments([95, 120, 150, 200], 91.0, fixed=90)
    assert text.risk_sentence(_profile(), segments, _cycle(), EN).endswith(
        "75.0% of them last bought more than 100 days ago, the gap within which 80% of second purchases came: most of "
        "them have lapsed already, so win them back personally.")


def test_a_money_column_reads_in_one_unit():
    # review #24: the inviters' GMV column mixed ¥2.32万 (23,200) and ¥6,154.90; a table cell is exact
    inviters = pd.DataFrame({"inviter": ["ID-1", "ID-2"], "invitees": [32, 31], "converted_invitees": [18, 16],
                             "invitee_gmv": [23_200.0, 6_154.9], "own_orders": [1, 1], "own_gmv": [59.0, 59.0]})
    table = text.inviters_table(inviters, ZH)
    assert table.iloc[:, 3].tolist() == ["¥23,200.00", "¥6,154.90"]


def test_the_campaign_funnel_pair_says_it_is_another_measure_than_the_campaign_conversion():
    # review #12: 8.8% vs 1.9% in the funnel beside 10.6% vs 2.5% in the campaign table for one campaign; the
    # funnel pair is the share of assigned users reaching purchase within 7 days of entering the funnel
    last = pd.DataFrame({"name": ["Welcome", "Welcome", "Member day", "Member day"],
                         "group": ["treatment", "control", "treatment", "control"],
                         "share_of_assigned": [0.088, 0.019, 0.395, 0.385]})
    # review #7: the step and the window by name (purchase: 支付, "7d": 7 天), as the glossary writes them
    assert text.campaign_funnel_sentence(last, "purchase", EN, window="7d") == (
        "The widest funnel gap is in *Welcome*: 8.8% of the treatment group's assigned users reached purchase within "
        "7 days of entering the funnel, against 1.9% of the control group's (+6.9 pp). This is another measure than "
        "the conversion of the campaign results (any order in the campaign window), so the figures differ; small "
        "groups swing widely.")
    assert text.campaign_funnel_sentence(last, "purchase", ZH, window="7d") == (
        "漏斗差距最大的是 *Welcome*：实验组中 8.8% 的分组用户在进入漏斗后 7 天内到达「支付」，对照组为 1.9%（+6.9 个百分点）。"
        "这与营销活动效果中的转化率（活动期内有任何订单）口径不同，因此数字不一致；小分组波动大。")


def test_the_segment_coming_back_soonest_is_said_without_doubling_the_word_customer():
    # review of the zh demo: "重要保持客户用户再次购买最快" (客户 then 用户); now "重要保持客户的用户". Both segments have
    # 30+ followed-up buyers; 27 < 277 days
    from userops_lib.metrics.categories import RepurchaseCyclesFacts

    seg = pd.DataFrame({"segment": ["重要保持客户", "一般发展客户"], "first_buyers": [376, 3391], "repeat_share": [1.0, 0.23],
                        "basis_buyers": [300, 121], "back_within_share": [0.9, 0.56], "p50_day": [27.0, 277.0],
                        "p80_day": [80.0, 333.0]})
    attach(seg, RepurchaseCyclesFacts(by="segment", max_days=365, as_of=dt.date(2025, 12, 31), basis="full follow-up"))
    assert text.cycles_sentence(None, seg, ZH) == (
        "在观察用户数不少于 30 的分组中：按用户分层，*重要保持客户*的用户再次购买最快（一半在第 27 天前），*一般发展客户*最慢"
        "（一半在第 277 天前）。回购提醒应按品类安排时间，而不是对所有人用同一个日期。")
    assert text.cycles_sentence(None, seg, EN) == (
        "Among groups with 30+ buyers followed up: by segment, *重要保持客户* buyers buy again soonest (half by day 27) "
        "and *一般发展客户* latest (half by day 277). Time the repurchase reminders per category, not with one date for "
        "everyone.")


def _returning():
    # the demo's quartile edges 180 / 280 / 450: the top band (≥ 450) has 949 of 3,821 repeat customers (24.8%) and
    # 54.0% of their revenue; electronics × ≥ 450 is the largest cell (290)
    from types import SimpleNamespace
    bands = pd.DataFrame({"band_no": [0, 1, 2, 3], "band": ["< 180", "180–280", "280–450", "≥ 450"],
                          "aov_from": [float("nan"), 180.0, 280.0, 450.0], "aov_to": [180.0, 280.0, 450.0, float("nan")],
                          "buyers": [987, 875, 1010, 949], "buyer_share": [0.258, 0.229, 0.264, 0.248],
                          "revenue": [1.0, 2.0, 3.0, 4.0], "revenue_share": [0.066, 0.138, 0.256, 0.540],
                          "mean_aov": [121.31, 227.95, 352.68, 896.36]})
    matrix = pd.DataFrame({"< 180": [10, 20], "≥ 450": [290, 5]}, index=["electronics", "apparel"])
    return SimpleNamespace(bands=bands, matrix=matrix,
                           summary={"returning_buyers": 3821, "edges": [180.0, 280.0, 450.0], "edges_source": "quartiles"})


def test_aov_bands_read_as_money():
    # review of the zh demo: bands "< 180", "≥ 450区间" had no ¥, and the edges read "¥180.00, ¥280.00, ¥450.00"
    r = _returning()
    assert text.bands_table(r, ZH).iloc[:, 0].tolist() == ["¥180 以下", "¥180–¥280", "¥280–¥450", "¥450 及以上"]
    assert text.bands_table(r, EN).iloc[:, 0].tolist() == ["below $180", "$180–$280", "$280–$450", "$450 or more"]
    assert text.bands_sentence(r, ZH) == (
        "3,821 位多次购买用户，按客单价分界点 ¥180、¥280、¥450（四分位数）分段；*¥450 及以上*区间占多次购买用户的 24.8%，"
        "贡献其销售额的 54.0%。")
    assert text.bands_sentence(r, EN) == (
        "3,821 repeat customers, banded at AOV edges $180, $280, $450 (quartiles); the *$450 or more* band holds 24.8% "
        "of them and 54.0% of their revenue.")
    names = text.band_names(r.bands, ZH)
    assert text.matrix_sentence(r.matrix, ZH, names) == (
        "最大的群体是客单价 *¥450 及以上*区间的 *electronics* 用户（290 位）：该品类首先可以尝试的人群包。")
    assert text.matrix_sentence(r.matrix, EN, text.band_names(r.bands, EN)) == (
        "The largest group is *electronics* buyers in the *$450 or more* band (290 buyers): the first audience pack "
        "to try for that category.")


def test_the_band_matrix_chart_names_the_bands_as_the_table_does(monkeypatch):
    # review of the zh demo: the heatmap's axis said "< 180 … ≥ 450" under a table saying ¥180 以下 … ¥450 及以上
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from userops_lib.report import charts

    monkeypatch.setattr(plt, "show", lambda: None)  # keep the figure to read its ticks
    r = _returning()
    charts.band_matrix_chart(r.matrix, "zh", names=text.band_names(r.bands, ZH))
    ticks = [t.get_text() for t in plt.gcf().axes[0].get_xticklabels()]
    plt.close("all")
    assert ticks == ["¥180 以下", "¥450 及以上"]
