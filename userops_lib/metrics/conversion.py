"""New-buyer conversion (新用户转化): second purchase within W days, and the repurchase cycle (回购周期).

Purchase-day semantics (as in :func:`userops_lib.clv.summary.rfm_summary`): a buyer's *first purchase
day* is the local date of their first order; a *second purchase* is an order on a later day. Orders
on the same day count as one purchase day, so a buyer who placed two orders on day one and nothing
since has not converted.

Right-censoring: a buyer enters the denominator of window W only when their first purchase day is
at least W days before the as-of date (the whole window has been observed). Buyers left out are
counted per window (``censored_<W>d``).

Everything per buyer is one ibis expression run by the engine; only per-group counts come back.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import ClassVar

import ibis
import numpy as np
import pandas as pd

from ..data import engine, inputs
from ..data.periods import check_period, parse_date, period_truncate
from ..exceptions import ContractError, MissingTableError, ParameterError
from ..results import Facts, attach

__all__ = ["second_purchase_conversion", "repurchase_cycle", "CONVERSION_BREAKDOWNS",
           "SecondPurchaseConversionFacts", "RepurchaseCycleFacts"]

#: Values of ``by`` accepted by :func:`second_purchase_conversion`.
CONVERSION_BREAKDOWNS = (None, "cohort", "channel", "first_category", "coupon")
_UNKNOWN = "(unknown)"


# ------------------------------------------------------------------------------------ inputs
def _orders_input(data, as_of=None, needed_for: str = "") -> tuple[ibis.Table, _dt.date, object]:
    """Orders up to the as-of date, the as-of date and the Dataset of ``data`` (any kind
    :func:`~userops_lib.data.inputs.dataset_of` accepts). The as-of date is ``as_of`` when given,
    else the Dataset's (a table's last order date)."""
    dataset = inputs.dataset_of(data, "orders")
    orders = inputs.table_of(dataset, "orders", ("customer_id", "amount", "order_date"), needed_for=needed_for)
    as_of = parse_date(as_of, "as_of") if as_of is not None else dataset.as_of
    if as_of is None:
        raise ContractError("orders", "order_date", "no order has a date", 0)
    return orders.filter(orders.order_date <= as_of), as_of, dataset


def _first_orders(orders: ibis.Table) -> ibis.Table:
    """One row per buyer: the first order (earliest ``order_ts``, then ``order_id``) and the
    first and second purchase days."""
    order_key = [orders[c] for c in ("order_ts", "order_id") if c in orders.columns] or [orders.order_date]
    ranked = orders.mutate(_n=ibis.row_number().over(group_by=orders.customer_id, order_by=order_key))
    first = ranked.filter(ranked._n == 0).drop("_n").rename(first_date="order_date")
    later = orders.join(first.select("customer_id", "first_date"), "customer_id")
    later = later.filter(later.order_date > later.first_date)
    second = later.group_by("customer_id").aggregate(second_date=later.order_date.min())
    buyers = first.left_join(second, "customer_id").drop("customer_id_right")
    return buyers.mutate(gap_days=buyers.second_date.delta(buyers.first_date, unit="day"))


def _first_category(data, buyers: ibis.Table) -> ibis.Value:
    """Category with the most spend in each buyer's first order (ties: alphabetical)."""
    items = _require(data, "order_items", "first_category", "first-category conversion")
    if "category" not in items.columns:
        raise ContractError("order_items", "category", "column not found; needed for by='first_category'")
    spend = items.quantity * items.price if "price" in items.columns else items.quantity
    lines = items.mutate(_spend=spend.cast("float64"), category=items.category.fill_null(_UNKNOWN))
    firsts = lines.semi_join(buyers, lines.order_id == buyers.order_id)
    per_cat = firsts.group_by(["order_id", "category"]).aggregate(_spend=firsts._spend.sum())
    rank = ibis.row_number().over(group_by=per_cat.order_id, order_by=[ibis.desc(per_cat._spend), per_cat.category])
    top = per_cat.mutate(_r=rank)
    top = top.filter(top._r == 0).select("order_id", first_category="category")
    return buyers.left_join(top, "order_id").drop("order_id_right")


