"""The sentences of the Value-uplift report (03) and the rules that choose them.

Every function takes library results (:mod:`userops_lib.metrics.membership`,
:mod:`userops_lib.metrics.audiences`, :mod:`userops_lib.metrics.dropouts`) and a
:class:`~userops_lib.report.formatting.NumberStyle` and returns Markdown (or, for ``*_table``, the
table a reader sees, columns already labelled in the language); thresholds are named parameters
whose defaults are the constants below. English is the catalog's source text, the Chinese comes
from the gettext catalog (:mod:`userops_lib.report.i18n`).
"""

from __future__ import annotations

import pandas as pd

from ...metrics.audiences import SMALL_PACK
from ...metrics.membership import TimeToJoinFacts
from ...results import facts
from ..formatting import NumberStyle
from ..i18n import N_, tr
from ..labels import TIER_NAMES, step_name, step_text, tier_name, value_name, yes_no
from ..markup import code
from ..tables import column_label
from .outline import Outline
from .foundation import _join, data_sentence, paragraph

__all__ = ["CAPTIONS", "DROPOUT_NAMES", "DROPOUT_SHARE", "HIGH_DOWNGRADE", "MEASURES", "PACK_NAMES", "SECTIONS", "TIER_NAMES",
           "caption", "downgrade_share", "dropout_sentence", "dropout_table", "export_sentence", "heading",
           "join_sentence", "join_table", "members_sentence", "members_table", "migration_sentence", "migration_table",
           "next_steps", "overlap_pair", "overlap_sentence", "pack_name", "pack_names", "packs_sentence",
           "profile_sentence", "profile_table", "profile_value", "technical_notes", "revenue_sentence", "revenue_table",
           "sample_sentence", "sample_table", "section", "sizes_table", "skipped_table", "small_sentence",
           "small_table", "summary", "thresholds_table", "tier_name", "tier_names", "tier_sentence", "tier_table",
           "title", "value_measure"]

#: Share of members moving down (or leaving) over the migration months from which the closing
#: advice asks to look after the members before recruiting more.
HIGH_DOWNGRADE = 0.25
#: Share of funnel entrants stopping at a step from which the closing advice names that drop-out pack.
DROPOUT_SHARE = 0.05

#: Each section's heading and what its numbers mean, in section order.
SECTIONS = {
    "summary": (N_("Summary"), ""),
    "tiers": (N_("Tier distribution over time"), ""),
    "migration": (N_("Tier migration"),
                  N_("Each customer's tier at the start date against their tier at the as-of date; leaving the "
                     "programme counts as moving down.")),
    "members": (N_("Members vs non-members"), ""),
    "join": (N_("Time to join and to upgrade"), ""),
    "revenue": (N_("Revenue by tier"), ""),
    "packs": (N_("Audience packs"),
              N_("Packs are customer lists built by the rules of the pack file, for targeted marketing; a customer "
                 "can be in several packs.")),
    "profiles": (N_("Who is in each pack"), ""),
    "dropouts": (N_("Funnel drop-outs"),
                 N_("The customers who entered the purchase funnel in the last {days} days, reached a step and did "
                    "not reach the next one within the funnel window: the audience of an abandoned-cart or "
                    "browse-abandonment message. Each is a pack like the ones above, exported with them (hashed "
                    "ids).")),
    "export": (N_("Export"), ""),
    "next": (N_("What to do next"), ""),
    # the run's parameters behind the text, for the analyst who runs the report, after the body (review #10)
    "technical": (N_("Technical notes"), ""),
}

#: Table and chart captions.
CAPTIONS = {
    "tiers": N_("Tiers on {date} (share: of all customers; share of members: of members)"),
    "migration": N_("Share of each starting state that stayed, went up or went down"),
    "members": N_("Buyers from {start} to {end}"),
    "join": N_("Days from first purchase to first tier, and spent in a tier before each upgrade"),
    "revenue": N_("Revenue concentration by tier (last 12 months; share of customers: of members plus 12-month "
                  "buyers)"),
    "sizes": N_("Pack sizes (share of all {customers} customers) and expected value ({measure})"),
    "thresholds": N_("Data-relative thresholds of the pack file on this data (quantile of the feature among buyers)"),
    "skipped": N_("Packs skipped: this data lacks a feature they use"),
    "small": N_("Packs under {n} customers: how many customers each condition holds for on its own"),
    "profiles": N_("Most common value per pack: its share of the pack (× its share of all customers)"),
    "sample": N_("A few customers of each pack (ids masked; no contact fields)"),
    "dropouts": N_("Funnel drop-out packs, entrants of the last {days} days"),
}


