"""A real PostgreSQL as a data source, and database URLs that never create files.

The server is PostgreSQL 16 from the ``pgserver`` wheel (in the ``test`` extra): it starts in a
temporary folder, as root too (it then runs as a system user ``pgserver``), listens on a Unix
socket only, and is stopped and deleted at the end of the module. The folder is a ``/tmp`` folder
of its own, not under pytest's ``/tmp/pytest-of-<user>``: every pytest process that starts resets
that folder to mode 0700, which locks the ``pgserver`` user out of its own data directory and
makes the server shut down in the middle of a test (seen with two test runs at once). The demo tables are
written into it with ``COPY``, then read back through ``--data postgresql://...`` and compared
with the same tables read from the Parquet folder.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import ibis
import pandas as pd
import pyarrow.parquet as pq
import pytest

from userops_lib.data import databases
from userops_lib.data.load import load_dataset
from userops_lib.exceptions import ParameterError
from userops_lib.runner.params import resolve_datasets

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def postgres_url():
    """URL of a fresh PostgreSQL server (Unix socket, trust authentication), stopped and deleted afterwards."""
    if sys.version_info >= (3, 13):
        pytest.skip("pgserver publishes no wheel for Python 3.13 (its newest, 0.1.4, stops at 3.12)")
    with warnings.catch_warnings():  # platformdirs: XDG_RUNTIME_DIR is not set on CI
        warnings.simplefilter("ignore")
        import pgserver  # the `test` extra installs it: a missing install fails here, it does not skip
    folder = Path(tempfile.mkdtemp(prefix="userops-pg-")) / "pgdata"  # see the module docstring
    server = pgserver.get_server(folder, cleanup_mode="delete")
    yield server.get_uri()
    server.cleanup()
    shutil.rmtree(folder.parent, ignore_errors=True)


@pytest.fixture(scope="module")
def demo_in_postgres(postgres_url, demo_dir):
    """The small demo shop's tables written into the server; returns the URL."""
    write_postgres(postgres_url, demo_dir)
    return postgres_url


def write_postgres(url: str, folder: Path) -> None:
    """Each ``<table>.parquet`` of ``folder`` as a PostgreSQL table of the same name and columns.

    Column types follow ibis' mapping (text, timestamp, double precision, bigint, boolean); rows
    go in with ``COPY ... FROM STDIN``.
    """
    import psycopg

    pg = ibis.connect(url)
    with psycopg.connect(url, autocommit=True) as con:
        for path in sorted(folder.glob("*.parquet")):
            table = pq.read_table(path)
            pg.create_table(path.stem, schema=ibis.Schema.from_pyarrow(table.schema), overwrite=True)
            columns = ", ".join(f'"{c}"' for c in table.column_names)
            with con.cursor().copy(f'COPY "{path.stem}" ({columns}) FROM STDIN') as copy:
                for batch in table.to_batches():
                    for row in zip(*(column.to_pylist() for column in batch.columns)):
                        copy.write_row(row)
    pg.disconnect()


def frames(data) -> dict[str, pd.DataFrame]:
    """Every clean table of a dataset as a frame in a fixed row order, for comparison."""
    out = {}
    for name, table in data.tables.items():
        frame = table.to_pandas()
        out[name] = frame.sort_values(list(frame.columns)[:4]).reset_index(drop=True)
    return out


def assert_same_tables(got, expected) -> None:
    assert sorted(got) == sorted(expected)
    for name in expected:
        pd.testing.assert_frame_equal(got[name][list(expected[name].columns)], expected[name],
                                      check_dtype=False, obj=name)


# ------------------------------------------------------------------------------- the database
def test_postgres_tables_stream_in_batches_and_load_exactly_like_the_parquet_folder(demo_in_postgres, demo_dir,
                                                                                     demo_data, monkeypatch):
    # 1,000-row batches: the 57,408 events arrive in ceil(n / 1,000) record batches (counted as
    # they are inserted into DuckDB), every table whole, and the clean tables and the data-quality
    # table are those of the Parquet folder
    monkeypatch.setattr(databases, "BATCH_ROWS", 1_000)
    data = load_dataset(demo_in_postgres)
    assert data.source == "postgres (postgresql)"  # the database's name, never the URL
    rows = {path.stem: pq.ParquetFile(path).metadata.num_rows for path in demo_dir.glob("*.parquet")}
    assert data.info["copied"] == {name: {"rows": rows[name], "batches": math.ceil(rows[name] / 1_000)}
                                   for name in rows}
    assert data.info["copied"]["events"]["batches"] > 50
    assert_same_tables(frames(data), frames(demo_data))
    pd.testing.assert_frame_equal(data.quality, demo_data.quality)
    assert data.info["rows_read"] == demo_data.info["rows_read"]


def test_an_empty_postgres_table_copies_as_an_empty_table_with_its_columns(postgres_url):
    pg = ibis.connect(postgres_url)
    pg.create_table("empty_orders", schema=ibis.schema({"order_id": "string", "amount": "float64"}), overwrite=True)
    duck = ibis.duckdb.connect()
    table, seen = databases.copy_table(pg, pg.table("empty_orders"), duck, "src_empty", batch_rows=10)
    assert seen == {"rows": 0, "batches": 0}
    assert table.columns == ("order_id", "amount") and table.count().execute() == 0
    pg.disconnect()


