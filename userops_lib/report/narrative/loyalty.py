"""The sentences and tables of the Loyalty report (04) and the rules that choose them.

Every function takes library results (the CLV model comparison and value table, lifecycle stages,
next-purchase timing, experience, pyramid and voice-of-the-customer tables) and a
:class:`~userops_lib.report.formatting.NumberStyle` and returns Markdown or a table of text;
thresholds are named parameters. English is the catalog's source text, the Chinese comes from the
gettext catalog (:mod:`userops_lib.report.i18n`).
"""

from __future__ import annotations

import pandas as pd

from ...clv.timing import NextPurchaseTableFacts
from ...clv.validation import TIE_TOLERANCE
from ...clv.value import AtRiskHighValueFacts
from ...metrics.engagement import ActivityIndexFacts
from ...metrics.voice import ComplaintBacklogFacts, TopAnswersFacts
from ...results import facts
from ...thresholds import MIN_GROUP
from ..formatting import NumberStyle
from ..i18n import N_, tr
from .outline import Outline
from ..labels import channel_name, label, tier_name, window_text
from .foundation import _join, _then, paragraph, period_text

__all__ = ["csat_table", "judged", "steps_table", "activity_table", "stage_name", "transition_table", "LIFECYCLE", "NPS_SEGMENTS", "SECTIONS", "at_risk_sentence", "caption", "channel_sentence",
           "channel_table", "cohort_sentence", "complaints_sentence", "csat_sentence", "deciles_sentence", "old_complaints",
           "experience_sentence", "fit_sentence", "heading", "lifecycle_sentence", "model_choice", "model_sentence",
           "model_table", "next_purchase_sentence", "reliability_sentence", "next_steps", "nps_sentence", "nps_text", "paragraph",
           "pyramid_sentence", "repurchase_experience_sentence", "section", "summary", "title", "transitions_sentence",
           "trust"]

#: Lifecycle stages and NPS segments as a reader sees them.
LIFECYCLE = {"new": N_("new"), "returning": N_("continuing"), "resurrected": N_("resurrected"),
             "dormant": N_("lapsing"), "churned": N_("churned"), "active": N_("active"),
             "at risk high value": N_("at-risk high value"), "unknown": N_("no order yet"),
             "not yet a customer": N_("not yet a customer")}
NPS_SEGMENTS = {"all": N_("all answers"), "no_order_yet": N_("no order before the survey month")}
_BY = {"all": N_("All rounds"), "stage": N_("Stage before the survey"), "tier": N_("Tier when sent"),
       "tier_today": N_("Tier today")}

SECTIONS = {
    "summary": (N_("Summary"), ""),
    "models": (N_("How reliable the forecast is"),
               N_("The forecast is checked on the past: made from the purchases before a cut-off date, it is "
                  "compared with what customers actually bought in the months after it.")),
    "value": (N_("CLV distribution and deciles"),
              N_("Predicted value of each customer over the next {months} months (probability alive × expected "
                 "purchases × expected spend, discounted).")),
    "channels": (N_("CLV by channel"),
                 N_("CAC = channel cost / customers of the channel who bought (the same definition as the "
                    "foundation report); CLV / CAC compares the value a channel's customers bring with what "
                    "they cost.")),
    # the quick ratio as metrics.lifecycle computes it (PostHog): churned customers are not in it
    "lifecycle": (N_("Lifecycle stages"),
                  N_("New, continuing (also bought the month before) and resurrected customers bought in the "
                     "month; newly lapsing bought last month but not this one; churned customers have not bought for "
                     "{churn_after} months or more. Quick ratio = (new + resurrected) / newly lapsing: above 1 the "
                     "active base grows.")),
    "at_risk": (N_("High-value customers who have probably lapsed"),
                N_("High value if still active: the top 20% by CLV ÷ probability alive; probably lapsed: "
                   "probability alive below 50%; value at risk = value if still active × (1 − probability "
                   "alive).")),
    "next_purchase": (N_("When each customer will buy next"),
                      N_("From the fitted purchase model: the date by which a customer who is still active has an "
                         "even chance of having bought again, and the chance of buying in the next {days} days "
                         "(probability alive × chance of buying if active).")),
    "experience": (N_("The experience side of loyalty"),
                   N_("How fast orders are paid, shipped and delivered, how first orders that went wrong relate "
                      "to coming back, how active customers are, what they say in surveys and how often they "
                      "complain. Each part needs its own data and is skipped, naming it, when the data lacks it.")),
    "fulfilment": (N_("Shopping-experience map"), ""),
    "activity": (N_("Activity index"), ""),
    "pyramid": (N_("Core-user pyramid"), ""),
    "nps": (N_("NPS and satisfaction"),
            N_("NPS = % promoters (9-10) − % detractors (0-6), in points. Each answer counts with the customer's "
               "lifecycle stage in the last complete month before its round was sent.")),
    "complaints": (N_("Complaints and resolution time"), ""),
    "next": (N_("What to do next"), ""),
    # the model comparison, choice and parameters: for the analyst who runs the report, after the body (review #20)
    "technical": (N_("Technical notes"),
                  N_("Each purchase model is fitted on the purchases up to the calibration end and asked to predict "
                     "the holdout period. Holdout MAE is the mean over customers of |predicted − actual| holdout "
                     "purchases; holdout error is the gap between predicted and actual total purchases. When the "
                     "model is chosen automatically (`clv_model` = `best`), the one with the smallest holdout MAE is "
                     "used; models within {tie} of it are tied and the tie goes to the lowest AIC.")),
}

