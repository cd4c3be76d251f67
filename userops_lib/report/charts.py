"""The charts of the reports, every title, axis, legend and category label in the report's language.

Each function draws one figure from one library result and shows it; a notebook section calls one.
Labels come from the gettext catalog (:mod:`.i18n`), numbers from
:class:`~.formatting.NumberStyle`; call :func:`~.display.setup_charts` first (fonts, style).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metrics.conversion import RepurchaseCycleFacts
from ..metrics.engagement import StickinessDistributionFacts
from ..results import facts
from .formatting import NumberStyle
from .i18n import N_, tr
from .labels import channel_name, label, step_name, tier_name, value_name, window_text

__all__ = ["PERIOD_NAMES", "PROFILE_DIMENSIONS", "PROFILE_VALUES", "profile_value_name", "active_days_chart", "active_users_chart", "bar_chart", "funnel_chart",
           "funnel_trend_chart", "kpi_trend_chart", "period_name", "period_names", "profile_chart", "rates_chart",
           "retention_heatmap", "sales_chart", "band_matrix_chart", "campaign_funnel_chart",
           "channel_funnel_chart", "repurchase_cycle_chart", "rfm_chart", "uplift_chart"]

#: The period kinds as a sentence or an axis names them.
PERIOD_NAMES = {"day": N_("day"), "week": N_("week"), "month": N_("month"), "quarter": N_("quarter"),
                "year": N_("year")}
_BLUE, _GREEN, _RED, _ORANGE = "#4C72B0", "#55A868", "#C44E52", "#DD8452"


def period_name(period: str, lang: str) -> str:
    """月 / month."""
    return tr(PERIOD_NAMES[period], lang)


def period_names(frame: pd.DataFrame, lang: str) -> pd.Series:
    """Period labels, "(incomplete)" on periods the as-of date falls inside."""
    return frame["period"].where(frame["complete"], frame["period"].map(
        lambda p: tr("{period} (incomplete)", lang, period=p)))


def _plt():
    import matplotlib.pyplot as plt

    return plt


def _formatter(fn):
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _: fn(x))


def _share_axis(axis) -> None:
    axis.set_major_formatter(_formatter(lambda x: f"{round(100 * x, 6):g}%"))  # 2.5% ticks read 2.5%


def _count_axis(axis, style: NumberStyle) -> None:
    axis.set_major_formatter(_formatter(lambda x: style.count(round(x), compact=True)))


def _period_axis(ax, frame: pd.DataFrame, lang: str, max_ticks: int = 18) -> None:
    """Period labels on the x axis (at most ``max_ticks``, always the last); incomplete periods greyed."""
    labels = list(period_names(frame, lang))
    step = max(1, -(-len(labels) // max_ticks))
    ticks = list(range(len(labels) - 1, -1, -step))[::-1]
    ax.set_xticks(ticks)
    ax.set_xticklabels([labels[i] for i in ticks], rotation=45, ha="right")
    for n, i in enumerate(np.flatnonzero(~frame["complete"].to_numpy())):
        ax.axvspan(i - 0.5, i + 0.5, color="grey", alpha=0.15, lw=0,
                   label=None if n else tr("incomplete period", lang))


def sales_chart(kpis: pd.DataFrame, period: str, style: NumberStyle) -> None:
    """GMV per period above new and returning buyers per period (incomplete periods hatched)."""
    plt, lang = _plt(), style.lang
    name = period_name(period, lang)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    x = range(len(kpis))
    ax1.bar(x, kpis["gmv"], color=_BLUE)
    ax1.set(title=tr("GMV per {period}", lang, period=name), ylabel=label("gmv", lang))
    ax1.yaxis.set_major_formatter(_formatter(style.money))
    ax2.bar(x, kpis["new_buyers"], label=label("new_buyers", lang), color=_GREEN)
    ax2.bar(x, kpis["returning_buyers"], bottom=kpis["new_buyers"], label=label("returning_buyers", lang), color=_RED)
    ax2.set(title=tr("Buyers per {period}: new and returning", lang, period=name), ylabel=label("buyers", lang),
            xlabel=name)
    _count_axis(ax2.yaxis, style)
    _period_axis(ax1, kpis, lang)
    _period_axis(ax2, kpis, lang)
    for bar in (b for c in ax1.containers + ax2.containers for i, b in enumerate(c) if not kpis["complete"].iloc[i]):
        bar.set(hatch="//", alpha=0.5)
    ax2.legend(loc="lower left", bbox_to_anchor=(0, 1.08), ncol=3, frameon=False, fontsize=9)  # above the bars
    fig.tight_layout()
    plt.show()


def rates_chart(kpis: pd.DataFrame, columns, period: str, lang: str) -> None:
    """Shares per period, one line per column of ``columns`` (labelled and titled by :func:`.labels.label`)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(10, 4))
    for column, marker in zip(columns, "os^D"):
        ax.plot(range(len(kpis)), kpis[column], marker=marker, label=label(column, lang))
    ax.axhline(0, color="grey", lw=0.8)
    _share_axis(ax.yaxis)
    ax.set(title=" · ".join(label(c, lang) for c in columns), xlabel=period_name(period, lang))
    _period_axis(ax, kpis, lang)
    ax.legend()
    plt.show()


