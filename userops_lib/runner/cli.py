"""The ``userops`` command: run the stage notebooks, build the report index, write demo data.

Examples
--------
::

    userops run                                   # every notebook in notebooks/, demo data
    userops run --stage 01 --stage value --data demo --data cdnow --params playbook.yaml
    userops run --data ~/exports/shop --timeout 600 --run-date 2024-06-30
    userops index --out reports
    userops demo --customers 5000 --out data/demo

Exit codes: 0 every notebook succeeded, 1 a notebook failed or timed out (or its report could
not be written: "no space left on device in DIR" / "cannot write to DIR", marked failed in the
index), 2 usage or parameter error, including an --out folder that cannot be written (nothing was
run), 130 interrupted. Every error is one line, with passwords and salts masked.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import logging
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

from ..exceptions import ParameterError, UseropsError
from .run import SCRATCH_PREFIX, Outcome, publish, run_notebook, unpublished_entry, write_problem
from .scrub import scrub
from .params import (DATABASE_URL, declared_defaults, find_notebooks, load_params_file, resolve_datasets,
                           resolve_parameters, select_notebooks)
from ..data.databases import check_password
from ..data.engine import MEMORY_LIMIT_ENV, TEMP_DIR_ENV
from ..data.ids import MASK_KEY_ENV
from ..data.snapshot import SNAPSHOT_DIR_ENV
from ..locations import demo_dir, project_root
from .index import build_index

__all__ = ["main", "build_parser", "project_root", "demo_dir"]



def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``userops`` (sub-commands ``run``, ``index``, ``demo``)."""
    root = project_root()
    parser = argparse.ArgumentParser(prog="userops", description="Run the user-operations stage reports.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{run,index,demo}")

    run = sub.add_parser("run", help="run stage notebooks and render HTML reports",
                         description="Run stage notebooks with papermill, render code-free HTML, rebuild the index.")
    run.add_argument("--stage", action="append", metavar="NAME",
                     help="01, foundation or 01_foundation; repeatable (default: every notebook)")
    run.add_argument("--data", action="append", metavar="demo|cdnow|PATH|URL",
                     help="dataset to run on: demo, cdnow, a folder of CSV/Parquet files, a .duckdb file or a "
                          "database URL (its password is never shown); repeatable (default: demo)")
    run.add_argument("--params", metavar="FILE.yaml", help="YAML parameters (top-level keys and stages: overrides)")
    run.add_argument("--out", default=str(root / "reports"), metavar="DIR", help="report folder (default: reports)")
    run.add_argument("--timeout", type=_seconds, default=900, metavar="SECONDS",
                     help="time limit per cell, 0 for none (default: 900)")
    run.add_argument("--demo-customers", type=_positive_int, metavar="N",
                     help="customers in the demo data; given: regenerate it (default: generate only if missing)")
    run.add_argument("--notebooks", default=str(root / "notebooks"), metavar="DIR",
                     help="folder of stage notebooks (default: notebooks)")
    run.add_argument("--run-date", type=_run_date, metavar="YYYY-MM-DD",
                     help="name of the run folder (default: today)")
    run.add_argument("--memory-limit", type=_memory, metavar="SIZE",
                     help="DuckDB memory limit of each notebook, e.g. 8GB; beyond it DuckDB spills to a "
                          "folder of the run (default: half of this machine's memory)")
    run.add_argument("--engine", choices=("duckdb", "spark"),
                     help="engine of every notebook, as 'engine:' in the parameters file (whose 'spark:' block "
                          "sets spark.master and other Spark settings); default duckdb, embedded")
    run.add_argument("--lang", action="append", choices=LANGUAGES, metavar="zh|en",
                     help="report language, repeatable: each dataset is reported in each language given "
                          "(zh into <dataset>/, en into <dataset>-en/; the index links the two); default: "
                          "'lang:' of the parameters file, else Chinese")
    run.set_defaults(func=cmd_run)

    index = sub.add_parser("index", help="rebuild <out>/index.html from the runs found")
    index.add_argument("--out", default=str(root / "reports"), metavar="DIR")
    index.add_argument("--lang", choices=LANGUAGES, default="zh", help="language of the index page (default zh)")
    index.set_defaults(func=cmd_index)

    demo = sub.add_parser("demo", help="write the synthetic demo dataset")
    demo.add_argument("--customers", type=_positive_int, metavar="N", help="number of customers")
    demo.add_argument("--out", metavar="DIR", help="target folder (default: $USEROPS_DEMO_DIR or data/demo)")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``userops`` console script and ``python -m userops_lib``.

    Returns
    -------
    int
        The exit code (argparse usage errors exit with 2 by raising ``SystemExit``).
    """
    args = build_parser().parse_args(argv)
    logging.getLogger("papermill").setLevel(logging.CRITICAL)  # failures are reported by us, once
    try:
        return args.func(args)
    except ParameterError as exc:
        print(f"userops: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except UseropsError as exc:
        print(f"userops: error: {_one_line(exc)}", file=sys.stderr)
        return 1


def cmd_run(args: argparse.Namespace) -> int:
    """``userops run``: check everything first, then run each notebook on each dataset."""
    notebooks = find_notebooks(Path(args.notebooks))
    selected = select_notebooks(notebooks, args.stage)
    common, per_stage = load_params_file(args.params)
    resolve_parameters(selected, {**common, **_run_options(args, None, args.lang or [])}, per_stage, notebooks)
    defaults = {nb.name: declared_defaults(nb) for nb in selected}
    datasets = resolve_datasets(args.data)
    for ds in datasets:  # a raw / in a URL password: one line now, not a riddle in every report
        if DATABASE_URL.match(ds.source):
            check_password(ds.source)
    run_date = args.run_date or dt.date.today().isoformat()
    out = Path(args.out).resolve()
    work = _scratch_folder(out)  # a read-only or full --out fails here, before any kernel starts
    _remove_stale_scratch(out)

    languages = args.lang or [common.get("lang", DEFAULT_LANG)]
    total, step, counts = len(selected) * len(datasets) * len(languages), 0, {"ok": 0, "failed": 0, "timeout": 0}
    unpublished: list[tuple[Path, dict]] = []  # runs whose report folder could not record them
    mask_key = os.environ.get(MASK_KEY_ENV) or secrets.token_hex(16)
    # DuckDB in every notebook: capped, spilling into the run's scratch folder (removed at the end)
    engine_env = {MEMORY_LIMIT_ENV: args.memory_limit or _half_the_memory(), TEMP_DIR_ENV: str(work / "duckdb-tmp")}
    try:
        for ds, lang in ((ds, lang) for ds in datasets for lang in dict.fromkeys(languages)):
            # one masking key per run: masked ids match across the run's reports, not across runs;
            # the first notebook cleans the data into the snapshot folder, the others (every language) open it
            env = {MASK_KEY_ENV: mask_key, SNAPSHOT_DIR_ENV: str(work / f"snapshots-{ds.name}"), **engine_env}
            folder = report_folder(ds.name, lang)
            problem = _prepare(ds, env, work / folder, args.demo_customers)
            dest = out / run_date / folder
            run_info = {"run_date": run_date, "dataset": ds.name, "data_source": ds.source}
            params = resolve_parameters(selected, {**common, **_run_options(args, lang, languages)}, per_stage, notebooks)
            for nb in selected:
                step += 1
                _say(f"[{step}/{total}] {nb.name} · {folder} … ", end="")
                # the dataset's own defaults (CDNOW: US dollars) unless the parameters say otherwise
                parameters = {"data_source": ds.source, **{k: v for k, v in ds.defaults.items() if k in nb.params},
                              **params[nb.name]}
                if problem:
                    now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
                    outcome = Outcome(nb.name, "failed", parameters, now, 0.0, problem)
                else:
                    with _environ(env):
                        outcome = run_notebook(nb.path, work / folder, parameters,
                                               timeout=args.timeout or None,
                                               title=f"{nb.name} · {folder} · {run_date}")
                try:
                    publish(outcome, dest, defaults=defaults[nb.name], run_info=run_info)
                except OSError as exc:  # read-only or full report folder: say so, and the index shows it
                    why = write_problem(exc, dest) or f"cannot write to {dest}: {exc.strerror or exc}"
                    outcome = dataclasses.replace(outcome, status="failed", error=why)
                    unpublished.append((dest, unpublished_entry(outcome, dest, why, run_info=run_info,
                                                                defaults=defaults[nb.name])))
                counts[outcome.status] = counts.get(outcome.status, 0) + 1
                label = {"ok": "ok", "timeout": "TIMEOUT"}.get(outcome.status, "FAILED")
                detail = f"{outcome.duration_s:.1f} s" if outcome.ok else scrub(outcome.error)
                _say(f"{label} ({detail})")
    except KeyboardInterrupt:
        _say("\ninterrupted: finished reports were kept, the one running was discarded")
        return 130
    finally:
        shutil.rmtree(work, ignore_errors=True)
        try:
            index = build_index(out, unpublished, lang=languages[0])
        except OSError as exc:
            index = None
            _say(f"the index could not be updated: {write_problem(exc, out) or exc}")
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    _say(f"{summary} · reports in {out / run_date}" + (f" · index {index}" if index else ""))
    return 0 if counts["ok"] == total and index else 1


LANGUAGES = ("zh", "en")
DEFAULT_LANG = "zh"


def report_folder(dataset: str, lang: str) -> str:
    """The folder of a dataset's reports in ``lang``: Chinese ones in ``<dataset>``, others in ``<dataset>-<lang>``."""
    return dataset if lang == DEFAULT_LANG else f"{dataset}-{lang}"


