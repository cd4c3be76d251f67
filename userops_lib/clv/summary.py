"""Per-customer purchase summary (frequency / recency / T / monetary value) and the
calibration / holdout split that the purchase models (BG/NBD, Pareto/NBD, Gamma-Gamma) are fitted
and checked on.

The numbers follow ``lifetimes.utils.summary_data_from_transaction_data(freq="D",
monetary_value_col=...)`` exactly:

* a *purchase day* is a local calendar day with at least one order; several orders on one day
  count once and their amounts are added up;
* ``frequency`` = purchase days - 1 (repeat purchase days);
* ``recency`` = days from the first to the last purchase day;
* ``T`` = days from the first purchase day to the end of the observation period;
* ``monetary_value`` = mean of the daily totals of the repeat purchase days (the first purchase
  day is left out), 0 for a customer without repeat purchases.

The summary is one ibis query (daily totals per customer and day, then per customer, then the
durations and means), so it runs in DuckDB by default and unchanged on Spark; only the finished
per-customer table comes back to pandas. Before it, a query of row and non-null counts and the
last day (answered from metadata for Parquet) finds the observation end and whether any rows
must be left out (null values, days after the end); only then are they counted by reason.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import ClassVar

import ibis
import pandas as pd

from ..data import engine, inputs
from ..data.periods import parse_date
from ..exceptions import ContractError, ParameterError
from ..results import Facts, attach

__all__ = ["RfmSummaryFacts", "rfm_summary", "calibration_holdout_split", "TIME_UNITS"]

#: Length in days of each ``time_unit``: a month is 365.25 / 12 days.
TIME_UNITS = {"D": 1.0, "W": 7.0, "M": 30.4375}


# ------------------------------------------------------------------------------------ helpers
def _orders_table(orders) -> tuple[ibis.Table, _dt.date | None]:
    """The ibis orders table of ``orders`` (any kind :mod:`~userops_lib.data.inputs` accepts) and,
    for a Dataset, its as-of date (a table given directly states none: the summary ends at its last order)."""
    return inputs.table_of(orders, "orders", needed_for="the purchase summary"), inputs.stated_as_of(orders)


def _unit_days(time_unit: str) -> float:
    if time_unit not in TIME_UNITS:
        raise ParameterError(f"time_unit={time_unit!r}: use one of {', '.join(TIME_UNITS)}")
    return TIME_UNITS[time_unit]


def _standard_columns(t: ibis.Table, customer_id_col: str, date_col: str, amount_col: str) -> ibis.Table:
    """``customer_id``, ``day`` (a local DATE) and ``amount`` from the caller's column names."""
    for col in (customer_id_col, date_col, amount_col):
        if col not in t.columns:
            raise ContractError("orders", col, f"column not found (columns present: {', '.join(t.columns)})")
    day = t[date_col]
    if day.type().is_timestamp():  # a naive local timestamp: its calendar date is the local day
        day = day.date()
    elif not day.type().is_date():
        raise ContractError("orders", date_col, f"expected a date or timestamp column, found {day.type()}")
    return t.select(customer_id=t[customer_id_col].cast("string"), day=day,
                    amount=t[amount_col].cast("float64"))


def _valid_rows(t: ibis.Table, end: _dt.date | None) -> ibis.Table:
    """The rows the summary uses: customer, day and amount present, day not after ``end``."""
    keep = t.customer_id.notnull() & t.day.notnull() & t.amount.notnull()
    return t.filter(keep & (t.day <= end) if end is not None else keep)


def _daily_totals(t: ibis.Table, count_orders: bool) -> ibis.Table:
    """One row per customer and day: the day's spend (and number of orders, if asked: counting
    them makes the grouping about 15 % slower, so the plain summary does not)."""
    extra = {"day_orders": t.count()} if count_orders else {}
    return t.group_by(["customer_id", "day"]).aggregate(day_total=t.amount.sum(), **extra)