def active_users_chart(dau: pd.DataFrame, wau: pd.DataFrame, mau: pd.DataFrame, style: NumberStyle) -> None:
    """DAU, WAU and MAU over time."""
    plt, lang = _plt(), style.lang
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.plot(dau["period_start"], dau["active_users"], lw=0.8, label="DAU")
    ax.plot(wau["period_start"], wau["active_users"], drawstyle="steps-post", label="WAU")
    ax.plot(mau["period_start"], mau["active_users"], drawstyle="steps-post", lw=2, label="MAU")
    _count_axis(ax.yaxis, style)
    ax.set(title=tr("Active users", lang), ylabel=tr("distinct customers", lang), xlabel=tr("date", lang))
    ax.legend()
    plt.show()


def bar_chart(frame: pd.DataFrame, category: str, share: str, title: str, lang: str) -> None:
    """One horizontal bar per row: ``share`` (a fraction) of each ``category``."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(frame) + 1.5))
    names = frame[category].map(lambda v: channel_name(v, lang)) if category == "channel" else frame[category]
    ax.barh(names.astype(str), frame[share], color=_BLUE)
    ax.invert_yaxis()
    _share_axis(ax.xaxis)
    ax.set(title=title, xlabel=label(share, lang), ylabel=label(category, lang))
    plt.show()


def retention_heatmap(ret: pd.DataFrame, average_label: str, period: str, lang: str, cohorts: int = 24) -> None:
    """Cohort retention grid (the last ``cohorts`` cohorts and the weighted average row)."""
    import seaborn as sns

    plt = _plt()
    shown = pd.concat([ret.drop(index=average_label).tail(cohorts), ret.loc[[average_label]]])
    grid = shown.drop(columns="cohort_size")
    fig, ax = plt.subplots(figsize=(11, 0.32 * len(grid) + 2))
    top = float(grid.drop(columns=grid.columns[0]).max().max()) if len(grid.columns) > 1 else 1.0
    sns.heatmap(grid, annot=True, fmt=".0%", cmap="Blues", mask=grid.isna(), cbar=False, ax=ax,
                annot_kws={"size": 8}, vmin=0, vmax=max(0.05, top))
    ax.grid(False)
    names = [tr("Average", lang) if c == average_label else c for c in shown.index]
    ax.set_yticklabels([f"{c} (n={n:,})" for c, n in zip(names, shown["cohort_size"])], rotation=0)
    name = period_name(period, lang)
    ax.set(title=tr("Share of each first-purchase cohort buying in the N-th {period} after", lang, period=name),
           xlabel=tr("{period}s after the first purchase", lang, period=name), ylabel=label("cohort", lang))
    plt.show()


#: Profile dimensions as the charts name them.
PROFILE_DIMENSIONS = {"age_band": N_("Age band"), "gender": N_("Gender"), "city": N_("City"),
                      "member_tier": N_("Membership tier"), "interest_tag": N_("Interest tags")}


#: Values the profile itself writes (the shop's own values are shown as they are).
PROFILE_VALUES = {"unknown": N_("unknown"), "other": N_("other"), "(no tags)": N_("(no tags)"),
                  "not a member": N_("not a member")}


def profile_value_name(dimension: str, value, lang: str) -> str:
    """A value of a profile dimension as a reader names it: a tier by :func:`~.labels.tier_name` (金卡, 非会员),
    the library's own values (unknown, other) in ``lang``, the other codes :func:`~.labels.value_name` knows
    (gender F → 女 / female, channels), the shop's values (cities, tags) as they are."""
    if dimension == "member_tier":
        return tier_name(value, lang)
    if value in PROFILE_VALUES:
        return tr(PROFILE_VALUES[value], lang)
    return str(value_name(dimension, value, lang))


