"""Shared machinery of the customer-base models: input checks, compression, fitting, errors.

Every model maximises its own log-likelihood (the equations are cited in each model's module) with
:func:`~userops_lib.clv.optimizer.minimise`, always

* on *compressed* rows: customers with the same (frequency, recency, T) — or (frequency, spend) for
  the spend model — share one row with a ``weights`` count, which gives the same likelihood as one
  row per customer and is what makes Pareto/NBD usable on a large base;
* from a fixed, documented starting point (never a random start), so two fits give the same numbers;
* with a convergence check of our own (the gradient of the log-likelihood at the optimum must be
  about zero and its Hessian negative definite), which also gives standard errors for every model.

The fits equal those of the ``lifetimes`` package (0.11.3, archived), which the tests use as an
oracle; the library itself does not import it.

Time units: a summary carries its unit in ``summary.attrs["time_unit"]`` (``"D"``, ``"W"``, ``"M"``,
``"H"``; a missing attribute means days). Parameters such as ``alpha`` are in that unit and the model
remembers it, so :func:`~userops_lib.clv.value.customer_lifetime_value` can convert a month
(30.4375 days) into model time.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Callable

import numpy as np
import pandas as pd

from ..exceptions import ModelFitError, ParameterError
from .optimizer import hessian_from_gradient, minimise, numerical_gradient, numerical_hessian

__all__ = [
    "DAYS_PER_MONTH",
    "TIME_UNIT_DAYS",
    "time_unit_of",
    "unit_length_days",
    "compress",
    "FittedModel",
    "PurchaseModel",
]

#: Average Gregorian month (365.25 / 12 days): the month of every CLV horizon.
DAYS_PER_MONTH = 30.4375
#: Length of each summary time unit in days.
TIME_UNIT_DAYS = {"H": 1 / 24, "D": 1.0, "W": 7.0, "M": DAYS_PER_MONTH}

_SUMMARY_COLUMNS = ("frequency", "recency", "T")


def time_unit_of(summary: pd.DataFrame) -> str:
    """The time unit of a summary (``summary.attrs["time_unit"]``; ``"D"`` when not set)."""
    unit = str(summary.attrs.get("time_unit", "D")).upper()
    if unit not in TIME_UNIT_DAYS:
        raise ParameterError(f"summary time_unit {unit!r} is not one of {sorted(TIME_UNIT_DAYS)}")
    return unit


def unit_length_days(unit: str) -> float:
    """Days in one ``unit`` (``"W"`` → 7.0)."""
    try:
        return TIME_UNIT_DAYS[unit.upper()]
    except KeyError:
        raise ParameterError(f"time unit {unit!r} is not one of {sorted(TIME_UNIT_DAYS)}") from None


def _frame(summary) -> pd.DataFrame:
    if not isinstance(summary, pd.DataFrame):
        raise ParameterError(f"expected a customer summary DataFrame, got {type(summary).__name__}")
    return summary


def summary_arrays(summary: pd.DataFrame, table: str = "summary") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frequency, recency and T of a summary as float arrays, after checking they make sense.

    Raises
    ------
    ParameterError
        A column is missing, has missing values, or a row breaks ``0 <= recency <= T`` or
        ``recency == 0`` when ``frequency == 0``; the message gives the number of rows.
    """
    summary = _frame(summary)
    missing = [c for c in _SUMMARY_COLUMNS if c not in summary.columns]
    if missing:
        raise ParameterError(f"{table} lacks column(s) {missing}; expected the columns of rfm_summary()")
    x, tx, T = (summary[c].to_numpy(dtype=float) for c in _SUMMARY_COLUMNS)
    checks = {
        "missing frequency/recency/T": np.isnan(x) | np.isnan(tx) | np.isnan(T),
        "frequency not a non-negative whole number": (x < 0) | (x != np.round(x)),
        "recency negative or larger than T": (tx < 0) | (tx > T),
        "recency > 0 with frequency 0": (x == 0) & (tx != 0),
    }
    for problem, bad in checks.items():
        if bad.any():
            raise ParameterError(f"{table}: {problem} ({int(bad.sum()):,} of {len(x):,} rows)")
    if len(x) == 0:
        raise ModelFitError(f"{table} has no customers: nothing to fit")
    return x, tx, T