def _window_stats(daily: ibis.Table, in_window: ibis.Value | None, suffix: str = "") -> dict[str, ibis.Value]:
    """Per-customer reductions over the purchase days selected by ``in_window`` (None: all days)."""
    stats = {
        f"first_purchase{suffix}": daily.day.min(where=in_window),
        f"last_purchase{suffix}": daily.day.max(where=in_window),
        f"purchase_days{suffix}": daily.count(where=in_window),
        f"total_amount{suffix}": daily.day_total.sum(where=in_window),
        # the first purchase day's total: one value per (customer, day), so there are no ties
        f"first_day_total{suffix}": daily.day_total.argmin(daily.day, where=in_window),
    }
    if "day_orders" in daily.columns:
        stats[f"orders{suffix}"] = daily.day_orders.sum(where=in_window)
    return stats


def _per_customer(t: ibis.Table, windows: dict[str, tuple], end: _dt.date, count_orders: bool = False) -> ibis.Table:
    """Daily totals, then per customer one set of window stats per ``windows`` entry
    (suffix -> (first day exclusive or None, last day inclusive or None)).

    Invalid rows and rows after ``end`` are filtered out *before* the (customer, day) grouping,
    the most expensive step; :func:`_row_accounting` counts them.
    """
    daily = _daily_totals(_valid_rows(t, end), count_orders)
    stats = {}
    for suffix, (after, until) in windows.items():
        conds = ([daily.day > after] if after is not None else []) + ([daily.day <= until] if until is not None else [])
        stats.update(_window_stats(daily, ibis.and_(*conds) if conds else None, suffix))
    return daily.group_by("customer_id").aggregate(**stats)


def _row_accounting(t: ibis.Table, end: _dt.date | None) -> tuple[_dt.date, dict[str, int]]:
    """The observation end (``end``, else the last day with a usable order) and the rows of ``t``
    the summary leaves out, by reason (first reason wins).

    A first query reads only row and non-null counts and the last day, which an engine can answer
    from metadata (Parquet statistics); the per-reason scan only runs when they show rows to leave out.
    """
    stats = engine.execute(t.aggregate(rows=t.count(), customer_id=t.customer_id.count(), day=t.day.count(),
                                       amount=t.amount.count(), last_day=t.day.max())).iloc[0]
    complete = stats["rows"] == stats["customer_id"] == stats["day"] == stats["amount"]
    last_day = None if pd.isna(stats["last_day"]) else pd.Timestamp(stats["last_day"]).date()
    if complete and last_day is not None and (end is None or last_day <= end):
        return end or last_day, {}
    has_id = t.customer_id.notnull()
    has_day = has_id & t.day.notnull()
    has_amount = has_day & t.amount.notnull()
    reasons = {
        "null customer_id": t.count(where=~has_id),
        "null order date": t.count(where=has_id & t.day.isnull()),
        "null amount": t.count(where=has_day & t.amount.isnull()),
    }
    if end is not None:
        reasons["after the observation end"] = t.count(where=has_amount & (t.day > end))
    counts = engine.execute(t.aggregate(**reasons, last_usable_day=t.day.max(where=has_amount))).iloc[0]
    if end is None:
        if pd.isna(counts["last_usable_day"]):
            raise ContractError("orders", None, "no order has a customer id, a date and an amount", int(stats["rows"]))
        end = pd.Timestamp(counts["last_usable_day"]).date()
    return end, {reason: int(counts[reason]) for reason in reasons if counts[reason]}


def _summary_columns(per: ibis.Table, end: ibis.Value, unit_days: float, suffix: str = "") -> dict[str, ibis.Value]:
    """The lifetimes columns from the window stats of ``suffix``, computed in the engine (so only
    the finished columns come back to pandas). ``end`` is a date literal or expression."""
    stat = lambda name: per[f"{name}{suffix}"]  # noqa: E731
    first, last = stat("first_purchase"), stat("last_purchase")
    frequency = stat("purchase_days").cast("int64") - 1
    in_units = lambda start, stop: stop.delta(start, unit="day").cast("float64") / unit_days  # noqa: E731
    return {
        "frequency": frequency,
        "recency": in_units(first, last),
        "T": in_units(first, end),
        "monetary_value": ibis.ifelse(
            frequency > 0, (stat("total_amount") - stat("first_day_total")) / frequency, 0.0),
        "first_purchase": first,
        "last_purchase": last,
        "total_amount": stat("total_amount").cast("float64"),
    }


