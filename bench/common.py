"""Helpers shared by the benchmarks: run each contender in a fresh Python process and measure its
wall time and peak memory the same way, so peers measured in one run are comparable.

A contender is a function ``module:function`` called with keyword arguments that returns a pandas
DataFrame. :func:`measure` starts ``python -m bench.common`` for it, which

1. imports the modules the contender needs (not timed: every contender pays its imports once),
2. times the call with ``time.perf_counter`` (reading the input file is part of the call: that is
   what a user runs),
3. reads the process's peak resident memory (``VmHWM`` in ``/proc/self/status``; on systems
   without ``/proc`` the parent's ``os.wait4`` rusage of that one child) right after the call,
4. writes the returned frame to Parquet so the parent can check that the contenders agree.

Peak memory is the whole process (interpreter, libraries, data, result), as the user sees it.
"""

from __future__ import annotations

import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Measurement", "measure", "measure_all", "paired_ratio", "peak_rss_bytes", "print_table", "fmt_bytes",
           "scratch_dir"]

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Measurement:
    """Median wall time and peak RSS of a contender over its repeats."""

    name: str
    seconds: float
    peak_bytes: int
    result_path: str
    runs: list = field(default_factory=list)  # (seconds, peak_bytes) of every repeat


def peak_rss_bytes() -> int | None:
    """Peak resident set size of this process so far (``VmHWM``), or None without ``/proc``."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def fmt_bytes(n: float) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def scratch_dir(prefix: str = "userops_bench_") -> tempfile.TemporaryDirectory:
    """A temporary folder for generated inputs and results (removed when closed)."""
    return tempfile.TemporaryDirectory(prefix=prefix)


def _run_once(target: str, kwargs: dict, imports: list[str], out_path: str, timeout: float) -> tuple[float, int]:
    spec = json.dumps({"target": target, "kwargs": kwargs, "imports": imports, "out": out_path})
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, "-m", "bench.common", spec], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout
    out, err = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
    if proc.returncode != 0:
        raise RuntimeError(f"contender {target} failed (exit {proc.returncode}):\n{err[-3000:]}")
    report = json.loads(out.strip().splitlines()[-1])
    peak = report["peak_bytes"]
    if peak is None:  # no /proc: resource usage of all finished children, as a fallback
        import resource

        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return report["seconds"], int(peak)


def _result_path(out_dir: str, name: str) -> str:
    return str(Path(out_dir) / f"{name.replace(' ', '_').replace('/', '_')}.parquet")


def _summarise(name: str, out_path: str, runs: list) -> Measurement:
    return Measurement(name, statistics.median(r[0] for r in runs), int(statistics.median(r[1] for r in runs)),
                       out_path, runs)


def measure(name: str, target: str, kwargs: dict, out_dir: str, imports: list[str] = (), repeat: int = 1,
            timeout: float = 1800) -> Measurement:
    """Run ``target`` ``repeat`` times, each in a fresh process; median time and median peak RSS.

    Parameters
    ----------
    name : str
        Label printed in the table.
    target : str
        ``"package.module:function"``; the function returns a pandas DataFrame.
    kwargs : dict
        JSON-serialisable keyword arguments of the function.
    out_dir : str
        Folder for the contender's result (``<name>.parquet``).
    imports : list of str
        Modules imported before the clock starts.
    """
    out_path = _result_path(out_dir, name)
    runs = [_run_once(target, kwargs, list(imports), out_path, timeout) for _ in range(repeat)]
    return _summarise(name, out_path, runs)


def measure_all(contenders: list[dict], out_dir: str, repeat: int = 1, timeout: float = 1800) -> list[Measurement]:
    """Measure several contenders (dicts of :func:`measure` arguments) in interleaved rounds.

    Round ``i`` runs every contender once, in order, before round ``i + 1`` starts. The speed of a
    shared machine drifts over minutes; interleaving spreads that drift over all contenders
    instead of charging it to whichever one happened to run during a slow spell.
    """
    runs: list[list] = [[] for _ in contenders]
    for round_ in range(repeat):
        for c, done in zip(contenders, runs):
            done.append(_run_once(c["target"], c["kwargs"], list(c.get("imports", ())),
                                  _result_path(out_dir, c["name"]), timeout))
            if round_ == repeat - 1:
                m = _summarise(c["name"], _result_path(out_dir, c["name"]), done)
                print(f"  {m.name:<34} {m.seconds:8.2f} s  {fmt_bytes(m.peak_bytes):>9}", flush=True)
    return [_summarise(c["name"], _result_path(out_dir, c["name"]), done) for c, done in zip(contenders, runs)]


def paired_ratio(slow: Measurement, fast: Measurement, index: int = 0) -> float:
    """Median over the rounds of ``slow``'s time (``index`` 0) or peak memory (1) divided by
    ``fast``'s in the same round of :func:`measure_all`.

    Contenders of one round ran minutes apart at most, so a round's ratio is little affected by a
    change in the machine's speed that would move a ratio of two medians taken at different times.
    """
    ratios = [a[index] / b[index] for a, b in zip(slow.runs, fast.runs)]
    return statistics.median(ratios)


def print_table(results: list[Measurement], baseline: str) -> None:
    """Time, peak memory and the ratios of every contender to ``baseline`` (a name)."""
    base = next(m for m in results if m.name == baseline)
    print(f"  {'contender':<34} {'time':>9} {'peak RSS':>10} {'time / ' + baseline:>22} {'memory / ' + baseline:>22}")
    for m in results:
        print(f"  {m.name:<34} {m.seconds:8.2f}s {fmt_bytes(m.peak_bytes):>10} "
              f"{m.seconds / base.seconds:21.1f}x {m.peak_bytes / base.peak_bytes:21.2f}x")


def _child(spec_json: str) -> None:
    """Entry point of the measured process (``python -m bench.common SPEC``)."""
    spec = json.loads(spec_json)
    for mod in spec["imports"]:
        importlib.import_module(mod)
    module, func = spec["target"].split(":")
    fn = getattr(importlib.import_module(module), func)
    start = time.perf_counter()
    result = fn(**spec["kwargs"])
    seconds = time.perf_counter() - start
    peak = peak_rss_bytes()
    result.attrs = {}  # only the data is compared
    result.to_parquet(spec["out"])
    print(json.dumps({"seconds": seconds, "peak_bytes": peak}))


if __name__ == "__main__":
    _child(sys.argv[1])