#: the report's title, section headings and captions (see :class:`.outline.Outline`)
OUTLINE = Outline("03", "value", SECTIONS, CAPTIONS)
title, heading, section, caption = OUTLINE.title, OUTLINE.heading, OUTLINE.section, OUTLINE.caption

#: The packs of the example pack file shipped with userops; other packs show their name without underscores.
PACK_NAMES = {"lapsing_big_spenders": N_("Big spenders gone quiet"),
              "second_purchase_due": N_("Second purchase due"),
              "close_to_next_tier": N_("Close to the next tier"),
              "dormant_big_spenders": N_("Dormant big spenders"),
              "referral_champions": N_("Referral champions"),
              "members_gone_quiet": N_("Members gone quiet")}

#: Drop-out packs (``dropped_after_<step>``) of the usual steps, by the industry's names (浏览未购, 加购未购);
#: after any other step a pack reads "dropped out after" the step's name.
DROPOUT_NAMES = {"product_view": N_("Viewed, not added to cart"), "add_to_cart": N_("Added to cart, not bought")}

#: The descriptions of the example pack file (``userops_lib/examples/audiences.yaml``), for the catalog: a
#: description written as one of these reads in the report's language, any other as the pack file has it.
_EXAMPLE_DESCRIPTIONS = [
    N_("Top 10% of buyers by total spend who have not bought for 90 to 365 days"),
    N_("New buyers with one purchase day, first bought 20 to 60 days ago"),
    N_("Active customers within 500 of the next tier's trailing-12-month spend"),
    N_("Top 10% of buyers by total spend who have not bought for over a year"),
    N_("Customers who brought in three or more new customers"),
    N_("Members who have not bought in the last 90 days (or never bought)")]

#: What a pack's value is, by :attr:`Audiences.value_measure`.
MEASURES = {"clv": N_("12-month CLV predicted from each customer's purchases"), "spend_12m": N_("trailing-12-month spend"),
            "monetary_total": N_("total spend")}

#: The customer attributes a pack profile reads.
_ATTRIBUTES = {"channel": N_("Channel"), "city": N_("City"), "gender": N_("Gender"), "age_band": N_("Age band"),
               "member_tier": N_("Membership tier"), "last_category": N_("Last category"),
               "rfm_segment": N_("Segment"), "lifecycle_stage": N_("Lifecycle stage")}










def tier_names(values, lang: str) -> list[str]:
    return [tier_name(t, lang) for t in values]


def pack_name(pack, lang: str) -> str:
    """A pack as a reader names it (the example packs translated, drop-out packs by their step; others
    without underscores)."""
    pack = str(pack)
    if pack.startswith("dropped_after_"):
        step = pack.removeprefix("dropped_after_")
        if step in DROPOUT_NAMES:
            return tr(DROPOUT_NAMES[step], lang)
        return tr("Dropped out after {step}", lang, step=step_name(step, lang))
    message = PACK_NAMES.get(pack)
    return tr(message, lang) if message else pack.replace("_", " ")


def pack_names(values, lang: str) -> list[str]:
    return [pack_name(p, lang) for p in values]


def value_measure(measure: str, model_name: str, style: NumberStyle) -> str:
    """What a pack's value measures (``measure``: :attr:`Audiences.value_measure`)."""
    message = MEASURES.get(measure)
    return tr(message, style.lang, model=model_name) if message else measure


def _members(table: pd.DataFrame, column: str = "tier") -> pd.DataFrame:
    from ...metrics.membership import NON_MEMBER

    return table[table[column] != NON_MEMBER]


