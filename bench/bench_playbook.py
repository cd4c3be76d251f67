"""The whole playbook at a shop's size: generate (or reuse) the demo shop, run all five notebooks
through the runner (``userops run``), print each notebook's time and peak memory, the total, and the
slowest cells (the per-cell durations papermill stores in each executed notebook).

Run ``python -m bench playbook`` (the default demo, 20k customers) or ``python -m bench playbook
--customers 1000000``. Targets from issue 12, printed as PASS/FAIL when they apply: at 1M customers
at most 120 s of notebook time and 4 GB peak memory; at the default size at most 60 s for the demo
and CDNOW together (``--cdnow``). No time target at 10M customers: it must complete, and the peak
memory is printed.

How it is measured
------------------
* The runner is one process (``python -m userops_lib run``) as a user starts it; it runs the
  notebooks one after the other, each in its own Jupyter kernel.
* Time per notebook: the ``duration_s`` the runner records in ``status.json`` (kernel start-up,
  every cell and the HTML export). The total is their sum; the runner's wall time is printed too.
* Peak memory per notebook: the kernel process's ``VmHWM`` (peak resident set size) read from
  ``/proc/<pid>/status`` every 0.2 s while it runs (the high-water mark, so a peak between two
  reads is not missed; only the last 0.2 s before the kernel exits are not seen). Kernels are
  matched to notebooks in the order they start (the runner runs one notebook at a time). The
  runner process's own peak (HTML export) is shown on its own line. Without ``/proc`` (not
  Linux) only the runner's peak including its children is available.
* Kernel CPU: user + system seconds of each kernel process (DuckDB's threads included; on Spark,
  the kernel's JVM is added to its CPU and its peak memory). On a
  shared machine wall time grows with the neighbours' load; CPU time much less, so it is the
  better figure to compare two runs made at different times.
* Generating the data (when it is not reused) is measured the same way and printed apart; it is
  not part of the notebook total.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import ROOT, fmt_bytes

TARGETS = {  # customers -> (seconds of notebook time, peak bytes), from issue 12
    1_000_000: (120.0, 4e9),
}
DEFAULT_CUSTOMERS = 20_000
DEFAULT_TARGET_S = 60.0  # default demo + CDNOW, the whole `make report`
RUN_DATE = "2000-01-01"  # a fixed folder name for the run's reports


# ----------------------------------------------------------------------------- process memory
@dataclass
class Proc:
    """A process seen while a measured command ran."""

    pid: int
    cmdline: str
    first_seen: float
    peak_bytes: int = 0
    cpu_seconds: float = 0.0  # user + system time of the process itself (not of its children)
    parent: int | None = None


@dataclass
class Watched:
    """What :func:`run_watched` saw: wall time, exit code, every descendant process and its peak."""

    seconds: float
    returncode: int
    root_peak_bytes: int
    children_peak_bytes: int
    procs: list[Proc] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _read_proc(pid: int) -> tuple[int, str, float] | None:
    """Peak resident memory (bytes), command line and CPU seconds of a running process."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            hwm = next((int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM:")), 0)
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmd = fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()  # after "(comm)": state is field 3
        cpu = (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (fields 14 and 15)
        return hwm, cmd, cpu
    except (OSError, IndexError, ValueError):
        return None


def run_watched(cmd: list[str], env: dict, interval: float = 0.2, echo: bool = False) -> Watched:
    """Run ``cmd``; while it runs, read the peak memory of it and of every descendant process.

    With ``echo`` its output is printed as it comes (the runner's progress lines).
    """
    procs: dict[int, Proc] = {}
    start = time.perf_counter()
    errors = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=errors, text=True)
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            todo, seen = [(proc.pid, None)], set()
            while todo:
                pid, parent = todo.pop()
                if pid in seen:
                    continue
                seen.add(pid)
                todo.extend((child, pid) for child in _children(pid))
                got = _read_proc(pid)
                if got is None:
                    continue
                hwm, line, cpu = got
                entry = procs.setdefault(pid, Proc(pid, line, time.perf_counter() - start, parent=parent))
                entry.peak_bytes = max(entry.peak_bytes, hwm)
                entry.cpu_seconds = max(entry.cpu_seconds, cpu)
                entry.cmdline = line or entry.cmdline
            done.wait(interval)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if echo:
            print(line, end="", flush=True)
    proc.wait()
    seconds = time.perf_counter() - start
    errors.seek(0)
    out, err = "".join(lines), errors.read()
    errors.close()
    done.set()
    watcher.join()
    import resource

    children_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # the largest child so far
    root = procs.get(proc.pid)
    return Watched(seconds, proc.returncode, root.peak_bytes if root else 0, children_peak,
                   sorted(procs.values(), key=lambda p: p.first_seen), out, err)


