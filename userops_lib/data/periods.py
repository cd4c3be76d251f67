"""Calendar periods (day, ISO week, month, quarter, year) of local dates, numbered so that
consecutive periods differ by 1.

Every period calculation of the library goes through these functions, in the engine
(:func:`period_index` on a DATE column, :func:`period_truncate`) and in Python (:func:`index_of` on one
date, :func:`start_of` on a column of dates), so a period means the same everywhere.

Periods are named ``"day"``, ``"week"``, ``"month"``, ``"quarter"`` and ``"year"`` in every function.
The one-letter spellings some functions used to take (``"D"``, ``"W"``, ``"M"``, ``"Q"``, ``"Y"``, as in
pandas) are read as those names with a ``DeprecationWarning``, here in :func:`check_period` only. (The
CLV models' ``time_unit`` is another thing: the length of one unit of model time, spelled ``"D"``,
``"W"``, ``"M"`` as in ``lifetimes``.) A period is identified by its start date: the day itself, the Monday of
an ISO week, the first day of a month, quarter or year.
"""

from __future__ import annotations

import datetime as _dt
import warnings

import ibis
import numpy as np
import pandas as pd

from ..exceptions import ParameterError

__all__ = ["PERIODS", "PERIOD_ALIASES", "parse_date", "check_period", "period_truncate", "start_of", "period_index", "index_of", "period_start", "period_label",
           "last_complete_index", "period_frame"]

#: Period names accepted wherever a ``period`` parameter is documented with them.
PERIODS = ("day", "week", "month", "quarter", "year")
#: Old one-letter spellings, read as the period they name with a DeprecationWarning.
PERIOD_ALIASES = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}
#: The date-truncation unit of each period (ibis ``truncate``: the same on DuckDB and Spark).
_TRUNCATE_UNIT = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}
_EPOCH = pd.Timestamp("1970-01-01")


def parse_date(value, name: str = "date") -> _dt.date:
    """The calendar date ``value`` names: the one date parser of the library.

    Accepts a ``datetime.date``, a ``datetime.datetime`` or pandas ``Timestamp`` (its own calendar
    date: no time-zone conversion), a numpy ``datetime64`` and text such as ``"2025-06-30"``,
    ``"2025-06-30 18:00"`` (its date) or ``"2025-06"`` (the first day of the month).

    Raises
    ------
    ParameterError
        ``"<name>=<value> is not a date (use 'YYYY-MM-DD')"`` for anything else: a number, a
        boolean, None, an empty or unreadable text, an impossible date such as ``"2025-02-30"``.
    """
    if isinstance(value, _dt.datetime) and value is not pd.NaT:  # NaT is a datetime too
        return value.date()
    if isinstance(value, _dt.date) and value is not pd.NaT:
        return value
    day = None
    if isinstance(value, (str, np.datetime64)):
        try:
            day = pd.Timestamp(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError):
            day = None
    if day is None or pd.isna(day):
        raise ParameterError(f"{name}={value!r} is not a date (use 'YYYY-MM-DD')")
    return day.date()


def check_period(period: str, allowed=PERIODS) -> str:
    """The period name ``period`` stands for, when it is one of ``allowed``.

    An old one-letter spelling (``"M"``) is read as its name (``"month"``) with a DeprecationWarning;
    anything else not in ``allowed`` is a :class:`ParameterError` naming them. Callers use the value
    returned: ``period = check_period(period)``.
    """
    if isinstance(period, str) and period in PERIOD_ALIASES:
        name = PERIOD_ALIASES[period]
        warnings.warn(f"period={period!r} is the old spelling of {name!r}: write period={name!r}",
                      DeprecationWarning, stacklevel=3)
        period = name
    if period not in allowed:
        raise ParameterError(f"period must be one of {', '.join(allowed)}; got {period!r}")
    return period


def period_index(date_col: ibis.Value, period: str) -> ibis.Value:
    """Integer index of the period a local DATE falls in (consecutive periods differ by 1)."""
    if period == "day":
        return date_col.epoch_days()
    if period == "week":
        # 1970-01-01 was a Thursday: shifting by 3 days makes every index start on a Monday.
        return (date_col.epoch_days() + 3) // 7
    if period == "month":
        return date_col.year().cast("int64") * 12 + date_col.month().cast("int64") - 1
    if period == "year":
        return date_col.year().cast("int64")
    return date_col.year().cast("int64") * 4 + date_col.quarter().cast("int64") - 1


def period_truncate(date_col: ibis.Value, period: str) -> ibis.Value:
    """The start date of the period a local DATE falls in (the Monday of an ISO week, the 1st...)."""
    return date_col.truncate(_TRUNCATE_UNIT[period])


def start_of(dates, period: str) -> pd.Series:
    """Start dates (datetime64) of the periods ``dates`` fall in: :func:`index_of` for a column."""
    d = pd.to_datetime(pd.Series(np.asarray(dates)))
    days = (d - _EPOCH).dt.days
    index = {"day": days, "week": (days + 3) // 7, "month": d.dt.year * 12 + d.dt.month - 1,
             "quarter": d.dt.year * 4 + (d.dt.month - 1) // 3, "year": d.dt.year}[period]
    return period_start(index, period)


def index_of(day: _dt.date, period: str) -> int:
    """Python twin of :func:`period_index` for one date."""
    days = (pd.Timestamp(day) - _EPOCH).days
    return {"day": days, "week": (days + 3) // 7, "month": day.year * 12 + day.month - 1,
            "quarter": day.year * 4 + (day.month - 1) // 3, "year": day.year}[period]


def period_start(index, period: str) -> pd.Series:
    """Start dates (datetime64) of period indexes."""
    idx = pd.Series(np.asarray(index, dtype="int64"))
    if period == "day":
        return _EPOCH + pd.to_timedelta(idx, unit="D")
    if period == "week":
        return _EPOCH + pd.to_timedelta(idx * 7 - 3, unit="D")
    months = {"month": idx, "quarter": idx * 3, "year": idx * 12}[period]
    return pd.to_datetime(pd.DataFrame({"year": months // 12, "month": months % 12 + 1, "day": 1}))


def period_label(start: pd.Series, period: str) -> pd.Series:
    if period == "month":
        return start.dt.strftime("%Y-%m")
    if period == "quarter":
        return start.dt.year.astype(str) + "-Q" + start.dt.quarter.astype(str)
    if period == "year":
        return start.dt.year.astype(str)
    return start.dt.strftime("%Y-%m-%d")


def last_complete_index(as_of: _dt.date, period: str) -> int:
    """Index of the last period that ends on or before ``as_of``."""
    idx = index_of(as_of, period)
    next_start = period_start([idx + 1], period).iloc[0].date()
    return idx if next_start - _dt.timedelta(days=1) <= as_of else idx - 1


def period_frame(indexes, period: str, as_of: _dt.date) -> pd.DataFrame:
    """``period_start, period_end, period, complete`` for a range of period indexes."""
    idx = np.asarray(indexes, dtype="int64")
    start = period_start(idx, period)
    end = period_start(idx + 1, period) - pd.Timedelta(days=1)
    return pd.DataFrame({"_p": idx, "period_start": start, "period_end": end,
                         "period": period_label(start, period),
                         "complete": idx <= last_complete_index(as_of, period)})
