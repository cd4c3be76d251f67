"""Referral / fission (用户裂变): who invites whom, how invitees convert, and how far chains reach.

An *invite* is a customer row whose ``referrer_id`` names another known customer (the inviter).
Rows that cannot be an invite are left out and counted, never dropped silently:

* self-referrals (``referrer_id == customer_id``);
* unknown referrers (``referrer_id`` is not a customer of the dataset);
* referral cycles (A invited B, B invited A): such customers, and the ones they invited, never
  reach a first inviter; :func:`referral_chains` counts them and gives them no depth.

Definitions (shared metric definitions):

* invitee conversion = invitees with a first purchase / invitees;
* K-factor = invites per user × invitee conversion, with **buyers** as the user base (customers
  with at least one order; a customer who never bought is not a plausible inviter), so
  K = converted invitees / buyers: new buyers each buyer brings in one cycle;
* viral cycle time = median days from an inviter's first purchase to the invitee's first purchase,
  over the pairs where both bought; pairs where the invitee bought first are counted apart.

Every aggregation runs in the engine (ibis); only per-group results come back.
"""

from __future__ import annotations


from dataclasses import dataclass
from typing import ClassVar

import ibis
import numpy as np
import pandas as pd

from ..data import engine, inputs
from ..exceptions import ContractError, ParameterError
from ..data.ids import mask_id
from ..results import Facts, attach

__all__ = ["ReferralVsChannelsFacts", "referral_overview", "referral_vs_channels", "top_inviters", "referral_chains", "INVITED_LABEL"]

#: Acquisition label of invited customers in :func:`referral_vs_channels`.
INVITED_LABEL = "referral (invited)"
_MAX_DEPTH = 200


# ------------------------------------------------------------------------------------ inputs


def _tables(data) -> tuple[ibis.Table, ibis.Table]:
    """Customers and orders of any input :func:`~userops_lib.data.inputs.dataset_of` accepts (a
    Dataset, or ``{"customers": ..., "orders": ...}`` as ibis tables or DataFrames)."""
    data = inputs.dataset_of(data, "customers")
    customers = inputs.table_of(data, "customers", needed_for="Referral analysis")
    orders = inputs.table_of(data, "orders", ("order_date",), needed_for="Referral analysis")
    if "referrer_id" not in customers.columns:
        raise ContractError("customers", "referrer_id", "referral analysis needs the referrer_id column")
    return customers, orders


def _as_of(data, orders: ibis.Table):
    return data.as_of


def _one_row(expr) -> pd.Series:
    return engine.execute(expr).iloc[0]


# ------------------------------------------------------------------------------------ building blocks
def _first_purchases(orders: ibis.Table) -> ibis.Table:
    """One row per buyer: ``customer_id, first_date, orders, gmv``."""
    return orders.group_by("customer_id").agg(first_date=orders.order_date.min(), orders=orders.count(),
                                              gmv=orders.amount.sum())


def _edges(customers: ibis.Table) -> tuple[ibis.Table, dict]:
    """Valid invites ``(inviter_id, invitee_id)`` and the counts of rows that cannot be invites."""
    c = customers.select(invitee_id=customers.customer_id.cast("string"),
                         inviter_id=customers.referrer_id.cast("string"))
    known = customers.select(known_id=customers.customer_id.cast("string"))
    c = c.left_join(known, c.inviter_id == known.known_id)
    counts = _one_row(c.aggregate(
        customers=c.count(),
        with_referrer=c.inviter_id.notnull().sum(),
        self_referrals=(c.inviter_id == c.invitee_id).fill_null(False).sum(),
        unknown_referrers=(c.inviter_id.notnull() & (c.inviter_id != c.invitee_id) & c.known_id.isnull()).sum(),
    ))
    valid = c.filter(c.inviter_id.notnull(), c.inviter_id != c.invitee_id, c.known_id.notnull())
    quality = {k: int(counts[k] or 0) for k in ("customers", "with_referrer", "self_referrals", "unknown_referrers")}
    return valid.select("inviter_id", "invitee_id"), quality


