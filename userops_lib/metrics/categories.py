"""Categories and products: what sells, who buys it again, how soon, and which first purchase brings buyers back.

* :func:`category_sales` — GMV, buyers and their shares per category for one period, with the
  previous period (环比) and the same period last year (同比).
* :func:`repurchase_cycles` — the repurchase cycle (回购周期: days from the first to the second
  purchase day) per category, or per customer group (RFM segment, channel, ...).
* :func:`category_report` — both, plus each category's repurchase rate (复购率) over the last
  12 months and the second-purchase rate of buyers whose first order was mainly in it.
* :func:`first_product_repeat` — which first product brings buyers back.

Definitions
-----------
A category's GMV is the value of its order lines, ``quantity × price`` (line values need not add
up to the orders' ``amount``, which may hold shipping or order-level discounts). Lines without a
category are kept under ``(unknown)``, never dropped. A *purchase day* of a category is a local
date with an order holding that category; the repurchase rate of a category counts its buyers with
two or more such days in the window (the shared README's 复购率 on order days). The repurchase
cycle uses the rule of :func:`userops_lib.metrics.conversion.repurchase_cycle`: only buyers whose
first purchase is at least ``max_days`` before the as-of date, and their second purchases within
``max_days``, so recent buyers (who can only have come back quickly so far) do not pull it early.

Every aggregation is an ibis expression run by the engine; only per-category rows come back.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import ClassVar

import ibis
import numpy as np
import pandas as pd

from ..data import engine, inputs
from ..data.load import Dataset
from ..data.periods import check_period, parse_date, period_index, period_start
from ..thresholds import MIN_GROUP
from ..exceptions import ContractError, ParameterError
from ..results import Facts, attach, facts
from .basket import product_labels
from .conversion import _first_orders, _key_days, second_purchase_conversion
from .drivers import YEAR_LAG, _first_order_date, _label_of, coverage_note, headline_index

__all__ = ["CategorySalesFacts", "CategoryRepurchaseFacts", "CategoryReportFacts", "RepurchaseCyclesFacts", "UNKNOWN", "category_sales", "repurchase_cycles", "category_repurchase", "category_report",
           "first_product_repeat"]

#: Label of lines, buyers or customers whose category or group is missing.
UNKNOWN = "(unknown)"


# ------------------------------------------------------------------------------------ inputs
def _dataset(data) -> Dataset:
    return inputs.dataset_of(data, "orders")


def _lines(data: Dataset, needed_for: str) -> tuple[ibis.Table, str]:
    """Order lines with ``customer_id, order_date, category`` (missing = UNKNOWN) and ``value``."""
    items = data.table("order_items", needed_for)
    if "category" not in items.columns:
        raise ContractError("order_items", "category", f"column needed for {needed_for} is missing")
    orders = data.table("orders")
    lines = items.join(orders.select("order_id", "customer_id", "order_date"), "order_id")
    has_price = "price" in items.columns
    value = (lines.quantity * lines.price).cast("float64") if has_price else ibis.null("float64")
    lines = lines.select("order_id", "customer_id", "order_date", _item=lines.product_id.cast("string"),
                         category=lines.category.cast("string").fill_null(UNKNOWN), value=value)
    return lines, "price x quantity" if has_price else "no price column: GMV per category is unknown"


def _relative(now: pd.Series, before: pd.Series) -> pd.Series:
    return (now - before) / before.where(before != 0)


# ------------------------------------------------------------------------------ sales by category
@dataclass(frozen=True)
class CategorySalesFacts(Facts):
    """What :func:`category_sales` states besides its table."""

    producer: ClassVar[str] = "category_sales"
    period: str  #: label of the sales period
    previous_period: str  #: label of the period before
    last_year_period: str  #: label of the same period a year before
    previous_note: str  #: why the previous period is missing or partial (its comparison columns NaN), else ""
    last_year_note: str  #: the same for last year
    gmv_basis: str  #: how GMV is counted ("price x quantity", ...)
    unknown_category_lines: int  #: lines of the period under "(unknown)"
    as_of: _dt.date  #: last day observed


def category_sales(data, period: str = "month", at=None) -> pd.DataFrame:
    """GMV, buyers and orders per category in one period, against the previous period and last year.

    Parameters
    ----------
    data : Dataset, ibis.Table, pandas.DataFrame or dict of them by table name
        Needs ``order_items`` with ``category`` (and ``price`` for GMV).
    period : {"day", "week", "month", "quarter", "year"}
    at : str or date, optional
        Any day of the period. Default: the last complete period with orders (the headline
        period of :func:`userops_lib.metrics.drivers.headline_comparison`).

    Returns
    -------
    pandas.DataFrame
        One row per category sold in any of the three periods, by GMV: ``category, gmv,
        gmv_share`` (of all line value of the period), ``buyers``, ``buyer_share`` (of the
        period's buyers with a line: a buyer counts in each category they bought), ``orders``,
        then ``gmv_previous, gmv_vs_previous, gmv_last_year, gmv_vs_last_year, buyers_previous,
        buyers_vs_previous, buyers_last_year, buyers_vs_last_year`` (changes relative; NaN when the
        base is 0, e.g. a category new since then). Facts: :class:`CategorySalesFacts` (the
        periods compared and why a base is missing or partial: its comparison columns are then NaN).
    """
    period = check_period(period)
    data = _dataset(data)
    now = headline_index(data, period, at)
    indexes = {"now": now, "previous": now - 1, "last_year": now - YEAR_LAG[period]}
    lines, basis = _lines(data, "Category sales")
    lines = lines.mutate(_p=period_index(lines.order_date, period))
    lines = lines.filter(lines._p.isin(list(indexes.values())))
    per = engine.execute(lines.group_by(["category", "_p"]).agg(
        gmv=lines.value.sum(), buyers=lines.customer_id.nunique(), orders=lines.order_id.nunique(),
        unknown_lines=(lines.category == UNKNOWN).sum()))
    all_buyers = engine.execute(lines.group_by("_p").agg(buyers=lines.customer_id.nunique()))
    all_buyers = dict(zip(all_buyers["_p"].astype(int), all_buyers["buyers"].astype(int)))
    first_day = _first_order_date(data)
    notes = {"previous": coverage_note(indexes["previous"], period, first_day, "previous period"),
             "last_year": coverage_note(indexes["last_year"], period, first_day, "same period last year")}
    wide = {name: per[per["_p"] == i].set_index("category") for name, i in indexes.items()}
    out = pd.DataFrame(index=pd.Index(sorted(per["category"].unique()), name="category"))
    cur = wide["now"].reindex(out.index)
    out["gmv"] = cur["gmv"].astype("float64").fillna(0.0) if basis == "price x quantity" else np.nan
    out["gmv_share"] = out["gmv"] / out["gmv"].sum() if out["gmv"].sum() else np.nan
    out["buyers"] = cur["buyers"].fillna(0).astype("int64")
    out["buyer_share"] = out["buyers"] / all_buyers.get(now, 0) if all_buyers.get(now) else np.nan
    out["orders"] = cur["orders"].fillna(0).astype("int64")
    for name in ("previous", "last_year"):
        base = wide[name].reindex(out.index)
        missing = notes[name].startswith("no ")
        for col in ("gmv", "buyers"):
            values = base[col].astype("float64").fillna(0.0)
            out[f"{col}_{name}"] = np.nan if missing or (col == "gmv" and basis != "price x quantity") else values
            out[f"{col}_vs_{name}"] = _relative(out[col].astype("float64"), out[f"{col}_{name}"])
    out = out.reset_index()
    out = out.sort_values(["gmv", "buyers", "category"], ascending=[False, False, True], ignore_index=True)
    out = out[["category", "gmv", "gmv_share", "buyers", "buyer_share", "orders", "gmv_previous", "gmv_vs_previous",
               "gmv_last_year", "gmv_vs_last_year", "buyers_previous", "buyers_vs_previous", "buyers_last_year",
               "buyers_vs_last_year"]]
    return attach(out, CategorySalesFacts(
        period=_label_of(now, period), previous_period=_label_of(now - 1, period),
        last_year_period=_label_of(indexes["last_year"], period), previous_note=notes["previous"],
        last_year_note=notes["last_year"], gmv_basis=basis,
        unknown_category_lines=int(wide["now"]["unknown_lines"].sum()), as_of=data.as_of))


# ------------------------------------------------------------------------------ repurchase cycle
def _purchase_days(data: Dataset, by: str, groups) -> ibis.Table:
    """Distinct ``(customer_id, group, order_date)``: the purchase days of each customer in each group."""
    if by == "category":
        lines, _ = _lines(data, "Repurchase cycle by category")
        days = lines.select("customer_id", group=lines.category, order_date=lines.order_date)
        return days.distinct()
    orders = data.table("orders")
    if groups is None:
        if not data.has_column("customers", by):
            raise ContractError("customers", by, "column needed for the repurchase cycle by it is missing "
                                "(or pass groups=DataFrame with customer_id and the column)")
        customers = data.table("customers")
        keys = customers.select("customer_id", group=customers[by].cast("string"))
    else:
        if not {"customer_id", by} <= set(groups.columns):
            raise ParameterError(f"groups: needs the columns customer_id and {by!r}, got {list(groups.columns)}")
        keys = engine.as_table(pd.DataFrame({"customer_id": groups["customer_id"].astype(str),
                                             "group": groups[by].astype(str)}), "groups")
    joined = orders.left_join(keys, orders.customer_id == keys.customer_id)
    days = joined.select(customer_id=orders.customer_id, group=joined.group.fill_null(UNKNOWN),
                         order_date=orders.order_date)
    return days.distinct()


@dataclass(frozen=True)
class RepurchaseCyclesFacts(Facts):
    """What :func:`repurchase_cycles` states besides its table."""

    producer: ClassVar[str] = "repurchase_cycles"
    by: str  #: the group column ("category", "segment", ...)
    max_days: int  #: follow-up in the key days and last gap counted
    as_of: _dt.date  #: last day observed
    basis: str  #: "full follow-up", or "all buyers" when no buyer has max_days of follow-up and came back


def repurchase_cycles(data, by: str = "category", groups: pd.DataFrame | None = None,
                      max_days: int = 365) -> pd.DataFrame:
    """The repurchase cycle (回购周期) per category or per customer group: days from the first to the
    second purchase day.

    Parameters
    ----------
    data : Dataset, ibis.Table, pandas.DataFrame or dict of them by table name
        Orders; ``order_items`` with ``category`` for ``by="category"``.
    by : str
        ``"category"``: a buyer's first and second purchase days *of each category* (a buyer of
        two categories counts in both). Any other name: a customer's first and second purchase
        days overall, grouped by that column of ``groups`` (e.g. ``"segment"`` with the output of
        :func:`userops_lib.metrics.rfm.rfm_segments`) or, without ``groups``, of ``customers``
        (e.g. ``"channel"``). Customers without a group are ``(unknown)``.
    groups : pandas.DataFrame, optional
        ``customer_id`` and the column ``by``.
    max_days : int
        Follow-up every buyer in the key days must have, and the last gap counted (as in
        :func:`userops_lib.metrics.conversion.repurchase_cycle`).

    Returns
    -------
    pandas.DataFrame
        One row per group, most first buyers first: ``<by>`` (the group), ``first_buyers`` (all
        buyers), ``repeat_buyers`` and ``repeat_share`` (bought again on a later day, up to as-of),
        ``basis_buyers`` (first purchase at least ``max_days`` before as-of), ``basis_repeat``
        (of those, back within ``max_days``), ``back_within_share`` (basis_repeat / basis_buyers),
        ``median_days``, ``p50_day`` and ``p80_day`` (first day by which 50 % / 80 % of those
        second purchases had happened; NaN without any). Facts: :class:`RepurchaseCyclesFacts`
        (``basis`` is "all buyers" when no buyer of the data has ``max_days`` of follow-up and came
        back: then every buyer and second purchase is used, which pulls the days early).
    """
    if isinstance(max_days, bool) or not isinstance(max_days, (int, np.integer)) or max_days < 1:
        raise ParameterError(f"max_days={max_days!r}: give a whole number of days, at least 1")
    data = _dataset(data)
    days = _purchase_days(data, by, groups)
    rank = ibis.row_number().over(group_by=[days.customer_id, days.group], order_by=days.order_date)
    ranked = days.mutate(_n=rank)
    first = ranked.filter(ranked._n == 0).select("customer_id", "group", first_date="order_date")
    second = ranked.filter(ranked._n == 1).select(_cid="customer_id", _group="group", second_date="order_date")
    pairs = first.left_join(second, [first.customer_id == second._cid, first.group == second._group])
    gap = pairs.second_date.delta(pairs.first_date, unit="day")
    followed = ibis.literal(data.as_of, type="date").delta(pairs.first_date, unit="day") >= max_days
    counts = engine.execute(pairs.group_by([pairs.group, gap.name("gap_days"), followed.name("followed")])
                            .agg(buyers=pairs.count()))
    counts["followed"] = counts["followed"].fillna(False).astype(bool)
    came_back = counts["gap_days"].notna()
    full = bool((counts["followed"] & came_back & (counts["gap_days"] <= max_days)).any())
    rows = []
    for group, c in counts.groupby("group", sort=False):
        basis = c[c["followed"]] if full else c
        gaps = basis.dropna(subset=["gap_days"])
        keyed = gaps[gaps["gap_days"] <= max_days] if full else gaps
        per_day = keyed.groupby(keyed["gap_days"].astype("int64"))["buyers"].sum().sort_index()
        rows.append({by: group, "first_buyers": int(c["buyers"].sum()),
                     "repeat_buyers": int(c.loc[c["gap_days"].notna(), "buyers"].sum()),
                     "basis_buyers": int(basis["buyers"].sum()), "basis_repeat": int(per_day.sum()),
                     **_key_days(per_day, int(per_day.sum()))})
    out = pd.DataFrame(rows, columns=[by, "first_buyers", "repeat_buyers", "basis_buyers", "basis_repeat",
                                      "median_days", "p50_day", "p80_day"])
    out["repeat_share"] = out["repeat_buyers"] / out["first_buyers"]
    out["back_within_share"] = out["basis_repeat"] / out["basis_buyers"].where(out["basis_buyers"] > 0)
    out = out.sort_values(["first_buyers", by], ascending=[False, True], ignore_index=True)
    out = out[[by, "first_buyers", "repeat_buyers", "repeat_share", "basis_buyers", "basis_repeat",
               "back_within_share", "median_days", "p50_day", "p80_day"]]
    return attach(out, RepurchaseCyclesFacts(by=by, max_days=max_days, as_of=data.as_of,
                                             basis="full follow-up" if full else "all buyers"))


# --------------------------------------------------------------------------- repurchase rate
@dataclass(frozen=True)
class CategoryRepurchaseFacts(Facts):
    """What :func:`category_repurchase` states besides its table."""

    producer: ClassVar[str] = "category_repurchase"
    window_start: _dt.date  #: first day of the window
    window_end: _dt.date  #: last day of the window


def category_repurchase(data, window_days: int = 365, end=None) -> pd.DataFrame:
    """Each category's repurchase rate (复购率) over a window: buyers with two or more purchase days of it.

    Parameters
    ----------
    data : Dataset, ibis.Table, pandas.DataFrame or dict of them by table name
        Needs ``order_items`` with ``category``.
    window_days : int
        Length of the window, ending on ``end``.
    end : str or date, optional
        Last day of the window (default: the as-of date).

    Returns
    -------
    pandas.DataFrame
        ``category, buyers`` (with a line of it in the window), ``repeat_buyers`` (two or more
        purchase days of it), ``repurchase_rate``. Facts: :class:`CategoryRepurchaseFacts`.
    """
    data = _dataset(data)
    if isinstance(window_days, bool) or not isinstance(window_days, (int, np.integer)) or window_days < 1:
        raise ParameterError(f"window_days={window_days!r}: give a whole number of days, at least 1")
    end = data.as_of if end is None else parse_date(end, "end")
    start = end - _dt.timedelta(days=int(window_days) - 1)
    lines, _ = _lines(data, "Repurchase rate by category")
    lines = lines.filter((lines.order_date >= start) & (lines.order_date <= end))
    per = lines.group_by(["category", "customer_id"]).agg(days=lines.order_date.nunique())
    out = engine.execute(per.group_by("category").agg(buyers=per.count(), repeat_buyers=(per.days >= 2).sum()))
    out = out.astype({"buyers": "int64", "repeat_buyers": "int64"})
    out["repurchase_rate"] = out["repeat_buyers"] / out["buyers"]
    out = out.sort_values(["buyers", "category"], ascending=[False, True], ignore_index=True)
    return attach(out, CategoryRepurchaseFacts(window_start=start, window_end=end))


@dataclass(frozen=True)
class CategoryReportFacts(Facts):
    """What :func:`category_report` states besides its table and the :class:`CategorySalesFacts` it carries."""

    producer: ClassVar[str] = "category_report"
    window_start: _dt.date  #: first day of the repurchase-rate window
    window_end: _dt.date  #: its last day
    cycle_basis: str  #: "full follow-up" or "all buyers" (see RepurchaseCyclesFacts)
    max_days: int  #: follow-up of the repurchase cycle
    first_window: int  #: window of the second purchase after a first order mainly in the category


def category_report(data, period: str = "month", at=None, *, max_days: int = 365, window_days: int = 365,
                    first_window: int = 90) -> pd.DataFrame:
    """Everything per category in one table: sales with 环比/同比, repurchase rate and cycle, and the
    second-purchase rate of buyers whose first order was mainly in it.

    Parameters
    ----------
    data : Dataset, ibis.Table, pandas.DataFrame or dict of them by table name
        Needs ``order_items`` with ``category`` (and ``price`` for GMV).
    period, at
        The sales period, as in :func:`category_sales`.
    max_days : int
        Follow-up of the repurchase cycle (:func:`repurchase_cycles`).
    window_days : int
        Window of the repurchase rate, ending with the sales period (:func:`category_repurchase`).
    first_window : int
        Window of the second purchase after a first order mainly in the category
        (:func:`userops_lib.metrics.conversion.second_purchase_conversion` with
        ``by="first_category"``: the category with the most spend in the first order).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`category_sales`, then ``repurchase_rate`` and
        ``repurchase_buyers`` (buyers of the category in the window), ``cycle_median_days``,
        ``cycle_p80_day``, ``cycle_basis`` (second purchases behind the cycle),
        ``first_buyers`` (buyers whose first order was mainly in the category),
        ``first_eligible`` (of those, first order at least ``first_window`` days before as-of)
        and ``second_purchase_rate`` (bought again on a later day within ``first_window``
        days). Facts: :class:`CategorySalesFacts` (read the period there) and
        :class:`CategoryReportFacts`.
    """
    data, period = _dataset(data), check_period(period)
    sales = category_sales(data, period, at)
    end = min(pd.Timestamp(period_start([headline_index(data, period, at) + 1], period).iloc[0]).date()
              - _dt.timedelta(days=1), data.as_of)
    rate = category_repurchase(data, window_days, end=end)
    cycles = repurchase_cycles(data, "category", max_days=max_days)
    first = second_purchase_conversion(data, windows=[first_window], by="first_category")
    out = sales.merge(rate.rename(columns={"buyers": "repurchase_buyers"})[
        ["category", "repurchase_buyers", "repurchase_rate"]], on="category", how="left")
    out = out.merge(cycles.rename(columns={"median_days": "cycle_median_days", "p80_day": "cycle_p80_day",
                                           "basis_repeat": "cycle_basis"})[
        ["category", "cycle_median_days", "cycle_p80_day", "cycle_basis"]], on="category", how="left")
    w = first_window
    out = out.merge(first.rename(columns={"group": "category", f"eligible_{w}d": "first_eligible",
                                          f"rate_{w}d": "second_purchase_rate"})[
        ["category", "first_buyers", "first_eligible", "second_purchase_rate"]], on="category", how="left")
    for col in ("repurchase_buyers", "cycle_basis", "first_buyers", "first_eligible"):
        out[col] = out[col].fillna(0).astype("int64")
    window = facts(rate, CategoryRepurchaseFacts)
    return attach(out, facts(sales, CategorySalesFacts), CategoryReportFacts(
        window_start=window.window_start, window_end=window.window_end,
        cycle_basis=facts(cycles, RepurchaseCyclesFacts).basis, max_days=max_days, first_window=first_window))


# ---------------------------------------------------------------------- first product -> repeat
def first_product_repeat(data, window_days: int = 90, min_eligible: int = MIN_GROUP) -> pd.DataFrame:
    """Which first product brings buyers back: the second-purchase rate per product of the first order.

    Parameters
    ----------
    data : Dataset, ibis.Table, pandas.DataFrame or dict of them by table name
        Needs ``order_items`` (``product_name`` and ``category`` make the labels readable).
    window_days : int
        A buyer "came back" with an order on a later day within this many days of the first.
    min_eligible : int
        Products with fewer eligible first buyers than this are kept but flagged ``small``
        (their rate swings with one buyer).

    Returns
    -------
    pandas.DataFrame
        One row per product found in first orders, best rate first (small products last):
        ``product_id, product`` (label, see :func:`userops_lib.metrics.basket.product_labels`),
        ``first_buyers`` (buyers with the product in their first order), ``eligible`` (first
        order at least ``window_days`` before as-of), ``repeat_buyers`` (of those, back within
        the window), ``repeat_rate``, ``small``. ``attrs``: ``window_days, min_eligible,
        overall_rate`` (all eligible first buyers with items), ``as_of``.
    """
    data = _dataset(data)
    if isinstance(window_days, bool) or not isinstance(window_days, (int, np.integer)) or window_days < 1:
        raise ParameterError(f"window_days={window_days!r}: give a whole number of days, at least 1")
    items = data.table("order_items", "First product and repeat purchase")
    buyers = _first_orders(data.table("orders"))
    eligible = ibis.literal(data.as_of, type="date").delta(buyers.first_date, unit="day") >= window_days
    back = eligible & (buyers.gap_days <= window_days).fill_null(False)
    buyers = buyers.select(_oid=buyers.order_id, _cid=buyers.customer_id, _eligible=eligible, _back=back)
    firsts = items.join(buyers, items.order_id == buyers._oid)
    firsts = firsts.select(product_id=firsts.product_id.cast("string"), customer_id=firsts._cid,
                           _eligible=firsts._eligible, _back=firsts._back).distinct()
    out = engine.execute(firsts.group_by("product_id").agg(
        first_buyers=firsts.count(), eligible=firsts._eligible.sum(), repeat_buyers=firsts._back.sum()))
    overall = engine.execute(firsts.select("customer_id", "_eligible", "_back").distinct().aggregate(
        eligible=ibis._._eligible.sum(), back=ibis._._back.sum()))
    out = out.astype({"first_buyers": "int64", "eligible": "int64", "repeat_buyers": "int64"})
    out["repeat_rate"] = out["repeat_buyers"] / out["eligible"].where(out["eligible"] > 0)
    out["small"] = out["eligible"] < min_eligible
    out["product"] = out["product_id"].map(product_labels(data))
    out = out.sort_values(["small", "repeat_rate", "eligible", "product_id"], ascending=[True, False, False, True],
                          na_position="last", ignore_index=True)
    n_eligible, n_back = int(overall["eligible"].iloc[0] or 0), int(overall["back"].iloc[0] or 0)
    out.attrs.update(window_days=window_days, min_eligible=min_eligible, as_of=data.as_of,
                     overall_rate=n_back / n_eligible if n_eligible else np.nan)
    return out[["product_id", "product", "first_buyers", "eligible", "repeat_buyers", "repeat_rate", "small"]]
