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

Everything is one ibis aggregation (daily totals per customer and day, then per customer), so it
runs in DuckDB by default and unchanged on Spark; only the per-customer result comes back to pandas.
"""

from __future__ import annotations

import datetime as _dt

import ibis
import pandas as pd

from . import engine
from .exceptions import ContractError, ParameterError

__all__ = ["rfm_summary", "calibration_holdout_split", "TIME_UNITS"]

#: Length in days of each ``time_unit``: a month is 365.25 / 12 days.
TIME_UNITS = {"D": 1.0, "W": 7.0, "M": 30.4375}

_SUMMARY_COLUMNS = ["customer_id", "frequency", "recency", "T", "monetary_value",
                    "first_purchase", "last_purchase", "orders", "total_amount"]


# ------------------------------------------------------------------------------------ helpers
def _orders_table(orders) -> tuple[ibis.Table, _dt.date | None]:
    """The ibis orders table of ``orders`` and, for a Dataset, its as-of date."""
    from .data import Dataset

    if isinstance(orders, Dataset):
        return orders.table("orders", "the purchase summary"), orders.as_of
    if isinstance(orders, pd.DataFrame):
        # ibis 12's memtable takes no table name, which engine.as_table passes: call it directly
        return ibis.memtable(orders), None
    if isinstance(orders, ibis.Table):
        return engine.as_table(orders), None
    raise ParameterError(
        f"orders must be a Dataset, an ibis table or a pandas DataFrame, not {type(orders).__name__}")


def _as_date(value, name: str) -> _dt.date:
    try:
        return pd.Timestamp(value).date()
    except (TypeError, ValueError):
        raise ParameterError(f"{name}={value!r} is not a date (use 'YYYY-MM-DD')") from None


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


def _exclusions(t: ibis.Table, end: _dt.date | None) -> tuple[_dt.date, dict[str, int]]:
    """The observation end (last order day when ``end`` is None) and rows left out, by reason."""
    probes = {
        "last_day": t.day.max(),
        "null customer_id": t.customer_id.isnull().sum(),
        "null order date": t.day.isnull().sum(),
        "null amount": (t.amount.isnull() & t.customer_id.notnull() & t.day.notnull()).sum(),
    }
    if end is not None:
        probes["after the observation end"] = (t.day > end).sum()
    row = engine.execute(t.aggregate(**probes)).iloc[0]
    if end is None:
        if pd.isna(row["last_day"]):
            raise ContractError("orders", None, "no order has a customer id and a date", 0)
        end = pd.Timestamp(row["last_day"]).date()
    counts = {k: int(row[k] or 0) for k in probes if k != "last_day"}
    return end, {k: v for k, v in counts.items() if v}


def _daily_totals(t: ibis.Table) -> ibis.Table:
    """One row per customer and purchase day: the day's spend and number of orders."""
    kept = t.filter(t.customer_id.notnull() & t.day.notnull() & t.amount.notnull())
    return kept.group_by(["customer_id", "day"]).aggregate(day_total=kept.amount.sum(), day_orders=kept.count())


def _customer_summary(daily: ibis.Table, end: _dt.date, unit_days: float) -> ibis.Table:
    """Per-customer summary of a daily-totals table (purchase days on or before ``end``)."""
    daily = daily.filter(daily.day <= end)
    per = daily.group_by("customer_id").aggregate(
        first_purchase=daily.day.min(),
        last_purchase=daily.day.max(),
        purchase_days=daily.count(),
        orders=daily.day_orders.sum(),
        total_amount=daily.day_total.sum(),
        # the first purchase day's total: one value per (customer, day), so argmin has no ties
        first_day_total=daily.day_total.argmin(daily.day),
    )
    frequency = per.purchase_days - 1
    return per.select(
        "customer_id",
        frequency=frequency,
        recency=per.last_purchase.delta(per.first_purchase, unit="day").cast("float64") / unit_days,
        T=ibis.literal(end, type="date").delta(per.first_purchase, unit="day").cast("float64") / unit_days,
        monetary_value=ibis.ifelse(frequency > 0,
                                   (per.total_amount - per.first_day_total) / frequency.cast("float64"), 0.0),
        first_purchase=per.first_purchase,
        last_purchase=per.last_purchase,
        orders=per.orders,
        total_amount=per.total_amount,
    )