# ---------------------------------------------------------------------------------- summary
def summary(data, tiers: pd.DataFrame | None, sizes: pd.DataFrame, customers: int, skipped: int,
            style: NumberStyle, small_pack: int = SMALL_PACK) -> str:
    """The summary: the data read, members' share of revenue (``tiers``: ``revenue_by_tier``, None
    without tiers), the largest pack, the packs under ``small_pack`` customers and the skipped ones."""
    lang, lines = style.lang, []
    if tiers is not None:
        m = _members(tiers)
        lines.append(tr("- **Members:** {n} ({share} of members plus 12-month buyers) brought {revenue} of the last "
                        "12 months' revenue.", lang, n=style.count(m["customers"].sum()),
                        share=style.percent(m["customer_share"].sum()), revenue=style.percent(m["revenue_share"].sum())))
    else:
        lines.append(tr("- The data has no membership tiers, so the membership sections are skipped.", lang))
    if len(sizes):
        top = sizes.sort_values("customers", ascending=False).iloc[0]
        lines.append(tr("- **Audience packs:** {packs} built; the largest, *{pack}*, holds {n} customers ({share} of "
                        "all {customers} customers).", lang, packs=style.count(len(sizes)),
                        pack=pack_name(top["pack"], lang), n=style.count(top["customers"]),
                        share=style.percent(top["share_of_customers"]), customers=style.count(customers)))
    tiny = sizes[sizes["customers"] < small_pack]
    if len(tiny):
        lines.append(tr("- **{n} pack(s) hold fewer than {min} customers** ({packs}); see *{section}* for why.", lang,
                        n=style.count(len(tiny)), min=small_pack, section=heading("packs", style),
                        packs=_join([f"*{pack_name(p, lang)}* {style.count(n)}" for p, n in
                                     tiny[["pack", "customers"]].itertuples(index=False)], lang)))
    if skipped:
        lines.append(tr("- {n} pack(s) were skipped because this data lacks a feature they use.", lang,
                        n=style.count(skipped)))
    return "\n\n".join([section("summary", style), data_sentence(data.source, data.as_of, data.time_zone, style),
                        "\n".join(lines)])