@dataclass(frozen=True)
class RfmSummaryFacts(Facts):
    """What :func:`rfm_summary` (and :func:`calibration_holdout_split`) states besides its table.

    JSON types only, so ``df.to_parquet()`` keeps working."""

    producer: ClassVar[str] = "rfm_summary"
    excluded_rows: int  #: order rows left out
    excluded_by_reason: dict[str, int]  #: the same, per reason
    observation_end: str  #: "YYYY-MM-DD"
    time_unit: str  #: "D", "W" or "M": the unit of recency and T


def _finish(df: pd.DataFrame, excluded: dict[str, int], end: _dt.date, time_unit: str) -> pd.DataFrame:
    return attach(df.reset_index(drop=True), RfmSummaryFacts(
        excluded_rows=sum(excluded.values()), excluded_by_reason=excluded, observation_end=end.isoformat(),
        time_unit=time_unit))


# ----------------------------------------------------------------------------------- public API
def rfm_summary(orders, *, observation_end=None, time_unit: str = "D", customer_id_col: str = "customer_id",
                date_col: str = "order_date", amount_col: str = "amount") -> pd.DataFrame:
    """Per-customer purchase summary with the semantics of ``lifetimes``.

    Parameters
    ----------
    orders : Dataset, ibis.Table or pandas.DataFrame
        Clean orders (a :class:`~userops_lib.data.load.Dataset` uses its ``orders`` table).
    observation_end : str or date, optional
        Last local day of the observation period (inclusive). Orders after it are left out and
        counted. Default: the Dataset's as-of date, else the date of the last order.
    time_unit : {"D", "W", "M"}
        Unit of ``recency`` and ``T``: days, weeks (7 days) or months (30.4375 days). Purchases
        are always grouped by *day* first and only the durations are divided by the unit, so two
        purchases in the same week stay two purchase days. (``lifetimes`` with ``freq="W"``
        merges same-week purchases and rounds dates down to the week; this function does not.)
    customer_id_col, date_col, amount_col : str
        Column names in ``orders``. ``date_col`` is a local DATE (a naive local timestamp is
        reduced to its date).

    Returns
    -------
    pandas.DataFrame
        One row per customer with a purchase on or before ``observation_end``, sorted by
        ``customer_id``:

        ``customer_id`` (str), ``frequency`` (int, repeat purchase days), ``recency`` and ``T``
        (float, in ``time_unit``), ``monetary_value`` (mean daily spend over the repeat purchase
        days, 0 when ``frequency`` is 0), ``first_purchase``, ``last_purchase`` (dates) and
        ``total_amount`` (all spend, first day included).

        Facts: :class:`RfmSummaryFacts` (rows left out, per reason; ``observation_end``,
        ``time_unit``).

    Raises
    ------
    ParameterError
        Unknown ``time_unit``; ``observation_end`` is not a date or is later than the Dataset's
        as-of date (the data says nothing about the days after it).
    ContractError
        A named column is missing or has the wrong type.

    Notes
    -----
    ``monetary_value`` is computed as (total spend - first day's spend) / ``frequency``, which
    equals the mean of the repeat days' totals up to floating-point rounding.
    """
    unit = _unit_days(time_unit)
    table, as_of = _orders_table(orders)
    t = _standard_columns(table, customer_id_col, date_col, amount_col)
    end, excluded = _row_accounting(t, _check_end(observation_end, as_of, "observation_end"))
    per = _per_customer(t, {"": (None, None)}, end)
    df = engine.execute(per.select("customer_id", **_summary_columns(per, ibis.literal(end, "date"), unit))
                        .order_by("customer_id"), via_arrow=True)
    return _finish(df, excluded, end, time_unit)


