"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"; Fader & Hardie note 025)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from ..exceptions import ModelFitError, ParameterError
from .base import FittedModel, compress

__all__ = ["GammaGammaModel", "SpendFrequencyCorrelationWarning", "CORRELATION_WARNING_THRESHOLD"]

#: |Pearson correlation| between frequency and average spend above which the fit warns.
CORRELATION_WARNING_THRESHOLD = 0.3


class SpendFrequencyCorrelationWarning(UserWarning):
    """Frequency and average spend are correlated; Gamma-Gamma assumes they are independent."""


def log_likelihood_rows(params, x, m) -> np.ndarray:
    """Gamma-Gamma log-likelihood of each repeat buyer's average spend ``m`` over ``x`` orders: eq. (1a)
    of Fader & Hardie note 025 (Fader, Hardie & Lee 2005, "RFM and CLV", eq. 3),

    f(m | p, q, v, x) = Γ(px+q) / (Γ(px) Γ(q)) · v^q m^(px−1) x^(px) / (v + x m)^(px+q).
    """
    p, q, v = params
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v) + (px - 1) * np.log(m) + px * np.log(x)
            - (px + q) * np.log(x * m + v))


def log_likelihood_gradient_rows(params, x, m) -> np.ndarray:
    """d log f / d(p, q, v) of eq. (1a) of note 025 for each row (rows × 3), ψ the digamma function."""
    p, q, v = params
    px = p * x
    log_total = np.log(x * m + v)
    d_p = x * (digamma(px + q) - digamma(px) + np.log(m) + np.log(x) - log_total)
    d_q = digamma(px + q) - digamma(q) + np.log(v) - log_total
    d_v = q / v - (px + q) / (x * m + v)
    return np.column_stack([d_p, d_q, d_v])


class GammaGammaModel(FittedModel):
    """Gamma-Gamma: a customer's order values vary around a personal mean spend, and those means
    vary across customers; ``expected_spend`` shrinks each customer's observed average towards the
    population mean, the less so the more orders they made.

    Parameters ``p, q, v`` (note 025). Fitted on repeat buyers only (frequency > 0), compressed to
    unique (frequency, monetary_value) rows, by maximising eq. (1a) of note 025 with its closed-form
    gradient (BFGS on log-parameters, then Newton steps) from the fixed start ``p = q = v = 1``
    (the start of ``lifetimes.GammaGammaFitter`` with ``initial_params=0``).

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
        self._finish_fit(self._search(data, np.zeros(3)), data)
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

    def _row_log_likelihood(self, params, rows):
        return log_likelihood_rows(params, *rows)

    def _row_gradient(self, params, rows):
        return log_likelihood_gradient_rows(params, *rows)

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
