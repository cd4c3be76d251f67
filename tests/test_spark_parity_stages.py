"""The stage metrics on DuckDB and on Spark give the same tables.

Reference: the DuckDB run of the same code on the same demo files; the two engines must agree on
every row (floats to 1e-9 relative, since sums may be added in another order) and on the notes
kept in ``DataFrame.attrs`` (excluded-row counts and the like).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from parity import SPARK_MARKS, assert_same_frames, parity_cases

from userops_lib.metrics.basket import association_rules
from userops_lib.metrics.campaigns import campaign_results
from userops_lib.metrics.conversion import second_purchase_conversion
from userops_lib.metrics.dropouts import dropout_pack
from userops_lib.metrics.engagement import activity_index, stickiness_distribution
from userops_lib.metrics.kpi_review import last_complete_period, period_actuals
from userops_lib.metrics.experience import step_durations
from userops_lib.metrics.funnel import campaign_funnel, funnel, funnel_trend, time_to_convert
from userops_lib.metrics.lifecycle import customer_stage, lifecycle_stages
from userops_lib.metrics.membership import tier_migration
from userops_lib.metrics.pyramid import pyramid_layers
from userops_lib.metrics.referral import referral_overview
from userops_lib.metrics.rfm import rfm_segments
from userops_lib.clv.summary import calibration_holdout_split, rfm_summary
from userops_lib.metrics.voice import nps

pytestmark = SPARK_MARKS

RTOL = 1e-9


def _days_before_as_of(data, days: int) -> dt.date:
    return data.as_of - dt.timedelta(days=days)


def _tier_migration_frames(data) -> dict[str, pd.DataFrame]:
    # Two dates inside the demo's two years: ~10 months and ~1 month before its last order.
    result = tier_migration(data, _days_before_as_of(data, 300), _days_before_as_of(data, 30))
    return {"counts": result.counts, "shares": result.shares, "summary": result.summary}


def _review_kpis(data) -> dict[str, pd.DataFrame]:
    # The KPI review's usage retention (sign-ups' events), purchase conversion (buyers / visitors) and
    # NPS (rounds sent in the period) of the demo's last complete quarter and year, as 05 computes them.
    kpis = ["usage_d7_retention", "purchase_conversion", "nps"]
    return {kind: period_actuals(data, [last_complete_period(data.as_of, kind)], kpis) for kind in ("quarter", "year")}


def _dropout_frames(data) -> dict[str, pd.DataFrame]:
    # 加购未购 of the last 90 days: the pack's members, the entrants' last steps and the pack size
    pack = dropout_pack(data, "add_to_cart", days=90)
    return {"features": pack.features, "members": pack.members, "sizes": pack.sizes}


# Each case returns a DataFrame or a dict of DataFrames.
METRICS = {
    "rfm_summary": lambda d: rfm_summary(d),
    "calibration_holdout_split": lambda d: calibration_holdout_split(d, _days_before_as_of(d, 180)),
    "lifecycle_stages": lambda d: lifecycle_stages(d, "month"),
    "customer_stage": lambda d: customer_stage(d),
    "rfm_segments_cn8": lambda d: rfm_segments(d, scheme="cn8"),
    "second_purchase_conversion": lambda d: second_purchase_conversion(d),
    "association_rules_category": lambda d: association_rules(d, level="category", max_len=2),
    "referral_overview": referral_overview,
    "campaign_results": campaign_results,
    "tier_migration": _tier_migration_frames,
    "funnel_sequential": lambda d: funnel(d, order="sequential"),
    "funnel_strict_by_channel": lambda d: funnel(d, order="strict", by="channel"),
    "funnel_any_dates": lambda d: funnel(d, order="any", start=_days_before_as_of(d, 200), end=_days_before_as_of(d, 100)),
    "funnel_trend_month": lambda d: funnel_trend(d, period="month"),
    # the all-time funnel read from the per-period users its trend keeps (01's order)
    "funnel_after_its_trend": lambda d: (funnel_trend(d, window="3d", period="month"), funnel(d, window="3d"))[1],
    "funnel_trend_week_strict_by_channel": lambda d: funnel_trend(d, order="strict", period="week", by="channel"),
    "campaign_funnel": campaign_funnel,
    "campaign_funnel_strict": lambda d: campaign_funnel(d, order="strict", window="1d"),
    "time_to_convert": time_to_convert,
    "stickiness_distribution": stickiness_distribution,
    "activity_index": activity_index,
    "step_durations": step_durations,
    "pyramid_layers": pyramid_layers,
    "nps": nps,
    "review_usage_retention_conversion_nps": _review_kpis,
    "dropout_pack_add_to_cart": _dropout_frames,
}

# Known engine differences: {case: reason}. Each is marked xfail(strict=True), so a fix shows up.
KNOWN_DIFFERENCES: dict[str, str] = {}


@pytest.mark.parametrize("metric", parity_cases(METRICS, KNOWN_DIFFERENCES))
def test_stage_metric_same_on_duckdb_and_spark(engines, metric):
    duck, spark = engines
    assert_same_frames(METRICS[metric](duck), METRICS[metric](spark), metric, RTOL)
