"""Shopping-experience map (购物体验地图): how long each fulfilment step takes, how often a promise is
broken, and whether a bad first experience costs the repeat purchase.

Steps (each needs both of its timestamp columns in ``orders``; absent columns drop the step)::

    order_to_paid             order_ts               -> paid_ts
    paid_to_shipped           paid_ts                -> shipped_ts
    shipped_to_delivered      shipped_ts             -> delivered_ts
    delivered_to_aftersales   delivered_ts           -> aftersales_request_ts
    aftersales_to_closed      aftersales_request_ts  -> aftersales_closed_ts

Durations are elapsed hours between the two business-local timestamps, computed in the engine;
a daylight-saving change of the Dataset's time zone between them is taken out (a parcel shipped
at 01:00 and delivered at 04:00 on the night the clocks go forward took 2 hours, not 3). Every
order is counted in every step, as exactly one of: *reached* (both timestamps, end not before
start), *not reached* (a timestamp is missing: not yet paid/shipped/..., or no after-sales case)
or *inconsistent* (end before start). Only reached orders enter the duration statistics.
"""

from __future__ import annotations

import datetime as _dt
import re

import ibis
import numpy as np
import pandas as pd

from ..data import engine, inputs
from ..exceptions import ContractError, ParameterError

__all__ = ["STEPS", "has_steps", "parse_duration", "repurchase_by_experience", "step_durations"]

#: Fulfilment steps in order: (step, start column, end column).
STEPS: tuple[tuple[str, str, str], ...] = (
    ("order_to_paid", "order_ts", "paid_ts"),
    ("paid_to_shipped", "paid_ts", "shipped_ts"),
    ("shipped_to_delivered", "shipped_ts", "delivered_ts"),
    ("delivered_to_aftersales", "delivered_ts", "aftersales_request_ts"),
    ("aftersales_to_closed", "aftersales_request_ts", "aftersales_closed_ts"),
)
_UNIT_HOURS = {"m": 1 / 60, "min": 1 / 60, "h": 1.0, "d": 24.0, "w": 168.0}


