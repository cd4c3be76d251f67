"""Model fits (BG/NBD and Gamma-Gamma) on a daily customer summary: userops, which fits on compressed
rows (one row per unique history with a ``weights`` count), against ``lifetimes`` on one row per
customer (what a lifetimes user writes) and on unique rows with ``weights`` (the expert's way).

Run ``python -m bench fit`` (1M customers) or ``python -m bench fit --customers 100000``.
No speed target: the time and memory ratios are printed. Exit status 1 when a peer found a better
optimum than userops (see :func:`check`).

``python -m bench fit --cdnow``: all four models (BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma) on CDNOW,
the published 2,357-customer summary in weeks and the 23,570-customer master log summarised in days,
userops against lifetimes per customer from the same start: times, their ratio, the largest relative
parameter difference and the log-likelihoods. Exit status 1 when parameters differ by more than
1e-6 and lifetimes' end point is the more likely one.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from bench.bench_clv import describe, generate
from bench.common import measure_all, paired_ratio, print_table, scratch_dir

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


# ------------------------------------------------------------------------------------- CDNOW
CDNOW_MODELS = ("bgnbd", "mbgnbd", "pnbd", "gg")
#: Same fitter and start as tests/test_clv_models.py: all parameters 1 in lifetimes' rescaled time.
PEER_CLASS = {"bgnbd": "BetaGeoFitter", "mbgnbd": "ModifiedBetaGeoFitter", "pnbd": "ParetoNBDFitter"}
CDNOW_PARAM_RTOL = 1e-6


def _peer_start(model: str) -> dict:
    if model == "pnbd":  # lifetimes' own default is a random start
        return dict(initial_params=np.ones(4), tol=1e-10, maxiter=20000)
    return dict(initial_params=np.zeros(4 if model != "gg" else 3))


def cdnow_userops(path: str, model: str, unit: str) -> pd.DataFrame:
    """``fit_purchase_model(summary, model)`` or ``fit_spend_model(summary)``."""
    from userops_lib.clv import fit_purchase_model, fit_spend_model

    summary = pd.read_parquet(path)
    summary.attrs["time_unit"] = unit
    fitted = fit_spend_model(summary) if model == "gg" else fit_purchase_model(summary, model)
    return pd.DataFrame([fitted.params_])


def cdnow_lifetimes(path: str, model: str, unit: str) -> pd.DataFrame:
    """lifetimes' fitter on one row per customer (repeat buyers with a positive spend for Gamma-Gamma)."""
    import lifetimes

    summary = pd.read_parquet(path)
    if model == "gg":
        buyers = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
        fitter = lifetimes.GammaGammaFitter().fit(buyers["frequency"], buyers["monetary_value"], **_peer_start(model))
    else:
        fitter = getattr(lifetimes, PEER_CLASS[model])().fit(summary["frequency"], summary["recency"], summary["T"],
                                                              **_peer_start(model))
    return fitter.params_.to_frame().T


def _cdnow_inputs(tmp: str) -> list[tuple[str, str, str]]:
    """(label, parquet path, time unit) of the two CDNOW summaries."""
    from userops_lib.clv.summary import rfm_summary
    from userops_lib.data.bundled import cdnow_file
    from userops_lib.data.load import load_dataset

    with cdnow_file("cdnow_customers_summary_with_transactions.csv").open() as fh:
        sample = pd.read_csv(fh)
    sample.columns = ["customer_id", "frequency", "recency", "T", "monetary_value"]
    master = rfm_summary(load_dataset("cdnow"), time_unit="D")[["frequency", "recency", "T", "monetary_value"]]
    inputs = []
    for label, frame, unit in (("sample, 2,357 customers, weeks", sample, "W"),
                               ("master, 23,570 customers, days", master, "D")):
        path = str(Path(tmp) / f"cdnow_{unit}.parquet")
        frame[["frequency", "recency", "T", "monetary_value"]].to_parquet(path)
        inputs.append((label, path, unit))
    return inputs


def _total_log_likelihood(model: str, params: pd.Series, path: str) -> float:
    """Log-likelihood over every customer at ``params`` (userops' likelihoods, equal to lifetimes' to
    1e-10 per customer: tests/test_clv_models.py)."""
    from userops_lib.clv import fitting

    summary = pd.read_parquet(path)
    if model == "gg":
        from userops_lib.clv.gamma_gamma import GammaGammaModel

        buyers = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
        data = (buyers["frequency"].to_numpy(float), buyers["monetary_value"].to_numpy(float), np.ones(len(buyers)))
        fitted = GammaGammaModel()
    else:
        data = tuple(summary[c].to_numpy(float) for c in BG_COLUMNS) + (np.ones(len(summary)),)
        fitted = fitting.PURCHASE_MODELS[model]()
    with np.errstate(all="ignore"):
        return fitted._log_likelihood(params[list(fitted.param_names)].to_numpy(dtype=float), data)


def run_cdnow(tmp: str, repeat: int) -> bool:
    """Every model on both CDNOW summaries: userops vs lifetimes per customer, one line each."""
    ok = True
    for label, path, unit in _cdnow_inputs(tmp):
        print(f"\nCDNOW {label}")
        for model in CDNOW_MODELS:
            kwargs = {"path": path, "model": model, "unit": unit}
            ours, peer = measure_all([
                {"name": f"userops {model} {unit}", "target": "bench.bench_fit:cdnow_userops", "kwargs": kwargs,
                 "imports": ["userops_lib.clv.fitting", "pandas"]},
                {"name": f"lifetimes {model} {unit}", "target": "bench.bench_fit:cdnow_lifetimes", "kwargs": kwargs,
                 "imports": ["lifetimes", "pandas"]}], tmp, repeat=repeat)
            p_ours, p_peer = (pd.read_parquet(m.result_path).iloc[0].astype(float) for m in (ours, peer))
            rel = float(np.max(np.abs(p_peer[p_ours.index] - p_ours) / np.abs(p_ours)))
            ll_ours, ll_peer = (_total_log_likelihood(model, p, path) for p in (p_ours, p_peer))
            agree = rel <= CDNOW_PARAM_RTOL or ll_ours >= ll_peer
            ok &= agree
            print(f"  {model:<7} lifetimes / userops {paired_ratio(peer, ours):5.1f}x time; max rel. param. diff. "
                  f"{rel:.1e}; LL {ll_ours:,.4f} (lifetimes' end point {ll_peer - ll_ours:+.1e}); "
                  + ", ".join(f"{k} {v:.6g}" for k, v in p_ours.items())
                  + ("" if agree else "  LIFETIMES FOUND A BETTER OPTIMUM"), flush=True)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench fit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS)
    parser.add_argument("--repeat", type=int, default=1, help="rounds (each contender once per round); medians reported")
    parser.add_argument("--cdnow", action="store_true", help="the four models on CDNOW instead of generated data")
    args = parser.parse_args(argv or [])
    if args.cdnow:
        with scratch_dir() as tmp:
            ok = run_cdnow(tmp, args.repeat)
        print("\nuserops reached the optimum in every fit" if ok else "\nFAILED: lifetimes found a better optimum")
        return 0 if ok else 1
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