@pytest.mark.notebooks
def test_the_foundation_report_from_postgres_has_the_numbers_of_the_parquet_folder(demo_in_postgres, demo_dir,
                                                                                   tmp_path):
    out = tmp_path / "reports"
    cmd = [sys.executable, "-m", "userops_lib", "run", "--stage", "foundation", "--data", str(demo_dir),
           "--data", demo_in_postgres, "--out", str(out), "--run-date", "2026-01-01", "--timeout", "600"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=1800)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    day = out / "2026-01-01"
    folder = day / "postgresql_postgres"  # <scheme>_<database> of the URL
    assert json.loads((folder / "status.json").read_text())["01_foundation"]["status"] == "ok"

    def outputs(path: Path, source: str) -> tuple[list[str], list[str]]:
        """The report's tables and sentences, with pandas' random Styler ids and the source name
        made neutral."""
        html = path.read_text(encoding="utf-8").replace(source, "SOURCE")
        html = re.sub(r"T_[0-9a-f]{5}", "T_", html)
        tables = re.findall(r"<table.*?</table>", html, re.S)
        sentences = re.findall(r"<(?:p|li)>(.*?)</(?:p|li)>", html, re.S)
        return tables, sentences

    tables, sentences = outputs(folder / "01_foundation.html", "postgres (postgresql)")
    want_tables, want_sentences = outputs(day / demo_dir.name / "01_foundation.html", demo_dir.name)
    headline = [s for s in want_sentences if "GMV" in s and any(ch.isdigit() for ch in s)]
    assert len(want_tables) >= 5 and headline  # the report did show its KPIs (in Chinese, GMV keeps its name)
    assert sentences == want_sentences  # headline KPIs, retention, stickiness... word for word
    assert tables == want_tables  # KPI, retention, profile, channel tables cell for cell


# --------------------------------------------------------------------------- no file created
@pytest.mark.parametrize("scheme", ["sqlite", "duckdb"])
def test_a_url_to_a_missing_database_file_is_an_error_and_creates_nothing(tmp_path, scheme):
    path = tmp_path / f"missing.{'db' if scheme == 'sqlite' else 'duckdb'}"
    with pytest.raises(ParameterError) as err:
        load_dataset(f"{scheme}://{path}")  # sqlite:///abs/path
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_a_sqlite_source_is_copied_in_batches_and_left_unchanged(tmp_path, monkeypatch):
    path = tmp_path / "shop.sqlite"
    with sqlite3.connect(path) as con:
        pd.DataFrame({"order_id": [f"o{i}" for i in range(25)], "customer_id": ["a", "b"] * 12 + ["c"],
                      "order_ts": ["2024-01-02 10:00:00"] * 25, "amount": [10.0] * 25}).to_sql("orders", con, index=False)
    before = path.read_bytes()
    monkeypatch.setattr(databases, "BATCH_ROWS", 10)
    data = load_dataset(f"sqlite://{path}")
    assert data.info["copied"] == {"orders": {"rows": 25, "batches": 3}}
    assert data.source == "shop (sqlite)" and int(data.orders.count().execute()) == 25
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["shop.sqlite"]


def test_a_missing_database_driver_names_the_extra_to_install(monkeypatch):
    def no_driver(url):
        raise ModuleNotFoundError("No module named 'psycopg'", name="psycopg")

    monkeypatch.setattr(ibis, "connect", no_driver)
    with pytest.raises(ParameterError, match=r"psycopg.*pip install 'userops\[postgres\]'") as err:
        load_dataset("postgresql://ana:s3cret@db.example/shop")
    assert "s3cret" not in str(err.value)


# ------------------------------------------------------------------------ names from URLs
@pytest.mark.parametrize("url, folder, label", [
    ("postgresql://ana:s3cret@127.0.0.1:9/shop", "postgresql_shop", "shop (postgresql)"),
    ("postgresql://ana:p/w@d@db.example:5432/shop/sales?sslmode=require", "postgresql_shop", "shop (postgresql)"),
    ("postgresql://ana:pw?x@db.example", "postgresql_db.example", "db.example (postgresql)"),
    ("postgresql://postgres:@/postgres?host=/tmp/pg", "postgresql_postgres", "postgres (postgresql)"),
    ("sqlite:///exports/shop.db", "sqlite_shop", "shop (sqlite)"),
])
def test_report_folder_and_label_of_a_url_never_hold_the_password(url, folder, label):
    # user name and password are everything before the last "@", whatever characters they hold
    assert [d.name for d in resolve_datasets([url])] == [folder]
    assert databases.describe(url) == label
    for secret in ("s3cret", "p/w@d", "pw?x"):
        assert secret not in folder + label


@pytest.mark.spark
def test_a_database_streams_into_spark_in_batches_too(engines, tmp_path):
    # the engine-independent path (create the table from the Arrow schema, insert batch by batch)
    path = tmp_path / "shop.sqlite"
    frame = pd.DataFrame({"order_id": [f"o{i:02d}" for i in range(25)], "amount": [float(i) for i in range(25)]})
    with sqlite3.connect(path) as con:
        frame.to_sql("orders", con, index=False)
    source = ibis.connect(f"sqlite://{path}")
    spark = engines[1].backend
    table, seen = databases.copy_table(source, source.table("orders"), spark, "src_sqlite_orders", batch_rows=10)
    assert seen == {"rows": 25, "batches": 3}
    got = table.to_pandas().sort_values("order_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, frame, check_dtype=False)