# ------------------------------------------------------------------------------------ public
def referral_overview(data) -> pd.DataFrame:
    """Headline referral numbers: how many invite, how many they bring, how well invitees convert.

    Parameters
    ----------
    data : Dataset or mapping
        A :class:`~userops_lib.data.load.Dataset` (or ``{"customers": ..., "orders": ...}`` of clean
        tables) whose ``customers`` has ``referrer_id``.

    Returns
    -------
    pandas.DataFrame
        One row: ``customers``, ``buyers``, ``inviters`` (customers with ≥ 1 invitee),
        ``inviter_share`` (inviters / customers), ``invitees``, ``invites_per_inviter_mean``,
        ``invites_per_inviter_median``, ``converted_invitees`` (invitees with ≥ 1 order),
        ``invitee_conversion``, ``invites_per_buyer``, ``k_factor`` (invites per buyer × invitee
        conversion), ``viral_cycle_days`` (median), ``cycle_pairs`` (pairs behind that median),
        ``invitee_bought_first`` (pairs left out of it), ``self_referrals``, ``unknown_referrers``.
    """
    data = inputs.dataset_of(data, "customers")
    customers, orders = _tables(data)
    edges, quality = _edges(customers)
    first = _first_purchases(orders)
    per_inviter = edges.group_by("inviter_id").agg(invitees=edges.count())
    inv = _one_row(per_inviter.aggregate(inviters=per_inviter.count(), invitees=per_inviter.invitees.sum(),
                                         mean=per_inviter.invitees.mean(), median=per_inviter.invitees.median()))
    known_buyers = first.semi_join(customers, first.customer_id == customers.customer_id.cast("string"))
    n_buyers = int(_one_row(known_buyers.aggregate(n=known_buyers.count()))["n"])
    cyc = _cycle_pairs(edges, first)
    n_invitees, n_inviters = int(inv["invitees"] or 0), int(inv["inviters"] or 0)
    converted = int(cyc["converted"] or 0)
    conversion = converted / n_invitees if n_invitees else np.nan
    per_buyer = n_invitees / n_buyers if n_buyers else np.nan
    return pd.DataFrame([{
        "customers": quality["customers"], "buyers": n_buyers, "inviters": n_inviters,
        "inviter_share": n_inviters / quality["customers"] if quality["customers"] else np.nan,
        "invitees": n_invitees, "invites_per_inviter_mean": float(inv["mean"]) if n_inviters else np.nan,
        "invites_per_inviter_median": float(inv["median"]) if n_inviters else np.nan,
        "converted_invitees": converted, "invitee_conversion": conversion, "invites_per_buyer": per_buyer,
        "k_factor": per_buyer * conversion, "viral_cycle_days": cyc["median_days"],
        "cycle_pairs": int(cyc["pairs"] or 0), "invitee_bought_first": int(cyc["bought_first"] or 0),
        "self_referrals": quality["self_referrals"], "unknown_referrers": quality["unknown_referrers"],
    }])


def _cycle_pairs(edges: ibis.Table, first: ibis.Table) -> pd.Series:
    """Converted invitees and the viral cycle time over inviter/invitee pairs where both bought."""
    inviter = first.select(inviter_id=first.customer_id, inviter_first=first.first_date)
    invitee = first.select(invitee_id=first.customer_id, invitee_first=first.first_date)
    j = edges.left_join(invitee, "invitee_id").left_join(inviter, "inviter_id")
    days = j.invitee_first.delta(j.inviter_first, unit="day")
    counted = j.mutate(days=days)
    both = counted.filter(counted.days.notnull() & (counted.days >= 0))
    out = _one_row(counted.aggregate(converted=counted.invitee_first.notnull().sum(),
                                     bought_first=(counted.days < 0).fill_null(False).sum()))
    med = _one_row(both.aggregate(pairs=both.count(), median_days=both.days.median()))
    return pd.concat([out, med])


@dataclass(frozen=True)
class ReferralVsChannelsFacts(Facts):
    """What :func:`referral_vs_channels` states besides its table."""

    producer: ClassVar[str] = "referral_vs_channels"
    horizon_days: int  #: the window after each buyer's first purchase day (repurchase and spend)


