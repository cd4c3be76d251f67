"""Association rules: userops (sparse co-occurrence counts in DuckDB) against mlxtend's apriori +
association_rules on the one-hot basket matrix built with mlxtend's own ``TransactionEncoder``.

Run ``python -m bench basket`` (1M order lines, ≈300k orders, 20k products) or
``python -m bench basket --lines 100000``. Each contender runs in a fresh process (bench.common):
time and peak memory include reading the Parquet file and building the baskets.

mlxtend is run as its users run it: ``TransactionEncoder`` → a sparse one-hot DataFrame
(``sparse=True``; 300k × 20k bools would need 6 GB dense) → ``apriori`` → ``association_rules``.
The dense variant is measured only where its one-hot matrix fits a budget (``--dense-limit-gb``);
above it the benchmark prints the size it would need instead of running it.

Exit status 1 when the rule sets or their values disagree (to 1e-12), or userops is slower.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import fmt_bytes, measure_all, print_table, scratch_dir

KEY = ["antecedent", "consequent"]
VALUES = ["antecedent_support", "consequent_support", "support", "confidence", "lift", "leverage"]
#: Planted co-purchases: (product rank, companion rank, probability the companion joins the order).
PLANTED = [(3, 40, 0.5), (7, 25, 0.6), (12, 90, 0.5), (20, 21, 0.7), (33, 150, 0.6), (50, 51, 0.8)]


# ------------------------------------------------------------------------------------ input data
def generate(path: Path, lines: int, products: int = 20_000, lines_per_order: float = 3.33, seed: int = 0) -> dict:
    """Write ``lines`` random order lines (``order_id``, ``product_id``) to Parquet.

    Orders have 1 + Poisson(lines_per_order - 1) lines; products are drawn with Zipf popularity
    (exponent 1.1, so most products are rare) and may repeat within an order; the pairs in
    :data:`PLANTED` are added on top (the companion joins an order holding the first product).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    n_orders = int(lines / lines_per_order)
    sizes = 1 + rng.poisson(lines_per_order - 1, n_orders)
    order = np.repeat(np.arange(n_orders), sizes)[:lines]
    weight = 1.0 / np.arange(1, products + 1) ** 1.1
    product = rng.choice(products, size=len(order), p=weight / weight.sum())
    extra_order, extra_product = [], []
    for first, companion, prob in PLANTED:
        holders = np.unique(order[product == first])
        joined = holders[rng.random(len(holders)) < prob]
        extra_order.append(joined)
        extra_product.append(np.full(len(joined), companion))
    order = np.concatenate([order, *extra_order])
    product = np.concatenate([product, *extra_product])
    table = pa.table({"order_id": pa.array(np.char.add("O", order.astype(str))),
                      "product_id": pa.array(np.char.add("P", np.char.zfill(product.astype(str), 5)))})
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return {"lines": len(order), "orders": len(np.unique(order)), "products": len(np.unique(product))}


def _normalise(rules: pd.DataFrame, antecedents, consequents) -> pd.DataFrame:
    out = rules[VALUES].copy()
    out.insert(0, "antecedent", ["|".join(sorted(a)) for a in antecedents])
    out.insert(1, "consequent", ["|".join(sorted(c)) for c in consequents])
    return out.sort_values(KEY, ignore_index=True)


# ------------------------------------------------------------------------------------ contenders
def run_userops(path: str, min_support: float, min_confidence: float, max_len: int) -> pd.DataFrame:
    """userops on DuckDB, reading the Parquet file in the engine."""
    from userops_lib.metrics.basket import association_rules
    from userops_lib.data.engine import duckdb_backend

    items = duckdb_backend().read_parquet(path)
    rules = association_rules(items, min_support=min_support, min_confidence=min_confidence, max_len=max_len)
    return _normalise(rules.rename(columns=str), rules["antecedent"], rules["consequent"])