def compress(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Unique rows of ``columns`` with a ``weights`` column counting the customers of each row.

    Fader & Hardie fit their models on such a table; its log-likelihood is the weighted sum of the
    per-row log-likelihoods, equal to the per-customer one.
    """
    return frame.groupby(list(columns), sort=True, as_index=False).size().rename(columns={"size": "weights"})


def sample_customers(summary: pd.DataFrame, sample_size: int | None, seed: int) -> pd.DataFrame:
    """A seeded random sample of ``sample_size`` customers (the whole summary when it is smaller)."""
    if sample_size is None or sample_size >= len(summary):
        return summary
    if sample_size < 1:
        raise ParameterError(f"sample_size must be a positive number of customers, got {sample_size}")
    out = summary.sample(n=int(sample_size), random_state=np.random.default_rng(seed))
    out.attrs = dict(summary.attrs)
    return out


@contextlib.contextmanager
def _quiet():
    """Silence numerical warnings (overflow while the optimiser explores) inside this block only:
    ``catch_warnings`` restores the caller's warning filters on exit."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


class FittedModel:
    """What every fitted model shares: named parameters, fit statistics and standard errors.

    Attributes (after ``fit``)
    --------------------------
    params_ : dict of str to float
        Fitted parameters (rate parameters in ``time_unit``).
    log_likelihood_ : float
        Log-likelihood of the fitted data at ``params_`` (sum over customers, in ``time_unit``).
    standard_errors_ : dict of str to float
        Asymptotic standard errors from the inverse Hessian of the negative log-likelihood
        (delta method from log-parameters); NaN, with a note in ``fit_notes_``, when the Hessian
        is not invertible.
    n_customers_ : int
        Customers the model was fitted on (after any sampling).
    n_rows_ : int
        Compressed rows handed to the optimiser.
    fit_notes_ : list of str
        Anything the analyst should know about the fit (sampling, excluded rows, SE problems).
    """

    name = "model"
    param_names: tuple[str, ...] = ()
    #: Relative gradient tolerance of the convergence check (|dLL/dlog θ| / n_customers).
    gradient_tolerance = 1e-3

    def __init__(self):
        self.params_: dict[str, float] = {}
        self.log_likelihood_ = float("nan")
        self.standard_errors_: dict[str, float] = {}
        self.fit_notes_: list[str] = []
        self.n_customers_ = 0
        self.n_rows_ = 0
        self.time_unit = "D"

    # -- statistics -------------------------------------------------------------------------
    @property
    def n_params(self) -> int:
        return len(self.param_names)

    @property
    def aic_(self) -> float:
        """Akaike information criterion, ``2k - 2 LL``."""
        return 2 * self.n_params - 2 * self.log_likelihood_

    @property
    def bic_(self) -> float:
        """Bayesian information criterion, ``k ln n - 2 LL`` (n = customers fitted)."""
        return self.n_params * np.log(self.n_customers_) - 2 * self.log_likelihood_

    def summary_table(self) -> pd.DataFrame:
        """Parameters with standard errors and 95% intervals: ``parameter, estimate, std_error, lower_95, upper_95``."""
        est = pd.Series(self.params_)
        se = pd.Series(self.standard_errors_).reindex(est.index)
        return pd.DataFrame({"parameter": est.index, "estimate": est.values, "std_error": se.values,
                             "lower_95": (est - 1.96 * se).values, "upper_95": (est + 1.96 * se).values})

    def _check_fitted(self):
        if not self.params_:
            raise ModelFitError(f"the {self.name} model has not been fitted yet: call fit(summary) first")

    # -- the fit ------------------------------------------------------------------------------
    #: True when the model gives the gradient of its log-likelihood in closed form (:meth:`_row_gradient`).
    analytic_gradient = True

    def _row_log_likelihood(self, params: np.ndarray, rows: tuple) -> np.ndarray:
        """Log-likelihood of each compressed row at ``params`` (natural scale, model units)."""
        raise NotImplementedError

    def _row_gradient(self, params: np.ndarray, rows: tuple) -> np.ndarray:
        """Gradient of each row's log-likelihood with respect to ``params`` (rows × parameters)."""
        raise NotImplementedError

    def _log_likelihood(self, params: np.ndarray, data: tuple) -> float:
        """Total log-likelihood of compressed ``data`` (the rows' columns, then ``weights``) at ``params``."""
        *rows, weights = data
        # an elementwise sum, not ``weights @ ...``: a BLAS dot may wait on threads on a busy machine
        return float(np.sum(weights * self._row_log_likelihood(np.asarray(params, dtype=float), tuple(rows))))

    def _total_gradient(self, data: tuple) -> Callable[[np.ndarray], np.ndarray] | None:
        """Gradient of the total negative log-likelihood over log-parameters (None without a closed form)."""
        if not self.analytic_gradient:
            return None
        *rows, weights = data

        def gradient(log_params):
            params = np.exp(log_params)
            return -np.sum(weights[:, None] * self._row_gradient(params, tuple(rows)), axis=0) * params
        return gradient

    def _search(self, data: tuple, start: np.ndarray) -> dict[str, float]:
        """Minimise the negative mean log-likelihood per customer over log-parameters from ``start``."""
        total = float(data[-1].sum())
        gradient = self._total_gradient(data)
        objective = lambda logp: -self._log_likelihood(np.exp(logp), data) / total  # noqa: E731
        mean_gradient = None if gradient is None else (lambda logp: gradient(logp) / total)
        with _quiet():
            try:
                log_params = minimise(objective, start, mean_gradient)
            except (ValueError, ArithmeticError, np.linalg.LinAlgError) as err:
                raise ModelFitError(f"the {self.name} fit failed on {self.n_customers_:,} customers: "
                                    f"{type(err).__name__}: {str(err).strip()}") from err
        return dict(zip(self.param_names, np.exp(log_params)))

    def _finish_fit(self, params: dict[str, float], data: tuple) -> None:
        """Store parameters, check convergence, compute the log-likelihood and standard errors (from
        the Hessian of the negative log-likelihood in log-parameters: central differences of the
        closed-form gradient, or of the likelihood itself for a model without one)."""
        values = np.array([params[k] for k in self.param_names], dtype=float)
        if not np.all(np.isfinite(values)) or np.any(values <= 0):
            raise ModelFitError(f"the {self.name} fit did not converge: parameters {params} are not all finite and positive")
        self.params_ = {k: float(v) for k, v in zip(self.param_names, values)}
        nll = lambda logp: -self._log_likelihood(np.exp(logp), data)  # noqa: E731
        gradient = self._total_gradient(data)
        with _quiet():
            self.log_likelihood_ = float(-nll(np.log(values)))
            if gradient is None:
                grad, hess = numerical_gradient(nll, np.log(values)), numerical_hessian(nll, np.log(values))
            else:
                grad, hess = gradient(np.log(values)), hessian_from_gradient(gradient, np.log(values))
        if not np.isfinite(self.log_likelihood_):
            raise ModelFitError(f"the {self.name} log-likelihood is not finite at the fitted parameters {self.params_}")
        scaled = np.abs(grad) / max(self.n_customers_, 1)
        if not np.all(np.isfinite(scaled)) or np.any(scaled > self.gradient_tolerance):
            raise ModelFitError(
                f"the {self.name} fit did not converge: the log-likelihood gradient at the end point is "
                f"{np.array2string(grad, precision=3)} (per customer up to {scaled.max():.2g}, tolerance "
                f"{self.gradient_tolerance:g}) for parameters {self.params_}")
        self.standard_errors_ = self._standard_errors(values, hess)

    def _standard_errors(self, values: np.ndarray, hess: np.ndarray) -> dict[str, float]:
        try:
            cov_log = np.linalg.inv(hess)
            variances = np.diag(cov_log)
            if np.any(~np.isfinite(variances)) or np.any(variances <= 0):
                raise np.linalg.LinAlgError("Hessian not positive definite")
        except np.linalg.LinAlgError:
            self.fit_notes_.append("standard errors unavailable: the Hessian of the negative log-likelihood "
                                   "is not positive definite at the optimum (a flat or boundary solution)")
            return {k: float("nan") for k in self.param_names}
        # delta method: se(theta) = theta * se(log theta)
        return {k: float(v * np.sqrt(s)) for k, v, s in zip(self.param_names, values, variances)}


class PurchaseModel(FittedModel):
    """Base of the purchase-count models (BG/NBD, Pareto/NBD, MBG/NBD).

    Subclasses set ``name``, ``param_names`` and ``rate_params``, and implement the model's own
    equations: the log-likelihood and its gradient per compressed row, :meth:`_expected_purchases_matrix`,
    :meth:`_probability_alive` and :meth:`_population_purchases`.
    """

    #: Parameters measured in time units (scale parameters of the rate distributions).
    rate_params: tuple[str, ...] = ("alpha",)
    #: The search runs in time rescaled so that the longest customer age is this many units (as
    #: lifetimes does: it keeps the scale parameters near the start point, all parameters 1).
    search_time_span = 10.0

    # -- fitting --------------------------------------------------------------------------------
    def fit(self, summary: pd.DataFrame, *, sample_size: int | None = None, seed: int = 0) -> "PurchaseModel":
        """Fit the model to a customer summary (one row per customer: frequency, recency, T).

        Sets ``params_`` (and ``log_likelihood_``, ``standard_errors_``, ``n_customers_``,
        ``n_rows_``, ``fit_notes_``). The search starts from every parameter equal to 1 in time
        rescaled so that the oldest customer's age is 10 units, and ends at the optimum (see
        :mod:`userops_lib.clv.optimizer`).

        Parameters
        ----------
        summary : pandas.DataFrame
            Output of :func:`userops_lib.clv.summary.rfm_summary` (or any frame with ``frequency``,
            ``recency`` and ``T`` in one time unit, given in ``summary.attrs["time_unit"]``).
        sample_size : int, optional
            Fit on a random sample of this many customers (for very large bases); seeded.
        seed : int
            Seed of that sample.

        Raises
        ------
        ModelFitError
            No repeat buyers, an optimiser failure, or no convergence; the message says which.
        """
        self.time_unit = time_unit_of(summary)
        self.fit_notes_ = []
        fitted_on = sample_customers(summary, sample_size, seed)
        if len(fitted_on) < len(summary):
            self.fit_notes_.append(f"fitted on a random sample of {len(fitted_on):,} of {len(summary):,} customers (seed {seed})")
        x, tx, T = summary_arrays(fitted_on)
        repeaters = int((x > 0).sum())
        if repeaters == 0:
            raise ModelFitError(f"the {self.name} model needs repeat buyers: none of the {len(x):,} customers has "
                                "frequency > 0, so the purchase and drop-out rates cannot be told apart")
        rows = compress(pd.DataFrame({"frequency": x, "recency": tx, "T": T}), ["frequency", "recency", "T"])
        self.n_customers_, self.n_rows_ = len(x), len(rows)
        data = tuple(rows[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T", "weights"))
        scale = self.search_time_span / T.max()
        params = self._search(self._fit_rows((data[0], data[1] * scale, data[2] * scale, data[3])), np.zeros(self.n_params))
        params.update({k: params[k] / scale for k in self.rate_params})
        self._finish_fit(params, self._fit_rows(data))
        return self

    def _fit_rows(self, data: tuple) -> tuple:
        """The compressed ``(x, t_x, T, weights)`` as :meth:`_row_log_likelihood` reads them during a fit
        (a model may add what it computes once per fit instead of once per evaluation)."""
        return data

    # -- predictions ----------------------------------------------------------------------------
    def _expected_purchases_matrix(self, horizons: np.ndarray, x, tx, T) -> np.ndarray:
        """Conditional expected purchases in ``(0, h]`` for every customer × horizon (n × H)."""
        raise NotImplementedError

    def _probability_alive(self, x, tx, T) -> np.ndarray:
        raise NotImplementedError

    def _horizon_sums(self, horizons: np.ndarray, weights: np.ndarray, x, tx, T) -> tuple[np.ndarray, np.ndarray]:
        """Per customer: expected purchases by the last horizon, and the ``weights``-weighted sum of the
        purchases expected between consecutive horizons (CLV's discounted purchases).

        Generic version through the full customers × horizons matrix; models whose expectation
        factorises into a history term times a horizon term override it to skip that matrix.
        """
        cumulative = self._expected_purchases_matrix(horizons, x, tx, T)
        return cumulative[:, -1], np.diff(cumulative, axis=1, prepend=0.0) @ weights

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T) -> np.ndarray:
        """Expected repeat purchases in the next ``t`` time units given the history (x, t_x, T)."""
        self._check_fitted()
        x, tx, T = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (frequency, recency, T))
        return self._expected_purchases_matrix(np.atleast_1d(float(t)), x, tx, T)[:, 0]

    def conditional_probability_alive(self, frequency, recency, T) -> np.ndarray:
        """Probability that a customer with history (x, t_x, T) is still active."""
        self._check_fitted()
        x, tx, T = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (frequency, recency, T))
        return self._probability_alive(x, tx, T)

    def expected_purchases(self, t: float, summary: pd.DataFrame) -> np.ndarray:
        """Expected repeat purchases of each summary customer in the next ``t`` units (model time unit)."""
        self._check_unit(summary)
        return self.conditional_expected_number_of_purchases_up_to_time(t, *summary_arrays(summary))

    def expected_purchases_matrix(self, horizons, summary: pd.DataFrame) -> np.ndarray:
        """Expected purchases by the end of each horizon (model time units): an n_customers × n_horizons array."""
        self._check_fitted()
        self._check_unit(summary)
        return self._expected_purchases_matrix(np.asarray(horizons, dtype=float), *summary_arrays(summary))

    def probability_alive(self, summary: pd.DataFrame) -> np.ndarray:
        """Probability that each summary customer is still active at the end of the summary."""
        self._check_unit(summary)
        return self.conditional_probability_alive(*summary_arrays(summary))

    def expected_population_purchases(self, t) -> np.ndarray:
        """Expected repeat purchases in ``(0, t]`` of a new customer (unconditional, model time unit)."""
        self._check_fitted()
        with np.errstate(all="ignore"):
            return self._population_purchases(np.asarray(t, dtype=float))

    def _population_purchases(self, t: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _check_unit(self, summary: pd.DataFrame) -> None:
        unit = time_unit_of(summary)
        if unit != self.time_unit:
            raise ParameterError(f"the {self.name} model was fitted in time unit {self.time_unit!r} but the summary "
                                 f"is in {unit!r}; build the summary with time_unit={self.time_unit!r}")

    def __repr__(self) -> str:
        if not self.params_:
            return f"<{type(self).__name__} (not fitted)>"
        params = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"<{type(self).__name__} {params}; LL={self.log_likelihood_:.1f}, {self.n_customers_:,} customers, unit {self.time_unit}>"
