"""The sentences of the Foundation report (01) and the rules that choose them.

Every function takes library results (the tables of :mod:`userops_lib.metrics`) and a
:class:`~userops_lib.report.formatting.NumberStyle` (language and currency) and returns Markdown;
thresholds are named parameters. English is the catalog's source text, the Chinese comes from the
gettext catalog (:mod:`userops_lib.report.i18n`). ``load_note`` (a note of the data load in the
report's language) comes from :mod:`userops_lib.report.quality_text`, for the data-quality section.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ...metrics.categories import CategorySalesFacts
from ...metrics.drivers import DriverTreeFacts, HeadlineComparisonFacts
from ...metrics.engagement import StickinessDistributionFacts
from ...metrics.funnel import FunnelFacts, FunnelTrendFacts
from ...metrics.kpis import ChannelConversionFacts
from ...metrics.profile import UserProfileFacts
from ...results import facts
from ..charts import period_name
from ...thresholds import MIN_GROUP
from ..formatting import NumberStyle
from ..i18n import N_, tr
from .outline import Outline
from ..labels import channel_name, label, step_text, window_text
from ..markup import code
from ..quality_text import load_note, reason

__all__ = ["CAPTIONS", "SECTIONS", "active_days_sentence", "activity_note", "caption", "category_sentence",
           "channel_sentence", "churn_sentence", "cohort_sentence", "data_sentence", "day_retention_sentence",
           "driver_basis", "drivers_text", "empty_periods_note", "fixed_set_note", "funnel_sentence",
           "funnel_trend_sentence", "heading", "headline_summary", "load_note", "next_steps", "paragraph", "period_text",
           "profile_sentence", "quality_sentence", "repurchase_sentence", "sales_sentence", "section",
           "stickiness_sentence", "title", "budget_shift", "seasonal_dip"]

#: Headline KPIs measured in money (the others are counts).
_MONEY = {"gmv", "aov"}


# ------------------------------------------------------------------------------------ helpers
def period_text(label_: str, kind: str, style: NumberStyle) -> str:
    """A period label (``2025-12``, ``2025-Q4``, ``2025-12-01``) as a sentence writes it: 2025年12月 / Dec 2025."""
    if kind == "month":
        return style.month(f"{label_}-01")
    if kind == "quarter":
        year, q = str(label_).split("-Q")
        return style.quarter(dt.date(int(year), 3 * int(q) - 2, 1))
    if kind == "year":
        return str(label_)
    return style.date(label_)


def _join(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    if lang == "zh":
        return "；".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _then(first: str, second: str, lang: str) -> str:
    """Two sentences in a row: Chinese needs no space after 。"""
    return first + ("" if lang == "zh" else " ") + second


def _sep(lang: str) -> str:
    """Between two clauses of one sentence: a full-width semicolon in Chinese."""
    return "；" if lang == "zh" else "; "


def paragraph(style: NumberStyle, *sentences: str) -> str:
    """Sentences in a row (empty ones left out), spaced as the language writes them."""
    return ("" if style.lang == "zh" else " ").join(s for s in sentences if s)


def _value(kpi: str, x, style: NumberStyle) -> str:
    return style.money(x) if kpi in _MONEY else style.count(round(x)) if pd.notna(x) else style.missing


def _signed_money(x, style: NumberStyle) -> str:
    return ("+" if x > 0 else "") + style.money(x)


# ------------------------------------------------------------------------- headings and captions
#: Each section's heading and what its numbers mean (definitions), in section order.
SECTIONS = {
    "summary": (N_("Summary"), ""),
    "drivers": (N_("Why GMV moved"),
                N_("GMV = buyers × orders per buyer × AOV, and buyers = new + returning (or visitors × conversion, "
                   "an alternative split). Each driver's contribution is its share of the change of GMV (log-mean "
                   "decomposition): the drivers add up to the change exactly.")),
    "sales": (N_("GMV, orders and buyers per period"),
              N_("New buyers made their first purchase ever in the period; returning buyers had bought before. "
                 "AOV = GMV / orders. A period the as-of date falls inside is incomplete (hatched bars, grey "
                 "band): its numbers are still partial.")),
    "categories": (N_("Categories"),
                   N_("GMV and buyers per category in the headline period with their change, the repurchase rate "
                      "over the last 12 months, the median days between two purchases in the category, and the "
                      "second-purchase conversion of buyers whose first order was mainly in it (within 90 days).")),
    "repurchase": (N_("Repurchase and return purchase"),
                   N_("Repurchase rate: buyers with at least two orders in the period / buyers of the period. "
                      "Return-purchase rate: buyers of a period who buy again in the next period / buyers of the "
                      "period (known once the next period is complete).")),
    "activity": (N_("Active users and stickiness"),
                 N_("An active user is a customer with any event on the day, week or month (without events: a "
                    "customer who placed an order). Stickiness = average DAU / MAU.")),
    "churn": (N_("Churn and user growth"),
              N_("Churn rate: buyers of the previous period who did not buy in this one / buyers of the previous "
                 "period. Growth rate: (this period − previous) / previous.")),
    "channels": (N_("Channel conversion"),
                 N_("Per acquisition channel: customers it brought, how many have bought at least once, and — when "
                    "channel costs are known — the cost per converted customer (CAC).")),
    "retention": (N_("Retention"),
                  N_("Cohorts by the period of the first purchase; a cell is the share of the cohort that bought "
                     "again in the N-th period after it (blank until that period ends), the last row the weighted "
                     "average. D1/D7/D30: share of new users active exactly on day N, or within N days.")),
    "profile": (N_("User profile"),
                N_("Shares of all customers and of buyers per group; unknown values are shown, not dropped. A "
                   "customer can have several interest tags.")),
    "funnel": (N_("Purchase funnel"),
               N_("Users reaching each step within the window from their first funnel step; the table adds the "
                  "median and 80th percentile time between steps.")),
    "funnel_trend": (N_("Funnel conversion per period"),
                     N_("The funnel of each period's entrants: a user enters with their first step of the period "
                        "and has the same window to finish; the latest period is still open.")),
    "active_days": (N_("Active days per customer"),
                    N_("For the customers active in the last days of the data, on how many distinct days each was "
                       "active.")),
    "quality": (N_("Data quality"),
                N_("Rows read and kept per table, and every row the report leaves out, by reason.")),
    "next": (N_("What to do next"), ""),
}

#: Table captions.
CAPTIONS = {
    "drivers": N_("GMV drivers, {base_period} → {period}"),
    "kpis": N_("KPIs per {period}, newest first"),
    "categories": N_("Categories in {period}"),
    "stickiness": N_("Stickiness per month, newest first"),
    "churn": N_("Churn and growth per {period}, newest first"),
    "channels": N_("Conversion by acquisition channel"),
    "day_retention": N_("D1 / D7 / D30 retention of new users"),
    "profile": N_("Profile of customers and buyers"),
    "funnel": N_("Purchase funnel"),
    "rows": N_("Rows read and kept"),
    "quality": N_("Rows excluded or flagged, by reason"),
}


#: the report's title, section headings and captions (see :class:`.outline.Outline`)
OUTLINE = Outline('01', 'foundation', SECTIONS, CAPTIONS)
title = OUTLINE.title
heading = OUTLINE.heading
section = OUTLINE.section
caption = OUTLINE.caption










# ---------------------------------------------------------------------------- summary (headline)
def data_sentence(source: str, as_of, time_zone: str, style: NumberStyle) -> str:
    """Which data the report read, up to which day, in which time zone."""
    zone = tr(ZONE_NAMES[time_zone], style.lang) if time_zone in ZONE_NAMES else tr(
        "the {zone} time zone", style.lang, zone=time_zone)
    return tr("Data: {source}, up to **{as_of}**, dates in {time_zone}.", style.lang, source=code(source),
              as_of=style.date(as_of), time_zone=zone)


#: Time zones a reader names in words (北京时间), not by their IANA name.
ZONE_NAMES = {"Asia/Shanghai": N_("Beijing time"), "Asia/Chongqing": N_("Beijing time"),
              "PRC": N_("Beijing time")}


def headline_summary(comparison: pd.DataFrame, style: NumberStyle, notes=()) -> str:
    """The headline KPIs of :func:`~userops_lib.metrics.drivers.headline_comparison`, each against the
    previous period (环比) and the same period last year (同比), with a note for a missing base and
    the other ``notes`` (empty ones left out) as paragraphs after it."""
    a, lang = facts(comparison, HeadlineComparisonFacts), style.lang
    name = period_text(a.period, a.period_kind, style)
    intro = tr("Headline numbers of **{period}** against the previous period and the same period last year:",
               lang, period=name)
    if not a.complete:
        intro = _then(intro, tr("(the period is not complete yet)", lang), lang)
    lines = [tr("- **{kpi}:** {value} (vs previous period {previous}, vs last year {last_year})", lang,
                kpi=label(r.kpi, lang), value=_value(r.kpi, r.value, style),
                previous=style.change(r.change_vs_previous), last_year=style.change(r.change_vs_last_year))
             for r in comparison.itertuples()]
    notes = [_base_note(a.previous_note, a.previous_period, a, "previous", style),
             _base_note(a.last_year_note, a.last_year_period, a, "last_year", style)] + list(notes)
    return "\n".join([intro, "", *lines] + [f"\n{n}" for n in notes if n])


def _base_note(note: str, base: str, stated: HeadlineComparisonFacts, which: str, style: NumberStyle) -> str:
    """Why a comparison is missing ("no ...") or weak ("... is partial"), or ''."""
    if not note:
        return ""
    values = {"base": period_text(base, stated.period_kind, style), "day": style.date(stated.first_day)}
    kind = "missing" if note.startswith("no ") else "partial"
    return tr(_BASE_NOTES[which, kind], style.lang, **values)


#: Notes on a base period (previous, last year) that is missing or only partly in the data.
_BASE_NOTES = {
    ("previous", "missing"): N_("No comparison with the previous period ({base}): the data starts on {day}."),
    ("last_year", "missing"): N_("No comparison with the same period last year ({base}): the data starts on {day}."),
    ("previous", "partial"): N_("The previous period ({base}) is only partly in the data (it starts on {day}): the "
                                "change against it overstates growth."),
    ("last_year", "partial"): N_("The same period last year ({base}) is only partly in the data (it starts on "
                                 "{day}): the change against it overstates growth."),
}


def fixed_set_note(kpis: pd.DataFrame, period: str, style: NumberStyle, min_quiet: int = 3,
                   min_quiet_share: float = 0.25) -> str:
    """A warning when the data follows a fixed set of customers (a CDNOW-like panel), else ''.

    The rule: at least ``min_quiet`` periods, and at least ``min_quiet_share`` of all periods, come
    after the last period with a new buyer, and someone bought in them. Then changes in buyers show
    how that set ages, not acquisition.
    """
    with_new = kpis[kpis["new_buyers"] > 0]
    if with_new.empty:
        return ""
    quiet = kpis[kpis["period_start"] > with_new["period_start"].max()]
    if len(quiet) < max(min_quiet, min_quiet_share * len(kpis)) or quiet["buyers"].sum() == 0:
        return ""
    return tr("**No new buyers since {since}:** the data follows a fixed set of customers (everyone in it first "
              "bought by {last}), so changes in buyers after that show how this set ages and say nothing about "
              "acquisition.", style.lang, since=period_text(quiet["period"].iloc[0], period, style),
              last=period_text(with_new["period"].iloc[-1], period, style))


def empty_periods_note(kpis: pd.DataFrame, comparison: pd.DataFrame, style: NumberStyle) -> str:
    """A warning when complete periods after the headline period have no order at all, and one when
    the as-of date lies after the last order (the periods ``period_kpis`` marks ``no_data``), else ''."""
    a = facts(comparison, HeadlineComparisonFacts)
    notes = []
    after = kpis[kpis["complete"] & (kpis["period"] > a.period)]
    if not after.empty:
        notes.append(tr("**Note:** {n} complete period(s) after {period} have no order at all, although the data "
                        "runs to {as_of}; check the as-of date and the newest orders.", style.lang, n=len(after),
                        period=period_text(a.period, a.period_kind, style), as_of=style.date(a.as_of)))
    empty = kpis[kpis["no_data"]] if "no_data" in kpis else kpis.iloc[:0]
    if len(empty) and len(empty) < len(kpis):
        name = lambda p: period_text(p, a.period_kind, style)  # noqa: E731
        notes.append(tr("**Note:** the last order is in {last}, but as_of is {as_of}: the {n} period(s) from {first} "
                        "on have no data and are left out of every average.", style.lang,
                        last=name(kpis.loc[~kpis["no_data"], "period"].iloc[-1]), as_of=style.date(a.as_of),
                        n=len(empty), first=name(empty["period"].iloc[0])))
    return "\n\n".join(notes)


# --------------------------------------------------------------------------------- driver tree
def driver_basis(comparison: pd.DataFrame) -> str | None:
    """The base period the driver tree explains: the same period last year when the data holds all
    of it (December is read against December), else the previous period, else None."""
    a = facts(comparison, HeadlineComparisonFacts)
    if not a.last_year_note:
        return "last_year"
    return "previous" if not a.previous_note else None


def drivers_text(tree: pd.DataFrame, style: NumberStyle) -> str:
    """The change of the KPI of a :func:`~userops_lib.metrics.drivers.driver_tree` and each first-level
    factor's change and contribution (LMDI: the contributions add up to the change)."""
    a, lang, top = facts(tree, DriverTreeFacts), style.lang, tree.iloc[0]
    fmt = (lambda x: _signed_money(x, style)) if a.kpi in _MONEY else (lambda x: f"{x:+,.0f}")
    values = {"kpi": label(a.kpi, lang), "before": _value(a.kpi, top["before"], style),
              "now": _value(a.kpi, top["now"], style),
              "base": period_text(a.base_period, a.period_kind, style),
              "period": period_text(a.period, a.period_kind, style)}
    if top["contribution"] == 0:
        return tr("{kpi} did not change from {base} to {period} ({now}).", lang, **values)
    values["change"] = style.trend(top["change"])
    parts = tree[(tree["parent"] == a.kpi) & ~tree["node"].isin(["visitors", "conversion"])]
    if parts.empty:
        return tr("{kpi} went from {before} in {base} to {now} in {period}, {change}.", lang, **values)
    said = [tr("{factor} {change} contributed {amount}", lang, factor=label(r.node, lang),
               change=style.change(r.change), amount=fmt(r.contribution)) for r in parts.itertuples()]
    return tr("{kpi} went from {before} in {base} to {now} in {period}, {change}: {parts}.", lang,
              parts=_join(said, lang), **values)