# ----------------------------------------------------------------------------------- the data
def demo_folder(customers: int, data_dir: str | None) -> Path:
    return Path(data_dir) if data_dir else ROOT / "bench" / "out" / f"playbook-demo-{customers}"


def _generated_with(folder: Path) -> int | None:
    """Number of customers the demo in ``folder`` was generated with (from its README), or None."""
    readme = folder / "README.txt"
    if not readme.exists() or not (folder / "orders.parquet").exists():
        return None
    found = re.search(r"n_customers=(\d+)", readme.read_text(encoding="utf-8"))
    return int(found.group(1)) if found else None


def ensure_demo(customers: int, folder: Path, env: dict, regenerate: bool) -> Watched | None:
    """Generate the demo shop into ``folder`` unless it already holds one of this size."""
    if not regenerate and _generated_with(folder) == customers:
        print(f"reusing the demo shop in {folder} ({customers:,} customers)", flush=True)
        return None
    print(f"generating the demo shop ({customers:,} customers) in {folder} …", flush=True)
    shutil.rmtree(folder, ignore_errors=True)
    watched = run_watched([sys.executable, "-m", "userops_lib", "demo", "--customers", str(customers),
                           "--out", str(folder)], env)
    if watched.returncode != 0:
        raise SystemExit(f"generating the demo failed:\n{watched.stderr[-3000:]}")
    peak = max([p.peak_bytes for p in watched.procs] + [watched.children_peak_bytes])
    print(f"  generated in {watched.seconds:.1f} s, peak memory {fmt_bytes(peak)}", flush=True)
    return watched


# ------------------------------------------------------------------------------ the notebooks
@dataclass
class NotebookRun:
    dataset: str
    notebook: str
    status: str
    seconds: float
    peak_bytes: int | None
    cells: list[tuple[float, str, str]]  # (seconds, section, first line of code)
    error: str | None = None
    cpu_seconds: float | None = None


def _cells(ipynb: Path) -> list[tuple[float, str, str]]:
    """(duration, section, first code line) of every code cell papermill timed; the section is the
    cell's opening comment, else the last Markdown heading above it."""
    nb = json.loads(ipynb.read_text(encoding="utf-8"))
    section, out = "(top)", []
    for cell in nb.get("cells", []):
        source = "".join(cell.get("source", "")) if isinstance(cell.get("source"), list) else cell.get("source", "")
        if cell.get("cell_type") == "markdown":
            heading = next((ln.lstrip("#").strip() for ln in source.splitlines() if ln.startswith("#")), None)
            section = heading or section
            continue
        duration = (cell.get("metadata", {}).get("papermill", {}) or {}).get("duration")
        if duration is None:
            continue
        first = next((ln.strip() for ln in source.splitlines() if ln.strip() and not ln.strip().startswith("#")), "")
        # the notebooks write their headings from code: a cell's opening comment names its section
        comment = next((ln.lstrip("# ").strip() for ln in source.splitlines()[:1] if ln.startswith("#")), None)
        out.append((float(duration), comment or section, first))
    return out