def profile_chart(prof: pd.DataFrame, dimensions, lang: str) -> None:
    """Share of customers and of buyers per value, one panel per profile dimension."""
    plt = _plt()
    rows = (len(dimensions) + 1) // 2
    fig, axes = plt.subplots(rows, 2, figsize=(12, 3.6 * rows), squeeze=False)
    for ax, dim in zip(axes.flat, dimensions):
        part = prof[prof["dimension"] == dim]
        y = np.arange(len(part))
        ax.barh(y - 0.2, part["customer_share"], 0.4, label=label("customer_share", lang), color=_BLUE)
        ax.barh(y + 0.2, part["buyer_share"], 0.4, label=label("buyer_share", lang), color=_ORANGE)
        ax.set_yticks(y, [profile_value_name(dim, v, lang) for v in part["value"]])
        ax.invert_yaxis()
        _share_axis(ax.xaxis)
        ax.set(title=tr(PROFILE_DIMENSIONS.get(dim, dim), lang), xlabel=label("share", lang))
        ax.legend(fontsize=8)
    for ax in list(axes.flat)[len(dimensions):]:
        ax.axis("off")
    fig.tight_layout()
    plt.show()


def funnel_chart(fun: pd.DataFrame, window: str, style: NumberStyle) -> None:
    """Users at each funnel step, each bar labelled with its share of the previous step."""
    plt, lang = _plt(), style.lang
    fig, ax = plt.subplots(figsize=(10, 4.5))
    ax.bar(range(len(fun)), fun["users"], color=_BLUE)
    for i, (users, conv) in enumerate(zip(fun["users"], fun["conversion_from_previous"])):
        text = style.count(users) + ("" if i == 0 else "\n" + tr("{share} of previous", lang,
                                                                    share=style.percent(conv)))
        ax.annotate(text, (i, users), ha="center", va="bottom", fontsize=9, xytext=(0, 3), textcoords="offset points")
    ax.set_xticks(range(len(fun)), [step_name(s, lang) for s in fun["step"]])
    ax.set_ylim(0, fun["users"].max() * 1.25)
    _count_axis(ax.yaxis, style)
    ax.set(title=tr("Purchase funnel: users reaching each step within {window}", lang, window=window_text(window, lang)),
           xlabel=label("step", lang), ylabel=label("users", lang))
    plt.show()


