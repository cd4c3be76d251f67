"""Engagement: how many days customers are active (stickiness) and a composite activity index.

Activity is read from ``events`` when the data has them (any event counts as activity) and from
``orders`` otherwise; the ``source`` attribute of each result says which. Days are local calendar
dates (``event_date`` / ``order_date``), never timestamps. Per-customer work is one ibis expression
run by the engine; only per-customer or per-day counts come back.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from typing import ClassVar

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..data import engine, inputs
from ..data.periods import parse_date
from ..exceptions import ContractError, ParameterError
from ..results import Facts, attach

__all__ = [
    "StickinessDistributionFacts",
    "ActivityIndexFacts",
    "ACTIVITY_COMPONENTS",
    "DEFAULT_WEIGHTS",
    "activity_by_segment",
    "activity_index",
    "stickiness_distribution",
]

#: Event names of each activity-index component (purchases come from ``orders``).
ACTIVITY_COMPONENTS = {
    "visits": ("visit", "login", "app_open", "session_start"),
    "views": ("product_view", "view"),
    "interactions": ("like", "comment", "share", "review", "post", "answer"),
}
#: Default component weights of :func:`activity_index`.
DEFAULT_WEIGHTS = {"visits": 1.0, "views": 1.0, "interactions": 2.0, "purchases": 3.0}
_UNKNOWN = "unknown"


# ------------------------------------------------------------------------------------ inputs

def _date_column(table: ibis.Table, date: str, ts: str):
    column = table[date] if date in table.columns else table[ts]
    return column.date() if column.type().is_timestamp() else column


def _tables(data) -> tuple[ibis.Table | None, ibis.Table | None, ibis.Table | None, _dt.date | None]:
    """(events, orders, customers, as-of) of any input :func:`~userops_lib.data.inputs.dataset_of`
    accepts; a single table is events when it has ``event_ts``/``event_date``, else orders."""
    data = inputs.dataset_of(data, ("events", "orders"))
    source = "events" if data.has("events") else "orders"
    inputs.table_of(data, source, ("customer_id",))
    return data.tables.get("events"), data.tables.get("orders"), data.tables.get("customers"), data.as_of


def _activity_days(data) -> tuple[ibis.Table, str, _dt.date | None]:
    """Distinct ``customer_id, _date`` of any activity; events if present, else orders."""
    events, orders, _, as_of = _tables(data)
    if inputs.is_clean(data):  # a loaded Dataset: ids are text and never null, dates never null
        source = "events" if events is not None else "orders"
        days = data.activity_days(source)
        return days.select("customer_id", _date=days.activity_date), source, as_of
    if events is not None:
        table, source, date = events, "events", _date_column(events, "event_date", "event_ts")
    else:
        table, source, date = orders, "orders", _date_column(orders, "order_date", "order_ts")
    days = table.select(customer_id=table.customer_id.cast("string"), _date=date)
    return days.filter(days.customer_id.notnull() & days._date.notnull()).distinct(), source, as_of


def _end_date(end, as_of, days: ibis.Table) -> _dt.date:
    if end is not None:
        return parse_date(end, "end")
    if as_of is not None:
        return as_of
    last = engine.execute_scalar(days._date.max())
    if last is None or pd.isna(last):
        raise ContractError("activity", "event_date", "no row has a date, so there is no end date", 0)
    return pd.Timestamp(last).date()


def _check_days(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ParameterError(f"{name} must be a whole number of days ≥ 1; got {value!r}")
    return int(value)


# ------------------------------------------------------------------------- stickiness by days
@dataclass(frozen=True)
class StickinessDistributionFacts(Facts):
    """What :func:`stickiness_distribution` states besides its table."""

    producer: ClassVar[str] = "stickiness_distribution"
    active_customers: int  #: customers active in the window
    window_start: _dt.date  #: first day of the window
    window_end: _dt.date  #: last day of the window
    window_days: int  #: its length
    source: str  #: what counted as activity (the table read)


def stickiness_distribution(data, window_days: int = 30, end=None) -> pd.DataFrame:
    """How many customers were active on exactly N days, and on at least N days, of a window.

    The Amplitude / PostHog stickiness view: among customers active at least once in the last
    ``window_days`` local dates up to ``end`` (both ends included), the count active on exactly
    1, 2, ..., ``window_days`` distinct days.

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        A dataset (``events`` if present, else ``orders``), or an events or orders table.
    window_days : int
        Length of the window in days.
    end : date-like, optional
        Last day of the window (default: the dataset's as-of date, else the last activity date).

    Returns
    -------
    pandas.DataFrame
        One row per N = 1..``window_days``: ``active_days, customers, share`` (of the customers
        active in the window), ``customers_at_least, share_at_least`` (active on N days or more).
        Facts: :class:`StickinessDistributionFacts`.
    """
    window_days = _check_days(window_days, "window_days")
    days, source, as_of = _activity_days(data)
    last = _end_date(end, as_of, days)
    first = last - _dt.timedelta(days=window_days - 1)
    inside = days.filter((days._date >= first) & (days._date <= last))
    per_customer = inside.group_by("customer_id").agg(_n=inside.count())
    counts = engine.execute(per_customer.group_by("_n").agg(customers=per_customer.count()))
    out = pd.DataFrame({"active_days": np.arange(1, window_days + 1)})
    out = out.merge(counts.rename(columns={"_n": "active_days"}).astype("int64"), on="active_days", how="left")
    out["customers"] = out["customers"].fillna(0).astype("int64")
    total = int(out["customers"].sum())
    out["share"] = out["customers"] / total if total else np.nan
    out["customers_at_least"] = out["customers"][::-1].cumsum()[::-1].astype("int64")
    out["share_at_least"] = out["customers_at_least"] / total if total else np.nan
    return attach(out, StickinessDistributionFacts(active_customers=total, window_start=first, window_end=last,
                                                   window_days=window_days, source=source))


# ------------------------------------------------------------------------------ activity index
def _check_weights(weights) -> dict[str, float]:
    if weights is None:
        return dict(DEFAULT_WEIGHTS)
    unknown = sorted(set(weights) - set(DEFAULT_WEIGHTS))
    if unknown:
        raise ParameterError(f"weights: unknown component(s) {unknown}; use {sorted(DEFAULT_WEIGHTS)}")
    out = {k: float(weights.get(k, 0.0)) for k in DEFAULT_WEIGHTS}
    bad = {k: v for k, v in out.items() if not math.isfinite(v) or v < 0}
    if bad:
        raise ParameterError(f"weights must be finite and ≥ 0; got {bad}")
    if not any(out.values()):
        raise ParameterError("weights: at least one component needs a weight above 0")
    return out


def _component_days(events, orders, first=None, last=None) -> ibis.Table:
    """Distinct ``customer_id, _component, _date`` of every component's activity (on ``first``..``last``).

    The dates are kept before the union and the distinct: the index reads 90 days, and at a million
    customers the distinct of two years of events was most of its time.
    """
    parts = []
    for table, date, component in (
            (events, ("event_date", "event_ts"), lambda t: ibis.cases(
                *[(t.event_name.isin(list(names)), comp) for comp, names in ACTIVITY_COMPONENTS.items()],
                else_=ibis.null("string"))),
            (orders, ("order_date", "order_ts"), lambda t: ibis.literal("purchases"))):
        if table is None:
            continue
        part = table.select(customer_id=table.customer_id.cast("string"), _component=component(table),
                            _date=_date_column(table, *date))
        if first is not None:
            part = part.filter((part._date >= first) & (part._date <= last))
        parts.append(part)
    table = parts[0] if len(parts) == 1 else parts[0].union(parts[1])
    return table.filter(table._component.notnull() & table.customer_id.notnull() & table._date.notnull()).distinct()


def _everyone(events, orders, customers, last) -> ibis.Table:
    """Every known customer up to ``last``: customers table, buyers and event users."""
    ids = []
    if customers is not None:
        ids.append(customers.select(customer_id=customers.customer_id.cast("string")))
    for table, date in ((events, ("event_date", "event_ts")), (orders, ("order_date", "order_ts"))):
        if table is not None:
            ids.append(table.filter(_date_column(table, *date) <= last)
                       .select(customer_id=table.customer_id.cast("string")))
    union = ids[0]
    for more in ids[1:]:
        union = union.union(more)
    return union.filter(union.customer_id.notnull()).distinct()


@dataclass(frozen=True)
class ActivityIndexFacts(Facts):
    """What :func:`activity_index` states besides its table."""

    producer: ClassVar[str] = "activity_index"
    weights: dict[str, float]  #: weight per component as used (renormalised over the components used)
    components_used: list[str]  #: components with any activity and a weight
    half_life_days: float  #: age at which an active day counts half
    window_start: _dt.date  #: first day of the history used
    window_end: _dt.date  #: its last day
    inactive_customers: int  #: customers with index 0


def activity_index(data, weights=None, half_life_days: float = 14.0, window_days: int = 90, end=None) -> pd.DataFrame:
    """Composite activity index (0-100) per customer from recency and frequency of four components.

    Formula. For customer *c* and component *j* (``visits``: visit/login events, ``views``:
    product views, ``interactions``: like, comment, share, review, post, answer, ``purchases``:
    orders; see :data:`ACTIVITY_COMPONENTS`), over the active days *d* of *j* in the last
    ``window_days`` days up to ``end`` (a day counts once however many events it has)::

        F[c, j] = sum over d of 0.5 ** (age(d) / half_life_days)     age(d) = end - d, in days
        S[c, j] = F[c, j] / max over customers of F[., j]           (0 when nobody has j)
        index[c] = 100 * sum_j w[j] * S[c, j] / sum_j w[j]

    A recent day weighs 1, a day ``half_life_days`` old weighs 0.5: F grows with frequency and
    with recency. The sum of weights runs over the components present in the data (a source
    without events, like CDNOW, leaves only purchases), so the index always spans 0-100 and the
    most active customer of every component scores 100.

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        A dataset (``events`` and ``orders``; ``customers`` adds the inactive customers), or one
        events or orders table.
    weights : dict, optional
        Weight per component, keys from ``visits, views, interactions, purchases`` (missing keys
        weigh 0); default :data:`DEFAULT_WEIGHTS` (1, 1, 2, 3).
    half_life_days : float
        Age in days at which an active day counts half.
    window_days : int
        Days of history used.
    end : date-like, optional
        Last day (default: the dataset's as-of date, else the last activity date).

    Returns
    -------
    pandas.DataFrame
        One row per known customer (customers table, buyers and event users up to ``end``), most
        active first: ``customer_id``, per component ``<j>_days`` (active days in the window) and
        ``<j>_score`` (S), then ``activity_index`` and ``rank`` (1 = most active, ties share the
        lowest rank). Facts: :class:`ActivityIndexFacts`.
    """
    weights = _check_weights(weights)
    window_days = _check_days(window_days, "window_days")
    if not (isinstance(half_life_days, (int, float, np.number)) and half_life_days > 0):
        raise ParameterError(f"half_life_days must be a positive number; got {half_life_days!r}")
    events, orders, customers, as_of = _tables(data)
    last = _end_date(end, as_of, _component_days(events, orders))
    first = last - _dt.timedelta(days=window_days - 1)
    inside = _component_days(events, orders, first, last)
    decay = (-math.log(2) / float(half_life_days) * inside._date.delta(ibis.literal(last), unit="day").abs()
             .cast("float64")).exp()
    aggs = {}
    for j in DEFAULT_WEIGHTS:
        is_j = inside._component == j
        aggs[f"{j}_days"] = is_j.cast("int64").sum()
        aggs[f"_f_{j}"] = ibis.ifelse(is_j, decay, 0.0).sum()
    per = inside.group_by("customer_id").agg(**aggs)
    if inputs.is_clean(data) and events is not None:  # the event users from the customer-days, not the events
        days = data.activity_days("events")
        events = days.select("customer_id", event_date=days.activity_date)
    everyone = _everyone(events, orders, customers, last)
    joined = everyone.left_join(per, everyone.customer_id == per.customer_id)
    # zeros filled by the engine: a column with nulls comes to pandas value by value (8 s at a million)
    joined = joined.select(everyone, *[per[c].fill_null(0).name(c) for c in aggs])
    out = engine.execute(joined, via_arrow=True).fillna({c: 0 for c in aggs})
    return _combine(out, weights, half_life_days, first, last)


def _combine(out: pd.DataFrame, weights: dict, half_life_days: float, first, last) -> pd.DataFrame:
    used = [j for j in DEFAULT_WEIGHTS if out[f"_f_{j}"].max() > 0 and weights[j] > 0]
    total = sum(weights[j] for j in used)
    index = pd.Series(0.0, index=out.index)
    for j in DEFAULT_WEIGHTS:  # four components
        top = out[f"_f_{j}"].max()
        out[f"{j}_score"] = out[f"_f_{j}"] / top if top > 0 else 0.0
        out[f"{j}_days"] = out[f"{j}_days"].astype("int64")
        if j in used:
            index += weights[j] / total * out[f"{j}_score"]
    out["activity_index"] = (100 * index).clip(0, 100)
    out["rank"] = out["activity_index"].rank(ascending=False, method="min").astype("int64")
    cols = ["customer_id"] + [f"{j}_{k}" for j in DEFAULT_WEIGHTS for k in ("days", "score")] + ["activity_index", "rank"]
    out = out[cols]
    # sorted by Arrow (the ids are distinct, so the order is the same): pandas' sort of a million
    # text ids was a second at a million customers, Arrow's half of that
    keys = pa.table({"rank": out["rank"].to_numpy(), "customer_id": pa.array(out["customer_id"])})
    order = pc.sort_indices(keys, sort_keys=[("rank", "ascending"), ("customer_id", "ascending")])
    out = out.take(order.to_numpy()).reset_index(drop=True)
    return attach(out, ActivityIndexFacts(
        weights={j: (weights[j] / total if j in used else 0.0) for j in DEFAULT_WEIGHTS}, components_used=used,
        half_life_days=half_life_days, window_start=first, window_end=last,
        inactive_customers=int((out["activity_index"] == 0).sum())))


# ------------------------------------------------------------------------- index by segment
def activity_by_segment(index: pd.DataFrame, segments, segment_column: str | None = None,
                        bands=(0, 20, 40, 60, 80, 100)) -> pd.DataFrame:
    """Distribution of the activity index within each segment (RFM segment, member tier...).

    Parameters
    ----------
    index : pandas.DataFrame
        Output of :func:`activity_index` (``customer_id, activity_index``).
    segments : pandas.DataFrame or pandas.Series
        ``customer_id`` and a segment column (e.g. :func:`userops_lib.metrics.rfm.rfm_segments` output),
        or a Series of segments indexed by customer id.
    segment_column : str, optional
        Column of ``segments`` to use; default ``segment`` when present, else the only other one.
    bands : sequence of float
        Band edges of the index; the first band includes 0 (``[0, 20], (20, 40], ...``).

    Returns
    -------
    pandas.DataFrame
        One row per segment, largest first: the segment column, ``customers, mean_index,
        median_index, p25_index, p75_index, inactive_share`` (index 0), then one share column per
        band (``band_0_20``...). Customers of ``index`` without a segment form the segment
        ``"unknown"``; ``attrs["segmented_without_index"]`` counts segment rows whose customer has
        no index (left out).
    """
    if isinstance(segments, pd.Series):
        segments = segments.rename_axis("customer_id").rename(segment_column or segments.name or "segment").reset_index()
    if not isinstance(segments, pd.DataFrame) or "customer_id" not in segments.columns:
        raise ParameterError("segments must be a DataFrame with customer_id and a segment column, or a Series "
                             "indexed by customer id")
    if segment_column is None:
        others = [c for c in segments.columns if c != "customer_id"]
        segment_column = "segment" if "segment" in others else (others[0] if len(others) == 1 else None)
        if segment_column is None:
            raise ParameterError(f"segments has several columns ({', '.join(others)}): name one in segment_column")
    if segment_column not in segments.columns:
        raise ParameterError(f"segment_column {segment_column!r} is not a column of segments")
    for col in ("customer_id", "activity_index"):
        if col not in index.columns:
            raise ParameterError(f"index needs a {col!r} column (the output of activity_index)")
    seg = segments[["customer_id", segment_column]].drop_duplicates("customer_id")
    seg = seg.assign(customer_id=seg["customer_id"].astype(str))
    ids = index[["customer_id", "activity_index"]].assign(customer_id=index["customer_id"].astype(str))
    merged = ids.merge(seg, on="customer_id", how="left")
    merged[segment_column] = merged[segment_column].astype("object").where(merged[segment_column].notna(), _UNKNOWN)
    grouped = merged.groupby(segment_column, sort=False)["activity_index"]
    out = grouped.agg(customers="size", mean_index="mean", median_index="median",
                      p25_index=lambda s: s.quantile(0.25), p75_index=lambda s: s.quantile(0.75),
                      inactive_share=lambda s: (s == 0).mean())
    # the bands named before the cut (the names of pd.cut's own intervals): a million Interval
    # objects in the crosstab took seconds at a million customers
    intervals = pd.cut(pd.Series([], dtype="float64"), bins=list(bands), include_lowest=True).cat.categories
    names = [f"band_{_edge(i.left, bands[0])}_{_edge(i.right, None)}" for i in intervals]
    band = pd.cut(merged["activity_index"], bins=list(bands), include_lowest=True, labels=names)
    shares = pd.crosstab(merged[segment_column], band, normalize="index")
    shares.columns = list(shares.columns)
    out = out.join(shares).reset_index().sort_values("customers", ascending=False, ignore_index=True)
    # Arrow's hash set: pandas' isin of a million text ids was a second (and 5 s on Arrow-backed
    # strings, walked one by one in Python); a missing id matches a missing id, as in pandas
    known = pd.Series(pc.is_in(pa.array(seg["customer_id"]), value_set=pa.array(ids["customer_id"]),
                               skip_nulls=False).to_numpy(zero_copy_only=False), index=seg.index)
    out.attrs["segmented_without_index"] = int((~known).sum())
    out.attrs["segment_column"] = segment_column
    return out


def _edge(value: float, lowest) -> str:
    # pd.cut widens the lowest edge slightly with include_lowest; show the edge the user gave
    value = lowest if lowest is not None and value < lowest else value
    return f"{value:g}"
