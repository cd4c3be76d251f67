"""Associated purchases (market basket analysis): which products are bought together.

A *basket* is one order; its items are the distinct products (or categories) on its lines, so a
product bought twice in one order counts once. Rules ``A → C`` carry the metrics mlxtend computes
(support, confidence, lift, leverage, conviction; see the shared metric definitions).

The counting runs in the engine on sparse co-occurrences, never on a one-hot matrix:

1. item supports by ``GROUP BY item``; items below the support threshold are dropped (Apriori
   pruning: an itemset cannot be more frequent than its least frequent item);
2. pair counts by a self-join of the remaining order lines on ``order_id`` with ``item_a < item_b``;
3. for ``max_len`` ≥ 3, the occurrences of each frequent (k-1)-itemset are extended by one more line
   of the same order with a larger item, keeping only candidates whose every subset is frequent.

Only the frequent itemsets (a few thousand rows at most) come back to pandas, where the rules are
formed. Single-item baskets count in the number of baskets and in item supports but form no pair.
"""

from __future__ import annotations

import math
from itertools import combinations

import ibis
import numpy as np
import pandas as pd

from ..data import engine
from ..exceptions import ContractError, ParameterError

__all__ = ["association_rules", "cross_sell_table", "basket_overview", "frequent_itemsets", "product_categories",
           "with_categories", "default_level"]

_LEVELS = {"product": "product_id", "category": "category"}
_RULE_COLUMNS = ["antecedent", "consequent", "rule", "antecedent_support", "consequent_support", "support",
                 "confidence", "lift", "leverage", "conviction", "baskets_with_rule", "n_baskets"]


# ------------------------------------------------------------------------------------ inputs
def _order_items_table(order_items) -> ibis.Table:
    """The order-lines table of a Dataset, an ibis table or a pandas DataFrame."""
    if hasattr(order_items, "table") and hasattr(order_items, "has"):  # a Dataset
        return order_items.table("order_items", needed_for="Associated purchases")
    return engine.as_table(order_items, "order_items")


def _basket_lines(order_items, level: str) -> tuple[ibis.Table, int]:
    """Distinct ``(order_id, item)`` lines at ``level`` and the number of lines without an item."""
    if level not in _LEVELS:
        raise ParameterError(f"level must be one of {sorted(_LEVELS)}, got {level!r}")
    t = _order_items_table(order_items)
    column = _LEVELS[level]
    for needed in ("order_id", column):
        if needed not in t.columns:
            raise ContractError("order_items", needed, f"column needed for level={level!r} is missing")
    lines = t.select(order_id=t.order_id.cast("string"), item=t[column].cast("string"))
    missing = engine.execute(lines.aggregate(n=(lines.order_id.isnull() | lines.item.isnull()).sum()))
    n_missing = int(missing["n"].iloc[0] or 0)
    return lines.filter(lines.order_id.notnull() & lines.item.notnull()).distinct(), n_missing


def _min_count(min_support: float, n_baskets: int) -> int:
    """Smallest basket count ``c`` with ``c / n_baskets >= min_support`` (the float test mlxtend applies)."""
    c = max(math.ceil(min_support * n_baskets), 0)
    while c > 0 and (c - 1) / n_baskets >= min_support:
        c -= 1
    while c / n_baskets < min_support:
        c += 1
    return max(c, 1)


def _check_thresholds(min_support, min_confidence, max_len, min_lift):
    if not 0 < min_support <= 1:
        raise ParameterError(f"min_support must be in (0, 1], got {min_support!r}")
    if not 0 <= min_confidence <= 1:
        raise ParameterError(f"min_confidence must be in [0, 1], got {min_confidence!r}")
    if not isinstance(max_len, (int, np.integer)) or max_len < 2:
        raise ParameterError(f"max_len must be an integer >= 2 (a rule needs two items), got {max_len!r}")
    if min_lift is not None and min_lift < 0:
        raise ParameterError(f"min_lift must be >= 0 or None, got {min_lift!r}")


# ---------------------------------------------------------------------------- frequent itemsets
def _item_columns(k: int) -> list[str]:
    return [f"item_{i}" for i in range(1, k + 1)]


