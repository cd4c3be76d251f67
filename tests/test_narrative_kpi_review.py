"""The KPI review's sentences and tables, exactly, in both languages, for a small hand-made scorecard.

Every input is written out here (no data is loaded); each expected number is worked out in the
comment above it from those inputs. Money is CNY in Chinese, USD in English (the defaults).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from userops_lib.metrics.drivers import DriverTreeFacts
from userops_lib.metrics.kpi_review import KpiScorecardFacts, ResultDriversFacts, notable_moves
from userops_lib.results import attach, facts
from userops_lib.report.formatting import NumberStyle
from userops_lib.report.narrative import kpi_review as text

EN, ZH = NumberStyle("en"), NumberStyle("zh")
NAN = np.nan


def _card() -> pd.DataFrame:
    # GMV: target 2,000,000, actual 1,800,000 → attainment 90.0% (at risk with thresholds 1.0 / 0.9);
    #   previous 1,500,000 → +20.0%, last year 1,200,000 → +50.0%
    # new buyers: target 1,000, actual 1,100 → 110.0% met; previous 1,000 → +10.0%; no last year
    # repurchase rate: target 30%, actual 24% → 80.0% missed; previous 25% → -1.0 pp (p = 0.40), last year 22% → +2.0 pp
    # churn (no target, lower is better): 70% against 60% → +10.0 pp (p = 0.001), a clear deterioration
    # buyers (no target): 2,000 against 1,600 → +25.0%, last year 1,000 → +100.0%
    # DAU (no target): no events table
    rows = [
        # group, kpi, target, actual, attainment, status, previous, chg, chg_pp, last_year, chg_ly, chg_ly_pp,
        # base, base_previous, p, direction, format, note
        ("result", "gmv", 2e6, 1.8e6, 0.9, "at risk", 1.5e6, 0.2, NAN, 1.2e6, 0.5, NAN, 2000, 1600, NAN,
         "higher", "money", ""),
        ("result", "new_buyers", 1000, 1100, 1.1, "met", 1000, 0.1, NAN, NAN, NAN, NAN, 1100, 1000, NAN,
         "higher", "count", ""),
        ("process", "repurchase_rate", 0.30, 0.24, 0.8, "missed", 0.25, NAN, -1.0, 0.22, NAN, 2.0, 2000, 1600, 0.40,
         "higher", "percent", ""),
        ("result", "buyers", NAN, 2000, NAN, "no target", 1600, 0.25, NAN, 1000, 1.0, NAN, 2000, 1600, NAN,
         "higher", "count", ""),
        ("process", "dau", NAN, NAN, NAN, "no target", NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN,
         "higher", "count", "n/a: needs table events"),
        ("process", "churn_rate", NAN, 0.70, NAN, "no target", 0.60, NAN, 10.0, NAN, NAN, NAN, 1600, 1000, 0.001,
         "lower", "percent", ""),
    ]
    card = pd.DataFrame(rows, columns=[
        "group", "kpi", "target", "actual", "attainment", "status", "previous", "change_vs_previous",
        "change_vs_previous_pp", "last_year", "change_vs_last_year", "change_vs_last_year_pp", "base",
        "base_previous", "p_value_vs_previous", "direction", "format", "note"])
    card["label"] = card["kpi"]  # the library's English label; the narrative names KPIs itself
    return attach(card, KpiScorecardFacts(period="2025-Q4", has_targets=True, complete=True))


def _tree_facts(compare: str, base_period: str) -> DriverTreeFacts:
    return DriverTreeFacts(kpi="gmv", period="2025-Q4", base_period=base_period, compare=compare,
                           period_kind="quarter", note="")


def _milestones() -> pd.DataFrame:
    # on 2025-12-31: one done 5 days early, one open 31 days past its due date of 2025-11-30
    return pd.DataFrame({"name": ["Membership launch", "RFM campaign"],
                         "due": [dt.date(2025, 10, 15), dt.date(2025, 11, 30)],
                         "done": [dt.date(2025, 10, 10), None], "status": ["early", "open-overdue"],
                         "days_late": [-5.0, 31.0]})


def _drivers() -> pd.DataFrame:
    # GMV against Q4 2024: buyers took +700,000, of which returning buyers -50,000 (-10.0%), the only
    # negative part below buyers; AOV (-1.0%) took -20,000, orders per buyer nothing: 700,000 - 20,000 = 680,000
    tree = pd.DataFrame({"node": ["gmv", "buyers", "orders_per_buyer", "aov", "new_buyers", "returning_buyers"],
                         "parent": ["", "gmv", "gmv", "gmv", "buyers", "buyers"],
                         "change": [0.5, 1.0, 0.0, -0.01, 2.0, -0.1],
                         "contribution": [680_000, 700_000, 0, -20_000, 750_000, -50_000]})
    attach(tree, _tree_facts("last_year", "2024-Q4"))
    return attach(pd.DataFrame(), ResultDriversFacts(sentences=[], trees=[tree],
                                                     not_decomposed=[("buyers", "last_year")]))


def test_summary_counts_targets_and_compares_with_previous_period_and_last_year():
    card = _card()
    assert text.summary(card, _milestones(), dt.date(2025, 12, 31), EN) == (
        "**Q4 2025**: of 3 KPIs with a target, **1 met**, **1 at risk** and **1 missed** (met from 100% of the "
        "target, at risk from 90%).\n\n"
        "- **GMV:** $1.8M (vs previous period +20.0%, vs last year +50.0%)\n"
        "- **Buyers:** 2,000 (vs previous period +25.0%, vs last year +100.0%)\n"
        "- **New buyers:** 1,100 (vs previous period +10.0%, vs last year n/a)\n\n"
        "Milestones: 2 in all: 1 done early and 1 still open past the due date.")
    assert text.summary(card, _milestones(), dt.date(2025, 12, 31), ZH) == (
        "**2025年第四季度**：3 个有目标的指标中，**1 个达成**，**1 个有风险**，**1 个未达成**（达成率 100% 起为达成，"
        "90% 起为有风险）。\n\n"
        "- **GMV**：¥180万（环比 +20.0%，同比 +50.0%）\n"
        "- **购买用户数**：2,000（环比 +25.0%，同比 +100.0%）\n"
        "- **新客**：1,100（环比 +10.0%，同比 —）\n\n"
        "项目里程碑：共 2 个，其中 1 个提前完成、1 个逾期未完成。")


def test_summary_without_targets_says_whose_targets_are_missing():
    card = _card().assign(target=NAN, status="no target")
    attach(card, KpiScorecardFacts(period="2025-Q4", has_targets=False, complete=False))
    got = text.summary(card, _milestones().iloc[:0], dt.date(2025, 12, 20), EN, example_targets=True,
                       target_periods=["2025", "2025-Q3"]).split("\n\n")[0]
    assert got == ("The targets file has none for **Q4 2025 (not complete yet: the data ends on Dec 20, 2025)** (it "
                   "has targets for: 2025, 2025-Q3), so this review shows the actuals and how they moved. These targets "
                   "are examples for the demo shop, not your team's: replace them with your own before the review is "
                   "used.")


def test_scorecard_table_has_labels_and_words_and_no_target_rows_come_apart():
    card = _card()
    body = text.scorecard_table(card, ZH)
    assert list(body.columns) == ["指标", "目标值", "实际值", "达成率", "状态", "上期", "环比", "去年同期", "同比"]
    assert body.iloc[0].tolist() == ["GMV", "¥2,000,000.00", "¥1,800,000.00", "90.0%", "有风险", "¥1,500,000.00",
                                     "+20.0%", "¥1,200,000.00", "+50.0%"]
    # repurchase: 24% against 30%, -1.0 pp against 25%, +2.0 pp against 22%
    assert body.iloc[2].tolist() == ["复购率", "30.0%", "24.0%", "80.0%", "未达成", "25.0%", "-1.0 个百分点", "22.0%",
                                     "+2.0 个百分点"]
    rest = text.no_target_table(card, EN)
    # the source documents' order: buyers, churn (↓ lower is better), DAU
    assert rest["KPI"].tolist() == ["Buyers", "Churn rate ↓", "DAU"]
    assert rest.iloc[2].tolist() == ["DAU", "no target", "n/a", "n/a", "n/a", "n/a", "n/a", "needs the events table"]
    assert text.no_target_table(card, ZH).iloc[2, -1] == "需要 events 表"


def test_scorecard_sentence_names_the_kpi_furthest_from_target():
    assert text.scorecard_sentence(_card(), EN) == (
        "Furthest from its target: **Repurchase rate** at 80.0% of the target (24.0% against 30.0%).")
    assert text.scorecard_sentence(_card(), ZH) == "离目标最远的是**复购率**，达成率 80.0%（实际 24.0%，目标值 30.0%）。"


def test_moves_call_out_clear_moves_and_hold_back_noise():
    # gains: buyers +25.0%, GMV +20.0%, new buyers +10.0%, repurchase -1.0 pp (p = 0.40: held back),
    # churn +10.0 pp (lower is better: -0.10, p = 0.001): the largest clear deterioration
    card = _card()
    moves = notable_moves(card)
    assert text.moves_text(moves, card, EN) == (
        "Against the previous quarter, among Buyers, GMV, New buyers, Repurchase rate and Churn rate: the largest "
        "improvement was **Buyers** (+25.0%), and the largest deterioration was **Churn rate** (+10.0 pp). Not called "
        "out: Repurchase rate (-1.0 pp, not significant, p = 0.40).")
    assert text.moves_text(moves, card, ZH) == (
        "与上一季度相比，在购买用户数、GMV、新客、复购率、流失率中：改善最大的是**购买用户数**（+25.0%）；恶化最大的是**流失率**"
        "（+10.0 个百分点）。未列出的变化：复购率（-1.0 个百分点，不显著，p = 0.40）。")


def test_moves_name_the_kpis_they_choose_among():
    # review #5: a chart of GMV and new buyers said "the largest improvement was New buyers" while the table above
    # it showed Buyers rising more; the sentence now names the KPIs it weighed (here GMV +20.0%, new buyers +10.0%)
    card = _card()
    moves = notable_moves(card)
    chart = moves[moves["kpi"].isin(["gmv", "new_buyers"])]
    assert text.moves_text(chart, card, EN) == (
        "Against the previous quarter, among GMV and New buyers: the largest improvement was **GMV** (+20.0%), and "
        "none deteriorated clearly.")
    assert text.moves_text(chart, card, ZH) == (
        "与上一季度相比，在GMV、新客中：改善最大的是 **GMV**（+20.0%）；没有指标明显恶化。")


def test_next_steps_are_built_from_the_numbers():
    card = _card()
    steps = text.next_steps(card, notable_moves(card), _milestones(), EN, drivers=_drivers())
    assert steps == (
        "1. **Close the gap on GMV:** $1.8M against a target of $2M (90.0%), $200K short; returning buyers (-10.0% vs "
        "last year, -$50K) took most off; send a win-back campaign to earlier buyers who have not come back.\n"
        "2. **Lift Repurchase rate:** 24.0% against a target of 30.0% (80.0%); 120 customers short of it; remind the "
        "period's one-time buyers when their repurchase cycle comes round.\n"
        "3. **Set a target for Churn rate:** it has none and moved +10.0 pp against the previous period, the "
        "largest clear deterioration of the KPIs without a target.\n"
        "4. **Finish RFM campaign:** due Nov 30, 2025, still open 31 days later.")
    zh = text.next_steps(card, notable_moves(card), _milestones(), ZH, drivers=_drivers()).splitlines()
    assert zh[0] == ("1. **补上 GMV 的缺口**：实际 ¥180万，目标值 ¥200万（达成率 90.0%），差 ¥20万；老客（同比 -10.0%，-¥5万）"
                     "拖累最大；向之前购买过但本期未再购买的用户发起召回活动。")
    # (30% - 24%) x 2,000 buyers = 120 more repeat buyers to reach the target
    assert zh[1] == "2. **提升复购率**：实际 24.0%，目标值 30.0%（达成率 80.0%）；距目标还差 120 位用户；在回购周期到来时提醒本期只购买过一次的用户。"
    assert zh[3] == "4. **完成「RFM campaign」**：截止日期 2025年11月30日，已逾期 31 天仍未完成。"


def _two_trees() -> pd.DataFrame:
    # GMV against Q3 2025 (previous): new buyers fell most in percent (-20.0%) but took only -30,000;
    #   AOV fell -3.0% and took -120,000 (the demo's case: AOV -3.1% cost -51,622 against the previous quarter)
    # GMV against Q4 2024 (last year): AOV -0.5% took -10,000, the only negative part (the demo's -0.7%, -9,737)
    previous = pd.DataFrame({"node": ["gmv", "buyers", "orders_per_buyer", "aov", "new_buyers", "returning_buyers"],
                             "parent": ["", "gmv", "gmv", "gmv", "buyers", "buyers"],
                             "change": [0.1, 0.2, 0.0, -0.03, -0.2, 0.5],
                             "contribution": [150_000, 270_000, 0, -120_000, -30_000, 300_000]})
    attach(previous, _tree_facts("previous", "2025-Q3"))
    last_year = pd.DataFrame({"node": ["gmv", "buyers", "orders_per_buyer", "aov", "new_buyers", "returning_buyers"],
                              "parent": ["", "gmv", "gmv", "gmv", "buyers", "buyers"],
                              "change": [0.8, 0.8, 0.0, -0.005, 0.5, 1.5],
                              "contribution": [790_000, 800_000, 0, -10_000, 350_000, 450_000]})
    attach(last_year, _tree_facts("last_year", "2024-Q4"))
    return attach(pd.DataFrame(), ResultDriversFacts(sentences=[], trees=[previous, last_year], not_decomposed=[]))


def test_the_biggest_drag_is_the_largest_contribution_in_the_comparison_named():
    # -120,000 (AOV vs previous) beats -30,000 (new buyers, -20.0%: larger in percent) and -10,000 (AOV vs last
    # year); the gap is 2,000,000 - 1,800,000 = 200,000 and 120,000 is 60% of it (at least 10%: named)
    card = _card()
    compare, row = text.largest_drag(facts(_two_trees(), ResultDriversFacts).trees, "gmv")
    assert (compare, row["node"], row["contribution"]) == ("previous", "aov", -120_000)
    steps = text.next_steps(card, notable_moves(card), _milestones(), EN, drivers=_two_trees()).splitlines()
    assert steps[0] == ("1. **Close the gap on GMV:** $1.8M against a target of $2M (90.0%), $200K short; AOV (-3.0% "
                        "vs previous period, -$120K) took most off; offer bundles and spend thresholds.")
    zh = text.next_steps(card, notable_moves(card), _milestones(), ZH, drivers=_two_trees()).splitlines()
    assert zh[0] == ("1. **补上 GMV 的缺口**：实际 ¥180万，目标值 ¥200万（达成率 90.0%），差 ¥20万；客单价（环比 -3.0%，"
                     "-¥12万）拖累最大；推出组合套装和满减门槛。")


def test_a_drag_too_small_for_the_gap_is_not_called_the_cause():
    # only the last-year tree: AOV took -10,000, 5% of the 200,000 gap (below min_drag_share = 10%)
    drivers = pd.DataFrame()
    attach(drivers, ResultDriversFacts(sentences=[], trees=facts(_two_trees(), ResultDriversFacts).trees[1:],
                                       not_decomposed=[]))
    card = _card()
    steps = text.next_steps(card, notable_moves(card), _milestones(), EN, drivers=drivers).splitlines()
    assert steps[0] == ("1. **Close the gap on GMV:** $1.8M against a target of $2M (90.0%), $200K short; no driver "
                        "took off as much as 10% of the gap.")
    zh = text.next_steps(card, notable_moves(card), _milestones(), ZH, drivers=drivers).splitlines()
    assert zh[0] == "1. **补上 GMV 的缺口**：实际 ¥180万，目标值 ¥200万（达成率 90.0%），差 ¥20万；没有哪个驱动因素的拖累达到缺口的 10%。"


def test_next_steps_when_all_is_well():
    card = _card()
    card = card[card["status"] == "met"]
    assert text.next_steps(card, notable_moves(card).iloc[:0], _milestones().iloc[:1], EN) == (
        "Every target is met and no KPI deteriorated clearly: keep the plan and set next period's targets from "
        "these actuals.")


def test_drivers_note_says_which_comparison_the_data_cannot_make():
    assert text.drivers_note(_drivers(), EN) == (
        "Not decomposed, the data does not reach back far enough: Buyers against the same period last year.")
    empty = attach(pd.DataFrame(), ResultDriversFacts(sentences=[], trees=[], not_decomposed=[]))
    assert text.drivers_note(empty, ZH) == "没有结果指标有风险或未达成：无需分解。"


def test_milestones_in_words():
    table = text.milestone_table(_milestones(), ZH)
    assert list(table.columns) == ["里程碑", "截止日期", "完成日期", "状态", "逾期天数"]
    assert table.iloc[1].tolist() == ["RFM campaign", "2025-11-30", "—", "逾期未完成", "+31"]


def test_milestone_counts_add_up_to_the_total():
    # review #23: "3 in all, 1 early ... 1 late" left the third (open, due 2026-01-15 after the data's last date)
    # uncounted; 1 + 1 + 1 = 3. Review of the zh demo: "0 个按时完成，0 个延期完成" was noise, so a status no
    # milestone has is left out, and the open-past-due status reads as the table's 逾期未完成
    ms = pd.concat([_milestones(), pd.DataFrame({"name": ["Year-end review"], "due": [dt.date(2026, 1, 15)],
                                                 "done": [None], "status": ["open"], "days_late": [NAN]})])
    assert text.progress_text(ms, EN) == ("Milestones: 3 in all: 1 done early, 1 still open past the due date and 1 "
                                          "open and not yet due.")
    assert text.progress_text(ms, ZH) == "项目里程碑：共 3 个，其中 1 个提前完成、1 个逾期未完成、1 个进行中（未到截止日期）。"
    assert text.milestone_table(ms, ZH)["状态"].tolist() == ["提前", "逾期未完成", "进行中"]
    # two of one status: the count says 2
    both = pd.concat([_milestones().iloc[:1]] * 2)
    assert text.progress_text(both, EN) == "Milestones: 2 in all: 2 done early."
    assert text.progress_text(both, ZH) == "项目里程碑：共 2 个，其中 2 个提前完成。"


def test_no_target_advice_leaves_out_growth_rates():
    # the same clear deterioration (+10.0 pp, p = 0.001) on GMV growth restates GMV's own move: no advice on it
    card = _card().replace({"kpi": {"churn_rate": "gmv_growth_rate"}})
    attach(card, facts(_card(), KpiScorecardFacts))
    steps = text.next_steps(card, notable_moves(card), _milestones(), EN, drivers=_drivers()).splitlines()
    assert [s[:30] for s in steps] == ["1. **Close the gap on GMV:** $", "2. **Lift Repurchase rate:** 2",
                                       "3. **Finish RFM campaign:** du"]


def test_nps_row_and_sentence_in_both_languages():
    # issue 14 #6: NPS without a target. Q4 +1.5 from 1,690 scores against +3.0 in Q3 → -1.5 points;
    # no round a year before. Its value reads as in 04 (signed, one decimal), its change in points.
    nps = ("process", "nps", NAN, 1.54, NAN, "no target", 3.0, NAN, -1.46, NAN, NAN, NAN, 1690, 800, NAN,
           "higher", "points", "")
    card = _card()
    card.loc[len(card)] = list(nps) + ["nps"]
    assert text.no_target_table(card, EN).iloc[-1].tolist()[:4] == ["NPS", "no target", "+1.5", "+3.0"]
    assert text.no_target_table(card, EN).iloc[-1].tolist()[4] == "-1.5 pp"
    assert text.no_target_table(card, ZH).iloc[-1].tolist()[4] == "-1.5 个百分点"
    assert text.no_target_sentence(card, EN) == (
        "**NPS** in Q4 2025 is +1.5 from 1,690 scores of the survey rounds sent in the period (% promoters − % "
        "detractors; a change of it is in percentage points).")
    assert text.no_target_sentence(card, ZH) == (
        "2025年第四季度发出的调研轮次共 1,690 份评分，**净推荐值 (NPS)** 为 +1.5（推荐者占比 − 贬损者占比；环比、同比的变化以百分点计）。")
    # no round in the period: say so, and the table's note says why
    card.loc[card.index[-1], ["actual", "note"]] = [NAN, "no NPS survey round sent in the period"]
    assert text.no_target_sentence(card, ZH) == "2025年第四季度没有发出 NPS 调研，因此本次考核没有该期的净推荐值 (NPS)。"
    assert text.no_target_table(card, EN).iloc[-1, -1] == "no NPS survey round was sent in the period"
    # a scorecard without an NPS row (or with a target for it) has no sentence
    assert text.no_target_sentence(_card(), EN) == ""


def _channels() -> pd.DataFrame:
    # sign-ups of the period per channel: social 20 of 100 (20.0%) is the lowest with 30 or more sign-ups;
    # the 'tiny' channel's 1 of 10 (10.0%) rests on fewer than 30 and is passed over
    return pd.DataFrame({"channel": ["organic", "social", "referral", "tiny"], "acquired_users": [400, 100, 60, 10],
                         "converted_users": [200, 20, 36, 1], "conversion_rate": [0.5, 0.2, 0.6, 0.1]})


def test_every_kpi_at_risk_or_missed_gets_an_item_and_channel_conversion_names_its_weakest_channel():
    # review #19: the channel step named no channel, and 复购率 (at risk, not the worst process KPI) had no item.
    # Channel conversion 40% against 50% on 560 sign-ups: (50% - 40%) x 560 = 56 short; repurchase rate 24% vs 30%
    card = _card()
    row = card.iloc[[2]].assign(kpi="channel_conversion", target=0.5, actual=0.4, attainment=0.8, base=560)
    card = pd.concat([card, row], ignore_index=True)
    card.attrs.update(_card().attrs)
    assert list(text.flagged_kpis(card)["kpi"]) == ["gmv", "repurchase_rate", "channel_conversion"]
    assert text.weakest_channel(_channels())["channel"] == "social"
    steps = text.next_steps(card, notable_moves(card), _milestones(), EN, drivers=_drivers(),
                            channels=_channels()).splitlines()
    assert [s[:30] for s in steps] == ["1. **Close the gap on GMV:** $", "2. **Lift Repurchase rate:** 2",
                                       "3. **Lift Channel conversion:*", "4. **Set a target for Churn ra",
                                       "5. **Finish RFM campaign:** du"]
    assert steps[2] == ("3. **Lift Channel conversion:** 40.0% against a target of 50.0% (80.0%); 56 customers short "
                        "of it; social media converts least (20.0%: 20 of 100 sign-ups bought); fix its first-order "
                        "offer and landing page, or move its budget to the channels that convert better.")
    zh = text.next_steps(card, notable_moves(card), _milestones(), ZH, drivers=_drivers(),
                         channels=_channels()).splitlines()
    assert zh[2] == ("3. **提升渠道转化**：实际 40.0%，目标值 50.0%（达成率 80.0%）；距目标还差 56 位用户；社交媒体渠道转化最低"
                     "（20.0%：100 位注册用户中 20 位购买）；优化该渠道的首单优惠和落地页，或把它的预算移到转化更好的渠道。")
    # without the per-channel breakdown the item says what it can
    assert text.next_steps(card, notable_moves(card), _milestones(), EN, drivers=_drivers()).splitlines()[2] == (
        "3. **Lift Channel conversion:** 40.0% against a target of 50.0% (80.0%); 56 customers short of it; it drives "
        "the results, so plan one campaign aimed at it next period.")


def test_a_target_below_what_the_kpi_already_reached_is_questioned():
    # review #18: DAU/MAU target 8.5% against 13.5% actual, 13.8% a year earlier and 14.2% in the previous quarter:
    # 8.5% < 14.2% x (1 - 10%) = 12.78% → suspect. Repurchase rate's 30% is above both 25% and 22%: fine.
    # Churn (lower is better) with a target of 80% against 60% previous, 65% last year: 80% > 60% x 1.1 = 66% → suspect.
    card = _card()
    rows = pd.concat([card.iloc[[2]].assign(kpi="dau_mau", target=0.085, actual=0.135, attainment=1.589,
                                            status="met", previous=0.142, last_year=0.138),
                      card.iloc[[5]].assign(target=0.80, attainment=0.8 / 0.7, status="met", last_year=0.65)])
    card = pd.concat([card[card["kpi"] != "churn_rate"], rows], ignore_index=True)
    card.attrs.update(_card().attrs)
    assert list(text.suspect_targets(card)["kpi"]) == ["dau_mau", "churn_rate"]
    # with a margin of 50%, 8.5% is not below 14.2% x 0.5 = 7.1%, and 80% is not above 60% x 1.5 = 90%
    assert text.suspect_targets(card, margin=0.5).empty
    assert text.suspect_target_sentence(card, EN) == (
        "Please confirm these targets before the review is forwarded: **Stickiness (DAU/MAU)**: the target of 8.5% is "
        "below what it already reached in the same period last year (13.8%) and in the previous period (14.2%); "
        "**Churn rate**: the target of 80.0% is above what it already was in the same period last year (65.0%) and "
        "in the previous period (60.0%).")
    assert text.suspect_target_sentence(card, ZH) == (
        "请在转发前确认以下目标：**用户粘性 (DAU/MAU)** 的目标值 8.5% 低于去年同期实际（13.8%）和上期实际（14.2%）；"
        "**流失率**的目标值 80.0% 高于去年同期实际（65.0%）和上期实际（60.0%），比已经做到的还宽松。")
    assert text.suspect_target_sentence(_card(), EN) == ""


def test_section_notes_say_changes_and_statuses_in_one_wording():
    # review of the zh demo: "按相对于之前数值的变化计"; the legend's 未完成且逾期 beside the table's 逾期未完成 and the
    # summary's 逾期仍未完成; "才点名一个变化"; "7天 / 30天" beside "30 天" elsewhere
    assert text.section("scorecard", ZH).endswith(
        "达成率 = 实际值 / 目标值；越低越好的指标（流失率）为目标值 / 实际值，所以超过 100% 总是好的。比率类指标的变化以百分点计，"
        "其他指标以相对变化（%）计；下降一律为负数。")
    assert text.section("progress", ZH).endswith(
        "提前：在截止日期前完成；按时：在截止日期当天完成；延期：在截止日期后完成；逾期未完成：过了截止日期、到数据最后一天仍未完成。"
        "提前完成时逾期天数为负数。")
    assert "本期新客的 7 天 / 30 天二次购买转化率" in text.section("process", ZH)
    assert text.method_text(ZH) == (
        "每个实际值都与各阶段报告采用同一套计算口径，因此与基础建设期报告的数字一致。年度指标按全年计算，而不是季度的平均。"
        "只有当两个时期都至少有 30 位用户、且（对用户比率而言）双比例 z 检验在 5% 水平上显著时，才列出该变化。")
    assert text.method_text(EN).endswith(
        "A change is called out only when it rests on at least 30 customers in both periods and, for rates of "
        "customers, a two-proportion z-test finds it significant at 5%.")


def test_a_kpi_name_is_spaced_as_chinese_writes_it():
    # review of the zh demo: 05 read "GMV的驱动因素" and "补上GMV的缺口" beside 01's "GMV 驱动因素": a Latin name takes
    # a space before a Chinese character, a Chinese name none (购买用户数的驱动因素)
    tree = attach(pd.DataFrame(), _tree_facts("previous", "2025-Q3"))
    assert text.driver_caption(tree, ZH) == "GMV 的驱动因素，2025-Q3 → 2025-Q4"
    assert text.driver_caption(tree, EN) == "Drivers of GMV, 2025-Q3 → 2025-Q4"
    buyers = attach(pd.DataFrame(), dataclasses.replace(_tree_facts("previous", "2025-Q3"), kpi="buyers"))
    assert text.driver_caption(buyers, ZH) == "购买用户数的驱动因素，2025-Q3 → 2025-Q4"
