"""The Value-uplift report's sentences, exactly, in both languages, for small hand-made results.

Every input is written out here (no data is loaded); each expected number is worked out in the
comment above it from those inputs. Money is CNY in Chinese, USD in English (the defaults).
"""

from __future__ import annotations

import pandas as pd

from userops_lib.report.formatting import NumberStyle
from userops_lib.report.markup import plain_text
from userops_lib.report.narrative import value as text

EN, ZH = NumberStyle("en"), NumberStyle("zh")


def _migration(gold_down: float) -> pd.DataFrame:
    # 100 non-members (10% joined), 30 silver members (20% down), 10 gold members (gold_down down)
    return pd.DataFrame({"from_tier": ["non-member", "silver", "gold"], "customers": [100, 30, 10],
                         "retained": [0.9, 0.7, 1 - gold_down], "upgraded": [0.1, 0.1, 0.0],
                         "downgraded": [0.0, 0.2, gold_down]})


def test_members_moving_down_are_weighted_by_their_tier_size():
    # (30 × 0.2 + 10 × 0.6) / (30 + 10) = 12 / 40 = 30.0%; non-members are left out of it
    assert text.downgrade_share(_migration(0.6)) == 0.3
    assert text.migration_sentence(_migration(0.6), 6, EN) == (
        "Over 6 months 10.0% of non-members joined a tier, and 30.0% of members moved down (or left the programme).")
    assert text.migration_sentence(_migration(0.6), 6, ZH) == (
        "6 个月内，10.0% 的非会员获得了会员等级，30.0% 的会员降级（或退出会员计划）。")


def test_more_than_a_quarter_of_members_moving_down_puts_keeping_them_first():
    # 30.0% > HIGH_DOWNGRADE (25%): keep members
    assert text.next_steps(EN, migration=_migration(0.6)) == (
        "1. **Keep members:** 30.0% of members moved down or left in 6 months; remind them of their member benefits "
        "and what keeps their tier before recruiting more.")
    assert text.next_steps(ZH, migration=_migration(0.6)) == (
        "1. **先留住会员：**6 个月内 30.0% 的会员降级或退出；在招募更多会员之前，先提醒他们的会员权益以及保级条件。")


def test_exactly_a_quarter_moving_down_is_not_above_the_threshold():
    # (30 × 0.2 + 10 × 0.4) / 40 = 10 / 40 = 25.0%, not more than 0.25: recruit
    assert text.next_steps(EN, migration=_migration(0.4)) == (
        "1. **Recruit members:** only 25.0% of members moved down or left in 6 months; invite active non-members "
        "to join.")
    assert text.next_steps(ZH, migration=_migration(0.4)) == (
        "1. **招募会员：**6 个月内仅 25.0% 的会员降级或退出；邀请活跃的非会员加入。")


def test_members_against_non_members_says_it_is_not_the_effect_of_membership():
    # spend per customer 300 against 100: 3.0×; 90-day return 60% against 20%
    mv = pd.DataFrame({"group": ["member", "non-member"], "spend_per_customer": [300.0, 100.0],
                       "retention": [0.6, 0.2]})
    assert text.members_sentence(mv, EN) == (
        "Members spent 3.0× as much per customer as non-members ($300.00 vs $100.00) and 60.0% vs 20.0% bought again "
        "within 90 days. **This is not the effect of membership:** members and non-members differ before they join "
        "(tiers are usually earned by spending), so these gaps describe the two groups.")
    assert text.members_sentence(mv, ZH) == (
        "会员的人均消费是非会员的 3.0 倍（¥300.00 对 ¥100.00），90 天内再次购买的比例为 60.0% 对 20.0%。"
        "**这不是会员带来的效果：**会员与非会员在入会前就不同（会员等级通常靠消费获得），这些差距只描述两个群体。")


def _revenue() -> pd.DataFrame:
    # gold: 5% of customers with 40% of revenue = 8.0× its head count, more than silver's 30% / 15% = 2.0×
    return pd.DataFrame({"tier": ["non-member", "silver", "gold"], "customers": [80, 15, 5],
                         "customer_share": [0.8, 0.15, 0.05], "revenue_share": [0.3, 0.3, 0.4],
                         "concentration": [0.375, 2.0, 8.0]})