def funnel_trend_chart(trend: pd.DataFrame, lang: str) -> None:
    """Conversion from the first step to each later step, per period (incomplete periods greyed)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(10, 4))
    periods = trend.drop_duplicates("period")[["period", "complete"]].reset_index(drop=True)
    position = dict(zip(periods["period"], range(len(periods))))
    for step, part in list(trend[trend["step_number"] > 1].groupby("step_number")):
        ax.plot(part["period"].map(position), part["conversion_from_start"], marker="o", label=step_name(part["step"].iloc[0], lang))
    _share_axis(ax.yaxis)
    ax.set(title=tr("Funnel conversion from the first step, per period of entry", lang),
           ylabel=label("conversion_from_start", lang))
    _period_axis(ax, periods, lang)
    ax.legend(fontsize=8)
    plt.show()


def active_days_chart(sd: pd.DataFrame, days: int, style: NumberStyle) -> None:
    """Customers active on exactly N days of the window (bars) and on N days or more (line)."""
    plt, lang = _plt(), style.lang
    a = facts(sd, StickinessDistributionFacts)
    if not a.active_customers:
        return  # nobody active in the window: the sentence says so, an empty chart would not
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.bar(sd["active_days"], sd["customers"], color=_BLUE, label=tr("customers active on exactly N days", lang))
    ax2 = ax.twinx()
    ax2.plot(sd["active_days"], sd["share_at_least"], color=_ORANGE, marker=".",
             label=tr("share active on N days or more", lang))
    ax2.set_ylim(0, 1.05)
    _share_axis(ax2.yaxis)
    ax2.grid(False)
    _count_axis(ax.yaxis, style)
    ax.set(title=tr("Active days per customer, {start} to {end}", lang, start=a.window_start, end=a.window_end),
           xlabel=tr("active days in the window", lang), ylabel=label("customers", lang))
    ax2.set_ylabel(tr("share of active customers", lang))
    busiest = int(sd["active_days"][sd["customers"] > 0].max())
    ax.set_xlim(0.4, max(busiest, min(7, days)) + 0.6)  # the empty right tail says nothing
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax2.legend(handles, [h.get_label() for h in handles], loc="upper right")
    plt.show()


def kpi_trend_chart(trend: pd.DataFrame, kpis, formats: dict, goals: dict, title: str, style: NumberStyle) -> list:
    """One bar panel per KPI of ``kpis`` over the periods of a long ``kpi_trend`` result (light bars:
    periods not complete; no bar and "no data" where a value is missing), diamonds at the targets.

    ``formats`` maps a KPI to money/percent/count, ``goals`` (period, kpi) to its target. Returns the
    KPIs drawn (those with a value in at least one period).
    """
    plt, lang = _plt(), style.lang
    drawn = [k for k in kpis if trend.loc[trend["kpi"] == k, "actual"].notna().any()]
    if not drawn:
        return drawn
    ncols = min(3, len(drawn))
    fig, axes = plt.subplots(-(-len(drawn) // ncols), ncols, figsize=(4.2 * ncols, 3.2 * -(-len(drawn) // ncols)),
                             squeeze=False)
    for ax, kpi in zip(axes.flat, drawn):
        t = trend[trend["kpi"] == kpi].reset_index(drop=True)
        x = np.arange(len(t))
        ax.bar(x, t["actual"], color=[_BLUE if c else "#a6bddb" for c in t["complete"]])
        for i in x[t["actual"].isna().to_numpy()]:
            ax.text(i, 0.5, tr("no data", lang), rotation=90, ha="center", va="center", fontsize=8, color="grey",
                    transform=ax.get_xaxis_transform())
        marks = [goals.get((p, kpi), np.nan) for p in t["period"]]
        if any(pd.notna(m) for m in marks):
            ax.plot(x, marks, "D", color=_RED, label=tr("target", lang))
            ax.legend(loc="lower left", fontsize=8)
        ax.set_title(label(kpi, lang), fontsize=11)
        ax.set_xticks(x, t["period"], rotation=45, fontsize=8)
        ax.set_xlim(-0.6, len(t) - 0.4)  # keep periods without a value on the axis
        if formats.get(kpi) == "percent":
            _share_axis(ax.yaxis)
        elif formats.get(kpi) == "money":
            ax.yaxis.set_major_formatter(_formatter(style.money))
        else:
            _count_axis(ax.yaxis, style)
    for ax in list(axes.flat)[len(drawn):]:
        ax.set_visible(False)
    fig.suptitle(title, y=1.0)
    fig.tight_layout()
    plt.show()
    return drawn


# ---------------------------------------------------------------------- strategy report (02)
def repurchase_cycle_chart(cycle: pd.DataFrame, style: NumberStyle, min_days: int = 60) -> None:
    """Second purchases per day after the first (bars) and their cumulative share (line), with the
    50% and 80% days marked; the x axis ends at 1.5 × the 80% day (at least ``min_days``)."""
    plt, lang, a = _plt(), style.lang, facts(cycle, RepurchaseCycleFacts)
    if not a.basis_repeat:
        return
    horizon = int(min(a.max_days, max(min_days, 1.5 * a.p80_day)))
    shown = cycle[cycle["days"] <= horizon]
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.bar(shown["days"], shown["buyers"], width=1.0, color=_BLUE, label=tr("second purchases on that day", lang))
    ax2 = ax.twinx()
    ax2.plot(shown["days"], shown["cumulative_share"], color=_ORANGE, label=tr("cumulative share", lang))
    ax2.set_ylim(0, 1)
    _share_axis(ax2.yaxis)
    ax2.grid(False)
    for day, share, line in ((a.p50_day, "50%", "--"), (a.p80_day, "80%", ":")):
        ax.axvline(day, color="black", linestyle=line)
        ax.annotate(tr("{share} by day {day}", lang, share=share, day=day), (day, ax.get_ylim()[1] * 0.92),
                    xytext=(4, 0), textcoords="offset points", fontsize=9)
    _count_axis(ax.yaxis, style)
    ax.set(title=tr("Repurchase cycle: days to the second purchase", lang),
           xlabel=tr("days from first to second purchase day", lang), ylabel=label("buyers", lang))
    ax2.set_ylabel(tr("cumulative share of second purchases", lang))
    plt.show()


def band_matrix_chart(matrix: pd.DataFrame, lang: str, rows: int = 12, names: dict | None = None) -> None:
    """Repeat customers (2+ purchase days) per top category (rows) and AOV band (columns), the first ``rows`` categories;
    ``names``: the bands as the report's table says them (``narrative.strategy.band_names``: ¥180 以下 for < 180)."""
    import seaborn as sns

    plt = _plt()
    m = matrix.head(rows).rename(columns=names or {})
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(m) + 1.5))
    sns.heatmap(m, annot=True, fmt=",d", cmap="Blues", cbar=False, ax=ax)
    ax.set(title=tr("Repeat customers by top category and AOV band", lang), xlabel=tr("AOV band", lang),
           ylabel=tr("top category", lang))
    plt.show()


