"""MBG/NBD purchase model (Batislam, Denizel & Filiztekin 2007; Wagner & Hoppe 2008)."""

from __future__ import annotations

import numpy as np
from lifetimes import ModifiedBetaGeoFitter
from scipy.special import hyp2f1

from .base import PurchaseModel
from .bgnbd import _unique_pairs

__all__ = ["ModifiedBetaGeoModel"]


class ModifiedBetaGeoModel(PurchaseModel):
    """MBG/NBD: like BG/NBD, but a customer can also drop out right after the first purchase, so
    one-time buyers are not assumed to be alive for sure.

    Parameters ``r, alpha, a, b`` as in BG/NBD. Fitted with :class:`lifetimes.ModifiedBetaGeoFitter`
    (BFGS on log-parameters) from the fixed start ``log θ = 0``.
    """

    name = "MBG/NBD"
    param_names = ("r", "alpha", "a", "b")

    def _run_fitter(self, frequency, recency, T, weights):
        return ModifiedBetaGeoFitter().fit(frequency, recency, T, weights=weights, initial_params=np.zeros(4))

    def _log_likelihood(self, params, data):
        """Log-likelihood of Batislam et al. (2007), eq. (6), summed over weighted rows."""
        x, tx, T, w = data
        return -ModifiedBetaGeoFitter._negative_log_likelihood(np.log(params), x, tx, T, w, 0.0) * w.sum()

    def _growth(self, horizons, x, T):
        """Numerator of Wagner & Hoppe (2008) eq. (9) on unique (x, T) pairs."""
        r, alpha, a, b = (self.params_[k] for k in self.param_names)
        ux, uT, inverse = _unique_pairs(x, T)
        t = horizons[None, :]
        ux, uT = ux[:, None], uT[:, None]
        with np.errstate(all="ignore"):
            hyp = hyp2f1(r + ux, b + ux + 1, a + b + ux, t / (alpha + uT + t))
            growth = (a + b + ux) / (a - 1) * (1 - hyp * ((alpha + uT) / (alpha + t + uT)) ** (r + ux))
        return growth, inverse

    def _denominator(self, x, tx, T):
        r, alpha, a, b = (self.params_[k] for k in self.param_names)
        return 1 + (a / (b + x)) * ((alpha + T) / (alpha + tx)) ** (r + x)

    def _expected_purchases_matrix(self, horizons, x, tx, T):
        """Conditional expectation of Wagner & Hoppe (2008), eq. (9), for every customer × horizon."""
        growth, inverse = self._growth(horizons, x, T)
        return growth[inverse] / self._denominator(x, tx, T)[:, None]

    def _horizon_sums(self, horizons, weights, x, tx, T):
        growth, inverse = self._growth(horizons, x, T)
        denominator = self._denominator(x, tx, T)
        per_pair = np.diff(growth, axis=1, prepend=0.0) @ weights
        return growth[inverse, -1] / denominator, per_pair[inverse] / denominator

    def _population_purchases(self, t):
        """E[X(t)] for a new customer, Batislam et al. (2007), eq. (8)."""
        r, alpha, a, b = (self.params_[k] for k in self.param_names)
        return b / (a - 1) * (1 - hyp2f1(r, b + 1, a + b, t / (alpha + t)) * (alpha / (alpha + t)) ** r)

    def _probability_alive(self, x, tx, T):
        """P(alive | x, t_x, T), Batislam et al. (2007), appendix eq. (5)."""
        r, alpha, a, b = (self.params_[k] for k in self.param_names)
        return 1.0 / (1 + (a / (b + x)) * ((alpha + T) / (alpha + tx)) ** (r + x))