def referral_vs_channels(data, horizon_days: int = 90) -> pd.DataFrame:
    """Invited customers against every other acquisition channel: conversion, repurchase, value.

    Parameters
    ----------
    data : Dataset or mapping
        Needs ``customers.referrer_id`` and ``orders`` (``customers.channel`` for the channels;
        without it the comparison is invited vs not invited).
    horizon_days : int
        Window after each buyer's first purchase day (days 0 … horizon_days) for repurchase and
        spend, as in :func:`userops_lib.metrics.conversion.second_purchase_conversion`: a buyer repurchases
        with an order on a later day within ``horizon_days`` days (several orders on the first day
        are one purchase). Buyers whose first purchase is less than ``horizon_days`` days before the
        as-of date are left out of those two columns and counted in ``buyers_full_horizon``'s
        complement.

    Returns
    -------
    pandas.DataFrame
        One row per acquisition group (``referral (invited)`` = customers with a valid referrer;
        others by ``channel``), most customers first: ``acquisition``, ``customers``, ``buyers``,
        ``conversion`` (buyers / customers), ``buyers_full_horizon``, ``repurchase_rate`` (full-
        horizon buyers with a later purchase day in the window / full-horizon buyers; equal to
        ``second_purchase_conversion``'s ``rate_<horizon_days>d``), ``spend_per_buyer``
        (mean GMV in the window per full-horizon buyer). Facts: :class:`ReferralVsChannelsFacts`.
    """
    data = inputs.dataset_of(data, "customers")
    if not isinstance(horizon_days, (int, np.integer)) or horizon_days < 1:
        raise ParameterError(f"horizon_days must be a positive whole number of days, got {horizon_days!r}")
    customers, orders = _tables(data)
    as_of = _as_of(data, orders)
    edges, _ = _edges(customers)
    channel = (customers.channel.cast("string").fill_null("unknown") if "channel" in customers.columns
               else ibis.literal("not invited"))
    c = customers.select(customer_id=customers.customer_id.cast("string"), channel=channel)
    c = c.left_join(edges, c.customer_id == edges.invitee_id)
    c = c.select("customer_id", acquisition=ibis.ifelse(c.inviter_id.notnull(), INVITED_LABEL, c.channel))
    first = _first_purchases(orders)
    o = orders.join(first, "customer_id")
    o = o.filter(o.order_date.delta(o.first_date, unit="day") <= horizon_days)
    window = o.group_by("customer_id").agg(first_date=o.first_date.min(),
                                           later_days=(o.order_date > o.first_date).sum(), window_gmv=o.amount.sum())
    full = ibis.literal(as_of).delta(window.first_date, unit="day") >= horizon_days
    window = window.mutate(full=full)
    j = c.left_join(window, "customer_id")
    full_buyer = j.full.fill_null(False)
    out = engine.execute(j.group_by("acquisition").agg(
        customers=j.count(), buyers=j.first_date.notnull().sum(), buyers_full_horizon=full_buyer.sum(),
        repeaters=(full_buyer & (j.later_days > 0)).sum(),
        window_gmv=ibis.ifelse(full_buyer, j.window_gmv, 0.0).sum()))
    out = out.astype({"customers": "int64", "buyers": "int64", "buyers_full_horizon": "int64"})
    full_n = out["buyers_full_horizon"].where(out["buyers_full_horizon"] > 0)
    out = out.assign(conversion=out["buyers"] / out["customers"], repurchase_rate=out["repeaters"] / full_n,
                     spend_per_buyer=out["window_gmv"] / full_n)
    out = out.sort_values(["customers", "acquisition"], ascending=[False, True], ignore_index=True)
    return attach(out[["acquisition", "customers", "buyers", "conversion", "buyers_full_horizon", "repurchase_rate",
                       "spend_per_buyer"]], ReferralVsChannelsFacts(horizon_days=int(horizon_days)))


