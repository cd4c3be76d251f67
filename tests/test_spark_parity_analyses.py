"""The manager's follow-up analyses (issue 14) on DuckDB and on Spark give the same tables.

Year on year and drivers, categories and products, repurchase cycles, basket levels and segment
movement. Reference: the DuckDB run of the same code on the same demo files; the two engines must
agree on every row (floats to 1e-9 relative, since sums may be added in another order) and on the
notes kept in ``DataFrame.attrs``.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from parity import SPARK_MARKS, assert_same_frames, parity_cases

from userops_lib.metrics.basket import association_rules, product_labels
from userops_lib.metrics.categories import category_report, first_product_repeat, repurchase_cycles
from userops_lib.metrics.drivers import driver_tree, headline_comparison
from userops_lib.metrics.rfm import rfm_segments
from userops_lib.metrics.segment_moves import segment_migration

pytestmark = SPARK_MARKS

RTOL = 1e-9


def _segment_migration_frames(data) -> dict[str, pd.DataFrame]:
    result = segment_migration(data, "2025-06-30")
    return {"counts": result.counts, "shares": result.shares, "moves": result.moves}


def _cycles_by_segment(data) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        segments = rfm_segments(data)
    return repurchase_cycles(data, "segment", groups=segments)


METRICS = {
    "headline_comparison_month": lambda d: headline_comparison(d, "month"),
    "headline_comparison_week": lambda d: headline_comparison(d, "week"),
    "driver_tree_month_previous": lambda d: driver_tree(d, "month"),
    "driver_tree_quarter_last_year": lambda d: driver_tree(d, "quarter", compare="last_year"),
    "driver_tree_buyers": lambda d: driver_tree(d, "month", kpi="buyers", compare="last_year"),
    "category_report": category_report,
    "repurchase_cycles_category": lambda d: repurchase_cycles(d, "category"),
    "repurchase_cycles_segment": _cycles_by_segment,
    "repurchase_cycles_channel": lambda d: repurchase_cycles(d, "channel", max_days=180),
    "first_product_repeat": first_product_repeat,
    "association_rules_category_product": lambda d: association_rules(d, level="category_product", min_confidence=0.0),
    "product_labels": lambda d: product_labels(d).to_frame(),
    "segment_migration": _segment_migration_frames,
}

# Known engine differences: {case: reason}. Each is marked xfail(strict=True), so a fix shows up.
KNOWN_DIFFERENCES: dict[str, str] = {}


@pytest.mark.parametrize("metric", parity_cases(METRICS, KNOWN_DIFFERENCES))
def test_analysis_same_on_duckdb_and_spark(engines, metric):
    duck, spark = engines
    assert_same_frames(METRICS[metric](duck), METRICS[metric](spark), metric, RTOL)