def _require(data, table: str, by: str, section: str) -> ibis.Table:
    if not data.has(table):
        raise ParameterError(f"by={by!r} needs the '{table}' table for {section}; the input "
                             f"({data.source}) does not have it: pass a Dataset with it")
    return data.table(table, section)


def _with_group(data, buyers: ibis.Table, by: str | None, period: str) -> ibis.Table:
    """``buyers`` with a text column ``group`` for the breakdown ``by``."""
    if by is None:
        return buyers.mutate(group=ibis.literal("all buyers"))
    if by == "cohort":
        return buyers.mutate(group=period_truncate(buyers.first_date, period).strftime(_COHORT_FORMAT[period]))
    if by == "coupon":
        if "used_coupon" not in buyers.columns:
            raise ContractError("orders", "coupon", "column not found; needed for by='coupon'")
        label = ibis.cases((buyers.used_coupon, "coupon"), (~buyers.used_coupon, "no coupon"), else_=_UNKNOWN)
        return buyers.mutate(group=label)
    if by == "first_category":
        with_cat = _first_category(data, buyers)
        return with_cat.mutate(group=with_cat.first_category.fill_null(_UNKNOWN)).drop("first_category")
    if by == "channel":
        return _with_channel(data, buyers)
    raise ParameterError(f"by={by!r}: use one of {', '.join(repr(b) for b in CONVERSION_BREAKDOWNS)}")


def _with_channel(data, buyers: ibis.Table) -> ibis.Table:
    """Acquisition channel from ``customers.channel``; else the channel of the first order."""
    if data.has_column("customers", "channel"):
        cust = data.table("customers").select("customer_id", acq_channel="channel")
        joined = buyers.left_join(cust, "customer_id").drop("customer_id_right")
        return joined.mutate(group=joined.acq_channel.fill_null(_UNKNOWN)).drop("acq_channel")
    if "channel" in buyers.columns:
        return buyers.mutate(group=buyers.channel.fill_null(_UNKNOWN))
    raise MissingTableError("customers", "Conversion by acquisition channel (customers.channel or orders.channel)")


_COHORT_FORMAT = {"week": "%Y-%m-%d", "month": "%Y-%m", "quarter": "%Y-%m", "year": "%Y"}


def _check_windows(windows) -> list[int]:
    windows = [windows] if isinstance(windows, (int, np.integer)) else list(windows or [])
    if not windows or any(not isinstance(w, (int, np.integer)) or isinstance(w, bool) or w < 1 for w in windows):
        raise ParameterError(f"windows={windows!r}: give one or more whole numbers of days, each at least 1")
    return sorted(set(int(w) for w in windows))


# ---------------------------------------------------------------------------------- public API
@dataclass(frozen=True)
class SecondPurchaseConversionFacts(Facts):
    """What :func:`second_purchase_conversion` states besides its table."""

    producer: ClassVar[str] = "second_purchase_conversion"
    as_of: _dt.date  #: last day observed
    windows: list[int]  #: the window lengths in days, shortest first
    by: str | None  #: the breakdown
    censored: dict[int, int]  #: window -> buyers left out because it has not ended (all groups)