CAPTIONS = {
    "models": N_("Purchase models: fit on the calibration period, accuracy on the holdout"),
    "parameters": N_("{model} parameters on all purchases up to {as_of}"),
    "deciles": N_("CLV deciles (1 = most valuable tenth)"),
    "channels": N_("CLV by acquisition channel"),
    "transitions": N_("Stage transitions {before} → {after} (share of the row's customers)"),
    "at_risk": N_("High value if still active, probably lapsed: the 30 with the most value at risk"),
    "reminders": N_("Remind now: expected to buy again by {until} ({shown} soonest of {total}; the full list is the "
                    "pack)"),
    "reminders_all": N_("Remind now: the {total} customers expected to buy again by {until} (also in the pack)"),
    "fulfilment": N_("Fulfilment steps: time from one step to the next"),
    "repurchase_experience": N_("Repurchase within {days} days by the experience of the first order"),
    "activity": N_("Activity index by lifecycle stage"),
    "pyramid_value": N_("Purchase value by layer in {period}"),
    "nps": N_("NPS by segment"),
    "csat": N_("CSAT (scores of {min} or more on 1-5 count as satisfied)"),
    "reasons": N_("Most frequent reasons given with the NPS score"),
    "complaints": N_("Complaints, last six months"),
    "backlog": N_("Open complaints on {as_of} by days open"),
}


#: the report's title, section headings and captions (see :class:`.outline.Outline`)
OUTLINE = Outline('04', 'loyalty', SECTIONS, CAPTIONS)
title = OUTLINE.title
heading = OUTLINE.heading
caption = OUTLINE.caption






def section(name: str, style: NumberStyle, **values) -> str:
    """A section's heading and the paragraph defining its numbers (``tie`` of the technical notes: the
    library's tie tolerance)."""
    if name == "technical":
        values.setdefault("tie", style.percent(TIE_TOLERANCE, 0))
    return OUTLINE.section(name, style, **values)




def nps_text(points, style: NumberStyle) -> str:
    """An NPS in points, one precision everywhere (summary and section alike): +1.5, -27.8."""
    if pd.isna(points):
        return style.missing
    return "0.0" if round(points, 1) == 0 else f"{points:+.1f}"  # no sign on zero: "+0.0" reads as a rise


# ----------------------------------------------------------------------------------- models
def model_choice(comparison: pd.DataFrame, chosen: str, model_param: str, tie: float) -> str:
    """Why ``chosen`` is used: ``parameter``, ``tied`` (within ``tie`` of the best MAE, lowest AIC) or ``mae``."""
    if model_param != "best":
        return "parameter"
    mae = comparison.set_index("model")["holdout_mae"].dropna()
    return "tied" if ((mae - mae.min()) <= tie * mae.min()).sum() > 1 else "mae"


_WHY = {"parameter": N_("chosen by the model parameter"),
        "tied": N_("practically tied with another model on holdout MAE and chosen for its lower AIC"),
        "mae": N_("chosen for the smallest holdout error per customer")}


def trust(error: float, good: float = 0.10, fair: float = 0.25) -> str:
    """How far the model can be trusted, by its absolute error on total holdout purchases."""
    if abs(error) <= good:
        return "good"
    return "fair" if abs(error) <= fair else "poor"


_TRUST = {"good": N_("it can be trusted for totals and for ranking customers"),
          "fair": N_("it ranks customers well enough but its totals need a margin of error"),
          "poor": N_("it should not be trusted for forecasts on this data; use it for ranking only with care")}


