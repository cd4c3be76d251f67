"""MBG/NBD purchase model (Batislam, Denizel & Filiztekin 2007; Wagner & Hoppe 2008)."""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, expit, gammaln, hyp2f1

from .base import PurchaseModel
from .bgnbd import _unique_pairs

__all__ = ["ModifiedBetaGeoModel"]


def log_likelihood_rows(params, x, tx, T) -> np.ndarray:
    """MBG/NBD log-likelihood of each history (x, t_x, T): Batislam, Denizel & Filiztekin (2007), eq. (6),

    L = B(a, b+x+1)/B(a, b) · Γ(r+x) α^r / Γ(r) · [ (α+T)^−(r+x) + a/(b+x) (α+t_x)^−(r+x) ]

    (a customer may also drop out at time 0, so the second term is there for x = 0 too).
    """
    r, alpha, a, b = params
    return (gammaln(r + x) - gammaln(r) + r * np.log(alpha)
            + gammaln(a + b) + gammaln(b + x + 1) - gammaln(b) - gammaln(a + b + x + 1)
            - (r + x) * np.log(alpha + T) + np.logaddexp(0, _log_odds_dropped(params, x, tx, T)))


def _log_odds_dropped(params, x, tx, T):
    """Log of the second bracket term of eq. (6) over the first: log(a/(b+x)) + (r+x) log((α+T)/(α+t_x))."""
    r, alpha, a, b = params
    return np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))


def log_likelihood_gradient_rows(params, x, tx, T) -> np.ndarray:
    """d log L / d(r, α, a, b) of eq. (6) for each history (rows × 4), with ψ the digamma function
    and ``w`` the share of the dropped-out term in the bracket."""
    r, alpha, a, b = params
    w = expit(_log_odds_dropped(params, x, tx, T))
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - (1 - w) * np.log(alpha + T) - w * np.log(alpha + tx)
    d_alpha = r / alpha - (r + x) * ((1 - w) / (alpha + T) + w / (alpha + tx))
    d_a = digamma(a + b) - digamma(a + b + x + 1) + w / a
    d_b = digamma(a + b) + digamma(b + x + 1) - digamma(b) - digamma(a + b + x + 1) - w / (b + x)
    return np.column_stack([d_r, d_alpha, d_a, d_b])


class ModifiedBetaGeoModel(PurchaseModel):
    """MBG/NBD: like BG/NBD, but a customer can also drop out right after the first purchase, so
    one-time buyers are not assumed to be alive for sure.

    Parameters ``r, alpha, a, b`` as in BG/NBD. Fitted by maximising eq. (6) of Batislam et al.
    (2007) with its closed-form gradient (BFGS on log-parameters, then Newton steps) from all
    parameters 1 in rescaled time (the start of ``lifetimes.ModifiedBetaGeoFitter`` with
    ``initial_params=0``).
    """

    name = "MBG/NBD"
    param_names = ("r", "alpha", "a", "b")

    def _row_log_likelihood(self, params, rows):
        return log_likelihood_rows(params, *rows)

    def _row_gradient(self, params, rows):
        return log_likelihood_gradient_rows(params, *rows)

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
