"""The charts of the Loyalty report (04), every title, axis, legend and category label in the report's language.

Each function draws one figure from one library result and shows it; the model diagnostics reuse
:mod:`userops_lib.clv.plotting` and relabel its axes. Call :func:`~.display.setup_charts` first.
"""

from __future__ import annotations

import pandas as pd

from ..metrics.engagement import ActivityIndexFacts
from ..results import facts
from .charts import _BLUE, _RED, _count_axis, _formatter, _plt, _share_axis
from .formatting import NumberStyle
from .i18n import N_, tr
from .narrative.loyalty import LIFECYCLE, _step, experience_label, judged, nps_table

__all__ = ["activity_chart", "alive_chart", "clv_chart", "cohort_chart", "complaints_chart", "cumulative_chart",
           "experience_chart", "holdout_chart", "lifecycle_chart", "nps_chart", "pyramid_chart",
           "repurchase_experience_chart"]

_LAYERS = {"kol": N_("KOL"), "expert": N_("experts"), "contributor": N_("contributors"), "active": N_("active"),
           "ordinary": N_("ordinary")}


def _relabel(fig, lang: str, title: str, xlabel: str, ylabel: str, legend=None) -> None:
    ax = fig.axes[0]
    ax.set(title=tr(title, lang), xlabel=tr(xlabel, lang), ylabel=tr(ylabel, lang))
    if legend:
        for text, message in zip(ax.get_legend().get_texts(), legend):
            text.set_text(tr(message, lang))
    _plt().show()


def holdout_chart(by_frequency: pd.DataFrame, model_label: str, style: NumberStyle) -> None:
    """Predicted vs actual holdout purchases per customer by calibration repeat purchases."""
    from ..clv.plotting import plot_calibration_vs_holdout

    fig = plot_calibration_vs_holdout(by_frequency, model_label)
    # titled by what it shows, not by the model's name (named in the technical notes: review #20)
    _relabel(fig, style.lang, N_("Forecast against actual: purchases per customer in the holdout"),
             N_("repeat purchases in the calibration period"), N_("purchases per customer in the holdout"),
             [N_("actual"), N_("forecast")])


def cumulative_chart(cumulative: pd.DataFrame, model_label: str, style: NumberStyle) -> None:
    from ..clv.plotting import plot_cumulative_repeat_purchases

    fig = plot_cumulative_repeat_purchases(cumulative, model_label)
    legend = [N_("actual"), N_("forecast")] + ([N_("end of calibration")]
                                               if len(fig.axes[0].get_legend().get_texts()) > 2 else [])
    _relabel(fig, style.lang, N_("Repeat purchases to date: forecast against actual"), N_("date"),
             N_("repeat purchases (cumulative)"), legend)


#: The model's recency axis (lifetimes' "age at last purchase": time from the first to the last purchase) by time unit.
_RECENCY_AXIS = {"W": N_("weeks from first to last purchase"), "D": N_("days from first to last purchase"),
                 "M": N_("months from first to last purchase")}


def alive_chart(model, summary: pd.DataFrame, style: NumberStyle) -> None:
    """Probability alive by repeat purchases and recency."""
    from ..clv.plotting import plot_probability_alive_matrix

    fig = plot_probability_alive_matrix(model, summary)
    fig.axes[1].set_ylabel(tr("probability still active", style.lang))
    _relabel(fig, style.lang, N_("Probability the customer is still active"),
             tr(_RECENCY_AXIS.get(model.time_unit, N_("time from first to last purchase ({unit})")), style.lang,
                unit=model.time_unit),
             N_("repeat purchases (frequency)"))


def clv_chart(values: pd.DataFrame, months: int, style: NumberStyle) -> None:
    plt = _plt()
    fig, ax = plt.subplots()
    ax.hist(values["clv"].clip(upper=values["clv"].quantile(0.99)), bins=50, color=_BLUE)
    ax.xaxis.set_major_formatter(_formatter(style.money))
    ax.set(title=tr("CLV distribution", style.lang), ylabel=tr("customers", style.lang),
           xlabel=tr("predicted value over {months} months (top 1% capped)", style.lang, months=months))
    plt.show()


def cohort_chart(by_cohort: pd.DataFrame, style: NumberStyle) -> None:
    plt = _plt()
    fig, ax = plt.subplots()
    ax.bar(pd.to_datetime(by_cohort["cohort"]), by_cohort["mean_clv"], width=20, color=_BLUE)
    ax.yaxis.set_major_formatter(_formatter(style.money))
    ax.set(title=tr("Mean CLV by first-purchase cohort", style.lang), xlabel=tr("first-purchase month", style.lang),
           ylabel=tr("mean CLV per customer", style.lang))
    plt.show()


def lifecycle_chart(stages: pd.DataFrame, style: NumberStyle) -> None:
    """Gained stages above zero, lost ones below, per month."""
    plt, lang = _plt(), style.lang
    names = {k: tr(LIFECYCLE[k], lang) for k in ("new", "returning", "resurrected", "dormant", "churned")}
    chart = stages.set_index(stages["period"].dt.strftime("%Y-%m")).rename(columns=names)
    up, down = [names[k] for k in ("new", "returning", "resurrected")], [names[k] for k in ("dormant", "churned")]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    chart[up].plot.bar(stacked=True, ax=ax, width=0.8)
    (-chart[down]).plot.bar(stacked=True, ax=ax, width=0.8, color=["#bbbbbb", "#777777"])
    ax.set_ylim(-1.05 * chart[down].sum(axis=1).max(), 1.05 * chart[up].sum(axis=1).max())
    ax.set(title=tr("Lifecycle stages by month", lang), xlabel=tr("month", lang),
           ylabel=tr("customers (lost ones below zero)", lang))
    plt.show()