def _finish(df: pd.DataFrame, excluded: dict[str, int], end: _dt.date, time_unit: str,
            ints=("frequency", "orders")) -> pd.DataFrame:
    df = df.sort_values("customer_id", ignore_index=True)
    for col in ints:
        df[col] = df[col].astype("int64")
    # attrs hold JSON types only, so df.to_parquet() keeps working
    df.attrs.update(excluded_rows=sum(excluded.values()), excluded_by_reason=excluded,
                    observation_end=end.isoformat(), time_unit=time_unit)
    return df


# ----------------------------------------------------------------------------------- public API
def rfm_summary(orders, *, observation_end=None, time_unit: str = "D", customer_id_col: str = "customer_id",
                date_col: str = "order_date", amount_col: str = "amount") -> pd.DataFrame:
    """Per-customer purchase summary with the semantics of ``lifetimes``.

    Parameters
    ----------
    orders : Dataset, ibis.Table or pandas.DataFrame
        Clean orders (a :class:`~userops_lib.data.Dataset` uses its ``orders`` table).
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
        days, 0 when ``frequency`` is 0), ``first_purchase``, ``last_purchase`` (dates),
        ``orders`` (number of orders, same-day ones included), ``total_amount`` (all spend,
        first day included).

        ``df.attrs``: ``excluded_rows`` (rows left out), ``excluded_by_reason`` (dict),
        ``observation_end`` ("YYYY-MM-DD"), ``time_unit``.

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
    end = _check_end(observation_end, as_of, "observation_end")
    t = _standard_columns(table, customer_id_col, date_col, amount_col)
    end, excluded = _exclusions(t, end)
    df = engine.execute(_customer_summary(_daily_totals(t), end, unit))
    return _finish(df[_SUMMARY_COLUMNS], excluded, end, time_unit)


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
    cal_end = _as_date(calibration_end, "calibration_end")
    obs_end = _check_end(observation_end, as_of, "observation_end")
    t = _standard_columns(table, customer_id_col, date_col, amount_col)
    obs_end, excluded = _exclusions(t, obs_end)
    if obs_end <= cal_end:
        raise ParameterError(f"calibration_end={cal_end} must be before the observation end {obs_end}")
    daily = _daily_totals(t)
    cal = _customer_summary(daily, cal_end, unit)
    cal = cal.rename({f"{c}_cal": c for c in _SUMMARY_COLUMNS if c != "customer_id"})
    in_holdout = daily.filter((daily.day > cal_end) & (daily.day <= obs_end))
    hold = in_holdout.group_by("customer_id").aggregate(
        frequency_holdout=in_holdout.count(), holdout_total=in_holdout.day_total.sum(),
        holdout_orders=in_holdout.day_orders.sum())
    joined = cal.left_join(hold, cal.customer_id == hold.customer_id).drop("customer_id_right")
    freq = joined.frequency_holdout.fill_null(0)
    out = joined.mutate(
        frequency_holdout=freq,
        monetary_value_holdout=ibis.ifelse(freq > 0, joined.holdout_total / freq.cast("float64"), 0.0),
    ).drop("holdout_total", "holdout_orders")
    df = engine.execute(out)
    # customers first seen in the holdout have no calibration row: count them and their orders
    newcomers = hold.anti_join(cal, hold.customer_id == cal.customer_id)
    new = engine.execute(newcomers.aggregate(customers=newcomers.count(), rows=newcomers.holdout_orders.sum()))
    new_rows = int(new["rows"].fillna(0).iloc[0])
    if new_rows:
        excluded["holdout orders of customers first seen in the holdout"] = new_rows
    df["duration_holdout"] = (obs_end - cal_end).days / unit
    df = _finish(df, excluded, obs_end, time_unit, ints=("frequency_cal", "orders_cal", "frequency_holdout"))
    df.attrs.update(calibration_end=cal_end.isoformat(), new_in_holdout=int(new["customers"].iloc[0]))
    return df


def _check_end(value, as_of: _dt.date | None, name: str) -> _dt.date | None:
    """``value`` as a date (None stays None: the as-of date or the last order day is used)."""
    if value is None:
        return as_of
    end = _as_date(value, name)
    if as_of is not None and end > as_of:
        raise ParameterError(f"{name}={end} is after the data's as-of date {as_of}: the data says nothing "
                             "about those days")
    return end