def run_mlxtend(path: str, min_support: float, min_confidence: float, max_len: int, sparse: bool) -> pd.DataFrame:
    """mlxtend as documented: TransactionEncoder → one-hot DataFrame → apriori → association_rules."""
    from mlxtend.frequent_patterns import apriori, association_rules
    from mlxtend.preprocessing import TransactionEncoder

    lines = pd.read_parquet(path).drop_duplicates()
    baskets = lines.groupby("order_id")["product_id"].agg(list).tolist()
    enc = TransactionEncoder().fit(baskets)
    onehot = enc.transform(baskets, sparse=sparse)
    onehot = (pd.DataFrame.sparse.from_spmatrix(onehot, columns=enc.columns_) if sparse
              else pd.DataFrame(onehot, columns=enc.columns_))
    itemsets = apriori(onehot, min_support=min_support, use_colnames=True, max_len=max_len)
    rules = association_rules(itemsets, num_itemsets=len(onehot), metric="confidence", min_threshold=min_confidence)
    rules = rules.rename(columns={"antecedent support": "antecedent_support",
                                  "consequent support": "consequent_support"})
    return _normalise(rules, rules["antecedents"], rules["consequents"])


# ------------------------------------------------------------------------------------ checks
def agree(paths: list[str]) -> tuple[bool, str]:
    """Same rules and values (to 1e-12) in every result file."""
    frames = [pd.read_parquet(p) for p in paths]
    base = frames[0]
    for other in frames[1:]:
        if len(other) != len(base) or not base[KEY].equals(other[KEY]):
            return False, f"rule sets differ: {len(base)} vs {len(other)} rules"
        diff = float(np.max(np.abs(base[VALUES].to_numpy() - other[VALUES].to_numpy()), initial=0.0))
        if diff > 1e-12:
            return False, f"values differ by up to {diff:.3g}"
    return True, f"{len(base)} rules, identical to 1e-12"


def _dense_bytes(info: dict) -> int:
    return info["orders"] * info["products"]  # one byte per bool cell, before apriori's own copies


def run_size(lines: int, min_support: float, min_confidence: float, max_len: int, dense_limit: float,
             workdir: str) -> bool:
    path = Path(workdir) / f"order_items_{lines}.parquet"
    t0 = time.perf_counter()
    info = generate(path, lines)
    print(f"\n{info['lines']:,} order lines, {info['orders']:,} orders, {info['products']:,} products "
          f"(generated in {time.perf_counter() - t0:.1f} s); min_support={min_support}, max_len={max_len}",
          flush=True)
    kwargs = {"path": str(path), "min_support": min_support, "min_confidence": min_confidence, "max_len": max_len}
    contenders = [
        {"name": "userops (DuckDB)", "target": "bench.bench_basket:run_userops", "kwargs": kwargs,
         "imports": ["userops_lib.metrics.basket", "ibis", "duckdb", "ibis.backends.duckdb"]},
        {"name": "mlxtend sparse one-hot", "target": "bench.bench_basket:run_mlxtend",
         "kwargs": {**kwargs, "sparse": True}, "imports": ["mlxtend.frequent_patterns", "pandas"]},
    ]
    dense = _dense_bytes(info)
    if dense <= dense_limit * 1e9:
        contenders.append({"name": "mlxtend dense one-hot", "target": "bench.bench_basket:run_mlxtend",
                           "kwargs": {**kwargs, "sparse": False}, "imports": ["mlxtend.frequent_patterns", "pandas"]})
    else:
        print(f"  mlxtend dense one-hot: not run, its bool matrix alone is {fmt_bytes(dense)} "
              f"(> --dense-limit-gb {dense_limit})")
    results = measure_all(contenders, workdir)
    print_table(results, baseline="userops (DuckDB)")
    ok, message = agree([m.result_path for m in results])
    print(f"  agreement: {message}")
    faster = all(results[0].seconds <= m.seconds for m in results[1:])
    return ok and faster


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench basket", description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="order lines per run (default: 100k, then 1M)")
    parser.add_argument("--min-support", type=float, default=0.005)
    parser.add_argument("--min-confidence", type=float, default=0.05)
    parser.add_argument("--max-len", type=int, default=2)
    parser.add_argument("--dense-limit-gb", type=float, default=2.0,
                        help="run mlxtend on a dense one-hot matrix only below this size")
    args = parser.parse_args(argv)
    with scratch_dir("userops_bench_basket_") as workdir:
        ok = [run_size(n, args.min_support, args.min_confidence, args.max_len, args.dense_limit_gb, workdir)
              for n in args.lines]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    raise SystemExit(main())
