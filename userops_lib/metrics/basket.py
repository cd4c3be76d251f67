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

Thresholds: by default an itemset must be in at least :data:`DEFAULT_MIN_BASKETS` baskets (a count of
orders), not a share of them. A fixed share misjudges shops of different sizes: 1 % of 20,000 orders is
200, which most product pairs of a long catalogue never reach, so real affinities disappear, while on
a shop with 500 orders it is 5, close to chance. A count says "seen often enough to trust", whatever
the shop's size; pass ``min_support`` (a share) to use the mlxtend convention instead.

Levels: ``product`` (product → product), ``category`` (category → category) and
``category_product`` (a category → a product of another category: "buyers in baby also buy coffee
beans"). A product's own category is left out of its rules at that level, since every basket with
the product holds its category by construction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from typing import ClassVar

import ibis
import numpy as np
import pandas as pd

from ..data import engine, inputs
from ..exceptions import ContractError, ParameterError
from ..results import Facts, attach, facts

__all__ = ["AssociationRulesFacts", "DEFAULT_MIN_BASKETS", "LEVELS", "association_rules", "cross_sell_table", "basket_overview",
           "frequent_itemsets", "product_categories", "product_labels", "with_categories", "with_labels",
           "default_level", "rules_sentence"]

#: Default threshold of the rules: an itemset must be in at least this many baskets (orders).
DEFAULT_MIN_BASKETS = 10
_LEVELS = {"product": "product_id", "category": "category"}
#: Basket levels: what an item is, and for ``category_product`` what each side of a rule is.
LEVELS = ("product", "category", "category_product")
# category_product items are tokens "1|<category>" and "2|<product>": categories sort first, so in
# every mixed pair item_1 is the category and item_2 the product.
_CATEGORY_TOKEN, _PRODUCT_TOKEN = "1|", "2|"
_RULE_COLUMNS = ["antecedent", "consequent", "rule", "antecedent_support", "consequent_support", "support",
                 "confidence", "lift", "leverage", "conviction", "baskets_with_rule", "antecedent_baskets",
                 "consequent_baskets", "n_baskets"]


# ------------------------------------------------------------------------------------ inputs
def _order_items_table(order_items) -> ibis.Table:
    """The order-lines table of a Dataset, an ibis table or a pandas DataFrame."""
    return inputs.table_of(order_items, "order_items", needed_for="Associated purchases")


def _basket_lines(order_items, level: str) -> tuple[ibis.Table, int]:
    """Distinct ``(order_id, item)`` lines at ``level`` and the number of lines without an item."""
    if level not in LEVELS:
        raise ParameterError(f"level must be one of {list(LEVELS)}, got {level!r}")
    t = _order_items_table(order_items)
    if level == "category_product":
        return _mixed_lines(t)
    column = _LEVELS[level]
    for needed in ("order_id", column):
        if needed not in t.columns:
            raise ContractError("order_items", needed, f"column needed for level={level!r} is missing")
    lines = t.select(order_id=t.order_id.cast("string"), item=t[column].cast("string"))
    missing = engine.execute(lines.aggregate(n=(lines.order_id.isnull() | lines.item.isnull()).sum()))
    n_missing = int(missing["n"].iloc[0] or 0)
    return lines.filter(lines.order_id.notnull() & lines.item.notnull()).distinct(), n_missing


def _mixed_lines(t: ibis.Table) -> tuple[ibis.Table, int]:
    """Category and product tokens of every line (category → product rules) and lines without either."""
    for needed in ("order_id", "product_id", "category"):
        if needed not in t.columns:
            raise ContractError("order_items", needed, "column needed for level='category_product' is missing")
    base = t.select(order_id=t.order_id.cast("string"), category=t.category.cast("string"),
                    product=t.product_id.cast("string"))
    missing = engine.execute(base.aggregate(
        n=(base.order_id.isnull() | base.category.isnull() | base.product.isnull()).sum()))
    base = base.filter(base.order_id.notnull() & base.category.notnull() & base.product.notnull())
    tokens = base.select("order_id", item=ibis.literal(_CATEGORY_TOKEN) + base.category).union(
        base.select("order_id", item=ibis.literal(_PRODUCT_TOKEN) + base.product))
    return tokens.distinct(), int(missing["n"].iloc[0] or 0)


def _min_count(min_support: float, n_baskets: int) -> int:
    """Smallest basket count ``c`` with ``c / n_baskets >= min_support`` (the float test mlxtend applies)."""
    c = max(math.ceil(min_support * n_baskets), 0)
    while c > 0 and (c - 1) / n_baskets >= min_support:
        c -= 1
    while c / n_baskets < min_support:
        c += 1
    return max(c, 1)


def _threshold(min_support, min_baskets, n_baskets: int) -> int:
    """The basket count an itemset needs: from ``min_support`` (a share) or ``min_baskets`` (a count)."""
    if min_support is not None:
        return _min_count(min_support, n_baskets)
    return int(DEFAULT_MIN_BASKETS if min_baskets is None else min_baskets)


def _check_thresholds(min_support, min_confidence, max_len, min_lift, min_baskets=None):
    if min_support is not None and min_baskets is not None:
        raise ParameterError("give min_support (a share of baskets) or min_baskets (a count of baskets), not both")
    if min_support is not None and not 0 < min_support <= 1:
        raise ParameterError(f"min_support must be in (0, 1], got {min_support!r}")
    if min_baskets is not None and (isinstance(min_baskets, bool) or not isinstance(min_baskets, (int, np.integer))
                                    or min_baskets < 1):
        raise ParameterError(f"min_baskets must be a whole number of baskets, at least 1, got {min_baskets!r}")
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


def frequent_itemsets(order_items, level: str = "product", min_support: float | None = None,
                      max_len: int = 2, *, min_baskets: int | None = None) -> pd.DataFrame:
    """Itemsets bought together in at least ``min_baskets`` baskets (or ``min_support`` of them).

    Parameters
    ----------
    order_items : Dataset, ibis.Table or pandas.DataFrame
        Order lines (``order_id`` and ``product_id`` or ``category``).
    level : {"product", "category"}
        What an item is.
    min_support : float, optional
        Minimum share of baskets containing the whole itemset (instead of ``min_baskets``).
    max_len : int
        Largest itemset size.
    min_baskets : int, optional
        Minimum number of baskets containing the whole itemset; default
        :data:`DEFAULT_MIN_BASKETS` when ``min_support`` is not given.

    Returns
    -------
    pandas.DataFrame
        ``itemset`` (sorted tuple), ``size``, ``baskets`` (count), ``support`` (share), with
        ``n_baskets`` and ``lines_without_item`` in ``.attrs``.
    """
    _check_thresholds(min_support, 0.0, max(max_len, 2), None, min_baskets)
    if level == "category_product":
        raise ParameterError("frequent_itemsets: level must be 'product' or 'category'")
    lines, n_missing = _basket_lines(order_items, level)
    n_baskets = int(engine.execute(lines.aggregate(n=lines.order_id.nunique()))["n"].iloc[0])
    out = pd.DataFrame({"itemset": [], "size": [], "baskets": [], "support": []})
    if n_baskets:
        levels = _frequent_itemsets(lines, max_len, _threshold(min_support, min_baskets, n_baskets))
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
        "baskets_with_rule": counts["n_ac"].astype("int64"), "antecedent_baskets": counts["n_a"].astype("int64"),
        "consequent_baskets": counts["n_c"].astype("int64"), "n_baskets": n_baskets,
    })


