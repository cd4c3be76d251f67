"""One way in for data: every public metric and CLV function resolves its input here.

A function of the library accepts any of

* a :class:`~userops_lib.data.load.Dataset` (from :func:`~userops_lib.data.load.load_dataset`):
  its clean tables and as-of date are used as they are;
* an ibis table or a pandas DataFrame in the contract's column names (``order_ts``, ``event_ts``,
  ``customer_id``, ...), taken as the table the function reads first (``orders`` for most);
* a mapping of contract table names to ibis tables or DataFrames, for functions that read several
  tables (``{"customers": ..., "orders": ...}``).

:func:`dataset_of` turns each of them into a ``Dataset``, so a function body reads tables one way
(``data.table(name)``, ``data.has(name)``, ``data.as_of``) whatever it was given. A table given
directly is taken as clean: no row is excluded (run it through ``load_dataset`` for the contract's
cleaning); each contract timestamp column gets its local date next to it as ``load_dataset`` does
(``order_ts`` -> ``order_date``, naive values read as business-local time), and a date column that
arrives as a timestamp (a pandas ``datetime64``) becomes a date. The as-of date of such input is the
last order's date (as ``load_dataset`` chooses it) or, without orders, the latest date of the table
the function reads first, unless the function is given one.

:func:`table_of` is the short form for one table with the columns a function needs; a missing
column is the house's one-line :class:`~userops_lib.exceptions.ContractError` naming the table, the
column and the row count.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping

import ibis
import pandas as pd

from . import engine
from .contract import CONTRACT
from .load import Dataset, _date_column, _with_used_coupon
from .periods import parse_date
from ..exceptions import ContractError, ParameterError

__all__ = ["dataset_of", "table_of", "orders_of", "require_columns", "is_clean", "stated_as_of", "DATE_OF"]

#: The local-date column each table's as-of date is read from when a table is given directly.
DATE_OF = {"orders": "order_date", "events": "event_date", "customers": "signup_date",
           "tier_history": "valid_from_date", "surveys": "ts_date", "tickets": "ts_date"}

#: The contract timestamp column each DATE_OF column is the local date of.
_TS_OF = {"order_ts": "order_date", "event_ts": "event_date", "signup_ts": "signup_date",
          "valid_from": "valid_from_date", "ts": "ts_date"}

_KINDS = "a Dataset, an ibis table or a pandas DataFrame (or a dict of them by table name)"


def dataset_of(data, name: str | tuple[str, ...] = "orders", *, as_of=None) -> Dataset:
    """A :class:`Dataset` for ``data``, whichever of the accepted kinds it is.

    Parameters
    ----------
    data : Dataset, ibis.Table, pandas.DataFrame or mapping of table name to either
        The input of a public function. A single table is taken as table ``name``.
    name : str or tuple of str
        The contract table a single table stands for (``"orders"``, ``"events"``, ``"surveys"``...);
        for a function that reads either of several tables (events, else orders), the first of them
        whose timestamp or date column the table has (default the first).
    as_of : date-like, optional
        The as-of date of a table given directly; default its latest date (``DATE_OF``).

    Returns
    -------
    Dataset
        ``data`` itself when it is a Dataset; else a Dataset whose ``tables`` hold the given
        table(s) with local-date columns added, ``quality`` empty and ``source`` saying what was given.
    """
    if isinstance(data, Dataset):
        return data
    if not isinstance(name, str):
        name = _which(data, name)
    if isinstance(data, Mapping):
        tables = {str(k): _prepared(v, str(k)) for k, v in data.items()}
        source = "tables " + ", ".join(sorted(tables))
    elif isinstance(data, (ibis.Table, pd.DataFrame)):
        tables = {name: _prepared(data, name)}
        source = f"a {'DataFrame' if isinstance(data, pd.DataFrame) else 'table'} of {name}"
    else:
        raise ParameterError(f"{name}: expected {_KINDS}, got {type(data).__name__}")
    day = _as_of(tables, name) if as_of is None else parse_date(as_of, "as_of")
    return Dataset(tables=tables, quality=pd.DataFrame(columns=["table", "reason", "column", "rows", "share",
                                                                "action"]),
                   time_zone="", as_of=day, source=source)


def table_of(data, name: str = "orders", columns=(), *, needed_for: str = "") -> ibis.Table:
    """Table ``name`` of ``data`` (any accepted kind) with ``columns`` checked present.

    Raises :class:`~userops_lib.exceptions.MissingTableError` when a Dataset lacks the table and
    :class:`~userops_lib.exceptions.ContractError` (table, column, row count) when a column is missing.
    """
    if isinstance(data, Dataset):
        table = data.table(name, needed_for)
    elif isinstance(data, Mapping) and name in data:
        table = _prepared(data[name], name)
    elif isinstance(data, Mapping):
        return dataset_of(data, name).table(name, needed_for)
    elif isinstance(data, (ibis.Table, pd.DataFrame)):
        table = _prepared(data, name)
    else:
        raise ParameterError(f"{name}: expected {_KINDS}, got {type(data).__name__}")
    require_columns(table, name, columns)
    return table


def orders_of(data, columns=("customer_id", "order_date"), *, needed_for: str = "") -> ibis.Table:
    """The orders table of ``data``: ``table_of(data, "orders", columns)``."""
    return table_of(data, "orders", columns, needed_for=needed_for)


def is_clean(data) -> bool:
    """Whether ``data`` was cleaned by ``load_dataset`` (a Dataset); tables given directly were not."""
    return isinstance(data, Dataset)


def stated_as_of(data) -> _dt.date | None:
    """The as-of date ``data`` states: a Dataset's; None for tables given directly (whose latest
    date is where they happen to end, not a fact about the source)."""
    return data.as_of if isinstance(data, Dataset) else None


def require_columns(table: ibis.Table, name: str, columns) -> None:
    """Raise the one-line :class:`ContractError` for the first of ``columns`` not in ``table``."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        rows = int(engine.execute_scalar(table.count()))
        raise ContractError(name, missing[0], "missing column (pass a Dataset from load_dataset, or a table in "
                            f"the contract's column names; columns present: {', '.join(table.columns)})", rows)


