"""Data contract: loading, validation errors, and the count of every excluded row.

Expected counts are hand counts of the small tables written here.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from userops_lib.data.load import load_cdnow, load_dataset
from userops_lib.exceptions import ContractError, MissingTableError, ParameterError


def _orders(**overrides):
    base = {
        "order_id": ["o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o8", "o9"],
        "customer_id": ["a", "a", "b", None, "c", "c", "d", "e", "e", "f"],
        "order_ts": pd.to_datetime([
            "2024-01-01 10:00:00", "2024-01-05 12:00:00", "2024-01-02 09:00:00", "2024-01-03 09:00:00",
            "2024-01-04 09:00:00", "2024-01-06 09:00:00", "2099-01-01 00:00:00", "2024-01-07 09:00:00",
            "2024-01-07 09:00:00", "2024-01-08 09:00:00"]),
        "amount": [10.0, 20.0, 30.0, 5.0, -8.0, -4.0, 7.0, 12.0, 12.0, 0.0],
        "status": ["paid", "paid", "paid", "paid", "refunded", "paid", "paid", "paid", "paid", "paid"],
    }
    base.update(overrides)
    return pd.DataFrame(base)


def _quality(data):
    q = data.quality
    return {(r.table, r.reason): r.rows for r in q.itertuples()}


def test_every_excluded_row_is_counted_by_reason():
    # Hand count over the 10 rows above: o4 null customer; o5 refunded (status); o6 negative amount,
    # not flagged; o7 in 2099 (future); second o8 duplicate; o9 zero amount (kept, flagged).
    data = load_dataset({"orders": _orders()})
    q = _quality(data)
    assert q[("orders", "null customer_id")] == 1
    assert q[("orders", "refund / cancellation")] == 1
    assert q[("orders", "negative amount not flagged as refund")] == 1
    assert q[("orders", "timestamp in the future")] == 1
    assert q[("orders", "duplicate order_id: identical copy")] == 1
    assert q[("orders", "zero amount")] == 1
    kept = data.orders.to_pandas()
    assert sorted(kept.order_id) == ["o1", "o2", "o3", "o8", "o9"]
    excluded = data.quality.query("action == 'excluded'").rows.sum()
    assert len(kept) + excluded == 10  # nothing lost silently
    assert data.as_of == dt.date(2024, 1, 8)


def test_strict_mode_raises_naming_table_column_and_rows():
    with pytest.raises(ContractError) as err:
        load_dataset({"orders": _orders()}, strict=True)
    msg = str(err.value)
    assert "'orders'" in msg and "customer_id" in msg and "(1 row)" in msg


def test_refunds_do_not_raise_in_strict_mode():
    clean = _orders().iloc[[0, 1, 2, 4]]  # o5 is a flagged refund
    data = load_dataset({"orders": clean}, strict=True)
    assert _quality(data)[("orders", "refund / cancellation")] == 1


def test_missing_required_column_is_an_error():
    with pytest.raises(ContractError) as err:
        load_dataset({"orders": _orders().drop(columns="amount")})
    assert err.value.table == "orders" and err.value.column == "amount" and err.value.rows == 10
    assert "missing required column" in str(err.value)


def test_column_of_the_wrong_type_is_an_error():
    with pytest.raises(ContractError) as err:
        load_dataset({"orders": _orders(amount=["ten"] * 10)})
    assert err.value.column == "amount" and "wrong type" in str(err.value) and err.value.rows == 10


def test_csv_folder_keeps_leading_zeros_and_counts_unparseable_values(tmp_path):
    (tmp_path / "orders.csv").write_text(
        "order_id,customer_id,order_ts,amount\n"
        "001,0007,2024-01-01 10:00:00,12.5\n"
        "002,0007,2024-01-05,abc\n"
        "003,0008,not-a-date,3\n"
        "004,0008,2024-01-06,4\n"
    )
    data = load_dataset(tmp_path)
    kept = data.orders.to_pandas()
    assert sorted(kept.order_id) == ["001", "004"] and set(kept.customer_id) == {"0007", "0008"}
    q = _quality(data)
    assert q[("orders", "null or unparseable amount")] == 1
    assert q[("orders", "null or unparseable order_ts")] == 1


def test_rows_after_as_of_are_excluded_and_counted():
    data = load_dataset({"orders": _orders().iloc[:3]}, as_of="2024-01-04")
    assert sorted(data.orders.to_pandas().order_id) == ["o1", "o3"]
    assert _quality(data)[("orders", "after the as-of date")] == 1


def test_aware_timestamps_become_local_dates():
    # 2024-01-01 20:00 UTC is 2024-01-02 04:00 in Shanghai (UTC+8).
    orders = pd.DataFrame({"order_id": ["1"], "customer_id": ["a"], "amount": [1.0],
                           "order_ts": pd.to_datetime(["2024-01-01 20:00:00"]).tz_localize("UTC")})
    assert load_dataset({"orders": orders}, time_zone="Asia/Shanghai").orders.to_pandas().order_date[0] == pd.Timestamp("2024-01-02")
    assert load_dataset({"orders": orders}, time_zone="UTC").orders.to_pandas().order_date[0] == pd.Timestamp("2024-01-01")


def test_unknown_time_zone_and_source_are_parameter_errors(tmp_path):
    with pytest.raises(ParameterError, match="time zone"):
        load_dataset({"orders": _orders()}, time_zone="Mars/Olympus")
    with pytest.raises(ParameterError, match="data source"):
        load_dataset(str(tmp_path / "nope.txt"))


def test_optional_tables_and_skip_note():
    customers = pd.DataFrame({"customer_id": ["a", "b", "b"], "birth_year": [1990, None, 1985],
                              "member_tier": ["gold", "", None], "signup_ts": pd.to_datetime(["2023-12-01"] * 3)})
    data = load_dataset({"orders": _orders(), "customers": customers})
    assert data.has("customers") and not data.has("events")
    cust = data.table("customers").to_pandas().set_index("customer_id")
    assert len(cust) == 2 and _quality(data)[("customers", "duplicate customer_id: other values (first row in the file kept)")] == 1
    assert cust.loc["a", "age"] == 2024 - 1990  # age at the as-of year
    assert pd.isna(cust.loc["b", "member_tier"])  # empty string means "not a member"
    with pytest.raises(MissingTableError, match="events"):
        data.table("events", "DAU")
    assert "events" in data.skip_note("events", "Active users")


def test_order_lines_of_excluded_orders_are_counted():
    items = pd.DataFrame({"order_id": ["o1", "o1", "o5", "zz"], "product_id": ["p1", "p2", "p1", "p3"]})
    data = load_dataset({"orders": _orders(), "order_items": items})
    assert len(data.table("order_items").to_pandas()) == 2
    assert _quality(data)[("order_items", "order excluded or unknown")] == 2


def test_duckdb_file_source(tmp_path):
    import duckdb

    path = tmp_path / "shop.duckdb"
    con = duckdb.connect(str(path))
    con.register("frame", _orders().iloc[:3])
    con.execute("CREATE TABLE orders AS SELECT * FROM frame")
    con.close()
    data = load_dataset(path)
    assert len(data.orders.to_pandas()) == 3 and data.source == "shop.duckdb"


def test_cdnow_master_is_read_from_the_installed_package():
    orders = load_cdnow()
    # The published master file: 69,659 rows, 23,570 customers, 1997-01-01 .. 1998-06-30.
    assert len(orders) == 69_659 and orders.customer_id.nunique() == 23_570
    assert orders.order_ts.min() == pd.Timestamp("1997-01-01") and orders.order_ts.max() == pd.Timestamp("1998-06-30")
    sample = load_cdnow(sample=True)
    assert sample.customer_id.nunique() == 2_357


def test_any_sql_database_by_url(tmp_path):
    # SQLite through ibis: the contract tables are copied into the DuckDB engine, then cleaned.
    import sqlite3

    path = tmp_path / "shop.sqlite"
    with sqlite3.connect(path) as con:
        frame = _orders().iloc[:4].assign(order_ts=lambda d: d.order_ts.astype(str))
        frame.to_sql("orders", con, index=False)
    data = load_dataset(f"sqlite:///{path}")
    assert sorted(data.orders.to_pandas().order_id) == ["o1", "o2", "o3"]
    assert _quality(data)[("orders", "null customer_id")] == 1


def test_every_timestamp_column_gets_its_local_date():
    # shipped_ts -> shipped_date; tickets' ts -> ts_date (hand-named by the rule in data._date_column)
    orders = _orders().iloc[:2].assign(shipped_ts=pd.to_datetime(["2024-01-02 23:30:00", None]))
    tickets = pd.DataFrame({"customer_id": ["a", None], "ts": pd.to_datetime(["2024-01-03 08:00:00"] * 2),
                            "resolved_ts": pd.to_datetime(["2024-01-04 09:00:00", None])})
    data = load_dataset({"orders": orders, "tickets": tickets})
    shipped = data.orders.to_pandas().set_index("order_id").shipped_date
    assert shipped["o1"] == pd.Timestamp("2024-01-02") and pd.isna(shipped["o2"])
    t = data.table("tickets").to_pandas()
    assert list(t.ts_date) == [pd.Timestamp("2024-01-03")] and list(t.resolved_date) == [pd.Timestamp("2024-01-04")]
    assert _quality(data)[("tickets", "null customer_id")] == 1


def test_two_datasets_on_one_engine_keep_their_own_tables(tmp_path):
    """A second load on a shared engine (the Spark session of a notebook, a caller's DuckDB) must not
    replace the first dataset's tables: the first kept 3 orders, the second 1 (hand count)."""
    import ibis
    import pandas as pd

    from userops_lib.data.load import load_dataset

    con = ibis.duckdb.connect()
    orders = lambda n: pd.DataFrame({"order_id": [f"o{i}" for i in range(n)], "customer_id": ["c1"] * n,
                                     "order_ts": pd.to_datetime(["2024-01-02"] * n), "amount": [10.0] * n})
    first = load_dataset({"orders": orders(3)}, backend=con, snapshot_dir=False)
    second = load_dataset({"orders": orders(1)}, backend=con, snapshot_dir=False)
    assert first.orders.count().execute() == 3 and second.orders.count().execute() == 1
