"""Is the purchase model right on this data? Holdout checks and model comparison (plots: :mod:`.plotting`).

The calibration / holdout table comes from :func:`userops_lib.clv.summary.calibration_holdout_split`
(columns ``frequency_cal, recency_cal, T_cal, monetary_value_cal, frequency_holdout,
duration_holdout``): models are fitted on the calibration period and their predictions for the
holdout period are compared with what the customers actually bought (Fader, Hardie & Lee 2005,
figure 4 and table 2).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import numpy as np
import pandas as pd

from ..data import engine, inputs, snapshot
from ..data.periods import parse_date
from ..exceptions import ModelFitError, ParameterError
from .base import PurchaseModel, summary_arrays, unit_length_days
from .fitting import PURCHASE_MODELS, fit_purchase_model
from .summary import calibration_holdout_split

__all__ = [
    "calibration_summary",
    "holdout_predictions",
    "holdout_by_frequency",
    "holdout_error",
    "compare_models",
    "check_calibration_history",
    "best_model",
    "ModelChoice",
    "choose_purchase_model",
    "tied_models",
    "TIE_TOLERANCE",
    "cumulative_repeat_purchases",
]

MODEL_LABELS = {"bgnbd": "BG/NBD", "pnbd": "Pareto/NBD", "mbgnbd": "MBG/NBD"}


def calibration_summary(split: pd.DataFrame) -> pd.DataFrame:
    """The calibration part of a split as a plain summary (``frequency, recency, T, monetary_value``)."""
    needed = ["frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"]
    if missing := [c for c in needed if c not in split.columns]:
        raise ParameterError(f"calibration/holdout table lacks {missing}; build it with calibration_holdout_split()")
    out = split.rename(columns={c: c[:-4] for c in split.columns if c.endswith("_cal")})
    out.attrs = dict(split.attrs)
    return out


def holdout_predictions(model: PurchaseModel, split: pd.DataFrame) -> pd.DataFrame:
    """Per customer: calibration frequency, actual and predicted holdout purchases.

    Returns
    -------
    pandas.DataFrame
        ``frequency_cal, actual, predicted`` (same index as ``split``).
    """
    cal = calibration_summary(split)
    x, tx, T = summary_arrays(cal, "calibration summary")
    model._check_unit(cal)
    duration = split["duration_holdout"].to_numpy(dtype=float)
    predicted = np.empty(len(x))
    for d in np.unique(duration):  # one holdout length in practice
        rows = duration == d
        predicted[rows] = model.conditional_expected_number_of_purchases_up_to_time(d, x[rows], tx[rows], T[rows])
    return pd.DataFrame({"frequency_cal": x.astype(int), "actual": split["frequency_holdout"].to_numpy(dtype=float),
                         "predicted": predicted}, index=split.index)


def holdout_by_frequency(model: PurchaseModel, split: pd.DataFrame, max_frequency: int = 7) -> pd.DataFrame:
    """Actual vs predicted holdout purchases by calibration frequency (0, 1, …, ``max_frequency``+).

    Returns
    -------
    pandas.DataFrame
        ``frequency_group`` (``"0"``, ``"1"``, …, ``"7+"``), ``customers, actual_purchases,
        predicted_purchases, actual_mean, predicted_mean`` (purchases per customer in the holdout).
    """
    pred = holdout_predictions(model, split)
    group = pred["frequency_cal"].clip(upper=max_frequency)
    table = pred.assign(group=group).groupby("group").agg(
        customers=("actual", "size"), actual_purchases=("actual", "sum"), predicted_purchases=("predicted", "sum"))
    table = table.reindex(range(max_frequency + 1), fill_value=0).reset_index()
    labels = [str(g) if g < max_frequency else f"{max_frequency}+" for g in table["group"]]
    table.insert(0, "frequency_group", labels)
    customers = table["customers"].where(table["customers"] > 0)
    table["actual_mean"] = table["actual_purchases"] / customers
    table["predicted_mean"] = table["predicted_purchases"] / customers
    return table.drop(columns="group")


def holdout_error(model: PurchaseModel, split: pd.DataFrame) -> dict[str, float]:
    """Total actual vs predicted holdout purchases and the per-customer mean absolute error.

    Returns
    -------
    dict
        ``customers, actual_total, predicted_total, total_error_pct`` ((predicted − actual) /
        actual), ``mae`` (mean over customers of |predicted − actual| holdout purchases).
    """
    pred = holdout_predictions(model, split)
    actual, predicted = pred["actual"].sum(), pred["predicted"].sum()
    return {"customers": len(pred), "actual_total": float(actual), "predicted_total": float(predicted),
            "total_error_pct": float((predicted - actual) / actual) if actual else float("nan"),
            "mae": float((pred["predicted"] - pred["actual"]).abs().mean())}


def compare_models(split: pd.DataFrame, models=("bgnbd", "pnbd", "mbgnbd"), *, sample_size: int | None = None,
                   seed: int = 0) -> tuple[pd.DataFrame, dict[str, PurchaseModel]]:
    """Fit each purchase model on the calibration period and compare fit and holdout accuracy.

    A model that cannot be fitted stays in the table with its reason in ``note`` (no exception).

    Returns
    -------
    (pandas.DataFrame, dict)
        Table ``model, label, converged, log_likelihood, n_params, aic, bic, holdout_actual,
        holdout_predicted, holdout_error_pct, holdout_mae, parameters, note``; and the fitted
        models by name.

    Raises
    ------
    ModelFitError
        The calibration period has no repeat buyer, so no model can be fitted; the message says how
        many days of history the holdout needs (:func:`check_calibration_history`).
    """
    cal = calibration_summary(split)
    check_calibration_history(cal)
    rows, fitted = [], {}
    for name in models:
        if name not in PURCHASE_MODELS:
            raise ParameterError(f"model {name!r} is not one of {sorted(PURCHASE_MODELS)}")
        row = {"model": name, "label": MODEL_LABELS[name]}
        try:
            m = fit_purchase_model(cal, name, sample_size=sample_size, seed=seed)
        except ModelFitError as err:
            rows.append({**row, "converged": False, "note": str(err)})
            continue
        fitted[name] = m
        err = holdout_error(m, split)
        rows.append({**row, "converged": True, "log_likelihood": m.log_likelihood_, "n_params": m.n_params,
                     "aic": m.aic_, "bic": m.bic_, "holdout_actual": err["actual_total"],
                     "holdout_predicted": err["predicted_total"], "holdout_error_pct": err["total_error_pct"],
                     "holdout_mae": err["mae"], "parameters": ", ".join(f"{k}={v:.3g}" for k, v in m.params_.items()),
                     "note": "; ".join(m.fit_notes_)})
    columns = ["model", "label", "converged", "log_likelihood", "n_params", "aic", "bic", "holdout_actual",
               "holdout_predicted", "holdout_error_pct", "holdout_mae", "parameters", "note"]
    return pd.DataFrame(rows).reindex(columns=columns), fitted


def check_calibration_history(cal: pd.DataFrame) -> None:
    """Fail with one line that says how much history the models need when the calibration period
    of a split (:func:`calibration_summary`) has no repeat buyer, which no purchase model can fit.

    The models need a calibration period at least as long as the holdout (the holdout checks
    forecasts that long), with customers who bought again in it: ``2 × holdout_days`` days of
    history. The message gives that number, the history the data has, and the ``holdout_days``
    that would fit it. Splits without the dates in their ``attrs`` (built by hand) are not checked.

    Raises
    ------
    ModelFitError
        No customer has ``frequency > 0`` in the calibration period.
    """
    if (cal["frequency"] > 0).any() or not {"calibration_end", "observation_end"} <= set(cal.attrs):
        return
    cal_end = _dt.date.fromisoformat(str(cal.attrs["calibration_end"]))
    obs_end = _dt.date.fromisoformat(str(cal.attrs["observation_end"]))
    start = pd.Timestamp(cal["first_purchase"].min()).date() if len(cal) and "first_purchase" in cal else cal_end
    holdout, history, calibration = (obs_end - cal_end).days, (obs_end - start).days, (cal_end - start).days
    customers = f"{len(cal):,} customer{'s' if len(cal) != 1 else ''}"
    if history < 2 * holdout:
        raise ModelFitError(
            f"too little history for the purchase models: with holdout_days={holdout} they need at least "
            f"{2 * holdout} days of orders (a calibration period as long as the holdout), the data has {history} "
            f"({start} to {obs_end}); set holdout_days to at most {history // 2} or use a longer history "
            f"(the {calibration}-day calibration period has {customers} and no repeat buyer)")
    raise ModelFitError(
        f"no repeat buyer before the holdout: the {calibration}-day calibration period ({start} to {cal_end}, "
        f"{customers}) has no customer who bought twice, so no purchase model can be fitted; lower holdout_days "
        f"(now {holdout}) or use a longer history")


#: Models whose holdout MAE is within this share of the smallest are practically tied.
TIE_TOLERANCE = 0.01


def tied_models(comparison: pd.DataFrame, tolerance: float = TIE_TOLERANCE) -> list[str]:
    """Converged models practically tied on holdout accuracy, best first.

    A model is tied when its ``holdout_mae`` is at most ``(1 + tolerance)`` times the smallest
    ``holdout_mae``; tied models are ordered by AIC (smallest first), then by holdout MAE.

    Parameters
    ----------
    comparison : pandas.DataFrame
        A :func:`compare_models` table (``model, converged, aic, holdout_mae``, ``note``).
    tolerance : float
        Relative MAE gap within which models count as tied (default 1 %).

    Returns
    -------
    list of str
        Model names; the first one is :func:`best_model`.
    """
    if not 0 <= tolerance < 1:
        raise ParameterError(f"tolerance must be a share in [0, 1), got {tolerance!r}")
    ok = comparison[comparison["converged"].astype(bool)]
    if ok.empty:
        raise ModelFitError("no purchase model could be fitted: " + " | ".join(comparison["note"].astype(str)))
    smallest = ok["holdout_mae"].min()
    near = ok[ok["holdout_mae"] <= smallest * (1 + tolerance)]
    return near.sort_values(["aic", "holdout_mae"])["model"].astype(str).tolist()


def best_model(comparison: pd.DataFrame, tolerance: float = TIE_TOLERANCE) -> str:
    """Name of the converged model with the best holdout forecast, ties broken by AIC.

    Rule: the criterion is ``holdout_mae`` (mean over customers of |predicted − actual| holdout
    purchases). Models whose ``holdout_mae`` is within ``tolerance`` (default 1 %) of the smallest
    are practically tied, since such gaps are within sampling noise; among tied models the one with
    the smallest AIC (better fit on the calibration period per parameter) is chosen. See
    :func:`tied_models`.

    Raises
    ------
    ModelFitError
        When no model converged.
    """
    return tied_models(comparison, tolerance)[0]


# ------------------------------------------------------------------------------ one model per run
@dataclass(frozen=True)
class ModelChoice:
    """The purchase model of a run and the validation it was chosen by (:func:`choose_purchase_model`).

    Attributes
    ----------
    model : str
        The model every report of the run values customers with (``"bgnbd"``, ``"pnbd"``, ``"mbgnbd"``).
    requested : str
        The ``clv_model`` parameter: ``"best"`` or a model name.
    calibration_end : datetime.date
        Last day of the calibration period the models were validated on.
    comparison : pandas.DataFrame or None
        :func:`compare_models` on that split; None when the data is too short to validate (``note`` says why).
    fitted : dict
        The calibration fits by name.
    split : pandas.DataFrame or None
        The calibration / holdout table.
    note : str
        Empty, or why the models could not be validated and ``model`` is the fallback.
    """

    model: str
    requested: str
    calibration_end: _dt.date
    comparison: pd.DataFrame | None = None
    fitted: dict = field(default_factory=dict)
    split: pd.DataFrame | None = None
    note: str = ""


def choose_purchase_model(data, model: str = "best", *, calibration_end=None, holdout_days: int = 180,
                          time_unit: str = "W", tolerance: float = TIE_TOLERANCE,
                          fallback: str | None = None) -> ModelChoice:
    """The one purchase model every report of a run values customers with.

    The value report (03) and the loyalty report (04) both call this with the run's ``clv_model``,
    ``calibration_end``, ``holdout_days`` and ``time_unit`` (one YAML key each for the whole run), so a
    customer has one CLV model across reports (issue 14 #7: BG/NBD in 03 and MBG/NBD in 04 gave each
    customer two CLVs). The choice depends only on the data and these parameters: the models are fitted
    on the calibration period and ``"best"`` is :func:`best_model` of :func:`compare_models`.

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        Clean orders (a Dataset's as-of date ends the holdout).
    model : {"best", "bgnbd", "pnbd", "mbgnbd"}
        ``"best"``: the validated choice; a name: that model (still validated, for the comparison table).
    calibration_end : str or date, optional
        Last calibration day; default the as-of date minus ``holdout_days``.
    holdout_days : int
        Length of the holdout period.
    time_unit : {"D", "W", "M"}
        Unit of the models' recency and T.
    tolerance : float
        Tie tolerance of :func:`best_model`.
    fallback : str, optional
        Model to use when the data is too short to validate any model (a named ``model`` is used as
        it is); None raises :class:`~userops_lib.exceptions.ModelFitError` as :func:`compare_models` does.

    Returns
    -------
    ModelChoice
    """
    if model != "best" and model not in PURCHASE_MODELS:
        raise ParameterError(f"clv_model {model!r} is not 'best' or one of {sorted(PURCHASE_MODELS)}")
    if fallback is not None and fallback not in PURCHASE_MODELS:
        raise ParameterError(f"fallback {fallback!r} is not one of {sorted(PURCHASE_MODELS)}")
    data = inputs.dataset_of(data, "orders")
    if calibration_end is not None:
        cal_end = parse_date(calibration_end, "calibration_end")
    else:
        cal_end = data.as_of - _dt.timedelta(days=int(holdout_days))
    # the same split and fits in 03 and 04: computed once per run when the data is the run's snapshot
    split, comparison, fitted, error = snapshot.run_cached(
        data, "purchase-models", {"calibration_end": cal_end, "time_unit": time_unit},
        lambda: _validate_models(data, cal_end, time_unit), code=tuple(Path(__file__).parent.glob("*.py")))
    if error:
        if fallback is None:
            raise ModelFitError(error)
        return ModelChoice(fallback if model == "best" else model, model, cal_end, split=split, note=error)
    chosen = best_model(comparison, tolerance) if model == "best" else model
    return ModelChoice(chosen, model, cal_end, comparison, fitted, split)


def _validate_models(data, cal_end: _dt.date, time_unit: str) -> tuple:
    """``(split, comparison, fitted, error)``: :func:`compare_models` on the calibration / holdout split
    ending at ``cal_end``; ``error`` is why no model could be fitted (then ``comparison`` is None)."""
    split = calibration_holdout_split(data, cal_end, time_unit=time_unit)
    try:
        comparison, fitted = compare_models(split)
    except ModelFitError as err:
        return split, None, {}, str(err)
    return split, comparison, fitted, ""


# ------------------------------------------------------------------------------ cumulative view
def _orders_table(orders) -> ibis.Table:
    return inputs.table_of(orders, "orders", needed_for="The cumulative repeat purchases")


def cumulative_repeat_purchases(model: PurchaseModel, orders, calibration_end, observation_end=None) -> pd.DataFrame:
    """Cumulative repeat purchases, actual vs expected, day by day (Fader, Hardie & Lee 2005, figure 2).

    The population is the customers whose first purchase is on or before ``calibration_end``;
    a repeat purchase is a later purchase *day* (as in the summary). The expectation adds, over
    first-purchase days, customers × the model's unconditional expected repeat purchases by their age.

    Returns
    -------
    pandas.DataFrame
        ``date, actual_cumulative, expected_cumulative``; ``attrs["calibration_end"]``.
    """
    cal_end = parse_date(calibration_end, "calibration_end")
    t = _orders_table(orders)
    days = t.select("customer_id", day=t.order_date).distinct()
    days = days.mutate(first_day=days.day.min().over(group_by="customer_id"))
    days = days.filter(days.first_day <= cal_end)
    if observation_end is not None:
        days = days.filter(days.day <= parse_date(observation_end, "observation_end"))
    cohorts = engine.execute(days.filter(days.day == days.first_day).group_by("first_day").aggregate(customers=ibis._.count()))
    repeats = engine.execute(days.filter(days.day > days.first_day).group_by("day").aggregate(repeats=ibis._.count()))
    if cohorts.empty:
        raise ParameterError(f"no customer made a first purchase on or before calibration_end={cal_end}")
    start = pd.Timestamp(cohorts["first_day"].min())
    last_repeat = pd.Timestamp(repeats["day"].max()) if len(repeats) else start
    end = pd.Timestamp(observation_end) if observation_end is not None else max(last_repeat, pd.Timestamp(cal_end))
    grid = pd.date_range(start, end, freq="D")
    offsets = (pd.to_datetime(cohorts["first_day"]) - start).dt.days.to_numpy()
    age_days = np.arange(len(grid))[:, None] - offsets[None, :]
    unit = unit_length_days(model.time_unit)
    expected_by_age = model.expected_population_purchases(np.clip(age_days, 0, None) / unit)
    expected = (np.where(age_days > 0, expected_by_age, 0.0) * cohorts["customers"].to_numpy()[None, :]).sum(axis=1)
    actual = repeats.assign(day=pd.to_datetime(repeats["day"])).set_index("day")["repeats"].reindex(grid, fill_value=0)
    out = pd.DataFrame({"date": grid, "actual_cumulative": actual.cumsum().to_numpy(), "expected_cumulative": expected})
    out.attrs["calibration_end"] = cal_end
    return out