def model_table(comparison: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """The model comparison with labelled columns (converged ✓/—), without the long estimates column."""
    heads = {"label": N_("Model"), "converged": N_("Fitted"), "n_params": N_("Free parameters"), "aic": N_("AIC"),
             "bic": N_("BIC"), "holdout_actual": N_("Holdout purchases"), "holdout_predicted": N_("Predicted"),
             "holdout_error_pct": N_("Holdout error (total)"), "holdout_mae": N_("Holdout MAE")}
    t = comparison
    out = pd.DataFrame({
        "label": t["label"], "converged": t["converged"].astype(bool).map(lambda v: "✓" if v else "—"),
        "n_params": t["n_params"].map(style.count), "aic": t["aic"].map(lambda v: style.number(v, 1)),
        "bic": t["bic"].map(lambda v: style.number(v, 1)), "holdout_actual": t["holdout_actual"].map(style.count),
        "holdout_predicted": t["holdout_predicted"].map(lambda v: style.number(v, 1)),
        "holdout_error_pct": t["holdout_error_pct"].map(style.change),
        "holdout_mae": t["holdout_mae"].map(lambda v: style.number(v, 4))})
    return out.rename(columns=lambda c: tr(heads[c], style.lang))


def model_sentence(comparison: pd.DataFrame, chosen: str, model_param: str, calibration_end, as_of,
                   style: NumberStyle, *, tie: float = TIE_TOLERANCE, good: float = 0.10, fair: float = 0.25,
                   value_report_model: str = "bgnbd") -> str:
    """Which model is used and why, how far to trust it, the two fit dates (validation fit and the
    refit the CLV comes from) and whether the value report (03) values customers with the same model."""
    lang, row = style.lang, comparison.set_index("model").loc[chosen]
    labels = comparison.set_index("model")["label"]
    text = tr("The **{model}** model is used ({why}). It is off by {error} on total holdout purchases and by {mae} "
              "purchases per customer on average: {trust}.", lang, model=row["label"],
              why=tr(_WHY[model_choice(comparison, chosen, model_param, tie)], lang),
              error=style.percent(abs(row["holdout_error_pct"])), mae=style.number(row["holdout_mae"], 4),
              trust=tr(_TRUST[trust(row["holdout_error_pct"], good, fair)], lang))
    text = _then(text, tr("The models were validated on purchases up to {cal_end} against {cal_end_next} to "
                          "{as_of}; the CLV below comes from the chosen model refitted on all purchases up to "
                          "{as_of}.", lang, cal_end=style.date(calibration_end),
                          cal_end_next=style.date(pd.Timestamp(calibration_end) + pd.Timedelta(days=1)),
                          as_of=style.date(as_of)), lang)
    other = labels.get(value_report_model, value_report_model)
    if value_report_model == chosen:
        return _then(text, tr("The value report (03) values customers with the same model.", lang), lang)
    failed = comparison[~comparison["converged"].astype(bool)]
    if len(failed):
        text = _then(text, tr("Not fitted: {models}.", lang, models=_join(list(failed["label"]), lang)), lang)
    return _then(text, tr("The value report (03) values customers with {other}, so a customer's CLV there can differ "
                          "from this report's; run both with the {chosen} model to give each customer one CLV.",
                          lang, other=other, chosen=labels.get(chosen, chosen)), lang)


def reliability_sentence(comparison: pd.DataFrame, chosen: str, calibration_end, as_of, style: NumberStyle, *,
                         good: float = 0.10, fair: float = 0.25) -> str:
    """How far the forecast can be trusted, in plain words for the report's body: how far it was off on
    the holdout, in total and per customer, and that the values come from the same forecast refitted on all
    purchases (the model names, the comparison and the parameters are in the technical notes: :func:`model_sentence`)."""
    lang, row = style.lang, comparison.set_index("model").loc[chosen]
    return tr("Forecasting {start} to {as_of} from the purchases before, the forecast was off by {error} on total "
              "purchases and by {mae} purchases per customer on average: {trust}. The values below come from the same "
              "forecast updated with all purchases up to {as_of}.", lang,
              start=style.date(pd.Timestamp(calibration_end) + pd.Timedelta(days=1)), as_of=style.date(as_of),
              error=style.percent(abs(row["holdout_error_pct"])), mae=style.number(row["holdout_mae"], 2),
              trust=tr(_TRUST[trust(row["holdout_error_pct"], good, fair)], lang))


def fit_sentence(by_frequency: pd.DataFrame, cumulative: pd.DataFrame, style: NumberStyle) -> str:
    """The largest gap of predicted vs actual holdout purchases by frequency, and the cumulative total."""
    gap = (by_frequency["predicted_mean"] - by_frequency["actual_mean"]).abs()
    worst, last = by_frequency.loc[gap.idxmax()], cumulative.iloc[-1]
    actual = max(last["actual_cumulative"], 1)
    return tr("The largest gap is for customers with {group} repeat purchases in the calibration period: {predicted} "
              "predicted against {actual} actual per customer. By {date} customers made {done} repeat purchases; "
              "the forecast was {expected} ({change}).", style.lang, group=worst["frequency_group"],
              predicted=style.number(worst["predicted_mean"]), actual=style.number(worst["actual_mean"]),
              date=style.date(last["date"]), done=style.count(round(last["actual_cumulative"])),
              expected=style.count(round(last["expected_cumulative"])),
              change=style.change(last["expected_cumulative"] / actual - 1))


# ------------------------------------------------------------------------------------ summary
def summary(comparison: pd.DataFrame, chosen: str, values: pd.DataFrame, deciles: pd.DataFrame,
            at_risk: pd.DataFrame, due: int, as_of, style: NumberStyle, *, months: int = 12, remind_days: int = 14,
            nps=None, backlog=None) -> str:
    """The report in a few lines: customers, predicted value and its concentration, the lapsed
    high-value customers, those due to buy again, and NPS and the complaint backlog (the model that
    predicts, ``chosen`` of ``comparison``, is named in the technical notes, not up front: review #20)."""
    lang = style.lang
    lines = [tr("**{customers} customers** bought up to {as_of}. Predicted value over the next {months} months: "
                "**{total}**; the top 10% of customers hold {top}.", lang,
                customers=style.count(len(values)), as_of=style.date(as_of), months=months,
                total=style.money(values["clv"].sum()), top=style.percent(deciles["share_of_value"].iloc[0])),
             tr("**{n} high-value customers** have probably stopped buying ({value} of value at risk); **{due}** "
                "are expected to buy again within {days} days.", lang,
                n=style.count(facts(at_risk, AtRiskHighValueFacts).candidates), value=style.money(at_risk["value_at_risk"].sum()), due=style.count(due), days=remind_days)]
    if nps is not None and len(nps):
        lines.append(tr("NPS is {nps} from {n} scores.", lang, nps=nps_text(nps["nps"].iloc[0], style),
                        n=style.count(nps["scored"].iloc[0])))
    if backlog is not None and facts(backlog, ComplaintBacklogFacts).open:
        lines.append(_backlog_text(backlog, style))
    return "\n".join(f"- {line}" for line in lines)


# -------------------------------------------------------------------------------------- value
def deciles_sentence(values: pd.DataFrame, deciles: pd.DataFrame, style: NumberStyle, spend_note: str = "") -> str:
    text = tr("The top decile holds {top} of predicted value and the top three {three}; the median CLV is {median}, "
              "the mean {mean}.", style.lang, top=style.percent(deciles["share_of_value"].iloc[0]),
              three=style.percent(deciles["cumulative_share"].iloc[2]), median=style.money(values["clv"].median()),
              mean=style.money(values["clv"].mean()))
    if spend_note:
        text = _then(text, tr("*The spend model assumes spend per order does not depend on how often a customer "
                              "buys; in this data the two are correlated, so CLV is less certain.*", style.lang),
                     style.lang)
    return text


def channel_table(by_channel: pd.DataFrame) -> pd.DataFrame:
    """:func:`~userops_lib.clv.value.clv_by_channel` with one CAC: channel cost / the channel's customers
    who bought (as the foundation report), and the cost per acquired customer named as such."""
    out = by_channel.rename(columns={"total_clv": "clv_total"}).drop(columns=["clv_per_customer", "cac"], errors="ignore")
    if "acquisition_cost" in out:
        out["cac"] = out["acquisition_cost"] / out["buyers"].where(out["buyers"] > 0)
        out = out[["channel", "customers", "buyers", "clv_total", "clv_per_buyer", "share_of_value", "acquisition_cost",
                   "cac", "clv_to_cac"]]
    return out


def channel_sentence(by_channel: pd.DataFrame, style: NumberStyle) -> str:
    top, lang = by_channel.iloc[0], style.lang
    text = tr("{channel} brings the most predicted value ({share}).", lang, channel=channel_name(top["channel"], lang),
              share=style.percent(top["share_of_value"]))
    if "clv_to_cac" in by_channel and by_channel["clv_to_cac"].notna().any():
        best = by_channel.dropna(subset=["clv_to_cac"]).sort_values("clv_to_cac").iloc[-1]
        worst = by_channel.dropna(subset=["clv_to_cac"]).sort_values("clv_to_cac").iloc[0]
        text = _then(text, tr("Of the channels with a cost, {best} returns the most per unit of acquisition spend "
                              "(CLV / CAC {best_ratio}) and {worst} the least ({worst_ratio}).", lang,
                              best=channel_name(best["channel"], lang), best_ratio=style.number(best["clv_to_cac"], 1),
                              worst=channel_name(worst["channel"], lang), worst_ratio=style.number(worst["clv_to_cac"], 1)), lang)
    return text


def cohort_sentence(values: pd.DataFrame, style: NumberStyle) -> str:
    return tr("Mean predicted CLV per customer is {mean}. The newest cohorts have had little time to show whether "
              "they come back, so their CLV rests mostly on the model's average customer: read the chart as a "
              "description, not a ranking of cohorts.", style.lang, mean=style.money(values["clv"].mean()))


# --------------------------------------------------------------------------------- lifecycle
def lifecycle_sentence(stages: pd.DataFrame, style: NumberStyle) -> str:
    lang, done = style.lang, stages[stages["complete"]].iloc[-1]
    month = style.month(done["period"])
    key = N_("the active base grows") if done["quick_ratio"] > 1 else N_("the active base shrinks")
    return tr("In {month}: {new} new, {returning} continuing, {resurrected} resurrected and {dormant} newly lapsing "
              "customers; quick ratio {ratio} ({trend}). The first month of the data, {first}, counts everyone as "
              "new: earlier purchases are not in the data.", lang, month=month, new=style.count(done["new"]),
              returning=style.count(done["returning"]), resurrected=style.count(done["resurrected"]),
              dormant=style.count(done["dormant"]), ratio=style.number(done["quick_ratio"]), trend=tr(key, lang),
              first=style.month(stages["period"].iloc[0]))


def stage_name(stage, lang: str) -> str:
    """A lifecycle stage in words (新客 / new)."""
    return tr(LIFECYCLE[str(stage)], lang) if str(stage) in LIFECYCLE else str(stage)


def transition_table(moves: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """:func:`~userops_lib.metrics.lifecycle.stage_transitions` as a matrix of shares, stages in words:
    rows are last month's stage, columns this month's."""
    lang = style.lang
    matrix = moves.pivot(index="from_stage", columns="to_stage", values="share").fillna(0)
    matrix = matrix.map(style.percent).rename(index=lambda s: stage_name(s, lang), columns=lambda s: stage_name(s, lang))
    corner = tr("last month ↓ / this month →", lang)
    return matrix.rename_axis(None, axis=1).rename_axis(corner).reset_index()


def activity_table(by_stage: pd.DataFrame, lang: str) -> pd.DataFrame:
    """:func:`~userops_lib.metrics.engagement.activity_by_segment` by lifecycle stage, stages in words."""
    out = by_stage[["stage", "customers", "mean_index", "median_index", "inactive_share"]]
    return out.assign(stage=out["stage"].map(lambda s: stage_name(s, lang)))


def transitions_sentence(moves: pd.DataFrame, style: NumberStyle) -> str:
    stay = moves[(moves["from_stage"] == "returning") & (moves["to_stage"] == "returning")]["share"].sum()
    return tr("{share} of last month's continuing customers bought again this month.", style.lang,
              share=style.percent(stay))


def at_risk_sentence(at_risk: pd.DataFrame, style: NumberStyle) -> str:
    return tr("**{n} customers** are in the top 20% by value if still active (at least {threshold}) but have a "
              "probability alive below 50%; together {value} of value is at risk. The list is model-based and "
              "differs from the value report's rule-based audience packs.", style.lang,
              n=style.count(len(at_risk)),
              threshold=style.money(facts(at_risk, AtRiskHighValueFacts).value_threshold), value=style.money(at_risk["value_at_risk"].sum()))


def next_purchase_sentence(timing: pd.DataFrame, reminders: pd.DataFrame, style: NumberStyle,
                           remind_days: int = 14) -> str:
    """How many customers are likely to buy within the horizon, and the remind-now list."""
    a, lang = facts(timing, NextPurchaseTableFacts), style.lang
    likely = int((timing["buy_probability"] >= 0.5).sum())
    return tr("{likely} of {n} customers have an even chance or better of buying in the next {horizon} days (mean "
              "chance {mean}). {due} probably active customers are expected to buy again within {days} days: the "
              "remind-now list below, exported like the value report's packs.", lang,
              likely=style.count(likely), n=style.count(len(timing)), horizon=a.horizon_days,
              mean=style.percent(timing["buy_probability"].mean()), due=style.count(len(reminders)), days=remind_days)


# -------------------------------------------------------------------------------- experience
def experience_sentence(steps: pd.DataFrame, style: NumberStyle) -> str:
    lang, shown = style.lang, steps[steps["reached"] > 0]
    slowest = shown.sort_values("median_hours").iloc[-1]
    text = tr("The slowest step is {step} (median {median}, 95th percentile {p95}).", lang,
              step=_step(slowest["step"], lang), median=style.duration(slowest["median_hours"]),
              p95=style.duration(slowest["p95_hours"]))
    judged = steps.dropna(subset=["breach_share"])
    if len(judged):
        items = [tr("{step} {share} ({n} orders)", lang, step=_step(r["step"], lang), share=style.percent(r["breach_share"]),
                    n=style.count(round(r["breached"]))) for _, r in judged.iterrows()]
        text = _then(text, tr("Promises missed: {items}.", lang, items=_join(items, lang)), lang)
    backwards = int(steps["inconsistent"].sum())
    if backwards:
        text = _then(text, tr("{n} step times run backwards (end before start) and are left out.", lang,
                              n=style.count(backwards)), lang)
    return text


_STEPS = {"order_to_paid": N_("order to paid"), "paid_to_shipped": N_("paid to shipped"),
          "shipped_to_delivered": N_("shipped to delivered"), "delivered_to_aftersales": N_("delivered to after-sales request"),
          "aftersales_to_closed": N_("after-sales request to closed")}


def steps_table(steps: pd.DataFrame, lang: str) -> pd.DataFrame:
    """:func:`~userops_lib.metrics.experience.step_durations` as the report shows it (8 columns, within
    1200 px): ``step`` in words, ``reached, median_time, p80_time, p95_time, promise_time, breached,
    breach_share``, the times as durations in the reader's unit (2.4 分钟, not 0.04 小时); the step
    times that run backwards are said in :func:`experience_sentence`."""
    style = NumberStyle(lang)
    times = {f"{c}_hours": f"{c}_time" for c in ("median", "p80", "p95", "promise")}
    shown = steps[["step", "reached", *times, "breached", "breach_share"]].rename(columns=times)
    return shown.assign(step=shown["step"].map(lambda s: _step(s, lang)),
                        **{c: shown[c].map(style.duration) for c in times.values()})


#: How many customers of the remind-now list the report's body shows (all of them are in the pack).
REMIND_ROWS = 30


def reminders_caption(due: pd.DataFrame, until, style: NumberStyle, rows: int = REMIND_ROWS) -> str:
    """The remind-now table's caption, saying how many of the list it shows (all 20, or 30 of 412)."""
    if len(due) <= rows:  # "20 soonest of 20" said the same number twice
        return caption("reminders_all", style, until=until, total=style.count(len(due)))
    return caption("reminders", style, until=until, shown=style.count(min(rows, len(due))), total=style.count(len(due)))


def csat_table(sat: pd.DataFrame) -> pd.DataFrame:
    """:func:`~userops_lib.metrics.voice.csat` without the data-quality counts."""
    return sat[["invited", "respondents", "response_rate", "scored", "csat", "mean_score"]]


def _step(step: str, lang: str) -> str:
    return tr(_STEPS[step], lang) if step in _STEPS else step.replace("_", " ")


_EXPERIENCE = {"on time": N_("delivered on time"), "late": N_("delivered late"),
               "after-sales request": N_("after-sales request"), "no after-sales request": N_("no after-sales request")}


def experience_label(group: str, lang: str) -> str:
    return tr(_EXPERIENCE[group], lang) if group in _EXPERIENCE else group


def judged(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`~userops_lib.metrics.experience.repurchase_by_experience` without the first orders still
    in transit (not delivered: their experience is not known yet)."""
    return table[table["group"] != "not delivered"].reset_index(drop=True)


def repurchase_experience_sentence(table: pd.DataFrame, style: NumberStyle, window_days: int,
                                   delivery_promise: str) -> str:
    lang, rates = style.lang, judged(table).set_index("group")["repurchase_rate"]
    parts = []
    if {"on time", "late"} <= set(rates.index):
        parts.append(tr("of customers whose first order arrived within {promise}, {on_time} bought again within "
                        "{days} days, of those whose order came later {late}", lang, promise=window_text(delivery_promise, lang),
                        on_time=style.percent(rates["on time"]), days=window_days, late=style.percent(rates["late"])))
    if {"after-sales request", "no after-sales request"} <= set(rates.index):
        parts.append(tr("after an after-sales case on the first order {with_case} came back, against {without} "
                        "without one", lang, with_case=style.percent(rates["after-sales request"]),
                        without=style.percent(rates["no after-sales request"])))
    if not parts:
        return tr("Too few first orders have a delivery or after-sales time to compare.", lang)
    return tr("In short, {parts}. These are associations: customers with troubled first orders may differ in other "
              "ways too.", lang, parts=_join(parts, lang))


def activity_sentence(by_stage: pd.DataFrame, index: pd.DataFrame, style: NumberStyle) -> str:
    top, stated = by_stage.sort_values("mean_index").iloc[-1], facts(index, ActivityIndexFacts)
    return tr("{share} of customers score 0 over the last {days} days (recent days weigh more); {stage} customers "
              "are the most active (mean {mean} of 100).", style.lang,
              share=style.percent(stated.inactive_customers / max(len(index), 1)),
              days=(pd.Timestamp(stated.window_end) - pd.Timestamp(stated.window_start)).days + 1,
              stage=stage_name(top["stage"], style.lang),
              mean=style.number(top["mean_index"], 1))


def pyramid_sentence(layers: pd.DataFrame, has_roles: bool, style: NumberStyle, period: str = "month") -> str:
    lang, last = style.lang, layers[layers["complete"]].iloc[-1]
    core = last["kol"] + last["expert"] + last["contributor"]
    text = tr("In {period}, {members} customers were seen; {core} ({share}) are in the top three layers (KOL {kol}, "
              "experts {expert}, contributors {contributor}).", lang, period=period_text(last["period"], period, style),
              members=style.count(last["members"]), core=style.count(core),
              share=style.percent(core / max(last["members"], 1)), kol=style.count(last["kol"]),
              expert=style.count(last["expert"]), contributor=style.count(last["contributor"]))
    if not has_roles:
        text = _then(text, tr("The KOL and expert layers stay empty: they need customers.community_role.", lang), lang)
    return text


# ---------------------------------------------------------------------------------------- voice
def nps_table(table: pd.DataFrame, lang: str, shown: bool = False) -> pd.DataFrame:
    """:func:`~userops_lib.metrics.voice.nps_by_segment` with its segments in words (``shown``: only the
    columns the report shows, ``segment`` named ``group`` as its rows are stages and tiers, not RFM segments:
    ``by, group, invited, respondents, response_rate, scored, nps``)."""
    if shown:
        shown_table = nps_table(table[["by", "segment", "invited", "respondents", "response_rate", "scored", "nps"]],
                                lang)
        return shown_table.rename(columns={"segment": "group"})
    return table.assign(by=table["by"].map(lambda b: tr(_BY[b], lang)), nps=table["nps"].map(lambda x: f"{x:+.1f}"),
                        segment=[_nps_segment(b, s, lang) for b, s in zip(table["by"], table["segment"])])


def _nps_segment(by: str, segment: str, lang: str) -> str:
    """A row of the NPS table in words: a tier by :func:`~..labels.tier_name`, a lifecycle stage by
    :data:`LIFECYCLE`, the survey's own groups by :data:`NPS_SEGMENTS`."""
    if segment in NPS_SEGMENTS:
        return tr(NPS_SEGMENTS[segment], lang)
    if by in ("tier", "tier_today"):
        return tier_name(segment, lang)
    return tr(LIFECYCLE[segment], lang) if segment in LIFECYCLE else segment


def nps_sentence(table: pd.DataFrame, style: NumberStyle, min_scores: int = MIN_GROUP) -> str:
    lang, overall = style.lang, table.iloc[0]
    text = tr("Overall NPS is {nps} with a response rate of {rate} ({respondents} of {invited} invited).", lang,
              nps=nps_text(overall["nps"], style), rate=style.percent(overall["response_rate"]),
              respondents=style.count(overall["respondents"]), invited=style.count(overall["invited"]))
    small = table[table["scored"] < min_scores]
    if len(small):
        text = _then(text, tr("{n} segment(s) have fewer than {min} scores: read their NPS as indicative only.", lang,
                              n=len(small), min=min_scores), lang)
    return text


def csat_sentence(sat: pd.DataFrame, reasons: pd.DataFrame, style: NumberStyle) -> str:
    lang = style.lang
    text = "" if not sat["invited"].iloc[0] else tr(
        "CSAT is {csat} with a mean score of {mean} from {n} scores.", lang, csat=style.percent(sat["csat"].iloc[0]),
        mean=style.number(sat["mean_score"].iloc[0]), n=style.count(sat["scored"].iloc[0]))
    if len(reasons):
        text = paragraph(style, text, tr("The most frequent reason given is *{reason}* ({share} of {n} answers).", lang,
                                         reason=reasons.iloc[0]["answer"], share=style.percent(reasons.iloc[0]["share"]),
                                         n=style.count(facts(reasons, TopAnswersFacts).answered)))
    return text


def _backlog_text(backlog: pd.DataFrame, style: NumberStyle) -> str:
    a, lang = facts(backlog, ComplaintBacklogFacts), style.lang
    old = backlog.iloc[1:]  # older than the first band
    return tr("{open} complaints are open on {as_of}, {old} of them for more than {days} days (the oldest opened on "
              "{oldest}).", lang, open=style.count(a.open), as_of=style.date(a.as_of),
              old=style.count(int(old["complaints"].sum())), days=backlog["age_band"].iloc[0].split("-")[1],
              oldest=style.date(a.oldest_opened))


def complaints_sentence(complaints: pd.DataFrame, backlog: pd.DataFrame | None, style: NumberStyle) -> str:
    """The last complete month's complaints, how many of *them* are open, and the open backlog by age."""
    lang, last = style.lang, complaints[complaints["complete"]].iloc[-1]
    text = tr("In {month} there were {n} complaints from {customers} customers ({rate} per 1,000 orders); resolved "
              "ones took a median {hours} h, and {open} of that month's complaints are still open.", lang,
              month=style.month(last["period_start"]), n=style.count(last["complaints"]),
              customers=style.count(last["complainants"]), rate=style.number(last["complaints_per_1000_orders"], 1),
              hours=style.number(last["median_resolution_hours"], 1),
              open=style.count(last["open"]) if pd.notna(last["open"]) else style.missing)
    if backlog is not None and facts(backlog, ComplaintBacklogFacts).open:
        text = _then(text, _backlog_text(backlog, style), lang)
    return text


# ----------------------------------------------------------------------------- what to do next
def old_complaints(backlog: pd.DataFrame | None) -> dict | None:
    """The open complaints older than the first age band of :func:`~userops_lib.metrics.voice.complaint_backlog`
    (30 days by default), and those of its last band (more than a year), or None when there are none.

    Returns
    -------
    dict or None
        ``open`` (all open), ``as_of``, ``old`` (beyond the first band), ``days`` (its upper bound),
        ``oldest_band`` (complaints of the last band), ``oldest_band_days`` (the bound it is beyond),
        ``oldest`` (date the oldest was opened).
    """
    if backlog is None:
        return None
    stated = facts(backlog, ComplaintBacklogFacts)
    if not stated.open or not backlog["complaints"].iloc[1:].sum():
        return None
    return {"open": int(stated.open), "as_of": stated.as_of,
            "old": int(backlog["complaints"].iloc[1:].sum()), "days": backlog["age_band"].iloc[0].split("-")[1],
            "oldest_band": int(backlog["complaints"].iloc[-1]), "oldest_band_days": backlog["age_band"].iloc[-1][1:],
            "oldest": stated.oldest_opened}


def next_steps(style: NumberStyle, *, at_risk=None, reminders=None, steps=None, nps=None, backlog=None,
               stages=None, max_steps: int = 6, min_scores: int = MIN_GROUP) -> str:
    """The closing "What to do next" list, each item chosen by a rule from the report's results.

    Rules, in this order (each gives at most one item):

    1. Lapsed high-value customers: win them back, the value at risk first.
    2. Customers due to buy again soon: remind them (the remind-now list).
    3. The active base shrank last month (quick ratio below 1): win back the lapsing.
    4. The fulfilment promise missed most often, if any is missed.
    5. The NPS segment (``min_scores`` scores or more) with the lowest NPS, if below 0.
    6. Complaints open for longer than the first age band of the backlog (:func:`old_complaints`), with
       those of its last band (over a year), to be given an owner each. Every rule fits within the
       default ``max_steps``, so none is dropped for being last.
    """
    lang, items = style.lang, []
    if at_risk is not None and len(at_risk):
        items.append(tr("**Win back the lapsed high-value customers:** {n} customers hold {value} of value at risk; "
                        "contact them first, starting with the highest value at risk.", lang,
                        n=style.count(len(at_risk)), value=style.money(at_risk["value_at_risk"].sum())))
    if reminders is not None and len(reminders):
        items.append(tr("**Send the repurchase reminders:** {n} probably active customers are expected to buy "
                        "again by {until}.", lang, n=style.count(len(reminders)),
                        until=style.date(reminders["expected_next_purchase"].max())))
    if stages is not None and len(stages[stages["complete"]]):
        last = stages[stages["complete"]].iloc[-1]
        if last["quick_ratio"] < 1:
            items.append(tr("**Win back the lapsing:** in {month} {dormant} customers stopped buying against "
                            "{gained} new or resurrected ones (quick ratio {ratio}).", lang,
                            month=style.month(last["period"]), dormant=style.count(last["dormant"]),
                            gained=style.count(last["new"] + last["resurrected"]),
                            ratio=style.number(last["quick_ratio"])))
    if steps is not None and steps["breach_share"].notna().any() and steps["breach_share"].max() > 0:
        worst = steps.loc[steps["breach_share"].idxmax()]
        items.append(tr("**Keep the {step} promise:** {share} of orders miss it ({n} orders).", lang,
                        step=_step(worst["step"], lang), share=style.percent(worst["breach_share"]),
                        n=style.count(round(worst["breached"]))))
    if nps is not None:
        seg = nps[(nps["by"] != "all") & (nps["scored"] >= min_scores)].sort_values("nps")
        if len(seg) and seg["nps"].iloc[0] < 0:
            s = nps_table(seg.head(1), lang).iloc[0]
            items.append(tr("**Ask the {segment} customers what went wrong:** their NPS is {nps} ({n} scores).", lang,
                            segment=s["segment"], nps=nps_text(seg["nps"].iloc[0], style),
                            n=style.count(seg["scored"].iloc[0])))
    old = old_complaints(backlog)
    if old is not None:
        values = dict(open=style.count(old["open"]), as_of=style.date(old["as_of"]), old=style.count(old["old"]),
                      days=old["days"], oldest=style.date(old["oldest"]))
        items.append(tr("**Clear the complaint backlog, one owner per complaint:** {open} complaints are open on "
                        "{as_of}, {old} of them for more than {days} days", lang, **values)
                     + (tr(" and {n} for more than {days} days", lang, n=style.count(old["oldest_band"]),
                           days=old["oldest_band_days"]) if old["oldest_band"] and old["oldest_band_days"] != old["days"]
                        else "")
                     + tr(" (the oldest opened on {oldest}); give each one an owner and a date to close it.", lang,
                          **values))
    items = items[:max_steps]
    if not items:
        return tr("Nothing in these results calls for a change of course: keep the current plan and run this "
                  "report again next period.", lang)
    return "\n".join(f"{i}. {s}" for i, s in enumerate(items, 1))
