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
    ``./spark-warehouse`` in the working tree.
    """
    from pyspark.sql import SparkSession

    from userops_lib.data.load import load_dataset
    from userops_lib.data.engine import spark_backend

    session = (SparkSession.builder.master("local[2]").appName("userops-parity")
               .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark-warehouse")))
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.ui.enabled", "false")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield load_dataset(demo_dir), load_dataset(demo_dir, backend=spark_backend(session))
    session.stop()
