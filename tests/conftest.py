"""Shared fixtures: a small seeded demo shop (generated once per test session)."""

from __future__ import annotations

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
