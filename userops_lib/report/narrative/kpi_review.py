"""The sentences and tables of the KPI review (05) and the rules that choose them.

Every function takes results of :mod:`userops_lib.metrics.kpi_review` (the scorecard, the
milestones, the moves, the driver trees) and a :class:`~userops_lib.report.formatting.NumberStyle`
and returns Markdown or a table of text; thresholds are named parameters. English is the
catalog's source text, the Chinese comes from the gettext catalog (:mod:`userops_lib.report.i18n`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ...metrics.drivers import DriverTreeFacts
from ...metrics.kpi_review import KpiScorecardFacts, ResultDriversFacts
from ...results import facts
from ..charts import period_name
from ...thresholds import MIN_GROUP
from ..formatting import NumberStyle
from ..i18n import N_, tr
from .outline import Outline
from ..labels import channel_name, label
from .foundation import _join, _sep, _then, paragraph, period_text
from .loyalty import nps_text

__all__ = ["CAPTIONS", "DEFAULT_TREND_KPIS", "SECTIONS", "STATUS", "caption", "driver_caption", "drivers_note",
           "kpi_value", "largest_drag", "method_text", "milestone_table", "moves_text", "next_steps",
           "no_target_sentence", "no_target_table",
           "paragraph", "progress_text", "scorecard_sentence", "scorecard_table", "section", "status_colours",
           "summary", "title", "goals", "trend_kpis", "trend_note", "trend_title", "suspect_targets",
           "suspect_target_sentence", "flagged_kpis", "weakest_channel"]

#: A scorecard status and a milestone status as a reader sees them.
STATUS = {"met": N_("met"), "at risk": N_("at risk"), "missed": N_("missed"), "n/a": N_("no value"),
          "no target": N_("no target"), "early": N_("early"), "on time": N_("on time"), "overdue": N_("late"),
          "open-overdue": N_("open, past due"), "open": N_("open")}
_COLOURS = {"met": "#c6efce", "at risk": "#ffeb9c", "missed": "#ffc7ce", "n/a": "#eeeeee", "no target": "#eeeeee",
            "early": "#c6efce", "on time": "#c6efce", "overdue": "#ffeb9c", "open-overdue": "#ffc7ce",
            "open": "#eeeeee"}

#: The KPIs each trend chart shows when the period has no target in its group (the source
#: documents' result and process KPIs).
DEFAULT_TREND_KPIS = {"result": ["gmv", "buyers", "new_buyers"],
                      "process": ["aov", "repurchase_rate", "return_purchase_rate", "churn_rate",
                                  "d7_retention_within", "d30_retention_within", "channel_conversion",
                                  "usage_d7_retention", "purchase_conversion", "dau", "mau", "dau_mau"]}

SECTIONS = {
    "summary": (N_("Summary"), ""),
    "scorecard": (N_("Scorecard"),
                  N_("Attainment = actual / target, or target / actual for KPIs where lower is better (churn), so "
                     "above 100% is always good. Changes of rates are in percentage points, of the other KPIs "
                     "relative to the earlier value, so a fall is always negative.")),
    "no_target": (N_("KPIs without a target"),
                  N_("The KPIs of the source documents that the targets file sets no target for this period: "
                     "their actual and how they moved.")),
    "drivers": (N_("Why the result KPIs at risk or missed moved"),
                N_("GMV = buyers × orders per buyer × AOV, and buyers = new + returning; each driver's "
                   "contribution is its share of the change (log-mean decomposition), so the drivers add up to "
                   "the change exactly.")),
    "result": (N_("Result KPIs"),
               N_("What the team delivered: GMV, buyers and new buyers (first purchase ever in the period). "
                  "Diamonds mark the targets; light bars are periods not yet complete.")),
    "process": (N_("Process KPIs"),
                N_("The drivers behind the results: order value, repurchase, return purchase, "
                   "churn (lower is better), retention of the period's new buyers within 7 / 30 days, channel "
                   "conversion of the period's sign-ups, DAU, MAU and stickiness (from the events table).")),
    "progress": (N_("Progress KPIs (project milestones)"),
                 N_("Early: done before the due date; on time: done on it; late: done after it; open, past due: "
                    "not done on the data's last date. Days late is negative when early.")),
    "method": (N_("How the numbers are computed"), ""),
    "next": (N_("What to do next"), ""),
}

CAPTIONS = {
    "scorecard": N_("KPI scorecard, {period}"),
    "scorecard_partial": N_("KPI scorecard, {period} (data up to {as_of})"),
    "no_target": N_("KPIs without a target, {period}"),
    "milestones": N_("Milestones of {period}, status on {as_of}"),
}


#: the report's title, section headings and captions (see :class:`.outline.Outline`)
OUTLINE = Outline('05', 'kpi_review', SECTIONS, CAPTIONS)
title = OUTLINE.title
section = OUTLINE.section
caption = OUTLINE.caption








def status_colours(style: NumberStyle) -> dict:
    """{status as the table shows it: background colour} for ``show(colours=...)``."""
    return {tr(STATUS[s], style.lang): colour for s, colour in _COLOURS.items()}


# ------------------------------------------------------------------------------------ values
def _period(label_: str, style: NumberStyle) -> str:
    """2025-Q4 → 2025年第四季度 / Q4 2025; 2025 stays 2025."""
    return period_text(label_, "quarter" if "Q" in str(label_) else "year", style)


def kpi_value(x, fmt: str, style: NumberStyle, compact: bool = True) -> str:
    """A KPI value in its unit: money, percent, points (NPS, signed, one decimal as in 04) or a count (one
    decimal for a small average such as DAU)."""
    if x is None or pd.isna(x):
        return style.missing
    if fmt == "points":
        return nps_text(x, style)
    if fmt == "money":
        return style.money(x, compact=compact)
    if fmt == "percent":
        return style.percent(x)
    return style.number(x, 1) if abs(x) < 100 and x != round(x) else style.count(round(x))


def _change(row, when: str, style: NumberStyle) -> str:
    """The change against ``when`` (previous, last_year): percentage points for rates, else relative."""
    pp, rel = row[f"change_vs_{when}_pp"], row[f"change_vs_{when}"]
    if pd.notna(pp):
        return style.change(pp / 100, points=True)
    return style.change(rel) if pd.notna(rel) and np.isfinite(rel) else style.missing


def _attainment(x, style: NumberStyle) -> str:
    return style.missing if pd.isna(x) or np.isinf(x) else style.percent(x)


def _name(row, lang: str) -> str:
    """A KPI's name, ↓ marking one where lower is better."""
    return label(row["kpi"], lang) + (" ↓" if row["direction"] == "lower" else "")


