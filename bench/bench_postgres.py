"""Reading a PostgreSQL table into the engine: record batches (userops) against one whole Arrow table.

Run ``python -m bench postgres`` (2M orders) or ``python -m bench postgres --rows 500000``. A real
PostgreSQL 16 server (the ``pgserver`` wheel of the ``test`` extra) starts in a temporary folder;
the orders table is generated inside it with ``generate_series`` (no Python memory involved), then
each contender runs in a fresh process (bench.common) and copies it into an in-memory DuckDB:

| name | what runs |
|---|---|
| userops copy_table (batches) | ``databases.copy_table``: ibis ``to_pyarrow_batches`` (server-side cursor) and one DuckDB ``INSERT`` per record batch of ``BATCH_ROWS`` rows |
| whole table (to_pyarrow) | what ``load_dataset`` did before: ``create_table(name, pg.table(...).to_pyarrow())`` |

Both then count rows, customers and the amount in DuckDB; the results must agree. Peak memory is
the whole process: the DuckDB copy of the table is in both, the difference is what Python holds
on the way. Exit status 1 when the results disagree or the batched copy's peak is not below the
whole-table copy's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings

import pandas as pd

from bench.common import measure_all, paired_ratio, print_table, scratch_dir

TABLE = "orders"


def _server(folder: str):
    with warnings.catch_warnings():  # platformdirs: XDG_RUNTIME_DIR is not set
        warnings.simplefilter("ignore")
        import pgserver
    return pgserver.get_server(folder, cleanup_mode="stop")


def generate(url: str, rows: int) -> None:
    """``rows`` orders of ``rows / 10`` customers over two years, made by the server itself."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f"DROP TABLE IF EXISTS {TABLE}")
        con.execute(f"""
            CREATE TABLE {TABLE} AS
            SELECT 'O' || lpad(i::text, 9, '0')                               AS order_id,
                   'C' || lpad((hashint4(i) % {max(rows // 10, 1)} + {max(rows // 10, 1)})::text, 8, '0')
                                                                              AS customer_id,
                   TIMESTAMP '2024-01-01' + (i % 730) * INTERVAL '1 day'
                                          + (i % 86400) * INTERVAL '1 second' AS order_ts,
                   round((10 + (hashint4(i * 7) % 50000 + 50000) / 100.0)::numeric, 2)::float8 AS amount,
                   (ARRAY['paid', 'paid', 'paid', 'refunded'])[1 + i % 4]      AS status,
                   (ARRAY['app', 'web', 'mini_program', 'store', 'live'])[1 + i % 5] AS channel
            FROM generate_series(1, {rows}) AS i""")


def _summary(duck, name: str) -> pd.DataFrame:
    return duck.con.execute(f'SELECT count(*) AS n_rows, count(DISTINCT customer_id) AS customers, '
                            f'sum(amount) AS amount FROM "{name}"').df()


def batched(url: str) -> pd.DataFrame:
    import ibis

    from userops_lib.data import databases

    pg, duck = ibis.connect(url), ibis.duckdb.connect()
    databases.copy_table(pg, pg.table(TABLE), duck, "src_orders")
    return _summary(duck, "src_orders")


def whole(url: str) -> pd.DataFrame:
    import ibis

    pg, duck = ibis.connect(url), ibis.duckdb.connect()
    duck.create_table("src_orders", pg.table(TABLE).to_pyarrow(), overwrite=True)
    return _summary(duck, "src_orders")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench postgres", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000, help="orders generated in PostgreSQL")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (every contender once per round)")
    args = parser.parse_args(argv)
    if sys.version_info >= (3, 13):
        print("  skipped: pgserver publishes no wheel for Python 3.13")
        return 0
    imports = ["ibis", "ibis.backends.duckdb", "ibis.backends.postgres", "psycopg", "userops_lib.data.databases"]
    with tempfile.TemporaryDirectory(prefix="userops_pg_") as pgdata, scratch_dir() as out:
        server = _server(pgdata)
        try:
            url = server.get_uri()
            generate(url, args.rows)
            print(f"  {args.rows:,} orders in PostgreSQL; copied into an in-memory DuckDB")
            contenders = [
                {"name": "userops copy_table (batches)", "target": "bench.bench_postgres:batched",
                 "kwargs": {"url": url}, "imports": imports},
                {"name": "whole table (to_pyarrow)", "target": "bench.bench_postgres:whole",
                 "kwargs": {"url": url}, "imports": imports},
            ]
            results = measure_all(contenders, out, repeat=args.repeat)
        finally:
            server.cleanup()
        print_table(results, baseline="userops copy_table (batches)")
        frames = [pd.read_parquet(m.result_path) for m in results]
        agree = frames[0].equals(frames[1]) and int(frames[0].n_rows.iloc[0]) == args.rows
        memory = paired_ratio(results[1], results[0], index=1)
        print(f"  results agree: {agree}; peak memory, whole table / batches: {memory:.2f}x (target > 1)")
        return 0 if agree and memory > 1 else 1