# ---------------------------------------------------------------------------------- sections
def sales_sentence(kpis: pd.DataFrame, period: str, style: NumberStyle, fixed_note: str = "") -> str:
    """GMV over the complete periods, the best period, and the share of new buyers: pooled over the
    periods and the range of the per-period shares (the two differ when busy periods are different).

    With a ``fixed_note`` (:func:`fixed_set_note`, which the headline summary shows) the share of
    new buyers says nothing and is left out, with a pointer to the summary instead of the note again."""
    lang, done = style.lang, kpis[kpis["complete"]]
    if done.empty:
        return tr("No period of the data is complete yet.", lang)
    best = done.loc[done["gmv"].idxmax()]
    text = tr("Over the {n} complete {period}s, GMV totalled {gmv}; the best was {best} ({best_gmv}).", lang,
              n=len(done), period=period_name(period, lang), gmv=style.money(done["gmv"].sum()),
              best=period_text(best["period"], period, style), best_gmv=style.money(best["gmv"]))
    if fixed_note:
        return _then(text, tr("The share of new buyers is left out: the data follows a fixed set of customers (see "
                              "the summary).", lang), lang)
    sold = done[done["buyers"] > 0]
    shares = sold["new_buyers"] / sold["buyers"]
    return _then(text, tr("New buyers were {pooled} of all buyers of these {period}s taken together; one {period} "
                           "at a time their share ranged from {low} to {high} (mean {mean}).", lang,
                           pooled=style.percent(sold["new_buyers"].sum() / sold["buyers"].sum()),
                           period=period_name(period, lang), low=style.percent(shares.min()),
                           high=style.percent(shares.max()), mean=style.percent(shares.mean())), lang)


