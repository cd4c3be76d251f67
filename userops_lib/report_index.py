"""Build ``<out>/index.html``: every run under ``<out>``, newest first, failures in red.

The index is read from the ``<out>/<run-date>/<dataset>/status.json`` files the runner writes,
so it can be rebuilt at any time (``userops index``). It is one self-contained HTML file:
inline CSS, no JavaScript, relative links.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from .execute import STATUS_FILE

__all__ = ["collect_runs", "build_index"]

_RUN_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def collect_runs(out: Path) -> list[dict[str, Any]]:
    """Read every ``<run-date>/<dataset>/status.json`` under ``out``.

    Returns
    -------
    list of dict
        One item per run date, newest first: ``{"run_date", "datasets": [{"dataset",
        "data_source", "reports": [entry, ...]}], "counts": {status: n}}``. Each report entry is
        a ``status.json`` value plus links relative to ``out`` (``href``, ``ipynb_href``,
        ``last_good_href``).
    """
    out = Path(out)
    runs = []
    run_dirs = sorted((p for p in out.iterdir() if p.is_dir() and _RUN_DATE.match(p.name)),
                      reverse=True) if out.is_dir() else []
    for run_dir in run_dirs:
        datasets, counts = [], {}
        for status_file in sorted(run_dir.glob(f"*/{STATUS_FILE}")):
            try:
                data = json.loads(status_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            folder = status_file.parent
            reports = []
            entries = [e for e in data.values() if isinstance(e, dict) and "status" in e] if isinstance(data, dict) else []
            for entry in sorted(entries, key=lambda e: str(e.get("notebook", ""))):
                entry = dict(entry)
                entry["href"] = _link(out, folder, entry.get("html"))
                entry["ipynb_href"] = _link(out, folder, entry.get("ipynb"))
                good = entry.get("last_good_html")
                entry["last_good_href"] = _link(out, folder, good) if good and good != entry.get("html") else None
                entry["duration"] = _duration(entry.get("duration_s"))
                counts[entry.get("status", "?")] = counts.get(entry.get("status", "?"), 0) + 1
                reports.append(entry)
            sources = {e.get("data_source") for e in reports if e.get("data_source")}
            datasets.append({"dataset": folder.name,
                             "data_source": sources.pop() if len(sources) == 1 else folder.name,
                             "reports": reports})
        if datasets:
            runs.append({"run_date": run_dir.name, "datasets": datasets, "counts": counts})
    return runs


def build_index(out: Path) -> Path:
    """Render ``out/index.html`` from the runs found under ``out`` and return its path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    template_text = resources.files("userops_lib").joinpath("templates/index.html.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    page = env.from_string(template_text).render(
        runs=collect_runs(out),
        generated_at=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    )
    target = out / "index.html"
    tmp = out / f".index.html.{os.getpid()}.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    return target


def _link(out: Path, folder: Path, name: str | None) -> str | None:
    if not name:
        return None
    return (folder / name).relative_to(out).as_posix()


def _duration(seconds: Any) -> str:
    if not isinstance(seconds, (int, float)):
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, sec = divmod(int(round(seconds)), 60)
    return f"{minutes} min {sec:02d} s"
