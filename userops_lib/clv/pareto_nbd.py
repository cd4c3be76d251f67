"""Pareto/NBD purchase model (Schmittlein, Morrison & Colombo 1987; Fader & Hardie note 009)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from lifetimes import ParetoNBDFitter
from scipy.special import gammaln

from .base import PurchaseModel

__all__ = ["ParetoNBDModel"]


class ParetoNBDModel(PurchaseModel):
    """Pareto/NBD: Poisson purchasing at a gamma-distributed rate while alive, and an exponential
    lifetime whose rate is gamma distributed too.

    Parameters ``r, alpha`` (purchase rate) and ``s, beta`` (drop-out rate); ``alpha`` and ``beta``
    in the summary's time unit. Fitted with :class:`lifetimes.ParetoNBDFitter` (Nelder-Mead) from
    the fixed start ``(1, 1, 1, 1)`` in lifetimes' rescaled time, with a tight tolerance — lifetimes'
    default is a random start.
    """

    name = "Pareto/NBD"
    param_names = ("r", "alpha", "s", "beta")

    def _run_fitter(self, frequency, recency, T, weights):
        return ParetoNBDFitter().fit(frequency, recency, T, weights=weights, initial_params=np.ones(4),
                                     tol=1e-10, maxiter=20000)

    def _log_likelihood(self, params, data):
        """Eq. (18) of Fader & Hardie note 009, summed over weighted rows."""
        x, tx, T, w = data
        return float((w * ParetoNBDFitter._conditional_log_likelihood(params, x, tx, T)).sum())

    def _history(self, x, tx, T):
        """Per-customer factor of eq. (41) of note 009 (P(alive) · (r+x)(β+T) / (α+T), in logs)."""
        r, alpha, s, beta = (self.params_[k] for k in self.param_names)
        with np.errstate(all="ignore"):
            log_l = ParetoNBDFitter._conditional_log_likelihood([r, alpha, s, beta], x, tx, T)
            return np.exp(gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) - (r + x) * np.log(alpha + T)
                          - s * np.log(beta + T) + np.log(r + x) + np.log(beta + T) - np.log(alpha + T) - log_l)

    def _horizon(self, horizons, T):
        """Horizon factor of eq. (41): [1 − ((β+T)/(β+T+t))^(s−1)] / (s−1), on unique T values."""
        s, beta = self.params_["s"], self.params_["beta"]
        inverse, uT = pd.factorize(T)
        bT = (beta + uT)[:, None]
        with np.errstate(all="ignore"):
            return (1 - (bT / (bT + horizons[None, :])) ** (s - 1)) / (s - 1), inverse

    def _expected_purchases_matrix(self, horizons, x, tx, T):
        """Eq. (41) of note 009: E[Y(t) | x, t_x, T] = P(alive) · (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)]."""
        horizon, inverse = self._horizon(horizons, T)
        return self._history(x, tx, T)[:, None] * horizon[inverse]

    def _horizon_sums(self, horizons, weights, x, tx, T):
        horizon, inverse = self._horizon(horizons, T)
        history = self._history(x, tx, T)
        per_T = np.diff(horizon, axis=1, prepend=0.0) @ weights
        return history * horizon[inverse, -1], history * per_T[inverse]

    def _population_purchases(self, t):
        """Eq. (27) of note 009: E[X(t)] = rβ / (α(s−1)) · [1 − (β/(β+t))^(s−1)] for a new customer."""
        r, alpha, s, beta = (self.params_[k] for k in self.param_names)
        return r * beta / alpha / (s - 1) * (1 - (beta / (beta + t)) ** (s - 1))

    def _probability_alive(self, x, tx, T):
        """P(alive | x, t_x, T), eqs. (36)-(37) of note 009."""
        r, alpha, s, beta = (self.params_[k] for k in self.param_names)
        with np.errstate(all="ignore"):
            log_a0 = ParetoNBDFitter._log_A_0([r, alpha, s, beta], x, tx, T)
            return 1.0 / (1.0 + np.exp(np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T)
                                       + s * np.log(beta + T) + log_a0))
