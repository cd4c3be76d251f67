"""userops: user-operations (CRM) analytics for e-commerce teams.

The functions an analyst calls most are re-exported here; each lives in the module of its metric
family (``userops_lib.kpis``, ``userops_lib.retention``, ...), where the rest of that family is.
"""

from .audiences import build_audiences, customer_features, export_audiences
from .basket import association_rules, cross_sell_table
from .campaigns import campaign_results
from .clv import customer_lifetime_value, fit_purchase_model, fit_spend_model
from .conversion import repurchase_cycle, second_purchase_conversion
from .data import Dataset, load_cdnow, load_dataset
from .demo import generate_demo, write_demo
from .engagement import activity_index, stickiness_distribution
from .experience import repurchase_by_experience, step_durations
from .exceptions import ContractError, MissingTableError, ModelFitError, ParameterError, UseropsError
from .funnel import campaign_funnel, funnel, time_to_convert
from .kpi_review import kpi_scorecard, load_targets
from .kpis import active_users, channel_conversion, period_kpis, stickiness
from .lifecycle import customer_stage, lifecycle_stages, stage_transitions
from .membership import members_vs_nonmembers, tier_distribution, tier_migration
from .profile import user_profile
from .pyramid import layer_value, pyramid_flows, pyramid_layers
from .referral import referral_overview, top_inviters
from .retention import cohort_retention, n_day_retention
from .returning import returning_buyers
from .rfm import rfm_segments, segment_profile
from .summary import calibration_holdout_split, rfm_summary
from .voice import complaint_rate, csat, nps, top_answers

__version__ = "0.1.0"

__all__ = [
    # data
    "Dataset", "load_dataset", "load_cdnow", "generate_demo", "write_demo",
    # foundation
    "period_kpis", "active_users", "stickiness", "channel_conversion", "cohort_retention",
    "n_day_retention", "user_profile", "funnel", "time_to_convert", "stickiness_distribution",
    # strategy experiments
    "second_purchase_conversion", "repurchase_cycle", "returning_buyers", "rfm_segments",
    "segment_profile", "association_rules", "cross_sell_table", "referral_overview", "top_inviters",
    "campaign_results", "campaign_funnel",
    # value uplift
    "tier_distribution", "tier_migration", "members_vs_nonmembers", "customer_features",
    "build_audiences", "export_audiences",
    # loyalty
    "rfm_summary", "calibration_holdout_split", "fit_purchase_model", "fit_spend_model",
    "customer_lifetime_value", "lifecycle_stages", "customer_stage", "stage_transitions",
    "step_durations", "repurchase_by_experience", "activity_index", "pyramid_layers", "pyramid_flows",
    "layer_value", "nps", "csat", "top_answers", "complaint_rate",
    # KPI review
    "load_targets", "kpi_scorecard",
    # errors
    "UseropsError", "ContractError", "MissingTableError", "ModelFitError", "ParameterError",
]