@dataclass(frozen=True)
class AssociationRulesFacts(Facts):
    """What :func:`association_rules` states besides its table."""

    producer: ClassVar[str] = "association_rules"
    n_baskets: int  #: baskets read (orders with at least one item)
    lines_without_item: int  #: order lines left out because their item or order id is empty
    level: str  #: what an item is: "product", "category" or "category_product"
    min_count: int | None  #: the basket count an itemset needed (None without baskets)
    threshold: str  #: "min_baskets" or "min_support": which threshold was asked
    min_confidence: float  #: the confidence a rule needed


def association_rules(order_items, level: str = "product", min_support: float | None = None,
                      min_confidence: float = 0.1, max_len: int = 2, min_lift: float | None = None, *,
                      min_baskets: int | None = None) -> pd.DataFrame:
    """Association rules "customers who buy A also buy C" from order lines.

    Parameters
    ----------
    order_items : Dataset, ibis.Table or pandas.DataFrame
        Order lines with ``order_id`` and ``product_id`` (and ``category`` for the category levels).
    level : {"product", "category", "category_product"}
        What an item is: a product, a product category, or (``category_product``) a category on
        the left of a rule and a product of another category on the right (pairs only).
    min_support : float, optional
        Minimum share of baskets (orders) that contain all items of the rule (Apriori threshold),
        instead of ``min_baskets``.
    min_confidence : float
        Minimum confidence ``s(A∪C) / s(A)``.
    max_len : int
        Largest number of items in a rule (antecedent + consequent); 2 gives pairs, 3 allows
        ``A + B → C`` and ``A → B + C``.
    min_lift : float, optional
        Keep only rules with at least this lift (``> 1`` = bought together more than by chance).
    min_baskets : int, optional
        Minimum number of baskets that contain all items of the rule; the default threshold
        (:data:`DEFAULT_MIN_BASKETS`) when ``min_support`` is not given.

    Returns
    -------
    pandas.DataFrame
        One row per rule, sorted by lift then support (descending): ``antecedent``, ``consequent``
        (sorted tuples of item ids), ``rule`` (readable ``"A + B → C"``), ``antecedent_support``,
        ``consequent_support``, ``support``, ``confidence``, ``lift``, ``leverage``, ``conviction``
        (``inf`` when confidence is 1), the same supports as counts ``baskets_with_rule``,
        ``antecedent_baskets``, ``consequent_baskets``, and ``n_baskets`` (number of baskets =
        orders with at least one item). Facts: :class:`AssociationRulesFacts` (the thresholds the
        rules passed, the baskets read and the order lines left out).

    Notes
    -----
    The values equal those of ``mlxtend.frequent_patterns.apriori`` followed by
    ``association_rules(metric="confidence")`` on the same baskets.
    """
    _check_thresholds(min_support, min_confidence, max_len, min_lift, min_baskets)
    if level == "category_product" and max_len != 2:
        raise ParameterError(f"level='category_product' makes pair rules only (max_len=2), got max_len={max_len}")
    lines, n_missing = _basket_lines(order_items, level)
    n_baskets = int(engine.execute(lines.aggregate(n=lines.order_id.nunique()))["n"].iloc[0])
    rules = pd.DataFrame({c: pd.Series(dtype="float64") for c in _RULE_COLUMNS})
    min_count = _threshold(min_support, min_baskets, n_baskets) if n_baskets else None
    if n_baskets:
        levels = _frequent_itemsets(lines, int(max_len), min_count)
        counts = _rules_from_levels(levels)
        if level == "category_product":
            counts = _category_to_product(counts, order_items)
        rules = _rule_metrics(counts, n_baskets)
        keep = rules["confidence"] >= min_confidence
        if min_lift is not None:
            keep &= rules["lift"] >= min_lift
        rules = rules[keep].sort_values(["lift", "support", "rule"], ascending=[False, False, True],
                                        ignore_index=True)
    return attach(rules, AssociationRulesFacts(
        n_baskets=n_baskets, lines_without_item=n_missing, level=level, min_count=min_count,
        threshold="min_support" if min_support is not None else "min_baskets", min_confidence=min_confidence))