def _run_options(args: argparse.Namespace, lang: str | None, languages: list[str]) -> dict:
    """Parameters the command line sets for every notebook (checked like the parameters file's)."""
    options = {"engine": args.engine} if args.engine else {}
    if args.lang:  # only when asked: notebooks without a lang parameter still run without --lang
        options["lang"] = lang or languages[0]
    return options


def cmd_index(args: argparse.Namespace) -> int:
    """``userops index``: rebuild the index page from the status files."""
    _say(f"index written to {build_index(Path(args.out), lang=args.lang)}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """``userops demo``: write the synthetic demo dataset."""
    from ..demo.generate import write_demo

    folder = Path(args.out).expanduser().resolve() if args.out else demo_dir()
    kwargs = {"n_customers": args.customers} if args.customers else {}
    write_demo(folder, **kwargs)
    _say(f"demo data written to {folder}")
    return 0


# -- helpers -------------------------------------------------------------------------------

def _ensure_demo(n_customers: int | None) -> Path:
    """Generate the demo data if it is missing (always when ``n_customers`` is given)."""
    folder = demo_dir()
    if n_customers or not any(folder.glob("orders.*")):
        from ..demo.generate import write_demo

        _say(f"generating demo data in {folder} …")
        write_demo(folder, **({"n_customers": n_customers} if n_customers else {}))
    return folder


def _scratch_folder(out: Path) -> Path:
    """A new scratch folder inside ``out`` (created if missing).

    Raises
    ------
    ParameterError
        ``out`` cannot be written (read-only, not a folder, disk full): nothing was run.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=out))
    except OSError as exc:
        why = write_problem(exc, out) or f"cannot write to {out}: {exc.strerror or exc}"
        raise ParameterError(f"--out: {why}") from None