def second_purchase_conversion(data, windows=(30, 60, 90), by: str | None = None, *, period: str = "month",
                               as_of=None) -> pd.DataFrame:
    """Share of first-time buyers who buy again on a later day within W days, per group.

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        Clean orders (``customer_id``, ``order_date``, ``amount``; ``order_ts`` / ``order_id``
        order the first day's orders). ``by="channel"`` and ``"first_category"`` need a Dataset
        with ``customers`` / ``order_items``.
    windows : sequence of int
        Window lengths in days. A second purchase on day ``first + W`` is inside window W.
    by : {None, "cohort", "channel", "first_category", "coupon"}
        Breakdown: first-purchase cohort (``period``), acquisition channel (``customers.channel``,
        falling back to the first order's ``channel``), the category with the most spend in the
        first order, or whether the first order used a coupon. Missing values are ``(unknown)``.
    period : {"week", "month", "quarter", "year"}
        Cohort length for ``by="cohort"``.
    as_of : str or date, optional
        Last day observed; default the Dataset's as-of date (else the last order date).

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted by group: ``group``, ``first_buyers`` (all buyers of the group)
        and, for each window W, ``eligible_<W>d`` (first purchase at least W days before as-of),
        ``converted_<W>d`` (second purchase day within W days), ``rate_<W>d`` (converted /
        eligible, NaN when none is eligible) and ``censored_<W>d`` (buyers left out of window W
        because it has not ended yet). Facts: :class:`SecondPurchaseConversionFacts`.
    """
    windows = _check_windows(windows)
    if by not in CONVERSION_BREAKDOWNS:
        raise ParameterError(f"by={by!r}: use one of {', '.join(repr(b) for b in CONVERSION_BREAKDOWNS)}")
    period = check_period(period, tuple(_COHORT_FORMAT))
    orders, as_of, data = _orders_input(data, as_of, "New-buyer conversion")
    buyers = _with_group(data, _first_orders(orders), by, period)
    observed = ibis.literal(as_of, type="date").delta(buyers.first_date, unit="day")
    metrics = {"first_buyers": buyers.count()}
    for w in windows:
        eligible = observed >= w
        metrics[f"eligible_{w}d"] = eligible.sum()
        metrics[f"converted_{w}d"] = (eligible & (buyers.gap_days <= w).fill_null(False)).sum()
    df = engine.execute(buyers.group_by("group").aggregate(**metrics)).sort_values("group", ignore_index=True)
    columns = ["group", "first_buyers"]
    for w in windows:
        df[f"eligible_{w}d"] = df[f"eligible_{w}d"].fillna(0).astype("int64")
        df[f"converted_{w}d"] = df[f"converted_{w}d"].fillna(0).astype("int64")
        df[f"rate_{w}d"] = df[f"converted_{w}d"] / df[f"eligible_{w}d"].where(df[f"eligible_{w}d"] > 0)
        df[f"censored_{w}d"] = df["first_buyers"] - df[f"eligible_{w}d"]
        columns += [f"eligible_{w}d", f"converted_{w}d", f"rate_{w}d", f"censored_{w}d"]
    df["first_buyers"] = df["first_buyers"].astype("int64")
    df = df[columns]
    return attach(df, SecondPurchaseConversionFacts(as_of=as_of, windows=windows, by=by, censored={
        w: int(df[f"censored_{w}d"].sum()) for w in windows}))


@dataclass(frozen=True)
class RepurchaseCycleFacts(Facts):
    """What :func:`repurchase_cycle` states besides its table."""

    producer: ClassVar[str] = "repurchase_cycle"
    first_buyers: int  #: all buyers up to as-of
    repeat_buyers: int  #: of them, those with a second purchase day
    repeat_share: float  #: repeat_buyers / first_buyers (NaN without buyers)
    basis: str  #: "full follow-up" or "all buyers": whose second purchases the key days use
    basis_buyers: int  #: first buyers in the basis
    left_out_recent: int  #: buyers left out for a follow-up shorter than max_days
    basis_repeat: int  #: second purchases behind the key days (0: no repurchase cycle)
    beyond_max_days: int  #: buyers of the basis whose second purchase came after max_days
    max_days: int  #: the last day of the distribution
    as_of: _dt.date  #: last day observed
    median_days: float  #: median days to the second purchase (NaN without any)
    p50_day: int | float  #: first day by which 50% of the second purchases had happened (NaN without any)
    p80_day: int | float  #: the same for 80%