def _candidates(frequent_prev: pd.DataFrame, k: int) -> pd.DataFrame:
    """Apriori candidate k-itemsets (k ≥ 3): two frequent (k-1)-itemsets sharing their first k-2
    items, whose every (k-1)-subset is frequent."""
    prev = _item_columns(k - 1)
    left = frequent_prev[prev]
    right = frequent_prev[prev].rename(columns={prev[-1]: "_last"})
    cand = left.merge(right, on=prev[:-1])
    cand = cand[cand[prev[-1]] < cand["_last"]].rename(columns={"_last": f"item_{k}"})
    cols = _item_columns(k)
    known = frequent_prev[prev].assign(_ok=True)
    for drop in range(k - 2):  # the two subsets used to build the candidate are frequent already
        subset = [c for i, c in enumerate(cols) if i != drop]
        cand = cand.merge(known.set_axis(subset + ["_ok"], axis=1), on=subset, how="inner").drop(columns="_ok")
    return cand[cols].reset_index(drop=True)


def _count_level(occurrences: ibis.Table, lines: ibis.Table, candidates: pd.DataFrame | None, k: int,
                 min_count: int) -> tuple[ibis.Table, pd.DataFrame]:
    """Occurrences of candidate k-itemsets (extending each (k-1)-occurrence by a larger item of the
    same basket) and the frequent ones with their basket counts."""
    cols = _item_columns(k)
    extra = lines.view()
    ext = occurrences.join(extra, (occurrences.order_id == extra.order_id) & (extra.item > occurrences[cols[-2]]))
    ext = ext.select(order_id=occurrences.order_id, **{c: occurrences[c] for c in cols[:-1]}, **{cols[-1]: extra.item})
    if candidates is not None:  # pairs need no candidate list: both items are frequent already
        cand = ibis.memtable(candidates)
        ext = ext.semi_join(cand, [ext[c] == cand[c] for c in cols])
    counts = ext.group_by(cols).agg(baskets=ext.order_id.count())
    frequent = engine.execute(counts.filter(counts.baskets >= min_count))
    return ext, frequent


def _frequent_itemsets(lines: ibis.Table, max_len: int, min_count: int) -> dict[int, pd.DataFrame]:
    """Frequent itemsets by size: ``{k: DataFrame(item_1..item_k, baskets)}``."""
    counts = lines.group_by("item").agg(baskets=lines.order_id.count())
    frequent_items = counts.filter(counts.baskets >= min_count)
    levels = {1: engine.execute(frequent_items).rename(columns={"item": "item_1"})}
    if levels[1].empty:
        return levels
    kept = lines.semi_join(frequent_items, lines.item == frequent_items.item)
    occurrences = kept.select(order_id=kept.order_id, item_1=kept.item)
    for k in range(2, max_len + 1):
        candidates = _candidates(levels[k - 1], k) if k > 2 else None
        if candidates is not None and candidates.empty:
            break
        occurrences, levels[k] = _count_level(occurrences, kept, candidates, k, min_count)
        if levels[k].empty:
            break
    return levels


def frequent_itemsets(order_items, level: str = "product", min_support: float = 0.01,
                      max_len: int = 2) -> pd.DataFrame:
    """Itemsets bought together in at least ``min_support`` of baskets.

    Parameters
    ----------
    order_items : Dataset, ibis.Table or pandas.DataFrame
        Order lines (``order_id`` and ``product_id`` or ``category``).
    level : {"product", "category"}
        What an item is.
    min_support : float
        Minimum share of baskets containing the whole itemset.
    max_len : int
        Largest itemset size.

    Returns
    -------
    pandas.DataFrame
        ``itemset`` (sorted tuple), ``size``, ``baskets`` (count), ``support`` (share), with
        ``n_baskets`` and ``lines_without_item`` in ``.attrs``.
    """
    _check_thresholds(min_support, 0.0, max(max_len, 2), None)
    lines, n_missing = _basket_lines(order_items, level)
    n_baskets = int(engine.execute(lines.aggregate(n=lines.order_id.nunique()))["n"].iloc[0])
    out = pd.DataFrame({"itemset": [], "size": [], "baskets": [], "support": []})
    if n_baskets:
        levels = _frequent_itemsets(lines, max_len, _min_count(min_support, n_baskets))
        out = pd.concat([_itemset_frame(df, k, n_baskets) for k, df in levels.items() if not df.empty] or [out],
                        ignore_index=True)
    out.attrs.update(n_baskets=n_baskets, lines_without_item=n_missing)
    return out