# ------------------------------------------------------------------------------------ summary
def summary(card: pd.DataFrame, milestones: pd.DataFrame, as_of, style: NumberStyle, *, thresholds=(1.0, 0.9),
            example_targets: bool = False, target_periods=(), headline=("gmv", "buyers", "new_buyers")) -> str:
    """The review in a few lines: how many targets were met, at risk or missed; the ``headline`` KPIs
    against the previous period (环比) and the same period last year (同比); the milestones."""
    lang, a = style.lang, facts(card, KpiScorecardFacts)
    name = _period(a.period, style)
    if not a.complete:
        name = tr("{period} (not complete yet: the data ends on {as_of})", lang, period=name, as_of=style.date(as_of))
    targeted = card[card["target"].notna()]
    if a.has_targets:
        counts = targeted["status"].value_counts()
        text = tr("**{period}**: of {n} KPIs with a target, **{met} met**, **{risk} at risk** and **{missed} "
                  "missed** (met from {met_at} of the target, at risk from {risk_at}).", lang, period=name,
                  n=len(targeted), met=int(counts.get("met", 0)), risk=int(counts.get("at risk", 0)),
                  missed=int(counts.get("missed", 0)), met_at=style.percent(thresholds[0], 0),
                  risk_at=style.percent(thresholds[1], 0))
        blank = int((targeted["status"] == "n/a").sum())
        if blank:
            text = _then(text, tr("{n} could not be computed from this data.", lang, n=blank), lang)
    else:
        have = ", ".join(sorted(target_periods)) or style.missing
        text = tr("The targets file has none for **{period}** (it has targets for: {have}), so this review shows "
                  "the actuals and how they moved.", lang, period=name, have=have)
        if example_targets:
            text = _then(text, tr("These targets are examples for the demo shop, not your team's: replace them with "
                                  "your own before the review is used.", lang), lang)
    rows = card.set_index("kpi")
    lines = [tr("- **{kpi}:** {value} (vs previous period {previous}, vs last year {last_year})", lang,
                kpi=label(k, lang), value=kpi_value(rows.at[k, "actual"], rows.at[k, "format"], style),
                previous=_change(rows.loc[k], "previous", style), last_year=_change(rows.loc[k], "last_year", style))
             for k in headline if k in rows.index]
    parts = [text, "\n".join(lines)]
    if len(milestones):
        parts.append(progress_text(milestones, style))
    return "\n\n".join(p for p in parts if p)