def calibration_holdout_split(orders, calibration_end, observation_end=None, *, time_unit: str = "D",
                              customer_id_col: str = "customer_id", date_col: str = "order_date",
                              amount_col: str = "amount") -> pd.DataFrame:
    """Calibration summary and holdout purchases per customer, to fit a model and check it.

    Parameters
    ----------
    orders : Dataset, ibis.Table or pandas.DataFrame
        Clean orders.
    calibration_end : str or date
        Last local day of the calibration period (inclusive).
    observation_end : str or date, optional
        Last local day of the holdout period (inclusive). Default: the Dataset's as-of date, else
        the date of the last order.
    time_unit : {"D", "W", "M"}
        Unit of ``recency_cal``, ``T_cal`` and ``duration_holdout`` (see :func:`rfm_summary`).
    customer_id_col, date_col, amount_col : str
        Column names in ``orders``.

    Returns
    -------
    pandas.DataFrame
        One row per customer whose first purchase is on or before ``calibration_end``:
        ``customer_id``; the :func:`rfm_summary` columns over the calibration period with the
        suffix ``_cal`` (``frequency_cal``, ``recency_cal``, ``T_cal``, ``monetary_value_cal``,
        ``first_purchase_cal``, ...); ``frequency_holdout`` (purchase days in
        (calibration_end, observation_end]), ``monetary_value_holdout`` (mean daily spend over
        those days, 0 if none) and ``duration_holdout`` (length of the holdout in ``time_unit``).

        ``df.attrs``: ``excluded_rows`` / ``excluded_by_reason`` (rows left out: after the
        observation end, null values, and holdout orders of customers first seen in the holdout),
        ``new_in_holdout`` (number of those customers), ``calibration_end``, ``observation_end``.

    Notes
    -----
    ``lifetimes.utils.calibration_and_holdout_data`` averages ``monetary_value_holdout`` over
    holdout *orders*, while its calibration value averages *daily totals*. Here both are daily
    totals, so the two agree with each other; on data with several orders on one day the holdout
    value differs from lifetimes (it equals lifetimes run on daily totals).
    """
    unit = _unit_days(time_unit)
    table, as_of = _orders_table(orders)
    cal_end = parse_date(calibration_end, "calibration_end")
    obs_end = _check_end(observation_end, as_of, "observation_end")
    if obs_end is not None and obs_end <= cal_end:
        raise ParameterError(f"calibration_end={cal_end} must be before observation_end={obs_end}")
    t = _standard_columns(table, customer_id_col, date_col, amount_col)
    obs_end, excluded = _row_accounting(t, obs_end)
    if obs_end <= cal_end:
        raise ParameterError(f"calibration_end={cal_end} must be before the last order day {obs_end}")
    per = _per_customer(t, {"_cal": (None, cal_end), "_holdout": (cal_end, None)}, obs_end, count_orders=True)
    calibration = _summary_columns(per, ibis.literal(cal_end, "date"), unit, "_cal")
    holdout_days = per.purchase_days_holdout.cast("int64")
    df = engine.execute(per.select(
        "customer_id", **{f"{name}_cal": value for name, value in calibration.items()},
        frequency_holdout=holdout_days,
        monetary_value_holdout=ibis.ifelse(holdout_days > 0, per.total_amount_holdout / holdout_days, 0.0),
        purchase_days_cal=per.purchase_days_cal, orders_holdout=per.orders_holdout.cast("int64"),
    ).order_by("customer_id"), via_arrow=True)
    # customers first seen in the holdout have no calibration summary: count them and their orders
    newcomers = df.purchase_days_cal == 0
    new_rows = int(df.loc[newcomers, "orders_holdout"].sum())
    if new_rows:
        excluded["holdout orders of customers first seen in the holdout"] = new_rows
    df = df[~newcomers].drop(columns=["purchase_days_cal", "orders_holdout"])
    df = _finish(df.assign(duration_holdout=(obs_end - cal_end).days / unit), excluded, obs_end, time_unit)
    df.attrs.update(calibration_end=cal_end.isoformat(), new_in_holdout=int(newcomers.sum()))
    return df


def _check_end(value, as_of: _dt.date | None, name: str) -> _dt.date | None:
    """``value`` as a date (None stays None: the as-of date or the last order day is used)."""
    if value is None:
        return as_of
    end = parse_date(value, name)
    if as_of is not None and end > as_of:
        raise ParameterError(f"{name}={end} is after the data's as-of date {as_of}: the data says nothing "
                             "about those days")
    return end

