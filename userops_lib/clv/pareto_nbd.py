"""Pareto/NBD purchase model (Schmittlein, Morrison & Colombo 1987; Fader & Hardie note 009)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaln, hyp2f1

from .base import PurchaseModel

__all__ = ["ParetoNBDModel"]


def _log_tail_integral(params, x, y):
    """log[(r+s+x) ∫_y^∞ (α+τ)^−(r+x) (β+τ)^−(s+1) dτ], the two terms of A0 in eqs. (19)-(20) of note 009.

    Note 009 writes each term as ₂F₁(r+s+x, s+1 or r+x; r+s+x+1; z) / (max(α,β)+y)^(r+s+x). Euler's
    transformation ₂F₁(a,b;c;z) = (1−z)^(c−a−b) ₂F₁(c−a, c−b; c; z) turns it into a series ₂F₁(1, ·; ·; z)
    of positive terms times powers of (α+y) and (β+y), which stays finite where the original
    overflows (large x in days):

    * α ≥ β, z = (α−β)/(α+y): ₂F₁(1, r+x; r+s+x+1; z) (α+y)^−(r+x) (β+y)^−s;
    * α < β, z = (β−α)/(β+y): ₂F₁(1, s+1; r+s+x+1; z) (α+y)^(1−r−x) (β+y)^−(s+1).
    """
    r, alpha, s, beta = params
    c = r + s + x + 1
    if alpha >= beta:
        z = (alpha - beta) / (alpha + y)
        return np.log(hyp2f1(1.0, r + x, c, z)) - (r + x) * np.log(alpha + y) - s * np.log(beta + y)
    z = (beta - alpha) / (beta + y)
    return np.log(hyp2f1(1.0, s + 1, c, z)) + (1 - r - x) * np.log(alpha + y) - (s + 1) * np.log(beta + y)


def horizon_factor(s: float, base, t) -> np.ndarray:
    """[1 − (base/(base+t))^(s−1)] / (s−1), the horizon factor of eqs. (27) and (41) of note 009,
    with its limit ln((base+t)/base) at s = 1.

    With u = ln((base+t)/base) the factor is (1 − e^(−(s−1)u)) / (s−1), written with ``expm1`` so it
    stays accurate near s = 1; at s = 1 exactly it is its limit u (l'Hôpital), the s = 1 case
    E[X(t)] = (rβ/α) ln(1 + t/β) of Schmittlein, Morrison & Colombo (1987), where the published form
    (and ``lifetimes``) divides 0 by 0.
    """
    u = np.log1p(np.asarray(t, dtype=float) / base)
    if s == 1:
        return u
    return -np.expm1(-(s - 1) * u) / (s - 1)


def distinct_pairs(x, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct ``(x, y)`` pairs of two columns, as two arrays, and each row's position among them."""
    pairs, inverse = np.unique(np.column_stack([x, y]), axis=0, return_inverse=True)
    return pairs[:, 0], pairs[:, 1], inverse.ravel()


def _tail_on_pairs(params, x, y, pairs) -> np.ndarray:
    """:func:`_log_tail_integral` of each row, computed once per distinct ``(x, y)`` pair when ``pairs``
    (:func:`distinct_pairs`) is given: the same numbers, since each value depends on its row alone."""
    if pairs is None:
        return _log_tail_integral(params, x, y)
    px, py, inverse = pairs
    return _log_tail_integral(params, px, py)[inverse]


def log_a0(params, x, tx, T, pairs=None) -> np.ndarray:
    """log A0 of eqs. (19)-(20) of Fader & Hardie note 009: the tail integral from t_x minus the one
    from T (−inf when t_x = T).

    ``pairs``: optional ``(distinct_pairs(x, tx), distinct_pairs(x, T))``. The ₂F₁ of the tail
    integrals is most of a fit's time; the 100k compressed rows of a million customers have only
    about 7k distinct (x, t_x) and (x, T) pairs each.
    """
    upper_pairs, lower_pairs = pairs if pairs is not None else (None, None)
    upper, lower = _tail_on_pairs(params, x, tx, upper_pairs), _tail_on_pairs(params, x, T, lower_pairs)
    with np.errstate(divide="ignore"):
        return upper + np.log(-np.expm1(np.minimum(lower - upper, 0.0)))


def log_likelihood_rows(params, x, tx, T, pairs=None) -> np.ndarray:
    """Pareto/NBD log-likelihood of each history (x, t_x, T): eq. (18) of Fader & Hardie note 009
    (Schmittlein, Morrison & Colombo 1987),

    L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^−(r+x) (β+T)^−s + s/(r+s+x) · A0 ].

    ``pairs``: see :func:`log_a0` (the same numbers, faster).
    """
    r, alpha, s, beta = params
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    dropped = np.log(s) - np.log(r + s + x) + log_a0(params, x, tx, T, pairs)
    return gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + np.logaddexp(alive, dropped)


class ParetoNBDModel(PurchaseModel):
    """Pareto/NBD: Poisson purchasing at a gamma-distributed rate while alive, and an exponential
    lifetime whose rate is gamma distributed too.

    Parameters ``r, alpha`` (purchase rate) and ``s, beta`` (drop-out rate); ``alpha`` and ``beta``
    in the summary's time unit. Fitted by maximising eq. (18) of note 009 (BFGS on log-parameters
    with a central-difference gradient, then Newton steps) from all parameters 1 in rescaled time,
    the start ``lifetimes.ParetoNBDFitter`` is given here; lifetimes' own default is a random start.
    """

    name = "Pareto/NBD"
    param_names = ("r", "alpha", "s", "beta")
    rate_params = ("alpha", "beta")
    #: ∂A0/∂θ involves derivatives of ₂F₁ in its parameters: the gradient is taken numerically.
    analytic_gradient = False

    def _row_log_likelihood(self, params, rows):
        return log_likelihood_rows(params, *rows)

    def _fit_rows(self, data):
        """``(x, t_x, T, pairs, weights)``: the distinct pairs of :func:`log_a0` found once per fit, not
        at each of the ~330 likelihood evaluations of a fit (numerical gradient and Hessian)."""
        x, tx, T, weights = data
        return x, tx, T, (distinct_pairs(x, tx), distinct_pairs(x, T)), weights

    def _history(self, x, tx, T):
        """Per-customer factor of eq. (41) of note 009 (P(alive) · (r+x)(β+T) / (α+T), in logs)."""
        r, alpha, s, beta = (self.params_[k] for k in self.param_names)
        with np.errstate(all="ignore"):
            log_l = log_likelihood_rows((r, alpha, s, beta), x, tx, T)
            return np.exp(gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) - (r + x) * np.log(alpha + T)
                          - s * np.log(beta + T) + np.log(r + x) + np.log(beta + T) - np.log(alpha + T) - log_l)

    def _horizon(self, horizons, T):
        """Horizon factor of eq. (41): [1 − ((β+T)/(β+T+t))^(s−1)] / (s−1) (ln((β+T+t)/(β+T)) at s = 1),
        on unique T values."""
        s, beta = self.params_["s"], self.params_["beta"]
        inverse, uT = pd.factorize(T)
        with np.errstate(all="ignore"):
            return horizon_factor(s, (beta + uT)[:, None], horizons[None, :]), inverse

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
        """Eq. (27) of note 009: E[X(t)] = rβ / (α(s−1)) · [1 − (β/(β+t))^(s−1)] for a new customer
        ((rβ/α) ln(1 + t/β) at s = 1)."""
        r, alpha, s, beta = (self.params_[k] for k in self.param_names)
        return r * beta / alpha * horizon_factor(s, beta, t)

    def _probability_alive(self, x, tx, T):
        """P(alive | x, t_x, T), eqs. (36)-(37) of note 009."""
        r, alpha, s, beta = (self.params_[k] for k in self.param_names)
        with np.errstate(all="ignore"):
            log_a = log_a0((r, alpha, s, beta), x, tx, T)
            return 1.0 / (1.0 + np.exp(np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T)
                                       + s * np.log(beta + T) + log_a))
