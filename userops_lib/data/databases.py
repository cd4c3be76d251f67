"""Database sources: open a URL without creating anything, stream its tables into the engine.

A ``--data`` value such as ``postgresql://user:password@host/shop`` or ``sqlite:///exports/shop.db``
is opened with :func:`ibis.connect`. Two rules hold on top of what ibis does:

* **Nothing is created on a source.** SQLite and DuckDB create an empty database file when asked
  to open one that does not exist; :func:`connect` refuses instead and names the file.
* **Large tables arrive in batches.** A database that is not the engine (PostgreSQL, SQLite, ...) is
  read with :meth:`~ibis.BaseBackend.to_pyarrow_batches` and written into the engine one record
  batch at a time (:data:`BATCH_ROWS` rows), so neither a whole table in pandas nor one whole Arrow
  table is ever held in Python memory. The PostgreSQL backend of ibis reads through a server-side
  cursor, so the source streams too; ibis' SQLite backend builds the whole result before it hands
  out batches (a limit of ibis 12, acceptable for the desktop-sized files SQLite holds).

Why not DuckDB's own ``postgres`` extension: DuckDB downloads it from its extension repository at
first use, which CI and offline machines cannot reach, and no PyPI package ships it for Linux.

Error texts here never contain a URL: a password in it would end up in a report or a log.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from ..exceptions import ParameterError

__all__ = ["BATCH_ROWS", "connect", "check_password", "url_parts", "url_password", "mask_password", "describe",
           "copy_table", "copy_tables"]

#: Rows per record batch when a table is streamed into the engine. 100,000 rows of a 14-column
#: orders table are roughly 50 MB of Python objects while psycopg hands them over, then about a
#: tenth of that as Arrow.
BATCH_ROWS = 100_000

#: URL schemes whose "database" is a local file (ibis reads ``netloc + path`` as the file's path).
FILE_SCHEMES = ("sqlite", "duckdb")

#: Schemes whose ibis backend is an optional extra, and that extra.
_EXTRAS = {"postgres": "postgres", "postgresql": "postgres"}


def url_parts(url: str) -> tuple[str, str, str]:
    """``(scheme, database, host)`` of a database URL, read without its user name and password.

    Everything up to the last ``@`` is the user name and password, so a password containing
    ``/``, ``?`` or even ``@`` never leaks into the result. ``database`` is the file's stem for a
    file URL (``sqlite:///x/shop.db`` -> ``shop``) and the first path segment otherwise
    (``postgresql://u:p@db:5432/shop/sales`` -> ``shop``; the second segment is a schema).

    >>> url_parts("postgresql://ana:p/w@d@db.example:5432/shop?sslmode=require")
    ('postgresql', 'shop', 'db.example')
    """
    scheme, _, rest = url.partition("://")
    where = rest.rpartition("@")[2].split("?", 1)[0].split("#", 1)[0]
    host, _, path = where.partition("/")
    if scheme.lower() in FILE_SCHEMES:
        return scheme.lower(), Path(where).stem, ""
    host = host[1:host.find("]")] if host.startswith("[") else host.partition(":")[0]  # [ipv6]:port, name:port
    return scheme.lower(), path.split("/", 1)[0], host


def _userinfo(url: str) -> tuple[str, str, str, str] | None:
    """``(scheme, user, password or "", rest after the last @)``; None for a URL without user info."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, where = rest.rpartition("@")
    if not sep or not at:
        return None
    user, _, password = userinfo.partition(":")
    return scheme, user, password, where


def url_password(url: str) -> str:
    """The password of a database URL as written in it ("" when there is none).

    >>> url_password("postgresql://ana:p/w@d@db.example:5432/shop")
    'p/w@d'
    """
    parts = _userinfo(url)
    return parts[2] if parts else ""


def mask_password(url: str) -> str:
    """``url`` with its password shown as ``***``, read as :func:`url_parts` reads it: everything up
    to the last ``@`` is the user name and password, so a password containing ``/``, ``:`` or
    ``@`` is masked whole (the ``/`` that would end it for :func:`urllib.parse.urlsplit`).

    >>> mask_password("postgresql://ana:p/w@d@db.example:5432/shop?sslmode=require")
    'postgresql://ana:***@db.example:5432/shop?sslmode=require'
    """
    parts = _userinfo(url)
    if parts is None or not parts[2]:
        return url
    scheme, user, _, where = parts
    return f"{scheme}://{user}:***@{where}"


def describe(url: str) -> str:
    """How a report names a database source: ``shop (postgresql)``; never the password."""
    scheme, database, host = url_parts(url)
    return f"{database or host or 'database'} ({scheme})"


def _database_file(url: str) -> Path | None:
    """The file a ``sqlite://`` / ``duckdb://`` URL opens (as ibis reads it); None for in-memory."""
    parsed = urllib.parse.urlparse(url)
    parts = [p for p in (parsed.netloc, parsed.path[bool(parsed.netloc):]) if p]
    if not parts or parts == [":memory:"]:
        return None
    return Path(*parts).absolute()


def check_password(url: str) -> None:
    """Refuse a URL whose password holds ``/``, ``?`` or ``#`` as they are.

    A URL reader (ibis, SQLAlchemy, :func:`urllib.parse.urlsplit`) ends the host part at the first
    of them, so such a password is cut in two: the connection fails with a riddle such as "Port
    could not be cast to integer value as 'p4ss'" that shows a piece of the password. Written
    percent-encoded (``%2F``, ``%3F``, ``%23``; ``@`` may stay) it reaches the database whole.

    Raises
    ------
    ParameterError
        Naming the character and its encoding, never the URL or the password.
    """
    found = [c for c in "/?#" if c in url_password(url)]
    if found:
        codes = ", ".join(f"'{c}' as {urllib.parse.quote(c, safe='')}" for c in found)
        raise ParameterError(f"data source: the password in the {url.partition('://')[0]} URL contains "
                             f"{' and '.join(repr(c) for c in found)}, which ends the host part of a URL; "
                             f"write it percent-encoded ({codes})")


def connect(url: str) -> ibis.BaseBackend:
    """Open the database a URL names, without creating anything.

    Raises
    ------
    ParameterError
        For a ``sqlite://`` or ``duckdb://`` URL whose file does not exist (ibis would create an
        empty one), a password with a raw ``/``, ``?`` or ``#`` (:func:`check_password`), or when
        the driver for the URL's scheme is not installed.
    """
    check_password(url)
    scheme = url.partition("://")[0].lower()
    if scheme in FILE_SCHEMES:
        path = _database_file(url)
        if path is not None and not path.is_file():
            raise ParameterError(f"data source: the {scheme} database file '{path}' does not exist "
                                 "(nothing was created; check the path)")
    try:
        return ibis.connect(url)
    except ImportError as err:
        extra = _EXTRAS.get(scheme)
        how = f"pip install 'userops[{extra}]'" if extra else f"install the ibis backend for {scheme}"
        raise ParameterError(f"data source: reading {scheme} databases needs a driver that is not installed "
                             f"({err.name or err}); {how}") from err


def copy_table(source: ibis.BaseBackend, table: ibis.Table, backend: ibis.BaseBackend, name: str,
               batch_rows: int | None = None) -> tuple[ibis.Table, dict[str, int]]:
    """Stream ``table`` of database ``source`` into the engine ``backend`` as table ``name``.

    Parameters
    ----------
    source : ibis backend
        The database the table lives in.
    table : ibis.Table
        The table (or any expression) to copy.
    backend : ibis backend
        The engine (DuckDB, or any backend with ``create_table`` and ``insert``).
    name : str
        Name of the new engine table (replaced if it exists).
    batch_rows : int, optional
        Rows per record batch; default :data:`BATCH_ROWS`.

    Returns
    -------
    (ibis.Table, dict)
        The engine table, and ``{"rows": n, "batches": k}`` as copied.
    """
    reader = source.to_pyarrow_batches(table, chunk_size=int(batch_rows or BATCH_ROWS))
    if backend.name == "duckdb":
        rows, batches = _into_duckdb(reader, backend.con, name)
    else:
        rows, batches = _into_backend(reader, backend, name)
    return backend.table(name), {"rows": rows, "batches": batches}


def copy_tables(source: ibis.BaseBackend, tables: dict[str, ibis.Table], backend: ibis.BaseBackend,
                batch_rows: int | None = None) -> tuple[dict[str, ibis.Table], dict[str, Any]]:
    """:func:`copy_table` for each of ``tables`` (as engine tables ``src_<name>``).

    Returns
    -------
    (dict, dict)
        ``name -> engine table``, and the facts ``{"copied": {name: {"rows", "batches"}}}``.
    """
    copied, facts = {}, {}
    for name, table in tables.items():
        copied[name], facts[name] = copy_table(source, table, backend, f"src_{name}", batch_rows)
    return copied, {"copied": facts}


def _into_duckdb(reader: pa.RecordBatchReader, con, name: str) -> tuple[int, int]:
    """Create ``name`` with the reader's schema, then insert one registered batch at a time."""
    view, target = "_userops_batch", '"' + name.replace('"', '""') + '"'
    con.register(view, pa.Table.from_batches([], schema=reader.schema))
    try:
        con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM {view}")
        rows = batches = 0
        for batch in reader:
            con.register(view, batch)  # replaces the previous batch: only one is referenced at a time
            con.execute(f"INSERT INTO {target} SELECT * FROM {view}")
            rows, batches = rows + batch.num_rows, batches + 1
    finally:
        con.unregister(view)
    return rows, batches


def _into_backend(reader: pa.RecordBatchReader, backend, name: str) -> tuple[int, int]:
    """Any other engine (Spark): create the table from the schema, append each batch with ibis."""
    backend.create_table(name, schema=ibis.Schema.from_pyarrow(reader.schema), overwrite=True)
    rows = batches = 0
    for batch in reader:
        backend.insert(name, pa.Table.from_batches([batch]))
        rows, batches = rows + batch.num_rows, batches + 1
    return rows, batches
