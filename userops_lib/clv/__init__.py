"""Customer-base models and customer lifetime value (the loyalty stage).

Purchase models (BG/NBD, Pareto/NBD, MBG/NBD) and the Gamma-Gamma spend model, each maximising its
own published log-likelihood (scipy; :mod:`.optimizer`) on compressed rows from a fixed start; CLV
over an explicit horizon in months; holdout validation and model comparison; value views (deciles,
channel, cohort, at-risk list). The lifetimes-style per-customer summary is in :mod:`.summary`; the
diagnostic charts are in :mod:`.plotting`. The archived ``lifetimes`` package is only the tests'
oracle. Names are imported on first use (PEP 562), so ``userops_lib.clv.summary`` does not load scipy
and fitting a model does not load matplotlib.
"""

from __future__ import annotations

import importlib as _importlib

#: public name -> module of this package that defines it
_EXPORTS = {
    **dict.fromkeys(["DAYS_PER_MONTH", "TIME_UNIT_DAYS", "FittedModel", "PurchaseModel", "compress"], "base"),
    "BetaGeoModel": "bgnbd", "ParetoNBDModel": "pareto_nbd", "ModifiedBetaGeoModel": "mbgnbd",
    "GammaGammaModel": "gamma_gamma", "SpendFrequencyCorrelationWarning": "gamma_gamma",
    **dict.fromkeys(["PURCHASE_MODELS", "fit_purchase_model", "fit_spend_model"], "fitting"),
    **dict.fromkeys(["customer_lifetime_value", "customer_value_table", "clv_deciles", "clv_by_channel",
                     "clv_by_cohort", "at_risk_high_value", "lifecycle_actions"], "value"),
    **dict.fromkeys(["calibration_summary", "holdout_predictions", "holdout_by_frequency", "holdout_error",
                     "compare_models", "best_model", "ModelChoice", "choose_purchase_model",
                     "cumulative_repeat_purchases"], "validation"),
    **dict.fromkeys(["plot_calibration_vs_holdout", "plot_frequency_recency_matrix", "plot_probability_alive_matrix",
                     "plot_cumulative_repeat_purchases"], "plotting"),
    **dict.fromkeys(["rfm_summary", "calibration_holdout_split"], "summary"),
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
