"""Shared fixtures: a small seeded demo shop (generated once per test session), the CDNOW summary."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory):
    """Folder with a small demo dataset (1,500 customers, two years) as Parquet files."""
    from userops_lib.demo.generate import write_demo

    return write_demo(tmp_path_factory.mktemp("demo"), n_customers=1500, seed=11)


@pytest.fixture(scope="session")
def demo_data(demo_dir):
    """The small demo dataset loaded on DuckDB."""
    from userops_lib.data.load import load_dataset

    return load_dataset(demo_dir)


@pytest.fixture(scope="session")
def cdnow_data():
    """CDNOW master file (23,570 customers) loaded on DuckDB."""
    from userops_lib.data.load import load_dataset

    return load_dataset("cdnow")


@pytest.fixture(scope="session")
def cdnow_weeks():
    """The published CDNOW calibration summary: 2,357 customers, 39 weeks to 1997-09-30, in weeks
    (Fader, Hardie & Lee 2005; ``zbar`` of note 025 as ``monetary_value``), the file shipped in
    ``userops_lib/data/cdnow``: ``customer_id, frequency, recency, T, monetary_value``."""
    from userops_lib.data.bundled import cdnow_file

    with cdnow_file("cdnow_customers_summary_with_transactions.csv").open() as fh:
        df = pd.read_csv(fh)
    df.columns = ["customer_id", "frequency", "recency", "T", "monetary_value"]
    df.attrs["time_unit"] = "W"
    return df


@pytest.fixture(scope="session")
def engines(demo_dir, tmp_path_factory):
    """The small demo loaded on DuckDB and on one local Spark session, for every parity test.

    The session's warehouse (where the clean tables are stored) is a temporary folder, not
    ``./spark-warehouse`` in the working tree; its shuffle files (``blockmgr-*``), Spark's ``spark-*``
    folders and the native libraries the JVM unpacks (liblz4, snappy) go to pytest's temporary folder
    too (``spark.local.dir`` and ``java.io.tmpdir``), not to /tmp.
    """
    from pyspark.sql import SparkSession

    from userops_lib.data.load import load_dataset
    from userops_lib.data.engine import spark_backend

    session = (SparkSession.builder.master("local[2]").appName("userops-parity")
               .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark-warehouse")))
               .config("spark.local.dir", str(tmp_path_factory.mktemp("spark-local")))
               .config("spark.driver.extraJavaOptions", f"-Djava.io.tmpdir={tmp_path_factory.mktemp('spark-java')}")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.ui.enabled", "false")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield load_dataset(demo_dir), load_dataset(demo_dir, backend=spark_backend(session))
    session.stop()


@pytest.fixture(scope="session")
def messy_dir(demo_dir, tmp_path_factory):
    """The small demo shop as a messy export, for the data-quality text of the reports: CSV orders with
    an identical and a conflicting copy of an order, a NULL customer id, an 'N/A' order id, a timestamp
    with a UTC offset, a negative amount, a zero amount and an amount 'abc'; customers whose ids are
    written in lower case (so no buyer has a customer row); an events table with a header and no row;
    order lines with a zero quantity and an unknown order."""
    out = tmp_path_factory.mktemp("messy") / "messy"
    out.mkdir()
    orders = pd.read_parquet(demo_dir / "orders.parquet", columns=["order_id", "customer_id", "order_ts", "amount",
                                                                    "status", "is_refund", "channel", "coupon"])
    orders["order_ts"] = orders["order_ts"].dt.strftime("%Y-%m-%d %H:%M:%S")
    first = orders.iloc[0].to_dict()
    bad = pd.DataFrame([first, {**first, "amount": first["amount"] + 1},
                        {**first, "order_id": "X1", "customer_id": "NULL"}, {**first, "order_id": "N/A"},
                        {**first, "order_id": "X2", "order_ts": "2025-06-01T10:00:00+08:00"},
                        {**first, "order_id": "X3", "amount": -5.0}, {**first, "order_id": "X4", "amount": 0.0},
                        {**first, "order_id": "X5", "amount": "abc"}])
    pd.concat([orders, bad]).to_csv(out / "orders.csv", index=False)
    customers = pd.read_parquet(demo_dir / "customers.parquet")
    customers.assign(customer_id=customers["customer_id"].str.lower()).to_parquet(out / "customers.parquet")
    (out / "events.csv").write_text("customer_id,event_ts,event_name\n")
    items = pd.read_parquet(demo_dir / "order_items.parquet")
    extra = items.iloc[:2].assign(quantity=[0, 1], order_id=[items["order_id"].iloc[0], "NO_SUCH_ORDER"])
    pd.concat([items, extra]).to_parquet(out / "order_items.parquet")
    return out
