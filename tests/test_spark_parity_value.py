"""KPI review, audience packs, CLV value views and membership on DuckDB and on Spark give the same tables.

Reference: the DuckDB run of the same code on the same demo files; the two engines must agree on
every row (floats to 1e-9 relative, since sums may be added in another order) and on the notes
kept in ``DataFrame.attrs``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import warnings

import pandas as pd
import pytest
from parity import SPARK_MARKS, assert_same_frames, parity_cases

from userops_lib import clv
from userops_lib.metrics.audiences import build_audiences, customer_features, example_spec_path, load_audience_spec
from userops_lib.metrics.kpi_review import EXAMPLE_TARGETS, kpi_scorecard
from userops_lib.metrics.membership import (current_tiers, members_vs_nonmembers, revenue_by_tier, tier_distribution,
                                    tiers_at, time_to_join)
from userops_lib.clv.summary import rfm_summary

pytestmark = SPARK_MARKS

RTOL = 1e-9


def _without(data, table: str, column: str | None = None):
    """The dataset without ``table`` (or without one of its columns): exercises the fallback paths."""
    tables = dict(data.tables)
    if column is None:
        del tables[table]
    else:
        tables[table] = tables[table].drop(column)
    return dataclasses.replace(data, tables=tables)


def _audience_frames(data) -> dict[str, pd.DataFrame]:
    packs = build_audiences(data)
    return {"members": packs.members, "sizes": packs.sizes, "overlap": packs.overlap,
            "overlap_counts": packs.overlap_counts, "skipped": packs.skipped, "features": packs.features}


def _days_before_as_of(data, days: int) -> dt.date:
    return data.as_of - dt.timedelta(days=days)


# Each case returns a DataFrame or a dict of DataFrames. The demo spans 2024-01-01 .. 2025-12-31, the
# span of the example targets: the default (last complete quarter), 2025-Q4 and the year 2025.
METRICS = {
    "kpi_scorecard_last_quarter": lambda d: kpi_scorecard(d, EXAMPLE_TARGETS),
    "kpi_scorecard_running_quarter": lambda d: kpi_scorecard(d, EXAMPLE_TARGETS, "2025-Q4"),
    "kpi_scorecard_year": lambda d: kpi_scorecard(d, EXAMPLE_TARGETS, "2025"),
    "kpi_scorecard_orders_table": lambda d: kpi_scorecard(d.table("orders"), EXAMPLE_TARGETS),
    "customer_features": lambda d: customer_features(
        d, tier_thresholds=load_audience_spec(example_spec_path())["tier_thresholds"]),
    "customer_features_earlier_no_customers": lambda d: customer_features(
        _without(d, "customers"), as_of=_days_before_as_of(d, 200)),
    "customer_features_orders_table": lambda d: customer_features(d.table("orders")),
    "build_audiences": _audience_frames,
    "tiers_at": lambda d: tiers_at(d, [_days_before_as_of(d, 300), _days_before_as_of(d, 30), d.as_of]),
    "current_tiers": current_tiers,
    "current_tiers_from_customers": lambda d: current_tiers(_without(d, "tier_history")),
    "tier_distribution_month": lambda d: tier_distribution(d, "month"),
    "tier_distribution_week_history_only": lambda d: tier_distribution(d.table("tier_history"), "week"),
    "members_vs_nonmembers": members_vs_nonmembers,
    "members_vs_nonmembers_from_customers": lambda d: members_vs_nonmembers(
        _without(d, "tier_history"), window_days=180, retention_days=30),
    "time_to_join": time_to_join,
    "revenue_by_tier": revenue_by_tier,
    "revenue_by_tier_all_orders_from_customers": lambda d: revenue_by_tier(_without(d, "tier_history"), None),
}

# Known engine differences: {case: reason}. Each is marked xfail(strict=True), so a fix shows up.
KNOWN_DIFFERENCES: dict[str, str] = {}


@pytest.mark.parametrize("metric", parity_cases(METRICS, KNOWN_DIFFERENCES))
def test_value_metric_same_on_duckdb_and_spark(engines, metric):
    duck, spark = engines
    assert_same_frames(METRICS[metric](duck), METRICS[metric](spark), metric, RTOL)


@pytest.fixture(scope="module")
def clv_values(engines):
    """Per-customer CLV of the demo, computed once on DuckDB: both engines get this same frame."""
    duck, _ = engines
    summary = rfm_summary(duck, time_unit="W")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return clv.customer_value_table(clv.fit_purchase_model(summary, "bgnbd"), clv.fit_spend_model(summary),
                                        summary, months=12)


@pytest.mark.parametrize("channel_from", ["customers", "first_order"])
def test_clv_by_channel_same_on_duckdb_and_spark(engines, clv_values, channel_from):
    # "first_order": without customers.channel, the channel of each customer's first order (argmin).
    duck, spark = (d if channel_from == "customers" else _without(d, "customers", "channel") for d in engines)
    assert_same_frames(clv.clv_by_channel(clv_values, duck), clv.clv_by_channel(clv_values, spark), "clv_by_channel",
                       RTOL)
