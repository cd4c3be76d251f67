"""Associated purchases: rules counted by hand on 10 baskets, and parity with mlxtend on random baskets.

mlxtend (apriori + association_rules) is the peer library the values must equal (to 1e-12).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from userops_lib.metrics.basket import (DEFAULT_MIN_BASKETS, association_rules, basket_overview, cross_sell_table,
                                        default_level, frequent_itemsets, product_categories, product_labels,
                                        rules_sentence, with_categories, with_labels)
from userops_lib.exceptions import ContractError, ParameterError

# 10 baskets (orders). Basket o10 has milk on two lines: it counts once.
_BASKETS = {
    "o1": ["milk", "bread"], "o2": ["milk", "bread", "butter"], "o3": ["bread", "butter"], "o4": ["milk"],
    "o5": ["bread"], "o6": ["milk", "bread", "eggs"], "o7": ["bread", "butter"], "o8": ["milk", "bread", "butter"],
    "o9": ["eggs"], "o10": ["milk", "milk"],
}
_CATEGORY = {"milk": "dairy", "butter": "dairy", "bread": "bakery", "eggs": "fresh"}


def _lines(baskets=_BASKETS):
    rows = [(o, p, _CATEGORY.get(p, "other")) for o, items in baskets.items() for p in items]
    return pd.DataFrame(rows, columns=["order_id", "product_id", "category"])


def _rule(rules, antecedent, consequent):
    hit = rules[(rules.antecedent == tuple(antecedent)) & (rules.consequent == tuple(consequent))]
    assert len(hit) == 1, f"rule {antecedent} -> {consequent} not found once"
    return hit.iloc[0]


def test_pair_rules_counted_by_hand():
    # Hand count over the 10 baskets: milk in o1,o2,o4,o6,o8,o10 -> 6/10; bread in o1,o2,o3,o5,o6,o7,o8
    # -> 7/10; butter in o2,o3,o7,o8 -> 4/10; eggs in o6,o9 -> 2/10.
    # Pairs: milk+bread o1,o2,o6,o8 -> 0.4; bread+butter o2,o3,o7,o8 -> 0.4; milk+butter o2,o8 -> 0.2;
    # milk+eggs and bread+eggs only o6 -> 0.1 (< min_support 0.2, so no rule).
    rules = association_rules(_lines(), min_support=0.2, min_confidence=0.5)
    # Confidence >= 0.5 keeps: butter->bread 4/4, bread->butter 4/7, milk->bread 4/6, bread->milk 4/7,
    # butter->milk 2/4 (milk->butter 2/6 is below 0.5).
    assert len(rules) == 5
    assert set(rules.n_baskets) == {10}
    r = _rule(rules, ["bread"], ["butter"])
    assert r.antecedent_support == pytest.approx(0.7) and r.consequent_support == pytest.approx(0.4)
    assert r.support == pytest.approx(0.4)
    assert r.confidence == pytest.approx(4 / 7)             # 0.4 / 0.7
    assert r.lift == pytest.approx(10 / 7)                  # (4/7) / 0.4
    assert r.leverage == pytest.approx(0.4 - 0.7 * 0.4)     # 0.12
    assert r.conviction == pytest.approx(0.6 / (3 / 7))     # (1 - 0.4) / (1 - 4/7) = 1.4
    r = _rule(rules, ["butter"], ["bread"])
    assert r.confidence == 1.0 and math.isinf(r.conviction)  # every butter basket has bread
    r = _rule(rules, ["milk"], ["bread"])
    assert r.confidence == pytest.approx(2 / 3) and r.lift == pytest.approx((2 / 3) / 0.7)
    assert r.leverage == pytest.approx(-0.02)               # 0.4 - 0.6 * 0.7
    r = _rule(rules, ["butter"], ["milk"])
    assert r.confidence == pytest.approx(0.5) and r.conviction == pytest.approx(0.4 / 0.5)
    assert r.rule == "butter → milk"
    assert rules.iloc[0].lift == rules.lift.max()           # sorted by lift


def test_three_item_rules_counted_by_hand():
    # Triple milk+bread+butter in o2, o8 -> support 0.2. Its rules with confidence >= 0.5:
    # bread+butter->milk 0.2/0.4, bread+milk->butter 0.2/0.4, butter+milk->bread 0.2/0.2,
    # butter->bread+milk 0.2/0.4 (bread->butter+milk 0.2/0.7 and milk->bread+butter 0.2/0.6 fail).
    rules = association_rules(_lines(), min_support=0.2, min_confidence=0.5, max_len=3)
    assert len(rules) == 5 + 4
    r = _rule(rules, ["bread", "milk"], ["butter"])
    assert r.confidence == pytest.approx(0.5) and r.lift == pytest.approx(0.5 / 0.4)
    assert r.rule == "bread + milk → butter"
    r = _rule(rules, ["butter"], ["bread", "milk"])
    assert r.consequent_support == pytest.approx(0.4) and r.lift == pytest.approx(0.5 / 0.4)
    assert math.isinf(_rule(rules, ["butter", "milk"], ["bread"]).conviction)


def test_min_lift_and_frequent_itemsets():
    # Lifts above 1 among the 5 pair rules: bread<->butter 10/7 only (milk-bread 0.95, butter->milk 0.83).
    rules = association_rules(_lines(), min_support=0.2, min_confidence=0.5, min_lift=1.0)
    assert sorted(rules.rule) == ["bread → butter", "butter → bread"]
    sets = frequent_itemsets(_lines(), min_support=0.2, max_len=3)
    # 4 items + 3 pairs (milk+bread, bread+butter, milk+butter) + 1 triple, all hand-counted above
    assert sets["size"].value_counts().to_dict() == {1: 4, 2: 3, 3: 1}
    assert sets.set_index("itemset").loc[[("bread", "butter", "milk")], "baskets"].item() == 2


def test_category_level_and_missing_category_counted():
    # Categories: milk, butter -> dairy; bread -> bakery; eggs -> fresh. Dairy in every basket but
    # o5, o9 -> 8/10; bakery 7/10; dairy+bakery in o1,o2,o3,o6,o7,o8 -> 6/10.
    lines = pd.concat([_lines(), pd.DataFrame({"order_id": ["o5"], "product_id": ["jam"], "category": [None]})])
    rules = association_rules(lines, level="category", min_support=0.3, min_confidence=0.1)
    assert sorted(rules.rule) == ["bakery → dairy", "dairy → bakery"]
    r = _rule(rules, ["bakery"], ["dairy"])
    assert r.confidence == pytest.approx(6 / 7) and r.lift == pytest.approx((6 / 7) / 0.8)
    assert rules.attrs["lines_without_item"] == 1  # the jam line has no category
    with pytest.raises(ContractError, match="category"):
        association_rules(_lines().drop(columns="category"), level="category")


def test_basket_overview_counts():
    # 10 baskets; lines per basket 2,3,2,1,1,3,2,3,1,2 = 20; distinct items 2,3,2,1,1,3,2,3,1,1 = 19
    # (o10's second milk line is a duplicate); single-item baskets o4, o5, o9, o10 -> 4.
    ov = basket_overview(_lines()).iloc[0]
    assert ov.baskets == 10 and ov.lines == 20 and ov.single_item_baskets == 4
    assert ov.mean_lines_per_basket == pytest.approx(2.0)
    assert ov.mean_items_per_basket == pytest.approx(1.9) and ov.single_item_share == pytest.approx(0.4)
    assert ov.distinct_items == 4


def test_cross_sell_table_picks_best_companions():
    rules = association_rules(_lines(), min_support=0.2, min_confidence=0.1)
    table = cross_sell_table(rules, top_products=2, companions=1)
    # the two most bought items: bread (0.7), milk (0.6); bread's best companion by lift is butter
    # (10/7 vs milk 0.95); milk's is bread (0.95) over butter (1/3 / 0.4 = 0.83)
    assert table["product"].tolist() == ["bread", "milk"]
    assert table["companion"].tolist() == ["butter", "bread"]


def test_product_categories_and_labels():
    # jam: 2 lines "sweet", 1 line "spread" -> sweet (most lines); tea: one "drink", one "leaf" ->
    # tie, alphabetical -> drink; a line without a category is not counted (jam's None).
    lines = pd.concat([_lines(), pd.DataFrame({
        "order_id": ["o1", "o2", "o3", "o4", "o5", "o6"], "product_id": ["jam", "jam", "jam", "tea", "tea", "jam"],
        "category": ["sweet", "sweet", "spread", "leaf", "drink", None]})])
    cats = product_categories(lines)
    assert cats.to_dict() == {"bread": "bakery", "butter": "dairy", "eggs": "fresh", "jam": "sweet", "milk": "dairy",
                              "tea": "drink"}
    rules = association_rules(_lines(), min_support=0.3, min_confidence=0.1)
    labelled = with_categories(rules, cats)
    r = labelled[(labelled.antecedent == ("bread",)) & (labelled.consequent == ("butter",))].iloc[0]
    assert r.rule == "bread (bakery) → butter (dairy)"
    assert labelled.lift.tolist() == rules.lift.tolist()  # numbers untouched
    cross = with_categories(cross_sell_table(rules, top_products=1, companions=1), cats.drop("butter"))
    assert cross[["product", "companion"]].values.tolist() == [["bread (bakery)", "butter"]]  # unknown: bare id


def test_default_level_prefers_products():
    assert default_level(_lines()) == "product" and default_level(_lines(), "auto") == "product"
    assert default_level(_lines().drop(columns="product_id")) == "category"
    assert default_level(_lines(), "category") == "category"
    with pytest.raises(ContractError, match="category"):
        default_level(_lines().drop(columns="category"), "category")


def test_parameter_errors():
    with pytest.raises(ParameterError, match="min_support"):
        association_rules(_lines(), min_support=0)
    with pytest.raises(ParameterError, match="max_len"):
        association_rules(_lines(), max_len=1)
    with pytest.raises(ParameterError, match="level"):
        association_rules(_lines(), level="brand")


def test_minimum_count_of_baskets_is_the_default():
    # 10 baskets: no pair is in 10 of them, so the default (10 baskets) leaves no rule, and says so
    assert DEFAULT_MIN_BASKETS == 10
    rules = association_rules(_lines())
    assert rules.empty and rules.attrs["min_count"] == 10 and rules.attrs["threshold"] == "min_baskets"
    # a count of 4 baskets is the share 0.4 of 10 baskets: the same rules and numbers
    by_count = association_rules(_lines(), min_baskets=4, min_confidence=0.0)
    by_share = association_rules(_lines(), min_support=0.4, min_confidence=0.0)
    pd.testing.assert_frame_equal(by_count, by_share)
    assert by_share.attrs["min_count"] == 4 and by_share.attrs["threshold"] == "min_support"
    # supports also as counts: bread -> butter is in 4 baskets; bread in 7, butter in 4 (hand count above)
    r = _rule(by_count, ["bread"], ["butter"])
    assert (r.baskets_with_rule, r.antecedent_baskets, r.consequent_baskets) == (4, 7, 4)
    with pytest.raises(ParameterError, match="not both"):
        association_rules(_lines(), min_support=0.2, min_baskets=2)
    with pytest.raises(ParameterError, match="min_baskets"):
        association_rules(_lines(), min_baskets=0)
    assert frequent_itemsets(_lines(), min_baskets=4)["size"].value_counts().to_dict() == {1: 3, 2: 2}


def test_category_to_product_rules_counted_by_hand():
    # Baskets as categories: bakery in o1,o2,o3,o5,o6,o7,o8 (7); dairy in all but o5, o9 (8); fresh o6, o9 (2).
    # Rules from a category to a product of another category (a product's own category is left out):
    # bakery -> milk 4/7 (lift (4/7)/0.6), bakery -> butter 4/7 (lift (4/7)/0.4), bakery -> eggs 1/7,
    # dairy -> bread 6/8 (lift 0.75/0.7), dairy -> eggs 1/8, fresh -> milk 1/2, fresh -> bread 1/2;
    # fresh -> butter never happens.
    rules = association_rules(_lines(), level="category_product", min_baskets=1, min_confidence=0.0)
    assert sorted(rules.rule) == ["bakery → butter", "bakery → eggs", "bakery → milk", "dairy → bread",
                                  "dairy → eggs", "fresh → bread", "fresh → milk"]
    r = _rule(rules, ["bakery"], ["butter"])
    assert r.confidence == pytest.approx(4 / 7) and r.lift == pytest.approx((4 / 7) / 0.4)
    assert (r.baskets_with_rule, r.antecedent_baskets, r.consequent_baskets) == (4, 7, 4)
    assert _rule(rules, ["dairy"], ["bread"]).lift == pytest.approx(0.75 / 0.7)
    assert rules.rule.iloc[0] == "bakery → butter"  # the highest lift first
    # at least 4 baskets: bakery -> milk (4), bakery -> butter (4), dairy -> bread (6)
    four = association_rules(_lines(), level="category_product", min_baskets=4, min_confidence=0.0)
    assert list(four.rule) == ["bakery → butter", "dairy → bread", "bakery → milk"]
    with pytest.raises(ParameterError, match="max_len=2"):
        association_rules(_lines(), level="category_product", max_len=3)


def test_rules_sentence_states_the_threshold_and_the_strong_rules():
    # min 4 baskets and confidence >= 0.6: butter -> bread (4/4, lift 1/0.7) and milk -> bread (4/6, lift 0.95)
    rules = association_rules(_lines(), min_baskets=4, min_confidence=0.6)
    assert rules_sentence(rules) == (
        "2 product rules hold in at least 4 of the 10 orders with a confidence of at least 60%; 0 of them have a lift "
        "of 2 or more (bought together at least 2 times as often as chance). The strongest is butter → bread: 100.0% "
        "of the 4 orders with the first also hold the second (4 orders), 1.4 times the base rate.")
    shared = association_rules(_lines(), min_support=0.4, min_confidence=0.6)
    assert rules_sentence(shared).startswith("2 product rules hold in at least 4 of the 10 orders (the minimum share "
                                             "asked) with")
    assert rules_sentence(association_rules(_lines())) == (
        "No product pair is bought together in at least 10 of the 10 orders with a confidence of at least 10%, so "
        "there is no rule to act on.")
    # the sentence the 02 report used to print, "6 rules have a lift above 1", is gone: the count always comes
    # with the threshold it passed
    assert "have a lift above 1" not in rules_sentence(rules)


def test_product_labels_use_names_and_categories():
    # names on the lines: milk is "Milk 1 L" on one line and "Milk 1L" on its six others -> the most used,
    # bread "Bread"; butter and eggs have none and keep their ids
    lines = _lines().assign(product_name=lambda d: d.product_id.map({"milk": "Milk 1L", "bread": "Bread"}))
    lines.loc[lines.index[lines.product_id == "milk"][0], "product_name"] = "Milk 1 L"
    labels = product_labels(lines)
    assert labels.to_dict() == {"bread": "Bread · bakery", "butter": "butter · dairy", "eggs": "eggs · fresh",
                                "milk": "Milk 1L · dairy"}
    assert product_labels(lines.drop(columns="category"), with_category=False)["milk"] == "Milk 1L"
    rules = association_rules(lines, min_baskets=4, min_confidence=0.6)
    assert list(with_labels(rules, labels).rule) == ["butter · dairy → Bread · bakery", "Milk 1L · dairy → Bread · bakery"]


# ----------------------------------------------------------------------------- mlxtend parity
def _random_lines(seed, n_orders=120, n_products=12):
    rng = np.random.default_rng(seed)
    popularity = 1 / np.arange(1, n_products + 1)
    popularity /= popularity.sum()
    rows = []
    for o in range(n_orders):
        size = rng.integers(1, 6)  # includes single-item baskets
        items = rng.choice(n_products, size=size, replace=True, p=popularity)  # duplicates on purpose
        rows += [(f"o{o}", f"p{i:02d}") for i in items]
    return pd.DataFrame(rows, columns=["order_id", "product_id"])


def _mlxtend_rules(lines, min_support, min_confidence, max_len):
    from mlxtend.frequent_patterns import apriori
    from mlxtend.frequent_patterns import association_rules as mlx_rules
    from mlxtend.preprocessing import TransactionEncoder

    baskets = lines.groupby("order_id")["product_id"].agg(lambda s: sorted(set(s))).tolist()
    enc = TransactionEncoder()
    onehot = pd.DataFrame(enc.fit(baskets).transform(baskets), columns=enc.columns_)
    itemsets = apriori(onehot, min_support=min_support, use_colnames=True, max_len=max_len)
    return mlx_rules(itemsets, num_itemsets=len(onehot), metric="confidence", min_threshold=min_confidence)


@pytest.mark.parametrize("seed,min_support,min_confidence,max_len", [
    (1, 0.05, 0.1, 2), (2, 0.02, 0.0, 2), (3, 0.1, 0.3, 2), (4, 0.03, 0.2, 3), (5, 0.05, 0.0, 3),
])
def test_same_rules_and_values_as_mlxtend(seed, min_support, min_confidence, max_len):
    lines = _random_lines(seed)
    ours = association_rules(lines, min_support=min_support, min_confidence=min_confidence, max_len=max_len)
    theirs = _mlxtend_rules(lines, min_support, min_confidence, max_len)
    assert len(theirs) >= 6  # the case must exercise something
    ours_key = ours.assign(key=[(frozenset(a), frozenset(c)) for a, c in zip(ours.antecedent, ours.consequent)])
    theirs_key = theirs.add_prefix("mlx_").assign(key=list(zip(theirs.antecedents, theirs.consequents)))
    assert set(ours_key.key) == set(theirs_key.key)
    merged = ours_key.merge(theirs_key, on="key")
    for ours_col, their_col in [("antecedent_support", "antecedent support"),
                                ("consequent_support", "consequent support"), ("support", "support"),
                                ("confidence", "confidence"), ("lift", "lift"), ("leverage", "leverage"),
                                ("conviction", "conviction")]:
        a, b = merged[ours_col].to_numpy(), merged["mlx_" + their_col].to_numpy()
        assert np.array_equal(np.isinf(a), np.isinf(b)), ours_col
        finite = ~np.isinf(a)
        np.testing.assert_allclose(a[finite], b[finite], rtol=0, atol=1e-12, err_msg=ours_col)


def test_demo_shop_baskets_match_the_order_lines(demo_data):
    # cross-check with pandas on the demo lines: number of orders with lines, and the support of the
    # most frequent pair counted from distinct (order, product) lines
    lines = demo_data.table("order_items").to_pandas()[["order_id", "product_id"]].drop_duplicates()
    rules = association_rules(demo_data, min_support=0.002, min_confidence=0.0)
    assert set(rules.n_baskets) == {lines.order_id.nunique()}
    top = rules.sort_values("support", ascending=False).iloc[0]
    a, c = top.antecedent[0], top.consequent[0]
    both = lines[lines.product_id.isin([a, c])].groupby("order_id").product_id.nunique().eq(2).sum()
    assert top.baskets_with_rule == both