# ---------------------------------------------------------------------------------- tiers
def tier_table(dist: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """The tiers at the last period end of :func:`~userops_lib.metrics.membership.tier_distribution`."""
    lang, last = style.lang, dist[dist["period_end"] == dist["period_end"].max()]
    return pd.DataFrame({tr("Membership tier", lang): tier_names(last["tier"], lang),
                         tr("Customers", lang): last["customers"].map(style.count),
                         tr("Share of all customers", lang): last["share"].map(style.percent),
                         tr("Share of members", lang): last["member_share"].map(style.percent)})


def tier_sentence(dist: pd.DataFrame, style: NumberStyle) -> str:
    """Members at the first and the last month end, and the top tier's share of members."""
    m = _members(dist)
    by_end = m.groupby("period_end")["customers"].sum().sort_index()
    last = m[m["period_end"] == by_end.index[-1]]
    return tr("Members went from {first} at {start} to {last} at {end}; the top tier, *{tier}*, now holds {share} of "
              "members.", style.lang, first=style.count(by_end.iloc[0]), start=style.date(by_end.index[0]),
              last=style.count(by_end.iloc[-1]), end=style.date(by_end.index[-1]),
              tier=tier_name(last["tier"].iloc[-1], style.lang), share=style.percent(last["member_share"].iloc[-1]))


def migration_table(summary_: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """The ``summary`` of :func:`~userops_lib.metrics.membership.tier_migration` as a reader sees it."""
    lang = style.lang
    return pd.DataFrame({tr("Tier at the start", lang): tier_names(summary_["from_tier"], lang),
                         tr("Customers", lang): summary_["customers"].map(style.count),
                         tr("Stayed", lang): summary_["retained"].map(style.percent),
                         tr("Moved up", lang): summary_["upgraded"].map(style.percent),
                         tr("Moved down or left", lang): summary_["downgraded"].map(style.percent)})


def downgrade_share(summary_: pd.DataFrame) -> float:
    """Members (weighted by customers) who moved down or left the programme."""
    m = _members(summary_, "from_tier")
    return float((m["downgraded"] * m["customers"]).sum() / max(m["customers"].sum(), 1))


def migration_sentence(summary_: pd.DataFrame, months: int, style: NumberStyle) -> str:
    """Non-members who joined a tier and members who moved down over ``months`` months."""
    from ...metrics.membership import NON_MEMBER

    rows = summary_.set_index("from_tier")
    joined = rows.loc[NON_MEMBER, "upgraded"] if NON_MEMBER in rows.index else float("nan")
    return tr("Over {months} months {joined} of non-members joined a tier, and {down} of members moved down (or left "
              "the programme).", style.lang, months=months, joined=style.percent(joined),
              down=style.percent(downgrade_share(summary_)))


# ---------------------------------------------------------------------------------- members
def members_table(mv: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """:func:`~userops_lib.metrics.membership.members_vs_nonmembers` as a reader sees it."""
    lang, money = style.lang, style.amount
    return pd.DataFrame({tr("Group", lang): tier_names(mv["group"], lang),
                         tr("Customers", lang): mv["customers"].map(style.count),
                         tr("Orders", lang): mv["orders"].map(style.count),
                         tr("Revenue", lang): mv["revenue"].map(money),
                         tr("Spend per customer", lang): mv["spend_per_customer"].map(money),
                         tr("Purchase days per customer", lang): mv["purchase_days_per_customer"].map(style.number),
                         tr("AOV", lang): mv["aov"].map(money),
                         tr("Bought again within 90 days", lang): mv["retention"].map(style.percent)})


def members_sentence(mv: pd.DataFrame, style: NumberStyle) -> str:
    """Members' spend per customer and 90-day return against non-members, with the caveat that it is
    not the effect of membership."""
    from ...metrics.membership import NON_MEMBER

    g = mv.set_index("group")
    m, n = g.loc["member"], g.loc[NON_MEMBER]
    ratio = m["spend_per_customer"] / n["spend_per_customer"] if n["spend_per_customer"] else float("nan")
    return tr("Members spent {ratio}× as much per customer as non-members ({member} vs {non}) and {m_ret} vs {n_ret} "
              "bought again within 90 days. **This is not the effect of membership:** members and non-members differ "
              "before they join (tiers are usually earned by spending), so these gaps describe the two groups.",
              style.lang, ratio=style.number(ratio, 1), member=style.money(m["spend_per_customer"]),
              non=style.money(n["spend_per_customer"]), m_ret=style.percent(m["retention"]),
              n_ret=style.percent(n["retention"]))


def join_table(ttj: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """:func:`~userops_lib.metrics.membership.time_to_join` as a reader sees it."""
    lang = style.lang

    def step(s: str) -> str:
        a, b = s.split(" → ")
        a = tr("first purchase", lang) if a == "first purchase" else tier_name(a, lang)
        return f"{a} → {tier_name(b, lang)}"

    return pd.DataFrame({tr("Step", lang): ttj["step"].map(step),
                         tr("Customers", lang): ttj["customers"].map(style.count),
                         tr("Median days", lang): ttj["median_days"].map(lambda x: style.number(x, 0)),
                         tr("25th percentile days", lang): ttj["p25_days"].map(lambda x: style.number(x, 0)),
                         tr("75th percentile days", lang): ttj["p75_days"].map(lambda x: style.number(x, 0))})


def join_sentence(ttj: pd.DataFrame, style: NumberStyle) -> str:
    """How soon half of the members joined, the middle half, and who joined before their first order."""
    first = ttj.iloc[0]
    days = dict(median=style.number(first["median_days"], 0), p25=style.number(first["p25_days"], 0),
                p75=style.number(first["p75_days"], 0))
    before = facts(ttj, TimeToJoinFacts).joined_before_first_purchase
    if not before:  # "0 joined on or before ..." said nothing a reader needs
        return tr("Half of the members joined within {median} days of their first purchase (middle half: {p25} to "
                  "{p75} days).", style.lang, **days)
    return tr("Half of the members joined within {median} days of their first purchase (middle half: {p25} to {p75} "
              "days); {before} joined on or before the day of their first order.", style.lang,
              before=style.count(before), **days)


def revenue_table(rbt: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """:func:`~userops_lib.metrics.membership.revenue_by_tier` as a reader sees it."""
    lang, money = style.lang, style.amount
    return pd.DataFrame({tr("Membership tier", lang): tier_names(rbt["tier"], lang),
                         tr("Customers", lang): rbt["customers"].map(style.count),
                         tr("Share of customers", lang): rbt["customer_share"].map(style.percent),
                         tr("Revenue", lang): rbt["revenue"].map(money),
                         tr("Share of revenue", lang): rbt["revenue_share"].map(style.percent),
                         tr("Revenue per customer", lang): rbt["revenue_per_customer"].map(money),
                         tr("Revenue share / customer share", lang): rbt["concentration"].map(
                             lambda x: style.number(x, 1) + "×")})


def revenue_sentence(rbt: pd.DataFrame, style: NumberStyle) -> str:
    """The tier whose revenue share is the largest multiple of its head count."""
    best = rbt.sort_values("concentration", ascending=False).iloc[0]
    return tr("*{tier}* customers are {customers} of members plus 12-month buyers and bring {revenue} of revenue "
              "({times}× their head count).", style.lang, tier=tier_name(best["tier"], style.lang),
              customers=style.percent(best["customer_share"]), revenue=style.percent(best["revenue_share"]),
              times=style.number(best["concentration"], 1))


# ---------------------------------------------------------------------------------- packs
def sizes_table(sizes: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """Pack sizes and expected values as a reader sees them (the pack file's descriptions as written)."""
    lang, money = style.lang, style.amount
    return pd.DataFrame({tr("Audience pack", lang): pack_names(sizes["pack"], lang),
                         tr("Rule (from the pack file)", lang): [tr(d, lang) if d else d for d in sizes["description"]],
                         tr("Customers", lang): sizes["customers"].map(style.count),
                         tr("Share of customers", lang): sizes["share_of_customers"].map(style.percent),
                         tr("Value, total", lang): sizes["total_value"].map(money),
                         tr("Value per customer", lang): sizes["mean_value"].map(money)})


def packs_sentence(sizes: pd.DataFrame, measure: str, style: NumberStyle) -> str:
    """What value measures and the pack holding the most of it (``measure``: :func:`value_measure`)."""
    lang = style.lang
    if not len(sizes):
        return tr("No pack could be built on this data.", lang)
    best = sizes.sort_values("total_value", ascending=False).iloc[0]
    return tr("Value is measured as {measure}, the same forecast the loyalty report (04) values customers with. The "
              "pack holding the most value is *{pack}*: {n} customers worth {value} in total.", lang, measure=measure,
              pack=pack_name(best["pack"], lang), n=style.count(best["customers"]), value=style.money(best["total_value"]))


def thresholds_table(thresholds: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """The pack file's quantile thresholds as they fall on this data."""
    lang = style.lang
    return pd.DataFrame({tr("Audience pack", lang): pack_names(thresholds["pack"], lang),
                         tr("Feature", lang): [column_label(f, lang) for f in thresholds["feature"]],
                         tr("Quantile", lang): thresholds["quantile"].map(style.percent),
                         tr("Threshold", lang): thresholds["value"].map(style.amount),
                         tr("Buyers", lang): thresholds["buyers"].map(style.count)})


def skipped_table(skipped: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """The packs this data cannot build, and the feature each lacks."""
    lang = style.lang
    return pd.DataFrame({tr("Audience pack", lang): pack_names(skipped["pack"], lang),
                         tr("Feature", lang): [column_label(f, lang) for f in skipped["feature"]], tr("Reason", lang): skipped["reason"]})


def small_sentence(small: pd.DataFrame, style: NumberStyle, small_pack: int = SMALL_PACK) -> str:
    """Why each pack under ``small_pack`` customers is small: its tightest condition on its own."""
    lang, notes = style.lang, []
    for pack, rows in small.groupby("pack", sort=False):
        tight = rows.iloc[0]
        note = tr("*{pack}* holds {n} customer(s); its tightest condition, {condition}, holds for {m} on its own.", lang,
                  pack=pack_name(pack, lang), n=style.count(tight["customers"]), condition=code(tight["condition"]),
                  m=style.count(tight["condition_customers"]))
        if rows["fixed_amount"].any():
            note = paragraph(style, note, tr("It uses a fixed amount of money, which may not fit this shop ({q} in the "
                                             "pack file scales with the data).", lang, q=code("{quantile: q}")))
        notes.append(note)
    return paragraph(style, tr("Packs this small are too few for shares, overlaps or a test/control split.", lang), *notes)


def overlap_pair(overlap: pd.DataFrame, packs: list[str]) -> tuple[str, str, float] | None:
    """The two different packs (``a``, ``b``) with the largest share of ``a`` also in ``b``; None when
    no customer is in two packs."""
    sub = overlap.loc[packs, packs].astype(float).copy()
    for p in packs:
        sub.loc[p, p] = float("nan")
    pairs = sub.stack().sort_values(ascending=False)
    if not len(pairs) or pairs.iloc[0] <= 0:
        return None
    (a, b), s = pairs.index[0], pairs.iloc[0]
    return a, b, float(s)


def overlap_sentence(overlap: pd.DataFrame, packs: list[str], total: int, style: NumberStyle,
                     small_pack: int = SMALL_PACK) -> str:
    """The largest overlap among ``packs`` (those of ``small_pack``+ customers; ``total`` packs built)."""
    lang = style.lang
    if len(packs) < 2:
        return tr("Fewer than two packs hold {n} or more customers, so their overlap is not read here.", lang,
                  n=small_pack) if total > 1 else ""
    pair = overlap_pair(overlap, packs)
    if pair is None:
        return tr("No customer is in two of the {k} packs of {n}+ customers: those packs can be contacted "
                  "independently.", lang, k=len(packs), n=small_pack)
    a, b, s = pair
    return tr("The largest overlap among packs of {n}+ customers: {share} of *{a}* is also in *{b}*; avoid sending "
              "both packs the same offer.", lang, n=small_pack, share=style.percent(s), a=pack_name(a, lang),
              b=pack_name(b, lang))


def profile_value(attribute: str, value, lang: str) -> str:
    """A profile value as the report's language writes it: RFM segments (cn8 names in Chinese, their
    English names in English), lifecycle stages, the library's own values (unknown, other) and the codes
    :func:`.labels.value_name` knows (tiers, channels such as ``paid_search``, gender); the shop's names
    (cities) as they are."""
    from ...metrics.rfm import CN8_SEGMENTS
    from ..charts import PROFILE_VALUES
    from .loyalty import LIFECYCLE

    value = str(value)
    if attribute == "rfm_segment":
        english = {v[0]: v[1] for v in CN8_SEGMENTS.values()}
        return english.get(value, value) if lang == "en" else value
    if attribute == "lifecycle_stage" and value in LIFECYCLE:
        return tr(LIFECYCLE[value], lang)
    if value in PROFILE_VALUES:
        return tr(PROFILE_VALUES[value], lang)
    return str(value_name(attribute, value, lang))


def _most_common(profile: pd.DataFrame) -> pd.DataFrame:
    """Each pack's most common value of each attribute (:func:`pack_profile` sorts by customers): the
    rows :func:`profile_table` shows and :func:`profile_sentence` quotes, so the two never disagree."""
    return profile.groupby(["pack", "attribute"], sort=False).head(1)


def profile_table(profile: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """The most common value of each attribute per pack, with its share and lift, one row per pack."""
    lang = style.lang
    top = _most_common(profile)
    cells = top.assign(text=[f"{profile_value(a, v, lang)} {style.percent(s)} (×{style.number(lift, 1)})"
                             for a, v, s, lift in top[["attribute", "value", "share", "lift"]].itertuples(index=False)])
    wide = cells.pivot(index="pack", columns="attribute", values="text").reindex(
        index=top["pack"].unique(), columns=top["attribute"].unique())
    wide.columns = [tr(_ATTRIBUTES[c], lang) if c in _ATTRIBUTES else str(c).replace("_", " ") for c in wide.columns]
    wide.index = pack_names(wide.index, lang)
    return wide.rename_axis(tr("Audience pack", lang)).reset_index()


def profile_sentence(profile: pd.DataFrame, packs: list[str], style: NumberStyle, small_pack: int = SMALL_PACK) -> str:
    """The most over-represented group of ``small_pack``+ customers in the packs ``packs``, among the
    groups :func:`profile_table` shows (each pack's most common value of each attribute), so the
    sentence quotes a cell of the table."""
    lang = style.lang
    if not len(profile):
        return tr("No profile: the packs are empty or the data has no customer attributes.", lang)
    shown = _most_common(profile)
    seen = shown[(shown["customers"] >= small_pack) & shown["pack"].isin(packs)]
    if not len(seen):
        return tr("No pack holds {n} or more customers, so the profiles are not read here.", lang, n=small_pack)
    r = seen.sort_values("lift", ascending=False).iloc[0]
    attribute = tr(_ATTRIBUTES[r["attribute"]], lang) if r["attribute"] in _ATTRIBUTES else r["attribute"]
    return tr("Of the groups in the table, the most over-represented: in *{pack}*, {attribute} *{value}* is {share} "
              "of the pack against {base} of all customers ({lift}×; groups of {n}+ customers in packs of {n}+).", lang,
              pack=pack_name(r["pack"], lang), attribute=attribute, value=profile_value(r["attribute"], r["value"], lang),
              share=style.percent(r["share"]),
              base=style.percent(r["base_share"]), lift=style.number(r["lift"], 1), n=small_pack)


def small_table(small: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """:func:`~userops_lib.metrics.audiences.small_packs` as a reader sees it."""
    lang = style.lang
    return pd.DataFrame({tr("Audience pack", lang): pack_names(small["pack"], lang),
                         tr("Customers", lang): small["customers"].map(style.count),
                         tr("Condition", lang): small["condition"],
                         tr("Customers meeting the condition alone", lang): small["condition_customers"].map(style.count),
                         tr("Fixed amount of money", lang): small["fixed_amount"].map(yes_no)})


def sample_table(sample: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """A few (masked) customers per pack: packs named, tiers in the language, labelled columns."""
    out = sample.assign(pack=pack_names(sample["pack"], style.lang))
    if "member_tier" in out:
        out["member_tier"] = tier_names(out["member_tier"], style.lang)
    return out.rename(columns={"pack": tr("Audience pack", style.lang), "member_tier": "tier",
                               "purchase_days": "frequency_days"})


def sample_sentence(members: pd.DataFrame, customers: int, style: NumberStyle) -> str:
    """Distinct customers in at least one pack."""
    return tr("{n} distinct customers are in at least one pack (of {customers} customers: everyone signed up by the "
              "as-of date plus every buyer).", style.lang, n=style.count(members["customer_id"].nunique()),
              customers=style.count(customers))


# ---------------------------------------------------------------------------------- drop-outs
def dropout_table(sizes: pd.DataFrame, steps: list[str], funnel_steps: list[str], style: NumberStyle) -> pd.DataFrame:
    """One row per drop-out pack: the step reached, the next one missed, customers and share of entrants."""
    lang = style.lang
    nxt = [funnel_steps[funnel_steps.index(s) + 1] if s in funnel_steps[:-1] else "" for s in steps]
    return pd.DataFrame({tr("Audience pack", lang): pack_names(sizes["pack"], lang),
                         tr("Reached", lang): [step_name(s, lang) for s in steps],
                         tr("Did not reach", lang): [step_name(s, lang) if s else "" for s in nxt],
                         tr("Customers", lang): sizes["customers"].map(style.count),
                         tr("Share of funnel entrants", lang): sizes["share_of_customers"].map(style.percent)})


def dropout_sentence(sizes: pd.DataFrame, steps: list[str], style: NumberStyle) -> str:
    """How many entrants reached each step and stopped there."""
    lang = style.lang
    return _join([tr("{n} entrants reached *{step}* and stopped there ({share} of entrants)", lang,
                     n=style.count(r.customers), step=step_text(s, lang), share=style.percent(r.share_of_customers))
                  for s, r in zip(steps, sizes.itertuples())], lang) + ("。" if lang == "zh" else ".")


def export_sentence(folder, style: NumberStyle) -> str:
    """Where the pack files went (``folder``: None when no export was asked for)."""
    if folder is None:
        return tr("No pack files were exported in this run (see the technical notes).", style.lang)
    return tr("Pack files and {manifest} were written to {folder} (customer ids hashed with a salted SHA-256).",
              style.lang, manifest=code("manifest.json"), folder=code(folder))


def technical_notes(style: NumberStyle, *, clv_model: str, model: str, export_dir=None) -> str:
    """The run's parameters behind the report, for the analyst who runs it (review #10: the body says what
    the numbers mean, this list says which parameter to set): the purchase model (``clv_model`` as given,
    ``model`` the one used) and, when nothing was exported, how to export the packs."""
    lang = style.lang
    # the sentence says what happened in words; the parameter follows in brackets for whoever reruns it
    chosen = (tr("Pack values come from the {model} purchase model, chosen by its holdout accuracy (parameter {param} = "
                 "{value}); the loyalty report (04) uses the same, so each customer has one CLV.", lang, model=model,
                 param=code("clv_model"), value=code(clv_model)) if clv_model == "best" else
              tr("Pack values come from the {model} purchase model, set for this run (parameter {param} = {value}); "
                 "the loyalty report (04) uses the same, so each customer has one CLV.", lang, model=model,
                 param=code("clv_model"), value=code(clv_model)))
    notes = [chosen]
    if export_dir is None:
        notes.append(tr("To write one file per pack and a manifest (customer ids hashed with a salted SHA-256), set "
                        "the parameter {param} to a folder.", lang, param=code("export_dir")))
    return "\n".join(f"- {note}" for note in notes)


# ---------------------------------------------------------------------------------- next steps
def next_steps(style: NumberStyle, *, migration: pd.DataFrame | None = None, members: pd.DataFrame | None = None,
               revenue: pd.DataFrame | None = None, sizes: pd.DataFrame | None = None,
               overlap: tuple[str, str, float] | None = None, dropouts: pd.DataFrame | None = None,
               dropout_steps: list[str] = (), months: int = 6, high_downgrade: float = HIGH_DOWNGRADE,
               dropout_share: float = DROPOUT_SHARE, max_steps: int = 6) -> str:
    """The closing "What to do next" list, each item chosen by a rule from the report's results.

    Rules, in this order (at most ``max_steps`` items):

    1. Members moving down or leaving (``migration`` summary): above ``high_downgrade`` of members,
       look after them first (benefits reminders); else keep recruiting non-members.
    2. The tier bringing the largest multiple of its head count (``revenue``): protect it.
    3. The pack holding the most value (``sizes``): contact it first.
    4. The largest overlap of two packs (``overlap``, from :func:`overlap_pair`): one offer per customer.
    5. Each drop-out pack (``dropouts`` sizes with ``dropout_steps``) holding ``dropout_share`` or more of
       the funnel entrants: an abandoned-cart / browse reminder.
    6. Members vs non-members (``members``): test membership's effect with a hold-out before crediting it.
    """
    lang, steps = style.lang, []
    if migration is not None and len(migration):
        down = downgrade_share(migration)
        if down > high_downgrade:
            steps.append(tr("**Keep members:** {share} of members moved down or left in {months} months; remind them "
                            "of their member benefits and what keeps their tier before recruiting more.", lang,
                            share=style.percent(down), months=months))
        else:
            steps.append(tr("**Recruit members:** only {share} of members moved down or left in {months} months; "
                            "invite active non-members to join.", lang, share=style.percent(down), months=months))
    if revenue is not None and len(revenue):
        best = revenue.sort_values("concentration", ascending=False).iloc[0]
        steps.append(tr("**Protect {tier}:** {revenue} of revenue from {customers} of customers; give them priority "
                        "service and early access.", lang, tier=tier_name(best["tier"], lang),
                        revenue=style.percent(best["revenue_share"]), customers=style.percent(best["customer_share"])))
    if sizes is not None and len(sizes):
        best = sizes.sort_values("total_value", ascending=False).iloc[0]
        steps.append(tr("**Contact {pack} first:** {n} customers worth {value}; export the pack and run the campaign "
                        "with a random control group.", lang, pack=pack_name(best["pack"], lang),
                        n=style.count(best["customers"]), value=style.money(best["total_value"])))
    if overlap is not None:
        a, b, s = overlap
        steps.append(tr("**One offer per customer:** {share} of *{a}* is also in *{b}*; decide which pack's offer "
                        "they get before sending.", lang, share=style.percent(s), a=pack_name(a, lang),
                        b=pack_name(b, lang)))
    if dropouts is not None:
        for s, r in zip(dropout_steps, dropouts.itertuples()):
            if r.share_of_customers >= dropout_share:
                steps.append(tr("**Reminder after {step}:** {n} recent entrants ({share}) stopped there; send them a "
                                "reminder within the funnel window.", lang, step=step_text(s, lang), n=style.count(r.customers),
                                share=style.percent(r.share_of_customers)))
    if members is not None and len(members):
        steps.append(tr("**Measure membership's effect:** the gap between members and non-members is descriptive; "
                        "hold out a random group from the next member offer to measure it.", lang))
    if not steps:
        return tr("No recommendation: this data has neither membership tiers nor audience packs.", lang)
    return "\n".join(f"{i}. {s}" for i, s in enumerate(steps[:max_steps], 1))