def repurchase_sentence(kpis: pd.DataFrame, by_day: pd.DataFrame, period: str, style: NumberStyle) -> str:
    """Mean repurchase rate over complete periods (orders and purchase days) and mean return-purchase rate."""
    return tr("On average {rep} of a {period}'s buyers ordered at least twice in it ({rep_days} counting purchase "
              "days, where several orders on one day are one purchase), and {back} bought again in the next "
              "{period}.", style.lang, period=period_name(period, style.lang),
              rep=style.percent(kpis.loc[kpis["complete"], "repurchase_rate"].mean()),
              rep_days=style.percent(by_day.loc[by_day["complete"], "repurchase_rate"].mean()),
              back=style.percent(kpis["return_purchase_rate"].mean()))


def activity_note(source: str, style: NumberStyle) -> str:
    """Said when "active" can only mean "placed an order" (no events table), else ''."""
    if source != "orders":
        return ""
    return tr("*The data has no events table, so 'active' means 'placed an order' in this section.*", style.lang)


def stickiness_sentence(stick: pd.DataFrame, style: NumberStyle) -> str:
    """DAU, MAU and stickiness of the last complete month, and the mean over complete months."""
    full = stick[stick["complete"]]
    last = full.iloc[-1] if len(full) else stick.iloc[-1]
    return tr("In {month} an average of {dau} customers were active a day out of {mau} active in the month: "
              "stickiness {stickiness} (mean over complete months {mean}).", style.lang,
              month=period_text(last["period"], "month", style), dau=style.number(last["avg_dau"], 0),  # as the table
              mau=style.count(last["mau"]), stickiness=style.percent(last["stickiness"]),
              mean=style.percent(full["stickiness"].mean()))


