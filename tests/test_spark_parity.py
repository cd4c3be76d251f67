"""The same foundation metrics on DuckDB and on Spark give the same tables.

Reference: the DuckDB run of the same code on the same demo files; the two engines must agree on
every row (floats to 1e-12 relative, since sums may be added in another order).
"""

from __future__ import annotations

import importlib.util
import shutil

import pandas as pd
import pytest

from userops_lib.data import load_dataset
from userops_lib.kpis import active_users, channel_conversion, period_kpis, stickiness
from userops_lib.profile import user_profile
from userops_lib.retention import cohort_retention, n_day_retention

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="pyspark is not installed"),
    pytest.mark.skipif(shutil.which("java") is None, reason="java is not on the PATH"),
]

METRICS = {
    "period_kpis_month": lambda d: period_kpis(d, "month"),
    "period_kpis_week": lambda d: period_kpis(d, "week"),
    "active_users_day": lambda d: active_users(d, "day"),
    "stickiness": stickiness,
    "channel_conversion": channel_conversion,
    "cohort_retention_month": lambda d: cohort_retention(d, "month", as_frame="long"),
    "cohort_retention_signup_events_brackets": lambda d: cohort_retention(
        d, "week", anchor="signup", activity="events", criterion=[(1, 1), (2, 3), (4, 8)], as_frame="long"),
    "cohort_retention_on_or_after": lambda d: cohort_retention(d, "month", criterion="on_or_after", as_frame="long"),
    "n_day_retention": lambda d: n_day_retention(d, days=(1, 7, 30)),
    "n_day_retention_signup_events": lambda d: n_day_retention(d, anchor="signup", activity="events"),
    "user_profile": user_profile,
}


@pytest.fixture(scope="module")
def engines(demo_dir, tmp_path_factory):
    """The demo loaded on DuckDB and on one local Spark session (shared by the whole module).

    The session's warehouse (where the clean tables are stored) is a temporary folder, not
    ``./spark-warehouse`` in the working tree.
    """
    from pyspark.sql import SparkSession

    from userops_lib.engine import spark_backend

    session = (SparkSession.builder.master("local[2]").appName("userops-parity")
               .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark-warehouse")))
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.ui.enabled", "false")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield load_dataset(demo_dir), load_dataset(demo_dir, backend=spark_backend(session))
    session.stop()


def _normalise(df: pd.DataFrame) -> pd.DataFrame:
    out = df.reset_index()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.astype("datetime64[ns]")
        elif pd.api.types.is_bool_dtype(s):
            out[col] = s.astype(bool)
        elif pd.api.types.is_numeric_dtype(s):
            out[col] = s.astype("float64")
        else:
            out[col] = s.astype(object).where(s.notna(), None)
    return out.sort_values(list(out.columns[: min(4, len(out.columns))]), ignore_index=True)


@pytest.mark.parametrize("metric", list(METRICS))
def test_duckdb_and_spark_agree(engines, metric):
    duck, spark = engines
    expected, got = METRICS[metric](duck), METRICS[metric](spark)
    assert len(expected) > 0
    pd.testing.assert_frame_equal(_normalise(got), _normalise(expected), check_exact=False, rtol=1e-12, atol=1e-12)
    assert got.attrs == expected.attrs