def _itemset_frame(df: pd.DataFrame, k: int, n_baskets: int) -> pd.DataFrame:
    items = list(zip(*(df[c] for c in _item_columns(k))))
    return pd.DataFrame({"itemset": items, "size": k, "baskets": df["baskets"].astype("int64"),
                         "support": df["baskets"].to_numpy(dtype="float64") / n_baskets})


# ------------------------------------------------------------------------------------- rules
def _rules_from_levels(levels: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """Every split of every frequent itemset of size ≥ 2 into antecedent → consequent, with counts."""
    count_of = {k: {tuple(r[:-1]): r[-1] for r in df[_item_columns(k) + ["baskets"]].itertuples(index=False)}
                for k, df in levels.items()}
    parts = []
    for k, df in levels.items():
        if k < 2 or df.empty:
            continue
        items = df[_item_columns(k)].to_numpy(dtype=object)
        for r in range(1, k):
            for ante_pos in combinations(range(k), r):
                cons_pos = [i for i in range(k) if i not in ante_pos]
                ante = list(map(tuple, items[:, list(ante_pos)]))
                cons = list(map(tuple, items[:, cons_pos]))
                parts.append(pd.DataFrame({
                    "antecedent": ante, "consequent": cons, "n_ac": df["baskets"].to_numpy(dtype="int64"),
                    "n_a": [count_of[r][a] for a in ante], "n_c": [count_of[k - r][c] for c in cons]}))
    if not parts:
        return pd.DataFrame(columns=["antecedent", "consequent", "n_ac", "n_a", "n_c"])
    return pd.concat(parts, ignore_index=True)


def _rule_metrics(counts: pd.DataFrame, n_baskets: int) -> pd.DataFrame:
    s_a = counts["n_a"].to_numpy(dtype="float64") / n_baskets
    s_c = counts["n_c"].to_numpy(dtype="float64") / n_baskets
    s_ac = counts["n_ac"].to_numpy(dtype="float64") / n_baskets
    confidence = counts["n_ac"].to_numpy(dtype="float64") / counts["n_a"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore"):
        conviction = np.where(confidence < 1.0, (1.0 - s_c) / (1.0 - confidence), np.inf)
    return pd.DataFrame({
        "antecedent": counts["antecedent"], "consequent": counts["consequent"],
        "rule": [" + ".join(a) + " → " + " + ".join(c) for a, c in zip(counts["antecedent"], counts["consequent"])],
        "antecedent_support": s_a, "consequent_support": s_c, "support": s_ac, "confidence": confidence,
        "lift": confidence / s_c, "leverage": s_ac - s_a * s_c, "conviction": conviction,
        "baskets_with_rule": counts["n_ac"].astype("int64"), "n_baskets": n_baskets,
    })


def association_rules(order_items, level: str = "product", min_support: float = 0.01,
                      min_confidence: float = 0.1, max_len: int = 2, min_lift: float | None = None) -> pd.DataFrame:
    """Association rules "customers who buy A also buy C" from order lines.

    Parameters
    ----------
    order_items : Dataset, ibis.Table or pandas.DataFrame
        Order lines with ``order_id`` and ``product_id`` (and ``category`` for ``level="category"``).
    level : {"product", "category"}
        What an item is: a product, or a product category.
    min_support : float
        Minimum share of baskets (orders) that contain all items of the rule (Apriori threshold).
    min_confidence : float
        Minimum confidence ``s(A∪C) / s(A)``.
    max_len : int
        Largest number of items in a rule (antecedent + consequent); 2 gives pairs, 3 allows
        ``A + B → C`` and ``A → B + C``.
    min_lift : float, optional
        Keep only rules with at least this lift (``> 1`` = bought together more than by chance).

    Returns
    -------
    pandas.DataFrame
        One row per rule, sorted by lift then support (descending): ``antecedent``, ``consequent``
        (sorted tuples of item ids), ``rule`` (readable ``"A + B → C"``), ``antecedent_support``,
        ``consequent_support``, ``support``, ``confidence``, ``lift``, ``leverage``, ``conviction``
        (``inf`` when confidence is 1), ``baskets_with_rule`` (count) and ``n_baskets`` (number of
        baskets = orders with at least one item). ``.attrs["lines_without_item"]`` counts order lines
        left out because their item (or order id) is empty.

    Notes
    -----
    The values equal those of ``mlxtend.frequent_patterns.apriori`` followed by
    ``association_rules(metric="confidence")`` on the same baskets.
    """
    _check_thresholds(min_support, min_confidence, max_len, min_lift)
    lines, n_missing = _basket_lines(order_items, level)
    n_baskets = int(engine.execute(lines.aggregate(n=lines.order_id.nunique()))["n"].iloc[0])
    rules = pd.DataFrame({c: pd.Series(dtype="float64") for c in _RULE_COLUMNS})
    if n_baskets:
        levels = _frequent_itemsets(lines, int(max_len), _min_count(min_support, n_baskets))
        rules = _rule_metrics(_rules_from_levels(levels), n_baskets)
        keep = rules["confidence"] >= min_confidence
        if min_lift is not None:
            keep &= rules["lift"] >= min_lift
        rules = rules[keep].sort_values(["lift", "support", "rule"], ascending=[False, False, True],
                                        ignore_index=True)
    rules.attrs.update(n_baskets=n_baskets, lines_without_item=n_missing, level=level)
    return rules


def cross_sell_table(rules: pd.DataFrame, top_products: int = 10, companions: int = 3,
                     by: str = "lift") -> pd.DataFrame:
    """For the most bought items, their best single companion items: a cross-sell shortlist.

    Only one-item → one-item rules are used (a product and one product to recommend with it).

    Parameters
    ----------
    rules : pandas.DataFrame
        Output of :func:`association_rules`.
    top_products : int
        Number of items to keep, the ones with the highest support.
    companions : int
        Companions per item, the best by ``by``.
    by : {"lift", "confidence"}
        How companions are ranked (ties broken by the other metric).

    Returns
    -------
    pandas.DataFrame
        ``product``, ``product_support``, ``rank`` (1 = best companion), ``companion``,
        ``confidence``, ``lift``, ``support``.
    """
    if by not in ("lift", "confidence"):
        raise ParameterError(f"by must be 'lift' or 'confidence', got {by!r}")
    if top_products < 1 or companions < 1:
        raise ParameterError(f"top_products and companions must be >= 1, got {top_products} and {companions}")
    cols = ["product", "product_support", "rank", "companion", "confidence", "lift", "support"]
    if rules.empty:
        return pd.DataFrame(columns=cols)
    pairs = rules[(rules["antecedent"].map(len) == 1) & (rules["consequent"].map(len) == 1)]
    r = pairs.assign(product=pairs["antecedent"].str[0], companion=pairs["consequent"].str[0],
                     product_support=pairs["antecedent_support"])
    top = (r.drop_duplicates("product").sort_values(["product_support", "product"], ascending=[False, True])
           ["product"].head(top_products).tolist())
    other = "confidence" if by == "lift" else "lift"
    best = (r[r["product"].isin(top)]
            .assign(_order=lambda d: d["product"].map({p: i for i, p in enumerate(top)}))
            .sort_values(["_order", by, other, "companion"], ascending=[True, False, False, True]))
    best = best.groupby("product", sort=False).head(companions)
    best = best.assign(rank=best.groupby("product").cumcount() + 1)
    return best[cols].reset_index(drop=True)


def default_level(order_items, requested: str | None = None) -> str:
    """The basket level to use: ``requested`` if given, else ``"product"`` when ``order_items`` has
    ``product_id`` (pairs bought together inside one category only show at product level), else
    ``"category"``.

    Parameters
    ----------
    order_items : Dataset, ibis.Table or pandas.DataFrame
        Order lines.
    requested : {"product", "category", "auto"}, optional
        The level asked for, checked against the columns present; None or ``"auto"`` chooses.
    """
    columns = _order_items_table(order_items).columns
    if requested not in (None, "auto"):
        if requested not in _LEVELS:
            raise ParameterError(f"level must be one of {sorted(_LEVELS)}, got {requested!r}")
        if _LEVELS[requested] not in columns:
            raise ContractError("order_items", _LEVELS[requested], f"column needed for level={requested!r} is missing")
        return requested
    for level in ("product", "category"):
        if _LEVELS[level] in columns:
            return level
    raise ContractError("order_items", "product_id", "neither product_id nor category is present")


def product_categories(order_items) -> pd.Series:
    """Category of each product: the category on most of its order lines (ties: alphabetical).

    Parameters
    ----------
    order_items : Dataset, ibis.Table or pandas.DataFrame
        Order lines with ``product_id`` and ``category``.

    Returns
    -------
    pandas.Series
        Category indexed by product id (as text); empty when there is no ``category`` column.
        Lines without a category are not counted.
    """
    t = _order_items_table(order_items)
    if "category" not in t.columns or "product_id" not in t.columns:
        return pd.Series(dtype=object, name="category")
    lines = t.filter(t.product_id.notnull() & t.category.notnull())
    counts = lines.group_by([lines.product_id.cast("string").name("product_id"),
                             lines.category.cast("string").name("category")]).agg(n=lines.count())
    rank = ibis.row_number().over(group_by=counts.product_id, order_by=[ibis.desc(counts.n), counts.category])
    top = counts.mutate(_r=rank)
    top = engine.execute(top.filter(top._r == 0).select("product_id", "category"))
    return top.set_index("product_id")["category"].sort_index()


def with_categories(table: pd.DataFrame, categories: pd.Series, columns=("product", "companion")) -> pd.DataFrame:
    """A copy of a rules or cross-sell table whose product ids read ``"P0061 (baby)"``.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`association_rules` (its ``rule`` text is rebuilt from ``antecedent`` and
        ``consequent``) or of :func:`cross_sell_table`.
    categories : pandas.Series
        Output of :func:`product_categories`; products not in it are shown without a category.
    columns : sequence of str
        Columns of single product ids to label as well (those present are relabelled).
    """
    name = lambda p: f"{p} ({categories[p]})" if p in categories.index else str(p)
    out = table.copy()
    if {"antecedent", "consequent", "rule"} <= set(out.columns):
        out["rule"] = [" + ".join(map(name, a)) + " → " + " + ".join(map(name, c))
                       for a, c in zip(out["antecedent"], out["consequent"])]
    for col in columns:
        if col in out.columns:
            out[col] = out[col].map(name)
    return out


def basket_overview(order_items, level: str = "product") -> pd.DataFrame:
    """Size of the baskets: how many orders, lines per order, share of single-item orders.

    Parameters
    ----------
    order_items : Dataset, ibis.Table or pandas.DataFrame
        Order lines.
    level : {"product", "category"}
        Count distinct products or distinct categories per basket.

    Returns
    -------
    pandas.DataFrame
        One row: ``baskets``, ``lines`` (order lines read), ``mean_lines_per_basket``,
        ``mean_items_per_basket`` (distinct items), ``single_item_baskets``,
        ``single_item_share``, ``distinct_items``, ``lines_without_item``.
    """
    lines, n_missing = _basket_lines(order_items, level)
    raw = _order_items_table(order_items)
    per_basket = lines.group_by("order_id").agg(items=lines.item.count())
    stats = engine.execute(per_basket.aggregate(
        baskets=per_basket.order_id.count(), item_lines=per_basket["items"].sum(),
        single=(per_basket["items"] == 1).sum()))
    n_lines = int(engine.execute(raw.aggregate(n=raw.count()))["n"].iloc[0])
    n_items = int(engine.execute(lines.aggregate(n=lines.item.nunique()))["n"].iloc[0])
    baskets = int(stats["baskets"].iloc[0] or 0)
    single = int(stats["single"].iloc[0] or 0)
    item_lines = int(stats["item_lines"].iloc[0] or 0)
    return pd.DataFrame([{
        "baskets": baskets, "lines": n_lines,
        "mean_lines_per_basket": (n_lines - n_missing) / baskets if baskets else np.nan,
        "mean_items_per_basket": item_lines / baskets if baskets else np.nan,
        "single_item_baskets": single, "single_item_share": single / baskets if baskets else np.nan,
        "distinct_items": n_items, "lines_without_item": n_missing,
    }])