def test_the_tier_bringing_most_per_head_is_named_in_the_language():
    assert text.revenue_sentence(_revenue(), EN) == (
        "*gold* customers are 5.0% of members plus 12-month buyers and bring 40.0% of revenue (8.0× their head count).")
    assert text.revenue_sentence(_revenue(), ZH) == (
        "*金卡*用户占会员及近 12 个月购买用户的 5.0%，贡献了 40.0% 的销售额（为其人数占比的 8.0 倍）。")


def _overlap() -> pd.DataFrame:
    # share of the row pack also in the column pack; the largest off the diagonal: 75% of b is in a
    packs = ["a_pack", "b_pack", "c_pack"]
    return pd.DataFrame([[1.0, 0.5, 0.0], [0.75, 1.0, 0.1], [0.0, 0.2, 1.0]], index=packs, columns=packs)


def test_the_largest_overlap_leaves_out_a_pack_with_itself():
    assert text.overlap_pair(_overlap(), ["a_pack", "b_pack", "c_pack"]) == ("b_pack", "a_pack", 0.75)
    assert text.overlap_sentence(_overlap(), ["a_pack", "b_pack", "c_pack"], 3, EN, small_pack=30) == (
        "The largest overlap among packs of 30+ customers: 75.0% of *b pack* is also in *a pack*; avoid sending both "
        "packs the same offer.")
    assert text.overlap_sentence(_overlap(), ["a_pack", "b_pack", "c_pack"], 3, ZH, small_pack=30) == (
        "在 30 位及以上用户的人群包中重叠最大的是：*b pack* 中 75.0% 的用户也在 *a pack* 中；避免向两个人群包发送相同的优惠。")


def test_packs_without_a_shared_customer_can_be_contacted_independently():
    # only a and c, which share no customer
    assert text.overlap_pair(_overlap(), ["a_pack", "c_pack"]) is None
    assert text.overlap_sentence(_overlap(), ["a_pack", "c_pack"], 2, EN, small_pack=30) == (
        "No customer is in two of the 2 packs of 30+ customers: those packs can be contacted independently.")
    assert text.overlap_sentence(_overlap(), ["a_pack"], 3, ZH, small_pack=30) == (
        "不足两个人群包有 30 位及以上用户，此处不分析重叠。")


def _dropouts() -> pd.DataFrame:
    # 200 of 1,000 entrants stopped after product_view (20.0%), 40 after add_to_cart (4.0%)
    return pd.DataFrame({"pack": ["dropped_after_product_view", "dropped_after_add_to_cart"], "customers": [200, 40],
                         "share_of_customers": [0.2, 0.04]})


def test_drop_out_packs_are_said_step_by_step():
    steps = ["product_view", "add_to_cart"]
    # review #7: steps by the glossary's names (浏览商品, 加购), not the event codes
    assert text.dropout_sentence(_dropouts(), steps, EN) == (
        "200 entrants reached *product view* and stopped there (20.0% of entrants) and 40 entrants reached "
        "*add to cart* and stopped there (4.0% of entrants).")
    assert text.dropout_sentence(_dropouts(), steps, ZH) == (
        "200 位进入漏斗的用户到达「浏览商品」后停止（占进入漏斗用户的 20.0%）；"
        "40 位进入漏斗的用户到达「加购」后停止（占进入漏斗用户的 4.0%）。")


def test_drop_out_packs_and_their_steps_read_by_name():
    # review #7: 03 showed the packs as "product_view 后流失"; the industry's names are 浏览未购 / 加购未购, a pack
    # after another step reads "<step>后流失", an event the library does not know as the data writes it
    assert text.pack_names(["dropped_after_product_view", "dropped_after_add_to_cart", "dropped_after_checkout",
                            "dropped_after_quiz_done"], "zh") == ["浏览未购", "加购未购", "下单后流失", "quiz_done后流失"]
    assert text.pack_names(["dropped_after_product_view", "dropped_after_checkout"], "en") == [
        "Viewed, not added to cart", "Dropped out after checkout"]
    table = text.dropout_table(_dropouts(), ["product_view", "add_to_cart"],
                               ["visit", "product_view", "add_to_cart", "checkout", "purchase"], ZH)
    assert table.iloc[:, :3].values.tolist() == [["浏览未购", "浏览商品", "加购"], ["加购未购", "加购", "下单"]]


