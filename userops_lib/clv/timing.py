"""When will each customer buy next: per-customer timing from a fitted purchase model.

For a customer still active ("alive") at the end of the summary, every purchase model of this
package makes the next purchase a race the customer may or may not run:

* BG/NBD and MBG/NBD: an active customer buys at rate λ; after a history of ``x`` repeat purchases
  over ``T`` (and being active), λ is Gamma(r + x, α + T) distributed (the likelihood of the history
  and of being active is proportional to λ^x e^(−λT); Fader, Hardie & Lee 2005, and Batislam et
  al. 2007 for MBG/NBD, whose drop-out points differ but leave this posterior alone). Drop-out only
  happens at a purchase, so the wait ``W`` for the next purchase has
  ``P(W > u) = ((α + T) / (α + T + u))^(r + x)``.
* Pareto/NBD: an active customer also leaves at rate μ, Gamma(s, β + T) distributed after the
  history, independently of λ (Fader & Hardie, note 009). The next purchase happens within ``u``
  only if it comes before leaving: ``P(W ≤ u) = ∫0^u f(v) ((β + T) / (β + T + v))^s dv`` with
  ``f`` the density of the BG/NBD wait above; computed here by 64-point Gauss-Legendre
  quadrature. An active customer may never buy again, so this tends to less than 1.

Per customer this gives the probability of buying within a horizon *if still active*, the same
times the model's probability of being active (the chance of buying given everything known), and
the **expected next purchase date**: the day by which an active customer has an even chance of
having bought again (the median of ``W``; the mean is infinite when ``r + x ≤ 1``, as it often is
for one-time buyers). Everything depends on the model's public parameters (``params_``,
``time_unit``) and its public ``probability_alive`` and ``expected_purchases``.
"""

from __future__ import annotations

import datetime as _dt
import math

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from ..exceptions import ParameterError
from ..results import Facts, attach
from .base import TIME_UNIT_DAYS

__all__ = ["NextPurchaseTableFacts", "MAX_WAIT_DAYS", "wait_probability", "median_wait", "next_purchase_table"]

#: Longest wait the expected next purchase date is looked for (10 years): beyond it the date is
#: missing, for customers with less than an even chance of buying again within it.
MAX_WAIT_DAYS = 3652
_BG_FAMILY = frozenset({"r", "alpha", "a", "b"})
_PARETO = frozenset({"r", "alpha", "s", "beta"})
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(64)


def _family(model) -> str:
    names = frozenset(getattr(model, "param_names", ()))
    if not getattr(model, "params_", None):
        raise ParameterError(f"the {getattr(model, 'name', 'purchase')} model has not been fitted yet")
    if names == _BG_FAMILY:
        return "bg"
    if names == _PARETO:
        return "pareto"
    raise ParameterError(f"next-purchase timing knows the BG/NBD, MBG/NBD and Pareto/NBD models; got parameters "
                         f"{sorted(names)}")


