"""Returning buyers (老用户): category preference, purchasing-power bands and their cross-table.

A *returning buyer* has two or more purchase days (local dates with an order) up to the as-of
date. Purchasing power is the buyer's AOV (客单价 = spend / orders). Default AOV bands cut at the
quartiles of returning buyers' AOV, rounded to two significant digits so the edges read as money
(e.g. 37.4 -> 37, 123.6 -> 120); edges that round to the same value merge.

Per-buyer work is one ibis expression per table; only per-category / per-band counts come back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import ibis
import numpy as np
import pandas as pd

from ..data import engine
from .conversion import _orders_input
from ..exceptions import ContractError, ParameterError

__all__ = ["ReturningBuyers", "returning_buyers", "readable_edges"]

_NO_CATEGORY = "(no category)"


@dataclass
class ReturningBuyers:
    """Result of :func:`returning_buyers`.

    Attributes
    ----------
    bands : pandas.DataFrame
        One row per AOV band (low to high): ``band`` (label), ``aov_from`` (inclusive),
        ``aov_to`` (exclusive; NaN for the top band), ``buyers``, ``buyer_share``, ``revenue``,
        ``revenue_share`` (of returning buyers' spend), ``mean_aov``.
    preference : pandas.DataFrame or None
        One row per category, by spend: ``category``, ``spend``, ``spend_share`` (of returning
        buyers' item spend), ``top_buyers`` (returning buyers whose top category it is),
        ``top_buyer_share``. None without ``order_items``.
    matrix : pandas.DataFrame or None
        Returning buyers by top category (rows, same order as ``preference``) and AOV band
        (columns, low to high). None without ``order_items``.
    summary : dict
        ``buyers`` (all buyers), ``returning_buyers``, ``returning_share``, ``returning_revenue``,
        ``revenue_share`` (returning buyers' share of all spend), ``edges`` (band edges used),
        ``edges_source`` ("quartiles" or "given"), ``no_items_buyers`` (returning buyers without
        any order line, left out of ``preference``/``matrix``), ``share_basis`` ("price x
        quantity" or "quantity").
    """

    bands: pd.DataFrame
    preference: pd.DataFrame | None = None
    matrix: pd.DataFrame | None = None
    summary: dict = field(default_factory=dict)


def readable_edges(values, digits: int = 2) -> list[float]:
    """Round money edges to ``digits`` significant digits; drop non-positive and repeated edges."""
    out = []
    for v in values:
        if v is None or not np.isfinite(v) or v <= 0:
            continue
        scale = 10 ** (math.floor(math.log10(v)) - digits + 1)
        r = round(v / scale) * scale
        r = float(round(r, 10))
        if not out or r > out[-1]:
            out.append(r)
    return out


def _buyer_table(orders: ibis.Table) -> ibis.Table:
    """Per buyer: purchase days, orders, spend, AOV, and whether they are returning (>= 2 days)."""
    per = orders.group_by("customer_id").aggregate(
        purchase_days=orders.order_date.nunique(), orders=orders.count(), spend=orders.amount.sum())
    return per.mutate(aov=per.spend / per.orders, returning=per.purchase_days >= 2)


def _band_expr(aov: ibis.Value, edges: list[float]) -> ibis.Value:
    """Band number 0..len(edges): band i holds edges[i-1] <= aov < edges[i]."""
    cases = [(aov < e, i) for i, e in enumerate(edges)]
    return ibis.cases(*cases, else_=len(edges)) if cases else ibis.literal(0)


def _band_labels(edges: list[float]) -> list[str]:
    money = lambda x: f"{x:,.0f}" if x >= 10 else f"{x:,.2f}".rstrip("0").rstrip(".")
    if not edges:
        return ["all"]
    labels = [f"< {money(edges[0])}"]
    labels += [f"{money(a)}–{money(b)}" for a, b in zip(edges, edges[1:])]
    return labels + [f"≥ {money(edges[-1])}"]


def _check_edges(aov_bands) -> list[float]:
    try:
        edges = [float(e) for e in aov_bands]
    except (TypeError, ValueError):
        raise ParameterError(f"aov_bands={aov_bands!r}: give a list of increasing AOV edges, e.g. [50, 100, 200]") from None
    if not edges or any(b <= a for a, b in zip(edges, edges[1:])):
        raise ParameterError(f"aov_bands={aov_bands!r}: the edges must be a non-empty, strictly increasing list")
    return edges


def _bands(returning: ibis.Table, edges: list[float]) -> pd.DataFrame:
    banded = returning.mutate(band_no=_band_expr(returning.aov, edges))
    df = engine.execute(banded.group_by("band_no").aggregate(
        buyers=banded.count(), revenue=banded.spend.sum(), mean_aov=banded.aov.mean()))
    labels = _band_labels(edges)
    out = pd.DataFrame({"band_no": range(len(labels)), "band": labels,
                        "aov_from": [np.nan] + edges, "aov_to": edges + [np.nan]})
    out = out.merge(df, on="band_no", how="left").fillna({"buyers": 0, "revenue": 0.0})
    out["buyers"] = out["buyers"].astype("int64")
    out["buyer_share"] = out["buyers"] / out["buyers"].sum() if out["buyers"].sum() else np.nan
    out["revenue_share"] = out["revenue"] / out["revenue"].sum() if out["revenue"].sum() else np.nan
    return out[["band", "aov_from", "aov_to", "buyers", "buyer_share", "revenue", "revenue_share", "mean_aov"]]


def _item_spend(data, orders: ibis.Table, returning: ibis.Table) -> tuple[ibis.Table, str]:
    """Order lines of returning buyers' orders with ``customer_id``, ``category`` and ``line_spend``."""
    items = data.table("order_items", "Category preference")
    if "category" not in items.columns:
        raise ContractError("order_items", "category", "column not found; needed for the category preference")
    basis = "price x quantity" if "price" in items.columns else "quantity"
    spend = (items.quantity * items.price) if "price" in items.columns else items.quantity
    own = orders.semi_join(returning, "customer_id").select("order_id", "customer_id")
    lines = items.join(own, "order_id")
    lines = lines.select("customer_id", category=lines.category.fill_null(_NO_CATEGORY),
                         line_spend=spend.cast("float64"))
    return lines, basis


def _top_category(lines: ibis.Table) -> ibis.Table:
    """Each buyer's category with the most spend (ties: alphabetical)."""
    per = lines.group_by(["customer_id", "category"]).aggregate(spend=lines.line_spend.sum())
    rank = ibis.row_number().over(group_by=per.customer_id, order_by=[ibis.desc(per.spend), per.category])
    ranked = per.mutate(_r=rank)
    return ranked.filter(ranked._r == 0).select("customer_id", top_category="category")


def _preference(lines: ibis.Table, top: ibis.Table) -> pd.DataFrame:
    spend = engine.execute(lines.group_by("category").aggregate(spend=lines.line_spend.sum()))
    tops = engine.execute(top.group_by("top_category").aggregate(top_buyers=top.count()))
    df = spend.merge(tops.rename(columns={"top_category": "category"}), on="category", how="outer")
    df = df.fillna({"spend": 0.0, "top_buyers": 0}).astype({"top_buyers": "int64"})
    df["spend_share"] = df["spend"] / df["spend"].sum() if df["spend"].sum() else np.nan
    df["top_buyer_share"] = df["top_buyers"] / df["top_buyers"].sum() if df["top_buyers"].sum() else np.nan
    df = df.sort_values(["spend", "category"], ascending=[False, True], ignore_index=True)
    return df[["category", "spend", "spend_share", "top_buyers", "top_buyer_share"]]


def _matrix(top: ibis.Table, returning: ibis.Table, edges: list[float], categories: list[str]) -> pd.DataFrame:
    joined = top.join(returning, "customer_id")
    joined = joined.mutate(band_no=_band_expr(joined.aov, edges))
    counts = engine.execute(joined.group_by(["top_category", "band_no"]).aggregate(buyers=joined.count()))
    labels = _band_labels(edges)
    m = counts.pivot_table(index="top_category", columns="band_no", values="buyers", aggfunc="sum", fill_value=0)
    m = m.reindex(index=categories, columns=range(len(labels)), fill_value=0).astype("int64")
    m.columns = labels
    m.index.name, m.columns.name = "top category", "AOV band"
    return m


def returning_buyers(data, aov_bands=None, *, as_of=None) -> ReturningBuyers:
    """Returning buyers' category preference, purchasing-power (AOV) bands and their cross-table.

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        Clean orders, or a Dataset (the category preference and the matrix need its
        ``order_items``; without them only the bands are computed).
    aov_bands : list of float, optional
        Increasing AOV edges; band i holds ``edges[i-1] <= AOV < edges[i]`` (the first band is
        everything below the first edge, the last everything from the last edge up). Default:
        the quartiles of returning buyers' AOV, rounded by :func:`readable_edges`.
    as_of : str or date, optional
        Last day included (default: the Dataset's as-of date, else the last order date).

    Returns
    -------
    ReturningBuyers
        ``bands``, ``preference``, ``matrix`` and ``summary`` (see :class:`ReturningBuyers`).

    Raises
    ------
    ParameterError
        ``aov_bands`` is not an increasing list of numbers.
    """
    orders, as_of, dataset = _orders_input(data, as_of, "Returning buyers")
    buyers = _buyer_table(orders)
    returning = buyers.filter(buyers.returning)
    totals = engine.execute(buyers.aggregate(
        buyers=buyers.count(), returning_buyers=buyers.returning.sum(), revenue=buyers.spend.sum(),
        returning_revenue=buyers.spend.sum(where=buyers.returning),
        **{f"q{i}": buyers.aov.quantile(i / 4, where=buyers.returning) for i in (1, 2, 3)})).iloc[0]
    if aov_bands is None:
        edges, source = readable_edges([totals["q1"], totals["q2"], totals["q3"]]), "quartiles"
    else:
        edges, source = _check_edges(aov_bands), "given"
    n_all, n_ret = int(totals["buyers"]), int(totals["returning_buyers"] or 0)
    summary = {"buyers": n_all, "returning_buyers": n_ret, "returning_share": n_ret / n_all if n_all else np.nan,
               "returning_revenue": float(totals["returning_revenue"] or 0.0),
               "revenue_share": float((totals["returning_revenue"] or 0.0) / totals["revenue"]) if totals["revenue"] else np.nan,
               "edges": edges, "edges_source": source, "as_of": as_of}
    result = ReturningBuyers(bands=_bands(returning, edges), summary=summary)
    if dataset.has("order_items") and n_ret:
        lines, basis = _item_spend(dataset, orders, returning)
        top = _top_category(lines)
        result.preference = _preference(lines, top)
        result.matrix = _matrix(top, returning, edges, list(result.preference["category"]))
        summary["share_basis"] = basis
        summary["no_items_buyers"] = n_ret - int(result.preference["top_buyers"].sum())
    return result