def test_only_drop_out_packs_of_five_percent_of_entrants_get_a_reminder():
    # 20.0% >= DROPOUT_SHARE (5%) gets one; 4.0% does not
    steps = ["product_view", "add_to_cart"]
    assert text.next_steps(EN, dropouts=_dropouts(), dropout_steps=steps) == (
        "1. **Reminder after product view:** 200 recent entrants (20.0%) stopped there; send them a reminder within "
        "the funnel window.")
    assert text.next_steps(ZH, dropouts=_dropouts(), dropout_steps=steps) == (
        "1. **「浏览商品」后的提醒**：近期进入漏斗的 200 位用户（20.0%）停在这一步；在漏斗时间窗口内向他们发送提醒。")


def test_the_pack_with_most_value_is_contacted_first_and_named_in_the_language():
    # second_purchase_due holds 12,000 of value against 5,000: contact it first ($12K, ¥1.2万: NumberStyle drops trailing zeros)
    sizes = pd.DataFrame({"pack": ["lapsing_big_spenders", "second_purchase_due"], "customers": [10, 40],
                          "total_value": [5000.0, 12000.0]})
    assert text.next_steps(EN, sizes=sizes) == (
        "1. **Contact Second purchase due first:** 40 customers worth $12K; export the pack and run the campaign "
        "with a random control group.")
    assert text.next_steps(ZH, sizes=sizes) == (
        "1. **优先触达待二次购买：**40 位用户，合计价值 ¥1.2万；导出该人群包，营销活动中随机留出对照组。")


def test_without_tiers_or_packs_there_is_nothing_to_recommend():
    assert text.next_steps(EN) == "No recommendation: this data has neither membership tiers nor audience packs."
    assert text.next_steps(ZH) == "无建议：本数据既没有会员等级也没有人群包。"


def test_pack_and_tier_names_read_in_the_language_and_unknown_ones_lose_their_underscores():
    assert text.pack_name("members_gone_quiet", "zh") == "沉默会员"
    assert text.pack_name("members_gone_quiet", "en") == "Members gone quiet"
    assert text.pack_name("my_own_pack", "zh") == "my own pack"
    assert text.pack_name("dropped_after_add_to_cart", "zh") == "加购未购"
    assert text.tier_names(["non-member", "platinum", "Black card"], "zh") == ["非会员", "铂金卡", "Black card"]


def test_profile_values_of_the_library_read_in_the_language_and_the_shops_values_as_they_are():
    # cn8 segments: Chinese names in zh (as the seeds use them), English names in en (metrics.rfm.CN8_SEGMENTS)
    assert text.profile_value("rfm_segment", "重要价值客户", "en") == "Important value"
    assert text.profile_value("rfm_segment", "重要价值客户", "zh") == "重要价值客户"
    assert text.profile_value("member_tier", "non-member", "zh") == "非会员"
    assert text.profile_value("city", "Shanghai", "zh") == "Shanghai"


def test_the_example_pack_files_rules_read_in_the_language_and_a_shops_own_as_written():
    sizes = pd.DataFrame({"pack": ["members_gone_quiet", "mine"], "customers": [3, 1],
                          "description": ["Members who have not bought in the last 90 days (or never bought)",
                                          "Our own rule"], "share_of_customers": [0.3, 0.1],
                          "total_value": [30.0, 10.0], "mean_value": [10.0, 10.0]})
    table = text.sizes_table(sizes, ZH)
    assert list(table["规则（来自人群包文件）"]) == ["近 90 天未购买（或从未购买）的会员", "Our own rule"]
    assert list(table["人群包"]) == ["沉默会员", "mine"]


