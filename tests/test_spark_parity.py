"""The same foundation metrics on DuckDB and on Spark give the same tables.

Reference: the DuckDB run of the same code on the same demo files; the two engines must agree on
every row (floats to 1e-12 relative, since sums may be added in another order).
"""

from __future__ import annotations

import pytest
from parity import SPARK_MARKS, assert_same_value

from userops_lib.metrics.kpis import active_users, channel_conversion, period_kpis, stickiness
from userops_lib.metrics.profile import user_profile
from userops_lib.metrics.retention import cohort_retention, n_day_retention

pytestmark = SPARK_MARKS

METRICS = {
    "period_kpis_month": lambda d: period_kpis(d, "month"),
    "period_kpis_week": lambda d: period_kpis(d, "week"),
    "active_users_day": lambda d: active_users(d, "day"),
    "active_users_week": lambda d: active_users(d, "week"),
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


@pytest.mark.parametrize("metric", list(METRICS))
def test_duckdb_and_spark_agree(engines, metric):
    duck, spark = engines
    expected, got = METRICS[metric](duck), METRICS[metric](spark)
    assert len(expected) > 0
    assert_same_value(got, expected, metric, rtol=1e-12)
    assert got.attrs == expected.attrs
