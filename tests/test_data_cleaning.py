"""Cleaning real shop exports: offsets in text timestamps, conflicting duplicate keys, 'NULL' ids,
empty optional tables; the counts and notes also come back from a run's snapshot.

Every expected value is a hand count of the small CSV/Parquet files written in the test (the
comment beside it says how).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from userops_lib.data.ids import mask_id
from userops_lib.data.load import load_dataset
from userops_lib.exceptions import ContractError, ParameterError
from userops_lib.metrics.kpis import active_users, period_kpis

SHANGHAI = "Asia/Shanghai"


def _write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.csv").write_text(text)
    return folder


def _quality(data):
    return {(r.table, r.reason): r.rows for r in data.quality.itertuples()}


def _dates(data):
    orders = data.orders.to_pandas().set_index("order_id")
    return {k: v.date() for k, v in orders.order_date.items()}


# ----------------------------------------------------------------------- 1. offsets in text timestamps
# Shanghai is UTC+8 all year. o1 20:00Z Jun 30 = Jul 1 04:00 local; o2 20:00+08:00 = Jun 30 20:00 local;
# o3 naive = Jun 30 20:00 local as written; o4 12:00-05:00 = 17:00Z = Jul 1 01:00 local; o5 naive date Jul 2.
MIXED = ("order_id,customer_id,order_ts,amount\n"
         "o1,a,2025-06-30T20:00:00Z,10\n"
         "o2,b,2025-06-30T20:00:00+08:00,20\n"
         "o3,c,2025-06-30 20:00:00,30\n"
         "o4,d,2025-06-30T12:00:00-05:00,40\n"
         "o5,e,2025-07-02,50\n")


def test_text_timestamps_with_an_offset_are_instants_in_the_business_time_zone(tmp_path):
    data = load_dataset(_write(tmp_path, "orders", MIXED), time_zone=SHANGHAI)
    assert _dates(data) == {"o1": dt.date(2025, 7, 1), "o2": dt.date(2025, 6, 30), "o3": dt.date(2025, 6, 30),
                            "o4": dt.date(2025, 7, 1), "o5": dt.date(2025, 7, 2)}
    months = period_kpis(data, "month").set_index("period")
    assert months.loc["2025-06", "gmv"] == 50 and months.loc["2025-07", "gmv"] == 100  # o2 + o3 | o1 + o4 + o5
    q = _quality(data)  # the mixed column, counted per kind: o1, o2, o4 with an offset; o3, o5 without
    assert q[("orders", "text timestamp with a UTC offset, converted to Asia/Shanghai")] == 3
    assert q[("orders", "text timestamp without offset, read as Asia/Shanghai time")] == 2
    actions = dict(zip(data.quality.reason, data.quality.action))
    assert actions["text timestamp with a UTC offset, converted to Asia/Shanghai"] == "converted"


def test_the_same_instants_in_utc_land_on_june_30(tmp_path):
    data = load_dataset(_write(tmp_path, "orders", MIXED), time_zone="UTC")
    # UTC: o1 Jun 30 20:00; o2 12:00Z Jun 30; o4 17:00Z Jun 30; naive o3, o5 as written
    assert _dates(data) == {"o1": dt.date(2025, 6, 30), "o2": dt.date(2025, 6, 30), "o3": dt.date(2025, 6, 30),
                            "o4": dt.date(2025, 6, 30), "o5": dt.date(2025, 7, 2)}


def test_text_offsets_give_the_same_local_time_as_time_zone_aware_parquet(tmp_path):
    text = load_dataset(_write(tmp_path / "csv", "orders", MIXED), time_zone=SHANGHAI)
    instants = pd.to_datetime(["2025-06-30T20:00:00Z", "2025-06-30T20:00:00+08:00", "2025-06-30T12:00:00-05:00"],
                              utc=True, format="ISO8601")
    (tmp_path / "pq").mkdir()
    pd.DataFrame({"order_id": ["o1", "o2", "o4"], "customer_id": ["a", "b", "d"], "order_ts": instants,
                  "amount": [10.0, 20.0, 40.0]}).to_parquet(tmp_path / "pq" / "orders.parquet")
    aware = load_dataset(tmp_path / "pq", time_zone=SHANGHAI)
    local = lambda d: d.orders.to_pandas().set_index("order_id").order_ts  # noqa: E731
    assert local(aware).to_dict() == {k: v for k, v in local(text).items() if k in ("o1", "o2", "o4")}
    assert local(aware)["o1"] == pd.Timestamp("2025-07-01 04:00:00")


# ------------------------------------------------------------------- 2. conflicting duplicate order ids
# o1 three times: the first row (a, 100); a later copy for another customer at an EARLIER time with
# 99999 (conflicting); an exact copy of the first (identical). o2 twice, identical. o3 once.
DUPLICATES = ("order_id,customer_id,order_ts,amount\n"
              "o1,a,2024-07-01 10:00:00,100\n"
              "o2,b,2024-07-02 10:00:00,50\n"
              "o1,z,2024-07-01 09:00:00,99999\n"
              "o2,b,2024-07-02 10:00:00,50\n"
              "o3,c,2024-07-03 10:00:00,10\n"
              "o1,a,2024-07-01 10:00:00,100\n")


def test_the_first_row_in_the_file_is_kept_and_conflicting_copies_are_their_own_reason(tmp_path):
    data = load_dataset(_write(tmp_path, "orders", DUPLICATES))
    kept = data.orders.to_pandas().set_index("order_id")
    assert kept.loc["o1", "customer_id"] == "a" and kept.loc["o1", "amount"] == 100  # not the earlier 99999 copy
    assert kept.amount.sum() == 160  # 100 + 50 + 10: July GMV unharmed by the 99999 copy
    q = _quality(data)
    assert q[("orders", "duplicate order_id: identical copy")] == 2  # the third o1, the second o2
    assert q[("orders", "duplicate order_id: other values (first row in the file kept)")] == 1  # o1 / z / 99999
    assert data.info["conflicting_ids"] == {"orders": ["o1"]}
    note = next(n for n in data.notes if "order_id" in n)
    assert mask_id("o1") in note and "o1," not in note and "1 order_id" in note


def test_identical_copies_alone_make_no_note(tmp_path):
    data = load_dataset(_write(tmp_path, "orders", DUPLICATES.replace("o1,z,2024-07-01 09:00:00,99999\n", "")))
    assert _quality(data)[("orders", "duplicate order_id: identical copy")] == 2
    assert not any("order_id" in n for n in data.notes) and "conflicting_ids" not in data.info


# ----------------------------------------------------------------------------- 3. text that means "no id"
def test_null_like_texts_are_missing_ids_in_every_table(tmp_path):
    # orders: 6 marker texts + 1 empty field (read by DuckDB as a true NULL) + 1 real id 'a'
    _write(tmp_path, "orders", "order_id,customer_id,order_ts,amount\n"
           "1,NULL,2024-01-01,1\n2,null,2024-01-01,1\n3,None,2024-01-01,1\n4,NaN,2024-01-01,1\n"
           "5,N/A,2024-01-01,1\n6, - ,2024-01-01,1\n7,,2024-01-01,1\n8,a,2024-01-02,1\n")
    _write(tmp_path, "customers", "customer_id,city\nNULL,x\nnone,y\na,z\n")  # 2 markers
    _write(tmp_path, "events", "customer_id,event_ts,event_name\nn/a,2024-01-01,visit\na,2024-01-01,visit\n")
    _write(tmp_path, "order_items", "order_id,product_id\n8,NaN\n8,p1\n")
    data = load_dataset(tmp_path)
    q = _quality(data)
    marker = "missing-id text ('', NULL, None, NaN, N/A, -) read as no id"
    assert q[("orders", marker)] == 6 and q[("orders", "null customer_id")] == 7
    assert q[("customers", marker)] == 2 and q[("customers", "null customer_id")] == 2
    assert q[("events", marker)] == 1 and q[("events", "null customer_id")] == 1
    assert q[("order_items", marker)] == 1 and q[("order_items", "null product_id")] == 1
    assert data.orders.to_pandas().customer_id.tolist() == ["a"]
    assert data.table("customers").to_pandas().customer_id.tolist() == ["a"]


def test_an_empty_string_id_from_a_dataframe_is_missing_too():
    orders = pd.DataFrame({"order_id": ["1", "2", "3"], "customer_id": ["", "NULL", "a"],
                           "order_ts": pd.to_datetime(["2024-01-01"] * 3), "amount": [1.0] * 3})
    q = _quality(load_dataset({"orders": orders}))
    assert q[("orders", "missing-id text ('', NULL, None, NaN, N/A, -) read as no id")] == 2
    assert q[("orders", "null customer_id")] == 2


# ------------------------------------------------------------------------- 4. empty optional table
def test_an_events_table_with_no_rows_is_treated_as_absent(tmp_path):
    _write(tmp_path, "orders", "order_id,customer_id,order_ts,amount\n1,a,2024-01-01,5\n2,b,2024-01-02,5\n")
    _write(tmp_path, "events", "customer_id,event_ts,event_name\n")  # header only
    data = load_dataset(tmp_path)
    assert not data.has("events")
    dau = active_users(data, "day")
    assert dau.source.iloc[0] == "orders" and dau.active_users.tolist() == [1, 1]  # a on Jan 1, b on Jan 2
    assert any("`events` table has 0 rows" in n and "from orders" in n for n in data.notes)
    assert data.info["rows_read"]["events"] == 0


# ------------------------------------------------------------------------------ snapshot round trip
def test_counts_notes_and_facts_survive_the_snapshot(tmp_path):
    folder = _write(tmp_path / "shop", "orders", DUPLICATES.replace("2024-07-03 10:00:00", "2024-07-03T02:00:00Z"))
    _write(folder, "events", "customer_id,event_ts,event_name\n")
    direct = load_dataset(folder, time_zone=SHANGHAI)
    load_dataset(folder, time_zone=SHANGHAI, snapshot_dir=tmp_path / "snap")  # the first notebook writes it
    opened = load_dataset(folder, time_zone=SHANGHAI, snapshot_dir=tmp_path / "snap")  # the others open it
    assert len(list((tmp_path / "snap").iterdir())) == 1
    pd.testing.assert_frame_equal(opened.quality, direct.quality)
    assert opened.notes == direct.notes and len(direct.notes) == 2  # conflicting o1; empty events
    assert opened.info["conflicting_ids"] == {"orders": ["o1"]}
    assert _quality(opened)[("orders", "text timestamp with a UTC offset, converted to Asia/Shanghai")] == 1
    assert not opened.has("events")


# ------------------------------------------------------------------------- 5. header-only orders
def test_a_header_only_orders_file_is_called_empty(tmp_path):
    with pytest.raises(ContractError, match=r"orders is empty \(0 rows\)") as err:
        load_dataset(_write(tmp_path, "orders", "order_id,customer_id,order_ts,amount\n"))
    assert "valid timestamp" not in str(err.value)


# --------------------------------------------------------------------------------- 6. GBK exports
def _gbk_orders(rows: int = 3) -> str:
    lines = ["order_id,customer_id,order_ts,amount,channel"]
    lines += [f"{i},c{i % 7},2024-01-0{1 + i % 9},{10 + i},天猫旗舰店" for i in range(rows)]
    return "\n".join(lines) + "\n"


def test_a_gbk_csv_names_the_file_and_the_parameter(tmp_path):
    (tmp_path / "orders.csv").write_bytes(_gbk_orders().encode("gbk"))
    with pytest.raises(ContractError) as err:
        load_dataset(tmp_path)
    msg = str(err.value)
    assert "orders.csv is not UTF-8" in msg and "csv_encoding: gb18030" in msg and "\n" not in msg


def test_a_gbk_byte_after_duckdbs_sniffing_sample_is_the_same_one_line_error(tmp_path):
    text = _gbk_orders(3).replace("天猫旗舰店", "web")  # ASCII first: DuckDB sniffs 20,480 rows
    tail = "".join(f"{i},c1,2024-01-02,5,web\n" for i in range(3, 30_000)) + "99999,c1,2024-01-02,5,天猫\n"
    (tmp_path / "orders.csv").write_bytes((text + tail).encode("gbk"))
    with pytest.raises(ContractError, match="orders.csv is not UTF-8"):
        load_dataset(tmp_path)


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "GB2312"])
def test_csv_encoding_reads_a_chinese_export(tmp_path, encoding):
    # > 1 MiB, with one two-byte character split by the 1 MiB chunk boundary of the conversion
    body = _gbk_orders(30_000).encode("gbk")
    line_start = body.rfind(b"\n", 0, (1 << 20) - 40) + 1
    channel_at = body.index("天".encode("gbk"), line_start)
    pad = (1 << 20) - 1 - channel_at  # shift the line so the first byte of 天 is the chunk's last byte
    body = body[:line_start] + body[line_start:channel_at].replace(b",c", b"," + b"c" * (pad + 1), 1) \
        + body[channel_at:]
    assert body[(1 << 20) - 1:(1 << 20) + 1] == "天".encode("gbk")
    (tmp_path / "orders.csv").write_bytes(body)
    data = load_dataset(tmp_path, csv_encoding=encoding)
    orders = data.orders.to_pandas()
    assert len(orders) == 30_000 and set(orders.channel) == {"天猫旗舰店"}  # every row, every character


def test_every_stage_notebook_passes_csv_encoding_to_load_dataset():
    from userops_lib.locations import project_root
    from userops_lib.runner.params import find_notebooks

    notebooks = find_notebooks(project_root() / "notebooks")
    assert len(notebooks) == 5
    for nb in notebooks:
        assert nb.params["csv_encoding"]["default"] == "None", nb.name  # a --params value reaches the notebook
        assert "csv_encoding=csv_encoding" in nb.path.read_text(), nb.name  # and goes on to load_dataset


# ---------------------------------------------------------------------- 7. ids written differently
def test_buyers_without_a_customer_row_are_reported_with_the_shape_of_each_side(tmp_path):
    # customers 0001-0004; orders by 1, 2, 3 (unpadded: no customer row) and 0004: 3 of 4 buyers missing
    _write(tmp_path, "customers", "customer_id\n0001\n0002\n0003\n0004\n")
    _write(tmp_path, "orders", "order_id,customer_id,order_ts,amount\n"
           "o1,1,2024-01-01,5\no2,2,2024-01-01,5\no3,3,2024-01-01,5\no4,0004,2024-01-01,5\no5,1,2024-01-02,5\n")
    note = next(n for n in load_dataset(tmp_path).notes if "customers" in n)
    assert "3 of 4 buyers (75%)" in note
    assert "looks like `9`" in note and "like `0009`" in note  # '1' and '0001', shapes only
    assert "3 of them match a customer once leading zeros are ignored" in note


def test_a_few_buyers_without_a_customer_row_make_no_note(tmp_path):
    # 1 of 2 buyers missing is not more than half
    _write(tmp_path, "customers", "customer_id\na\n")
    _write(tmp_path, "orders", "order_id,customer_id,order_ts,amount\no1,a,2024-01-01,5\no2,b,2024-01-01,5\n")
    assert load_dataset(tmp_path).notes == []


# ------------------------------------------------------------------------------------- 8. as_of
TWO_MONTHS = ("order_id,customer_id,order_ts,amount\n"
              "o1,a,2024-01-01,10\no2,b,2024-01-15,20\no3,a,2024-02-10,30\n")


def test_an_as_of_before_the_first_order_is_one_clear_error(tmp_path):
    with pytest.raises(ParameterError, match="^as_of 2020-01-01 is before the first order 2024-01-01$"):
        load_dataset(_write(tmp_path, "orders", TWO_MONTHS), as_of="2020-01-01")


def test_an_as_of_after_today_is_refused(tmp_path):
    tomorrow = (pd.Timestamp.now(tz=SHANGHAI) + pd.Timedelta(days=1)).date()
    with pytest.raises(ParameterError, match=f"as_of {tomorrow} is after today") as err:
        load_dataset(_write(tmp_path, "orders", TWO_MONTHS), as_of=str(tomorrow), time_zone=SHANGHAI)
    assert "\n" not in str(err.value)


def test_months_after_the_last_order_are_no_data_not_complete(tmp_path):
    data = load_dataset(_write(tmp_path, "orders", TWO_MONTHS), as_of="2024-06-30")
    k = period_kpis(data, "month").set_index("period")
    assert k.index.tolist() == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]
    assert k.no_data.tolist() == [False, False, True, True, True, True]  # the last order is Feb 10
    assert k.complete.tolist() == [True, True, False, False, False, False]
    assert k.loc["2024-02", "churn_rate"] == 0.5  # January's a and b; only a bought in February
    assert k.loc["2024-03":, "churn_rate"].isna().all()  # not 100 % churn in months nobody recorded
    assert pd.isna(k.loc["2024-02", "return_purchase_rate"])  # March has no data to come back in
    assert k[k.complete].churn_rate.mean() == 0.5


# ------------------------------------------------------------------------------------------- Spark
@pytest.mark.spark
def test_spark_cleans_offsets_duplicates_and_missing_ids_like_duckdb(tmp_path, engines):
    pytest.importorskip("pyspark")
    spark = engines[1].backend
    folder = _write(tmp_path, "orders", DUPLICATES + "o4,NULL,2024-07-04T20:00:00Z,7\no5,d,2024-07-04T20:00:00Z,8\n")
    on_spark = load_dataset(folder, backend=spark, time_zone=SHANGHAI)
    on_duckdb = load_dataset(folder, time_zone=SHANGHAI)
    pd.testing.assert_frame_equal(on_spark.quality, on_duckdb.quality)
    assert _dates(on_spark) == _dates(on_duckdb) and _dates(on_spark)["o5"] == dt.date(2024, 7, 5)  # 04:00 local
    assert on_spark.orders.to_pandas().set_index("order_id").loc["o1", "amount"] == 100  # the file's first o1
    assert on_spark.info["conflicting_ids"] == on_duckdb.info["conflicting_ids"] == {"orders": ["o1"]}


def test_the_foundation_summary_says_which_periods_have_no_data(tmp_path):
    from userops_lib.metrics.drivers import headline_comparison
    from userops_lib.report.formatting import NumberStyle
    from userops_lib.report.narrative.foundation import empty_periods_note

    data = load_dataset(_write(tmp_path, "orders", TWO_MONTHS), as_of="2024-06-30")
    note = empty_periods_note(period_kpis(data, "month"), headline_comparison(data, "month"), NumberStyle("en"))
    assert "the last order is in" in note and "the 4 period(s) from" in note  # March to June, hand-counted
    assert "complete period(s) after" not in note  # no longer read as four complete months without orders
    zh = empty_periods_note(period_kpis(data, "month"), headline_comparison(data, "month"), NumberStyle("zh"))
    assert "4 个周期没有数据" in zh


@pytest.mark.spark
def test_spark_reads_a_gbk_export_with_csv_encoding(tmp_path, engines):
    pytest.importorskip("pyspark")
    (tmp_path / "orders.csv").write_bytes(_gbk_orders(5).encode("gbk"))
    data = load_dataset(tmp_path, backend=engines[1].backend, csv_encoding="gbk")  # from a UTF-8 copy, as on DuckDB
    assert set(data.orders.to_pandas().channel) == {"天猫旗舰店"}
