"""Model fits (BG/NBD and Gamma-Gamma) on a daily customer summary: userops, which fits on compressed
rows (one row per unique history with a ``weights`` count), against ``lifetimes`` on one row per
customer (what a lifetimes user writes) and on unique rows with ``weights`` (the expert's way).

Run ``python -m bench fit`` (1M customers) or ``python -m bench fit --customers 100000``.
No speed target: the time and memory ratios are printed. Exit status 1 when a peer found a better
optimum than userops (see :func:`check`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from bench.bench_clv import describe, generate
from bench.common import measure_all, print_table, scratch_dir

DEFAULT_CUSTOMERS = 1_000_000
#: Every contender maximises the same likelihood with lifetimes' BFGS, which stops when the gradient
#: of the mean log-likelihood per customer is below 1e-7; in a flat direction (BG/NBD's a, b) that
#: leaves end points from different starts about 1e-4 apart, thousands of times less than a standard error.
PARAM_RTOL = 1e-4
#: When parameters differ by more, userops' end point must be at least as likely as the peer's.
LL_RTOL = 1e-9
BG_COLUMNS = ["frequency", "recency", "T"]
GG_COLUMNS = ["frequency", "monetary_value"]


# ------------------------------------------------------------------------------------ contenders
def _read(path: str, columns: list[str], repeat_buyers: bool = False) -> pd.DataFrame:
    summary = pd.read_parquet(path, columns=columns)
    return summary[summary["frequency"] > 0] if repeat_buyers else summary


def _compressed(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame.groupby(columns, as_index=False).size().rename(columns={"size": "weights"})


def bgnbd_userops(path: str) -> pd.DataFrame:
    """What a user calls: ``fit_purchase_model(summary, "bgnbd")`` on a daily summary."""
    from userops_lib.clv import fit_purchase_model

    summary = _read(path, BG_COLUMNS)
    summary.attrs["time_unit"] = "D"
    return pd.DataFrame([fit_purchase_model(summary, "bgnbd").params_])


def bgnbd_lifetimes(path: str, weighted: bool) -> pd.DataFrame:
    """``BetaGeoFitter().fit`` with its defaults, per customer or on unique rows with ``weights``."""
    from lifetimes import BetaGeoFitter

    summary = _read(path, BG_COLUMNS)
    rows = _compressed(summary, BG_COLUMNS) if weighted else summary
    fitter = BetaGeoFitter().fit(rows["frequency"], rows["recency"], rows["T"],
                                 weights=rows["weights"] if weighted else None)
    return fitter.params_.to_frame().T


def gg_userops(path: str) -> pd.DataFrame:
    """What a user calls: ``fit_spend_model(summary)`` (it keeps the repeat buyers itself)."""
    from userops_lib.clv import fit_spend_model

    return pd.DataFrame([fit_spend_model(_read(path, GG_COLUMNS)).params_])


def gg_lifetimes(path: str, weighted: bool) -> pd.DataFrame:
    """``GammaGammaFitter().fit`` on the repeat buyers, per customer or on unique rows with ``weights``."""
    from lifetimes import GammaGammaFitter

    buyers = _read(path, GG_COLUMNS, repeat_buyers=True)
    rows = _compressed(buyers, GG_COLUMNS) if weighted else buyers
    fitter = GammaGammaFitter().fit(rows["frequency"], rows["monetary_value"],
                                    weights=rows["weights"] if weighted else None)
    return fitter.params_.to_frame().T


def _contenders(model: str, ours: str, peer: str, path: str) -> list[dict]:
    userops_imports, lifetimes_imports = ["userops_lib.clv.fitting", "pandas"], ["lifetimes", "pandas"]
    return [
        {"name": f"userops {ours}", "target": f"bench.bench_fit:{model}_userops", "kwargs": {"path": path},
         "imports": userops_imports},
        {"name": f"lifetimes {peer} per-customer", "target": f"bench.bench_fit:{model}_lifetimes",
         "kwargs": {"path": path, "weighted": False}, "imports": lifetimes_imports},
        {"name": f"lifetimes {peer} weighted", "target": f"bench.bench_fit:{model}_lifetimes",
         "kwargs": {"path": path, "weighted": True}, "imports": lifetimes_imports},
    ]


# ------------------------------------------------------------------------------------- checking
def log_likelihood(model: str, params: pd.Series, path: str) -> float:
    """Total log-likelihood (days, every customer) at ``params``, by lifetimes' own likelihood function.

    Evaluated here for every contender on the same data: lifetimes reports its optimum in rescaled
    time, which shifts the log-likelihood by a constant.
    """
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    if model == "bgnbd":
        s = _read(path, BG_COLUMNS)
        data, nll = [s[c].to_numpy(dtype=float) for c in BG_COLUMNS], BetaGeoFitter._negative_log_likelihood
    else:
        s = _read(path, GG_COLUMNS, repeat_buyers=True)
        data, nll = [s[c].to_numpy(dtype=float) for c in GG_COLUMNS], GammaGammaFitter._negative_log_likelihood
    with np.errstate(all="ignore"):
        return float(-nll(np.log(params.to_numpy(dtype=float)), *data, np.ones(len(s)), 0.0) * len(s))


def check(model: str, results, path: str) -> bool:
    """Print each contender's parameters, log-likelihood and largest relative difference to userops.

    The contenders maximise the same likelihood, so they agree when the parameters are within
    ``PARAM_RTOL``; when a flat likelihood leaves them further apart, the check passes only if no
    peer's end point is more likely than userops' (beyond ``LL_RTOL`` relative): the bad case is
    userops stopping short of an optimum another fitter reached.
    """
    fitted = {m.name: pd.read_parquet(m.result_path).iloc[0].astype(float) for m in results}
    lls = {name: log_likelihood(model, params, path) for name, params in fitted.items()}
    ref_name, ref = next(iter(fitted.items()))
    ok = True
    for name, params in fitted.items():
        rel = float(np.max(np.abs(params[ref.index] - ref) / np.abs(ref)))
        better_peer = lls[name] - lls[ref_name] > LL_RTOL * abs(lls[ref_name])
        verdict = "same" if rel <= PARAM_RTOL else ("PEER FOUND A BETTER OPTIMUM" if better_peer
                                                    else "apart, userops' optimum at least as likely")
        ok &= rel <= PARAM_RTOL or not better_peer
        print(f"  {name:<34} " + ", ".join(f"{k} {v:.6g}" for k, v in params.items())
              + f"; LL {lls[name]:,.4f} ({lls[name] - lls[ref_name]:+.1e} vs userops); max rel. diff. {rel:.1e}: "
              + verdict)
    return ok


def run_model(model: str, ours: str, peer: str, path: str, tmp: str, repeat: int) -> bool:
    print(f"\n{peer}: {ours} vs lifetimes")
    results = measure_all(_contenders(model, ours, peer, path), tmp, repeat=repeat)
    print()
    print_table(results, baseline=results[1].name)
    verdict = "faster" if results[0].seconds < results[1].seconds else "NOT faster"
    print(f"  userops is {verdict} than lifetimes per-customer ({results[1].seconds / results[0].seconds:.1f}x); "
          f"lifetimes weighted / userops: {results[2].seconds / results[0].seconds:.1f}x time")
    return check(model, results, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench fit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS)
    parser.add_argument("--repeat", type=int, default=1, help="rounds (each contender once per round); medians reported")
    args = parser.parse_args(argv or [])
    with scratch_dir() as tmp:
        path = Path(tmp) / "summary.parquet"
        facts = generate(path, args.customers)
        print(f"  {describe(facts)}; daily summary; {args.repeat} round(s), each contender in a fresh process, "
              "median shown", flush=True)
        ok = [run_model("bgnbd", "fit_purchase_model", "BG/NBD", str(path), tmp, args.repeat),
              run_model("gg", "fit_spend_model", "Gamma-Gamma", str(path), tmp, args.repeat)]
    print("\nuserops reached the optimum in every fit" if all(ok) else "\nFAILED: a peer found a better optimum")
    return 0 if all(ok) else 1


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
