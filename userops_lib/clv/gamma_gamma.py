"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"; Fader & Hardie note 025)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from lifetimes import GammaGammaFitter

from ..exceptions import ModelFitError, ParameterError
from .base import FittedModel, _quiet, compress

__all__ = ["GammaGammaModel", "SpendFrequencyCorrelationWarning", "CORRELATION_WARNING_THRESHOLD"]

#: |Pearson correlation| between frequency and average spend above which the fit warns.
CORRELATION_WARNING_THRESHOLD = 0.3


class SpendFrequencyCorrelationWarning(UserWarning):
    """Frequency and average spend are correlated; Gamma-Gamma assumes they are independent."""


class GammaGammaModel(FittedModel):
    """Gamma-Gamma: a customer's order values vary around a personal mean spend, and those means
    vary across customers; ``expected_spend`` shrinks each customer's observed average towards the
    population mean, the less so the more orders they made.

    Parameters ``p, q, v`` (note 025). Fitted on repeat buyers only (frequency > 0), compressed to
    unique (frequency, monetary_value) rows, with :class:`lifetimes.GammaGammaFitter` (BFGS on
    log-parameters) from the fixed start ``log θ = 0``.

    Attributes (after ``fit``)
    --------------------------
    frequency_spend_correlation_ : float
        Pearson correlation of frequency and average spend among the repeat buyers.
    n_excluded_ : dict of str to int
        Customers left out of the fit, by reason.
    """

    name = "Gamma-Gamma"
    param_names = ("p", "q", "v")

    def __init__(self):
        super().__init__()
        self.frequency_spend_correlation_ = float("nan")
        self.n_excluded_: dict[str, int] = {}

    def fit(self, summary: pd.DataFrame) -> "GammaGammaModel":
        """Fit to the repeat buyers of a customer summary (``frequency``, ``monetary_value``).

        Raises
        ------
        ModelFitError
            Fewer than 2 usable repeat buyers, no convergence, or ``q <= 1`` (the population mean
            spend ``p v / (q - 1)`` would not exist).
        """
        for col in ("frequency", "monetary_value"):
            if col not in summary.columns:
                raise ParameterError(f"summary lacks column '{col}' needed by the Gamma-Gamma spend model")
        x = summary["frequency"].to_numpy(dtype=float)
        m = summary["monetary_value"].to_numpy(dtype=float)
        repeat = x > 0
        usable = repeat & np.isfinite(m) & (m > 0)
        self.n_excluded_ = {"one-time buyers (frequency 0)": int((~repeat).sum()),
                            "repeat buyers with a non-positive or missing average spend": int((repeat & ~usable).sum())}
        self.fit_notes_ = [f"{n:,} {why} left out of the spend fit" for why, n in self.n_excluded_.items() if n]
        if usable.sum() < 2:
            raise ModelFitError(f"the Gamma-Gamma spend model needs repeat buyers with a positive average spend: "
                                f"{int(usable.sum())} of {len(x):,} customers qualify")
        self._check_correlation(x[usable], m[usable])
        rows = compress(pd.DataFrame({"frequency": x[usable], "monetary_value": m[usable]}), ["frequency", "monetary_value"])
        self.n_customers_, self.n_rows_ = int(usable.sum()), len(rows)
        data = tuple(rows[c].to_numpy(dtype=float) for c in ("frequency", "monetary_value", "weights"))
        with _quiet() as printed:
            try:
                fitter = GammaGammaFitter().fit(data[0], data[1], weights=data[2], initial_params=np.zeros(3))
            except Exception as err:
                raise ModelFitError(f"the Gamma-Gamma fit failed on {self.n_customers_:,} repeat buyers: "
                                    f"{type(err).__name__}: {str(err).strip()} {printed.getvalue()[:200]}") from err
        self._finish_fit(dict(fitter.params_), data)
        if self.params_["q"] <= 1:
            raise ModelFitError(f"the Gamma-Gamma fit gives q = {self.params_['q']:.3f} <= 1: the population mean spend "
                                "p·v/(q−1) does not exist, so expected spend is undefined on this data")
        return self

    def _check_correlation(self, x: np.ndarray, m: np.ndarray) -> None:
        if np.std(x) == 0 or np.std(m) == 0:
            self.frequency_spend_correlation_ = float("nan")
            self.fit_notes_.append("frequency or spend is constant among repeat buyers: correlation not defined")
            return
        rho = float(np.corrcoef(x, m)[0, 1])
        self.frequency_spend_correlation_ = rho
        if abs(rho) > CORRELATION_WARNING_THRESHOLD:
            note = (f"frequency and average spend are correlated (Pearson {rho:+.2f} over {len(x):,} repeat buyers); "
                    "the Gamma-Gamma model assumes they are independent, so expected spend may be biased")
            self.fit_notes_.append(note)
            warnings.warn(note, SpendFrequencyCorrelationWarning, stacklevel=3)

    def _log_likelihood(self, params, data):
        """Eq. (1a) of note 025, summed over weighted (frequency, spend) rows."""
        x, m, w = data
        return -GammaGammaFitter._negative_log_likelihood(np.log(params), x, m, w, 0.0) * w.sum()

    def conditional_expected_average_profit(self, frequency, monetary_value) -> np.ndarray:
        """E[M | x, m̄] = (q−1)/(px+q−1) · pv/(q−1) + px/(px+q−1) · m̄  (note 025, eq. 5).

        One-time buyers (x = 0) get the population mean ``p v / (q − 1)``.
        """
        self._check_fitted()
        p, q, v = (self.params_[k] for k in self.param_names)
        x = np.asarray(frequency, dtype=float)
        m = np.nan_to_num(np.asarray(monetary_value, dtype=float))
        individual_weight = p * x / (p * x + q - 1)
        return (1 - individual_weight) * (v * p / (q - 1)) + individual_weight * m

    def expected_spend(self, summary: pd.DataFrame) -> np.ndarray:
        """Expected average order value of each summary customer (same money unit as ``monetary_value``)."""
        return self.conditional_expected_average_profit(summary["frequency"], summary["monetary_value"])

    @property
    def population_mean_spend(self) -> float:
        """Mean spend per order of a new customer, ``p v / (q − 1)``."""
        self._check_fitted()
        p, q, v = (self.params_[k] for k in self.param_names)
        return p * v / (q - 1)

    def __repr__(self) -> str:
        if not self.params_:
            return "<GammaGammaModel (not fitted)>"
        return (f"<GammaGammaModel p={self.params_['p']:.4g}, q={self.params_['q']:.4g}, v={self.params_['v']:.4g}; "
                f"{self.n_customers_:,} repeat buyers>")
