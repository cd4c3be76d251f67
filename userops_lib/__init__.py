"""userops: user-operations (CRM) analytics for e-commerce teams.

The functions an analyst calls most are re-exported here; each lives in the module of its metric
family (``userops_lib.metrics.kpis``, ``userops_lib.metrics.retention``, ...), where the rest of that family is.
The layers and the direction of their imports are drawn in ``ARCHITECTURE.md``.

The names are imported on first use (PEP 562 ``__getattr__``): ``import userops_lib.clv.summary`` or
the ``userops`` command does not load matplotlib and scipy (about 80 MB) unless
something that needs them is used.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: public name -> the module of ``userops_lib`` that defines it (this list is pinned by tests/test_layout.py)
_EXPORTS = {
    # data
    "Dataset": "data.load", "load_dataset": "data.load", "load_cdnow": "data.load", "generate_demo": "demo.generate",
    "write_demo": "demo.generate",
    # foundation
    "period_kpis": "metrics.kpis", "active_users": "metrics.kpis", "stickiness": "metrics.kpis",
    "channel_conversion": "metrics.kpis", "cohort_retention": "metrics.retention",
    "n_day_retention": "metrics.retention", "user_profile": "metrics.profile", "funnel": "metrics.funnel",
    "time_to_convert": "metrics.funnel", "funnel_trend": "metrics.funnel",
    "stickiness_distribution": "metrics.engagement",
    # strategy experiments
    "second_purchase_conversion": "metrics.conversion", "repurchase_cycle": "metrics.conversion",
    "returning_buyers": "metrics.returning", "rfm_segments": "metrics.rfm",
    "segment_profile": "metrics.rfm", "association_rules": "metrics.basket", "cross_sell_table": "metrics.basket",
    "referral_overview": "metrics.referral", "top_inviters": "metrics.referral",
    "campaign_results": "metrics.campaigns", "campaign_funnel": "metrics.funnel",
    # value uplift
    "tier_distribution": "metrics.membership", "tier_migration": "metrics.membership",
    "members_vs_nonmembers": "metrics.membership", "customer_features": "metrics.audiences",
    "build_audiences": "metrics.audiences", "export_audiences": "metrics.audiences",
    # loyalty
    "rfm_summary": "clv.summary", "calibration_holdout_split": "clv.summary", "fit_purchase_model": "clv",
    "fit_spend_model": "clv",
    "customer_lifetime_value": "clv", "lifecycle_stages": "metrics.lifecycle",
    "customer_stage": "metrics.lifecycle", "stage_transitions": "metrics.lifecycle",
    "step_durations": "metrics.experience", "repurchase_by_experience": "metrics.experience",
    "activity_index": "metrics.engagement", "pyramid_layers": "metrics.pyramid", "pyramid_flows": "metrics.pyramid",
    "layer_value": "metrics.pyramid", "nps": "metrics.voice", "csat": "metrics.voice", "top_answers": "metrics.voice",
    "complaint_rate": "metrics.voice",
    # KPI review
    "load_targets": "metrics.kpi_review", "kpi_scorecard": "metrics.kpi_review",
    # a table's facts (the typed things a function states besides its table)
    "facts": "results",
    # errors
    "UseropsError": "exceptions", "ContractError": "exceptions", "MissingTableError": "exceptions",
    "ModelFitError": "exceptions", "ParameterError": "exceptions",
}

__all__ = list(_EXPORTS)

def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