def test_thresholds_name_the_feature_as_a_reader_does():
    # monetary_total >= its 90% quantile among 9,296 buyers, 2,043.45
    thresholds = pd.DataFrame({"pack": ["lapsing_big_spenders"], "feature": ["monetary_total"], "quantile": [0.9],
                               "value": [2043.45], "buyers": [9296]})
    assert text.thresholds_table(thresholds, EN).iloc[0].tolist() == [
        "Big spenders gone quiet", "Total spend", "90.0%", "$2,043.45", "9,296"]


def _pack_profile() -> pd.DataFrame:
    # review #14: in one pack of 167 customers, 84 are 重要挽留客户 (50.4%, 1.92% of all customers: ×26.3) and
    # 83 are 重要保持客户 (49.6%, 1.88%: ×26.4, the larger lift); sorted by customers as pack_profile does
    return pd.DataFrame({"pack": ["members_gone_quiet"] * 2, "attribute": ["rfm_segment"] * 2,
                         "value": ["重要挽留客户", "重要保持客户"], "customers": [84, 83], "share": [84 / 167, 83 / 167],
                         "base_share": [0.0192, 0.0188], "lift": [84 / 167 / 0.0192, 83 / 167 / 0.0188]})


def test_the_profile_sentence_quotes_the_row_the_table_shows():
    # the table shows each pack's most common value (84 > 83: 重要挽留客户 50.3% ×26.2); the sentence quotes it,
    # not the other segment with a larger lift that the table does not show (review of the zh demo: the bracket
    # read "仅看 30 位及以上用户的人群包中 30 位及以上的群体")
    table = text.profile_table(_pack_profile(), ZH)
    cell = table.iloc[0, 1]
    assert cell == "重要挽留客户 50.3% (×26.2)"
    zh = text.profile_sentence(_pack_profile(), ["members_gone_quiet"], ZH, small_pack=30)
    assert zh == ("表中各群体里最突出的是：在*沉默会员*中，用户分层为*重要挽留客户*的用户占该人群包的 50.3%，而在全部用户中占 1.9%"
                  "（26.2 倍；只比较不少于 30 位用户的人群包中不少于 30 人的群体）。")
    assert text.profile_sentence(_pack_profile(), ["members_gone_quiet"], EN, small_pack=30) == (
        "Of the groups in the table, the most over-represented: in *Members gone quiet*, Segment *Important "
        "win-back* is 50.3% of the pack against 1.9% of all customers (26.2×; groups of 30+ customers in packs of "
        "30+).")


def test_the_packs_value_names_the_model_04_uses_too():
    # issue 14 #7: 03 and 04 take one purchase model (choose_purchase_model with the run's clv_model), so the
    # sentence no longer tells the reader to align them by hand. second_purchase_due: 40 customers, $12K.
    sizes = pd.DataFrame({"pack": ["second_purchase_due"], "customers": [40], "total_value": [12000.0]})
    measure = text.value_measure("clv", "MBG/NBD", EN)
    # review #10/#20: the model's name and the parameter clv_model are in the technical notes, not in the body
    assert text.packs_sentence(sizes, measure, EN) == (
        "Value is measured as 12-month CLV predicted from each customer's purchases, the same forecast the loyalty "
        "report (04) values customers with. The pack holding the most value is *Second purchase due*: 40 customers "
        "worth $12K in total.")
    zh = text.packs_sentence(sizes, text.value_measure("clv", "MBG/NBD", ZH), ZH)
    # review of the zh demo: the measure's own brackets nested in the caption's, "（…（CLV，…））"
    assert zh == ("价值按基于每位用户购买记录预测的 12 个月用户生命周期价值 (CLV) 衡量，与用户忠诚期报告 (04) 使用同一预测。"
                  "价值最高的人群包是*待二次购买*：40 位用户，合计价值 ¥1.2万。")
    assert text.caption("sizes", ZH, customers="20,000", measure=text.value_measure("clv", "MBG/NBD", ZH)) == (
        "人群包规模（占全部 20,000 位用户的比例）和预期价值：基于每位用户购买记录预测的 12 个月用户生命周期价值 (CLV)")
    # a measure ending in a Chinese word takes no space before 衡量
    spend = text.packs_sentence(sizes, text.value_measure("spend_12m", "MBG/NBD", ZH), ZH)
    assert spend.startswith("价值按近 12 个月消费衡量，")