def _descendants(procs: list[Proc], pid: int) -> list[Proc]:
    """The processes started (directly or not) by process ``pid``."""
    out, parents = [], {pid}
    for p in procs:  # in the order they were first seen: a parent before its children
        if p.parent in parents:
            out.append(p)
            parents.add(p.pid)
    return out


def _kernels(watched: Watched) -> list[Proc]:
    return [p for p in watched.procs if "ipykernel" in p.cmdline]


def run_playbook(sources: list[str], engine: str, memory_limit: str | None, timeout: int,
                 out: Path, env: dict) -> tuple[Watched, list[NotebookRun]]:
    """``userops run`` on every source; the per-notebook results in the order they ran."""
    cmd = [sys.executable, "-m", "userops_lib", "run", "--out", str(out), "--run-date", RUN_DATE,
           "--timeout", str(timeout)]
    for source in sources:
        cmd += ["--data", source]
    if engine != "duckdb":
        cmd += ["--engine", engine]
    if memory_limit:
        cmd += ["--memory-limit", memory_limit]
    print("running: " + " ".join(cmd[1:]), flush=True)
    watched = run_watched(cmd, env, echo=True)
    if watched.returncode not in (0, 1):  # 1: a notebook failed, reported below
        raise SystemExit(f"the runner failed (exit {watched.returncode}):\n{watched.stderr[-3000:]}")
    runs = []
    for folder in (p for p in (out / RUN_DATE).iterdir() if (p / "status.json").exists()):
        status = json.loads((folder / "status.json").read_text(encoding="utf-8"))
        for name, entry in status.items():
            ipynb = folder / (entry.get("ipynb") or f"{name}.FAILED.ipynb")
            runs.append(NotebookRun(folder.name, name, entry["status"], float(entry["duration_s"]), None,
                                    _cells(ipynb) if ipynb.exists() else [], entry.get("error")))
    position = {Path(s).name: i for i, s in enumerate(sources)}  # the runner's dataset folder names
    runs.sort(key=lambda r: (position.get(r.dataset, len(sources)), r.notebook))  # the order the runner ran them
    kernels = _kernels(watched)
    if len(kernels) == len(runs):  # one kernel per notebook, in the order the runner ran them
        for run, kernel in zip(runs, kernels):
            # a Spark kernel's JVM is its child: its CPU is added, and its peak (the sum of both
            # peaks, an upper bound of what they held at once)
            family = _descendants(watched.procs, kernel.pid)
            run.peak_bytes = kernel.peak_bytes + sum(p.peak_bytes for p in family)
            run.cpu_seconds = kernel.cpu_seconds + sum(p.cpu_seconds for p in family)
    return watched, runs