def _category_to_product(counts: pd.DataFrame, order_items) -> pd.DataFrame:
    """The category → product rules of mixed token pairs, tokens stripped, a product's own category left out."""
    ante, cons = counts["antecedent"].str[0], counts["consequent"].str[0]
    mixed = counts[ante.str.startswith(_CATEGORY_TOKEN) & cons.str.startswith(_PRODUCT_TOKEN)]
    strip = lambda items: tuple(i[len(_CATEGORY_TOKEN):] for i in items)  # noqa: E731 (both tokens are 2 long)
    out = mixed.assign(antecedent=mixed["antecedent"].map(strip), consequent=mixed["consequent"].map(strip))
    own = product_categories(order_items)
    same = out["consequent"].str[0].map(own) == out["antecedent"].str[0]
    return out[~same].reset_index(drop=True)


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


def product_labels(order_items, with_category: bool = True) -> pd.Series:
    """How a product reads in a report: its name when ``order_items`` has ``product_name``, else its id,
    with its category: ``"cat food (brand A) · pets"``, ``"P0061 · baby"``.

    Parameters
    ----------
    order_items : Dataset, ibis.Table or pandas.DataFrame
        Order lines with ``product_id`` (and optionally ``product_name``, ``category``).
    with_category : bool
        Add the product's category (:func:`product_categories`) after a middle dot.

    Returns
    -------
    pandas.Series
        Label indexed by product id (as text). A product with several names on its lines takes
        the name on most lines (ties: alphabetical); one without a name keeps its id.
    """
    t = _order_items_table(order_items)
    if "product_id" not in t.columns:
        raise ContractError("order_items", "product_id", "column needed for product labels is missing")
    ids = t.select(product_id=t.product_id.cast("string")).filter(ibis._.product_id.notnull()).distinct()
    labels = engine.execute(ids)["product_id"]
    labels = pd.Series(labels.to_numpy(), index=labels.to_numpy(), dtype=object).sort_index()
    if "product_name" in t.columns:
        lines = t.filter(t.product_id.notnull() & t.product_name.notnull())
        counts = lines.group_by([lines.product_id.cast("string").name("product_id"),
                                 lines.product_name.cast("string").name("name")]).agg(n=lines.count())
        rank = ibis.row_number().over(group_by=counts.product_id, order_by=[ibis.desc(counts.n), counts["name"]])
        top = counts.mutate(_r=rank)
        names = engine.execute(top.filter(top._r == 0).select("product_id", "name")).set_index("product_id")["name"]
        labels = names.reindex(labels.index).fillna(labels)
    if with_category:
        cats = product_categories(t)
        labels = labels.where(~labels.index.isin(cats.index),
                              labels + " · " + cats.reindex(labels.index).fillna("").astype(str))
    labels.index.name = "product_id"
    return labels.rename("label")


