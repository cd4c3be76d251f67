"""userops: user-operations (CRM) analytics for e-commerce teams.

The functions an analyst calls most are re-exported here; each lives in the module of its metric
family (``userops_lib.kpis``, ``userops_lib.retention``, ...), where the rest of that family is.

The names are imported on first use (PEP 562 ``__getattr__``): ``import userops_lib.summary`` or
the ``userops`` command does not load matplotlib, scipy and lifetimes (about 80 MB) unless
something that needs them is used.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: public name -> the module of ``userops_lib`` that defines it
_EXPORTS = {
    # data
    "Dataset": "data", "load_dataset": "data", "load_cdnow": "data", "generate_demo": "demo",
    "write_demo": "demo",
    # foundation
    "period_kpis": "kpis", "active_users": "kpis", "stickiness": "kpis",
    "channel_conversion": "kpis", "cohort_retention": "retention",
    "n_day_retention": "retention", "user_profile": "profile", "funnel": "funnel",
    "time_to_convert": "funnel", "stickiness_distribution": "engagement",
    # strategy experiments
    "second_purchase_conversion": "conversion", "repurchase_cycle": "conversion",
    "returning_buyers": "returning", "rfm_segments": "rfm",
    "segment_profile": "rfm", "association_rules": "basket", "cross_sell_table": "basket",
    "referral_overview": "referral", "top_inviters": "referral",
    "campaign_results": "campaigns", "campaign_funnel": "funnel",
    # value uplift
    "tier_distribution": "membership", "tier_migration": "membership",
    "members_vs_nonmembers": "membership", "customer_features": "audiences",
    "build_audiences": "audiences", "export_audiences": "audiences",
    # loyalty
    "rfm_summary": "summary", "calibration_holdout_split": "summary", "fit_purchase_model": "clv",
    "fit_spend_model": "clv",
    "customer_lifetime_value": "clv", "lifecycle_stages": "lifecycle",
    "customer_stage": "lifecycle", "stage_transitions": "lifecycle",
    "step_durations": "experience", "repurchase_by_experience": "experience",
    "activity_index": "engagement", "pyramid_layers": "pyramid", "pyramid_flows": "pyramid",
    "layer_value": "pyramid", "nps": "voice", "csat": "voice", "top_answers": "voice",
    "complaint_rate": "voice",
    # KPI review
    "load_targets": "kpi_review", "kpi_scorecard": "kpi_review",
    # errors
    "UseropsError": "exceptions", "ContractError": "exceptions", "MissingTableError": "exceptions",
    "ModelFitError": "exceptions", "ParameterError": "exceptions",
}

__all__ = list(_EXPORTS)

# ``funnel`` names both a function and its module: bind the function now, or importing the module
# ``userops_lib.funnel`` anywhere would leave the module object under the package's ``funnel``
from .funnel import funnel  # noqa: E402, F401


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