def churn_sentence(kpis: pd.DataFrame, comparison: pd.DataFrame, period: str, style: NumberStyle) -> str:
    """Churn and buyer growth of the headline period, and mean churn over complete periods."""
    row = kpis[kpis["period"] == facts(comparison, HeadlineComparisonFacts).period].iloc[0]
    return tr("In {period}, {churn} of the previous period's buyers did not buy again and the number of buyers "
              "changed by {growth}; over complete {kind}s churn averaged {mean}.", style.lang,
              period=period_text(row["period"], period, style), churn=style.percent(row["churn_rate"]),
              growth=style.trend(row["buyer_growth_rate"]), kind=period_name(period, style.lang),
              mean=style.percent(kpis.loc[kpis["complete"], "churn_rate"].mean()))


def channel_sentence(conv: pd.DataFrame, style: NumberStyle, min_users: int = MIN_GROUP) -> str:
    """The best and worst converting channel (of those with ``min_users`` customers or more), buyers
    without a channel, and the channel with the dearest converted customer (CAC)."""
    lang = style.lang
    ranked = conv[conv["acquired_users"] >= min_users].sort_values("conversion_rate")
    if ranked.empty:
        return tr("No channel brought {n} customers or more, too few to compare.", lang, n=min_users)
    best, worst = ranked.iloc[-1], ranked.iloc[0]
    text = tr("{best} converted best ({best_rate} of {best_n}) and {worst} worst ({worst_rate} of {worst_n}).", lang,
              best=channel_name(best["channel"], lang), best_rate=style.percent(best["conversion_rate"]),
              best_n=style.count(best["acquired_users"]), worst=channel_name(worst["channel"], lang),
              worst_rate=style.percent(worst["conversion_rate"]), worst_n=style.count(worst["acquired_users"]))
    missing = facts(conv, ChannelConversionFacts).buyers_not_in_customers
    if missing:
        text = _then(text, tr("{n} buyers have no customer row and no channel.", lang, n=style.count(missing)), lang)
    if "cac" in conv and conv["cac"].notna().any():
        dear = conv.loc[conv["cac"].idxmax()]
        text = _then(text, tr("The dearest converted customer came from {channel} (CAC {cac}).", lang,
                         channel=channel_name(dear["channel"], lang), cac=style.money(dear["cac"])), lang)
    return text


def cohort_sentence(ret: pd.DataFrame, average_label: str, period: str, style: NumberStyle) -> str:
    """The weighted share of new buyers buying again in the first period after their first one."""
    columns = [c for c in ret.columns if c != "cohort_size"]
    first = columns[1] if len(columns) > 1 else columns[0]
    return tr("Weighted over all cohorts, {share} of new buyers bought again in the first {period} after their "
              "first purchase ({column}).", style.lang, share=style.percent(ret.loc[average_label, first]),
              period=period_name(period, style.lang), column=first)


def day_retention_sentence(nday: pd.DataFrame, usage: pd.DataFrame | None, style: NumberStyle) -> str:
    """D1/D7/D30 purchase retention of new buyers and, with events, usage retention of new users."""
    lang, d = style.lang, nday.set_index("label")
    text = tr("Of the new buyers, {d1} bought again the next day, {d7} within 7 days and {d30} within 30 days "
              "({n} too recent for D30 are left out).", lang, d1=style.percent(d.loc["D1", "retention_on_day"]),
              d7=style.percent(d.loc["D7", "retention_within"]), d30=style.percent(d.loc["D30", "retention_within"]),
              n=style.count(d.loc["D30", "not_yet_observable"]))
    if usage is None:
        return _then(text, tr("*Usage retention (came back with any visit) needs an events table.*", lang), lang)
    u = usage.set_index("label")
    return _then(text, tr("Usage retention: {d1} of new users came back the next day, {d7} within 7 days and "
                           "{d30} within 30 days.", lang, d1=style.percent(u.loc["D1", "retention_on_day"]),
                           d7=style.percent(u.loc["D7", "retention_within"]),
                           d30=style.percent(u.loc["D30", "retention_within"])), lang)


