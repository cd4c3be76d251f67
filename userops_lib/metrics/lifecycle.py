"""Lifecycle stages (用户生命周期): how many customers are new, returning, resurrected, dormant
or churned in each period, and which stage each customer is in.

Definitions (PostHog lifecycle, plus churn)
-------------------------------------------
A customer is *active* in a period when they have at least one order (or event) in it.

* **new**: active, and this is their first active period;
* **returning**: active in this period and in the previous one;
* **resurrected**: active in this period, not in the previous one, and not new;
* **dormant**: active in the previous period, not in this one (counted in the first inactive
  period only);
* **churned**: no activity for ``churn_after`` consecutive periods; counted once, in the period
  in which the customer reaches the threshold;
* **quick ratio** = (new + resurrected) / dormant: above 1 the active base grows.

All counting runs in the engine on a customer x active-period table (one row per customer and
period with activity); only per-period or per-stage counts come back to pandas.
"""

from __future__ import annotations

import datetime as _dt

import ibis
import numpy as np
import pandas as pd

from ..data import engine, inputs, periods
from ..data.periods import parse_date
from ..exceptions import ContractError, ParameterError

__all__ = ["lifecycle_stages", "customer_stage", "stage_transitions", "STAGES", "PERIODS"]

#: Stage labels in display order.
STAGES = ["new", "returning", "resurrected", "dormant", "churned"]
#: Label of customers whose first activity is after the period asked about.
NOT_YET = "not yet a customer"
#: Period names (weeks start on Monday).
PERIODS = periods.PERIODS
_ACTIVITY = {"orders": "order_date", "events": "event_date"}


# ------------------------------------------------------------------------------ period numbers
def _start_of(k: int, period: str) -> _dt.date:
    """First day of period number ``k``."""
    return periods.period_start([k], period).iloc[0].date()


def _starts(ks, period: str) -> np.ndarray:
    """First days (datetime64) of period numbers ``ks``."""
    return periods.period_start(ks, period).to_numpy()


# ------------------------------------------------------------------------------ activity table
def _activity(data_or_orders, activity: str, period: str, distinct: bool = True) -> tuple[ibis.Table, _dt.date]:
    """Distinct (customer_id, k) active periods, and the as-of date (``distinct=False``: one row per
    order or event, for a caller whose aggregates do not count rows, e.g. min and max)."""
    from ..data.load import Dataset

    if activity not in _ACTIVITY:
        raise ParameterError(f"activity={activity!r}: use 'orders' or 'events'")
    date_col = _ACTIVITY[activity]
    data = inputs.dataset_of(data_or_orders, activity)
    t, as_of = inputs.table_of(data, activity, ("customer_id", date_col), needed_for="the lifecycle stages"), data.as_of
    day = t[date_col]
    t = t.filter(t.customer_id.notnull() & day.notnull())
    active = t.select(customer_id=t.customer_id.cast("string"), k=periods.period_index(day, period))
    active = active.distinct() if distinct else active
    if as_of is None:
        last = engine.execute(t.aggregate(last=day.max()))["last"].iloc[0]
        if pd.isna(last):
            raise ContractError(activity, date_col, "no row has a customer id and a date", 0)
        as_of = pd.Timestamp(last).date()
    return active, as_of


def _with_neighbours(active: ibis.Table) -> ibis.Table:
    """Each active period with the customer's first, previous and next active period."""
    by_customer = dict(group_by=active.customer_id, order_by=active.k)
    return active.mutate(
        first_k=active.k.min().over(group_by=active.customer_id),
        prev_k=active.k.lag().over(**by_customer),
        next_k=active.k.lead().over(**by_customer),
    )


