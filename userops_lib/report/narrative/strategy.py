"""The sentences of the Strategy-experiment report (02) and the rules that choose them.

Every function takes library results (:mod:`userops_lib.metrics`) and a
:class:`~userops_lib.report.formatting.NumberStyle` and returns Markdown (or, for ``*_table``, the
table a reader sees, columns already labelled in the language); thresholds are the named constants
below, one place for the whole report. English is the catalog's source text, the Chinese comes from
the gettext catalog (:mod:`userops_lib.report.i18n`).
"""

from __future__ import annotations

import math

import pandas as pd

from ...metrics.basket import AssociationRulesFacts
from ...metrics.categories import RepurchaseCyclesFacts
from ...metrics.conversion import RepurchaseCycleFacts, SecondPurchaseConversionFacts
from ...metrics.referral import ReferralVsChannelsFacts
from ...metrics.rfm import RfmSegmentsFacts
from ...results import facts
from ...thresholds import MIN_GROUP  # the smallest group compared (eligible buyers, funnel entrants...)
from ..formatting import MISSING, NumberStyle
from ..i18n import N_, tr
from ..labels import channel_name, step_name, step_text, window_text
from .outline import Outline
from ..markup import code
from .foundation import _join, _then, data_sentence, paragraph

__all__ = ["BREAKDOWN_NEEDS", "BREAKDOWNS", "CAPTIONS", "breakdown_caption", "LAPSED_SHARE", "LEAD_MIN_ORDERS", "MIN_GROUP", "SECTIONS", "STRONG_LIFT", "basket_sentence", "lead_rule",
           "band_names", "bands_sentence", "breakdown_sentence", "campaign_sentence", "campaign_tables", "caption",
           "channel_funnel_sentence", "campaign_funnel_sentence", "cross_sell_sentence", "cuts_sentence", "recent_days",
           "cycle_sentence", "cycles_sentence", "cycles_table", "data_sentence", "heading", "inviters_sentence",
           "lapsed_share", "matrix_sentence", "missing_note", "moves_sentence", "moves_table", "next_steps",
           "paragraph", "preference_sentence", "referral_sentence", "referral_table", "referral_vs_sentence",
           "rfm_gap_sentence", "rfm_table", "risk_sentence", "rules_table", "section", "segment_names", "summary",
           "title", "window_sentence", "window_table", "breakdown_table", "referral_vs_table", "inviters_table",
           "channel_funnel_table", "campaign_funnel_last", "campaign_funnel_table", "bands_table", "preference_table",
           "cross_sell_table", "moves_caption", "referral_text", "cycles_caption"]

#: The most valuable at-risk segment "has lapsed" when more than this share of it last bought
#: longer ago than the day by which 80% of second purchases came.
LAPSED_SHARE = 0.5
#: A basket rule is "strong" from this lift on (bought together at least this many times as often as chance).
STRONG_LIFT = 2.0
#: The fewest orders holding a basket pair for the report to lead with it (the sentence's strongest rule,
#: the closing advice's bundle): a lift on 11 orders is a lead to test, not a result.
LEAD_MIN_ORDERS = MIN_GROUP

#: The cn8 segments' suggested actions (userops_lib.metrics.rfm.CN8_SEGMENTS), for the catalog.
_ACTIONS = [N_("Keep delighted: VIP service, early access, no discounting needed"),
            N_("Raise frequency: membership, subscriptions, repurchase reminders"),
            N_("Win back personally: call or message them one by one with a tailored offer"),
            N_("Win back: find out why they left, targeted high-value offer"),
            N_("Grow basket: bundles and cross-sell to lift spend"),
            N_("Convert to repeat: second-purchase coupon and onboarding"),
            N_("Keep in touch: low-cost reminders, new arrivals"),
            N_("Low priority: cheap automated win-back or let go")]


# ------------------------------------------------------------------------- headings and captions
#: Each section's heading and what its numbers mean, in section order.
SECTIONS = {
    "summary": (N_("Summary"), ""),
    "conversion": (N_("New-buyer conversion"),
                   N_("A first-time buyer converts in a window of W days when they buy again on a later day within "
                      "W days of their first purchase day (several orders on one day are one purchase). Buyers whose "
                      "first purchase is less than W days before the as-of date are left out of that window, and "
                      "counted.")),
    "breakdowns": (N_("Conversion by acquisition channel, first category and coupon"), ""),
    "cycle": (N_("Repurchase cycle"),
              N_("Days from the first to the second purchase day, for the buyers followed up long enough to have "
                 "come back.")),
    "cycles": (N_("Repurchase cycle per category and per RFM segment"),
               N_("The same days counted within each category (a buyer's first and second purchase days in it) and "
                  "per RFM segment of today; key days use buyers followed up for the whole cycle.")),
    "returning": (N_("Repeat customers"),
                  N_("Repeat customers have two or more purchase days. Purchasing power is their AOV (spend / "
                     "orders).")),
    "rfm": (N_("RFM segments"),
            N_("R = days since the last purchase (lower is better), F = purchase days, M = spend. Each customer is "
               "rated on each measure against a cut; the segment is the combination of the three ratings.")),
    "moves": (N_("Segment movement"),
              N_("Each customer segmented on the orders up to the start date and up to the as-of date, with the cuts "
                 "of the start date both times; the value of a move is its customers' spend after the start date "
                 "against as many days before it.")),
    "basket": (N_("Associated purchases"),
               N_("Rules \"customers who buy A also buy C\" among the products of one order. Support counts the "
                  "orders holding both; confidence = orders with both / orders with A; lift = confidence / share of "
                  "orders with C (above 1: bought together more often than chance).")),
    "referral": (N_("Referral"), ""),
    "campaigns": (N_("Campaign results"),
                  N_("Only campaigns with a randomly assigned control group measure a causal effect: the uplift with "
                     "its 95% interval and ROI = (GMV-per-user uplift × treated users − cost) / cost, with its 95% "
                     "range. Campaigns without a control group are compared descriptively (participants vs "
                     "non-participants, not causal).")),
    "channel_funnel": (N_("Purchase funnel by channel"),
                       N_("Users reaching each step within the window from their first funnel step, per acquisition "
                          "channel.")),
    "campaign_funnel": (N_("Purchase funnel by campaign group"),
                        N_("Campaign groups come from the assignments (who was targeted, who was held out); a user "
                           "enters with their first funnel step during the campaign. Share of assigned divides by "
                           "everyone assigned to the group.")),
    "next": (N_("What to do next"), ""),
}

#: Table captions.
CAPTIONS = {
    "windows": N_("Second purchase within W days, all {buyers} first-time buyers"),
    "breakdown": N_("Second-purchase conversion by {group}"),
    "cycles_category": N_("Repurchase cycle per category"),
    "cycles_segment": N_("Repurchase cycle per RFM segment"),
    "bands": N_("Purchasing-power bands (AOV) of repeat customers"),
    "preference": N_("Category preference of repeat customers"),
    "rfm": N_("RFM segments ({scheme}, {cut})"),
    "moves": N_("Segment moves that gained and lost most spend, {start} → {end}"),
    "rules": N_("Top rules by lift, product level"),
    "category_rules": N_("Top rules by lift, category → product"),
    "cross_sell": N_("Cross-sell shortlist: best companions of the most bought products"),
    "referral": N_("Referral overview"),
    "referral_vs": N_("Invited customers vs acquisition channels (first {days} days)"),
    "inviters": N_("Top inviters (ids masked)"),
    "uplift": N_("Randomised campaigns: conversion, treatment vs control (95% interval)"),
    "roi": N_("Randomised campaigns: GMV per user and ROI (95% range)"),
    "descriptive": N_("Campaigns without a control group: participants vs non-participants (descriptive, not causal)"),
    "channel_funnel": N_("Funnel completion by acquisition channel (last step: {step})"),
    "campaign_funnel": N_("Campaign groups reaching {step} within {window} of entering the funnel"),
}


