"""Repurchase reminders (回购提醒): who to remind now, as an audience pack.

The list comes from the per-customer timing of a fitted purchase model
(:func:`userops_lib.clv.timing.next_purchase_table`): customers whose expected next purchase falls
within the coming ``within_days`` days and who are probably still active. It is an
:class:`~userops_lib.metrics.audiences.Audiences` of one pack, so it is exported exactly like the
value report's packs (:func:`~userops_lib.metrics.audiences.export_audiences`: hashed ids and a
manifest), and :func:`reminder_list` shows it with masked ids.

A purchase model treats each customer's purchases as random at their own rate, so "due" means
"buys often and is still active", not "has run out": for products used up on a cycle, compare
with the category repurchase cycles (:func:`userops_lib.metrics.categories.repurchase_cycles`).
"""

from __future__ import annotations

import pandas as pd

from ..data.ids import mask_ids
from ..exceptions import ParameterError
from .audiences import Audiences, build_audiences

__all__ = ["REMINDER_PACK", "remind_now", "reminder_list"]

#: Name of the reminder pack (and of its export file).
REMINDER_PACK = "repurchase_reminder"
_COLUMNS = ["customer_id", "expected_next_purchase", "days_to_next_purchase", "buy_if_active", "probability_alive",
            "buy_probability", "last_purchase", "days_since_last_purchase", "frequency"]


def remind_now(predictions: pd.DataFrame, within_days: int = 14, min_probability_alive: float = 0.5) -> Audiences:
    """The customers to remind now: expected next purchase within ``within_days`` days, probably active.

    Parameters
    ----------
    predictions : pandas.DataFrame
        Output of :func:`userops_lib.clv.timing.next_purchase_table`.
    within_days : int
        The coming days the expected next purchase must fall in (from the day after the
        predictions' as-of date).
    min_probability_alive : float
        Least probability of still being active (a lapsed customer is a win-back case, not a
        reminder).

    Returns
    -------
    Audiences
        One pack, :data:`REMINDER_PACK`, evaluated on ``predictions`` (its ``features``), with
        the rule spelled out in the pack's description; export it with
        :func:`~userops_lib.metrics.audiences.export_audiences`.
    """
    if isinstance(within_days, bool) or not isinstance(within_days, int) or within_days < 1:
        raise ParameterError(f"within_days={within_days!r}: give a whole number of days, at least 1")
    if not 0 <= min_probability_alive <= 1:
        raise ParameterError(f"min_probability_alive={min_probability_alive!r}: give a probability in [0, 1]")
    missing = [c for c in ("customer_id", "days_to_next_purchase", "probability_alive") if c not in predictions]
    if missing:
        raise ParameterError(f"predictions: missing columns {missing}; pass the output of next_purchase_table")
    as_of, model = predictions.attrs.get("as_of"), predictions.attrs.get("model", "the purchase model")
    rule = {"all": [{"feature": "days_to_next_purchase", "op": "<=", "value": within_days},
                    {"feature": "probability_alive", "op": ">=", "value": min_probability_alive}]}
    description = (f"Expected next purchase ({model}) within {within_days} days after {as_of}, "
                   f"probability still active at least {min_probability_alive:.0%}")
    features = predictions.copy()
    features.attrs.update(predictions.attrs)
    pack = build_audiences(features, [{"name": REMINDER_PACK, "description": description, "rule": rule}])
    pack.as_of = as_of
    return pack


def reminder_list(pack: Audiences, mask: bool = True) -> pd.DataFrame:
    """The customers of a :func:`remind_now` pack, soonest expected purchase first, ids masked.

    Parameters
    ----------
    pack : Audiences
        Output of :func:`remind_now`.
    mask : bool
        Replace ``customer_id`` with its keyed mask (:func:`userops_lib.data.ids.mask_id`).

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (masked), ``expected_next_purchase, days_to_next_purchase,
        buy_if_active`` (within the predictions' horizon, if active), ``probability_alive,
        buy_probability, last_purchase, days_since_last_purchase, frequency``.
    """
    members = pack.members.loc[pack.members["pack"] == REMINDER_PACK, "customer_id"]
    features = pack.features
    out = features[features["customer_id"].isin(set(members))]
    out = out[[c for c in _COLUMNS if c in out.columns]].sort_values(
        ["days_to_next_purchase", "customer_id"], ignore_index=True)
    out.attrs.update(features.attrs)
    return mask_ids(out, enabled=mask)
