"""Loading, validating and cleaning the input tables (the data contract lives in :mod:`contract`).

``load_dataset`` turns a source (a folder of CSV/Parquet files, a dict of pandas DataFrames, a
DuckDB file, an ibis connection to any SQL database, ``"demo"`` or ``"cdnow"``) into a
:class:`Dataset`: one clean engine table per contract table plus a data-quality table that counts,
by reason, every row a calculation will not see.

Rules
-----
* A missing required column, or a column none of whose values has the contract's type, is an
  error (:class:`~userops_lib.exceptions.ContractError`) naming the table, the column and the
  number of rows.
* Row-level problems (null ids, unparseable values, negative amounts not flagged as refunds,
  timestamps in the future, duplicate keys) exclude the row and are counted in ``Dataset.quality``;
  with ``strict=True`` they raise instead. Refunds and rows after the as-of date are excluded and
  counted too, but never raise: they are normal.
* Missing ids: an id that is empty or one of the texts ``NULL``, ``None``, ``NaN``, ``N/A``, ``-``
  (any case) is a missing id in every table, counted as such, never a customer called "NULL".
* Duplicate keys: the **first row in file order** is kept (the row's position in the CSV/Parquet
  file, the DataFrame or the database table as read). A later copy equal to the first in every
  column is an *identical copy*; one that differs (another customer, amount or time) is a
  *conflicting* duplicate, counted as its own reason and listed (masked) in ``Dataset.notes``.
* Time: naive timestamps are business-local wall-clock time; time-zone-aware ones are converted to
  ``time_zone``, and so are text timestamps with an offset (``Z``, ``+08:00``, ``-05:00``), value by
  value: a column mixing both is counted in ``Dataset.quality``. Each timestamp column ``x_ts`` gets
  a local calendar date ``x_date`` next to it and every later calculation uses those dates, so no
  result depends on the machine's or the engine session's time zone.
* An optional table with 0 rows is treated as absent (a note says so); an empty ``orders`` table,
  an ``as_of`` before the first order or after today are errors.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import datetime as _dt
import uuid
import gzip
import re
import os
import shutil
import tempfile
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import ibis
import ibis.expr.datatypes as dt
import pandas as pd

from . import databases, engine, snapshot
from .periods import parse_date
from .contract import CONTRACT, REFUND_STATUSES, TableSpec
from .ids import mask_id
from .quality import Note, reason_text
from ..exceptions import ContractError, MissingTableError, ParameterError
from ..locations import demo_dir

__all__ = [
    "Dataset",
    "load_dataset",
    "load_cdnow",
]

_TRUE = ("true", "t", "1", "yes", "y", "是")
_FALSE = ("false", "f", "0", "no", "n", "否", "")
#: Texts that mean "no id" in exports (compared trimmed and lower-case); the empty string too.
MISSING_ID_TEXTS = ("", "null", "none", "nan", "n/a", "-")
#: A text timestamp that ends in a UTC offset: a time of day, then ``Z`` or ``+hh[:mm]`` / ``-hh[:mm]``
#: (a bare date such as ``2025-06-05`` has no time, so its ``-05`` is never read as an offset).
_OFFSET = r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([Zz]|[+-]\d{2}(:?\d{2})?)$"
#: How many conflicting keys a note lists (masked); the rest are counted.
_LISTED_IDS = 10
_TIMESTAMP_COLUMNS = {"order_ts": "order_date", "signup_ts": "signup_date", "event_ts": "event_date",
                      "valid_from": "valid_from_date"}


@dataclass
class Dataset:
    """Clean tables ready for the engine, with the count of everything that was left out.

    Attributes
    ----------
    tables : dict of str to ibis.Table
        One clean table per contract table present in the source.
    quality : pandas.DataFrame
        Data-quality table: ``table, reason, column, rows, share, action, reason_code, reason_values``
        (``reason`` in English; ``reason_code`` and the dict ``reason_values`` say it again for a
        report in another language, see :mod:`.quality`).
    time_zone : str
        Business time zone every date was computed in.
    as_of : datetime.date
        Last local date included; rows after it are excluded (and counted).
    source : str
        Label of the source (``demo``, ``cdnow``, a path...).
    notes : list of Note
        Sentences about the load a report should show next to the data-quality table: an empty
        optional table treated as absent, conflicting duplicate keys (ids masked), buyers without a
        customer row. Empty when there is nothing to say. Each is an English ``str`` that keeps its
        ``code`` and ``values`` (:class:`.quality.Note`) for a report in another language.
    """

    tables: dict[str, ibis.Table]
    quality: pd.DataFrame
    time_zone: str
    as_of: _dt.date
    source: str = ""
    backend: Any = None
    info: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    # tables derived from the clean ones and kept by the engine for this Dataset's lifetime (not
    # copied by dataclasses.replace, so a Dataset with other tables never reads them)
    _derived: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    # the run's snapshot file this Dataset was opened from (None otherwise, and for with_tables):
    # results computed from it are kept next to it (snapshot.run_cached)
    _snapshot: Any = field(default=None, init=False, repr=False, compare=False)
    # results computed from this Dataset's tables, by key (:meth:`memo`); a Dataset with other tables starts empty
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def has(self, name: str) -> bool:
        """Whether the dataset has table ``name``."""
        return name in self.tables

    def table(self, name: str, needed_for: str = "") -> ibis.Table:
        """Clean table ``name``; raises :class:`MissingTableError` when the source lacks it."""
        if name not in self.tables:
            raise MissingTableError(name, needed_for)
        return self.tables[name]

    def has_column(self, table: str, column: str) -> bool:
        return table in self.tables and column in self.tables[table].columns

    def skip_note(self, name: str, section: str) -> str:
        """One sentence saying that ``section`` is skipped because table ``name`` is absent."""
        spec = CONTRACT.get(name)
        what = f" ({spec.doc.rstrip('.').lower()})" if spec else ""
        return f"*{section}* is skipped: it needs the `{name}` table{what}, which the data source `{self.source}` does not have."

    @property
    def orders(self) -> ibis.Table:
        return self.table("orders")

    def with_tables(self, **tables: ibis.Table) -> "Dataset":
        """This Dataset with some tables replaced (a subset of customers, say); what was derived from
        the tables it keeps (:meth:`activity_days`) is shared, not computed again."""
        out = dataclasses.replace(self, tables={**self.tables, **tables})
        out._derived.update({source: t for source, t in self._derived.items() if source not in tables})
        return out

    def memo(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per Dataset and ``key`` (a result its tables decide, asked for twice in a
        notebook, such as the funnel steps both drop-out packs read); kept as long as the Dataset lives."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def activity_days(self, source: str | None = None, needed_for: str = "") -> ibis.Table:
        """Distinct ``customer_id, activity_date`` of ``source``, computed once per Dataset.

        DAU/WAU/MAU, stickiness, usage retention and the KPI review's activity figures only ask on
        which days each customer was active; at a million customers that is 15M customer-days
        instead of 37M events, and the events are scanned once per notebook instead of once per
        figure. The engine keeps the table (a temporary table on DuckDB, a cached DataFrame on
        Spark) as long as the Dataset lives.

        Parameters
        ----------
        source : {"events", "orders"}, optional
            Default: ``events`` when the dataset has them, else ``orders``.
        needed_for : str
            What needs it, for the error when the table is missing.

        Returns
        -------
        ibis.Table
            ``customer_id, activity_date`` (the local ``event_date`` or ``order_date``), one row
            per customer and day with any row in ``source``.
        """
        source = source or ("events" if self.has("events") else "orders")
        if source not in self._derived:
            days = self.activity_days_expr(source, needed_for)
            self._derived[source] = days.cache() if self.backend is not None else days
        return self._derived[source]

    def activity_days_expr(self, source: str, needed_for: str = "") -> ibis.Table:
        """The expression :meth:`activity_days` keeps (the snapshot stores it in its file)."""
        if source not in ("events", "orders"):
            raise ParameterError(f"source must be 'events' or 'orders'; got {source!r}")
        table = self.table(source, needed_for)
        return table.select("customer_id", activity_date=table[f"{source[:-1]}_date"]).distinct()

    def __repr__(self) -> str:
        return (f"Dataset(source={self.source!r}, tables={sorted(self.tables)}, time_zone={self.time_zone!r}, "
                f"as_of={self.as_of})")


# --------------------------------------------------------------------------------------- sources
def _read_raw(source, backend, csv_encoding: str | None = None) -> tuple[dict[str, Any], str, dict]:
    """Raw tables (pandas frames or ibis tables) of a source, its label and source facts."""
    if isinstance(source, Mapping):
        return dict(source), "dataframes", {}
    if isinstance(source, ibis.BaseBackend):
        present = set(source.list_tables())
        tables = {n: source.table(n) for n in CONTRACT if n in present}
        if source is not backend:  # another database: stream the contract tables into the engine in batches
            tables, facts = databases.copy_tables(source, tables, backend)
            return tables, source.name, facts
        return tables, source.name, {}
    text = str(source)
    if text == "demo":
        folder = demo_dir()
        if not (folder / "orders.parquet").exists():
            from ..demo.generate import write_demo

            write_demo(folder)
        raw, _, facts = _read_raw(folder, backend)
        return raw, "demo", facts
    if text in ("cdnow", "cdnow_sample"):
        orders, facts = load_cdnow(sample=text == "cdnow_sample", with_facts=True)
        return {"orders": orders}, text, facts
    if backend.name == "pyspark" and text.split("://")[0].lower() in SPARK_FILE_SCHEMES and "://" in text:
        raw, files = _read_folder(text, backend, csv_encoding)
        return raw, text.rstrip("/").rsplit("/", 1)[-1], {"files": files}
    path = Path(text).expanduser()
    if path.suffix in (".duckdb", ".db") and path.is_file() and backend.name == "duckdb":
        backend.attach(str(path), name="source_db", read_only=True)
        present = set(backend.list_tables(database=("source_db", "main")))
        return {n: backend.table(n, database=("source_db", "main")) for n in CONTRACT if n in present}, path.name, {}
    if path.is_dir():
        raw, files = _read_folder(path, backend, csv_encoding)
        return raw, path.name, {"files": files}
    raise ParameterError(
        f"data source {text!r} is neither 'demo', 'cdnow', a folder of CSV/Parquet files, a DuckDB file "
        "nor a database URL"
    )


def _read_folder(folder: Path | str, backend, csv_encoding: str | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """The contract tables of a local folder, or of a folder URI that the Spark engine reads, and the
    file each one was read from (``name -> file name``)."""
    con = backend if backend is not None else engine.duckdb_backend()
    present = _files_at(folder, con) if isinstance(folder, str) else None
    raw, files = {}, {}
    for name in CONTRACT:
        for suffix in (".parquet", ".csv", ".csv.gz", ".tsv"):
            path = (f"{folder.rstrip('/')}/{name}{suffix}" if isinstance(folder, str) else folder / f"{name}{suffix}")
            if (f"{name}{suffix}" in present) if present is not None else path.exists():
                files[name] = f"{name}{suffix}"
                if suffix == ".parquet":
                    raw[name] = con.read_parquet(str(path), table_name=_unique(f"raw_{name}"))
                else:
                    raw[name] = _read_csv(con, name, path, csv_encoding)
                break
    if "orders" not in raw:
        raise ContractError("orders", None, f"no orders.parquet or orders.csv in {folder}")
    return raw, files


def _unique(table: str) -> str:
    """``table`` with a random suffix: two datasets loaded on one engine (a shared Spark session, a
    caller's DuckDB) must not overwrite each other's tables (a second load used to replace the first
    one's ``clean_orders`` under it)."""
    return f"{table}_{uuid.uuid4().hex[:8]}"


def _read_csv(con, name: str, path: Path | str, csv_encoding: str | None) -> ibis.Table:
    """One CSV file as text columns, in ``csv_encoding`` (default UTF-8).

    Every column is read as text on both engines (Spark would otherwise infer types: ``0007``
    becomes 7, and its own timestamp parser handles offsets); the contract casts and counts what
    does not parse. Another encoding is read from a UTF-8 copy (:func:`_transcoded`): DuckDB reads
    only UTF-8, UTF-16 and Latin-1, Spark 4 only the UTF and ISO-8859-1 charsets.
    """
    codec = _codec(csv_encoding) if csv_encoding else "utf-8"
    source = path
    if codecs.lookup(codec).name != "utf-8":
        if isinstance(path, str):  # a folder URI only Spark reaches: no local copy can be made
            raise ParameterError(f"csv_encoding {csv_encoding!r} works for local folders only; convert {path} "
                                 "to UTF-8 first")
        source = _transcoded(Path(path), codec, con)
    opts = {"all_varchar": True} if con.name == "duckdb" else {"inferSchema": False}
    try:
        return con.read_csv(str(source), table_name=_unique(f"raw_{name}"), **opts)
    except Exception as err:
        raise _not_utf8(name, Path(path), err) or err


def _codec(encoding: str) -> str:
    """Python codec of an encoding name; GBK and GB2312 are read as GB18030, the superset of both."""
    try:
        found = codecs.lookup(encoding).name
    except LookupError:
        raise ParameterError(f"csv_encoding {encoding!r} is not an encoding Python knows "
                             "(Chinese exports: 'gb18030'; also 'utf-8', 'utf-16', 'latin-1', 'big5')") from None
    return "gb18030" if found in ("gbk", "gb2312") else found


def _transcoded(path: Path, encoding: str, con) -> Path:
    """A UTF-8 copy of ``path``, written 1 MiB at a time (DuckDB's ``encodings`` extension, which would
    read GB18030 itself, is downloaded at first use: CI and offline machines cannot). The copy lives
    in the engine's scratch folder (``$USEROPS_DUCKDB_TEMP_DIR`` when the runner sets it) and is
    deleted when the engine is."""
    codec = _codec(encoding)
    scratch = Path(tempfile.mkdtemp(prefix="userops-csv-", dir=os.environ.get(engine.TEMP_DIR_ENV) or None))
    weakref.finalize(con, shutil.rmtree, scratch, True)
    target = scratch / path.name.replace(".gz", "")
    opener = gzip.open if path.suffix == ".gz" else open
    decoder = codecs.getincrementaldecoder(codec)()
    with opener(path, "rb") as src, open(target, "w", encoding="utf-8", newline="") as dst:
        offset = 0
        while chunk := src.read(1 << 20):
            try:
                dst.write(decoder.decode(chunk))
            except UnicodeDecodeError as err:
                raise ContractError(path.stem.split(".")[0], None, f"{path.name} is not {encoding} text "
                                    f"(byte {offset + err.start:,} does not decode); check csv_encoding") from None
            offset += len(chunk)
        dst.write(decoder.decode(b"", final=True))
    return target


def _not_utf8(name: str, path: Path, err: Exception) -> ContractError | None:
    """The one-line error for a CSV that is not UTF-8, or None when ``err`` is about something else."""
    text = str(err).lower()
    if "unicode" not in text and "utf-8" not in text and "utf8" not in text:
        return None
    return ContractError(name, None, f"{path.name} is not UTF-8 text; Chinese exports are often GBK/GB18030: "
                         "set the parameter csv_encoding: gb18030 (or the file's encoding) to read it")


#: URI schemes of folders the Spark engine reads itself (Hadoop file systems), not database URLs
SPARK_FILE_SCHEMES = frozenset({"file", "hdfs", "s3a", "s3", "gs", "abfs", "abfss", "wasbs", "viewfs"})


def _files_at(uri: str, spark_backend) -> set[str]:
    """Names of the files in a folder at a Hadoop file-system URI (through the Spark session's JVM)."""
    session = spark_backend._session
    jvm = session.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    fs = path.getFileSystem(session.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(path):
        raise ParameterError(f"data source {uri!r}: no such folder")
    return {status.getPath().getName() for status in fs.listStatus(path)}


def load_cdnow(sample: bool = False, with_facts: bool = False):
    """The CDNOW purchase log shipped inside this package (``userops_lib/data/cdnow``, read through
    :mod:`importlib.resources`; where it comes from and its licence: ``cdnow/LICENSE.md``).

    Parameters
    ----------
    sample : bool
        ``False``: the master file, 23,570 customers, 1997-01-01 to 1998-06-30 (69,659 rows);
        ``True``: the 2,357-customer sample used in Fader, Hardie & Lee (2005).

    Returns
    -------
    pandas.DataFrame
        Contract ``orders``: one row per file row (``order_id`` is the row number, since CDNOW has
        no order ids), ``amount`` in dollars, ``quantity`` the number of CDs.
    """
    from .bundled import cdnow_file

    name = "CDNOW_sample.txt" if sample else "CDNOW_master.txt"
    with cdnow_file(name).open("r", encoding="ascii") as fh:
        if sample:
            raw = pd.read_csv(fh, sep=r"\s+", header=None, names=["master_id", "customer_id", "date", "cds", "amount"],
                              dtype={"customer_id": str, "date": str})
        else:
            raw = pd.read_csv(fh, sep=r"\s+", header=None, skiprows=1, names=["customer_id", "date", "cds", "amount"],
                              dtype={"customer_id": str, "date": str})
    orders = pd.DataFrame({
        "order_id": "R" + pd.Series(range(1, len(raw) + 1)).astype(str).str.zfill(6),
        "customer_id": raw["customer_id"],
        "order_ts": pd.to_datetime(raw["date"], format="%Y%m%d"),
        "amount": raw["amount"].astype(float),
        "quantity": raw["cds"].astype(int),
    })
    facts = {"file": f"userops_lib/data/cdnow/{name}", "rows": len(raw)}
    return (orders, facts) if with_facts else orders


# ---------------------------------------------------------------------------------- conversion
def _localize_frame(df: pd.DataFrame, spec: TableSpec, time_zone: str) -> pd.DataFrame:
    """pandas source: convert aware timestamps to naive business-local time, lower-case names."""
    df = df.rename(columns=lambda c: str(c).strip().lower())
    for col in spec.names:
        if col in df.columns and spec.kind(col) in ("timestamp", "date"):
            s = df[col]
            if isinstance(s.dtype, pd.DatetimeTZDtype):
                df = df.assign(**{col: s.dt.tz_convert(time_zone).dt.tz_localize(None)})
            elif s.dtype == object and len(s) and isinstance(s.dropna().iloc[0] if s.notna().any() else None, _dt.date):
                df = df.assign(**{col: pd.to_datetime(s)})
    return df


@ibis.udf.scalar.builtin(name="timezone")
def _duckdb_local_time(zone: str, ts: dt.Timestamp(timezone="UTC")) -> dt.Timestamp():
    """DuckDB: wall-clock time in ``zone`` of an instant."""


@ibis.udf.scalar.builtin(name="from_utc_timestamp")
def _spark_local_time(ts: dt.Timestamp(timezone="UTC"), zone: str) -> dt.Timestamp():
    """Spark: wall-clock time in ``zone`` of an instant."""


@ibis.udf.scalar.builtin(name="monotonically_increasing_id")
def _spark_row_id() -> dt.int64:
    """Spark: increasing ids in the order the rows were read (file splits in order)."""


def _local_time(instant: ibis.Value, time_zone: str, backend_name: str) -> ibis.Value:
    """Business-local wall-clock time of an instant (a time-zone-aware timestamp)."""
    if backend_name == "duckdb":
        return _duckdb_local_time(time_zone, instant)
    return _spark_local_time(instant, time_zone)


def _has_offset(col: ibis.Value) -> ibis.Value:
    """Whether a text timestamp ends in a UTC offset (``Z``, ``+08:00``, ``-0500``)."""
    return engine.trim(col.cast("string")).re_search(_OFFSET)


# trim(text).lower() in MISSING_ID_TEXTS as one anchored match: at 37M event rows, trimming by a
# regex replace, lower-casing and a lookup cost three times as much (the letters of these words
# have no other case forms, so (?i) matches what lower() does)
_MISSING_ID = r"(?i)^\s*(" + "|".join(re.escape(t) for t in MISSING_ID_TEXTS if t) + r")?\s*$"


def _missing_id(col: ibis.Value) -> ibis.Value:
    """Whether an id is empty or a text that means "no id" (``NULL``, ``N/A``, ``-``...)."""
    return col.re_search(_MISSING_ID)


def _blank(col: ibis.Value) -> ibis.Value:
    """Whether a text is empty or white space only (``trim(col) == ""`` without rewriting every value)."""
    return col.re_search(r"^\s*$")


def _as_kind(col: ibis.Value, kind: str, time_zone: str, backend_name: str) -> ibis.Value:
    """Cast one column to its contract kind; values that do not convert become NULL."""
    typ = col.type()
    if kind == "id":
        if typ.is_floating():
            col = col.cast("int64")
        text = col.cast("string")
        return ibis.ifelse(_missing_id(text), ibis.null("string"), text) if typ.is_string() else text
    if kind == "text":
        if typ.is_floating():
            col = col.cast("int64")
        return col.cast("string")
    if kind == "number":
        return col.cast("float64") if typ.is_numeric() else engine.trim(col.cast("string")).try_cast("float64")
    if kind == "int":
        return col.cast("int64") if typ.is_integer() else engine.trim(col.cast("string")).try_cast("float64").cast("int64")
    if kind == "bool":
        if typ.is_boolean():
            return col
        if typ.is_numeric():
            return col != 0
        text = engine.trim(col.cast("string")).lower()
        return ibis.cases((text.isin(_TRUE), True), (text.isin(_FALSE), False), else_=ibis.null("boolean"))
    if kind in ("timestamp", "date"):
        if typ.is_timestamp() and typ.timezone is not None:
            return _local_time(col, time_zone, backend_name)
        if typ.is_timestamp():
            return col.cast(dt.Timestamp())
        if typ.is_date():
            return col.cast(dt.Timestamp())
        # text: a value with an offset is an instant (converted); one without is local wall-clock time
        text = engine.trim(col.cast("string"))
        instant = _local_time(text.try_cast(dt.Timestamp(timezone="UTC")), time_zone, backend_name)
        return ibis.ifelse(_has_offset(text), instant, text.try_cast(dt.Timestamp()))
    raise ValueError(f"unknown column kind {kind!r}")


# -------------------------------------------------------------------------------------- checks
#: Where a quality row or note belongs (:attr:`_Checker.stage`): the typing counts of every table come
#: first (source order), then the empty tables' notes, then each table's exclusions in cleaning order.
_TYPING, _EMPTY, _CLEANING = 0, 1, 2


@dataclass
class _Checker:
    """Collects the data-quality rows and load notes of one load.

    A table's typing counts are read with its exclusions, from one scan, after the orders are cleaned
    (:func:`_exclude`); each row and note keeps the ``stage`` it was counted in, so the quality table
    and the notes still list them in the order of the steps: typing, empty tables, cleaning.
    """

    strict: bool
    _rows: list = field(default_factory=list)
    _notes: list = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    stage: tuple = (_CLEANING,)

    @contextlib.contextmanager
    def at(self, *stage):
        """Count what follows at ``stage`` (``(_TYPING, position of the table)``...)."""
        before, self.stage = self.stage, stage
        try:
            yield
        finally:
            self.stage = before

    def note(self, note: Note) -> None:
        self._notes.append((self.stage, note))

    @property
    def notes(self) -> list:
        return [n for _, n in sorted(self._notes, key=lambda item: item[0])]  # stable: same stage, same order

    def count(self, table: str, total: int, code: str, column: str | None, n: int, action: str = "excluded",
              raises: bool = True, **values) -> None:
        """Count ``n`` rows of ``table`` under reason ``code``; ``column`` and ``values`` fill the reason's text."""
        if n == 0:
            return
        reason = reason_text(code, column=column or "", **values)
        self._rows.append((self.stage, {"table": table, "reason": reason, "column": column or "", "rows": int(n),
                                        "share": n / total if total else 0.0, "action": action, "reason_code": code,
                                        "reason_values": values}))
        if self.strict and raises and action == "excluded":
            raise ContractError(table, column, f"{reason} (strict mode)", n)

    def frame(self) -> pd.DataFrame:
        cols = ["table", "reason", "column", "rows", "share", "action", "reason_code", "reason_values"]
        return pd.DataFrame([r for _, r in sorted(self._rows, key=lambda item: item[0])], columns=cols)


@dataclass
class _Typing:
    """The typing counts of one table (:func:`_typed`), not run yet: the first aggregate over the table
    (:func:`_exclude`'s, or the orders' own) adds ``aggregates(table)`` and gives the row to ``read``,
    which counts them in the data-quality table (or raises) and returns the table's row count."""

    aggregates: Callable[[ibis.Table], dict]
    read: Callable[[pd.Series], int]

    @classmethod
    def known(cls, total: int) -> "_Typing":
        """Nothing left to count; the table has ``total`` rows (orders: read before the as-of date)."""
        return cls(lambda table: {}, lambda counts: total)


def _typed(raw: ibis.Table, spec: TableSpec, time_zone: str, backend_name: str,
           checker: _Checker, position: int) -> tuple[ibis.Table, _Typing]:
    """Check required columns, cast every contract column; the typing counts (values that do not
    convert, offsets converted, a column without any valid value: an error) are returned, not run.

    A table with a key keeps ``_row``, each row's position in the source as read (file order), so
    duplicate keys can keep the first row of the file. The table also keeps the helper columns the
    typing counts read (``_raw_*``, ``_off_*``), which :func:`_exclude` drops.
    """
    raw = raw.rename({c.strip().lower(): c for c in raw.columns if c != c.strip().lower()})
    missing = [c for c in spec.required if c not in raw.columns]
    if missing:
        total = int(engine.execute_scalar(raw.count()))
        raise ContractError(spec.name, missing[0],
                            f"missing required column (columns present: {', '.join(raw.columns)})", total)
    present = [c for c in spec.names if c in raw.columns]
    checked = [c for c in present if spec.kind(c) != "text"]
    offsets = [c for c in present if spec.kind(c) == "timestamp" and raw[c].type().is_string()]
    # only a table with a key is deduplicated: numbering rows in DuckDB makes the rest of the scan
    # single-threaded, which at 37M events doubled the load
    row = {} if not spec.key else {"_row": ibis.row_number() if backend_name == "duckdb" else _spark_row_id()}
    typed = raw.select(**{c: _as_kind(raw[c], spec.kind(c), time_zone, backend_name) for c in present},
                       **{f"_raw_{c}": raw[c] for c in checked},
                       **{f"_off_{c}": _has_offset(raw[c]) for c in offsets}, **row)  # both stream in scan order

    def aggregates(t: ibis.Table) -> dict:
        """Total rows, and for each typed column how many non-null values failed to convert."""
        probes = {"_n": t.count()}
        for c in checked:
            probes[f"bad_{c}"] = (t[f"_raw_{c}"].notnull() & t[c].isnull()).sum()
            probes[f"ok_{c}"] = t[c].notnull().sum()
        for c in offsets:
            probes[f"offset_{c}"] = (t[c].notnull() & t[f"_off_{c}"]).sum()
        return probes

    def read(counts: pd.Series) -> int:
        total = int(counts["_n"])
        with checker.at(_TYPING, position):
            for c in checked:
                bad, ok = int(counts[f"bad_{c}"] or 0), int(counts[f"ok_{c}"] or 0)
                if spec.kind(c) == "id":  # an id "does not convert" when it is a missing-id text
                    checker.count(spec.name, total, "missing_id_text", c, bad, action="set to null")
                elif bad and not ok:
                    raise ContractError(spec.name, c, f"wrong type: no value converts to {spec.kind(c)} "
                                        f"(stored as {raw[c].type()})", bad)
                elif bad and c not in spec.required:  # required columns: counted with their row rule
                    checker.count(spec.name, total, "unparseable", c, bad, action="set to null", kind=spec.kind(c))
            for c in offsets:
                with_offset, parsed = int(counts[f"offset_{c}"] or 0), int(counts[f"ok_{c}"] or 0)
                if with_offset:
                    checker.count(spec.name, total, "offset_converted", c, with_offset, action="converted",
                                  time_zone=time_zone)
                    checker.count(spec.name, total, "no_offset_local", c, parsed - with_offset,
                                  action="read as local time", time_zone=time_zone)
        return total

    return typed, _Typing(aggregates, read)


def _helpers(t: ibis.Table) -> list[str]:
    """The helper columns of :func:`_typed` in ``t``."""
    return [c for c in t.columns if c.startswith(("_raw_", "_off_"))]


def _rule(code: str, column: str, predicate, raises: bool = True, **values) -> tuple:
    """A row rule of :func:`_exclude`: rows where ``predicate`` holds are counted under reason ``code``
    (:data:`.quality.REASONS`, filled with ``column`` and ``values``); ``raises``: an error in strict mode."""
    return code, column, predicate, raises, values


def _exclude(t: ibis.Table, table: str, rules: list, checker: _Checker, typing: _Typing) -> tuple[ibis.Table, int]:
    """Tag each row with the first rule it breaks, count rows by rule, keep the rows breaking none.

    ``rules`` is a list of :func:`_rule`; order is precedence. One aggregate counts the rules and the
    table's typing counts (``typing``): the source is scanned once for both, not twice (at 37M
    events a scan costs about 5 CPU seconds). Returns the kept rows, without the helper columns of
    :func:`_typed`, and the number of rows of the table.
    """
    reason = ibis.cases(*[(rule[2], i) for i, rule in enumerate(rules)], else_=ibis.null("int64")) if rules else None
    tagged = t.mutate(_reason=reason) if rules else t
    # a null-safe test: Spark sums the test as a number, NULL (not 0) when no row breaks any rule
    counts = {f"_rule_{i}": tagged.count(where=(tagged._reason == i).fill_null(False)) for i in range(len(rules))}
    counts = engine.execute(tagged.aggregate(**typing.aggregates(tagged), **counts)).iloc[0]
    total = typing.read(counts)  # the typing counts first: a column without any valid value is the error to give
    for i, (code, column, _, raises, values) in enumerate(rules):
        checker.count(table, total, code, column, int(counts[f"_rule_{i}"]), raises=raises, **values)
    kept = tagged.filter(tagged._reason.isnull()).drop("_reason") if rules else tagged
    helpers = _helpers(kept)
    return kept.drop(*helpers) if helpers else kept, total


def _dedupe(t: ibis.Table, table: str, total: int, key: list[str], checker: _Checker,
            list_ids: bool = False) -> ibis.Table:
    """Keep the first row of each ``key`` in file order (``_row``); count the later copies by kind.

    A later copy equal to the first row in every column is an identical copy; one that differs is a
    conflicting duplicate (another customer, amount or time for the same order id): two reasons in
    the data-quality table. With ``list_ids`` the conflicting keys are named, masked, in a note
    (and in clear in ``info["conflicting_ids"][table]`` for whoever fixes the source).
    """
    ranked = t.mutate(_copy=ibis.row_number().over(group_by=[t[k] for k in key], order_by=t._row))
    n_dup = int(engine.execute_scalar((ranked._copy > 0).sum()) or 0)
    if not n_dup:
        return t
    values = [c for c in t.columns if c not in key and c != "_row"]
    first = ranked.filter(ranked._copy == 0)
    first = first.select(*key, **{f"_first_{c}": first[c] for c in values})
    later = ranked.filter(ranked._copy > 0)
    pairs = later.join(first, key)
    differs = ibis.literal(False)
    for c in values:
        differs = differs | ~pairs[c].identical_to(pairs[f"_first_{c}"])
    pairs = pairs.mutate(_differs=differs)
    n_conflict = int(engine.execute_scalar(pairs._differs.sum()) or 0)
    name = " + ".join(key)
    checker.count(table, total, "duplicate_identical", key[0], n_dup - n_conflict, key=name)
    checker.count(table, total, "duplicate_conflicting", key[0], n_conflict, key=name)
    if list_ids and n_conflict:
        ids = pairs.filter(pairs._differs).select(_id=pairs[key[0]]).distinct()
        n_ids = int(engine.execute_scalar(ids.count()))
        shown = sorted(engine.execute(ids.order_by("_id").limit(_LISTED_IDS))["_id"].tolist())
        checker.facts.setdefault("conflicting_ids", {})[table] = shown
        checker.note(Note("conflicting_ids", table=table, column=key[0], n_ids=n_ids, n_rows=n_conflict,
                                  ids=[mask_id(i) for i in shown], more=n_ids - len(shown)))
    return ranked.filter(ranked._copy == 0).drop("_copy")


# ------------------------------------------------------------------------------------- cleaning
def _clean_orders(t, total, now_local, as_of, checker):
    """Orders without the excluded rows; the zero amounts are counted on the stored table
    (:func:`_count_zero_amounts`), not by running this pipeline again."""
    rules = [
        _rule("null", "order_id", t.order_id.isnull()),
        _rule("null", "customer_id", t.customer_id.isnull()),
        _rule("null_or_unparseable", "order_ts", t.order_ts.isnull()),
        _rule("null_or_unparseable", "amount", t.amount.isnull()),
    ]
    refund = ibis.literal(False)
    if "is_refund" in t.columns:
        refund = refund | t.is_refund.fill_null(False)
    if "status" in t.columns:
        refund = refund | engine.trim(t.status).lower().isin(sorted(REFUND_STATUSES)).fill_null(False)
    rules += [
        _rule("refund", "status" if "status" in t.columns else "is_refund", refund, raises=False),
        _rule("negative_amount", "amount", t.amount < 0),
        _rule("future", "order_ts", t.order_ts > now_local),
        _rule("after_as_of", "order_ts", t.order_ts.date() > as_of, raises=False),
    ]
    clean, _ = _exclude(t, "orders", rules, checker, _Typing.known(total))
    clean = _dedupe(clean, "orders", total, ["order_id"], checker, list_ids=True)
    clean = _with_local_dates(clean, CONTRACT["orders"])
    return _with_used_coupon(clean)


def _count_zero_amounts(orders, total, checker):
    n_zero = int(engine.execute_scalar((orders.amount == 0).sum()) or 0)
    checker.count("orders", total, "zero_amount", "amount", n_zero, action="kept (flagged)")


def _with_used_coupon(orders):
    """``used_coupon``: the order's coupon is a code, not empty / 0 / false / no / none."""
    if "coupon" not in orders.columns or "used_coupon" in orders.columns:
        return orders
    coupon = orders.coupon if orders.coupon.type().is_string() else orders.coupon.cast("string")
    code = engine.trim(coupon).lower()
    return orders.mutate(used_coupon=code.notnull() & ~code.isin(list(_FALSE) + ["none", "null", "nan"]))


def _clean_events_like(name, t, typing, now_local, as_of, ts_col, id_cols, checker):
    # a text (event_name) can be blank; a blank id is a missing id already (null), so it is not tested
    # again: a regular expression less over every event
    rules = [_rule("null", c, t[c].isnull() | _blank(t[c]) if CONTRACT[name].kind(c) == "text" else t[c].isnull())
             for c in id_cols]
    rules += [
        _rule("null_or_unparseable", ts_col, t[ts_col].isnull()),
        _rule("future", ts_col, t[ts_col] > now_local),
        _rule("after_as_of", ts_col, t[ts_col].date() > as_of, raises=False),
    ]
    clean, total = _exclude(t, name, rules, checker, typing)
    return _with_local_dates(clean, CONTRACT[name]), total


def _clean_customers(t, typing, now_local, as_of, checker):
    rules = [_rule("null", "customer_id", t.customer_id.isnull())]
    if "signup_ts" in t.columns:
        rules.append(_rule("signup_after_as_of", "signup_ts", t.signup_ts.date() > as_of, raises=False))
    clean, total = _exclude(t, "customers", rules, checker, typing)
    clean = _dedupe(clean, "customers", total, ["customer_id"], checker, list_ids=True)
    extra = {}
    clean = _with_local_dates(clean, CONTRACT["customers"])
    if "birth_year" in clean.columns:
        from_birth = as_of.year - clean.birth_year
        extra["age"] = from_birth.fill_null(clean.age) if "age" in clean.columns else from_birth
    if "referrer_id" in clean.columns:
        extra["referrer_id"] = ibis.ifelse(engine.trim(clean.referrer_id) == "", ibis.null("string"), clean.referrer_id)
    for col in ("member_tier", "community_role"):
        if col in clean.columns:
            extra[col] = ibis.ifelse(engine.trim(clean[col]) == "", ibis.null("string"), clean[col])
    return clean.mutate(**extra) if extra else clean, total


def _clean_order_items(t, typing, orders, checker):
    rules = [
        _rule("null", "order_id", t.order_id.isnull()),
        _rule("null", "product_id", t.product_id.isnull()),
    ]
    if "quantity" in t.columns:
        rules.append(_rule("quantity_not_positive", "quantity", t.quantity <= 0))
    clean, total = _exclude(t, "order_items", rules, checker, typing)
    # the lines whose order was left out, in one query (not two counts, each running the pipeline again)
    n_orphan = int(engine.execute_scalar(clean.anti_join(orders, clean.order_id == orders.order_id).count()))
    checker.count("order_items", total, "order_left_out", "order_id", n_orphan, raises=False)
    kept = clean.semi_join(orders, clean.order_id == orders.order_id)
    if "quantity" not in kept.columns:
        kept = kept.mutate(quantity=ibis.literal(1, "int64"))
    return kept.mutate(quantity=kept.quantity.fill_null(1)), total


def _clean_simple(name, t, typing, checker):
    spec = CONTRACT[name]
    rules = [_rule("null", c, t[c].isnull()) for c in spec.required if spec.kind(c) == "id"]
    clean, total = _exclude(t, name, rules, checker, typing)
    if spec.key:
        clean = _dedupe(clean, name, total, list(spec.key), checker)
    if name == "campaigns":
        for c in ("start", "end"):
            if c in clean.columns:
                clean = clean.mutate(**{c: clean[c].date()})
    if name == "campaign_assignments":
        clean = clean.mutate(group=engine.trim(clean.group).lower())
    if name == "tier_history":
        clean = clean.mutate(tier=ibis.ifelse(engine.trim(clean.tier) == "", ibis.null("string"), clean.tier))
    return _with_local_dates(clean, spec), total


def _date_column(ts_column: str) -> str:
    """Name of the local-date column derived from a timestamp column (``shipped_ts`` -> ``shipped_date``)."""
    if ts_column in _TIMESTAMP_COLUMNS:
        return _TIMESTAMP_COLUMNS[ts_column]
    return ts_column[:-3] + "_date" if ts_column.endswith("_ts") else ts_column + "_date"


def _with_local_dates(t: ibis.Table, spec: TableSpec) -> ibis.Table:
    """Add the local date of every timestamp column that has none yet."""
    extra = {_date_column(c): t[c].date() for c in spec.names
             if c in t.columns and spec.kind(c) == "timestamp" and _date_column(c) not in t.columns}
    return t.mutate(**extra) if extra else t


# ---------------------------------------------------------------------------------------- entry
def load_dataset(
    source: Any = "demo",
    *,
    time_zone: str = "UTC",
    as_of: str | _dt.date | None = None,
    strict: bool = False,
    backend: Any = None,
    materialize: bool = True,
    snapshot_dir: Any = None,
    spark_conf: Mapping[str, Any] | None = None,
    csv_encoding: str | None = None,
) -> Dataset:
    """Load, validate and clean a data source.

    Parameters
    ----------
    source : str, Path, dict of DataFrames or ibis backend
        ``"demo"`` (generated synthetic shop), ``"cdnow"`` / ``"cdnow_sample"`` (real CDNOW purchase
        log, shipped in ``userops_lib/data/cdnow``), a folder of ``<table>.parquet`` / ``<table>.csv`` files, a
        ``.duckdb`` file, a database URL ibis understands (``postgresql://...``, ``sqlite:///shop.db``;
        PostgreSQL needs the extra ``userops[postgres]``), an ibis connection, or a dict
        ``{"orders": df, ...}``. A DuckDB or Spark connection (or ``duckdb://`` URL) is also the
        engine: the aggregations run inside it and nothing is written into it. Any other database
        is read, never written: its contract tables are streamed into the engine in record
        batches (:mod:`.databases`). A URL to a database file that does not exist is an error.
    time_zone : str
        Business time zone (IANA name, e.g. ``"Asia/Shanghai"``). Dates are local dates in it.
        Timestamps with an offset or zone (aware Parquet columns, text such as
        ``2025-06-30T20:00:00Z``) are converted to it value by value; naive ones are local already.
    as_of : str or date, optional
        Last local date to include. Default: the date of the last valid order. An ``as_of`` before
        the first order, or after today in ``time_zone``, is a :class:`ParameterError`.
    strict : bool
        Raise :class:`ContractError` on the first row-level problem instead of excluding and
        counting the rows.
    backend : ibis backend or "duckdb" or "spark", optional
        Engine to run on; default an in-memory DuckDB.
    materialize : bool
        Store the clean tables in the engine (fast repeated queries) rather than keeping them as
        views over the raw input. Ignored (views) when the source database is the engine.
    snapshot_dir : str or Path or False, optional
        Folder of run-scoped snapshots (:mod:`userops_lib.data.snapshot`): the first load of a
        source with these parameters writes the clean tables there, later loads open them in
        about a second. Default ``$USEROPS_SNAPSHOT_DIR`` (``userops run`` sets it); unset or
        ``False``: no snapshot. Used with the default engine only.
    spark_conf : mapping, optional
        With ``backend="spark"``: settings of the Spark session (``spark.master``, executor memory, ...;
        see :func:`userops_lib.data.engine.spark_backend`). A Spark engine also reads a folder at a
        URI Spark's file systems know (``s3a://bucket/shop``, ``hdfs://...``, ``file:///...``).
    csv_encoding : str, optional
        Encoding of the CSV files of a folder source (``"gb18030"`` for Chinese exports; ``"gbk"``
        and ``"gb2312"`` are read as GB18030, their superset). Default UTF-8; a CSV that is not
        UTF-8 is then a one-line error naming the file.

    Returns
    -------
    Dataset
        ``quality`` columns ``table, reason, column, rows, share, action, reason_code, reason_values``; ``notes`` sentences
        for the report; ``info`` facts: ``rows_read`` and ``rows_kept`` per table, ``files``
        (folder sources), ``conflicting_ids`` (duplicate keys with different values, in clear).
    """
    folder = snapshot.snapshot_folder(snapshot_dir)
    if folder is not None and backend in (None, "duckdb") and materialize:  # clean once per run
        return snapshot.load_or_build(load_dataset, folder, source, time_zone=time_zone, as_of=as_of, strict=strict,
                                      csv_encoding=csv_encoding)
    url = source if isinstance(source, str) and "://" in source else None
    if url and backend == "spark" and url.split("://")[0].lower() in SPARK_FILE_SCHEMES:
        url = None  # a folder Spark reads itself (_read_raw), not a database
    if url:
        source = databases.connect(url)  # any SQL database ibis reaches; never creates a file
    if isinstance(source, ibis.BaseBackend) and backend is None and source.name in ("duckdb", "pyspark"):
        backend, materialize = source, False  # compute where the data is; never write into it
    if backend is None or backend == "duckdb":
        backend = engine.duckdb_backend()
    elif backend == "spark":
        backend = engine.spark_backend(conf=spark_conf)
    try:
        now_local = pd.Timestamp.now(tz=time_zone).tz_localize(None).to_pydatetime()
    except Exception as err:
        raise ParameterError(f"unknown time zone {time_zone!r} (use an IANA name such as 'Asia/Shanghai')") from err

    raw, label, facts = _read_raw(source, backend, csv_encoding)
    if url:
        label = databases.describe(url)  # the database's name, never the URL (it may hold a password)
        if source is not backend:
            source.disconnect()  # its tables are in the engine now
    if "orders" not in raw:
        raise ContractError("orders", None, "the data source has no orders table (the only required table)")
    try:
        return _clean(raw, label, facts, backend, time_zone, as_of, now_local, strict, materialize)
    except Exception as err:  # a CSV whose bad bytes lie beyond what DuckDB sniffed when opening it
        csv_files = [f for f in facts.get("files", {}).values() if not f.endswith(".parquet")]
        named = [f for f in csv_files if f"{os.sep}{f}" in str(err)] or csv_files
        translated = _not_utf8(named[0].split(".")[0], Path(named[0]), err) if named else None
        if translated is None:
            raise
        raise translated from None


def _clean(raw: dict, label: str, facts: dict, backend, time_zone: str, as_of, now_local: _dt.datetime,
           strict: bool, materialize: bool) -> Dataset:
    """Type, check and clean the raw tables of a source (the body of :func:`load_dataset`).

    Each table is read once for its counts (typing and exclusions in one aggregate) and once to
    store it; the orders are read once more before, for their as-of date. Each table is stored as
    soon as it is clean, so what reads it next (the order lines' join, the zero amounts, the row
    counts) reads the stored table instead of running its pipeline over the source again.
    """
    checker = _Checker(strict)
    typed = {}
    for position, name in enumerate(n for n in raw if n in CONTRACT):
        spec, table = CONTRACT[name], raw[name]
        if isinstance(table, pd.DataFrame):
            table = engine.as_table(_localize_frame(table, spec, time_zone), _unique(f"raw_{name}"), backend)
        typed[name] = _typed(table, spec, time_zone, backend.name, checker, position)

    orders, typing = typed["orders"]
    n_orders = typing.read(engine.execute(orders.aggregate(**typing.aggregates(orders))).iloc[0])
    if n_orders == 0:
        raise ContractError("orders", None, "orders is empty (0 rows): the file or table has a header but no order")
    as_of = _checked_as_of(orders, as_of, now_local, time_zone, n_orders)

    def keep(name: str, t: ibis.Table) -> ibis.Table:
        t = t.drop("_row") if "_row" in t.columns else t
        return backend.create_table(_unique(f"clean_{name}"), t) if materialize else t

    clean = {"orders": keep("orders", _clean_orders(orders, n_orders, now_local, as_of, checker))}
    _count_zero_amounts(clean["orders"], n_orders, checker)
    rows_read = {"orders": n_orders}
    for position, (name, (t, typing)) in enumerate(typed.items()):
        if name == "orders":
            continue
        if name == "customers":
            table, rows_read[name] = _clean_customers(t, typing, now_local, as_of, checker)
        elif name == "events":
            table, rows_read[name] = _clean_events_like("events", t, typing, now_local, as_of, "event_ts",
                                                        ["customer_id", "event_name"], checker)
        elif name == "tickets":
            table, rows_read[name] = _clean_events_like("tickets", t, typing, now_local, as_of, "ts",
                                                        ["customer_id"], checker)
        elif name == "order_items":
            table, rows_read[name] = _clean_order_items(t, typing, clean["orders"], checker)
        else:
            table, rows_read[name] = _clean_simple(name, t, typing, checker)
        if rows_read[name] == 0:  # an optional table with a header and no row: absent (nothing was counted)
            with checker.at(_EMPTY, position):
                checker.note(Note("empty_table", table=name))
            continue
        clean[name] = keep(name, table)

    if "customers" in clean:
        _check_buyers_have_customers(clean["orders"], clean["customers"], checker)
    quality = checker.frame()
    kept = {name: int(engine.execute_scalar(t.count())) for name, t in clean.items()}  # stored: no scan
    facts.update(checker.facts)
    facts.update(rows_kept=kept, rows_read=rows_read)
    return Dataset(clean, quality, time_zone, as_of, label, backend, facts, checker.notes)


def _checked_as_of(orders: ibis.Table, as_of, now_local: _dt.datetime, time_zone: str, n_orders: int) -> _dt.date:
    """The as-of date: given, or the last valid order's date; refused before the data or after today."""
    valid = orders.filter(orders.order_ts <= now_local)
    span = engine.execute(valid.aggregate(first=valid.order_ts.min(), last=valid.order_ts.max())).iloc[0]
    if pd.isna(span["last"]):
        raise ContractError("orders", "order_ts", "no order has a valid timestamp", n_orders)
    first = pd.Timestamp(span["first"]).date()
    chosen = pd.Timestamp(span["last"]).date() if as_of is None else parse_date(as_of, "as_of")
    if chosen > now_local.date():
        raise ParameterError(f"as_of {chosen} is after today ({now_local.date()} in {time_zone}): "
                             "a report cannot include days that have not happened")
    if chosen < first:
        raise ParameterError(f"as_of {chosen} is before the first order {first}")
    return chosen


def _id_shape(value: str) -> str:
    """What an id looks like without showing it: digits 1-9 as ``9``, letters as ``A``/``a``, zeros and
    ``- _ . : /`` kept, any other character ``?`` (so no character of the id can act as Markdown)."""
    return "".join("0" if ch == "0" else "9" if ch.isdigit() else "A" if ch.isupper() else "a" if ch.isalpha()
                   else ch if ch in "-_.:/" else "?" for ch in str(value))


def _check_buyers_have_customers(orders: ibis.Table, customers: ibis.Table, checker: _Checker) -> None:
    """A note when more than half of the buyers have no customer row (ids that do not match,
    such as ``0001`` in customers against ``1`` in orders), with the shape of an id from each side."""
    buyers = orders.select("customer_id").distinct()
    orphans = buyers.anti_join(customers, "customer_id")
    strip = lambda col: col.re_replace(r"^0+", "")  # noqa: E731 - the one comparison rule used twice
    unpadded = customers.select(_key=strip(customers.customer_id)).distinct()
    n_buyers = int(engine.execute_scalar(buyers.count()))
    n_orphans = int(engine.execute_scalar(orphans.count()))
    if n_buyers == 0 or n_orphans * 2 <= n_buyers:
        return
    buyer_example = engine.execute(orphans.order_by("customer_id").limit(1))["customer_id"].iloc[0]
    customer_example = engine.execute(customers.select("customer_id").order_by("customer_id").limit(1))
    customer_example = customer_example["customer_id"].iloc[0] if len(customer_example) else ""
    padded = int(engine.execute_scalar(orphans.filter(strip(orphans.customer_id).isin(unpadded._key)).count()))
    checker.note(Note("buyers_without_customers", n_orphans=n_orphans, n_buyers=n_buyers,
                              buyer_shape=_id_shape(buyer_example), customer_shape=_id_shape(customer_example),
                              padded=padded))