def rfm_chart(profile: pd.DataFrame, names: pd.Series, lang: str) -> None:
    """Share of customers against share of revenue per RFM segment (``names``: the segments as the
    report's language writes them)."""
    plt = _plt()
    y = np.arange(len(profile))
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(profile) + 1.5))
    ax.barh(y - 0.2, profile["customer_share"], 0.4, label=label("customer_share", lang), color=_BLUE)
    ax.barh(y + 0.2, profile["revenue_share"], 0.4, label=tr("Share of revenue", lang), color=_ORANGE)
    ax.set_yticks(y, list(names))
    ax.invert_yaxis()
    _share_axis(ax.xaxis)
    ax.set(title=tr("RFM segments: share of customers vs share of revenue", lang))
    ax.legend()
    plt.show()


def uplift_chart(campaigns: pd.DataFrame, lang: str) -> None:
    """Conversion uplift of each randomised campaign with its 95% interval (campaigns without one left out)."""
    plt = _plt()
    shown = campaigns.dropna(subset=["conversion_uplift", "conversion_uplift_low", "conversion_uplift_high"])
    if shown.empty:
        return
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(shown) + 1.5))
    y = np.arange(len(shown))
    low = shown["conversion_uplift"] - shown["conversion_uplift_low"]
    high = shown["conversion_uplift_high"] - shown["conversion_uplift"]
    ax.errorbar(shown["conversion_uplift"], y, xerr=[low, high], capsize=4, fmt="o", color=_BLUE)
    ax.axvline(0, color="grey", linewidth=1)
    ax.set_yticks(y, list(shown["name"]))
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(_formatter(lambda x: f"{100 * x:+.1f}%"))
    ax.set(title=tr("Conversion uplift, randomised campaigns (95% interval)", lang),
           xlabel=tr("treatment − control conversion", lang))
    plt.show()


def channel_funnel_chart(by_channel: pd.DataFrame, lang: str) -> None:
    """Share of each channel's entrants reaching each funnel step, one line per channel."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(10, 4))
    steps = by_channel.drop_duplicates("step_number").sort_values("step_number")
    for channel, part in by_channel.groupby("channel", sort=True):
        part = part.sort_values("step_number")
        ax.plot(part["step_number"], part["conversion_from_start"], marker="o", label=str(channel_name(channel, lang)))
    ax.set_xticks(steps["step_number"], [step_name(s, lang) for s in steps["step"]])
    _share_axis(ax.yaxis)
    ax.set(title=tr("Share of users reaching each step, by acquisition channel", lang), xlabel=label("step", lang),
           ylabel=label("conversion_from_start", lang))
    ax.legend(fontsize=8)
    plt.show()


def campaign_funnel_chart(table: pd.DataFrame, step: str, lang: str) -> None:
    """Share of each campaign group's assigned users reaching the last funnel step."""
    plt = _plt()
    wide = table.pivot_table(index="name", columns="group", values="share_of_assigned", sort=False)
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(wide) + 1.5))
    y = np.arange(len(wide))
    for i, (group, colour) in enumerate(zip(wide.columns, [_BLUE, _ORANGE, _GREEN, _RED])):
        ax.barh(y + (i - (len(wide.columns) - 1) / 2) * 0.35, wide[group], 0.35, color=colour,
                label=tr(_GROUP_NAMES.get(group, group), lang))
    ax.set_yticks(y, list(wide.index))
    ax.invert_yaxis()
    _share_axis(ax.xaxis)
    ax.set(title=tr("Share of assigned users reaching {step}", lang, step=step_name(step, lang)),
           xlabel=tr("share of assigned users", lang))
    ax.legend()
    plt.show()


#: Campaign groups as a chart's legend names them.
_GROUP_NAMES = {"treatment": N_("treatment"), "control": N_("control")}