#: Profile values that are no group of their own (not named as a "largest group").
PROFILE_LEFTOVERS = ("unknown", "other", "(no tags)", "not a member")
#: Leftover values that are one kind of customer (not a bucket of many small groups, as "other" is): when
#: one outnumbers every known group, the profile sentence says so before naming the largest known group.
PROFILE_ONE_KIND = ("unknown", "not a member", "(no tags)")


def profile_sentence(prof: pd.DataFrame, dimensions, style: NumberStyle) -> str:
    """How many customers bought, and the largest known group of each profile dimension.

    When a leftover value that is one kind of customer (:data:`PROFILE_ONE_KIND`: not a member,
    unknown; not "other", a bucket of many small groups) holds more customers than any known group, the sentence says so first and names the known group as the largest of the
    rest ("mostly not a member (93.3%); of the others, silver"), never as the dimension's largest group.
    """
    from ..charts import PROFILE_DIMENSIONS, profile_value_name

    lang, groups, totals = style.lang, [], facts(prof, UserProfileFacts)
    for dim in dimensions:
        rows = prof[prof["dimension"] == dim]
        known = rows[~rows["value"].isin(PROFILE_LEFTOVERS)]
        if len(known):
            top, first = known.loc[known["customers"].idxmax()], rows.loc[rows["customers"].idxmax()]
            values = dict(dimension=tr(PROFILE_DIMENSIONS.get(dim, dim), lang),
                          value=profile_value_name(dim, top["value"], lang),
                          customers=style.percent(top["customer_share"]), buyers=style.percent(top["buyer_share"]))
            if first["value"] in PROFILE_ONE_KIND and first["customers"] > top["customers"]:
                leftover = first["value"]
                groups.append(tr("{dimension} mostly **{leftover}** ({share} of customers); of the others, **{value}** "
                                 "({customers} of customers, {buyers} of buyers)", lang,
                                 leftover=profile_value_name(dim, leftover, lang),
                                 share=style.percent(first["customer_share"]), **values))
            else:
                groups.append(tr("{dimension} **{value}** ({customers} of customers, {buyers} of buyers)", lang,
                                 **values))
    sep = _sep(lang)
    return tr("Of {customers} customers, {buyers} have bought. Largest groups: {groups}.", lang,
              customers=style.count(totals.customers), buyers=style.count(totals.buyers),
              groups=sep.join(groups))


def funnel_sentence(fun: pd.DataFrame, window: str, style: NumberStyle) -> str:
    """How many entrants reached the last step, and the step that loses the largest share."""
    lang = style.lang
    if fun["users"].iloc[0] == 0:
        return tr("No customer has a {step} event, so the funnel is empty: check that the funnel steps of the run "
                  "name events the event data has.", lang,
                  step=code(fun["step"].iloc[0]))
    worst = _weakest_step(fun)
    text = tr("Of {entered} users with a {first}, {done} ({share}) reached {last} within {window}. The biggest "
              "drop-off is from {before} to {step}: only {rate} went on ({lost} users lost).", lang,
              entered=style.count(fun["users"].iloc[0]), first=step_text(fun["step"].iloc[0], lang),
              done=style.count(fun["users"].iloc[-1]), share=style.percent(fun["conversion_from_start"].iloc[-1]),
              last=step_text(fun["step"].iloc[-1], lang), window=window_text(window, lang),
              before=step_text(worst["before"], lang), step=step_text(worst["step"], lang),
              rate=style.percent(worst["conversion_from_previous"]), lost=style.count(worst["dropped_from_previous"]))
    still = facts(fun, FunnelFacts).users_with_open_window
    if still:
        text = _then(text, tr("{n} users entered less than {window} before the end of the data and may still convert.",
                         lang, n=style.count(still), window=window_text(window, lang)), lang)
    return text


def _weakest_step(fun: pd.DataFrame) -> pd.Series:
    """The step (after the first) with the lowest conversion from the previous one, with ``before``."""
    after = fun.iloc[1:]
    worst = after.loc[after["conversion_from_previous"].idxmin()].copy()
    worst["before"] = fun["step"].iloc[int(worst["step_number"]) - 2]
    return worst


def funnel_trend_sentence(trend: pd.DataFrame, style: NumberStyle, months: int = 12) -> str:
    """Conversion to the last step in the last complete period against the mean of the ``months``
    complete periods before it."""
    lang = style.lang
    last_step = trend[trend["step_number"] == trend["step_number"].max()]
    done = last_step[last_step["complete"]]
    if len(done) < 2:
        return tr("Fewer than two complete periods: no trend to read yet.", lang)
    now, before = done.iloc[-1], done.iloc[:-1].tail(months)
    mean = before["conversion_from_start"].mean()
    return tr("In {period}, {rate} of the users entering the funnel reached {step}, against {mean} on average in "
              "the {n} periods before ({change}).", lang,
              period=period_text(now["period"], facts(trend, FunnelTrendFacts).period_kind, style),
              rate=style.percent(now["conversion_from_start"]), step=step_text(now["step"], lang), mean=style.percent(mean),
              n=len(before), change=style.change(now["conversion_from_start"] - mean, points=True))