#: the report's title, section headings and captions (see :class:`.outline.Outline`)
OUTLINE = Outline('02', 'strategy', SECTIONS, CAPTIONS)
title = OUTLINE.title
heading = OUTLINE.heading
section = OUTLINE.section

#: RFM schemes and cuts in words for the table caption (an analyst's scheme or cut not listed shows as named).
RFM_SCHEMES = {"cn8": N_("eight segments")}
RFM_CUTS = {"mean": N_("split at the mean"), "median": N_("split at the median"),
            "quantile": N_("scored by quantiles"), "thresholds": N_("split at given thresholds")}


def caption(name: str, style: NumberStyle, **values) -> str:
    """A table's caption (:meth:`.Outline.caption`); the RFM scheme and cut in words, not as parameter codes,
    a funnel step and window as a reader names them (浏览商品, 7 天)."""
    for key, words in (("scheme", RFM_SCHEMES), ("cut", RFM_CUTS)):
        if name == "rfm" and isinstance(values.get(key), str) and values[key] in words:
            values[key] = tr(words[values[key]], style.lang)
    if "step" in values:
        values["step"] = step_name(values["step"], style.lang)
    if "window" in values:
        values["window"] = window_text(values["window"], style.lang)
    return OUTLINE.caption(name, style, **values)

#: The (table, column) pairs each breakdown can use (any one of them is enough).
BREAKDOWN_NEEDS = {"channel": [("customers", "channel"), ("orders", "channel")],
                   "first_category": [("order_items", "category")], "coupon": [("orders", "used_coupon")]}

#: Breakdowns of the second-purchase conversion: the library's ``by`` -> how a caption names the group.
BREAKDOWNS = {"channel": N_("acquisition channel"), "first_category": N_("first category"),
              "coupon": N_("coupon on the first order")}










def breakdown_caption(by: str, style: NumberStyle) -> str:
    """The caption of the second-purchase conversion by ``by`` (a key of :data:`BREAKDOWNS`)."""
    return caption("breakdown", style, group=tr(BREAKDOWNS[by], style.lang))


def missing_note(what: str, needs: str, style: NumberStyle) -> str:
    """Why a part of a section is not shown: what the data lacks (``needs`` a table or column name)."""
    return tr("*{what}* is skipped: the data has no {needs}.", style.lang, what=what, needs=code(needs))


def _days(n, style: NumberStyle) -> str:
    return tr("{n} days", style.lang, n=style.count(n))


def segment_names(frame: pd.DataFrame, lang: str, column: str = "segment") -> pd.Series:
    """Segment names as the report's language writes them: the cn8 Chinese class names in ``zh``
    (重要价值客户, as the seeds use them), their English names in ``en``."""
    if lang == "en" and f"{column}_en" in frame:
        return frame[f"{column}_en"].where(frame[f"{column}_en"].notna(), frame[column]).astype(str)
    return frame[column].astype(str)


# ---------------------------------------------------------------------------------- summary
def summary(data, conv: pd.DataFrame, cycle: pd.DataFrame, returning, profile: pd.DataFrame,
            style: NumberStyle) -> str:
    """The summary section: the data read (``data``: a Dataset, its source, as-of date and time zone)
    and the headline of the report: second-purchase rates, the repurchase cycle, returning buyers'
    share of revenue and the RFM segment with most revenue."""
    lang, row, a, s = style.lang, conv.iloc[0], facts(cycle, RepurchaseCycleFacts), returning.summary
    wins = facts(conv, SecondPurchaseConversionFacts).windows
    rates = _join([tr("{rate} within {days} days", lang, rate=style.percent(row[f"rate_{w}d"]), days=w)
                   for w in wins], lang)
    lines = [tr("- **New buyers:** {n} first-time buyers; of those whose window has ended, {rates} bought again on "
                "a later day.", lang, n=style.count(row["first_buyers"]), rates=rates)]
    if a.basis_repeat:
        lines.append(tr("- **Repurchase cycle:** half of the second purchases came within **{p50} days**, 80% within "
                        "**{p80} days**.", lang, p50=a.p50_day, p80=a.p80_day))
    else:
        lines.append(tr("- **Repurchase cycle:** no buyer has bought again yet.", lang))
    lines.append(tr("- **Repeat customers** (2+ purchase days): {n} ({share} of buyers) bring {revenue} of revenue.",
                    lang, n=style.count(s["returning_buyers"]), share=style.percent(s["returning_share"]),
                    revenue=style.percent(s["revenue_share"])))
    top = profile.assign(name=segment_names(profile, lang)).sort_values("revenue", ascending=False).iloc[0]
    lines.append(tr("- **RFM:** the segment with the most revenue is *{segment}* ({customers} of customers, {revenue} "
                    "of revenue).", lang, segment=top["name"], customers=style.percent(top["customer_share"]),
                    revenue=style.percent(top["revenue_share"])))
    return "\n\n".join([section("summary", style), data_sentence(data.source, data.as_of, data.time_zone, style),
                        "\n".join(lines)])