def _prepare(ds, env: dict[str, str], scratch: Path, demo_customers: int | None) -> str | None:
    """Make the dataset's scratch folder and, for ``demo``, the demo data (setting
    ``USEROPS_DEMO_DIR`` in ``env``); returns why the dataset cannot run, or None."""
    try:
        scratch.mkdir()
    except OSError as exc:
        return write_problem(exc, scratch) or f"cannot write to {scratch}: {exc.strerror or exc}"
    if ds.source != "demo":
        return None
    try:
        env["USEROPS_DEMO_DIR"] = str(_ensure_demo(demo_customers))
    except Exception as exc:  # disk full, no demo.py yet, a bug in the generator, ...
        why = write_problem(exc, demo_dir()) if isinstance(exc, OSError) else None
        return f"demo data could not be prepared: {why or f'{type(exc).__name__}: {exc}'}"
    return None


def _one_line(exc: Exception) -> str:
    """An error message on one line, URL passwords masked (a ``--data`` URL may be quoted in it)."""
    return " ".join(scrub(str(exc)).split())


@contextlib.contextmanager
def _environ(values: dict[str, str]):
    """Set environment variables for the kernels started inside the block, then restore them."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _remove_stale_scratch(out: Path, older_than_s: float = 86400) -> None:
    """Delete scratch folders left by runs that were killed more than a day ago."""
    for p in out.glob(f"{SCRATCH_PREFIX}*"):
        with contextlib.suppress(OSError):
            if p.is_dir() and time.time() - p.stat().st_mtime > older_than_s:
                shutil.rmtree(p, ignore_errors=True)


def _say(text: str, end: str = "\n") -> None:
    try:
        print(text, end=end, flush=True)
    except UnicodeEncodeError:  # a console that cannot print "·" or "…"
        print(text.replace("·", "-").replace("…", "...").encode("ascii", "replace").decode(), end=end, flush=True)


def _half_the_memory() -> str:
    """Half of this machine's physical memory as a DuckDB size ("11GB"), or DuckDB's default if unknown."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not POSIX: DuckDB's own default (80 %)
        return ""
    return f"{max(1, total // 2 // 2**20)}MB"


def _memory(text: str) -> str:
    """A DuckDB memory size such as ``8GB`` or ``500MB``."""
    if not re.fullmatch(r"\s*\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", text, flags=re.IGNORECASE):
        raise argparse.ArgumentTypeError(f"'{text}' is not a memory size such as 8GB or 500MB")
    return text.strip()


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' must be > 0")
    return value


def _seconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of seconds") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"'{text}' must be >= 0")
    return value


def _run_date(text: str) -> str:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2024-06-30") from None
    return text