def active_days_sentence(sd: pd.DataFrame, days: int, style: NumberStyle) -> str:
    """How concentrated activity is: one-day visitors, regulars (a week's worth of days), the mean."""
    a, lang = facts(sd, StickinessDistributionFacts), style.lang
    if a.active_customers == 0:
        return tr("No customer was active between {start} and {end}.", lang, start=style.date(a.window_start),
                  end=style.date(a.window_end))
    week = min(7, days)
    mean = (sd["active_days"] * sd["customers"]).sum() / a.active_customers
    return tr("Of {n} customers active in the last {days} days, {once} came on a single day and {often} on {week} "
              "days or more (mean {mean} active days).", lang, n=style.count(a.active_customers), days=days,
              once=style.percent(sd["share"].iloc[0]), often=style.percent(sd["share_at_least"].iloc[week - 1]),
              week=week, mean=style.number(mean, 1))


def quality_sentence(rows: pd.DataFrame, quality: pd.DataFrame, style: NumberStyle) -> str:
    """Rows read, rows excluded and the largest reason, rows kept but flagged."""
    lang = style.lang
    out = quality[quality["action"] == "excluded"].sort_values("rows") if len(quality) else quality
    informative = ["excluded", "converted", "read as local time"]  # offsets converted are counted, not flagged
    flagged = int(quality.loc[~quality["action"].isin(informative), "rows"].sum()) if len(quality) else 0
    text = tr("{read} rows were read from {tables} table(s) and {excluded} excluded.", lang,
              read=style.count(rows["rows_read"].sum()), tables=len(rows),
              excluded=style.count(int(out["rows"].sum()) if len(out) else 0))
    if len(out):
        top = out.iloc[-1]
        text = _then(text, tr("The largest reason is '{reason}' in {table} ({n} rows).", lang,
                              reason=reason(top, lang), table=code(top["table"]), n=style.count(top["rows"])), lang)
    if flagged:
        text = _then(text, tr("{n} row(s) were kept but flagged.", lang, n=style.count(flagged)), lang)
    return text


def category_sentence(cats: pd.DataFrame, period: str, style: NumberStyle, min_share: float = 0.05) -> str:
    """The largest category, and of the categories with ``min_share`` of GMV or more, the fastest
    growing and the fastest falling against the same period last year (else the previous period)."""
    lang, a = style.lang, facts(cats, CategorySalesFacts)
    if cats.empty or cats["gmv"].isna().all():
        return tr("No category sales in {period}.", lang, period=period_text(a.period, period, style))
    top = cats.iloc[0]
    text = tr("**{category}** is the largest category ({share} of GMV in {period}).", lang,
              category=top["category"], share=style.percent(top["gmv_share"]),
              period=period_text(a.period, period, style))
    change, base = _category_change(cats)
    big = cats[(cats["gmv_share"] >= min_share) & cats[change].notna()].sort_values(change)
    up, down = big[big[change] > 0].tail(1), big[big[change] < 0].head(1)
    basis = tr("vs last year", lang) if base == "last_year" else tr("vs previous period", lang)
    moves = [tr("{category} grew most ({change} {basis})", lang, category=r.category, change=style.change(r[change]),
                basis=basis) for _, r in up.iterrows()]
    moves += [tr("{category} fell most ({change} {basis})", lang, category=r.category, change=style.change(r[change]),
                 basis=basis) for _, r in down.iterrows()]
    if not moves:
        return text
    return _then(text, tr("Of the categories with {min} of GMV or more, {moves}.", lang,
                          min=style.percent(min_share, 0), moves=_join(moves, lang)), lang)


def _category_change(cats: pd.DataFrame) -> tuple[str, str]:
    """The GMV change column to read: against last year when the data has it, else the previous period."""
    if not facts(cats, CategorySalesFacts).last_year_note and cats["gmv_vs_last_year"].notna().any():
        return "gmv_vs_last_year", "last_year"
    return "gmv_vs_previous", "previous"


# ------------------------------------------------------------------------------ what to do next
#: What to do when a driver of GMV pulled it down.
_DRIVER_ADVICE = {
    "new_buyers": N_("**Win new buyers:** new buyers changed by {change} {basis} and took {amount} off GMV; put the "
                     "acquisition budget on the channels that convert best (see the channel section)."),
    "returning_buyers": N_("**Bring buyers back:** returning buyers changed by {change} {basis} and took {amount} off "
                           "GMV; send a win-back campaign to the buyers of earlier periods who have not come back."),
    "orders_per_buyer": N_("**Raise purchase frequency:** orders per buyer changed by {change} {basis} and took "
                           "{amount} off GMV; remind buyers when their repurchase cycle comes round."),
    "aov": N_("**Raise the order value:** AOV changed by {change} {basis} and took {amount} off GMV; offer bundles and "
              "spend thresholds on products bought together."),
}


def _driver_step(tree: pd.DataFrame | None, style: NumberStyle) -> str | None:
    """Advice on the driver with the most negative contribution (buyers split into new and returning)."""
    if tree is None or tree.empty:
        return None
    a = facts(tree, DriverTreeFacts)
    nodes = tree[tree["node"].isin(["new_buyers", "returning_buyers", "orders_per_buyer", "aov"])]
    if nodes.empty or nodes["contribution"].min() >= 0:
        return None
    worst = nodes.loc[nodes["contribution"].idxmin()]
    basis = tr("vs last year", style.lang) if a.compare == "last_year" else tr("vs previous period", style.lang)
    return tr(_DRIVER_ADVICE[worst["node"]], style.lang, change=style.trend(worst["change"]), basis=basis,
              amount=style.money(-worst["contribution"]))