# ---------------------------------------------------------------------------------- scorecard
def scorecard_table(card: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """The KPIs with a target as a reader sees them (text cells, labelled columns).

    Returns
    -------
    pandas.DataFrame
        ``KPI`` (↓: lower is better), ``target, actual, attainment, status, previous`` (value of the
        previous period), ``change_vs_previous, last_year, change_vs_last_year``.
    """
    rows = card[card["target"].notna()]
    return _table(rows, style, ["target", "actual", "attainment", "status", "previous", "change_vs_previous",
                                "last_year", "change_vs_last_year"])


#: The order of the KPIs without a target: those the source documents name first (churn, 回购率,
#: DAU, MAU, retention, conversion, NPS), the narrow day-N retention and the growth rates last.
_NO_TARGET_ORDER = ["gmv", "buyers", "new_buyers", "churn_rate", "return_purchase_rate", "repurchase_rate", "dau", "mau",
                    "dau_mau", "d7_retention_within", "d30_retention_within", "channel_conversion", "usage_d7_retention",
                    "purchase_conversion", "nps", "aov", "orders",
                    "returning_buyers", "new_signups", "buyer_growth_rate", "gmv_growth_rate"]


def no_target_table(card: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """The KPIs without a target (their status "no target"): actual and how it moved, and why a value
    is missing. Same columns as :func:`scorecard_table` without attainment, plus ``note``."""
    order = {k: i for i, k in enumerate(_NO_TARGET_ORDER)}
    rows = card[card["target"].isna()].sort_values("kpi", key=lambda k: k.map(order).fillna(len(order)), kind="stable")
    out = _table(rows, style, ["target", "actual", "previous", "change_vs_previous", "last_year",
                               "change_vs_last_year", "note"])
    return out


def no_target_sentence(card: pd.DataFrame, style: NumberStyle) -> str:
    """What the NPS row of the KPIs without a target rests on: the survey rounds sent in the period, and
    that its change is in points; empty when the scorecard has no NPS row or it has a target."""
    rows = card[(card["kpi"] == "nps") & card["target"].isna()]
    if rows.empty:
        return ""
    r, lang = rows.iloc[0], style.lang
    name = _period(facts(card, KpiScorecardFacts).period, style)
    if pd.isna(r["actual"]):
        return tr("No NPS survey round was sent in {period}, so this review has no NPS for it.", lang, period=name)
    return tr("**NPS** in {period} is {nps} from {n} scores of the survey rounds sent in the period (% promoters "
              "− % detractors; a change of it is in percentage points).", lang, period=name,
              nps=nps_text(r["actual"], style), n=style.count(r["base"]))


def _table(rows: pd.DataFrame, style: NumberStyle, columns: list[str]) -> pd.DataFrame:
    lang = style.lang
    cells = {
        "target": [kpi_value(t, f, style, False) if pd.notna(t) else tr(STATUS["no target"], lang)
                   for t, f in zip(rows["target"], rows["format"])],
        "actual": [kpi_value(x, f, style, False) for x, f in zip(rows["actual"], rows["format"])],
        "attainment": [_attainment(x, style) for x in rows["attainment"]],
        "status": [tr(STATUS[s], lang) for s in rows["status"]],
        "previous": [kpi_value(x, f, style, False) for x, f in zip(rows["previous"], rows["format"])],
        "last_year": [kpi_value(x, f, style, False) for x, f in zip(rows["last_year"], rows["format"])],
        "change_vs_previous": [_change(r, "previous", style) for _, r in rows.iterrows()],
        "change_vs_last_year": [_change(r, "last_year", style) for _, r in rows.iterrows()],
        "note": [_note(n, lang) for n in rows["note"]],
    }
    heads = {"kpi": N_("KPI"), "target": N_("Target"), "actual": N_("Actual"), "attainment": N_("Attainment"),
             "status": N_("Status"), "previous": N_("Previous period"), "change_vs_previous": N_("vs previous period"),
             "last_year": N_("Same period last year"), "change_vs_last_year": N_("vs last year"),
             "note": N_("Why no value")}
    out = pd.DataFrame({"kpi": [_name(r, lang) for _, r in rows.iterrows()], **{c: cells[c] for c in columns}})
    return out.rename(columns=lambda c: tr(heads[c], lang)).reset_index(drop=True)


#: Why a KPI has no value (the notes of :func:`~userops_lib.metrics.kpi_review.period_actuals`), by their start.
_NOTES = [("n/a: needs table ", N_("needs the {table} table")), ("no data for the period", N_("no data for the period")),
          ("needs the following", N_("needs the following period to be complete")),
          ("needs the complete", N_("needs the complete period")), ("day ", N_("needs the following period")),
          ("no NPS survey round", N_("no NPS survey round was sent in the period")),
          ("no ", N_("no customers to count in the period")), ("not computable", N_("not computable for this period"))]


def _note(note: str, lang: str) -> str:
    if not note:
        return ""
    for start, message in _NOTES:
        if note.startswith(start):
            return tr(message, lang, table=note[len(start):]) if "{table}" in message else tr(message, lang)
    return note


def scorecard_sentence(card: pd.DataFrame, style: NumberStyle) -> str:
    """The KPI furthest from its target, or that every computable target was reached."""
    lang = style.lang
    worst = card[card["status"].isin(["missed", "at risk"])].sort_values("attainment")
    if len(worst):
        w = worst.iloc[0]
        return tr("Furthest from its target: **{kpi}** at {attainment} of the target ({actual} against {target}).",
                  lang, kpi=label(w["kpi"], lang), attainment=style.percent(w["attainment"]),
                  actual=kpi_value(w["actual"], w["format"], style), target=kpi_value(w["target"], w["format"], style))
    if (card["status"] == "met").any():
        return tr("Every KPI with a target that could be computed reached it.", lang)
    return ""


#: How far a target may sit below the level its KPI already reached (last year, previous period) before the
#: review asks to confirm it: 10% of that level (or above it for a KPI where lower is better).
SUSPECT_MARGIN = 0.10


def suspect_targets(card: pd.DataFrame, margin: float = SUSPECT_MARGIN) -> pd.DataFrame:
    """The targets that ask for less than the KPI already delivered: more than ``margin`` (relative) below
    the higher of its actuals of the same period last year and of the previous period (above the lower of
    the two for a KPI where lower is better). Such a target is met without any effort, so it was likely
    set on an older definition of the KPI or by a typing slip.

    Returns
    -------
    pandas.DataFrame
        The scorecard's rows of those KPIs (all its columns), plus ``reached``: the level compared with.
    """
    rows = card[card["target"].notna()].copy()
    lower = rows["direction"] == "lower"
    levels = rows[["last_year", "previous"]]
    rows["reached"] = levels.min(axis=1).where(lower, levels.max(axis=1))
    suspect = np.where(lower, rows["target"] > rows["reached"] * (1 + margin),
                       rows["target"] < rows["reached"] * (1 - margin))
    return rows[suspect & rows["reached"].notna()]


def suspect_target_sentence(card: pd.DataFrame, style: NumberStyle, margin: float = SUSPECT_MARGIN) -> str:
    """Asks to confirm each target of :func:`suspect_targets`, with the levels the KPI already reached."""
    lang, items = style.lang, []
    for _, r in suspect_targets(card, margin).iterrows():
        fmt = r["format"]
        message = (N_("**{kpi}**: the target of {target} is above what it already was in the same period last year "
                      "({last_year}) and in the previous period ({previous})") if r["direction"] == "lower" else
                   N_("**{kpi}**: the target of {target} is below what it already reached in the same period last year "
                      "({last_year}) and in the previous period ({previous})"))
        items.append(tr(message, lang, kpi=label(r["kpi"], lang), target=kpi_value(r["target"], fmt, style),
                        last_year=kpi_value(r["last_year"], fmt, style), previous=kpi_value(r["previous"], fmt, style)))
    if not items:
        return ""
    return tr("Please confirm these targets before the review is forwarded: {items}.", lang,
              items=_sep(lang).join(items))


# ------------------------------------------------------------------------------------- drivers
def driver_caption(tree: pd.DataFrame, style: NumberStyle) -> str:
    a = facts(tree, DriverTreeFacts)
    return tr("Drivers of {kpi}, {base} → {period}", style.lang, kpi=label(a.kpi, style.lang),
              base=a.base_period, period=a.period)


def drivers_note(drivers: pd.DataFrame, style: NumberStyle) -> str:
    """Nothing to decompose, or which comparisons the data cannot make."""
    lang = style.lang
    stated = facts(drivers, ResultDriversFacts)
    missing = stated.not_decomposed
    text = "" if stated.trees else tr("No result KPI is at risk or missed: nothing to decompose.", lang)
    said = [tr("{kpi} against the same period last year", lang, kpi=label(k, lang)) if c == "last_year" else
            tr("{kpi} against the previous period", lang, kpi=label(k, lang)) for k, c in missing]
    if said:
        text = paragraph(style, text, tr("Not decomposed, the data does not reach back far enough: {items}.", lang,
                                         items=_join(said, lang)))
    return text


# ---------------------------------------------------------------------------------- trends
def trend_kpis(card: pd.DataFrame, group: str) -> list[str]:
    """The KPIs a group's trend chart shows: those with a target in the period, else
    :data:`DEFAULT_TREND_KPIS`, keeping those the scorecard has."""
    targeted = card[(card["group"] == group) & card["target"].notna()]["kpi"]
    wanted = list(targeted) if len(targeted) else DEFAULT_TREND_KPIS[group]
    return [k for k in wanted if k in set(card["kpi"])]


def trend_note(card: pd.DataFrame, wanted, drawn, style: NumberStyle) -> str:
    """Which KPIs of the chart have no value in any of its periods, and why."""
    left = card[card["kpi"].isin(set(wanted) - set(drawn))]
    if left.empty:
        return ""
    items = [label(r.kpi, style.lang) + (f"（{_note(r.note, style.lang)}）" if style.lang == "zh" and r.note
                                         else f" ({_note(r.note, style.lang)})" if r.note else "")
             for r in left.itertuples()]
    return tr("Not drawn (no value in any of these periods): {items}.", style.lang, items=_join(items, style.lang))


def moves_text(moves: pd.DataFrame, card: pd.DataFrame, style: NumberStyle, min_base: int = MIN_GROUP) -> str:
    """The largest improvement and deterioration of :func:`~userops_lib.metrics.kpi_review.notable_moves`
    against the previous period, and the moves held back (too few customers, not significant).

    The sentence names the KPIs it chose among (those of ``moves``: pass the ones the reader sees next
    to it, e.g. a chart's), so "the largest improvement" is never read against a KPI it did not weigh.
    """
    lang = style.lang
    kind = period_name("quarter" if "Q" in str(facts(card, KpiScorecardFacts).period) else "year", lang)
    if moves.empty:
        return tr("There is no previous {period} in the data to compare these KPIs with.", lang, period=kind)
    rows = card.set_index("kpi")
    ok = moves[moves["reason"] == ""]
    up, down = ok[ok["gain"] > 0], ok[ok["gain"] < 0]
    move = lambda k: _change(rows.loc[k], "previous", style)  # noqa: E731
    best = (tr("the largest improvement was **{kpi}** ({change})", lang, kpi=label(up.iloc[0].kpi, lang),
               change=move(up.iloc[0].kpi)) if len(up) else tr("no KPI improved clearly", lang))
    worst = (tr("the largest deterioration was **{kpi}** ({change})", lang, kpi=label(down.iloc[-1].kpi, lang),
                change=move(down.iloc[-1].kpi)) if len(down) else tr("none deteriorated clearly", lang))
    names = [label(k, lang) for k in moves["kpi"]]
    compared = "、".join(names) if lang == "zh" else _join(names, lang)
    text = tr("Against the previous {period}, among {kpis}: {best}, and {worst}.", lang, period=kind, kpis=compared,
              best=best, worst=worst)
    held = moves[~moves["reason"].isin(["", "unchanged"])]
    if len(held):
        items = [tr("{kpi} ({change}, {reason})", lang, kpi=label(r.kpi, lang), change=move(r.kpi),
                    reason=_reason(r, min_base, style)) for r in held.itertuples()]
        text = _then(text, tr("Not called out: {items}.", lang, items=_join(items, lang)), lang)
    return text


def _reason(move, min_base: int, style: NumberStyle) -> str:
    """Why :func:`notable_moves` holds a move back, in the reader's language."""
    if move.reason.startswith("fewer than"):
        return tr("fewer than {n} customers in one of the periods", style.lang, n=min_base)
    if move.reason.startswith("not significant"):
        return tr("not significant, p = {p}", style.lang, p=style.number(move.p_value_vs_previous))
    return tr("previous value 0", style.lang)


# ---------------------------------------------------------------------------------- progress
def milestone_table(milestones: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """Milestones with their status in words: ``name, due, done, status, days_late``."""
    lang = style.lang
    heads = {"name": N_("Milestone"), "due": N_("Due"), "done": N_("Done"), "status": N_("Status"),
             "days_late": N_("Days late")}
    return pd.DataFrame({
        "name": milestones["name"],
        "due": milestones["due"].astype(str),
        "done": [style.missing if d is None or pd.isna(d) else str(d) for d in milestones["done"]],
        "status": [tr(STATUS[s], lang) for s in milestones["status"]],
        "days_late": [style.missing if pd.isna(v) else f"{v:+.0f}" for v in milestones["days_late"]],
    }).rename(columns=lambda c: tr(heads[c], lang)).reset_index(drop=True)


#: the milestone statuses counted in the progress sentence, in the order a reader follows them
_PROGRESS = (("early", N_("{k} done early")), ("on time", N_("{k} on time")), ("overdue", N_("{k} done late")),
             ("open-overdue", N_("{k} still open past the due date")), ("open", N_("{k} open and not yet due")))


def progress_text(milestones: pd.DataFrame, style: NumberStyle) -> str:
    """The milestones counted by status (or that the period lists none)."""
    lang = style.lang
    if milestones.empty:
        return tr("The targets file lists no project milestones for this period.", lang)
    c = milestones["status"].value_counts()
    # every status present is counted, so the parts add up to the total; a status no milestone has is left
    # out (the review read "0 个按时完成，0 个延期完成" as noise)
    parts = [tr(message, lang, k=int(c[status])) for status, message in _PROGRESS if c.get(status, 0)]
    return tr("Milestones: {n} in all: {parts}.", lang, n=len(milestones),
              parts="、".join(parts) if lang == "zh" else _join(parts, lang))


def method_text(style: NumberStyle, min_base: int = MIN_GROUP, alpha: float = 0.05) -> str:
    """How the numbers are computed, with the thresholds the moves were judged by."""
    return tr("Every actual comes from the same library functions as the stage reports, so the numbers agree with "
              "the foundation report. A year is computed over the whole year, not averaged over quarters. A change "
              "is called out only when it rests on at least {n} customers in both periods and, for rates of "
              "customers, a two-proportion z-test finds it significant at {alpha}.", style.lang, n=min_base,
              alpha=style.percent(alpha, 0))


# ------------------------------------------------------------------------------ what to do next
_DRIVER_ADVICE = {
    "new_buyers": N_("new buyers ({change}, {amount}) took most off; put the acquisition budget on the channels "
                     "that convert best"),
    "returning_buyers": N_("returning buyers ({change}, {amount}) took most off; send a win-back campaign to earlier "
                           "buyers who have not come back"),
    "orders_per_buyer": N_("orders per buyer ({change}, {amount}) took most off; remind buyers when their repurchase "
                           "cycle comes round"),
    "aov": N_("AOV ({change}, {amount}) took most off; offer bundles and spend thresholds"),
}


def largest_drag(trees, kpi: str):
    """The driver that took most off ``kpi``: the most negative contribution (in the KPI's unit) of the
    parts of :data:`_DRIVER_ADVICE` over every driver tree of the KPI, against the previous period and
    against last year alike, so a large fall in percent that cost little never outranks a small one
    that cost much.

    Returns
    -------
    tuple or None
        ``(compare, row)``: the comparison of the tree the driver comes from ("previous" or
        "last_year") and its row (``node, change, contribution``); None when no part took anything off.
    """
    best = None
    for tree in trees or []:
        stated = facts(tree, DriverTreeFacts)
        if stated.kpi != kpi:
            continue
        parts = tree[tree["node"].isin(list(_DRIVER_ADVICE)) & (tree["contribution"] < 0)]
        if len(parts):
            row = parts.loc[parts["contribution"].idxmin()]
            if best is None or row["contribution"] < best[1]["contribution"]:
                best = (stated.compare, row)
    return best


def _result_step(r, drivers, style, min_drag_share: float = 0.1) -> str:
    lang = style.lang
    gap = r["target"] - r["actual"]
    text = tr("**Close the gap on {kpi}:** {actual} against a target of {target} ({attainment}), {gap} short", lang,
              kpi=label(r["kpi"], lang), actual=kpi_value(r["actual"], r["format"], style),
              target=kpi_value(r["target"], r["format"], style), attainment=style.percent(r["attainment"]),
              gap=kpi_value(gap, r["format"], style))
    drag = largest_drag(facts(drivers, ResultDriversFacts).trees if drivers is not None else [], r["kpi"])
    sep = _sep(lang)
    if drag is not None and -drag[1]["contribution"] >= min_drag_share * gap:
        compare, worst = drag
        basis = tr("vs last year", lang) if compare == "last_year" else tr("vs previous period", lang)
        text += sep + tr(_DRIVER_ADVICE[worst["node"]], lang,
                         change=_with_basis(style.change(worst["change"]), basis, lang),
                         amount=kpi_value(worst["contribution"], r["format"], style))
    elif drag is not None:
        text += sep + tr("no driver took off as much as {share} of the gap", lang,
                         share=style.percent(min_drag_share, 0))
    return text + ("。" if lang == "zh" else ".")


def _with_basis(change: str, basis: str, lang: str) -> str:
    """同比 -8.2% / -8.2% vs last year."""
    return f"{basis} {change}" if lang == "zh" else f"{change} {basis}"


#: What to do about a process KPI below its target (channel conversion names its weakest channel instead).
_PROCESS_ADVICE = {
    "repurchase_rate": N_("remind the period's one-time buyers when their repurchase cycle comes round"),
    "return_purchase_rate": N_("bring back last period's buyers with a reminder and a coupon for this period"),
    "aov": N_("offer bundles and spend thresholds"),
    "d7_retention_within": N_("send new buyers a second-purchase reminder within 7 days of their first order"),
    "d30_retention_within": N_("send new buyers a second-purchase reminder and coupon within 30 days of their first "
                               "order"),
    "churn_rate": N_("send a win-back campaign to last period's buyers who have not bought this period"),
    "dau_mau": N_("give customers a reason to come back more often: check-ins, new content and push messages"),
}


def flagged_kpis(card: pd.DataFrame) -> pd.DataFrame:
    """The KPIs with a target that are missed or at risk: result KPIs first, each group furthest from its
    target first. Every one of them gets an item in :func:`next_steps`."""
    rows = card[card["target"].notna() & card["status"].isin(["missed", "at risk"])]
    return rows.assign(_g=(rows["group"] != "result")).sort_values(["_g", "attainment"], kind="stable").drop(columns="_g")


def weakest_channel(channels: pd.DataFrame | None, min_users: int = MIN_GROUP):
    """The acquisition channel with the lowest conversion among those that brought ``min_users`` customers or
    more (:func:`~userops_lib.metrics.kpi_review.period_channels`), or None."""
    if channels is None or channels.empty:
        return None
    big = channels[(channels["acquired_users"] >= min_users) & (channels["channel"] != "unknown")]
    return big.loc[big["conversion_rate"].idxmin()] if len(big) >= 2 else None


def _short_by(r) -> int | None:
    """How many customers of the KPI's base the actual is short of the target by: (target − actual) × base,
    rounded up (shares of customers only; DAU/MAU is a ratio of averages, not a share of customers)."""
    if r["format"] != "percent" or pd.isna(r["base"]) or r["kpi"] == "dau_mau":
        return None
    gap = (r["actual"] - r["target"]) if r["direction"] == "lower" else (r["target"] - r["actual"])
    return math.ceil(round(gap * r["base"], 6)) if gap > 0 else None


def _process_step(r, style, channels=None, min_users: int = MIN_GROUP) -> str:
    lang = style.lang
    text = tr("**Lift {kpi}:** {actual} against a target of {target} ({attainment})", lang,
              kpi=label(r["kpi"], lang), actual=kpi_value(r["actual"], r["format"], style),
              target=kpi_value(r["target"], r["format"], style), attainment=style.percent(r["attainment"]))
    short = _short_by(r)
    if short:
        text += _sep(lang) + tr("{n} customers short of it", lang, n=style.count(short))
    weak = weakest_channel(channels, min_users) if r["kpi"] == "channel_conversion" else None
    if weak is not None:
        advice = tr("{channel} converts least ({rate}: {converted} of {acquired} sign-ups bought); fix its first-order "
                    "offer and landing page, or move its budget to the channels that convert better", lang,
                    channel=channel_name(weak["channel"], lang), rate=style.percent(weak["conversion_rate"]),
                    converted=style.count(weak["converted_users"]), acquired=style.count(weak["acquired_users"]))
    elif r["kpi"] in _PROCESS_ADVICE:
        advice = tr(_PROCESS_ADVICE[r["kpi"]], lang)
    else:
        advice = tr("it drives the results, so plan one campaign aimed at it next period", lang)
    return text + _sep(lang) + advice + ("。" if lang == "zh" else ".")


def _untargeted_step(moves, card, style, skip) -> str | None:
    untargeted = set(card.loc[card["target"].isna(), "kpi"]) - set(skip)
    ok = moves[(moves["reason"] == "") & (moves["gain"] < 0) & moves["kpi"].isin(untargeted)]
    if ok.empty:
        return None
    k = ok.iloc[-1]["kpi"]
    return tr("**Set a target for {kpi}:** it has none and moved {change} against the previous period, the largest "
              "clear deterioration of the KPIs without a target.", style.lang, kpi=label(k, style.lang),
              change=_change(card.set_index("kpi").loc[k], "previous", style))


def _milestone_step(milestones, style) -> str | None:
    late = milestones[milestones["status"] == "open-overdue"].sort_values("days_late")
    if late.empty:
        return None
    m = late.iloc[-1]
    return tr("**Finish {name}:** due {due}, still open {days} days later.", style.lang, name=m["name"],
              due=style.date(m["due"]), days=int(m["days_late"]))


def next_steps(card: pd.DataFrame, moves: pd.DataFrame, milestones: pd.DataFrame, style: NumberStyle, *,
               drivers: pd.DataFrame | None = None, channels: pd.DataFrame | None = None, max_steps: int = 6,
               min_drag_share: float = 0.1, min_users: int = MIN_GROUP,
               no_target_skip=("buyer_growth_rate", "gmv_growth_rate")) -> str:
    """The closing "What to do next" list, each item chosen by a rule from the review's results.

    Rules, in this order (at most ``max_steps`` items):

    1. Every KPI with a target that is missed or at risk (:func:`flagged_kpis`), result KPIs first.
       A result KPI gets its gap to the target and the driver that took most off it
       (:func:`largest_drag`: the largest negative contribution, against the previous period or last
       year, said with that comparison and its amount), named only when it took at least
       ``min_drag_share`` of the gap. A process KPI gets, for a share of customers, how many more
       customers would have reached the target, and what to do about it: for channel conversion the
       weakest channel of ``channels`` (:func:`weakest_channel`, ``min_users`` sign-ups or more).
    2. The KPI without a target with the largest clear deterioration (see ``notable_moves``),
       leaving out ``no_target_skip`` (growth rates restate the result KPIs' own change).
    3. The milestone longest open past its due date.

    Returns
    -------
    str
        A Markdown list, or one sentence saying nothing stands out.
    """
    flagged = flagged_kpis(card)
    steps = [_result_step(r, drivers, style, min_drag_share) if r["group"] == "result"
             else _process_step(r, style, channels, min_users) for _, r in flagged.iterrows()]
    steps += [_untargeted_step(moves, card, style, no_target_skip), _milestone_step(milestones, style)]
    steps = [s for s in steps if s][:max_steps]
    if not steps:
        return tr("Every target is met and no KPI deteriorated clearly: keep the plan and set next period's targets "
                  "from these actuals.", style.lang)
    return "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1))


# ------------------------------------------------------------------------------------ charts
_TREND_TITLES = {"result": N_("Result KPIs over the last {n} periods up to {last} (light bars: not complete)"),
                 "process": N_("Process KPIs over the last {n} periods up to {last} (light bars: not complete)")}


def trend_title(group: str, n: int, card: pd.DataFrame, style: NumberStyle) -> str:
    return tr(_TREND_TITLES[group], style.lang, n=n, last=facts(card, KpiScorecardFacts).period)


def goals(targets: dict) -> dict:
    """{(period, kpi): target} of a :func:`~userops_lib.metrics.kpi_review.load_targets` result (chart diamonds)."""
    return {(p, k): t["target"] for p, spec in targets.items() for g in ("result", "process")
            for k, t in spec.get(g, {}).items()}
