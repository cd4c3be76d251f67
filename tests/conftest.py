"""Shared fixtures: a small seeded demo shop (generated once per test session)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory):
    """Folder with a small demo dataset (1,500 customers, two years) as Parquet files."""
    from userops_lib.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("demo"), n_customers=1500, seed=11)


@pytest.fixture(scope="session")
def demo_data(demo_dir):
    """The small demo dataset loaded on DuckDB."""
    from userops_lib.data import load_dataset

    return load_dataset(demo_dir)


@pytest.fixture(scope="session")
def cdnow_data():
    """CDNOW master file (23,570 customers) loaded on DuckDB."""
    from userops_lib.data import load_dataset

    return load_dataset("cdnow")
