"""Customer lifetime value and the value views a marketer acts on.

CLV of a customer over ``months`` months (Fader, Hardie & Lee 2005, "RFM and CLV", discrete
monthly discounting as in lifetimes):

    CLV = E[spend per order] · Σ_{m=1..M} (E[Y(m·L)] − E[Y((m−1)·L)]) / (1 + d)^m

where ``E[Y(t)]`` is the purchase model's conditional expected number of purchases in the next
``t`` time units, ``L`` the month length in the summary's time unit (30.4375 days by default) and
``d`` the monthly discount rate. All months are computed at once as a customers × months matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import ibis
import numpy as np
import pandas as pd

from ..data import engine, inputs, periods
from ..exceptions import ContractError, MissingTableError, ParameterError
from ..results import Facts, attach
from .base import DAYS_PER_MONTH, PurchaseModel, summary_arrays, time_unit_of, unit_length_days
from .gamma_gamma import GammaGammaModel

__all__ = [
    "AtRiskHighValueFacts",
    "customer_lifetime_value",
    "customer_value_table",
    "clv_deciles",
    "clv_by_channel",
    "clv_by_cohort",
    "at_risk_high_value",
    "lifecycle_actions",
]

_CHUNK = 1_000_000  # customers per block: bounds memory when a model needs the customers × months matrix


def _discounted_purchases(model: PurchaseModel, x, tx, T, months: int, month_length: float, rate: float):
    """Undiscounted and discounted expected purchases over ``months`` months for each customer."""
    horizons = month_length * np.arange(1, months + 1)
    discount = (1 + rate) ** -np.arange(1, months + 1, dtype=float)
    total, discounted = np.empty(len(x)), np.empty(len(x))
    for start in range(0, len(x), _CHUNK):
        part = slice(start, start + _CHUNK)
        total[part], discounted[part] = model._horizon_sums(horizons, discount, x[part], tx[part], T[part])
    return total, discounted


def customer_lifetime_value(purchase_model: PurchaseModel, spend_model: GammaGammaModel, summary: pd.DataFrame,
                            months: int = 12, monthly_discount_rate: float = 0.01,
                            month_days: float = DAYS_PER_MONTH) -> pd.DataFrame:
    """Discounted expected value of each customer's purchases over the next ``months`` months.

    Parameters
    ----------
    purchase_model : PurchaseModel
        Fitted BG/NBD, Pareto/NBD or MBG/NBD model (same time unit as ``summary``).
    spend_model : GammaGammaModel
        Fitted spend model.
    summary : pandas.DataFrame
        Customers to value: ``frequency, recency, T, monetary_value`` (+ ``customer_id``).
    months : int
        Horizon in months.
    monthly_discount_rate : float
        Discount rate per month (0.01 = 1% a month).
    month_days : float
        Days in a month: 30.4375 (default, the average month) — pass 30 to reproduce lifetimes'
        ``customer_lifetime_value``, which steps 30-day months.

    Returns
    -------
    pandas.DataFrame
        Same index as ``summary``; ``customer_id`` (when the summary has it), ``expected_purchases``
        (undiscounted, over the horizon), ``expected_spend`` (per order), ``clv`` (discounted value).
    """
    if int(months) != months or months < 1:
        raise ParameterError(f"months must be a whole number >= 1, got {months}")
    if not 0 <= monthly_discount_rate < 1:
        raise ParameterError(f"monthly_discount_rate must be in [0, 1), got {monthly_discount_rate}")
    if month_days <= 0:
        raise ParameterError(f"month_days must be positive, got {month_days}")
    purchase_model._check_fitted()
    purchase_model._check_unit(summary)
    x, tx, T = summary_arrays(summary)
    month_length = month_days / unit_length_days(time_unit_of(summary))
    total, discounted = _discounted_purchases(purchase_model, x, tx, T, int(months), month_length, monthly_discount_rate)
    spend = spend_model.expected_spend(summary)
    out = pd.DataFrame({"expected_purchases": total, "expected_spend": spend, "clv": spend * discounted},
                       index=summary.index)
    if "customer_id" in summary.columns:
        out.insert(0, "customer_id", summary["customer_id"].to_numpy())
    return out


def customer_value_table(purchase_model: PurchaseModel, spend_model: GammaGammaModel, summary: pd.DataFrame,
                         months: int = 12, monthly_discount_rate: float = 0.01) -> pd.DataFrame:
    """The summary with CLV, probability alive and value-if-active per customer.

    Returns
    -------
    pandas.DataFrame
        The summary's columns plus ``expected_purchases, expected_spend, clv, probability_alive`` and
        ``value_if_active`` (``clv / probability_alive``: what the customer is worth if still active).
    """
    clv = customer_lifetime_value(purchase_model, spend_model, summary, months, monthly_discount_rate)
    out = summary.copy()
    for col in ("expected_purchases", "expected_spend", "clv"):
        out[col] = clv[col].to_numpy()
    out["probability_alive"] = purchase_model.probability_alive(summary)
    out["value_if_active"] = out["clv"] / out["probability_alive"].clip(lower=1e-9)
    return out


def clv_deciles(values: pd.DataFrame) -> pd.DataFrame:
    """Customers split into ten equal groups by CLV (decile 1 = the most valuable tenth).

    Returns
    -------
    pandas.DataFrame
        ``decile, customers, total_clv, mean_clv, min_clv, share_of_value, cumulative_share``.
    """
    if "clv" not in values.columns or values.empty:
        raise ParameterError("clv_deciles needs a non-empty table with a 'clv' column (customer_lifetime_value output)")
    rank = values["clv"].rank(method="first", ascending=False)
    decile = np.ceil(rank * 10 / len(values)).astype(int).clip(1, 10)
    table = (values.assign(decile=decile).groupby("decile")["clv"]
             .agg(customers="size", total_clv="sum", mean_clv="mean", min_clv="min").reset_index())
    total = table["total_clv"].sum()
    table["share_of_value"] = table["total_clv"] / total if total else np.nan
    table["cumulative_share"] = table["share_of_value"].cumsum()
    return table


def _channel_of_customers(data) -> ibis.Table:
    """customer_id → acquisition channel: customers.channel, else the channel of the first order."""
    if data.has_column("customers", "channel"):
        return data.table("customers").select("customer_id", "channel")
    if data.has_column("orders", "channel"):
        orders = data.table("orders")
        first_ts = orders.group_by("customer_id").aggregate(first_ts=orders.order_ts.min())
        first = orders.join(first_ts, ["customer_id", orders.order_ts == first_ts.first_ts])
        # several first orders at the same moment: take the first channel by name, the same on every engine
        return first.group_by("customer_id").aggregate(channel=first.channel.min())
    raise MissingTableError("customers", "CLV by channel (a 'channel' column in customers or orders)")


def clv_by_channel(values: pd.DataFrame, data) -> pd.DataFrame:
    """CLV by acquisition channel, with CAC and CLV/CAC when ``channel_costs`` is given.

    Parameters
    ----------
    values : pandas.DataFrame
        Per-customer ``customer_id, clv`` (from :func:`customer_lifetime_value`).
    data : Dataset, ibis.Table, pandas.DataFrame or dict of them by table name
        For the channel of each customer (``customers.channel``, else the first order's channel)
        and the optional ``channel_costs`` table.

    Returns
    -------
    pandas.DataFrame
        ``channel, customers`` (acquired), ``buyers`` (valued customers), ``total_clv,
        clv_per_buyer, clv_per_customer, share_of_value`` and, with costs, ``acquisition_cost, cac,
        clv_to_cac`` (CAC = channel cost / customers acquired; CLV/CAC uses CLV per acquired customer,
        non-buyers counting as 0; NaN for a channel without cost). Customers without a channel are
        shown as ``(unknown)``.
    """
    data = inputs.dataset_of(data, "customers")
    if "customer_id" not in values.columns:
        raise ParameterError("clv_by_channel needs a 'customer_id' column in the value table")
    channels = _channel_of_customers(data)
    valued = ibis.memtable(values[["customer_id", "clv"]].assign(customer_id=values["customer_id"].astype(str)))
    everyone = channels.select("customer_id", "channel").union(
        valued.anti_join(channels, "customer_id").select("customer_id", channel=ibis.null(str)))
    joined = everyone.left_join(valued, "customer_id").select(
        channel=everyone.channel.fill_null("(unknown)"), clv=valued.clv)
    table = engine.execute(joined.group_by("channel").aggregate(
        customers=joined.count(), buyers=joined.clv.count(), total_clv=joined.clv.sum().fill_null(0.0)))
    table["clv_per_buyer"] = table["total_clv"] / table["buyers"].where(table["buyers"] > 0)
    table["clv_per_customer"] = table["total_clv"] / table["customers"]
    table["share_of_value"] = table["total_clv"] / table["total_clv"].sum()
    if data.has("channel_costs"):
        costs = engine.execute(data.table("channel_costs").group_by("channel").aggregate(
            acquisition_cost=lambda t: t.cost.sum()))
        table = table.merge(costs, on="channel", how="left")
        table["cac"] = table["acquisition_cost"] / table["customers"]
        table["clv_to_cac"] = table["clv_per_customer"] / table["cac"].where(table["cac"] > 0)
    return table.sort_values("total_clv", ascending=False, ignore_index=True)


def clv_by_cohort(values: pd.DataFrame, period: str = "month") -> pd.DataFrame:
    """CLV by first-purchase cohort.

    Parameters
    ----------
    values : pandas.DataFrame
        Per-customer table with ``clv`` and ``first_purchase`` (a date; from the summary).
    period : {"week", "month", "quarter", "year"}
        Cohort length (the old ``"W"``, ``"M"``, ``"Q"``, ``"Y"`` are read with a DeprecationWarning).

    Returns
    -------
    pandas.DataFrame
        ``cohort`` (first day of the period), ``customers, total_clv, mean_clv, share_of_value`` and
        ``mean_probability_alive`` when the table has ``probability_alive``.
    """
    if "first_purchase" not in values.columns:
        raise ParameterError("clv_by_cohort needs a 'first_purchase' column (rfm_summary output) in the value table")
    period = periods.check_period(period, ("week", "month", "quarter", "year"))
    first = pd.to_datetime(values["first_purchase"])
    if first.isna().any():
        raise ContractError("summary", "first_purchase", "missing first purchase date", int(first.isna().sum()))
    cohort = periods.start_of(first, period).dt.date.to_numpy()
    aggs = {"customers": ("clv", "size"), "total_clv": ("clv", "sum"), "mean_clv": ("clv", "mean")}
    if "probability_alive" in values.columns:
        aggs["mean_probability_alive"] = ("probability_alive", "mean")
    table = values.assign(cohort=cohort).groupby("cohort").agg(**aggs).reset_index()
    table["share_of_value"] = table["total_clv"] / table["total_clv"].sum()
    return table


@dataclass(frozen=True)
class AtRiskHighValueFacts(Facts):
    """What :func:`at_risk_high_value` states besides its table."""

    producer: ClassVar[str] = "at_risk_high_value"
    candidates: int  #: at-risk high-value customers before the ``top`` cut
    value_threshold: float  #: the value if active a customer needed (the ``value_quantile`` quantile)


def at_risk_high_value(values: pd.DataFrame, value_quantile: float = 0.8, max_probability_alive: float = 0.5,
                       top: int | None = 100) -> pd.DataFrame:
    """High-value customers who have probably stopped buying: a list to win back.

    A customer is *high value* when ``value_if_active`` (CLV if still active, ``clv / P(alive)``)
    is in the top ``1 − value_quantile`` of all customers, and *at risk* when
    ``probability_alive < max_probability_alive``. The list is sorted by ``value_at_risk`` =
    ``value_if_active · (1 − P(alive))``, the value expected to be lost.

    Returns
    -------
    pandas.DataFrame
        ``customer_id, value_if_active, clv, probability_alive, value_at_risk`` plus ``frequency,
        monetary_value, last_purchase`` when present. Facts: :class:`AtRiskHighValueFacts`
        (``candidates``: at-risk high-value customers before the ``top`` cut).
    """
    needed = {"customer_id", "clv", "probability_alive", "value_if_active"}
    if missing := needed - set(values.columns):
        raise ParameterError(f"at_risk_high_value needs columns {sorted(missing)} (customer_value_table output)")
    if not 0 < value_quantile < 1 or not 0 < max_probability_alive <= 1:
        raise ParameterError(f"value_quantile must be in (0, 1) and max_probability_alive in (0, 1], got "
                             f"{value_quantile} and {max_probability_alive}")
    threshold = values["value_if_active"].quantile(value_quantile)
    risky = values[(values["value_if_active"] >= threshold) & (values["probability_alive"] < max_probability_alive)]
    risky = risky.assign(value_at_risk=risky["value_if_active"] * (1 - risky["probability_alive"]))
    cols = ["customer_id", "value_if_active", "clv", "probability_alive", "value_at_risk"]
    cols += [c for c in ("frequency", "monetary_value", "last_purchase") if c in values.columns]
    out = risky.sort_values("value_at_risk", ascending=False)[cols].head(top).reset_index(drop=True)
    return attach(out, AtRiskHighValueFacts(candidates=len(risky), value_threshold=float(threshold)))


_ACTIONS = {
    "new": "Onboard: a welcome series and a second-purchase incentive within the first weeks.",
    "returning": "Grow: cross-sell from their categories, membership or tier upgrade, referral invitation.",
    "resurrected": "Re-anchor: thank-you message and a reason to come back next month (new arrivals, points).",
    "dormant": "Win back: reminder with a time-limited offer, scaled to the customer's predicted value.",
    "churned": "Reactivate cheaply (low-cost channels) or let go; survey a sample for the reason they left.",
    "at risk high value": "Personal outreach first: service call or a tailored offer before they are lost.",
}


def lifecycle_actions(stage_counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """One suggested action per lifecycle stage.

    Parameters
    ----------
    stage_counts : pandas.DataFrame, optional
        ``stage, customers`` (e.g. the latest period of the lifecycle table); when given, the
        customers of each stage are shown and stages without a suggestion are listed as such.

    Returns
    -------
    pandas.DataFrame
        ``stage, customers`` (when counts are given), ``action``.
    """
    if stage_counts is None:
        return pd.DataFrame({"stage": list(_ACTIONS), "action": list(_ACTIONS.values())})
    table = stage_counts[["stage", "customers"]].copy()
    table["action"] = table["stage"].str.lower().map(_ACTIONS).fillna("No standard action: review this stage.")
    return table
