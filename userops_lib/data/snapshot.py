"""Validate and clean once per run: a cleaned :class:`~userops_lib.data.load.Dataset` kept in a DuckDB file.

The five stage notebooks of a run all load the same source with the same parameters. Reading,
validating and cleaning it took most of each notebook's first cell at a million customers, five
times over. With a snapshot folder (``load_dataset(..., snapshot_dir=...)`` or
``$USEROPS_SNAPSHOT_DIR``, which ``userops run`` sets to a folder of the run's scratch space), the
first notebook writes the clean tables, the data-quality counts and the facts of the load to
``<folder>/snapshot-<key>.duckdb`` (with each customer's active days, which DAU/WAU/MAU, stickiness and
retention read); the others open that file in about a second. Without a folder
(a notebook run by hand with papermill, or ``load_dataset`` in a script) nothing changes.

The key is a fingerprint of everything the cleaned result depends on, so a changed source or
parameter never reuses a stale snapshot:

* the source: for a folder, each contract file's name, size, modification time and a hash of its
  first and last 64 KiB (a Parquet file's footer holds its row counts and column statistics); for
  a ``.duckdb`` file the same of the file and its write-ahead log; for ``demo`` the demo folder, for
  ``cdnow`` the file shipped in ``userops_lib/data/cdnow``;
* ``time_zone``, ``as_of``, ``strict`` and ``csv_encoding``;
* today's date in the business time zone (rows "in the future" are judged against the clock, so a
  snapshot never outlives its day);
* the code that cleans (the data layer's source files) and the DuckDB version.

A change the fingerprint cannot see goes unnoticed: a file rewritten in place with the same size,
modification time and first and last 64 KiB. Sources without files (a dict of DataFrames, an
ibis connection, a database URL) are never snapshotted: they are loaded as before, every time.
Only the default engine (an in-memory DuckDB) uses snapshots.

The file is written under a temporary name and moved into place when complete (:func:`os.replace`),
so a notebook never opens half a snapshot, and each notebook opens it read-only from its own
in-memory DuckDB (temporary tables still work there).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import os
import pickle
import uuid
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from . import engine
from .quality import Note

__all__ = ["SNAPSHOT_DIR_ENV", "fingerprint", "snapshot_folder", "load_or_build", "run_cached"]

#: Folder of run-scoped snapshots; ``userops run`` sets it for its notebooks.
SNAPSHOT_DIR_ENV = "USEROPS_SNAPSHOT_DIR"
#: Bumped when the file layout changes, so an old file is never read with new code.
FORMAT = 2  # 2: load notes keep their code and values
_SAMPLE = 64 * 1024
_META = "_userops_snapshot"
_SUFFIXES = (".parquet", ".csv", ".csv.gz", ".tsv")  # the files data.load reads, in its order
_CODE = ("load.py", "contract.py", "engine.py", "snapshot.py")  # the code that decides the clean tables


def snapshot_folder(snapshot_dir: Any = None) -> Path | None:
    """The snapshot folder to use: ``snapshot_dir``, else ``$USEROPS_SNAPSHOT_DIR``, else None.

    ``snapshot_dir=False`` switches snapshots off even when the variable is set.
    """
    if snapshot_dir is False:
        return None
    chosen = snapshot_dir or os.environ.get(SNAPSHOT_DIR_ENV)
    return Path(chosen).expanduser() if chosen else None


def _file_facts(path: Path) -> list:
    """Name, size, modification time and a hash of the first and last 64 KiB of one file."""
    stat = path.stat()
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        digest.update(fh.read(_SAMPLE))
        if stat.st_size > _SAMPLE:
            fh.seek(max(_SAMPLE, stat.st_size - _SAMPLE))
            digest.update(fh.read(_SAMPLE))
    return [str(path.resolve()), stat.st_size, stat.st_mtime_ns, digest.hexdigest()]


def _source_facts(source: Any) -> list | None:
    """What identifies the content of ``source``, or None when it cannot be fingerprinted cheaply."""
    from .contract import CONTRACT
    from ..locations import demo_dir

    if not isinstance(source, (str, os.PathLike)):
        return None  # DataFrames, ibis connections: no files to fingerprint
    text = str(source)
    if "://" in text:
        return None  # a database: its content can change between two notebooks
    if text in ("cdnow", "cdnow_sample"):
        from importlib import resources

        from .bundled import cdnow_file

        name = "CDNOW_sample.txt" if text == "cdnow_sample" else "CDNOW_master.txt"
        with resources.as_file(cdnow_file(name)) as path:
            return [text, _file_facts(Path(path))]
    path = demo_dir() if text == "demo" else Path(text).expanduser()
    if path.is_file() and path.suffix in (".duckdb", ".db"):
        wal = path.with_name(path.name + ".wal")
        return ["duckdb", _file_facts(path), _file_facts(wal) if wal.exists() else None]
    if not path.is_dir():
        return None
    files = []
    for name in CONTRACT:
        found = next((path / f"{name}{s}" for s in _SUFFIXES if (path / f"{name}{s}").exists()), None)
        if found is not None:
            files.append(_file_facts(found))
    if not files:
        return None  # nothing to read yet (the demo is generated on first load): no snapshot
    return ["folder", text, files]


def _code_facts() -> str:
    digest = hashlib.sha256()
    for name in _CODE:
        digest.update((Path(__file__).with_name(name)).read_bytes())
    return digest.hexdigest()


def fingerprint(source: Any, *, time_zone: str, as_of: Any, strict: bool, csv_encoding: str | None = None) -> str | None:
    """The snapshot key of loading ``source`` with these parameters, or None if it has none.

    Returns
    -------
    str or None
        32 hexadecimal characters; None when the source cannot be fingerprinted (see the module
        docstring) or a parameter is invalid (the loader then raises its own clear error).
    """
    import duckdb

    facts = _source_facts(source)
    if facts is None:
        return None
    try:
        as_of_text = None if as_of is None else pd.Timestamp(as_of).date().isoformat()
        today = pd.Timestamp.now(tz=time_zone).date().isoformat()
    except Exception:  # unknown time zone, unreadable date: let load_dataset say so
        return None
    key = {"format": FORMAT, "source": facts, "time_zone": time_zone, "as_of": as_of_text, "strict": bool(strict),
           "csv_encoding": csv_encoding, "today": today, "code": _code_facts(), "duckdb": duckdb.__version__}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:32]


# ------------------------------------------------------------------------------- save and open
def _encode(value: Any) -> Any:
    """A Dataset field as JSON (dates and load notes tagged); TypeError for anything else."""
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return {"__date__": value.isoformat()}
    if isinstance(value, Note):  # its code and values, so a report still says it in its language
        return {"__note__": value.code, "values": _encode(value.values)}
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise TypeError(f"cannot keep a {type(value).__name__} in a snapshot")


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__date__"}:
            return _dt.date.fromisoformat(value["__date__"])
        if set(value) == {"__note__", "values"}:
            return Note(value["__note__"], **_decode(value["values"]))
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _meta(dataset, derived: dict) -> str:
    """Everything of ``dataset`` but its tables and engine, as JSON; ``derived``: source -> stored
    table of its customer-days (:meth:`~userops_lib.data.load.Dataset.activity_days`)."""
    fields = {f.name: getattr(dataset, f.name) for f in dataclasses.fields(dataset)
              if f.init and f.name not in ("tables", "quality", "backend")}
    quality = dataset.quality
    return json.dumps({
        "tables": {name: table.op().name for name, table in dataset.tables.items()},  # name -> stored table
        "quality": {"columns": list(quality.columns), "records": _encode(quality.to_dict("records"))},
        "fields": _encode(fields),
        "derived": derived,
    })


def _open(path: Path):
    """The Dataset stored in ``path``: its tables read-only from an in-memory DuckDB."""
    from .load import Dataset  # load imports this module

    con = engine.duckdb_backend()
    con.raw_sql(f"ATTACH '{_sql_text(path)}' AS userops_snapshot (READ_ONLY)")
    where = ("userops_snapshot", "main")
    meta = json.loads(engine.execute(con.table(_META, database=where)).iloc[0, 0])
    tables = {name: con.table(stored, database=where) for name, stored in meta["tables"].items()}
    quality = pd.DataFrame(meta["quality"]["records"], columns=meta["quality"]["columns"])
    dataset = Dataset(tables=tables, quality=quality, backend=con, **_decode(meta["fields"]))
    dataset._derived.update({source: con.table(stored, database=where)
                             for source, stored in meta.get("derived", {}).items()})
    dataset._snapshot = path
    return dataset


def _sql_text(path: Path) -> str:
    return str(path).replace("'", "''")


def load_or_build(load: Callable, folder: Path, source: Any, *, time_zone: str, as_of: Any, strict: bool,
                  csv_encoding: str | None = None):
    """The cleaned Dataset of ``source`` from its snapshot in ``folder``, writing it first if missing.

    Parameters
    ----------
    load : callable
        :func:`~userops_lib.data.load.load_dataset` (passed in: this module sits below it).
    folder : Path
        Snapshot folder; created if needed.
    source, time_zone, as_of, strict, csv_encoding
        As for ``load_dataset``.

    Returns
    -------
    Dataset
        The same tables, quality counts, notes and facts a direct load gives; its engine is a new
        in-memory DuckDB reading the snapshot file.
    """
    params = {"time_zone": time_zone, "as_of": as_of, "strict": strict, "csv_encoding": csv_encoding}
    key = fingerprint(source, **params)
    if key is None:
        return load(source, snapshot_dir=False, **params)
    folder = Path(folder)
    path = folder / f"snapshot-{key}.duckdb"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".snapshot-{key}.{uuid.uuid4().hex}.tmp"
        try:
            con = engine.duckdb_backend(str(tmp))
            # DuckDB tries every compression on every column it writes; FSST (strings) is never chosen
            # for the events (ids, names, dates) yet its trial cost 5 of the 33 CPU seconds of writing
            # 37M events (same file size without it)
            con.raw_sql("SET disabled_compression_methods = 'fsst'")
            try:
                dataset = load(source, backend=con, snapshot_dir=False, **params)
                stored = con.raw_sql("SELECT table_name FROM duckdb_tables() "
                                     "WHERE database_name = current_database() AND NOT temporary").fetchall()
                for (name,) in stored:  # raw inputs copied in from DataFrames (CDNOW) are not needed
                    if not name.startswith("clean_"):
                        con.raw_sql(f'DROP TABLE "{name}"')
                # the customer-days that DAU/WAU/MAU, stickiness and retention read, built once per run
                derived = {}
                for days_of in ("events", "orders"):
                    if dataset.has(days_of):
                        derived[days_of] = f"derived_{days_of}_days"
                        con.create_table(derived[days_of], dataset.activity_days_expr(days_of), overwrite=True)
                meta = _meta(dataset, derived)
                con.create_table(_META, pd.DataFrame({"meta": [meta]}), overwrite=True)
                con.raw_sql("CHECKPOINT")
            finally:
                con.disconnect()
            os.replace(tmp, path)
        except TypeError:  # a fact that JSON cannot hold (a new Dataset field?): load without a snapshot
            return load(source, snapshot_dir=False, **params)
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                leftover.unlink(missing_ok=True)
    return _open(path)


# ------------------------------------------------------------------------------ results of a run
def run_cached(dataset, name: str, params: dict, compute: Callable[[], Any], code: tuple[Path, ...] = ()) -> Any:
    """``compute()``, done once per run for a Dataset opened from a snapshot and kept next to it.

    The value report (03) and the loyalty report (04) validate the same purchase models on the same
    data with the same parameters; at a million customers that is ten seconds each. The first call
    pickles its result to ``<snapshot>.<name>-<key>.pkl`` (written under a temporary name and moved
    into place); a later call with the same snapshot, ``name``, ``params`` and ``code`` reads it.
    Without a snapshot (a Dataset loaded directly, or one whose tables were replaced by
    :meth:`~userops_lib.data.load.Dataset.with_tables`) it simply returns ``compute()``.

    Parameters
    ----------
    dataset : Dataset or anything else
        The data ``compute`` reads; only a Dataset opened from a snapshot is cached.
    name : str
        What is computed (part of the file name).
    params : dict
        Everything else the result depends on, JSON-encodable (dates allowed).
    compute : callable
        No arguments; returns a picklable result.
    code : tuple of Path
        Source files of the computation: a changed file never reuses an old result.

    Returns
    -------
    Any
        ``compute()``'s result, or an equal copy of it read from the file.
    """
    path = getattr(dataset, "_snapshot", None)
    if path is None:
        return compute()
    digest = hashlib.sha256(json.dumps({"params": _encode(params), "name": name}, sort_keys=True).encode())
    for file in sorted(code):
        digest.update(Path(file).read_bytes())
    target = path.with_name(f"{path.stem}.{name}-{digest.hexdigest()[:24]}.pkl")
    if target.exists():
        try:
            with open(target, "rb") as fh:
                return pickle.load(fh)
        except Exception:  # a file we cannot read back (truncated, older code): compute again
            pass
    result = compute()
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):  # not kept: the next call computes it again
        tmp.unlink(missing_ok=True)
    return result