# ------------------------------------------------------------------------------------ helpers
def _prepared(obj, name: str) -> ibis.Table:
    """``obj`` as an ibis table with the local date of each contract timestamp and date columns as DATE."""
    table = engine.as_table(obj, name)
    spec = CONTRACT.get(name)
    if spec is None:
        return table
    fix = {}
    for col in spec.names:
        if col not in table.columns:
            continue
        kind, typ = spec.kind(col), table[col].type()
        if kind == "timestamp":
            ts = table[col].cast("timestamp") if typ.is_string() else table[col]
            if typ.is_string():
                fix[col] = ts
            date_col = _date_column(col)
            if date_col not in table.columns and (typ.is_timestamp() or typ.is_string()):
                fix[date_col] = ts.date()
            elif typ.is_date() and date_col not in table.columns:
                fix[date_col] = table[col]
        elif kind == "date" and typ.is_timestamp():
            fix[col] = table[col].date()
    # A DataFrame may bring a date column (order_date...) as datetime64: it holds local dates.
    for date_col in set(DATE_OF.values()) | {_date_column(c) for c in spec.names}:
        if date_col in table.columns and date_col not in fix and table[date_col].type().is_timestamp():
            fix[date_col] = table[date_col].date()
    table = table.mutate(**fix) if fix else table
    return _with_used_coupon(table) if name == "orders" else table


def _which(data, names: tuple[str, ...]) -> str:
    """The first of ``names`` a single table (or a mapping) can stand for, by its timestamp/date column."""
    if isinstance(data, Mapping):
        return next((n for n in names if n in data), names[0])
    columns = set(data.columns)
    for n in names:
        if n in DATE_OF and {DATE_OF[n], next(c for c, d in _TS_OF.items() if d == DATE_OF[n])} & columns:
            return n
    return names[0]


def _as_of(tables: dict, name: str) -> _dt.date | None:
    """The last order's date, as ``load_dataset`` chooses it (else the latest date of table ``name``,
    else of the first table with a date); None when no table has one."""
    order = ["orders", name] + [n for n in tables if n not in ("orders", name)]
    for n in order:
        column = DATE_OF.get(n)
        if n in tables and column in tables[n].columns:
            last = engine.execute_scalar(tables[n][column].max())
            return None if last is None or pd.isna(last) else pd.Timestamp(last).date()
    return None