def top_inviters(data, n: int = 10, mask: bool = True) -> pd.DataFrame:
    """The core inviters (核心用户): who brings the most customers, and what they are worth.

    Parameters
    ----------
    data : Dataset or mapping
        Needs ``customers.referrer_id`` and ``orders``.
    n : int
        Number of inviters to list.
    mask : bool
        Mask the inviter ids (:func:`userops_lib.report.display.mask_id`) for a report.

    Returns
    -------
    pandas.DataFrame
        ``inviter``, ``invitees``, ``converted_invitees``, ``invitee_gmv`` (all orders of the
        invitees), ``own_orders``, ``own_gmv``; by invitees, then converted invitees, then invitee
        GMV (descending).
    """
    data = inputs.dataset_of(data, "customers")
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ParameterError(f"n must be a positive whole number, got {n!r}")
    customers, orders = _tables(data)
    edges, _ = _edges(customers)
    first = _first_purchases(orders)
    j = edges.left_join(first, edges.invitee_id == first.customer_id)
    per = j.group_by("inviter_id").agg(invitees=j.count(), converted_invitees=j.first_date.notnull().sum(),
                                       invitee_gmv=j.gmv.sum().fill_null(0.0))
    own = first.select(inviter_id=first.customer_id, own_orders=first.orders, own_gmv=first.gmv)
    per = per.left_join(own, "inviter_id")
    per = per.order_by([ibis.desc("invitees"), ibis.desc("converted_invitees"), ibis.desc("invitee_gmv"),
                        "inviter_id"]).limit(n)
    out = engine.execute(per)
    out = out.assign(own_orders=out["own_orders"].fillna(0).astype("int64"), own_gmv=out["own_gmv"].fillna(0.0))
    inviter = out["inviter_id"].map(mask_id) if mask else out["inviter_id"]
    return out.assign(inviter=inviter)[["inviter", "invitees", "converted_invitees", "invitee_gmv", "own_orders",
                                        "own_gmv"]].reset_index(drop=True)


def referral_chains(data) -> pd.DataFrame:
    """How deep referral chains go (A → B → C ...): customers by depth and chains by their length.

    Depth 0 is a customer nobody (valid) invited; depth d a customer whose chain of inviters has d
    links back to such a customer. A *chain* is the referral tree of one depth-0 customer with at
    least one invitee; its length is the depth of its deepest member.

    Parameters
    ----------
    data : Dataset or mapping
        Needs ``customers.referrer_id``.

    Returns
    -------
    pandas.DataFrame
        ``depth``, ``customers`` (at that depth), ``share`` (of all customers), ``chains``
        (trees whose deepest member is at that depth; 0 at depth 0). ``.attrs`` holds
        ``in_referral_cycle`` (customers in, or invited from within, a cycle: no depth),
        ``self_referrals`` and ``unknown_referrers`` (counted as not invited).
    """
    data = inputs.dataset_of(data, "customers")
    customers, _ = _tables(data)
    edges, quality = _edges(customers)
    ids = customers.select(customer_id=customers.customer_id.cast("string"))
    level = ids.anti_join(edges, ids.customer_id == edges.invitee_id)
    level = level.select(customer_id=level.customer_id, root_id=level.customer_id)
    rows = []
    for depth in range(_MAX_DEPTH + 1):
        stats = _one_row(level.aggregate(customers=level.count(), roots=level.root_id.nunique()))
        if int(stats["customers"]) == 0:
            break
        rows.append({"depth": depth, "customers": int(stats["customers"]), "roots": int(stats["roots"])})
        nxt = edges.join(level, edges.inviter_id == level.customer_id)
        level = nxt.select(customer_id=nxt.invitee_id, root_id=nxt.root_id)
    else:
        raise ParameterError(f"referral chains deeper than {_MAX_DEPTH} links: check customers.referrer_id")
    out = pd.DataFrame(rows)
    reach = out["roots"].where(out["depth"] > 0, 0)  # trees reaching at least this depth
    out["chains"] = (reach - reach.shift(-1, fill_value=0)).where(out["depth"] > 0, 0).astype("int64")
    out["share"] = out["customers"] / quality["customers"] if quality["customers"] else np.nan
    resolved = int(out["customers"].sum())
    out.attrs.update(in_referral_cycle=quality["customers"] - resolved, self_referrals=quality["self_referrals"],
                     unknown_referrers=quality["unknown_referrers"])
    return out[["depth", "customers", "share", "chains"]]
