"""Customer lifetime value over 12 months: userops (``userops_lib.clv.customer_lifetime_value``)
against ``lifetimes`` (``GammaGammaFitter.customer_lifetime_value``), same fitted parameters, same
conventions (daily summary, 30-day months as lifetimes steps them).

Run ``python -m bench clv`` (1M customers) or ``python -m bench clv --customers 100000``.
Target: userops at least 10x faster than lifetimes on 1M customers, with the same values
(relative difference < 1e-8). Exit status 1 when the target is missed or the values disagree.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import measure_all, paired_ratio, print_table, scratch_dir

TARGET_CUSTOMERS = 1_000_000
TARGET_SPEEDUP = 10.0
# CDNOW BG/NBD (Fader, Hardie & Lee 2005) with alpha converted from weeks to days, and note 025's Gamma-Gamma
BG_PARAMS = {"r": 0.243, "alpha": 4.414 * 7, "a": 0.793, "b": 2.426}
GG_PARAMS = {"p": 6.25, "q": 3.74, "v": 15.44}
MONTHS, RATE = 12, 0.01


def describe(facts: dict) -> str:
    """One line about a summary written by :func:`generate`."""
    return (f"{facts['customers']:,} customers, {facts['repeat_buyers']:,} repeat buyers, "
            f"{facts['unique_rows']:,} unique (frequency, recency, T) rows")


def generate(path: Path, customers: int, seed: int = 0) -> dict:
    """Write a daily customer summary (frequency, recency, T in whole days, monetary_value) to Parquet.

    Customers are drawn from the BG/NBD model above: T uniform over 1..730 days, a gamma purchase
    rate and a beta drop-out probability; recency is the day of the last repeat purchase.
    """
    rng = np.random.default_rng(seed)
    T = rng.integers(1, 731, customers).astype(float)
    lam = rng.gamma(BG_PARAMS["r"], 1 / BG_PARAMS["alpha"], customers)
    p = rng.beta(BG_PARAMS["a"], BG_PARAMS["b"], customers)
    # repeat purchases in (0, T] are a Poisson process; the customer drops out right after the
    # J-th repeat purchase, J ~ Geometric(p) on 1, 2, ... (Fader, Hardie & Lee 2005, section 2)
    arrivals = rng.poisson(lam * T)
    x = np.minimum(arrivals, rng.geometric(p))
    # the x-th of n uniform arrival times on (0, T] is T * Beta(x, n - x + 1); whole days, as a daily summary has
    tx = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(arrivals - x + 1, 1)), 0.0)
    tx = np.where(x > 0, np.clip(np.floor(tx), 1.0, T), 0.0)
    x = np.minimum(x, tx).astype(float)  # at most one purchase a day in a daily summary
    m = np.where(x > 0, np.round(rng.gamma(6.25, 35.0 / 6.25, customers), 2), 0.0)
    df = pd.DataFrame({"customer_id": np.char.zfill(np.arange(customers).astype(str), 8),
                       "frequency": x, "recency": tx, "T": T, "monetary_value": m})
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_parquet(path)
    return {"customers": customers, "repeat_buyers": int((x > 0).sum()),
            "unique_rows": int(df[["frequency", "recency", "T"]].drop_duplicates().shape[0])}


def clv_userops(path: str) -> pd.DataFrame:
    """Contender: userops, vectorised customers × months."""
    from userops_lib.clv import BetaGeoModel, GammaGammaModel, customer_lifetime_value

    summary = pd.read_parquet(path)
    summary.attrs["time_unit"] = "D"
    purchases, spend = BetaGeoModel(), GammaGammaModel()
    purchases.params_, purchases.time_unit, spend.params_ = dict(BG_PARAMS), "D", dict(GG_PARAMS)
    out = customer_lifetime_value(purchases, spend, summary, months=MONTHS, monthly_discount_rate=RATE, month_days=30)
    return out[["customer_id", "clv"]].reset_index(drop=True)


def clv_lifetimes(path: str) -> pd.DataFrame:
    """Contender: lifetimes 0.11.3, which loops over months calling the model twice per month."""
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    summary = pd.read_parquet(path)
    bg, gg = BetaGeoFitter(), GammaGammaFitter()
    bg.params_, gg.params_ = pd.Series(BG_PARAMS), pd.Series(GG_PARAMS)
    bg.predict = bg.conditional_expected_number_of_purchases_up_to_time
    clv = gg.customer_lifetime_value(bg, summary["frequency"], summary["recency"], summary["T"],
                                     summary["monetary_value"], time=MONTHS, discount_rate=RATE, freq="D")
    return pd.DataFrame({"customer_id": summary["customer_id"], "clv": clv.to_numpy()})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench clv", description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=TARGET_CUSTOMERS)
    parser.add_argument("--repeat", type=int, default=1, help="rounds (each contender once per round); medians reported")
    args = parser.parse_args(argv or [])
    with scratch_dir() as tmp:
        path = Path(tmp) / "summary.parquet"
        facts = generate(path, args.customers)
        print(f"  {describe(facts)}; {MONTHS} months, 30-day months")
        contenders = [
            {"name": "userops", "target": "bench.bench_clv:clv_userops", "kwargs": {"path": str(path)},
             "imports": ["userops_lib.clv.bgnbd", "userops_lib.clv.gamma_gamma", "userops_lib.clv.value", "pandas"]},
            {"name": "lifetimes", "target": "bench.bench_clv:clv_lifetimes", "kwargs": {"path": str(path)},
             "imports": ["lifetimes", "pandas"]},
        ]
        results = measure_all(contenders, tmp, repeat=args.repeat)
        print_table(results, baseline="lifetimes")
        ours, peer = (pd.read_parquet(m.result_path) for m in results)
        rel = float(np.max(np.abs(ours["clv"] - peer["clv"]) / np.maximum(np.abs(peer["clv"]), 1e-12)))
        same = (ours["customer_id"] == peer["customer_id"]).all() and rel < 1e-8
        speedup = paired_ratio(results[1], results[0])
        print(f"  max relative CLV difference {rel:.2e}; speed-up {speedup:.1f}x (median of the rounds' ratios; target {TARGET_SPEEDUP:.0f}x "
              f"at {TARGET_CUSTOMERS:,} customers)")
    ok = same and (args.customers < TARGET_CUSTOMERS or speedup >= TARGET_SPEEDUP)
    if not ok:
        print("  FAILED: " + ("values differ" if not same else "speed-up below target"))
    return 0 if ok else 1


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