def test_run_parameters_are_said_in_the_technical_notes_not_in_the_body():
    # review #10: 03 told managers "设置 export_dir 可…" and "（二者都遵循本次运行的 clv_model）"
    assert text.export_sentence(None, ZH) == "本次未导出人群包名单文件（见文末技术说明）。"
    notes = plain_text(text.technical_notes(ZH, clv_model="best", model="MBG/NBD"))
    # review of the zh demo: "由本次运行的参数clv_model=best选定" read as code in a sentence; the sentence now says
    # what happened and the parameter follows in brackets, for whoever reruns the report
    assert notes == (
        "- 人群包的价值来自 MBG/NBD 购买模型，按验证期的预测准确度自动选定（参数 `clv_model` = `best`）；用户忠诚期报告 (04) "
        "使用同一模型，因此每位用户只有一个 CLV。\n"
        "- 如需为每个人群包写出一个名单文件和一个清单文件（用户 ID 经加盐 SHA-256 哈希），请把参数 `export_dir` 设为一个文件夹。")
    assert plain_text(text.technical_notes(EN, clv_model="best", model="MBG/NBD")) == (
        "- Pack values come from the MBG/NBD purchase model, chosen by its holdout accuracy (parameter `clv_model` = "
        "`best`); the loyalty report (04) uses the same, so each customer has one CLV.\n"
        "- To write one file per pack and a manifest (customer ids hashed with a salted SHA-256), set the parameter "
        "`export_dir` to a folder.")
    # a model set by the run, with an export folder: only the model note
    assert plain_text(text.technical_notes(EN, clv_model="mbgnbd", model="MBG/NBD", export_dir="out")) == (
        "- Pack values come from the MBG/NBD purchase model, set for this run (parameter `clv_model` = `mbgnbd`); "
        "the loyalty report (04) uses the same, so each customer has one CLV.")
    assert plain_text(text.technical_notes(ZH, clv_model="mbgnbd", model="MBG/NBD", export_dir="out")) == (
        "- 人群包的价值来自 MBG/NBD 购买模型，由本次运行指定（参数 `clv_model` = `mbgnbd`）；用户忠诚期报告 (04) 使用同一模型，"
        "因此每位用户只有一个 CLV。")
    assert text.heading("technical", ZH) == "技术说明"


def test_time_to_join_says_the_middle_half_and_leaves_out_a_zero():
    # review of the zh demo: "（中间一半：22 至 139 天）；0 位在首单当天或之前入会" read as a translation; with no member
    # joining before their first order the clause goes, with 3 it stays
    from userops_lib.metrics.membership import TimeToJoinFacts
    from userops_lib.results import attach

    def ttj(before):
        table = pd.DataFrame({"step": ["first purchase → member"], "customers": [100], "median_days": [61.0],
                              "p25_days": [22.0], "p75_days": [139.0]})
        return attach(table, TimeToJoinFacts(joined_before_first_purchase=before, members_without_order=0))
    assert text.join_sentence(ttj(0), EN) == (
        "Half of the members joined within 61 days of their first purchase (middle half: 22 to 139 days).")
    assert text.join_sentence(ttj(0), ZH) == "一半会员在首次购买后 61 天内入会，中间 50% 的会员在首次购买后 22 至 139 天入会。"
    assert text.join_sentence(ttj(3), EN) == (
        "Half of the members joined within 61 days of their first purchase (middle half: 22 to 139 days); 3 joined "
        "on or before the day of their first order.")
    assert text.join_sentence(ttj(3), ZH) == (
        "一半会员在首次购买后 61 天内入会，中间 50% 的会员在首次购买后 22 至 139 天入会；另有 3 位在首单当天或之前入会。")


