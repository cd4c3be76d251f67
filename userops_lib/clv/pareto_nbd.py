"""Pareto/NBD purchase model (Schmittlein, Morrison & Colombo 1987; Fader & Hardie note 009)."""

from __future__ import annotations

import numpy as np
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

    def _expected_purchases_matrix(self, horizons, x, tx, T):
        """Eq. (41) of note 009: E[Y(t) | x, t_x, T] = P(alive) · (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)].

        The history term is computed once per customer; only the closed-form last factor depends
        on the horizon.
        """
        r, alpha, s, beta = (self.params_[k] for k in self.param_names)
        params = [r, alpha, s, beta]
        with np.errstate(all="ignore"):
            log_l = ParetoNBDFitter._conditional_log_likelihood(params, x, tx, T)
            history = (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) - (r + x) * np.log(alpha + T)
                       - s * np.log(beta + T) + np.log(r + x) + np.log(beta + T) - np.log(alpha + T) - log_l)
            t, bT = horizons[None, :], (beta + T)[:, None]
            horizon = (1 - (bT / (bT + t)) ** (s - 1)) / (s - 1)
        return np.exp(history)[:, None] * horizon

    def _probability_alive(self, x, tx, T):
        """P(alive | x, t_x, T), eqs. (36)-(37) of note 009."""
        r, alpha, s, beta = (self.params_[k] for k in self.param_names)
        with np.errstate(all="ignore"):
            log_a0 = ParetoNBDFitter._log_A_0([r, alpha, s, beta], x, tx, T)
            return 1.0 / (1.0 + np.exp(np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T)
                                       + s * np.log(beta + T) + log_a0))
