"""BG/NBD purchase model (Fader, Hardie & Lee 2005, "Counting your customers the easy way")."""

from __future__ import annotations

import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter
from scipy.special import expit, hyp2f1

from .base import PurchaseModel

__all__ = ["BetaGeoModel"]


def _unique_pairs(x: np.ndarray, T: np.ndarray):
    """Unique (x, T) pairs and the index mapping each customer back to its pair.

    The horizon-dependent part of the BG/NBD and MBG/NBD predictions depends on (x, T) only, so the
    costly Gauss hypergeometric function is evaluated once per pair instead of once per customer.
    The pair is hashed as one complex number (x + iT), much faster than ``np.unique(axis=0)``.
    """
    inverse, pairs = pd.factorize(x + 1j * T)
    return pairs.real, pairs.imag, inverse


class BetaGeoModel(PurchaseModel):
    """BG/NBD: Poisson purchasing at a gamma-distributed rate; after each purchase the customer
    drops out with a beta-distributed probability.

    Parameters ``r, alpha`` (gamma purchase rate, ``alpha`` in the summary's time unit) and ``a, b``
    (beta drop-out probability). Fitted with :class:`lifetimes.BetaGeoFitter` (BFGS on
    log-parameters) from the fixed start ``log θ = 0`` (all parameters 1, in lifetimes' rescaled time).
    """

    name = "BG/NBD"
    param_names = ("r", "alpha", "a", "b")

    def _run_fitter(self, frequency, recency, T, weights):
        return BetaGeoFitter().fit(frequency, recency, T, weights=weights, initial_params=np.zeros(4))

    def _log_likelihood(self, params, data):
        """Eq. (6) of Fader, Hardie & Lee (2005), summed over compressed rows with their weights."""
        x, tx, T, w = data
        return -BetaGeoFitter._negative_log_likelihood(np.log(params), x, tx, T, w, 0.0) * w.sum()

    def _growth(self, horizons, x, T):
        """Numerator of eq. (10) on unique (x, T) pairs: (pairs × horizons, index of each customer's pair)."""
        r, alpha, a, b = (self.params_[k] for k in self.param_names)
        ux, uT, inverse = _unique_pairs(x, T)
        t = horizons[None, :]
        ux, uT = ux[:, None], uT[:, None]
        z = t / (alpha + uT + t)
        c = a + b + ux - 1
        with np.errstate(all="ignore"):
            log_hyp = np.log(hyp2f1(r + ux, b + ux, c, z))
            # Euler's transformation when the series overflows (same fallback as lifetimes)
            alt = np.log(hyp2f1(c - r - ux, c - b - ux, c, z)) + (c - r - ux - b - ux) * np.log1p(-z)
            log_hyp = np.where(np.isinf(log_hyp), alt, log_hyp)
            growth = (c / (a - 1)) * (1 - np.exp(log_hyp + (r + ux) * np.log((alpha + uT) / (alpha + t + uT))))
        return growth, inverse

    def _denominator(self, x, tx, T):
        r, alpha, a, b = (self.params_[k] for k in self.param_names)
        return 1 + (x > 0) * (a / (b + np.maximum(x, 1) - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x)

    def _expected_purchases_matrix(self, horizons, x, tx, T):
        """Eq. (10) of Fader, Hardie & Lee (2005): E[Y(t) | x, t_x, T] for every customer × horizon."""
        growth, inverse = self._growth(horizons, x, T)
        return growth[inverse] / self._denominator(x, tx, T)[:, None]

    def _horizon_sums(self, horizons, weights, x, tx, T):
        """Eq. (10) factorises into a (x, T) horizon term over a per-customer term: sum on unique pairs."""
        growth, inverse = self._growth(horizons, x, T)
        denominator = self._denominator(x, tx, T)
        per_pair = np.diff(growth, axis=1, prepend=0.0) @ weights
        return growth[inverse, -1] / denominator, per_pair[inverse] / denominator

    def _population_purchases(self, t):
        """Eq. (9) of Fader, Hardie & Lee (2005): E[X(t)] for a new customer."""
        r, alpha, a, b = (self.params_[k] for k in self.param_names)
        return (a + b - 1) / (a - 1) * (1 - hyp2f1(r, b, a + b - 1, t / (alpha + t)) * (alpha / (alpha + t)) ** r)

    def _probability_alive(self, x, tx, T):
        """P(alive | x, t_x, T), eq. (11) of Fader, Hardie & Lee (2005) (note 021 form)."""
        r, alpha, a, b = (self.params_[k] for k in self.param_names)
        log_odds_dead = (r + x) * np.log((alpha + T) / (alpha + tx)) + np.log(a / (b + np.maximum(x, 1) - 1))
        return np.where(x == 0, 1.0, expit(-log_odds_dead))