# ------------------------------------------------------------------------ new-buyer conversion
def window_table(conv: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """One row per window: buyers whose window has ended, too recent, bought again, the rate."""
    lang, row, a = style.lang, conv.iloc[0], facts(conv, SecondPurchaseConversionFacts)
    return pd.DataFrame([{tr("Window", lang): _days(w, style),
                          tr("First buyers whose window has ended", lang): style.count(row[f"eligible_{w}d"]),
                          tr("Too recent, left out", lang): style.count(a.censored[w]),
                          tr("Bought again", lang): style.count(row[f"converted_{w}d"]),
                          tr("Second-purchase rate", lang): style.percent(row[f"rate_{w}d"])}
                         for w in a.windows])


def window_sentence(conv: pd.DataFrame, style: NumberStyle) -> str:
    """The shortest and longest window's rate, and the buyers too recent to judge."""
    lang, row, a = style.lang, conv.iloc[0], facts(conv, SecondPurchaseConversionFacts)
    wins, censored = a.windows, a.censored
    text = tr("{first} of new buyers bought again within {w1} days and {last} within {w2} days.", lang,
              first=style.percent(row[f"rate_{wins[0]}d"]), w1=wins[0], last=style.percent(row[f"rate_{wins[-1]}d"]),
              w2=wins[-1])
    if sum(censored.values()):
        left = _join([tr("{n} for {days} days", lang, n=style.count(censored[w]), days=w) for w in wins], lang)
        return _then(text, tr("Buyers too recent to judge were left out ({left}).", lang, left=left), lang)
    return _then(text, tr("Every buyer's windows had ended by the as-of date.", lang), lang)


#: Group names the library writes itself (the shop's channel codes are named by :func:`.labels.channel_name`,
#: its categories shown as they are).
_GROUP_VALUES = {"coupon": N_("coupon"), "no coupon": N_("no coupon"), "(unknown)": N_("(unknown)")}


def _group(value, lang: str, by: str | None = None) -> str:
    if value in _GROUP_VALUES:
        return tr(_GROUP_VALUES[value], lang)
    return channel_name(str(value), lang) if by == "channel" else str(value)


def breakdown_table(df: pd.DataFrame, by: str, style: NumberStyle) -> pd.DataFrame:
    """Second-purchase conversion per group: first-time buyers and the rate of each window."""
    lang, wins = style.lang, facts(df, SecondPurchaseConversionFacts).windows
    out = pd.DataFrame({tr(BREAKDOWNS[by], lang).capitalize(): df["group"].map(lambda g: _group(g, lang, by)),
                        tr("First-time buyers", lang): df["first_buyers"].map(style.count)})
    for w in wins:
        out[tr("Within {days} days", lang, days=w)] = df[f"rate_{w}d"].map(style.percent)
    return out


def breakdown_sentence(df: pd.DataFrame, by: str, style: NumberStyle, min_group: int = MIN_GROUP) -> str:
    """The best and worst converting group (middle window) among groups of ``min_group`` eligible buyers or more."""
    lang, wins = style.lang, facts(df, SecondPurchaseConversionFacts).windows
    w = wins[len(wins) // 2]
    ok = df[df[f"eligible_{w}d"] >= min_group].sort_values(f"rate_{w}d")
    group = tr(BREAKDOWNS[by], lang)
    if len(ok) < 2:
        return tr("Fewer than two groups by {group} have {n} or more buyers eligible for the {days}-day window; no "
                  "comparison made.", lang, group=group, n=min_group, days=w)
    text = tr("Within {days} days, *{best}* converts best ({best_rate}) and *{worst}* worst ({worst_rate}), among "
              "groups with {n}+ eligible buyers.", lang, days=w, best=_group(ok.iloc[-1]["group"], lang, by),
              best_rate=style.percent(ok.iloc[-1][f"rate_{w}d"]), worst=_group(ok.iloc[0]["group"], lang, by),
              worst_rate=style.percent(ok.iloc[0][f"rate_{w}d"]), n=min_group)
    if by == "coupon":
        text = _then(text, tr("*Not causal:* customers chose whether to use a coupon, so the split shows who they "
                              "are, not what the coupon did.", lang), lang)
    return text


# --------------------------------------------------------------------------- repurchase cycle
def cycle_sentence(cycle: pd.DataFrame, style: NumberStyle) -> str:
    """Who has bought again, which buyers the key days use, and the days by which 50% / 80% came back."""
    lang, a = style.lang, facts(cycle, RepurchaseCycleFacts)
    if not a.basis_repeat:
        return tr("No buyer has made a second purchase yet, so there is no repurchase cycle to show.", lang)
    text = tr("{repeat} of {first} buyers ({share}) have bought again.", lang, repeat=style.count(a.repeat_buyers),
              first=style.count(a.first_buyers), share=style.percent(a.repeat_share))
    if a.basis == "full follow-up":
        basis = tr("The key days use the {basis} first buyers with at least {days} days of follow-up ({recent} more "
                   "recent buyers are left out: they could only have come back quickly so far) and their {repeat} "
                   "second purchases within {days} days.", lang, basis=style.count(a.basis_buyers),
                   days=a.max_days, recent=style.count(a.left_out_recent),
                   repeat=style.count(a.basis_repeat))
    else:
        basis = tr("No buyer has {days} days of follow-up yet, so all buyers are used: recent buyers can only have "
                   "come back quickly so far, which pulls these days early.", lang, days=a.max_days)
    days = tr("Half of those second purchases came by day {p50} and 80% by day {p80}.", lang, p50=a.p50_day,
              p80=a.p80_day)
    return paragraph(style, text, basis, days)


def cycles_table(cycles: pd.DataFrame, style: NumberStyle, segments: pd.DataFrame | None = None) -> pd.DataFrame:
    """A :func:`~userops_lib.metrics.categories.repurchase_cycles` result with labelled columns;
    segment names in the language (``segments``: an ``rfm_segments`` result, for the English names)."""
    a = facts(cycles, RepurchaseCyclesFacts)
    by = a.by
    groups = cycles[by].astype(str)
    if by == "segment" and segments is not None and style.lang == "en" and "segment_en" in segments:
        groups = groups.map(segments.drop_duplicates("segment").set_index("segment")["segment_en"]).fillna(groups)
    lang = style.lang
    return pd.DataFrame({tr("Category", lang) if by == "category" else tr("Segment", lang): groups,
                         tr("First buyers", lang): cycles["first_buyers"].map(style.count),
                         tr("Bought again", lang): cycles["repeat_share"].map(style.percent),
                         tr("Followed up {days} days", lang, days=a.max_days):
                             cycles["basis_buyers"].map(style.count),
                         tr("Bought again within {days} days", lang, days=a.max_days):
                             cycles["back_within_share"].map(style.percent),
                         tr("Half bought again by day", lang): cycles["p50_day"].map(style.count),
                         tr("80% bought again by day", lang): cycles["p80_day"].map(style.count)})


def cycles_caption(cycles: pd.DataFrame, style: NumberStyle) -> str:
    """The caption of :func:`cycles_table`: per category or per RFM segment."""
    by = facts(cycles, RepurchaseCyclesFacts).by
    return caption("cycles_category" if by == "category" else "cycles_segment", style)


def cycles_sentence(by_category: pd.DataFrame | None, by_segment: pd.DataFrame, style: NumberStyle,
                    segments: pd.DataFrame | None = None, min_group: int = MIN_GROUP) -> str:
    """The category (and the segment) whose buyers come back soonest and latest, among groups with
    ``min_group`` or more buyers followed up for the whole cycle."""
    lang, said = style.lang, []
    for cycles in (by_category, by_segment):
        if cycles is None:
            continue
        by = facts(cycles, RepurchaseCyclesFacts).by
        ok = cycles[(cycles["basis_buyers"] >= min_group) & cycles["p50_day"].notna()].sort_values("p50_day")
        if len(ok) < 2:
            continue
        names = cycles_table(ok, style, segments).iloc[:, 0].tolist()
        said.append(tr("by {what}, *{fast}* buyers buy again soonest (half by day {fast_day}) and *{slow}* latest "
                       "(half by day {slow_day})", lang, what=tr("category", lang) if by == "category"
                       else tr("segment", lang), fast=names[0], fast_day=int(ok.iloc[0]["p50_day"]), slow=names[-1],
                       slow_day=int(ok.iloc[-1]["p50_day"])))
    if not said:
        return tr("No two groups have {n} or more buyers followed up for the whole cycle; no comparison made.", lang,
                  n=min_group)
    return tr("Among groups with {n}+ buyers followed up: {parts}. Time the repurchase reminders per category, not "
              "with one date for everyone.", lang, n=min_group, parts=_join(said, lang))


# --------------------------------------------------------------------------- returning buyers
def band_names(bands: pd.DataFrame, style: NumberStyle) -> dict[str, str]:
    """Each AOV band's label (``< 180``, ``180–280``, ``≥ 450``) as the reader's money: ¥180 以下, ¥180–¥280,
    ¥450 及以上 (below $180, $180–$280, $450 or more); a band without edges keeps its label."""
    def name(row) -> str:
        low, high = row["aov_from"], row["aov_to"]
        if pd.isna(low) and pd.isna(high):
            return row["band"]
        if pd.isna(low):
            return tr("below {edge}", style.lang, edge=style.price(high))
        if pd.isna(high):
            return tr("{edge} or more", style.lang, edge=style.price(low))
        return f"{style.price(low)}–{style.price(high)}"
    return {row["band"]: name(row) for _, row in bands.iterrows()}


def bands_table(returning, style: NumberStyle) -> pd.DataFrame:
    """Purchasing-power bands of returning buyers: AOV range, buyers, revenue and their shares."""
    lang, b = style.lang, returning.bands
    return pd.DataFrame({tr("AOV band", lang): b["band"].map(band_names(b, style)),
                         tr("Buyers", lang): b["buyers"].map(style.count),
                         tr("Share of buyers", lang): b["buyer_share"].map(style.percent),
                         tr("Revenue", lang): b["revenue"].map(style.amount),
                         tr("Share of revenue", lang): b["revenue_share"].map(style.percent),
                         tr("Mean AOV", lang): b["mean_aov"].map(style.amount)})


def preference_table(pref: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """Category preference of returning buyers: their item spend per category and top-category buyers."""
    lang = style.lang
    return pd.DataFrame({tr("Category", lang): pref["category"],
                         tr("Item spend", lang): pref["spend"].map(style.amount),
                         tr("Share of spend", lang): pref["spend_share"].map(style.percent),
                         tr("Buyers with it as top category", lang): pref["top_buyers"].map(style.count),
                         tr("Share of repeat customers", lang): pref["top_buyer_share"].map(style.percent)})


def bands_sentence(returning, style: NumberStyle) -> str:
    """The AOV edges and the band holding the most revenue."""
    s, bands = returning.summary, returning.bands
    top = bands.sort_values("revenue_share").iloc[-1]
    source = {"quartiles": tr("quartiles", style.lang)}.get(s["edges_source"], s["edges_source"])
    return tr("{n} repeat customers, banded at AOV edges {edges} ({source}); the *{band}* band holds {buyers} of them "
              "and {revenue} of their revenue.", style.lang, n=style.count(s["returning_buyers"]),
              edges=("、" if style.lang == "zh" else ", ").join(style.price(e) for e in s["edges"]), source=source,
              band=band_names(bands, style)[top["band"]],
              buyers=style.percent(top["buyer_share"]), revenue=style.percent(top["revenue_share"]))


def preference_sentence(returning, style: NumberStyle) -> str:
    """The category with most of the returning buyers' spend, and the largest group of top category ×
    AOV band (:func:`matrix_sentence`)."""
    first = returning.preference.iloc[0]
    return paragraph(style, tr("*{category}* takes {share} of repeat customers' spend and is the top category of {n} of them "
              "({top_share}).", style.lang, category=first["category"], share=style.percent(first["spend_share"]),
              n=style.count(first["top_buyers"]), top_share=style.percent(first["top_buyer_share"])),
        matrix_sentence(returning.matrix, style, band_names(returning.bands, style)))


def matrix_sentence(matrix: pd.DataFrame, style: NumberStyle, names: dict[str, str] | None = None) -> str:
    """The largest cell of top category × AOV band: the first audience pack to try (``names``: the
    bands as :func:`band_names` says them)."""
    cell = matrix.stack().idxmax()
    return tr("The largest group is *{category}* buyers in the *{band}* band ({n} buyers): the first audience pack "
              "to try for that category.", style.lang, category=cell[0], band=(names or {}).get(cell[1], cell[1]),
              n=style.count(matrix.loc[cell]))


# --------------------------------------------------------------------------------------- RFM
_RULE_WORDS = [(N_("recent (within {days} days)"), N_("not recent (over {days} days)")),
               (N_("frequent"), N_("not frequent")), (N_("high spend"), N_("low spend"))]


def recent_days(segments: pd.DataFrame) -> int | None:
    """The cn8 cut for *recent* in whole days (last purchase at most this many days ago), or None for a
    score scheme: the mean or median cut, or the fixed ``recency_days`` of :func:`rfm_segments`."""
    cuts = facts(segments, RfmSegmentsFacts).cuts
    return None if not cuts else math.ceil(cuts["recency_days"]) - 1


def rfm_table(profile: pd.DataFrame, segments: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """The RFM segment profile as a reader sees it: segment name in the language, the cn8 rule
    spelled out, shares, mean R/F/M and the suggested action in the language."""
    lang = style.lang
    out = pd.DataFrame({tr("Segment", lang): segment_names(profile, lang)})
    stated = facts(segments, RfmSegmentsFacts)
    if stated.cuts is not None:  # cn8: the high/low code in words
        codes = stated.rules
        codes = (codes.set_index("segment")["rfm_code"] if codes is not None and "rfm_code" in codes
                 else segments.drop_duplicates("segment").set_index("segment")["rfm_code"])
        days = style.count(recent_days(segments))  # the R word says its cut in days (review #25)
        out[tr("Rule", lang)] = profile["segment"].map(codes).map(
            lambda c: ("、" if lang == "zh" else ", ").join(tr(w[bit != "1"], lang, days=days)
                                                           for bit, w in zip(str(c), _RULE_WORDS)))
    m_word = tr("spend per purchase day", lang) if stated.m_column == "monetary_mean" \
        else tr("total spend", lang)
    out[tr("Customers", lang)] = profile["customers"].map(style.count)
    out[tr("Share of customers", lang)] = profile["customer_share"].map(style.percent)
    out[tr("Share of revenue", lang)] = profile["revenue_share"].map(style.percent)
    out[tr("Days since last purchase (mean)", lang)] = profile["mean_recency_days"].map(lambda x: style.number(x, 0))
    out[tr("Purchase days (mean)", lang)] = profile["mean_frequency_days"].map(lambda x: style.number(x, 1))
    out[tr("{measure} (mean)", lang, measure=m_word).capitalize()] = profile["mean_monetary"].map(style.amount)
    if "action" in profile:
        out[tr("Suggested action", lang)] = profile["action"].map(lambda a: tr(a, lang) if isinstance(a, str) else "")
    return out


def cuts_sentence(segments: pd.DataFrame, style: NumberStyle) -> str:
    """The cuts a cn8 segmentation used (as whole days and purchase days), or how scores were given."""
    a, lang = facts(segments, RfmSegmentsFacts), style.lang
    if a.cuts is None:
        return tr("Each measure is scored 1–{n} (higher is better) by the customer's rank among all customers; the "
                  "segment is the first rule of the scheme the scores match ({unmatched} customers matched none).",
                  lang, n=a.n_scores, unmatched=style.count(a.unmatched))
    c = a.cuts
    basis = {"mean": tr("the mean", lang), "median": tr("the median", lang)}.get(a.cut, tr("the cut", lang))
    m_word = tr("spend per purchase day", lang) if a.m_column == "monetary_mean" else tr("total spend", lang)
    values = dict(basis=basis, n=style.count(len(segments)), days=style.count(recent_days(segments)),
                  as_of=style.date(a.as_of), f=style.count(math.floor(c["frequency_days"]) + 1), m_word=m_word,
                  m=style.money(c[a.m_column]))
    if a.recency_days is not None:
        return tr("Cuts used: *recent* = last purchase at most **{days} days** before {as_of} (a fixed number of "
                  "days); *frequent* = **{f} or more purchase days** and *high spend* = {m_word} above **{m}** "
                  "({basis} of each over all {n} customers).", lang, **values)
    return tr("Cuts used ({basis} of each measure over all {n} customers): *recent* = last purchase at most **{days} "
              "days** before {as_of}; *frequent* = **{f} or more purchase days**; *high spend* = {m_word} above "
              "**{m}**.", lang, **values)


def lapsed_share(segments: pd.DataFrame, segment: str, cycle: pd.DataFrame) -> float | None:
    """Share of ``segment``'s customers who last bought longer ago than the day by which 80% of second
    purchases came (``facts(cycle, RepurchaseCycleFacts).p80_day``); None without a repurchase cycle."""
    a = facts(cycle, RepurchaseCycleFacts)
    if not a.basis_repeat:
        return None
    return float((segments.loc[segments["segment"] == segment, "recency_days"] > a.p80_day).mean())


def _at_risk(profile: pd.DataFrame) -> pd.DataFrame:
    return profile[profile["at_risk"]].sort_values("revenue", ascending=False)


def risk_sentence(profile: pd.DataFrame, segments: pd.DataFrame, cycle: pd.DataFrame, style: NumberStyle,
                  lapsed: float = LAPSED_SHARE) -> str:
    """The at-risk segment with most revenue; whether it has lapsed already (more than ``lapsed`` of it
    past the 80% day of the repurchase cycle) decides "win back" or "reach before they lapse"."""
    lang, risk = style.lang, _at_risk(profile)
    if risk.empty:
        return tr("No customer falls in a segment marked as revenue at risk.", lang)
    r0 = risk.iloc[0]
    name = segment_names(risk, lang).iloc[0]
    text = tr("*{segment}* holds the most revenue at risk: {revenue} of revenue from {n} customers who last bought "
              "{days} days ago on average.", lang, segment=name, revenue=style.percent(r0["revenue_share"]),
              n=style.count(r0["customers"]), days=style.number(r0["mean_recency_days"], 0))
    past = lapsed_share(segments, r0["segment"], cycle)
    if past is None:
        return text
    advice = (tr("most of them have lapsed already, so win them back personally.", lang) if past > lapsed
              else tr("reach them personally before they lapse.", lang))
    p80, cut = facts(cycle, RepurchaseCycleFacts).p80_day, recent_days(segments)
    if cut is not None and cut >= p80 and past == 1.0:
        # not recent means over `cut` days, so all of them are past p80 by the segment's own rule (review #25):
        # say the rule, not a share that cannot be anything but 100%
        return _then(text, tr("Being not recent, all of them last bought over {days} days ago, later than the {p80} "
                              "days within which 80% of second purchases came: {advice}", lang,
                              days=style.count(cut), p80=p80, advice=advice), lang)
    return _then(text, tr("{share} of them last bought more than {p80} days ago, the gap within which 80% of second "
                          "purchases came: {advice}", lang, share=style.percent(past), p80=p80, advice=advice), lang)


def rfm_gap_sentence(profile: pd.DataFrame, style: NumberStyle) -> str:
    """The segment bringing most revenue per customer share, and the one bringing least."""
    lang = style.lang
    gap = profile.assign(name=segment_names(profile, lang),
                         lift=profile["revenue_share"] - profile["customer_share"]).sort_values("lift")
    hi, lo = gap.iloc[-1], gap.iloc[0]
    return tr("*{hi}* brings {hi_rev} of revenue with {hi_cust} of customers, while *{lo}* is {lo_cust} of customers "
              "for {lo_rev} of revenue.", lang, hi=hi["name"], hi_rev=style.percent(hi["revenue_share"]),
              hi_cust=style.percent(hi["customer_share"]), lo=lo["name"], lo_cust=style.percent(lo["customer_share"]),
              lo_rev=style.percent(lo["revenue_share"]))


# --------------------------------------------------------------------------- segment movement
def _move_name(segment: str, migration, lang: str) -> str:
    from ...metrics.segment_moves import NEW

    if segment == NEW:
        return tr("new since the start date", lang)
    english = migration.notes.get("english", {})
    return english.get(segment, segment) if lang == "en" else segment


def moves_caption(migration, style: NumberStyle) -> str:
    """The caption of :func:`moves_table`: the two dates compared."""
    return caption("moves", style, start=style.date(migration.start), end=style.date(migration.end))


def moves_table(moves: pd.DataFrame, migration, style: NumberStyle) -> pd.DataFrame:
    """:func:`~userops_lib.metrics.segment_moves.biggest_moves` as a reader sees it."""
    lang = style.lang
    return pd.DataFrame({
        tr("Move", lang): moves["kind"].map({"gain": tr("gain", lang), "loss": tr("loss", lang)}),
        tr("From segment", lang): moves["from_segment"].map(lambda s: _move_name(s, migration, lang)),
        tr("To segment", lang): moves["to_segment"].map(lambda s: _move_name(s, migration, lang)),
        tr("Customers", lang): moves["customers"].map(style.count),
        tr("Share of the segment", lang): moves["share_of_row"].map(style.percent),
        tr("Spend before", lang): moves["value_before"].map(style.amount),
        tr("Spend after", lang): moves["value_after"].map(style.amount),
        tr("Change of spend", lang): moves["value_change"].map(
            lambda x: ("+" if x > 0 else "") + style.money(x, compact=False))})


def moves_sentence(migration, style: NumberStyle) -> str:
    """How many customers changed segment, how many are new, and the largest gain and loss of spend."""
    from ...metrics.segment_moves import NEW, biggest_moves

    lang, m = style.lang, migration.moves
    known = m[m["from_segment"] != NEW]
    moved, total = int(known.loc[known["moved"], "customers"].sum()), int(known["customers"].sum())
    text = tr("From {start} to {end}, {moved} of the {total} customers who had bought by the start ({share}) changed "
              "segment, and {new} new customers arrived.", lang, start=style.date(migration.start),
              end=style.date(migration.end), moved=style.count(moved), total=style.count(total),
              share=style.percent(moved / total if total else None), new=style.count(
                  int(m.loc[m["from_segment"] == NEW, "customers"].sum())))
    for row in biggest_moves(migration, 1).itertuples():
        message = (N_("The largest gain: {n} customers moving from {a} to {b} spent {amount} more than in the {days} "
                      "days before.") if row.kind == "gain" else
                   N_("The largest loss: {n} customers moving from {a} to {b} spent {amount} less than in the {days} "
                      "days before."))
        text = _then(text, tr(message, lang, n=style.count(row.customers), a=_move_name(row.from_segment, migration,
                                                                                         lang),
                              b=_move_name(row.to_segment, migration, lang), amount=style.money(abs(row.value_change)),
                              days=migration.notes["window_days"]), lang)
    return text


# ------------------------------------------------------------------------ associated purchases
def rules_table(rules: pd.DataFrame, style: NumberStyle, rows: int = 10) -> pd.DataFrame:
    """The strongest rules, supports as order counts and shares."""
    lang, top = style.lang, rules.head(rows)
    return pd.DataFrame({tr("Rule", lang): top["rule"],
                         tr("Orders with both", lang): top["baskets_with_rule"].map(style.count),
                         tr("Orders with the first", lang): top["antecedent_baskets"].map(style.count),
                         tr("Share of orders with both", lang): top["support"].map(style.percent),
                         tr("Confidence", lang): top["confidence"].map(style.percent),
                         tr("Lift", lang): top["lift"].map(lambda x: style.number(x, 1))})


def lead_rule(rules: pd.DataFrame, lead_min_orders: int = LEAD_MIN_ORDERS) -> pd.Series | None:
    """The rule to lead with: the highest lift among the rules held by ``lead_min_orders`` orders or
    more (``rules`` sorted by lift, as :func:`~userops_lib.metrics.basket.association_rules` gives
    them); None when no rule is held by that many orders."""
    held = rules[rules["baskets_with_rule"] >= lead_min_orders]
    return held.loc[held["lift"].idxmax()] if len(held) else None


def basket_sentence(rules: pd.DataFrame, style: NumberStyle, single_share: float | None = None,
                    strong_lift: float = STRONG_LIFT, lead_min_orders: int = LEAD_MIN_ORDERS) -> str:
    """How many rules passed which threshold (orders holding the pair, confidence), how many are
    strong (lift ``strong_lift`` or more) and the strongest held by ``lead_min_orders`` orders or
    more (:func:`lead_rule`); a higher lift on fewer orders is said to be a lead to test. Never a
    bare "N rules have a lift above 1"."""
    a, lang = facts(rules, AssociationRulesFacts), style.lang
    level = {"product": tr("product", lang), "category": tr("category", lang),
             "category_product": tr("category → product", lang)}[a.level]
    head = (tr("Of {n} orders, {share} hold a single item.", lang, n=style.count(a.n_baskets),
               share=style.percent(single_share)) if single_share is not None else "")
    values = {"level": level, "min": style.count(a.min_count or 0), "orders": style.count(a.n_baskets),
              "confidence": style.percent(a.min_confidence, 0)}
    if rules.empty:
        return paragraph(style, head, tr("No {level} pair is bought together in at least {min} of the {orders} orders "
                                         "with a confidence of at least {confidence}, so there is no {level} rule to "
                                         "act on.", lang, **values))
    strong = int((rules["lift"] >= strong_lift).sum())
    lift = style.number(strong_lift, 0 if float(strong_lift).is_integer() else 1)
    if strong == len(rules):
        text = tr("{n} {level} rules hold in at least {min} of the {orders} orders with a confidence of at least "
                  "{confidence}, all of them with a lift of {lift} or more (bought together at least {lift} times as "
                  "often as chance).", lang, n=style.count(len(rules)), lift=lift, **values)
    else:
        text = tr("{n} {level} rules hold in at least {min} of the {orders} orders with a confidence of at least "
                  "{confidence}; {strong} of them have a lift of {lift} or more (bought together at least {lift} times "
                  "as often as chance).", lang, n=style.count(len(rules)), strong=style.count(strong), lift=lift,
                  **values)
    best, lead = rules.loc[rules["lift"].idxmax()], lead_rule(rules, lead_min_orders)
    if best["lift"] <= 1:
        return paragraph(style, head, text, tr("None is bought together more often than chance.", lang))
    said = lambda r: dict(rule=r["rule"], confidence=style.percent(r["confidence"]),  # noqa: E731
                          first=style.count(int(r["antecedent_baskets"])), both=style.count(int(r["baskets_with_rule"])),
                          lift=style.number(r["lift"], 1))
    if lead is None:
        return paragraph(style, head, text, tr(
            "No rule is held by {n} or more orders; the strongest, *{rule}* ({lift} times the base rate), rests on "
            "{both} orders only: a lead to test, not a result.", lang, n=style.count(lead_min_orders), **said(best)))
    text = paragraph(style, head, text, tr(
        "The strongest held by {n} or more orders is *{rule}*: {confidence} of the {first} orders with the first also "
        "hold the second ({both} orders), {lift} times the base rate.", lang, n=style.count(lead_min_orders),
        **said(lead)))
    if best["lift"] > lead["lift"]:
        text = _then(text, tr("Higher lifts rest on fewer orders (*{rule}*: {lift} times, on {both} orders): leads to "
                              "test, not results.", lang, **said(best)), lang)
    return text


def cross_sell_table(cross: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """A :func:`~userops_lib.metrics.basket.cross_sell_table` as a reader sees it."""
    lang = style.lang
    return pd.DataFrame({tr("Product", lang): cross["product"], tr("Companion", lang): cross["companion"],
                         tr("Share of orders with the product", lang): cross["product_support"].map(style.percent),
                         tr("Confidence", lang): cross["confidence"].map(style.percent),
                         tr("Lift", lang): cross["lift"].map(lambda x: style.number(x, 1))})


def cross_sell_sentence(cross: pd.DataFrame, style: NumberStyle) -> str:
    """The companion to recommend first for the most bought product."""
    first = cross.iloc[0]
    return tr("For *{product}*, the most bought product with a companion above chance, recommend *{companion}* first "
              "(lift {lift}).", style.lang, product=first["product"], companion=first["companion"],
              lift=style.number(first["lift"], 1))


# ----------------------------------------------------------------------------------- referral
_REFERRAL_MEASURES = [
    ("customers", N_("Customers"), "n"), ("buyers", N_("Buyers"), "n"), ("inviters", N_("Inviters (1+ invitee)"), "n"),
    ("inviter_share", N_("Inviters, share of customers"), "%"), ("invitees", N_("Invitees"), "n"),
    ("invites_per_inviter_mean", N_("Invitees per inviter, mean"), "x"),
    ("invites_per_inviter_median", N_("Invitees per inviter, median"), "x"),
    ("converted_invitees", N_("Invitees who bought"), "n"), ("invitee_conversion", N_("Invitees who bought, share"), "%"),
    ("invites_per_buyer", N_("Invitees per buyer"), "x"),
    ("k_factor", N_("K-factor (invitees per buyer × share who bought)"), "x"),
    ("viral_cycle_days", N_("Viral cycle, median days from inviter's to invitee's first purchase"), "d"),
    ("cycle_pairs", N_("Inviter–invitee pairs behind that median"), "n"),
    ("invitee_bought_first", N_("Pairs left out (invitee bought first)"), "n"),
    ("self_referrals", N_("Self-referrals (ignored)"), "n"), ("unknown_referrers", N_("Unknown referrer ids (ignored)"), "n")]


def referral_table(ref: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """The one-row :func:`~userops_lib.metrics.referral.referral_overview` as measure / value rows."""
    lang, r = style.lang, ref.iloc[0]
    fmt = {"n": style.count, "%": style.percent, "x": style.number, "d": lambda v: _days(round(v), style)}
    return pd.DataFrame([{tr("Measure", lang): tr(name, lang),
                          tr("Value", lang): style.missing if pd.isna(r[col]) else fmt[kind](r[col])}
                         for col, name, kind in _REFERRAL_MEASURES if col in ref.columns])


def referral_sentence(ref: pd.DataFrame, style: NumberStyle) -> str:
    """Inviters, invitees, their conversion, the K-factor read against 1, the viral cycle."""
    lang, r = style.lang, ref.iloc[0]
    k = (tr("below 1: referral adds to growth but cannot sustain it on its own", lang) if r["k_factor"] < 1
         else tr("1 or more: each buyer brings at least one new buyer", lang))
    return tr("{inviters} customers invited {invitees} people, {conversion} of whom bought: K-factor {k} ({reading}), "
              "viral cycle {days} days.", lang, inviters=style.count(int(r["inviters"])),
              invitees=style.count(int(r["invitees"])), conversion=style.percent(r["invitee_conversion"]),
              k=style.number(r["k_factor"]), reading=k, days=style.number(r["viral_cycle_days"], 0))


def referral_vs_table(vs: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """:func:`~userops_lib.metrics.referral.referral_vs_channels` as a reader sees it."""
    from ...metrics.referral import INVITED_LABEL

    lang, days = style.lang, facts(vs, ReferralVsChannelsFacts).horizon_days
    return pd.DataFrame({
        tr("Acquired by", lang): vs["acquisition"].map(lambda a: tr("referral (invited)", lang) if a == INVITED_LABEL
                                                       else channel_name(a, lang)),
        tr("Customers", lang): vs["customers"].map(style.count),
        tr("Customers who bought", lang): vs["conversion"].map(style.percent),
        tr("Buyers followed up {days} days", lang, days=days): vs["buyers_full_horizon"].map(style.count),
        tr("Bought again within {days} days", lang, days=days): vs["repurchase_rate"].map(style.percent),
        tr("Spend per buyer, first {days} days", lang, days=days): vs["spend_per_buyer"].map(style.amount)})


def inviters_table(inviters: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """:func:`~userops_lib.metrics.referral.top_inviters` as a reader sees it (ids as given: masked)."""
    lang = style.lang
    return pd.DataFrame({tr("Inviter", lang): inviters["inviter"], tr("Invitees", lang): inviters["invitees"].map(
        style.count), tr("Invitees who bought", lang): inviters["converted_invitees"].map(style.count),
        tr("Invitees' GMV", lang): inviters["invitee_gmv"].map(style.amount),
        tr("Own orders", lang): inviters["own_orders"].map(style.count),
        tr("Own GMV", lang): inviters["own_gmv"].map(style.amount)})


def referral_text(ref: pd.DataFrame, vs: pd.DataFrame, inviters: pd.DataFrame, style: NumberStyle) -> str:
    """The referral section's paragraph: :func:`referral_sentence`, :func:`referral_vs_sentence`,
    :func:`inviters_sentence`."""
    return paragraph(style, referral_sentence(ref, style), referral_vs_sentence(vs, style),
                     inviters_sentence(inviters, style))


def referral_vs_sentence(vs: pd.DataFrame, style: NumberStyle) -> str:
    """Invited customers' conversion and repeat rate against the median acquisition group."""
    from ...metrics.referral import INVITED_LABEL

    rows = vs[vs["acquisition"] == INVITED_LABEL]
    if rows.empty:
        return ""
    inv = rows.iloc[0]
    return tr("Invited customers convert at {rate} against {median} for the median acquisition group, and {repeat} of "
              "invited buyers buy again on a later day within {days} days.", style.lang,
              rate=style.percent(inv["conversion"]), median=style.percent(vs["conversion"].median()),
              repeat=style.percent(inv["repurchase_rate"]), days=facts(vs, ReferralVsChannelsFacts).horizon_days)


def inviters_sentence(inviters: pd.DataFrame, style: NumberStyle) -> str:
    """The top inviter: a candidate for a key-opinion-customer programme."""
    if inviters.empty:
        return ""
    top = inviters.iloc[0]
    return tr("The top inviter brought {n} invitees, {bought} of whom bought: a candidate for a key-opinion-customer "
              "programme.", style.lang, n=style.count(top["invitees"]), bought=style.count(top["converted_invitees"]))


# ---------------------------------------------------------------------------------- campaigns
def campaign_tables(campaigns: pd.DataFrame, style: NumberStyle) -> dict[str, pd.DataFrame]:
    """The campaign results as three tables a 1200 px page holds: randomised campaigns' conversion
    uplift, their GMV uplift and ROI, and campaigns without a control group (participants vs
    non-participants, without the participants' conversion: 100% by construction, since
    participants are the customers with tagged orders). Empty tables are left out."""
    from ...metrics.campaigns import RANDOMISED

    lang, causal = style.lang, campaigns[campaigns["design"] == RANDOMISED]
    other = campaigns[campaigns["design"] != RANDOMISED]
    money = lambda s: s.map(style.amount)  # noqa: E731
    ratio = lambda s: s.map(style.ratio)  # noqa: E731
    name = tr("Campaign", lang)
    tables = {
        "uplift": pd.DataFrame({name: causal["name"], tr("Treated", lang): causal["n_treatment"].map(style.count),
                                tr("Control", lang): causal["n_control"].map(style.count),
                                tr("Conversion, treated", lang): causal["conversion_treatment"].map(style.percent),
                                tr("Conversion, control", lang): causal["conversion_control"].map(style.percent),
                                tr("Uplift", lang): causal["conversion_uplift"].map(lambda x: style.change(x, True)),
                                tr("95% interval", lang): [
                                    f"{style.change(lo, True)} ~ {style.change(hi, True)}" for lo, hi in
                                    zip(causal["conversion_uplift_low"], causal["conversion_uplift_high"])]}),
        "roi": pd.DataFrame({name: causal["name"], tr("GMV/user uplift", lang): money(causal["gmv_uplift"]),
                             tr("95% interval", lang): [f"{style.money(lo, False)} ~ {style.money(hi, False)}"
                                                        for lo, hi in zip(causal["gmv_uplift_low"],
                                                                          causal["gmv_uplift_high"])],
                             tr("Incremental GMV", lang): money(causal["incremental_gmv"]),
                             tr("Cost", lang): money(causal["cost"]), tr("ROI", lang): ratio(causal["roi"]),
                             tr("ROI, 95% range", lang): [f"{style.ratio(lo)} ~ {style.ratio(hi)}"
                                                          for lo, hi in zip(causal["roi_low"], causal["roi_high"])],
                             tr("Pays back", lang): causal["roi_low"].map(lambda lo: _pays_back(lo, lang))}),
        "descriptive": pd.DataFrame({name: other["name"], tr("Participants", lang): other["n_treatment"].map(style.count),
                                     tr("Non-participants", lang): other["n_control"].map(style.count),
                                     tr("Conversion, non-participants", lang):
                                         other["conversion_control"].map(style.percent),
                                     tr("GMV per participant", lang): money(other["gmv_per_user_treatment"]),
                                     tr("GMV per non-participant", lang): money(other["gmv_per_user_control"])})}
    return {k: t.reset_index(drop=True) for k, t in tables.items() if len(t)}


def _pays_back(roi_low, lang: str) -> str:
    """Whether a campaign is shown to pay back: only when its ROI's 95% range lies above zero."""
    if pd.isna(roi_low):
        return MISSING[lang]
    return tr("yes", lang) if roi_low > 0 else tr("not yet: the range includes a loss", lang)


def _best_roi(campaigns: pd.DataFrame) -> pd.Series | None:
    with_roi = campaigns.dropna(subset=["roi"])
    return with_roi.loc[with_roi["roi"].idxmax()] if len(with_roi) else None


def campaign_sentence(campaigns: pd.DataFrame, style: NumberStyle) -> str:
    """How many randomised campaigns have an uplift surely above zero, the best ROI and whether its
    range includes a loss; how many campaigns are only descriptive."""
    from ...metrics.campaigns import RANDOMISED

    lang, causal = style.lang, campaigns[campaigns["design"] == RANDOMISED]
    n_other = int((campaigns["design"] != RANDOMISED).sum())
    if causal.empty:
        text = tr("No campaign has a random control group, so no uplift or ROI is measured.", lang)
    else:
        text = tr("{sure} of {n} campaigns with a random control group show a conversion uplift whose 95% interval "
                  "lies above zero.", lang, sure=int((causal["conversion_uplift_low"] > 0).sum()), n=len(causal))
        best = _best_roi(causal)
        if best is None:
            text = _then(text, tr("ROI needs campaign costs.", lang), lang)
        else:
            reading = (tr("it pays back even at the low end.", lang) if best["roi_low"] > 0
                       else tr("the range includes a loss, so the return is not established.", lang))
            text = _then(text, tr("The best ROI is *{name}*: {roi}, 95% range {low} to {high}; {reading}", lang,
                                  name=best["name"], roi=style.ratio(best["roi"]), low=style.ratio(best["roi_low"]),
                                  high=style.ratio(best["roi_high"]), reading=reading), lang)
            unsure = causal[(causal["roi_low"] <= 0) & (causal["name"] != best["name"])]
            if len(unsure):
                items = [tr("*{name}* (ROI {roi}, 95% range {low} to {high})", lang, name=r["name"],
                            roi=style.ratio(r["roi"]), low=style.ratio(r["roi_low"]), high=style.ratio(r["roi_high"]))
                         for _, r in unsure.iterrows()]
                text = _then(text, tr("Not yet shown to pay back, their ROI range includes a loss: {items}.", lang,
                                      items=_join(items, lang)), lang)
    if n_other:
        text = _then(text, tr("{n} campaign(s) without a control group are compared descriptively only: participants "
                              "chose to take part, so the gap is not the campaign's effect.", lang, n=n_other), lang)
    return text


# ------------------------------------------------------------------------------------ funnels
#: Campaign groups as a table names them.
_GROUPS = {"treatment": N_("treatment"), "control": N_("control")}


def channel_funnel_sentence(last_step: pd.DataFrame, style: NumberStyle, min_group: int = MIN_GROUP) -> str:
    """The channel completing the funnel best and worst, among channels with ``min_group`` entrants or more."""
    ok = last_step[last_step["group_users"] >= min_group].sort_values("conversion_from_start")
    if len(ok) < 2:
        return tr("Fewer than two channels have {n} or more users entering the funnel; no comparison made.",
                  style.lang, n=min_group)
    return tr("Among channels with {n}+ users entering the funnel, *{best}* completes it best ({best_rate}) and "
              "*{worst}* worst ({worst_rate}).", style.lang, n=min_group, best=channel_name(ok.iloc[-1]["channel"], style.lang),
              best_rate=style.percent(ok.iloc[-1]["conversion_from_start"]), worst=channel_name(ok.iloc[0]["channel"], style.lang),
              worst_rate=style.percent(ok.iloc[0]["conversion_from_start"]))


def channel_funnel_table(by_channel: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """The last funnel step per channel: users entering, reaching it, and the two shares."""
    lang = style.lang
    last = by_channel[by_channel["step_number"] == by_channel["step_number"].max()]
    return pd.DataFrame({tr("Channel", lang): last["channel"].map(lambda c: channel_name(c, lang)), tr("Users entering", lang): last["group_users"].map(
        style.count), tr("Users reaching the last step", lang): last["users"].map(style.count),
        tr("Share of users entering", lang): last["conversion_from_start"].map(style.percent),
        tr("Share of the step before", lang): last["conversion_from_previous"].map(style.percent)})


def campaign_funnel_last(by_campaign: pd.DataFrame) -> pd.DataFrame:
    """The last step of :func:`~userops_lib.metrics.funnel.campaign_funnel` per campaign group, with the
    users who entered the funnel (``entered``)."""
    last = by_campaign[by_campaign["step_number"] == by_campaign["step_number"].max()]
    first = by_campaign[by_campaign["step_number"] == 1][["campaign_id", "group", "users"]]
    return last.merge(first.rename(columns={"users": "entered"}), on=["campaign_id", "group"])


def campaign_funnel_table(last: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """:func:`campaign_funnel_last` as a reader sees it."""
    lang = style.lang
    return pd.DataFrame({tr("Campaign", lang): last["name"], tr("Group", lang): last["group"].map(
        lambda g: tr(_GROUPS[g], lang) if g in _GROUPS else g),
        tr("Assigned users", lang): last["assigned_users"].map(style.count),
        tr("Entered the funnel", lang): last["entered"].map(style.count),
        tr("Reached the last step", lang): last["users"].map(style.count),
        tr("Share of assigned", lang): last["share_of_assigned"].map(style.percent),
        tr("Share of users entering", lang): last["conversion_from_start"].map(style.percent)})


def campaign_funnel_sentence(table: pd.DataFrame, step: str, style: NumberStyle, window: str | None = None) -> str:
    """The campaign with the widest gap between treatment and control in the share of assigned users
    reaching the last step within the funnel ``window``, said to be another measure than the campaign
    table's conversion (any order in the campaign window), so the two pairs of figures are not read as
    one."""
    lang = style.lang
    if table.empty:
        return tr("No campaign has assigned users, so there is no campaign funnel to show.", lang)
    wide = table.pivot_table(index="name", columns="group", values="share_of_assigned")
    if not {"treatment", "control"} <= set(wide.columns) or wide.dropna().empty:
        return tr("No campaign has both a treatment and a control group in the funnel, so no gap is measured.", lang)
    gap = (wide["treatment"] - wide["control"]).dropna().sort_values()
    name = gap.index[-1]
    return tr("The widest funnel gap is in *{name}*: {treated} of the treatment group's assigned users reached {step} "
              "within {window} of entering the funnel, against {control} of the control group's ({gap}). This is "
              "another measure than the conversion of the campaign results (any order in the campaign window), so "
              "the figures differ; small groups swing widely.", lang,
              name=name, treated=style.percent(wide.loc[name, "treatment"]), step=step_text(step, lang),
              window=style.missing if window is None else window_text(window, lang), control=style.percent(wide.loc[name, "control"]),
              gap=style.change(gap.iloc[-1], points=True))


# ------------------------------------------------------------------------------ what to do next
def next_steps(profile: pd.DataFrame, segments: pd.DataFrame, cycle: pd.DataFrame, conv: pd.DataFrame,
               style: NumberStyle, *, rules: pd.DataFrame | None = None, campaigns: pd.DataFrame | None = None,
               lapsed: float = LAPSED_SHARE, strong_lift: float = STRONG_LIFT, lead_min_orders: int = LEAD_MIN_ORDERS,
               max_steps: int = 6) -> str:
    """The closing "What to do next" list, each item chosen by a rule from the report's results.

    Rules, in this order (at most ``max_steps`` items):

    1. The at-risk segment with most revenue: win back (more than ``lapsed`` of it past the cycle's
       80% day) or reach before they lapse.
    2. With a repurchase cycle: reminders before its 50% day and a second nudge before its 80% day.
    3. The shortest window's second-purchase rate: onboarding and a second-purchase coupon.
    4. The strongest basket rule held by ``lead_min_orders`` orders or more (:func:`lead_rule`), when its
       lift is ``strong_lift`` or more: bundle or recommend it.
    5. The randomised campaign with the best ROI: scale it (low end above 0) or rerun it larger.
    6. Campaigns without a control group: a random hold-out next time.
    """
    from ...metrics.campaigns import RANDOMISED

    lang, steps = style.lang, []
    risk = _at_risk(profile)
    if len(risk):
        r0 = risk.iloc[0]
        past = lapsed_share(segments, r0["segment"], cycle)
        how = (tr("most have lapsed already: win them back one by one.", lang) if past is not None and past > lapsed
               else tr("most are still within the usual gap between purchases: reach them before they lapse.", lang))
        steps.append(tr("**Reach {segment} first:** {revenue} of revenue is at risk ({n} customers, last purchase {days} "
                        "days ago on average); {how}", lang, segment=segment_names(risk, lang).iloc[0],
                        revenue=style.percent(r0["revenue_share"]), n=style.count(r0["customers"]),
                        days=style.number(r0["mean_recency_days"], 0), how=how))
    key_days = facts(cycle, RepurchaseCycleFacts)
    if key_days.basis_repeat:
        steps.append(tr("**Repurchase reminders:** remind new buyers before day {p50} (half of those who come back have "
                        "by then) and once more before day {p80}.", lang, p50=key_days.p50_day, p80=key_days.p80_day))
    w = facts(conv, SecondPurchaseConversionFacts).windows[0]
    steps.append(tr("**Second purchase:** raise the {days}-day second-purchase rate from {rate} with onboarding and a "
                    "second-purchase coupon for buyers still on one purchase day.", lang, days=w,
                    rate=style.percent(conv.iloc[0][f"rate_{w}d"])))
    lead = lead_rule(rules, lead_min_orders) if rules is not None and len(rules) else None
    if lead is not None and lead["lift"] >= strong_lift:
        steps.append(tr("**Bundle:** recommend or bundle *{rule}* (lift {lift}, {both} orders).", lang,
                        rule=lead["rule"], lift=style.number(lead["lift"], 1),
                        both=style.count(int(lead["baskets_with_rule"]))))
    if campaigns is not None and len(campaigns):
        best = _best_roi(campaigns[campaigns["design"] == RANDOMISED])
        if best is not None:
            how = (tr("repeat or scale it.", lang) if best["roi_low"] > 0 else
                   tr("its range includes a loss, so rerun it with a larger control group before scaling.", lang))
            steps.append(tr("**{name}** has the best ROI ({roi}, 95% range {low} to {high}): {how}", lang,
                            name=best["name"], roi=style.ratio(best["roi"]), low=style.ratio(best["roi_low"]),
                            high=style.ratio(best["roi_high"]), how=how))
        n_other = int((campaigns["design"] != RANDOMISED).sum())
        if n_other:
            steps.append(tr("**Measure the next campaigns:** give the {n} campaign(s) without a control group a random "
                            "hold-out next time, so their effect can be measured.", lang, n=n_other))
    return "\n".join(f"{i}. {s}" for i, s in enumerate(steps[:max_steps], 1))