def _funnel_step(fun: pd.DataFrame | None, style: NumberStyle, min_users: int) -> str | None:
    if fun is None or fun.empty or fun["users"].iloc[0] == 0:
        return None
    worst = _weakest_step(fun)
    if worst["dropped_from_previous"] < min_users:
        return None
    return tr("**Fix the weakest funnel step:** only {rate} of users go on from {before} to {step} ({lost} lost); "
              "test the page and reach the users who stopped there.", style.lang,
              rate=style.percent(worst["conversion_from_previous"]), before=step_text(worst["before"], style.lang),
              step=step_text(worst["step"], style.lang),
              lost=style.count(worst["dropped_from_previous"]))


#: A budget move is suggested as a test of this share of the weaker channel's cost.
SHIFT_SHARE = 0.2


def budget_shift(conv: pd.DataFrame | None, min_users: int = MIN_GROUP, min_ratio: float = 1.5) -> dict | None:
    """Which paid acquisition channel to move budget from, and to which, and on what grounds.

    Among the channels with a cost and ``min_users`` converted customers or more: with sales of their
    customers known (``revenue`` of :func:`~userops_lib.metrics.kpis.channel_conversion`), the channel
    whose customers' sales are the smallest multiple of its cost gives to the one where they are the
    largest (basis ``"return"``); without sales, the dearest converted customer (CAC) gives to the
    cheapest (basis ``"cac"``). Only when the better channel is ``min_ratio`` times better or more.

    Returns
    -------
    dict or None
        ``source``, ``target`` (rows of ``conv``, with ``return`` = revenue / cost), ``basis``.
    """
    if conv is None or conv.empty or "cost" not in conv:
        return None
    paid = conv[(conv["converted_users"] >= min_users) & (conv["cost"] > 0)].copy()
    if len(paid) < 2:
        return None
    if "revenue" in paid and (paid["revenue"] > 0).all():
        paid["return"] = paid["revenue"] / paid["cost"]
        source, target = paid.loc[paid["return"].idxmin()], paid.loc[paid["return"].idxmax()]
        better, basis = target["return"] / source["return"], "return"
    else:
        source, target = paid.loc[paid["cac"].idxmax()], paid.loc[paid["cac"].idxmin()]
        better, basis = source["cac"] / target["cac"], "cac"
    return {"source": source, "target": target, "basis": basis} if better >= min_ratio else None


def _channel_step(conv: pd.DataFrame | None, style: NumberStyle, min_users: int, cac_ratio: float,
                  shift_share: float = SHIFT_SHARE) -> str | None:
    shift = budget_shift(conv, min_users, cac_ratio)
    if shift is None:
        return None
    lang, src, dst = style.lang, shift["source"], shift["target"]
    names = {"source": channel_name(src["channel"], lang), "target": channel_name(dst["channel"], lang),
             "source_cac": style.money(src["cac"]), "target_cac": style.money(dst["cac"]),
             "share": style.percent(shift_share, 0), "amount": style.money(shift_share * src["cost"])}
    if shift["basis"] == "return":
        return tr("**Move acquisition budget from {source} to {target}:** a converted customer costs {source_cac} from "
                  "{source} and has spent {source_value} so far (sales {source_x} times the channel's cost); from "
                  "{target} they cost {target_cac} and have spent {target_value} ({target_x} times). Move {share} of "
                  "{source}'s budget ({amount}) to {target} as a test and compare the two next period.", lang,
                  source_value=style.money(src["revenue_per_buyer"]), target_value=style.money(dst["revenue_per_buyer"]),
                  source_x=style.number(src["return"], 1), target_x=style.number(dst["return"], 1), **names)
    return tr("**Move acquisition budget from {source} to {target}:** a converted customer costs {source_cac} from "
              "{source} and {target_cac} from {target}. Move {share} of {source}'s budget ({amount}) to {target} as a "
              "test and compare the two next period.", lang, **names)


def seasonal_dip(comparison: pd.DataFrame, kpis: pd.DataFrame | None, min_fall: float = 0.05,
                 peak_window: int = 12) -> dict | None:
    """A fall of GMV against the previous period while it grew on the same period last year: whether the
    same step fell a year earlier too (a season, e.g. the month after 双11), and whether the previous
    period was the peak of the last ``peak_window`` periods.

    Returns
    -------
    dict or None
        None unless GMV fell ``min_fall`` or more against the previous period and rose against last
        year. Else ``change`` (vs previous), ``yoy`` (vs last year), ``last_year_change`` (the same step a
        year earlier, NaN when the data has not both periods), ``seasonal`` (that step fell ``min_fall`` or
        more too), ``last_year_previous`` (the label of the period before last year's), ``peak`` (the
        previous period had the highest GMV of the ``peak_window`` periods up to it).
    """
    rows = comparison.set_index("kpi")
    if "gmv" not in rows.index or kpis is None or kpis.empty:
        return None
    now = rows.loc["gmv"]
    if not (now["change_vs_previous"] <= -min_fall and now["change_vs_last_year"] > 0):
        return None
    a = facts(comparison, HeadlineComparisonFacts)
    gmv = kpis.set_index("period")["gmv"].sort_index()
    labels = list(gmv.index)
    ly_change, ly_before = np.nan, None
    if a.last_year_period in labels and labels.index(a.last_year_period) > 0:
        at = labels.index(a.last_year_period)
        before, ly_before = gmv.iloc[at - 1], labels[at - 1]
        ly_change = gmv.iloc[at] / before - 1 if before else np.nan
    peak = False
    if a.previous_period in labels:
        at = labels.index(a.previous_period)
        window = gmv.iloc[max(0, at - peak_window + 1):at + 1]
        peak = len(window) == peak_window and gmv.iloc[at] == window.max()
    return {"change": now["change_vs_previous"], "yoy": now["change_vs_last_year"], "last_year_change": ly_change,
            "last_year_previous": ly_before, "seasonal": bool(ly_change <= -min_fall), "peak": bool(peak)}