# ------------------------------------------------------------------------------------ public API
def lifecycle_stages(data_or_orders, period: str = "month", activity: str = "orders", churn_after: int = 3,
                     lookback: int = 1) -> pd.DataFrame:
    """Number of customers in each lifecycle stage, per period.

    Parameters
    ----------
    data_or_orders : Dataset, ibis.Table or pandas.DataFrame
        A Dataset, or a table with ``customer_id`` and ``order_date`` (``event_date`` when
        ``activity="events"``).
    period : {"day", "week", "month", "quarter", "year"}
        Length of a period (weeks start on Monday).
    activity : {"orders", "events"}
        What makes a customer active: an order, or any event of the behaviour log.
    churn_after : int
        Consecutive inactive periods after which a customer counts as churned.
    lookback : int
        Number of leading periods left out of the result: in the first periods of the data nearly
        everyone looks new, which distorts the chart.

    Returns
    -------
    pandas.DataFrame
        One row per period from the first active period + ``lookback`` to the period containing
        the as-of date: ``period`` (first day), ``new``, ``returning``, ``resurrected``,
        ``dormant``, ``churned`` (customer counts, all positive; charts usually draw dormant and
        churned below zero), ``active`` (new + returning + resurrected), ``quick_ratio``
        ((new + resurrected) / dormant, NaN when nobody went dormant) and ``complete`` (False for
        a period that ends after the as-of date: its counts are partial).
    """
    period = periods.check_period(period)
    if int(churn_after) < 1 or int(lookback) < 0:
        raise ParameterError(f"churn_after={churn_after} must be >= 1 and lookback={lookback} >= 0")
    active, as_of = _activity(data_or_orders, activity, period)
    last_k = periods.index_of(as_of, period)
    rows = _with_neighbours(active)
    stage = ibis.cases((rows.k == rows.first_k, "new"), (rows.prev_k == rows.k - 1, "returning"),
                       else_="resurrected")
    gap_after = rows.next_k.fill_null(last_k + churn_after + 1) - rows.k  # periods until the next activity
    went_dormant = rows.filter((gap_after > 1) & (rows.k + 1 <= last_k))
    churned = rows.filter((gap_after > churn_after) & (rows.k + churn_after <= last_k))
    events = ibis.union(
        rows.select(k=rows.k, stage=stage),
        went_dormant.select(k=went_dormant.k + 1, stage=ibis.literal("dormant")),
        churned.select(k=churned.k + churn_after, stage=ibis.literal("churned")),
    )
    counts = engine.execute(events.group_by(["k", "stage"]).aggregate(customers=events.count()))
    if counts.empty:
        raise ContractError(activity, None, "no activity to count", 0)
    wide = counts.pivot_table(index="k", columns="stage", values="customers", aggfunc="sum", fill_value=0)
    first_k = int(wide.index.min())
    wide = wide.reindex(index=range(first_k + int(lookback), last_k + 1), columns=STAGES, fill_value=0)
    out = wide.astype("int64").rename_axis(columns=None).reset_index()
    out["active"] = out[["new", "returning", "resurrected"]].sum(axis=1)
    out["quick_ratio"] = (out.new + out.resurrected) / out.dormant.where(out.dormant > 0)
    out["complete"] = out.k <= periods.last_complete_index(as_of, period)
    out.insert(0, "period", _starts(out.pop("k"), period))
    out.attrs.update(period=period, activity=activity, churn_after=churn_after, as_of=as_of.isoformat())
    return out


def _stage_at(active: ibis.Table, at_k: int, churn_after: int) -> ibis.Table:
    """Per customer first active by period ``at_k``: stage, first/last active period, gap."""
    seen = active.filter(active.k <= at_k)
    per = seen.group_by("customer_id").aggregate(
        first_k=seen.k.min(), last_k=seen.k.max(), active_before=(seen.k == at_k - 1).any())
    gap = at_k - per.last_k
    stage = ibis.cases(
        ((gap == 0) & (per.first_k == at_k), "new"),
        ((gap == 0) & per.active_before, "returning"),
        (gap == 0, "resurrected"),
        (gap >= churn_after, "churned"),
        else_="dormant",
    )
    return per.select("customer_id", "first_k", "last_k", stage=stage, inactive_periods=gap)