def _buy_within(model, u: np.ndarray, x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P(W <= u | alive) for arrays broadcasting together (model time units)."""
    p = model.params_
    shape, scale = p["r"] + x, p["alpha"] + T
    if _family(model) == "bg":
        return -np.expm1(shape * (np.log(scale) - np.log(scale + u)))
    # Pareto/NBD: integrate the purchase density times the survival of staying active over [0, u]
    u = np.asarray(u, dtype=float)
    v = (u[..., None] / 2) * (_NODES + 1)  # Gauss-Legendre nodes mapped to [0, u]
    shape_, scale_ = np.asarray(shape)[..., None], np.asarray(scale)[..., None]
    stay = (p["beta"] + np.asarray(T)[..., None]) / (p["beta"] + np.asarray(T)[..., None] + v)
    density = shape_ / (scale_ + v) * (scale_ / (scale_ + v)) ** shape_ * stay ** p["s"]
    return (u / 2) * (density @ _WEIGHTS)


def wait_probability(model, summary: pd.DataFrame, days: float) -> np.ndarray:
    """P(next purchase within ``days`` | active at the end of the summary), per summary customer.

    Parameters
    ----------
    model : PurchaseModel
        A fitted BG/NBD, MBG/NBD or Pareto/NBD model.
    summary : pandas.DataFrame
        The customer summary it was fitted on or one like it (``frequency``, ``T`` in the model's
        time unit).
    days : float
        Horizon in days.
    """
    x, T = _history(model, summary)
    return _buy_within(model, np.full(len(x), days / TIME_UNIT_DAYS[model.time_unit]), x, T)


def _history(model, summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Repeat purchases and T of the summary, after checking the model is fitted and in the same unit."""
    _family(model)
    unit = str(summary.attrs.get("time_unit", "D")).upper()
    if unit != model.time_unit:
        raise ParameterError(f"the {model.name} model was fitted in time unit {model.time_unit!r} but the summary is "
                             f"in {unit!r}; build the summary with time_unit={model.time_unit!r}")
    return summary["frequency"].to_numpy(dtype=float), summary["T"].to_numpy(dtype=float)


def median_wait(model, summary: pd.DataFrame, max_days: float = MAX_WAIT_DAYS) -> np.ndarray:
    """Days until an active customer has an even chance of having bought again (NaN beyond ``max_days``)."""
    x, T = _history(model, summary)
    unit = TIME_UNIT_DAYS[model.time_unit]
    p = model.params_
    if _family(model) == "bg":  # P(W > u) = 1/2 in closed form
        days = (p["alpha"] + T) * np.expm1(math.log(2) / (p["r"] + x)) * unit
        return np.where(days <= max_days, days, np.nan)
    # Pareto/NBD: bisection on the unique (x, T) pairs (the wait depends on nothing else)
    codes, pairs = pd.factorize(x + 1j * T)
    ux, uT = pairs.real, pairs.imag
    cap = np.full(len(ux), max_days / unit)
    reachable = _buy_within(model, cap, ux, uT) >= 0.5
    lo, hi = np.zeros(len(ux)), cap.copy()
    for _ in range(60):  # 2^-60 of ten years: far below a day
        mid = (lo + hi) / 2
        below = _buy_within(model, mid, ux, uT) < 0.5
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return np.where(reachable, hi * unit, np.nan)[codes]


@dataclass(frozen=True)
class NextPurchaseTableFacts(Facts):
    """What :func:`next_purchase_table` states besides its table."""

    producer: ClassVar[str] = "next_purchase_table"
    model: str  #: the purchase model's name
    horizon_days: int | float  #: the horizon of ``buy_probability``
    as_of: _dt.date  #: the summary's observation end
    time_unit: str  #: the model's time unit ("D", "W", "M")


def next_purchase_table(model, summary: pd.DataFrame, horizon_days: int = 30) -> pd.DataFrame:
    """Per customer: how likely a purchase within ``horizon_days`` is, and the expected next purchase date.

    Parameters
    ----------
    model : PurchaseModel
        A fitted BG/NBD, MBG/NBD or Pareto/NBD model (:func:`~userops_lib.clv.fitting.fit_purchase_model`).
    summary : pandas.DataFrame
        Output of :func:`~userops_lib.clv.summary.rfm_summary` in the model's time unit; its
        ``observation_end`` is the day the predictions start from.
    horizon_days : int
        Horizon of the probabilities, in days.

    Returns
    -------
    pandas.DataFrame
        One row per customer, soonest expected purchase first: ``customer_id, last_purchase,
        days_since_last_purchase, frequency`` (repeat purchase days), ``probability_alive``,
        ``buy_if_active`` (P(at least one purchase within the horizon | still active)),
        ``buy_probability`` (``probability_alive × buy_if_active``: the chance given all that is
        known), ``expected_purchases`` (expected purchases within the horizon, the model's
        ``expected_purchases``), ``days_to_next_purchase`` (days from the observation end until
        an active customer has an even chance of having bought again; NaN when that takes more
        than :data:`MAX_WAIT_DAYS`) and ``expected_next_purchase`` (observation end + those days,
        rounded up to a whole day; NaT when missing). Facts: :class:`NextPurchaseTableFacts`.
    """
    if isinstance(horizon_days, bool) or not isinstance(horizon_days, (int, np.integer, float)) or horizon_days <= 0:
        raise ParameterError(f"horizon_days={horizon_days!r}: give a positive number of days")
    end = summary.attrs.get("observation_end")
    if end is None:
        raise ParameterError("summary: needs attrs['observation_end'] (build it with rfm_summary)")
    as_of = pd.Timestamp(end).normalize()
    horizon = horizon_days / TIME_UNIT_DAYS[model.time_unit]
    alive = np.asarray(model.probability_alive(summary), dtype=float)
    if_active = wait_probability(model, summary, horizon_days)
    wait = median_wait(model, summary)
    out = pd.DataFrame({
        "customer_id": summary["customer_id"].to_numpy(),
        "last_purchase": pd.to_datetime(summary["last_purchase"]).to_numpy(),
        "frequency": summary["frequency"].to_numpy(),
        "probability_alive": alive, "buy_if_active": if_active, "buy_probability": alive * if_active,
        "expected_purchases": np.asarray(model.expected_purchases(horizon, summary), dtype=float),
        "days_to_next_purchase": wait,
    })
    out.insert(2, "days_since_last_purchase", (as_of - out["last_purchase"]).dt.days.astype("int64"))
    out["expected_next_purchase"] = as_of + pd.to_timedelta(np.ceil(wait), unit="D")
    out = out.sort_values(["days_to_next_purchase", "customer_id"], na_position="last", ignore_index=True)
    return attach(out, NextPurchaseTableFacts(model=model.name, horizon_days=horizon_days, as_of=as_of.date(),
                                              time_unit=model.time_unit))