def _season_step(comparison: pd.DataFrame, kpis: pd.DataFrame | None, style: NumberStyle, min_fall: float
                 ) -> str | None:
    dip = seasonal_dip(comparison, kpis, min_fall)
    if dip is None:
        return None
    a, lang = facts(comparison, HeadlineComparisonFacts), style.lang
    kind = a.period_kind
    names = {"period": period_text(a.period, kind, style), "previous": period_text(a.previous_period, kind, style),
             "change": style.trend(dip["change"]), "yoy": style.trend(dip["yoy"])}
    peak = ""
    if dip["peak"]:
        peak = tr(N_(" (the highest GMV of the last 12 months)") if kind == "month" else
                  N_(" (the highest GMV of the last 12 periods)"), lang, **names)
    if dip["seasonal"]:
        return tr("**Read {period} against last year:** GMV changed by {change} against {previous}{peak} but by {yoy} "
                  "against the same period last year, and a year earlier {last_year} also changed by {last} against "
                  "{last_year_previous}: the fall is the season, not a loss of customers. Judge this period by the "
                  "change against last year, and plan a win-back of the peak's new buyers for the period after it.",
                  lang, last=style.trend(dip["last_year_change"]), peak=peak,
                  last_year=period_text(a.last_year_period, kind, style),
                  last_year_previous=period_text(dip["last_year_previous"], kind, style), **names)
    return tr("**Find out why {period} fell:** GMV changed by {change} against {previous}{peak} while it grew by {yoy} "
              "against the same period last year, and a year earlier the same step did not fall like this: look at "
              "the drivers against the previous period before the next one.", lang, peak=peak, **names)


def _category_step(cats: pd.DataFrame | None, style: NumberStyle, min_share: float, min_fall: float) -> str | None:
    if cats is None or cats.empty or cats["gmv"].isna().all():
        return None
    change, base = _category_change(cats)
    big = cats[(cats["gmv_share"] >= min_share) & (cats[change] <= -min_fall)].sort_values(change)
    if big.empty:
        return None
    down = big.iloc[0]
    basis = tr("vs last year", style.lang) if base == "last_year" else tr("vs previous period", style.lang)
    return tr("**Look into {category}:** it holds {share} of GMV and its GMV changed by {change} {basis}; check its "
              "prices, stock and campaigns.", style.lang, category=down["category"],
              share=style.percent(down["gmv_share"]), change=style.trend(down[change]), basis=basis)


def _churn_step(kpis: pd.DataFrame | None, comparison: pd.DataFrame, style: NumberStyle, churn_rise: float
                ) -> str | None:
    if kpis is None:
        return None
    done = kpis[kpis["complete"]]
    stated = facts(comparison, HeadlineComparisonFacts)
    now = kpis[kpis["period"] == stated.period]
    if now.empty or done["churn_rate"].notna().sum() < 2:
        return None
    rate, mean = now["churn_rate"].iloc[0], done["churn_rate"].mean()
    if pd.isna(rate) or rate - mean < churn_rise:
        return None
    return tr("**Stop the churn:** {rate} of the previous period's buyers did not buy in {period}, against {mean} on "
              "average; reach them while they still remember the shop.", style.lang, rate=style.percent(rate),
              period=period_text(stated.period, stated.period_kind, style),
              mean=style.percent(mean))


def next_steps(comparison: pd.DataFrame, style: NumberStyle, *, tree=None, kpis=None, funnel=None, channels=None,
               categories=None, max_steps: int = 5, min_users: int = MIN_GROUP, cac_ratio: float = 1.5,
               min_share: float = 0.05, min_fall: float = 0.10, churn_rise: float = 0.05,
               season_fall: float = 0.05) -> str:
    """The closing "What to do next" list, each item chosen by a rule from the report's results.

    Rules, in this order (each gives at most one item; at most ``max_steps`` items):

    1. GMV of the headline period ``season_fall`` or more below the previous period while above last
       year (:func:`seasonal_dip`): a season when the same step fell a year earlier too, else a fall
       to look into.
    2. Churn of the headline period ``churn_rise`` or more above its mean over complete periods.
    3. The GMV driver that took most off GMV (new or returning buyers, orders per buyer, AOV), if any
       took something off.
    4. The funnel step with the lowest conversion from the previous one, if ``min_users`` or more
       were lost there.
    5. Budget to move from one paid channel to another (:func:`budget_shift`: sales per cost of their
       converted customers, else CAC, ``cac_ratio`` times apart or more), as a test of
       :data:`SHIFT_SHARE` of the weaker channel's cost.
    6. The category with ``min_share`` of GMV or more whose GMV fell most, by ``min_fall`` or more.

    Returns
    -------
    str
        A Markdown list, or one sentence saying nothing stands out.
    """
    steps = [_season_step(comparison, kpis, style, season_fall), _churn_step(kpis, comparison, style, churn_rise),
             _driver_step(tree, style), _funnel_step(funnel, style, min_users),
             _channel_step(channels, style, min_users, cac_ratio), _category_step(categories, style, min_share, min_fall)]
    steps = [s for s in steps if s][:max_steps]
    if not steps:
        return tr("Nothing in these results calls for a change of course: keep the current plan and run this "
                  "report again next period.", style.lang)
    return "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1))