def repurchase_cycle(data, max_days: int = 365, *, as_of=None, full_follow_up: bool = True) -> pd.DataFrame:
    """Days from the first to the second purchase day (回购周期): distribution and key days.

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        Clean orders.
    max_days : int
        Last day of the distribution and, with ``full_follow_up``, the follow-up every buyer in it
        must have.
    as_of : str or date, optional
        Last day observed (default: the Dataset's as-of date, else the last order date).
    full_follow_up : bool
        True (default): the distribution and key days use only buyers whose first purchase is at
        least ``max_days`` days before as-of, and their second purchases within ``max_days`` days,
        so recent buyers (who can only have come back quickly so far) do not pull the cycle early.
        When none of them came back (data shorter than ``max_days``), all buyers are used and
        the facts' ``basis`` says so. False: all buyers and all observed second purchases (later
        ones enter the key days but not the distribution).

    Returns
    -------
    pandas.DataFrame
        One row per day 1..``max_days``: ``days`` (from first to second purchase day),
        ``buyers`` (second purchases on that day), ``share`` (of ``basis_repeat``) and
        ``cumulative_share``. Facts: :class:`RepurchaseCycleFacts` (the key days ``p50_day`` and
        ``p80_day``, the buyers behind them, those left out).
    """
    if isinstance(max_days, bool) or not isinstance(max_days, (int, np.integer)) or max_days < 1:
        raise ParameterError(f"max_days={max_days!r}: give a whole number of days, at least 1")
    orders, as_of, _ = _orders_input(data, as_of, "Repurchase cycle")
    buyers = _first_orders(orders)
    followed = ibis.literal(as_of, type="date").delta(buyers.first_date, unit="day") >= max_days
    counts = engine.execute(buyers.group_by(["gap_days", followed.name("followed")]).aggregate(buyers=buyers.count()))
    counts["followed"] = counts["followed"].fillna(False).astype(bool)
    first_buyers = int(counts["buyers"].sum())
    gaps = counts.dropna(subset=["gap_days"]).astype({"gap_days": "int64", "buyers": "int64"})
    repeat = int(gaps["buyers"].sum())
    basis = "all buyers"
    in_basis, gaps_basis = counts, gaps
    if full_follow_up and (gaps["followed"] & (gaps["gap_days"] <= max_days)).any():
        basis, in_basis = "full follow-up", counts[counts["followed"]]
        gaps_basis = gaps[gaps["followed"]]
    per_day = gaps_basis.groupby("gap_days")["buyers"].sum().sort_index()  # at most one row per day
    beyond = int(per_day[per_day.index > max_days].sum())
    keyed = per_day[per_day.index <= max_days] if basis == "full follow-up" else per_day
    total = int(keyed.sum())
    dist = pd.DataFrame({"days": np.arange(1, max_days + 1, dtype="int64")})
    dist["buyers"] = dist["days"].map(keyed).fillna(0).astype("int64")
    dist["share"] = dist["buyers"] / total if total else np.nan
    dist["cumulative_share"] = dist["share"].cumsum() if total else np.nan
    basis_buyers = int(in_basis["buyers"].sum())
    return attach(dist, RepurchaseCycleFacts(
        first_buyers=first_buyers, repeat_buyers=repeat, repeat_share=repeat / first_buyers if first_buyers else np.nan,
        basis=basis, basis_buyers=basis_buyers, left_out_recent=first_buyers - basis_buyers, basis_repeat=total,
        beyond_max_days=beyond, max_days=max_days, as_of=as_of, **_key_days(keyed, total)))


def _key_days(counts: pd.Series, total: int) -> dict:
    """Median gap and the first day by which 50% and 80% of the ``total`` second purchases happened."""
    if not total:
        return {"median_days": np.nan, "p50_day": np.nan, "p80_day": np.nan}
    cum = counts.cumsum()
    days = counts.index.to_numpy()
    value_at = lambda k: days[np.searchsorted(cum.to_numpy(), k)]  # k-th smallest gap (1-based)
    median = (value_at((total + 1) // 2) + value_at(total // 2 + 1)) / 2
    # "by day d, at least q of them had happened": the smallest d with cumulative share >= q
    p_day = lambda q: int(days[np.searchsorted(cum.to_numpy(), q * total - 1e-9)])
    return {"median_days": float(median), "p50_day": p_day(0.5), "p80_day": p_day(0.8)}
