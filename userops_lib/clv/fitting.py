"""Entry points: fit a purchase model or the spend model by name."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from ..data import snapshot
from ..exceptions import ParameterError
from .base import PurchaseModel, summary_arrays, time_unit_of
from .bgnbd import BetaGeoModel
from .gamma_gamma import GammaGammaModel
from .mbgnbd import ModifiedBetaGeoModel
from .pareto_nbd import ParetoNBDModel

__all__ = ["PURCHASE_MODELS", "fit_purchase_model", "fit_spend_model"]

#: Short name → purchase-model class.
PURCHASE_MODELS: dict[str, type[PurchaseModel]] = {
    "bgnbd": BetaGeoModel,
    "pnbd": ParetoNBDModel,
    "mbgnbd": ModifiedBetaGeoModel,
}


def fit_purchase_model(summary: pd.DataFrame, model: str = "bgnbd", *, sample_size: int | None = None,
                       seed: int = 0, run=None) -> PurchaseModel:
    """Fit a purchase-count model to a customer summary.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer with ``frequency``, ``recency``, ``T`` (see
        :func:`userops_lib.clv.summary.rfm_summary`); its unit in ``summary.attrs["time_unit"]``.
    model : {"bgnbd", "pnbd", "mbgnbd"}
        BG/NBD, Pareto/NBD or MBG/NBD.
    sample_size : int, optional
        Fit on a seeded random sample of this many customers (very large bases).
    seed : int
        Seed of the sample.
    run : Dataset, optional
        The Dataset of the run: the fit is done once per run and kept next to its snapshot
        (:func:`userops_lib.data.snapshot.run_cached`), keyed by the summary's frequency, recency, T
        and time unit, so the value report (03) and the loyalty report (04) fit the chosen model on
        all customers once, and another summary never gets this one's fit.

    Returns
    -------
    PurchaseModel
        With ``params_``, ``log_likelihood_``, ``standard_errors_``, ``expected_purchases(t, summary)``
        and ``probability_alive(summary)``.

    Raises
    ------
    ParameterError
        Unknown model name or a malformed summary.
    ModelFitError
        No repeat buyers, or the fit does not converge.
    """
    try:
        cls = PURCHASE_MODELS[model]
    except KeyError:
        raise ParameterError(f"model {model!r} is not one of {sorted(PURCHASE_MODELS)}") from None
    if run is None or getattr(run, "_snapshot", None) is None:
        return cls().fit(summary, sample_size=sample_size, seed=seed)
    return snapshot.run_cached(run, "purchase-fit", {"model": model, "sample_size": sample_size, "seed": seed,
                                                     "summary": _summary_digest(summary)},
                               lambda: cls().fit(summary, sample_size=sample_size, seed=seed),
                               code=tuple(Path(__file__).parent.glob("*.py")))


def _summary_digest(summary: pd.DataFrame) -> str:
    """SHA-256 of what a purchase model is fitted on: frequency, recency, T and their time unit."""
    x, tx, T = summary_arrays(summary)
    digest = hashlib.sha256(time_unit_of(summary).encode())
    for values in (x, tx, T):
        digest.update(np.ascontiguousarray(values).tobytes())
    return digest.hexdigest()


def fit_spend_model(summary: pd.DataFrame) -> GammaGammaModel:
    """Fit the Gamma-Gamma spend model to the repeat buyers of a summary (``frequency``, ``monetary_value``).

    Warns with :class:`~userops_lib.clv.gamma_gamma.SpendFrequencyCorrelationWarning` when
    frequency and spend are correlated; raises :class:`~userops_lib.exceptions.ModelFitError` when
    the data cannot support the model.
    """
    return GammaGammaModel().fit(summary)
