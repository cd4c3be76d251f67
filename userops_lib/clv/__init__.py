"""Customer-base models and customer lifetime value (the loyalty stage).

Purchase models (BG/NBD, Pareto/NBD, MBG/NBD) and the Gamma-Gamma spend model, fitted with
``lifetimes`` on compressed rows from a fixed start; CLV over an explicit horizon in months; holdout
validation and model comparison; value views (deciles, channel, cohort, at-risk list).
"""

from .base import DAYS_PER_MONTH, TIME_UNIT_DAYS, FittedModel, PurchaseModel, compress
from .bgnbd import BetaGeoModel
from .fitting import PURCHASE_MODELS, fit_purchase_model, fit_spend_model
from .gamma_gamma import GammaGammaModel, SpendFrequencyCorrelationWarning
from .mbgnbd import ModifiedBetaGeoModel
from .pareto_nbd import ParetoNBDModel
from .validation import (
    best_model,
    calibration_summary,
    compare_models,
    cumulative_repeat_purchases,
    holdout_by_frequency,
    holdout_error,
    holdout_predictions,
    plot_calibration_vs_holdout,
    plot_cumulative_repeat_purchases,
    plot_frequency_recency_matrix,
    plot_probability_alive_matrix,
)
from .value import (
    at_risk_high_value,
    clv_by_channel,
    clv_by_cohort,
    clv_deciles,
    customer_lifetime_value,
    customer_value_table,
    lifecycle_actions,
)

__all__ = [
    "DAYS_PER_MONTH", "TIME_UNIT_DAYS", "FittedModel", "PurchaseModel", "compress",
    "BetaGeoModel", "ParetoNBDModel", "ModifiedBetaGeoModel", "GammaGammaModel", "SpendFrequencyCorrelationWarning",
    "PURCHASE_MODELS", "fit_purchase_model", "fit_spend_model",
    "customer_lifetime_value", "customer_value_table", "clv_deciles", "clv_by_channel", "clv_by_cohort",
    "at_risk_high_value", "lifecycle_actions",
    "calibration_summary", "holdout_predictions", "holdout_by_frequency", "holdout_error", "compare_models",
    "best_model", "cumulative_repeat_purchases", "plot_calibration_vs_holdout", "plot_frequency_recency_matrix",
    "plot_probability_alive_matrix", "plot_cumulative_repeat_purchases",
]
