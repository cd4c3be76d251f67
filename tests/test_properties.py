"""Invariants every report relies on, checked on inputs hypothesis draws (property-based tests).

* rows read = rows kept + rows excluded, summed over the reasons of the data-quality table;
* a shuffled or re-partitioned input gives identical KPIs;
* a mask is stable under one key and differs across keys;
* retention, repurchase, return and churn rates stay in [0, 1] and cohorts add up to the buyers;
* basket rules equal mlxtend's (apriori + association_rules, the peer library) on random baskets.

``max_examples`` is kept small (each example loads a dataset in DuckDB) so the file runs in well
under 30 s; hypothesis shrinks any failure to a minimal table.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from userops_lib.data import ids
from userops_lib.data.load import load_dataset
from userops_lib.metrics.basket import association_rules
from userops_lib.metrics.kpis import period_kpis
from userops_lib.metrics.retention import AVERAGE_LABEL, cohort_retention, n_day_retention

FEW = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_KEY_TEXT = st.text(st.characters(min_codepoint=1, blacklist_categories=("Cs",)), min_size=1, max_size=16)  # env-safe

# ------------------------------------------------------------------------------------ strategies
# Text cells as a messy export has them: valid values, missing-id texts, offsets, garbage, future rows.
_IDS = st.sampled_from(["c1", "c2", "c3", "0004", "4", "NULL", "n/a", "-", "", None])
_TIMES = st.sampled_from(["2024-01-03 10:00:00", "2024-02-29T23:30:00Z", "2024-03-01T01:00:00+08:00",
                          "2024-03-15", "2024-04-02 08:00:00-05:00", "not a date", "2099-01-01", None])
_AMOUNTS = st.sampled_from(["10", "0", "-5", "99999", "12.5", "abc", None])
_STATUS = st.sampled_from(["paid", "paid", "refunded", "取消", None])
_VALID = {"order_id": "valid", "customer_id": "c1", "order_ts": "2024-01-02 09:00:00", "amount": "1", "status": "paid"}


@st.composite
def messy_orders(draw):
    """Text orders with every kind of bad row (and always one valid row, so the load succeeds)."""
    n = draw(st.integers(0, 25))
    rows = [{"order_id": draw(st.sampled_from(["o1", "o2", "o3", "o4", "o5", "o6", "NULL", None])),
             "customer_id": draw(_IDS), "order_ts": draw(_TIMES), "amount": draw(_AMOUNTS), "status": draw(_STATUS)}
            for _ in range(n)]
    rows.insert(draw(st.integers(0, n)), dict(_VALID))
    return pd.DataFrame(rows, columns=list(_VALID)).astype(object)


@st.composite
def clean_orders(draw, min_rows=1, max_rows=30):
    """Valid orders (unique ids, plus some identical copies) between 2024-01-01 and 2024-06-30."""
    n = draw(st.integers(min_rows, max_rows))
    customers = draw(st.lists(st.sampled_from([f"c{i}" for i in range(8)]), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 181), min_size=n, max_size=n))
    amounts = draw(st.lists(st.integers(1, 500), min_size=n, max_size=n))
    orders = pd.DataFrame({"order_id": [f"o{i}" for i in range(n)], "customer_id": customers,
                           "order_ts": pd.Timestamp("2024-01-01 12:00") + pd.to_timedelta(days, unit="D"),
                           "amount": np.asarray(amounts, dtype="float64")})
    copies = draw(st.lists(st.integers(0, n - 1), max_size=3))  # identical duplicates: any copy is the same
    return pd.concat([orders, orders.iloc[copies]], ignore_index=True)


# ---------------------------------------------------------------------------- 1. nothing is lost
@settings(FEW, max_examples=12)
@given(orders=messy_orders(), time_zone=st.sampled_from(["UTC", "Asia/Shanghai", "America/New_York"]))
def test_rows_read_equal_rows_kept_plus_rows_excluded_by_reason(orders, time_zone):
    data = load_dataset({"orders": orders}, time_zone=time_zone)
    q = data.quality[data.quality.table == "orders"]
    excluded = int(q.loc[q.action == "excluded", "rows"].sum())
    assert data.info["rows_read"]["orders"] == len(orders)
    assert data.info["rows_kept"]["orders"] + excluded == len(orders)
    assert (q.rows > 0).all() and q.share.between(0, 1).all()


# ------------------------------------------------------------------- 2. order of rows does not matter
def _kpis(data):
    return period_kpis(data, "month").reset_index(drop=True)


@FEW
@given(orders=clean_orders(), seed=st.integers(0, 2**32 - 1))
def test_a_shuffled_input_gives_identical_kpis(orders, seed):
    shuffled = orders.sample(frac=1, random_state=seed).reset_index(drop=True)
    pd.testing.assert_frame_equal(_kpis(load_dataset({"orders": shuffled})), _kpis(load_dataset({"orders": orders})))


@FEW
@given(orders=clean_orders(min_rows=2), group_rows=st.integers(1, 7))
def test_a_repartitioned_parquet_file_gives_identical_kpis(tmp_path_factory, orders, group_rows):
    one, many = tmp_path_factory.mktemp("one"), tmp_path_factory.mktemp("many")
    orders.to_parquet(one / "orders.parquet", index=False)
    orders.to_parquet(many / "orders.parquet", index=False, row_group_size=group_rows)  # several row groups
    pd.testing.assert_frame_equal(_kpis(load_dataset(many)), _kpis(load_dataset(one)))


# --------------------------------------------------------------------------------------- 3. masks
def _masks(key: str, values) -> list[str]:
    before = os.environ.get(ids.MASK_KEY_ENV)
    os.environ[ids.MASK_KEY_ENV] = key
    try:
        return [ids.mask_id(v) for v in values]
    finally:
        if before is None:
            del os.environ[ids.MASK_KEY_ENV]
        else:
            os.environ[ids.MASK_KEY_ENV] = before


@settings(max_examples=50, deadline=None)
@given(values=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=20, unique=True),
       key_a=_KEY_TEXT, key_b=_KEY_TEXT)
def test_masks_are_stable_under_a_key_and_differ_across_keys(values, key_a, key_b):
    first = _masks(key_a, values)
    assert first == _masks(key_a, values)  # the same id, the same mask in every report of one run
    assert len(set(first)) == len(values)  # distinct ids stay distinct (32-bit masks: a clash is ~1e-8 here)
    assert all(m.startswith("ID-") and len(m) == 11 for m in first)
    if key_a != key_b:
        other = _masks(key_b, values)
        assert sum(a != b for a, b in zip(first, other)) >= len(values) - 1  # another run, other masks


# ------------------------------------------------------------------------------ 4. rates are shares
@FEW
@given(orders=clean_orders(), period=st.sampled_from(["week", "month", "quarter"]))
def test_rates_stay_in_0_1_and_cohorts_add_up_to_the_buyers(orders, period):
    data = load_dataset({"orders": orders})
    k = period_kpis(data, period)
    for col in ("repurchase_rate", "return_purchase_rate", "churn_rate"):
        assert k[col].dropna().between(0, 1).all(), col
    assert (k.returning_buyers >= 0).all() and k.new_buyers.sum() == orders.customer_id.nunique()
    ret = cohort_retention(data, period)
    cohorts = ret.drop(index=AVERAGE_LABEL)
    assert cohorts.cohort_size.sum() == orders.customer_id.nunique() == ret.loc[AVERAGE_LABEL, "cohort_size"]
    cells = ret.drop(columns="cohort_size").to_numpy(dtype=float)
    assert np.all((cells[~np.isnan(cells)] >= 0) & (cells[~np.isnan(cells)] <= 1))
    assert (cohorts.iloc[:, 1].dropna() == 1.0).all()  # everyone is active in their first period (once it ended)
    nday = n_day_retention(data, days=(1, 7, 30))
    assert nday.retention_on_day.dropna().between(0, 1).all() and nday.retention_within.dropna().between(0, 1).all()
    assert (nday.retained_on_day <= nday.retained_within).all() and (nday.retained_within <= nday.eligible_users).all()


# ---------------------------------------------------------------------------- 5. rules = mlxtend
@st.composite
def baskets(draw):
    """20-60 orders of 1-4 lines over 6 products (repeated lines on purpose)."""
    n = draw(st.integers(20, 60))
    rows = [(f"o{o}", f"p{draw(st.integers(0, 5))}") for o in range(n) for _ in range(draw(st.integers(1, 4)))]
    return pd.DataFrame(rows, columns=["order_id", "product_id"])


def _mlxtend(lines, min_support, min_confidence, max_len):
    from mlxtend.frequent_patterns import apriori
    from mlxtend.frequent_patterns import association_rules as mlx_rules
    from mlxtend.preprocessing import TransactionEncoder

    sets = lines.groupby("order_id")["product_id"].agg(lambda s: sorted(set(s))).tolist()
    enc = TransactionEncoder()
    onehot = pd.DataFrame(enc.fit(sets).transform(sets), columns=enc.columns_)
    itemsets = apriori(onehot, min_support=min_support, use_colnames=True, max_len=max_len)
    if itemsets.empty:
        return pd.DataFrame(columns=["antecedents", "consequents", "support", "confidence", "lift"])
    return mlx_rules(itemsets, num_itemsets=len(onehot), metric="confidence", min_threshold=min_confidence)


@settings(max_examples=20, deadline=None)
@given(lines=baskets(), min_support=st.sampled_from([0.05, 0.1, 0.2]),
       min_confidence=st.sampled_from([0.0, 0.3, 0.6]), max_len=st.sampled_from([2, 3]))
def test_basket_rules_equal_mlxtend_on_random_baskets(lines, min_support, min_confidence, max_len):
    ours = association_rules(lines, min_support=min_support, min_confidence=min_confidence, max_len=max_len)
    theirs = _mlxtend(lines, min_support, min_confidence, max_len)
    mine = {(frozenset(a), frozenset(c)): r for a, c, r in
            zip(ours.antecedent, ours.consequent, ours[["support", "confidence", "lift"]].to_numpy())}
    peer = {(a, c): r for a, c, r in
            zip(theirs.antecedents, theirs.consequents, theirs[["support", "confidence", "lift"]].to_numpy())}
    # A rule exactly at a threshold (confidence 3/5 against 0.6) is kept by our exact count ratio;
    # mlxtend divides two supports it computed in floating point (5/47 and 3/47 of 47 baskets), lands a
    # hair below 0.6 and drops it (measured on hypothesis's failing example). Such
    # ties are the only allowed difference: each must sit on a threshold (found by hypothesis).
    for key in set(mine) ^ set(peer):
        support, confidence, _ = mine.get(key, peer.get(key))
        assert min(abs(confidence - min_confidence), abs(support - min_support)) < 1e-9, key
    for key in set(mine) & set(peer):
        values = peer[key]
        np.testing.assert_allclose(mine[key], values, rtol=0, atol=1e-12, err_msg=str(key))