def experience_chart(steps: pd.DataFrame, style: NumberStyle) -> None:
    """Median, 80th and 95th percentile hours of each fulfilment step, with its promise."""
    plt, lang = _plt(), style.lang
    shown = steps[steps["reached"] > 0]
    fig, axes = plt.subplots(len(shown), 1, figsize=(9, 1.3 * len(shown) + 0.8), squeeze=False)
    for ax, (_, row) in zip(axes[:, 0], shown.iterrows()):
        ax.barh(["p95", "p80", tr("median", lang)], [row["p95_hours"], row["p80_hours"], row["median_hours"]],
                color=["#c6dbef", "#6baed6", _BLUE])
        if pd.notna(row["promise_hours"]):
            ax.axvline(row["promise_hours"], color=_RED, linestyle="--",
                       label=tr("promise {hours} h", lang, hours=f"{row['promise_hours']:g}"))
            ax.legend(loc="lower right", fontsize=8)
        ax.set_title(tr("{step} ({n} orders)", lang, step=_step(row["step"], lang), n=style.count(row["reached"])),
                     fontsize=10, loc="left")
    axes[-1, 0].set_xlabel(tr("hours", lang))
    fig.suptitle(tr("How long each fulfilment step takes", lang))
    fig.tight_layout()
    plt.show()


def repurchase_experience_chart(table: pd.DataFrame, days: int, style: NumberStyle) -> None:
    plt, lang, table = _plt(), style.lang, judged(table)
    fig, ax = plt.subplots(figsize=(9, 3.5))
    ax.barh([experience_label(g, lang) for g in table["group"]], table["repurchase_rate"], color=_BLUE)
    for y, (rate, n) in enumerate(zip(table["repurchase_rate"], table["customers"])):
        ax.text(rate, y, " " + tr("{share} of {n}", lang, share=style.percent(rate, 0), n=style.count(n)),
                va="center", fontsize=8)
    ax.invert_yaxis()
    _share_axis(ax.xaxis)
    ax.set_xlim(0, 1.2 * max(table["repurchase_rate"].max(), 0.01))
    ax.set(title=tr("Repurchase within {days} days by the experience of the first order", lang, days=days))
    plt.show()


def activity_chart(index: pd.DataFrame, style: NumberStyle) -> None:
    plt, lang = _plt(), style.lang
    fig, ax = plt.subplots()
    ax.hist(index.loc[index["activity_index"] > 0, "activity_index"], bins=40, color=_BLUE)
    a = facts(index, ActivityIndexFacts)
    ax.set(title=tr("Activity index of active customers, {start} to {end}", lang, start=a.window_start,
                    end=a.window_end),
           xlabel=tr("activity index (0 to 100, 100 = most active)", lang), ylabel=tr("customers", lang))
    plt.show()


def pyramid_chart(layers: pd.DataFrame, style: NumberStyle) -> None:
    plt, lang = _plt(), style.lang
    done = layers[layers["complete"]]
    order = ["ordinary", "active", "contributor", "expert", "kol"]
    chart = done.set_index("period")[order].rename(columns=lambda c: tr(_LAYERS[c], lang))
    fig, ax = plt.subplots(figsize=(10, 4.5))
    chart.plot.bar(stacked=True, ax=ax, width=0.8, color=["#c6dbef", "#9ecae1", "#4292c6", "#08519c", "#d62728"])
    _count_axis(ax.yaxis, style)
    ax.set(title=tr("Core-user pyramid", lang), xlabel="", ylabel=tr("customers seen in the period", lang))
    ax.legend(title=tr("layer", lang), reverse=True, fontsize=8)
    plt.show()


def nps_chart(table: pd.DataFrame, style: NumberStyle) -> None:
    plt, lang = _plt(), style.lang
    named = nps_table(table, lang)
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(table) + 1.2))
    y = range(len(table))  # positions, not names: two segments may read alike
    ax.barh(y, table["nps"], color=[_RED if v < 0 else _BLUE for v in table["nps"]])
    ax.set_yticks(y, named["by"] + ": " + named["segment"].astype(str))
    for y, (v, n) in enumerate(zip(table["nps"], table["scored"])):
        ax.text(max(v, 0), y, f" {v:+.1f} (n={n:,})", va="center", fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlim(min(table["nps"].min(), 0) - 5, max(table["nps"].max(), 0) + 25)
    ax.invert_yaxis()
    ax.set(title=tr("NPS by segment", lang), xlabel=tr("NPS (% promoters − % detractors)", lang))
    plt.show()


def complaints_chart(complaints: pd.DataFrame, style: NumberStyle) -> None:
    plt, lang = _plt(), style.lang
    done = complaints[complaints["complete"]]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
    ax1.plot(done["period_start"], done["complaints_per_1000_orders"], marker="o", color=_RED)
    ax1.set(title=tr("Complaints per 1,000 orders", lang))
    ax2.plot(done["period_start"], done["median_resolution_hours"], marker="o", label=tr("median", lang))
    ax2.plot(done["period_start"], done["p80_resolution_hours"], marker="o", linestyle="--", label="p80")
    ax2.set(title=tr("Hours to resolve a complaint", lang))
    ax2.legend(fontsize=8)
    for ax in (ax1, ax2):
        ax.tick_params(axis="x", rotation=45, labelsize=8)
    fig.tight_layout()
    plt.show()