def test_captions_and_the_drop_out_paragraph_read_as_chinese_prose():
    # review of the zh demo: "（占比：占全部用户；占会员：占会员）" restated the column headers; "人群包文件中按数据取值的阈值
    # 在本数据上的取值"; "每个都是和上面一样的人群包，随之一起导出"
    assert text.caption("tiers", ZH, date="2025年12月31日") == "2025年12月31日的会员等级分布"
    assert text.caption("tiers", EN, date="Dec 31, 2025") == (
        "Tiers on Dec 31, 2025 (share: of all customers; share of members: of members)")
    assert text.caption("thresholds", ZH) == "人群包规则中按分位数设定的阈值：在本数据购买用户中的取值"
    assert text.section("dropouts", ZH, days=30).endswith(
        "近 30 天进入购买漏斗、到达某一步但在漏斗时间窗口内未到达下一步的用户：即加购未购或浏览未购提醒的对象。"
        "它们和上面的人群包一样，可一并导出（用户 ID 已哈希）。")
    assert text.section("dropouts", EN, days=30).endswith(
        "Each is a pack like the ones above, exported with them (hashed ids).")


def test_the_example_pack_rule_names_its_money():
    # review of the zh demo: "门槛不足 500" had no unit; the example pack file's amounts are the shop's money (¥ in zh)
    from userops_lib.report.i18n import tr
    assert tr("Active customers within 500 of the next tier's trailing-12-month spend", "zh") == (
        "近 12 个月消费距下一会员等级门槛不足 ¥500 的活跃用户")


def test_no_space_after_a_full_width_colon():
    # review of the zh demo: "**守住铂金卡：** 0.5% 的用户…", "- **会员：** 1,349 位" kept an English space after the
    # full-width colon. Platinum: 7.5% of revenue from 0.5% of customers (×15.0, the largest); overlap 84.9%
    revenue = pd.DataFrame({"tier": ["platinum", "silver"], "revenue_share": [0.075, 0.268],
                            "customer_share": [0.005, 0.138], "concentration": [15.0, 1.9]})
    overlap = ("lapsing_big_spenders", "members_gone_quiet", 0.849)
    assert text.next_steps(ZH, revenue=revenue, overlap=overlap) == (
        "1. **守住铂金卡：**0.5% 的用户贡献了 7.5% 的销售额；为他们提供优先服务和抢先体验。\n"
        "2. **每位用户一个优惠：***高消费久未购买客户*中 84.9% 的用户也在*沉默会员*中；发送前先决定他们收到哪个人群包的优惠。")
    assert text.next_steps(EN, revenue=revenue, overlap=overlap).startswith(
        "1. **Protect platinum:** 7.5% of revenue from 0.5% of customers; give them priority service and early access.")


def test_the_members_summary_line_has_no_space_after_its_colon():
    # silver 949 + gold 400 = 1,349 members, 13.8% + 5.8% = 19.6% of customers, 26.8% + 36.8% = 63.6% of revenue
    import datetime as dt
    from types import SimpleNamespace

    from userops_lib.metrics.membership import NON_MEMBER
    tiers = pd.DataFrame({"tier": [NON_MEMBER, "silver", "gold"], "customers": [5543, 949, 400],
                          "customer_share": [0.804, 0.138, 0.058], "revenue_share": [0.364, 0.268, 0.368]})
    data = SimpleNamespace(source="demo", as_of=dt.date(2025, 12, 31), time_zone="Asia/Shanghai")
    got = text.summary(data, tiers, pd.DataFrame({"pack": [], "customers": []}), 20000, 0, ZH)
    assert got.splitlines()[-1] == "- **会员：**1,349 位（占会员及近 12 个月购买用户的 19.6%）贡献了近 12 个月 63.6% 的销售额。"
    got = text.summary(data, tiers, pd.DataFrame({"pack": [], "customers": []}), 20000, 0, EN)
    assert got.splitlines()[-1] == (
        "- **Members:** 1,349 (19.6% of members plus 12-month buyers) brought 63.6% of the last 12 months' revenue.")
