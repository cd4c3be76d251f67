"""Conversion funnels (转化漏斗): how many users get from a first step (a visit) to a last one (a purchase).

A user *enters* the funnel with their **first** step-1 event (inside ``start``/``end`` when given);
the window runs from that event, and a later step-1 event does not restart it. Every step has to
happen at most ``window`` after the entry (bound included). The three order modes:

``"sequential"`` (the standard ordered funnel)
    Step k is matched at the user's first step-k event at or after the time matched for step k-1.
    Any other events may come in between.
``"strict"``
    The steps must be consecutive among the user's events *of the funnel's step types* from the
    entry on: the user's next funnel-step event after step k-1 must be step k. Events of other
    types (a ``share``, a ``review``) do not break the chain, but any funnel-step event that is not
    the next step does, including a repeat of a step already matched (``visit, product_view,
    product_view, add_to_cart`` stops at ``product_view``). Events with the same timestamp are
    ordered by step number.
``"any"``
    Step k counts when the user has a step-k event anywhere in the window after the entry, in any
    order; a user reaches step k when they have steps 1..k. Times between steps have no direction
    here and are left empty; the time to convert is the time of the latest of the steps' first
    events.

Times between steps are computed from the (naive, business-local) timestamps.

How it runs: like ClickHouse's ``windowFunnel``, one pass per customer. A single scan and group-by
gathers each customer's funnel events (the list of times of each step after the first, or for
``"strict"`` the (time, step) list of all funnel events); the entries (first step-1 event of the
dates asked, of each period, of each campaign) are a plain group-by of the step-1 events, and the
steps are then matched inside each entry's row with list functions; no event table is joined with
another. The lists do not depend on the window, the dates or the breakdown, so a Dataset builds
them once and every funnel of the same steps reads them (01's funnel and funnel per month, 02's
funnels by channel and by campaign). A breakdown is a column of that same pass. It is one ibis
expression per table, run alike by DuckDB and Spark; only one row per group comes back.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import re
from dataclasses import dataclass
from typing import Any, ClassVar

import ibis
import numpy as np
import pandas as pd

from ..data import engine, inputs
from ..data.load import Dataset
from ..data.periods import check_period, period_frame, period_index
from ..exceptions import ContractError, MissingTableError, ParameterError
from ..results import Facts, attach

__all__ = [
    "FunnelFacts",
    "FunnelTrendFacts",
    "DEFAULT_STEPS",
    "FUNNEL_ORDERS",
    "campaign_funnel",
    "format_duration",
    "funnel",
    "funnel_trend",
    "parse_window",
    "time_to_convert",
]

#: The default e-commerce purchase funnel.
DEFAULT_STEPS = ("visit", "product_view", "add_to_cart", "checkout", "purchase")
#: Accepted values of ``order``.
FUNNEL_ORDERS = ("sequential", "strict", "any")
_UNKNOWN = "unknown"
# Default time-to-convert bucket edges, in seconds (cut at the window).
_EDGES = (60, 300, 900, 1800, 3600, 7200, 21600, 43200, 86400, 172800, 259200, 604800, 1209600,
          2592000, 5184000, 7776000)


# ------------------------------------------------------------------------------------ inputs
def parse_window(window) -> pd.Timedelta:
    """``"7d"``, ``"30d"``, ``"1h"``, ``"90min"``, a ``datetime.timedelta`` or ``pd.Timedelta`` → Timedelta."""
    if isinstance(window, (int, float, np.number)) and not isinstance(window, bool):
        raise ParameterError(f"window {window!r} has no unit: write e.g. '7d', '1h' or '30min'")
    if isinstance(window, str):  # pandas 3 deprecates the lower-case day unit ("7d")
        window = re.sub(r"(?<=\d)\s*d(?![a-z])", "D", window.strip())
    try:
        value = pd.Timedelta(window)
    except (ValueError, TypeError):
        raise ParameterError(f"window {window!r} is not a duration: write e.g. '7d', '1h' or '30min'") from None
    if pd.isna(value) or value <= pd.Timedelta(0):
        raise ParameterError(f"window must be a positive duration; got {window!r}")
    return value


def _check_steps(steps) -> tuple[str, ...]:
    steps = (steps,) if isinstance(steps, str) else tuple(steps)
    if len(steps) < 2:
        raise ParameterError(f"a funnel needs at least two steps; got {list(steps)}")
    if len(set(steps)) < len(steps):
        raise ParameterError(f"funnel steps must be different event names; got {list(steps)}")
    return steps


def _events_input(events, customers=None):
    """(events table, customers table or None, Dataset or None) of any input
    :func:`~userops_lib.data.inputs.dataset_of` accepts; the Dataset only when the events were
    cleaned by ``load_dataset`` (rows of a table given directly are checked and counted here)."""
    data = inputs.dataset_of(events, "events")
    table = inputs.table_of(data, "events", ("customer_id", "event_ts", "event_name"), needed_for="The funnel")
    customers = inputs.table_of(customers, "customers") if customers is not None else data.tables.get("customers")
    return table, customers, data if inputs.is_clean(events) else None


# ------------------------------------------------------------------- per-customer paths, one pass
# Like ClickHouse's windowFunnel, each customer's funnel events are gathered in ONE scan and one
# group-by, and matched per customer afterwards, instead of joining the events with the entries
# once per step. The lists hold only the funnel's step events of one customer (a few dozen).
def _on_dates(date, start, end):
    """``start <= date <= end`` where a bound is a date, a date column, or None / NULL (unbounded)."""
    cond = ibis.literal(True)
    for bound, inside in ((start, lambda b: date >= b), (end, lambda b: date <= b)):
        if isinstance(bound, ibis.Value):
            cond = cond & (bound.isnull() | inside(bound))
        elif bound is not None:
            cond = cond & inside(pd.Timestamp(bound).date())
    return cond


def _step_lists(ev: ibis.Table, steps, order: str) -> ibis.Table:
    """For 'sequential' and 'any', one row per customer with an event of a later step (2..n):
    ``customer_id`` and the lists ``_l2.._ln`` of the times of each later step; for 'strict', one
    row per customer with a funnel-step event: ``customer_id`` and the list ``_seq`` of ``(ts, k)``
    (k = step number from 0) of every funnel event. Entries, window and dates are applied afterwards,
    so one table serves every funnel of the same steps (:func:`_shared_lists`); an entrant without a
    row has no later step (:func:`_with_lists`)."""
    # the step-1 events are read by the entries, not here: a fifth of the rows grouped at a million customers
    f = ev.filter(ev._name.isin(list(steps if order == "strict" else steps[1:])))
    f = f.mutate(_k=ibis.cases(*[(f._name == s, i) for i, s in enumerate(steps)]))
    if order == "strict":
        aggs = {"_seq": ibis.struct({"ts": f._ts, "k": f._k}).collect()}
    else:
        aggs = {f"_l{k}": f._ts.collect(where=f._k == k - 1) for k in range(2, len(steps) + 1)}
    return f.group_by("customer_id").agg(**aggs)


def _with_lists(entries: ibis.Table, lists: ibis.Table) -> ibis.Table:
    """``entries`` with the lists of :func:`_step_lists` of their customer (NULL lists for an entrant
    without a later step: no step matches, as with an empty list)."""
    j = entries.left_join(lists, entries.customer_id == lists.customer_id)
    return j.select(*[j[c] for c in entries.columns], *[lists[c] for c in lists.columns if c != "customer_id"])


def _shared_lists(data: Dataset | None, ev: ibis.Table, steps, order: str) -> ibis.Table:
    """:func:`_step_lists` of ``ev``, built once per Dataset and steps: 01's funnel and funnel per
    month, 02's funnels by channel and by campaign (and 03's drop-out packs) read the same lists.

    The engine keeps them as a table (a temporary table on DuckDB, a cached DataFrame on Spark)
    while the Dataset lives: a kept table can spill to disk, while a list aggregate inside a larger
    query has to fit in memory (at 10M customers the campaign funnel's did not). 'sequential' and
    'any' read the same lists; ``data`` None (a table given directly): the expression, not kept.
    """
    if data is None:
        return _step_lists(ev, steps, order)
    kind = "seq" if order == "strict" else "lists"

    def build() -> ibis.Table:
        lists = _step_lists(ev, steps, order)
        return lists.cache() if data.backend is not None else lists

    return data.memo(("funnel_step_lists", tuple(steps), kind), build)


def _entries(ev: ibis.Table, steps, start=None, end=None, by_event: str | None = None,
             period: str | None = None) -> ibis.Table:
    """``customer_id, _t1, _g``: each customer's first step-1 event on ``start``..``end`` and the
    ``by_event`` value of that event (first touch; ties in time are broken by the engine). With
    ``period``, one entry per customer and period, which ``_p`` (the period's index) names."""
    f = ev.filter((ev._name == steps[0]) & _on_dates(ev._date, start, end))
    keys = ["customer_id"]
    if period is not None:
        f, keys = f.mutate(_p=period_index(f._date, period)), ["customer_id", "_p"]
    return f.group_by(keys).agg(
        _t1=f._ts.min(), _g=f[by_event].cast("string").argmin(f._ts) if by_event else ibis.literal(None, "string"))


def _matched(t: ibis.Table, n: int, window, order: str) -> ibis.Table:
    """``t`` (with ``_t1`` and the lists of :func:`_step_lists`) plus ``_t2.._tn``: when each step was matched."""
    t1, last = t._t1, t._t1 + window
    if order == "sequential":  # step k: the first step-k event at or after step k-1, inside the window
        t = t.mutate(_end=last)  # the window's end once per entry, not once per list item
        for k in range(2, n + 1):
            prev = t[f"_t{k - 1}"]
            t = t.mutate(**{f"_t{k}": t[f"_l{k}"].filter(lambda x: (x >= prev) & (x <= t._end)).mins()})
        return t.drop("_end")
    if order == "any":  # step k: the first step-k event anywhere in the window
        return t.mutate(**{f"_t{k}": t[f"_l{k}"].filter(lambda x: (x >= t1) & (x <= last)).mins()
                           for k in range(2, n + 1)})
    # strict: the funnel events from the entry on, in (time, step) order, must be steps 1, 2, ... in a row
    t = t.mutate(_seq=t._seq.filter(lambda x: (x.ts >= t1) & (x.ts <= last)).sort())
    unbroken, times = ibis.literal(True), {}
    for k in range(2, n + 1):
        event = t._seq[k - 1]  # read only when the list is long enough: Spark's ANSI mode fails on a missing item
        unbroken = unbroken & ibis.ifelse(t._seq.length() >= k, event.k == k - 1, False)
        times[f"_t{k}"] = ibis.ifelse(unbroken, event.ts, ibis.null())
    return t.mutate(**times)


def _group_table(by, customers, columns) -> tuple[ibis.Table | None, str | None, str]:
    """(customer → group table or None, event column or None, label of the group column)."""
    if by is None:
        return None, None, "group"
    if isinstance(by, str):
        if by in columns:
            return None, by, by
        if customers is not None and by in customers.columns:
            return customers.select("customer_id", _g=customers[by].cast("string")), None, by
        where = "" if customers is not None else " (no customers table was given)"
        raise ParameterError(f"by={by!r} is neither a column of events ({', '.join(columns)}) nor of customers{where}")
    table = engine.as_table(by, "by")
    others = [c for c in table.columns if c != "customer_id"]
    if "customer_id" not in table.columns or len(others) != 1:
        raise ParameterError("by as a table needs exactly two columns, customer_id and the group; "
                             f"got {', '.join(table.columns)}")
    dupes = int(engine.execute_scalar(table.count() - table.customer_id.nunique()))
    if dupes:
        raise ContractError("by", "customer_id", "a customer appears more than once in the grouping table", dupes)
    return table.select("customer_id", _g=table[others[0]].cast("string")), None, others[0]


def _events(raw: ibis.Table, by_event: str | None) -> tuple[ibis.Table, ibis.Value]:
    """The usable events as ``customer_id, _ts, _name, _date`` (+ ``by_event``), and the test of usable."""
    date = raw.event_date if "event_date" in raw.columns else raw.event_ts.date()
    if date.type().is_timestamp():
        date = date.date()
    usable = raw.customer_id.notnull() & raw.event_ts.notnull() & raw.event_name.notnull()
    keep = {"customer_id": raw.customer_id.cast("string"), "_ts": raw.event_ts, "_name": raw.event_name, "_date": date}
    if by_event:
        keep[by_event] = raw[by_event]
    return raw.filter(usable).select(**keep), usable


def _checked(steps, window, order) -> tuple[tuple[str, ...], pd.Timedelta]:
    steps = _check_steps(steps)
    if order not in FUNNEL_ORDERS:
        raise ParameterError(f"order must be one of {', '.join(FUNNEL_ORDERS)}; got {order!r}")
    return steps, parse_window(window)


def _user_steps(events, steps, window, order, by, customers, start, end, *, shared: bool = True):
    """Per-user table ``customer_id, _g, _t1.._tn`` plus facts for ``attrs``. ``shared=False``: lists
    of this call's entrants only, not kept (for a caller that asks once, such as the drop-out packs
    of the last days' entrants, where the lists of everyone would be built and stored for nothing)."""
    steps, width = _checked(steps, window, order)
    raw, customers, data = _events_input(events, customers)
    group_map, by_event, label = _group_table(by, customers, raw.columns)
    ev, usable = _events(raw, by_event)
    excluded = int(engine.execute_scalar((~usable).sum())) if data is None else 0  # a Dataset is clean already
    per_period = _per_period_users(data, steps, width, order, start, end) if shared and not by_event else {}
    if per_period:  # a funnel per period of the same entries was computed: each customer's first entry is in it
        users = _first_entries(next(iter(per_period.values())))
    else:
        entries = _entries(ev, steps, start, end, by_event)
        if shared:
            lists = _shared_lists(data, ev, steps, order)
        else:  # an entrant's later steps count only inside the window from its entry, on or after ``start``:
            # its events of earlier days never count (at 1M, the last 30 days' entrants read 1/20 of the events)
            own = ev.filter(ev.customer_id.isin(entries.customer_id) & _on_dates(ev._date, start, None))
            lists = _step_lists(own, steps, order)
        users = _matched(_with_lists(entries, lists), len(steps), _interval(width), order)
    if group_map is not None:
        users = users.left_join(group_map, users.customer_id == group_map.customer_id).select(
            users.customer_id, users._t1, *[users[f"_t{k}"] for k in range(2, len(steps) + 1)], _g=group_map._g)
    facts = {"steps": list(steps), "window": width, "order": order, "by": label if by is not None else None,
             "excluded_events": excluded, "start": start, "end": end}
    return users, facts, _end_of_data(data)


def _per_period_users(data: Dataset | None, steps, width, order, start, end) -> dict:
    """Period kind -> the kept per-period users (``customer_id, _p, _t1.._tn``) of :func:`funnel_trend`
    for these steps, window, order and dates on ``data`` (filled by it; empty without a Dataset)."""
    if data is None:
        return {}
    return data.memo(("funnel_period_users", tuple(steps), width, order, repr(start), repr(end)), dict)


def _first_entries(per_period: ibis.Table) -> ibis.Table:
    """The all-time funnel's users from the per-period ones: a customer enters the funnel with their
    first step-1 event, the entry of their first period, matched alike (same lists and window)."""
    # the window as a column first: Spark cannot read one inside a filter
    marked = per_period.mutate(_first=per_period._t1.min().over(ibis.window(group_by="customer_id")))
    users = marked.filter(marked._t1 == marked._first)
    return users.select("customer_id", "_t1", _g=ibis.null("string"),
                        *[c for c in users.columns if c.startswith("_t") and c != "_t1"])


def _end_of_data(data: Dataset | None) -> pd.Timestamp | None:
    """The first moment after the data (for windows still open), when the events come from a Dataset."""
    return (pd.Timestamp(data.as_of) + pd.Timedelta(days=1)) if data is not None else None


def _interval(width: pd.Timedelta):
    return ibis.interval(seconds=int(width.total_seconds()))


def _reached(users, k):
    cond = users._t1.notnull()
    for i in range(2, k + 1):
        cond = cond & users[f"_t{i}"].notnull()
    return cond


def _seconds(ts):
    return ts.epoch_seconds().cast("float64")


def _time_to(users, k, order):
    """Seconds from the entry to reaching step k (the latest first event of steps 1..k for 'any')."""
    if order != "any":
        return _seconds(users[f"_t{k}"]) - _seconds(users._t1)
    latest = users._t1 if k == 1 else ibis.greatest(*[users[f"_t{i}"] for i in range(1, k + 1)])
    return _seconds(latest) - _seconds(users._t1)


# ------------------------------------------------------------------------------------ funnel
@dataclass(frozen=True)
class _FunnelSettings(Facts):
    """The settings every funnel table states: what was asked."""

    steps: list[str]  #: the event names, in funnel order
    window: pd.Timedelta  #: time allowed from the entry event
    order: str  #: "sequential", "strict" or "any"
    by: str | None  #: the breakdown's column name
    excluded_events: int  #: rows without customer, time or name (a bare table; 0 for a Dataset)
    start: Any  #: first entry date asked (None: from the start)
    end: Any  #: last entry date asked (None: to the end)


@dataclass(frozen=True)
class FunnelFacts(_FunnelSettings):
    """What :func:`funnel` (and :func:`campaign_funnel`) states besides its table."""

    producer: ClassVar[str] = "funnel"
    users_entering: int  #: users entering the funnel (all groups)
    users_without_group: int  #: of them, in group "unknown"
    users_with_open_window: int | None  #: entered less than ``window`` before the as-of date (still had time)


@dataclass(frozen=True)
class FunnelTrendFacts(_FunnelSettings):
    """What :func:`funnel_trend` states besides its table."""

    producer: ClassVar[str] = "funnel_trend"
    period_kind: str  #: "day", "week", "month", "quarter" or "year"
    as_of: _dt.date  #: last day observed


def funnel(events, steps=DEFAULT_STEPS, window="7d", order: str = "sequential", by=None, *,
           customers=None, start=None, end=None) -> pd.DataFrame:
    """Users reaching each step of a funnel within ``window`` of their first step-1 event.

    Parameters
    ----------
    events : Dataset, ibis.Table or pandas.DataFrame
        A dataset (its ``events`` table), or a table with ``customer_id, event_ts, event_name`` and
        optionally ``event_date`` and attribute columns such as ``platform``.
    steps : sequence of str
        Event names, in funnel order (at least two, all different).
    window : str or timedelta
        Time allowed from the entry event for all steps: ``"7d"``, ``"30d"``, ``"1h"``...
    order : {"sequential", "strict", "any"}
        How the steps must be ordered; see the module documentation for the exact rules.
    by : str or table, optional
        Breakdown: a column of events (``platform``: the value on the entry event), a column of
        customers (``channel``, ``member_tier``: joined on ``customer_id``), or a table of
        ``customer_id`` and one group column (e.g. a campaign's assignment). Users without a value
        are in group ``"unknown"``, counted in the facts' ``users_without_group``.
    customers : Dataset table, ibis.Table or pandas.DataFrame, optional
        Customers for a ``by`` column when ``events`` is not a Dataset.
    start, end : date-like, optional
        Only users whose entry event falls on these local dates (inclusive) enter the funnel; their
        later steps may be after ``end``.

    Returns
    -------
    pandas.DataFrame
        One row per (group,) step: the group column when ``by`` is given, then ``group_users``
        (users entering the funnel in the group), ``step_number, step, users,
        conversion_from_previous, conversion_from_start, dropped_from_previous``,
        ``median_time_from_previous, p80_time_from_previous`` (between the previous step's matched
        event and this one, users who reached this step; empty for ``order="any"``) and
        ``median_time_from_start`` (Timedeltas; quantiles interpolate linearly).
        Facts: :class:`FunnelFacts` (users entering, events excluded, users without a group and
        ``users_with_open_window``: entered less than ``window`` before the dataset's as-of date,
        so they still had time to convert; counted, not removed).

    Raises
    ------
    MissingTableError
        When a Dataset has no ``events`` table.
    ParameterError
        For fewer than two steps, repeated steps, an unknown order, window or ``by``.
    """
    users, facts, last = _user_steps(events, steps, window, order, by, customers, start, end)
    group = users._g.fill_null(_UNKNOWN) if by is not None else ibis.literal("all")
    wide = engine.execute(users.group_by(_group=group).agg(**_step_aggregates(users, facts, last)))
    return _long_funnel(wide, facts, by)


def _step_aggregates(users: ibis.Table, facts: dict, last) -> dict:
    """Per group: users reaching each step, the median / p80 seconds between steps and from the entry."""
    n, order = len(facts["steps"]), facts["order"]
    aggs = {"_no_group": users._g.isnull().sum().cast("int64")}
    if last is not None:
        aggs["_open"] = (users._t1 + _interval(facts["window"]) >= last.to_pydatetime()).sum().cast("int64")
    for k in range(1, n + 1):
        reached = _reached(users, k)
        aggs[f"users_{k}"] = reached.sum().cast("int64")
        since_start = ibis.ifelse(reached, _time_to(users, k, order), ibis.null())
        aggs[f"start_{k}"] = since_start.median()
        if k > 1 and order != "any":
            gap = ibis.ifelse(reached, _seconds(users[f"_t{k}"]) - _seconds(users[f"_t{k - 1}"]), ibis.null())
            aggs[f"med_{k}"], aggs[f"p80_{k}"] = gap.median(), gap.quantile(0.8)
    return aggs


def _long_funnel(wide: pd.DataFrame, facts: dict, by, keys: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per (``keys``, group,) step from the one-row-per-group aggregates of :func:`_step_aggregates`."""
    steps, label = facts["steps"], facts["by"] or "group"
    if wide.empty and by is None and not keys:  # nobody entered: still one row per step, with zeros
        wide = pd.DataFrame([{c: (0 if c.startswith(("users_", "_no", "_open")) else np.nan) for c in wide.columns}])
        wide["_group"] = "all"
    rows = []
    for k, step in enumerate(steps, 1):  # one block per step (a handful), vectorised over groups
        users = wide[f"users_{k}"].astype("int64")
        prev = wide[f"users_{k - 1}"].astype("int64") if k > 1 else users
        first = wide["users_1"].astype("int64")
        block = pd.DataFrame({
            **{key: wide[key] for key in keys}, label: wide["_group"], "group_users": first, "step_number": k,
            "step": step, "users": users,
            "conversion_from_previous": _rate(users, prev), "conversion_from_start": _rate(users, first),
            "dropped_from_previous": prev - users,
            "median_time_from_previous": _td(wide.get(f"med_{k}")), "p80_time_from_previous": _td(wide.get(f"p80_{k}")),
            "median_time_from_start": _td(wide[f"start_{k}"]) if k > 1 else pd.Timedelta(0)})
        rows.append(block)
    out = pd.concat(rows, ignore_index=True)
    out = out.sort_values([*keys, "group_users", label, "step_number"],
                          ascending=[*(True for _ in keys), False, True, True], ignore_index=True)
    if by is None:
        out = out.drop(columns=[label, "group_users"])
    return attach(out, FunnelFacts(
        **facts, users_entering=int(wide["users_1"].sum()),
        users_without_group=int(wide["_no_group"].sum()) if by is not None else 0,
        users_with_open_window=int(wide["_open"].sum()) if "_open" in wide else None))


def _rate(num, den) -> pd.Series:
    num, den = pd.Series(num, dtype="float64"), pd.Series(den, dtype="float64")
    return (num / den.where(den > 0)).astype("float64")


def _td(seconds) -> pd.Series | pd.Timedelta:
    if seconds is None:
        return pd.NaT
    return pd.to_timedelta(pd.Series(seconds, dtype="float64").round(), unit="s")


# ------------------------------------------------------------------------------ funnel over time
def funnel_trend(events, steps=DEFAULT_STEPS, window="7d", order: str = "sequential", period: str = "month",
                 by=None, *, customers=None, start=None, end=None) -> pd.DataFrame:
    """The funnel of each period: users entering in the period and how far they got.

    A user enters a period's funnel with their first step-1 event dated in that period (so a user
    visiting in March and in April is in both months' funnels), and has ``window`` from that event
    for the later steps, which may fall after the period. Each period's rows are exactly
    :func:`funnel` with ``start``/``end`` at the period's first and last day, computed for all
    periods in one pass (one ibis expression; DuckDB and Spark alike).

    Parameters
    ----------
    events, steps, window, order, by, customers
        As for :func:`funnel`.
    period : {"day", "week", "month", "quarter", "year"}
        Length of the periods (see :mod:`userops_lib.data.periods`).
    start, end : date-like, optional
        Only entries on these local dates (inclusive).

    Returns
    -------
    pandas.DataFrame
        One row per period with entries (oldest first), (group,) and step: ``period_start, period,
        complete`` (the period has ended by the as-of date), the group column and
        ``group_users`` when ``by`` is given, then the columns of :func:`funnel` (``step_number,
        step, users, conversion_from_previous, conversion_from_start, dropped_from_previous``,
        the step times) and ``users_with_open_window`` (users of the period and group who entered
        less than ``window`` before the as-of date and may still convert; 0 for a bare table).
        Facts: :class:`FunnelTrendFacts`.
    """
    period = check_period(period)
    steps, width = _checked(steps, window, order)
    raw, customers, data = _events_input(events, customers)
    group_map, by_event, label = _group_table(by, customers, raw.columns)
    ev, usable = _events(raw, by_event)
    excluded = int(engine.execute_scalar((~usable).sum())) if data is None else 0
    lists = _shared_lists(data, ev, steps, order)
    entries = _entries(ev, steps, start, end, by_event, period=period)  # each customer's first of each period
    users = _matched(_with_lists(entries, lists), len(steps), _interval(width), order)
    if data is not None and not by_event:
        # kept while the Dataset lives: the all-time funnel of the same steps reads its first entries
        # (01 asks for both; matching the entries is most of a funnel's time)
        users = users.select("customer_id", "_p", "_t1", _g=ibis.null("string"),
                             *[f"_t{k}" for k in range(2, len(steps) + 1)])
        kept = _per_period_users(data, steps, width, order, start, end)
        if period not in kept:
            kept[period] = users.cache() if data.backend is not None else users
        users = kept[period]
    if group_map is not None:
        users = users.left_join(group_map, users.customer_id == group_map.customer_id).select(
            users._p, users._t1, *[users[f"_t{k}"] for k in range(2, len(steps) + 1)], _g=group_map._g)
    facts = {"steps": list(steps), "window": width, "order": order, "by": label if by is not None else None,
             "excluded_events": excluded, "start": start, "end": end}
    last = _end_of_data(data)
    group = users._g.fill_null(_UNKNOWN) if by is not None else ibis.literal("all")
    wide = engine.execute(users.group_by(_p=users._p, _group=group).agg(**_step_aggregates(users, facts, last)))
    wide["_p"] = wide["_p"].astype("int64")
    as_of = data.as_of if data is not None else (
        pd.Timestamp(engine.execute_scalar(ev._date.max())).date() if not wide.empty else None)
    out = _long_funnel(wide, facts, by, keys=("_p",))
    if by is None:
        open_ = wide.set_index("_p")["_open"] if "_open" in wide else pd.Series(0, index=wide["_p"])
        out["users_with_open_window"] = out["_p"].map(open_).fillna(0).astype("int64").to_numpy()
    else:
        open_ = wide.set_index(["_p", "_group"])["_open"] if "_open" in wide else None
        keys = pd.MultiIndex.from_arrays([out["_p"], out[label]])
        out["users_with_open_window"] = 0 if open_ is None else open_.reindex(keys).fillna(0).astype("int64").to_numpy()
    frame = period_frame(sorted(wide["_p"].unique()), period, as_of) if not wide.empty else pd.DataFrame(
        columns=["_p", "period_start", "period", "complete"])
    out = frame[["_p", "period_start", "period", "complete"]].merge(out, on="_p", how="right").drop(columns="_p")
    return attach(out, FunnelTrendFacts(**facts, period_kind=period, as_of=as_of))


# ---------------------------------------------------------------------------- time to convert
def format_duration(value) -> str:
    """A Timedelta as a short reading: ``"42s"``, ``"4.2 min"``, ``"3.5 h"``, ``"2.1 d"`` (``"–"`` if missing)."""
    if value is None or pd.isna(value):
        return "–"
    seconds = pd.Timedelta(value).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f}s"


def _label(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def time_to_convert(events, steps=DEFAULT_STEPS, window="7d", order: str = "sequential", *, bins=None,
                    customers=None, start=None, end=None) -> pd.DataFrame:
    """Distribution of the time from the entry (step 1) to the last step, for users who converted.

    Parameters
    ----------
    events, steps, window, order, customers, start, end
        As for :func:`funnel`.
    bins : sequence of str or timedelta, optional
        Upper bounds of the buckets (increasing). Default: 1min, 5min, 15min, 30min, 1h, 2h, 6h,
        12h, 1d, 2d, 3d, 7d, 14d, 30d, 60d, 90d, cut at the window, which is always the last bound.

    Returns
    -------
    pandas.DataFrame
        One row per bucket ``(lower, upper]`` (the first one includes 0): ``bucket, upper,
        converted_users, share, cumulative_share``. ``attrs``: ``users_entering,
        converted_users, median, p80`` (Timedeltas) and the funnel facts.
    """
    users, facts, _ = _user_steps(events, steps, window, order, None, customers, start, end)
    n, limit = len(facts["steps"]), facts["window"].total_seconds()
    edges = sorted({parse_window(b).total_seconds() for b in bins} if bins is not None
                   else {e for e in _EDGES if e < limit})
    edges = [e for e in edges if e < limit] + [limit]
    seconds = ibis.ifelse(_reached(users, n), _time_to(users, n, order), ibis.null())
    bucket = ibis.cases(*[(seconds <= e, i) for i, e in enumerate(edges)], else_=len(edges))
    conv = users.filter(seconds.notnull())
    per = engine.execute(conv.group_by(_b=bucket).agg(converted_users=conv.count()))
    stats = engine.execute(users.agg(entering=users.count(), med=seconds.median(), p80=seconds.quantile(0.8)))
    labels = [f"≤ {_label(edges[0])}"] + [f"{_label(a)}–{_label(b)}" for a, b in itertools.pairwise(edges)]
    out = pd.DataFrame({"_b": range(len(edges)), "bucket": labels, "upper": pd.to_timedelta(edges, unit="s")})
    out = out.merge(per, on="_b", how="left").drop(columns="_b")
    out["converted_users"] = out["converted_users"].fillna(0).astype("int64")
    total = int(out["converted_users"].sum())
    out["share"] = _rate(out["converted_users"], pd.Series(total, index=out.index))
    out["cumulative_share"] = out["share"].cumsum()
    out.attrs.update(facts)
    out.attrs.update(users_entering=int(stats.entering.iloc[0]), converted_users=total,
                     median=_td(stats.med).iloc[0], p80=_td(stats.p80).iloc[0])
    return out


# ---------------------------------------------------------------------------- campaign funnel
def campaign_funnel(data, steps=DEFAULT_STEPS, window="7d", order: str = "sequential",
                    campaign_ids=None) -> pd.DataFrame:
    """The funnel of each campaign's treatment and control groups, during the campaign.

    Groups come from ``campaign_assignments`` (who was targeted or held out), not from
    ``orders.campaign_id``: an order tag only marks buyers, so it cannot tell who entered the funnel
    and dropped out. Users enter with their first step-1 event between the campaign's ``start`` and
    ``end`` dates (the whole data when a date is missing); their later steps may fall after ``end``
    within the window.

    Parameters
    ----------
    data : Dataset, ibis.Table, pandas.DataFrame or dict of them by table name
        Needs ``events``, ``campaign_assignments`` and ``campaigns``.
    steps, window, order
        As for :func:`funnel`.
    campaign_ids : list of str, optional
        Campaigns to show (default: every campaign with assignments).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`funnel` grouped by ``group`` (treatment / control), with
        ``campaign_id, name, assigned_users`` (users assigned to the group) and
        ``share_of_assigned`` (users at the step / assigned users; the comparison that also
        counts the campaign's effect on entering the funnel) in front. Users who entered the funnel
        but were not assigned to the campaign are left out (the funnel is about the two groups).
    """
    data = inputs.dataset_of(data, "events")
    for name in ("events", "campaign_assignments", "campaigns"):
        if not data.has(name):
            raise MissingTableError(name, "The campaign funnel")
    steps, width = _checked(steps, window, order)
    assign, campaigns = data.table("campaign_assignments"), data.table("campaigns")
    sizes = engine.execute(assign.group_by(["campaign_id", "group"]).agg(assigned_users=assign.count()))
    info = engine.execute(campaigns)
    ids = list(campaign_ids) if campaign_ids is not None else sorted(sizes.campaign_id.unique())
    users = _campaign_users(data, steps, width, order, assign.filter(assign.campaign_id.isin(ids)), campaigns)
    facts = {"steps": list(steps), "window": width, "order": order, "by": "group", "excluded_events": 0}
    wide = engine.execute(users.group_by("campaign_id", _group=users._g).agg(
        **_step_aggregates(users, facts, _end_of_data(data))))
    blocks = []
    for cid in ids:  # a handful: only the formatting is per campaign, the funnel was one pass
        row = info[info.campaign_id == cid]
        first = row.iloc[0] if len(row) else pd.Series(dtype=object)
        dates = {"start": _date_or_none(first.get("start")), "end": _date_or_none(first.get("end"))}
        part = _long_funnel(wide[wide.campaign_id == cid].drop(columns="campaign_id"), {**facts, **dates}, "group")
        part.insert(0, "campaign_id", cid)
        part.insert(1, "name", first.get("name", cid) if len(row) else cid)
        blocks.append(part)
    if not blocks:
        return pd.DataFrame()
    out = pd.concat(blocks, ignore_index=True).merge(sizes, on=["campaign_id", "group"], how="left")
    out["assigned_users"] = out["assigned_users"].fillna(0).astype("int64")
    out["share_of_assigned"] = _rate(out["users"], out["assigned_users"])
    front = ["campaign_id", "name", "group", "assigned_users", "group_users", "step_number", "step", "users",
             "share_of_assigned"]
    return out[front + [c for c in out.columns if c not in front]]


def _campaign_users(data: Dataset, steps, width, order, assigned: ibis.Table, campaigns: ibis.Table) -> ibis.Table:
    """Per (campaign, assigned customer who entered during the campaign): ``campaign_id, customer_id,
    _g`` (the group) and ``_t1.._tn``, from one pass over the events for all campaigns together."""
    # a campaign without dates (or without the optional columns) covers the whole data
    bound = {c: campaigns[c] if c in campaigns.columns else ibis.null("date") for c in ("start", "end")}
    dates = campaigns.select(_cid=campaigns.campaign_id, _start=bound["start"], _end=bound["end"])
    members = assigned.left_join(dates, assigned.campaign_id == dates._cid).select(
        "campaign_id", customer_id=assigned.customer_id.cast("string"), _g=assigned.group.cast("string"),
        _start=dates._start, _end=dates._end)
    # The entries: each member's first step-1 event on the campaign's dates, per (campaign, customer,
    # dates) and joined back to the members (so a repeated assignment row stays repeated, as the
    # members are counted). Plain joins and group-bys, which spill; the lists are the shared ones.
    ev, _ = _events(data.table("events"), None)
    first = ev.filter(ev._name == steps[0])
    keys = members.select("campaign_id", "customer_id", "_start", "_end").distinct()
    hits = keys.join(first, "customer_id")
    hits = hits.filter(_on_dates(hits._date, hits._start, hits._end))
    entries = hits.group_by(["campaign_id", "customer_id", "_start", "_end"]).agg(_t1=hits._ts.min())
    j = members.join(entries, [members.campaign_id == entries.campaign_id, members.customer_id == entries.customer_id,
                               members._start.identical_to(entries._start), members._end.identical_to(entries._end)])
    j = j.select(members.campaign_id, members.customer_id, members._g, entries._t1)
    j = _with_lists(j, _shared_lists(data, ev, steps, order))
    return _matched(j, len(steps), _interval(width), order)


def _date_or_none(value) -> _dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()
