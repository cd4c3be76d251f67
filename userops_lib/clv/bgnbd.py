"""BG/NBD purchase model (Fader, Hardie & Lee 2005, "Counting your customers the easy way")."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import digamma, expit, gammaln, hyp2f1

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


def log_likelihood_rows(params, x, tx, T) -> np.ndarray:
    """BG/NBD log-likelihood of each history (x, t_x, T): eq. (6) of Fader, Hardie & Lee (2005),

    L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / Γ(r) · [ (α+T)^−(r+x) + δ(x>0) a/(b+x−1) (α+t_x)^−(r+x) ]

    in logs as their section 7 (and note 004) evaluates it, the bracket by log-sum-exp.
    """
    r, alpha, a, b = params
    head = (gammaln(r + x) - gammaln(r) + r * np.log(alpha)
            + gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x))
    return head + np.logaddexp(*_bracket_terms(params, x, tx, T))


def _bracket_terms(params, x, tx, T):
    """Logs of the two terms in the bracket of eq. (6); the second is −inf for x = 0."""
    r, alpha, a, b = params
    alive = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore"):
        dropped = np.where(x > 0, np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + tx), -np.inf)
    return alive, dropped


def log_likelihood_gradient_rows(params, x, tx, T) -> np.ndarray:
    """d log L / d(r, α, a, b) of eq. (6) for each history (rows × 4), with ψ the digamma function
    and ``w`` the share of the dropped-out term in the bracket."""
    r, alpha, a, b = params
    alive, dropped = _bracket_terms(params, x, tx, T)
    w = expit(dropped - alive)  # 0 for x = 0
    log_rate = (1 - w) * np.log(alpha + T) + w * np.log(alpha + tx)
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - log_rate
    d_alpha = r / alpha - (r + x) * ((1 - w) / (alpha + T) + w / (alpha + tx))
    d_a = digamma(a + b) - digamma(a + b + x) + w / a
    d_b = digamma(a + b) + digamma(b + x) - digamma(b) - digamma(a + b + x) - w / (b + np.maximum(x, 1) - 1)
    return np.column_stack([d_r, d_alpha, d_a, d_b])


class BetaGeoModel(PurchaseModel):
    """BG/NBD: Poisson purchasing at a gamma-distributed rate; after each purchase the customer
    drops out with a beta-distributed probability.

    Parameters ``r, alpha`` (gamma purchase rate, ``alpha`` in the summary's time unit) and ``a, b``
    (beta drop-out probability). Fitted by maximising eq. (6) of Fader, Hardie & Lee (2005) with its
    closed-form gradient (BFGS on log-parameters, then Newton steps) from all parameters 1 in
    rescaled time (the start ``lifetimes.BetaGeoFitter`` takes with ``initial_params=0``).
    """

    name = "BG/NBD"
    param_names = ("r", "alpha", "a", "b")

    def _row_log_likelihood(self, params, rows):
        return log_likelihood_rows(params, *rows)

    def _row_gradient(self, params, rows):
        return log_likelihood_gradient_rows(params, *rows)

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
