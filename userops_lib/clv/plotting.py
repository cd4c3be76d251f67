"""Diagnostic charts of the purchase models (matplotlib is loaded only here, so fitting a model never loads it).

Each function takes a model and a table from :mod:`.validation` and returns a matplotlib figure.
"""

from __future__ import annotations

import datetime as _dt

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .base import DAYS_PER_MONTH, PurchaseModel, unit_length_days

__all__ = ["plot_calibration_vs_holdout", "plot_frequency_recency_matrix", "plot_probability_alive_matrix",
           "plot_cumulative_repeat_purchases"]


def plot_calibration_vs_holdout(table: pd.DataFrame, title: str = "Holdout purchases per customer"):
    """Actual vs predicted mean holdout purchases by calibration frequency (a :func:`holdout_by_frequency` table)."""
    fig, ax = plt.subplots()
    ax.plot(table["frequency_group"], table["actual_mean"], marker="o", label="actual")
    ax.plot(table["frequency_group"], table["predicted_mean"], marker="s", linestyle="--", label="predicted")
    ax.set(xlabel="repeat purchases in the calibration period", ylabel="purchases per customer in the holdout",
           title=title)
    ax.legend()
    fig.tight_layout()
    return fig


def _grid(summary: pd.DataFrame, max_frequency: int | None, quantile: float = 0.99):
    x = summary["frequency"].to_numpy(dtype=float)
    T = float(summary["T"].max())
    fmax = int(max_frequency if max_frequency is not None else max(np.quantile(x, quantile), 1))
    recency = np.linspace(0, T, min(int(np.ceil(T)) + 1, 200))
    return np.arange(fmax + 1), recency, T


def _heatmap(values, frequencies, recencies, title, label, unit, cmap):
    fig, ax = plt.subplots(figsize=(9, 5))
    image = ax.imshow(values, aspect="auto", origin="lower", cmap=cmap,
                      extent=(recencies[0], recencies[-1], frequencies[0] - 0.5, frequencies[-1] + 0.5))
    fig.colorbar(image, ax=ax, label=label)
    ax.set(xlabel=f"recency: age at last purchase ({unit})", ylabel="repeat purchases (frequency)", title=title)
    ax.grid(False)
    fig.tight_layout()
    return fig


def plot_frequency_recency_matrix(model: PurchaseModel, summary: pd.DataFrame, t: float | None = None,
                                  max_frequency: int | None = None):
    """Expected purchases in the next ``t`` units (default one month) by frequency and recency, for a
    customer as old as the oldest in ``summary``."""
    freqs, recs, T = _grid(summary, max_frequency)
    month = DAYS_PER_MONTH / unit_length_days(model.time_unit)
    t = t if t is not None else month
    fx, rx = np.meshgrid(freqs, recs, indexing="ij")
    rx = np.where(fx == 0, 0.0, rx)  # no repeat purchase: recency is 0 by definition
    values = model.conditional_expected_number_of_purchases_up_to_time(t, fx.ravel(), rx.ravel(), np.full(fx.size, T))
    return _heatmap(values.reshape(fx.shape), freqs, recs,
                    f"{model.name}: expected purchases in the next {t:.3g} {model.time_unit}"
                    + (" (one month)" if t == month else ""),
                    "expected purchases", model.time_unit, "viridis")


def plot_probability_alive_matrix(model: PurchaseModel, summary: pd.DataFrame, max_frequency: int | None = None):
    """Probability alive by frequency and recency, for a customer as old as the oldest in ``summary``."""
    freqs, recs, T = _grid(summary, max_frequency)
    fx, rx = np.meshgrid(freqs, recs, indexing="ij")
    rx = np.where(fx == 0, 0.0, rx)
    values = model.conditional_probability_alive(fx.ravel(), rx.ravel(), np.full(fx.size, T))
    return _heatmap(values.reshape(fx.shape), freqs, recs, f"{model.name}: probability the customer is still active",
                    "P(alive)", model.time_unit, "RdYlGn")


def plot_cumulative_repeat_purchases(frame: pd.DataFrame, title: str = "Cumulative repeat purchases"):
    """Actual vs expected cumulative repeat purchases (a :func:`cumulative_repeat_purchases` frame)."""
    fig, ax = plt.subplots()
    ax.plot(frame["date"], frame["actual_cumulative"], label="actual")
    ax.plot(frame["date"], frame["expected_cumulative"], linestyle="--", label="model")
    cal_end = frame.attrs.get("calibration_end")
    if isinstance(cal_end, _dt.date):
        ax.axvline(pd.Timestamp(cal_end), color="grey", linestyle=":", label="end of calibration")
    ax.set(xlabel="date", ylabel="repeat purchases (cumulative)", title=title)
    ax.legend()
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig
