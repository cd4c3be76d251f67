"""Who dropped out of the funnel (加购未购, browsed but did not buy), as an audience pack.

The customers who entered the purchase funnel in the last ``days`` days, reached step ``k`` and did
not reach step ``k + 1`` within the funnel window: the people an abandoned-cart or
browse-abandonment message is for. The funnel is :func:`userops_lib.metrics.funnel.funnel`'s (same
entry, window and step order), so the pack's size equals that funnel's drop-out at step ``k + 1``
for entrants of those days. The result is an
:class:`~userops_lib.metrics.audiences.Audiences` of one pack, exported exactly like the value
report's packs (:func:`~userops_lib.metrics.audiences.export_audiences`: hashed ids, a manifest).
"""

from __future__ import annotations

import datetime as _dt

import ibis
import pandas as pd

from ..data import engine, inputs
from ..exceptions import ParameterError
from .audiences import Audiences, build_audiences
from .funnel import DEFAULT_STEPS, _reached, _user_steps

__all__ = ["dropout_pack"]


def dropout_pack(data, step: str, steps=DEFAULT_STEPS, window="7d", order: str = "sequential",
                 days: int = 30, name: str | None = None) -> Audiences:
    """The customers who reached funnel ``step`` but not the next step, among the funnel's entrants of
    the last ``days`` days.

    Parameters
    ----------
    data : Dataset, ibis.Table, pandas.DataFrame or dict of them by table name
        A loaded dataset with ``events``.
    step : str
        The step reached (e.g. ``"add_to_cart"`` for 加购未购); it must not be the last step.
    steps, window, order
        The funnel, as for :func:`userops_lib.metrics.funnel.funnel`.
    days : int
        Entrants whose first step-1 event falls in the last ``days`` days up to the as-of date.
    name : str, optional
        Pack name (default ``"dropped_after_<step>"``).

    Returns
    -------
    Audiences
        One pack; its ``features`` are the entrants of those days with ``last_step`` (the last step
        each reached, by name) and ``last_step_number`` (1 = the first step), and the pack's rule
        ``last_step_number == k`` (the position of ``step``). ``as_of`` is the data's as-of date.
    """
    data = inputs.dataset_of(data, "events")
    steps = list(steps)
    if step not in steps[:-1]:
        raise ParameterError(f"step={step!r}: give a funnel step before the last one ({', '.join(steps[:-1])})")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ParameterError(f"days={days!r}: give a whole number of days, at least 1")
    start = data.as_of - _dt.timedelta(days=days - 1)
    # the packs of one funnel (浏览未购, 加购未购) share their entrants' last steps: one pass per Dataset
    key = ("dropout_last_steps", tuple(steps), str(window), order, start)
    features = data.memo(key, lambda: _last_steps(data, steps, window, order, start)).copy()
    k = steps.index(step) + 1
    pack_name = name or f"dropped_after_{step}"
    description = (f"Entered the funnel between {start} and {data.as_of}, reached {step} and not {steps[k]} "
                   f"within {window}")
    pack = build_audiences(features, [{"name": pack_name, "description": description,
                                       "rule": {"feature": "last_step_number", "op": "==", "value": k}}])
    pack.as_of = data.as_of
    return pack


def _last_steps(data, steps: list, window, order: str, start) -> pd.DataFrame:
    """``customer_id, last_step_number, last_step`` of the funnel entrants from ``start`` to the as-of date."""
    users, _, _ = _user_steps(data, steps, window, order, None, None, start, data.as_of, shared=False)
    last = sum(ibis.ifelse(_reached(users, k), 1, 0) for k in range(1, len(steps) + 1))  # reached in order
    features = engine.execute(users.select("customer_id", last_step_number=last))
    features = features.astype({"last_step_number": "int64"}).sort_values("customer_id", ignore_index=True)
    features["last_step"] = features["last_step_number"].map(lambda k: steps[k - 1])
    return features