def with_labels(table: pd.DataFrame, labels: pd.Series, columns=("product", "companion")) -> pd.DataFrame:
    """A copy of a rules or cross-sell table whose items read as ``labels`` (e.g. :func:`product_labels`).

    The ``rule`` text of an :func:`association_rules` table is rebuilt from ``antecedent`` and
    ``consequent``; the single-item ``columns`` present are relabelled; an item without a label
    keeps its id; the numbers are untouched.
    """
    name = lambda p: str(labels[p]) if p in labels.index else str(p)  # noqa: E731
    out = table.copy()
    if {"antecedent", "consequent", "rule"} <= set(out.columns):
        out["rule"] = [" + ".join(map(name, a)) + " → " + " + ".join(map(name, c))
                       for a, c in zip(out["antecedent"], out["consequent"])]
    for col in columns:
        if col in out.columns:
            out[col] = out[col].map(name)
    return out


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
    return with_labels(table, categories.index.to_series().astype(str) + " (" + categories.astype(str) + ")", columns)


def rules_sentence(rules: pd.DataFrame, strong_lift: float = 2.0) -> str:
    """What a table of :func:`association_rules` says, with its thresholds: how many rules, how many
    strong, and the strongest.

    A count of rules "with a lift above 1" alone reads as "hardly any affinity" when the threshold
    cut most pairs away; the sentence states the threshold the rules passed (a count of orders, or
    a share) and counts the rules at least ``strong_lift`` times as frequent as chance.
    """
    a = facts(rules, AssociationRulesFacts)
    level = {"product": "product", "category": "category", "category_product": "category → product"}[a.level]
    if a.threshold == "min_support":
        bar = f"in at least {a.min_count:,} of the {a.n_baskets:,} orders (the minimum share asked)"
    else:
        bar = f"in at least {a.min_count:,} of the {a.n_baskets:,} orders"
    if rules.empty:
        return (f"No {level} pair is bought together {bar} with a confidence of at least "
                f"{a.min_confidence:.0%}, so there is no rule to act on.")
    strong = rules[rules["lift"] >= strong_lift]
    text = (f"{len(rules):,} {level} rules hold {bar} with a confidence of at least {a.min_confidence:.0%}; "
            f"{len(strong):,} of them have a lift of {strong_lift:g} or more (bought together at least "
            f"{strong_lift:g} times as often as chance)")
    best = rules.iloc[0]  # sorted by lift
    if best["lift"] <= 1:
        return text + ". None is bought together more often than chance."
    return (text + f". The strongest is {best['rule']}: {best['confidence']:.1%} of the "
            f"{int(best['antecedent_baskets']):,} orders with the first also hold the second "
            f"({int(best['baskets_with_rule']):,} orders), {best['lift']:.1f} times the base rate.")


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
