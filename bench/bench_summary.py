"""Per-customer summary (frequency / recency / T / monetary value): userops on DuckDB against
``lifetimes.utils.summary_data_from_transaction_data`` and a plain pandas groupby.

Run ``python -m bench summary`` (1M and 10M transactions) or ``python -m bench summary --rows
1000000``. Target, checked at 10M rows: userops at least 6x faster than lifetimes with at most
half its peak memory. Exit status 1 when the target is missed or the outputs disagree.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from bench.common import fmt_bytes, measure_all, paired_ratio, print_table, scratch_dir

TARGET_ROWS = 10_000_000
TARGET_SPEEDUP = 6.0
TARGET_MEMORY_SHARE = 0.5
COLUMNS = ["frequency", "recency", "T", "monetary_value"]


# ------------------------------------------------------------------------------------ input data
def generate(path: Path, rows: int, seed: int = 0) -> dict:
    """Write ``rows`` random transactions of ``rows // 10`` customers over two years to Parquet.

    Each customer starts on a random day and buys at exponential gaps (mean 40 days); about 10% of
    the rows repeat the previous row's customer and day, so same-day purchases occur. Columns:
    ``order_id``, ``customer_id`` (zero-padded text), ``order_ts``, ``order_date``, ``amount``.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    customers = max(rows // 10, 1)
    cust = rng.integers(0, customers, rows)
    start = rng.integers(0, 600, customers)
    day = np.minimum(start[cust] + rng.exponential(40.0, rows).astype(np.int64), 729)
    repeat = rng.random(rows) < 0.1
    repeat[0] = False
    idx = np.where(repeat, np.arange(rows) - 1, np.arange(rows))  # a repeat copies the previous row
    cust, day = cust[idx], day[idx]
    order = np.argsort(day, kind="stable")  # a log in time order
    cust, day = cust[order], day[order]
    seconds = rng.integers(0, 86_400, rows)
    base = np.datetime64("2023-01-01")
    customer_id = pc.utf8_lpad(pc.cast(pa.array(cust), pa.string()), width=8, padding="0")
    table = pa.table({
        "order_id": pc.utf8_lpad(pc.cast(pa.array(np.arange(rows)), pa.string()), width=9, padding="0"),
        "customer_id": customer_id,
        "order_ts": pa.array(base + day.astype("timedelta64[D]") + seconds.astype("timedelta64[s]")),
        "order_date": pa.array(base + day.astype("timedelta64[D]")),
        "amount": pa.array(np.round(rng.gamma(2.0, 25.0, rows), 2)),
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, row_group_size=1_000_000)
    return {"rows": rows, "customers": len(np.unique(cust)), "same_day_repeats": int(repeat.sum())}


# ------------------------------------------------------------------------------------ contenders
def run_userops(path: str):
    """What a user runs: the Parquet file as an ibis table on DuckDB, then ``rfm_summary``."""
    from userops_lib.data.engine import duckdb_backend
    from userops_lib.clv.summary import rfm_summary

    orders = duckdb_backend().read_parquet(path)
    return rfm_summary(orders)[["customer_id"] + COLUMNS]


def _read_pandas(path: str):
    """The Parquet file as pandas, dates as datetime64 (the fast way: no Python date objects)."""
    import pyarrow.parquet as pq

    return pq.read_table(path, columns=["customer_id", "order_date", "amount"]).to_pandas(date_as_object=False)


def run_lifetimes(path: str):
    from lifetimes.utils import summary_data_from_transaction_data

    df = _read_pandas(path)
    out = summary_data_from_transaction_data(df, "customer_id", "order_date", monetary_value_col="amount", freq="D")
    return out.reset_index()[["customer_id"] + COLUMNS]


def run_lifetimes_read_parquet(path: str):
    """lifetimes after a plain ``pandas.read_parquet``: dates arrive as Python ``date`` objects,
    which lifetimes then converts. This is the first thing most users write; it is shown for
    context, and the target is checked against the faster read above."""
    import pandas as pd
    from lifetimes.utils import summary_data_from_transaction_data

    df = pd.read_parquet(path, columns=["customer_id", "order_date", "amount"])
    out = summary_data_from_transaction_data(df, "customer_id", "order_date", monetary_value_col="amount", freq="D")
    return out.reset_index()[["customer_id"] + COLUMNS]


def run_pandas(path: str):
    """A straightforward pandas implementation of the same definitions."""
    import pandas as pd

    df = _read_pandas(path)
    daily = df.groupby(["customer_id", "order_date"], sort=False, as_index=False)["amount"].sum()
    by_customer = daily.groupby("customer_id", sort=False)
    first_row = by_customer["order_date"].idxmin()
    out = pd.DataFrame({
        "first": by_customer["order_date"].min(),
        "last": by_customer["order_date"].max(),
        "frequency": by_customer.size() - 1,
        "total": by_customer["amount"].sum(),
    })
    out["first_total"] = daily["amount"].to_numpy()[first_row.reindex(out.index).to_numpy()]
    end = daily["order_date"].max()
    out["recency"] = (out["last"] - out["first"]).dt.days.astype(float)
    out["T"] = (end - out["first"]).dt.days.astype(float)
    repeat = out["frequency"].where(out["frequency"] > 0)
    out["monetary_value"] = ((out["total"] - out["first_total"]) / repeat).fillna(0.0)
    return out.rename_axis("customer_id").reset_index()[["customer_id"] + COLUMNS]


CONTENDERS = [
    {"name": "userops rfm_summary (DuckDB)", "target": "bench.bench_summary:run_userops",
     "imports": ["userops_lib.clv.summary", "userops_lib.data.engine", "ibis.backends.duckdb"]},
    {"name": "lifetimes", "target": "bench.bench_summary:run_lifetimes",
     "imports": ["pandas", "pyarrow.parquet", "lifetimes.utils"]},
    {"name": "pandas groupby", "target": "bench.bench_summary:run_pandas", "imports": ["pandas", "pyarrow.parquet"]},
    {"name": "lifetimes, pd.read_parquet", "target": "bench.bench_summary:run_lifetimes_read_parquet",
     "imports": ["pandas", "pyarrow.parquet", "lifetimes.utils"]},
]


# ------------------------------------------------------------------------------------- checking
def agreement(results) -> list[str]:
    """Differences between every contender's output and the first one's (empty when they agree)."""
    import pandas as pd

    frames = {m.name: pd.read_parquet(m.result_path).assign(customer_id=lambda d: d.customer_id.astype(str))
              .set_index("customer_id").sort_index()[COLUMNS].astype(float) for m in results}
    (ref_name, ref), problems = next(iter(frames.items())), []
    for name, df in list(frames.items())[1:]:
        if not df.index.equals(ref.index):
            problems.append(f"{name}: {len(df)} customers vs {len(ref)} for {ref_name}")
            continue
        for col in ["frequency", "recency", "T"]:
            n = int((df[col] != ref[col]).sum())
            if n:
                problems.append(f"{name}: {col} differs for {n} customers")
        n = int((~np.isclose(df["monetary_value"], ref["monetary_value"], rtol=1e-9, atol=1e-9)).sum())
        if n:
            problems.append(f"{name}: monetary_value differs for {n} customers")
    return problems


def run_size(rows: int, repeat: int, workdir: Path) -> bool:
    path = workdir / f"orders_{rows}.parquet"
    start = time.perf_counter()
    facts = generate(path, rows)
    print(f"\n{rows:,} transactions, {facts['customers']:,} customers, {facts['same_day_repeats']:,} same-day "
          f"repeats ({path.stat().st_size / 1e6:.0f} MB Parquet, generated in {time.perf_counter() - start:.1f} s); "
          f"{repeat} run(s) per contender, each in a fresh process, median shown", flush=True)
    contenders = [dict(c, kwargs={"path": str(path)}) for c in CONTENDERS]
    results = measure_all(contenders, str(workdir), repeat=repeat)
    print()
    print_table(results, baseline=CONTENDERS[0]["name"])
    ours, lifetimes_, pandas_, lifetimes_natural = results
    speedup = paired_ratio(lifetimes_, ours)
    memory = 1 / paired_ratio(lifetimes_, ours, index=1)
    rounds = " ".join(f"{a[0] / b[0]:.1f}x" for a, b in zip(lifetimes_.runs, ours.runs))
    print(f"  lifetimes / userops, median of the rounds' ratios ({rounds}): {speedup:.1f}x time; userops peak "
          f"is {memory:.0%} of lifetimes' ({fmt_bytes(ours.peak_bytes)} vs {fmt_bytes(lifetimes_.peak_bytes)})")
    print(f"  pandas / userops: {paired_ratio(pandas_, ours):.1f}x time; lifetimes after pd.read_parquet / userops: "
          f"{paired_ratio(lifetimes_natural, ours):.1f}x time")
    problems = agreement(results)
    print("  outputs agree (frequency, recency, T exactly; monetary_value to 1e-9)" if not problems
          else "  OUTPUTS DISAGREE: " + "; ".join(problems))
    ok = not problems
    if rows >= TARGET_ROWS:
        hit = speedup >= TARGET_SPEEDUP and memory <= TARGET_MEMORY_SHARE
        print(f"  target (>= {TARGET_SPEEDUP:.0f}x faster than lifetimes, <= {TARGET_MEMORY_SHARE:.0%} of its peak "
              f"memory): {'PASS' if hit else 'FAIL'}")
        ok = ok and hit
    else:
        print(f"  (the speed/memory target is checked at {TARGET_ROWS:,} rows)")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench summary", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, TARGET_ROWS],
                        help="transaction counts to measure (default: 1M and 10M)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="rounds (each contender once per round); medians are reported (default 5)")
    parser.add_argument("--workdir", help="folder for the generated Parquet files (default: a temp dir)")
    args = parser.parse_args(argv)
    with scratch_dir() as tmp:
        workdir = Path(args.workdir or tmp)
        results = [run_size(rows, args.repeat, workdir) for rows in args.rows]
    print("\nPASS" if all(results) else "\nFAIL")
    return 0 if all(results) else 1


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