# ------------------------------------------------------------------------------------ printing
def print_report(watched: Watched, runs: list[NotebookRun], top: int) -> tuple[float, int]:
    """The per-notebook table and the slowest cells; returns (total seconds, largest peak)."""
    print(f"\n  {'dataset':<24} {'notebook':<16} {'status':<8} {'time':>9} {'peak memory':>12} {'kernel CPU':>11}")
    for r in runs:
        peak = fmt_bytes(r.peak_bytes) if r.peak_bytes else "n/a"
        cpu = f"{r.cpu_seconds:10.1f}s" if r.cpu_seconds is not None else f"{'n/a':>11}"
        print(f"  {r.dataset:<24} {r.notebook:<16} {r.status:<8} {r.seconds:8.1f}s {peak:>12} {cpu}")
    total = sum(r.seconds for r in runs)
    cpu_total = sum(r.cpu_seconds or 0.0 for r in runs)
    peaks = [r.peak_bytes for r in runs if r.peak_bytes] + [watched.root_peak_bytes]
    largest = max(peaks + [watched.children_peak_bytes if not any(r.peak_bytes for r in runs) else 0])
    print(f"  {'total (notebooks)':<50} {total:8.1f}s {fmt_bytes(largest):>12} {cpu_total:10.1f}s")
    print(f"  {'runner process (HTML export, index)':<50} {'':>9} {fmt_bytes(watched.root_peak_bytes):>12}")
    print(f"  {'runner wall time (all of the above)':<50} {watched.seconds:8.1f}s")
    for r in runs:
        if r.status != "ok":
            print(f"  {r.notebook} on {r.dataset}: {r.status}: {r.error}")
    cells = sorted(((c[0], r.dataset, r.notebook, c[1], c[2]) for r in runs for c in r.cells), reverse=True)
    print(f"\n  slowest cells (papermill's cell durations; {len(cells)} code cells in all)")
    print(f"  {'time':>8}  {'notebook':<16} {'section':<38} first line of code")
    for seconds, dataset, notebook, section, first in cells[:top]:
        where = notebook if len({r.dataset for r in runs}) == 1 else f"{notebook}/{dataset[:6]}"
        print(f"  {seconds:7.1f}s  {where:<16} {section[:38]:<38} {first[:60]}")
    by_notebook: dict[str, float] = {}
    for r in runs:
        by_notebook[r.notebook] = by_notebook.get(r.notebook, 0.0) + sum(c[0] for c in r.cells)
    overhead = total - sum(by_notebook.values())
    print(f"  cells in all: {sum(by_notebook.values()):.1f} s; kernel start-up, HTML export and the rest: "
          f"{overhead:.1f} s")
    return total, largest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench playbook", description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS,
                        help=f"customers in the demo shop (default {DEFAULT_CUSTOMERS:,}: the default demo)")
    parser.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb", help="engine of the run")
    parser.add_argument("--data-dir", help="folder of the demo shop (default bench/out/playbook-demo-N); "
                                           "reused when it holds a demo of N customers")
    parser.add_argument("--regenerate", action="store_true", help="generate the demo shop even if it exists")
    parser.add_argument("--cdnow", action="store_true", help="also run the notebooks on CDNOW (as `make report`)")
    parser.add_argument("--memory-limit", help="DuckDB memory limit per notebook, e.g. 8GB (runner default if not "
                                               "given)")
    parser.add_argument("--timeout", type=int, default=0, help="seconds per cell (default 0: none)")
    parser.add_argument("--top", type=int, default=12, help="slowest cells shown (default 12)")
    parser.add_argument("--keep", metavar="DIR", help="write the reports to DIR and keep them (default: a temp dir)")
    args = parser.parse_args(argv)

    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    env.pop("USEROPS_SNAPSHOT_DIR", None)  # the runner decides
    folder = demo_folder(args.customers, args.data_dir)
    print(f"playbook benchmark: {args.customers:,} customers, engine {args.engine}, "
          f"{os.cpu_count()} cores, {dt.datetime.now():%Y-%m-%d %H:%M}", flush=True)
    ensure_demo(args.customers, folder, env, args.regenerate)
    sources = [str(folder)] + (["cdnow"] if args.cdnow else [])
    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="userops_bench_playbook_"))
    try:
        watched, runs = run_playbook(sources, args.engine, args.memory_limit, args.timeout, out, env)
        total, largest = print_report(watched, runs, args.top)
    finally:
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
    ok = all(r.status == "ok" for r in runs) and len(runs) > 0
    target = TARGETS.get(args.customers)
    if target and args.engine == "duckdb":
        hit = total <= target[0] and largest <= target[1]
        print(f"\n  target at {args.customers:,} customers (<= {target[0]:.0f} s of notebook time, <= "
              f"{fmt_bytes(target[1])} peak): {'PASS' if hit else 'FAIL'}")
        ok = ok and hit
    elif args.customers == DEFAULT_CUSTOMERS and args.cdnow and args.engine == "duckdb":
        hit = total <= DEFAULT_TARGET_S
        print(f"\n  target for the default demo + CDNOW (<= {DEFAULT_TARGET_S:.0f} s of notebook time): "
              f"{'PASS' if hit else 'FAIL'}")
        ok = ok and hit
    print("\nPASS" if ok else "\nFAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