def parse_duration(value, name: str = "promise") -> float:
    """Hours in a duration such as ``"48h"``, ``"5d"``, ``"90min"``, ``"2w"`` (a bare number is hours).

    Raises
    ------
    ParameterError
        When the text is not a positive number followed by m/min/h/d/w.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(min|m|h|d|w)?\s*", str(value).lower())
    if not match or float(match.group(1)) <= 0:
        raise ParameterError(f"{name}: expected a positive duration like '48h', '5d' or '90min', got {value!r}")
    return float(match.group(1)) * _UNIT_HOURS[match.group(2) or "h"]


def _orders(data) -> ibis.Table:
    return inputs.table_of(data, "orders", needed_for="The shopping-experience map")


def _hours(start: ibis.Value, end: ibis.Value, shifts: list[tuple[_dt.datetime, float]] = ()) -> ibis.Value:
    """Elapsed hours between two naive local timestamps: wall-clock hours minus the clock shifts
    (``_clock_shifts``) passed between them."""
    wall = (end.epoch_seconds() - start.epoch_seconds()).cast("float64") / 3600.0
    for at, shift in shifts:
        moment = ibis.literal(at, "timestamp")
        wall = wall - ibis.ifelse((start < moment) & (end >= moment), shift, 0.0)
    return wall


def _clock_shifts(data, orders: ibis.Table, columns: list[str]) -> list[tuple[_dt.datetime, float]]:
    """Daylight-saving changes of the Dataset's time zone within the data: ``(local time, hours)``.

    The local time is the later of the two wall-clock readings at the change (03:00 both when
    clocks jump from 02:00 to 03:00 and when they fall back from 03:00 to 02:00), so a timestamp
    at or after it is on the far side; an hour that occurs twice counts as its first occurrence.
    Plain tables carry no time zone and get no correction.
    """
    zone = getattr(data, "time_zone", None)
    if not zone or zone.upper() == "UTC":
        return []
    bounds = engine.execute(orders.aggregate(
        lo=ibis.least(*[orders[c].min() for c in columns]), hi=ibis.greatest(*[orders[c].max() for c in columns])))
    lo, hi = bounds.iloc[0]
    if pd.isna(lo) or pd.isna(hi):
        return []
    instants = pd.date_range(pd.Timestamp(lo) - pd.Timedelta(days=2), pd.Timestamp(hi) + pd.Timedelta(days=2),
                             freq="15min", tz="UTC")
    offsets = (instants.tz_convert(zone).tz_localize(None) - instants.tz_localize(None)).to_numpy()
    changes = np.flatnonzero(offsets[1:] != offsets[:-1]) + 1
    shifts = []
    for i in changes:
        old, new = offsets[i - 1], offsets[i]
        at = instants[i].tz_localize(None) + pd.Timedelta(max(old, new))
        shifts.append((at.to_pydatetime(), (new - old) / np.timedelta64(1, "h")))
    return shifts


def _available_steps(orders: ibis.Table) -> list[tuple[str, str, str]]:
    steps = [s for s in STEPS if s[1] in orders.columns and s[2] in orders.columns]
    if not steps:
        raise ContractError("orders", "paid_ts", "no fulfilment step can be measured: the shopping-experience map "
                            "needs two consecutive timestamps among " + ", ".join(c for _, c, _ in STEPS[1:]) +
                            ", aftersales_closed_ts")
    return steps


def _promise_hours(promises, steps) -> dict[str, float]:
    names = [s[0] for s in steps]
    unknown = [k for k in (promises or {}) if k not in [s[0] for s in STEPS]]
    if unknown:
        raise ParameterError(f"promises: unknown step {unknown[0]!r}; steps are {', '.join(s[0] for s in STEPS)}")
    return {k: parse_duration(v, f"promises[{k!r}]") for k, v in (promises or {}).items() if k in names}


def step_durations(data, promises: dict | None = None) -> pd.DataFrame:
    """Duration of each fulfilment step, and the share of orders breaking its promise.

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        A Dataset, or clean ``orders`` with ``order_ts`` and some of ``paid_ts``, ``shipped_ts``,
        ``delivered_ts``, ``aftersales_request_ts``, ``aftersales_closed_ts``.
    promises : dict, optional
        Promise per step, e.g. ``{"paid_to_shipped": "48h", "shipped_to_delivered": "5d"}``.

    Returns
    -------
    pandas.DataFrame
        One row per measurable step, in fulfilment order: ``step``, ``orders`` (all orders),
        ``reached``, ``not_reached`` (a timestamp missing), ``inconsistent`` (end before start),
        ``median_hours``, ``p80_hours``, ``p95_hours``, ``mean_hours`` (reached orders only), and
        ``promise_hours``, ``breached`` (reached orders slower than the promise) and
        ``breach_share`` (breached / reached); the promise columns are empty for steps without one.

    Raises
    ------
    ContractError
        When no step has both of its timestamp columns.
    ParameterError
        For a promise on an unknown step or a duration that does not parse.
    """
    data = inputs.dataset_of(data, "orders")
    orders = _orders(data)
    steps = _available_steps(orders)
    promise = _promise_hours(promises, steps)
    shifts = _clock_shifts(data, orders, sorted({c for _, a, b in steps for c in (a, b)}))
    parts = []
    for name, start, end in steps:
        hours = _hours(orders[start], orders[end], shifts)
        parts.append(orders.select(step=ibis.literal(name), hours=hours,
                                   promise_h=ibis.literal(promise.get(name), "float64")))
    long = ibis.union(*parts) if len(parts) > 1 else parts[0]
    ok = long.hours >= 0
    stats = long.group_by("step").aggregate(
        orders=long.count(),
        reached=ok.sum(),
        not_reached=long.hours.isnull().sum(),
        inconsistent=(long.hours < 0).sum(),
        median_hours=long.hours.quantile(0.5, where=ok),
        p80_hours=long.hours.quantile(0.8, where=ok),
        p95_hours=long.hours.quantile(0.95, where=ok),
        mean_hours=long.hours.mean(where=ok),
        breached=(ok & (long.hours > long.promise_h)).sum(),
    )
    df = engine.execute(stats)
    df["step"] = pd.Categorical(df["step"], categories=[s[0] for s in steps], ordered=True)
    df = df.sort_values("step", ignore_index=True)
    df["step"] = df["step"].astype(str)
    for col in ("orders", "reached", "not_reached", "inconsistent"):
        df[col] = df[col].fillna(0).astype("int64")
    df["promise_hours"] = df["step"].map(promise).astype("float64")
    has_promise = df["promise_hours"].notna()
    df["breached"] = df["breached"].fillna(0).astype("float64").where(has_promise)
    df["breach_share"] = (df["breached"] / df["reached"].where(df["reached"] > 0)).where(has_promise)
    return df[["step", "orders", "reached", "not_reached", "inconsistent", "median_hours", "p80_hours",
               "p95_hours", "mean_hours", "promise_hours", "breached", "breach_share"]]


def _first_orders(orders: ibis.Table) -> ibis.Table:
    rank = ibis.row_number().over(group_by=orders.customer_id, order_by=[orders.order_ts, orders.order_id])
    ranked = orders.mutate(_n=rank)
    return ranked.filter(ranked._n == 0).drop("_n")


def has_steps(data) -> bool:
    """Whether ``orders`` has the two timestamps of at least one fulfilment step of :data:`STEPS`."""
    data = inputs.dataset_of(data, "orders")
    return any(data.has_column("orders", a) and data.has_column("orders", b) for _, a, b in STEPS)


def repurchase_by_experience(data, delivery_promise="5d", window_days: int | None = None) -> pd.DataFrame:
    """Repurchase rate of customers by the experience of their FIRST order.

    Two comparisons, each when its columns exist: delivery of the first order on time vs late
    (``delivered_ts - order_ts`` within ``delivery_promise``, i.e. as the customer waited, from
    order to delivery), and an after-sales request on the first order vs none.

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        A Dataset or clean ``orders`` (``customer_id, order_id, order_ts, order_date`` and
        ``delivered_ts`` and/or ``aftersales_request_ts``).
    delivery_promise : str or float
        Order-to-delivery promise (``"5d"``, ``"72h"``; a number is hours).
    window_days : int, optional
        Count only repurchases within this many days after the first order day; customers whose
        first order is less than ``window_days`` days before the last order date cannot be judged
        and are left out (counted in ``df.attrs["too_recent"]``). Default: any later day.

    Returns
    -------
    pandas.DataFrame
        ``experience`` ("delivery" / "after-sales"), ``group`` (on time, late, not delivered;
        after-sales request, no after-sales request), ``customers``, ``repurchased`` (customers
        with an order on a later day than their first order), ``repurchase_rate``.
        A first order with delivery before the order time is in the group "inconsistent".
    """
    data = inputs.dataset_of(data, "orders")
    orders = _orders(data)
    if "order_date" not in orders.columns:
        orders = orders.mutate(order_date=orders.order_ts.date())
    has_delivery = "delivered_ts" in orders.columns
    has_aftersales = "aftersales_request_ts" in orders.columns
    if not (has_delivery or has_aftersales):
        raise ContractError("orders", "delivered_ts", "repurchase by experience needs delivered_ts or "
                            "aftersales_request_ts")
    limit = parse_duration(delivery_promise, "delivery_promise")
    first = _first_orders(orders)
    first_day = first.select("customer_id", _first_day=first.order_date)
    o = orders.inner_join(first_day, "customer_id")
    nxt = o.group_by("customer_id").aggregate(_next_day=o.order_date.min(where=o.order_date > o._first_day))
    cust = first.left_join(nxt, "customer_id")
    too_recent = 0
    repeat = cust._next_day.notnull()
    if window_days is not None:
        if int(window_days) < 1:
            raise ParameterError(f"window_days must be a positive number of days, got {window_days!r}")
        as_of = data.as_of
        cutoff = pd.Timestamp(as_of).date() - pd.Timedelta(days=int(window_days))
        old_enough = cust.order_date <= ibis.literal(cutoff)
        too_recent = int(engine.execute((~old_enough).sum().name("n").as_table()).iloc[0, 0] or 0)
        cust = cust.filter(old_enough)
        repeat = cust._next_day.notnull() & (cust._next_day.delta(cust.order_date, unit="day") <= int(window_days))
    groups = {}
    if has_delivery:
        hours = _hours(cust.order_ts, cust.delivered_ts, _clock_shifts(data, orders, ["order_ts", "delivered_ts"]))
        groups["delivery"] = ibis.cases((hours.isnull(), "not delivered"), (hours < 0, "inconsistent"),
                                        (hours <= limit, "on time"), else_="late")
    if has_aftersales:
        groups["after-sales"] = ibis.ifelse(cust.aftersales_request_ts.notnull(), "after-sales request",
                                            "no after-sales request")
    parts = [cust.select(experience=ibis.literal(k), group=v, rep=repeat.cast("int64")) for k, v in groups.items()]
    long = ibis.union(*parts) if len(parts) > 1 else parts[0]
    df = engine.execute(long.group_by(["experience", "group"]).aggregate(customers=long.count(),
                                                                       repurchased=long.rep.sum()))
    order = {"on time": 0, "late": 1, "not delivered": 2, "inconsistent": 3, "no after-sales request": 4,
             "after-sales request": 5}
    df = df.assign(_o=df["group"].map(order)).sort_values("_o", ignore_index=True).drop(columns="_o")
    df["repurchased"] = df["repurchased"].fillna(0).astype("int64")
    df["repurchase_rate"] = df["repurchased"] / df["customers"]
    df.attrs.update(delivery_promise_hours=limit, window_days=window_days, too_recent=too_recent)
    return df[["experience", "group", "customers", "repurchased", "repurchase_rate"]]