def customer_stage(data_or_orders, at=None, period: str = "month", churn_after: int = 3,
                   activity: str = "orders") -> pd.DataFrame:
    """The lifecycle stage of every customer at one period.

    Parameters
    ----------
    data_or_orders : Dataset, ibis.Table or pandas.DataFrame
        As in :func:`lifecycle_stages`.
    at : str or date, optional
        Any day of the period to look at. Default: the last complete period at the as-of date.
    period : {"day", "week", "month", "quarter", "year"}
    churn_after : int
        Consecutive inactive periods after which a customer is churned.
    activity : {"orders", "events"}

    Returns
    -------
    pandas.DataFrame
        One row per customer first active on or before that period, sorted by ``customer_id``:
        ``customer_id``, ``stage`` (new / returning / resurrected when active in the period;
        ``dormant`` when inactive for 1 to ``churn_after`` - 1 periods; ``churned`` after that),
        ``inactive_periods`` (0 when active), ``first_active`` and ``last_active`` (first day of
        those periods). ``df.attrs["period_start"]`` is the first day of the period ("YYYY-MM-DD").

    Notes
    -----
    Per customer, *dormant* covers every inactive period before churn; :func:`lifecycle_stages`
    counts a customer as dormant only in the first inactive period (the PostHog convention).
    """
    period = periods.check_period(period)
    # min, max and any per customer: the same on every order as on the distinct active periods, without
    # the DISTINCT over a million customers' (customer, period) pairs
    active, as_of = _activity(data_or_orders, activity, period, distinct=False)
    at_k = (periods.last_complete_index(as_of, period) if at is None
            else periods.index_of(parse_date(at, "at"), period))
    df = engine.execute(_stage_at(active, at_k, churn_after), via_arrow=True, sort_by="customer_id")
    df["first_active"] = _starts(df.pop("first_k"), period)
    df["last_active"] = _starts(df.pop("last_k"), period)
    df["stage"] = pd.Categorical(df["stage"], categories=STAGES)
    df.attrs.update(period=period, period_start=_start_of(at_k, period).isoformat(), churn_after=churn_after)
    return df[["customer_id", "stage", "inactive_periods", "first_active", "last_active"]]


def stage_transitions(data_or_orders, from_period, to_period, period: str = "month", churn_after: int = 3,
                      activity: str = "orders") -> pd.DataFrame:
    """How customers moved between lifecycle stages from one period to another.

    Parameters
    ----------
    data_or_orders : Dataset, ibis.Table or pandas.DataFrame
        As in :func:`lifecycle_stages`.
    from_period, to_period : str or date
        Any day of the two periods (``to_period`` after ``from_period``).
    period : {"day", "week", "month", "quarter", "year"}
    churn_after : int
    activity : {"orders", "events"}

    Returns
    -------
    pandas.DataFrame
        One row per (``from_stage``, ``to_stage``) pair that occurs, with ``customers`` and
        ``share`` (of the customers in ``from_stage``: shares of a from-stage sum to 1).
        Customers first active after ``from_period`` and by ``to_period`` have from-stage
        ``"not yet a customer"``. ``df.pivot(index="from_stage", columns="to_stage",
        values="share")`` gives the transition matrix.
    """
    period = periods.check_period(period)
    k0 = periods.index_of(parse_date(from_period, "from_period"), period)
    k1 = periods.index_of(parse_date(to_period, "to_period"), period)
    if k1 <= k0:
        raise ParameterError(f"to_period={to_period!r} must be a later {period} than from_period={from_period!r}")
    active, _ = _activity(data_or_orders, activity, period)
    before, after = _stage_at(active, k0, churn_after), _stage_at(active, k1, churn_after)
    pairs = after.left_join(before, after.customer_id == before.customer_id)
    pairs = pairs.select(from_stage=pairs.stage_right.fill_null(NOT_YET), to_stage=pairs.stage)
    df = engine.execute(pairs.group_by(["from_stage", "to_stage"]).aggregate(customers=pairs.count()))
    order = STAGES + [NOT_YET]
    df["from_stage"] = pd.Categorical(df["from_stage"], categories=order)
    df["to_stage"] = pd.Categorical(df["to_stage"], categories=STAGES)
    df = df.sort_values(["from_stage", "to_stage"], ignore_index=True)
    df["share"] = df.customers / df.groupby("from_stage", observed=True).customers.transform("sum")
    df.attrs.update(period=period, from_start=_start_of(k0, period).isoformat(),
                    to_start=_start_of(k1, period).isoformat())
    return df
