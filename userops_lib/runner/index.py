"""Build ``<out>/index.html``: every run under ``<out>``, newest first, failures in red.

The index is read from the ``<out>/<run-date>/<dataset>/status.json`` files the runner writes,
so it can be rebuilt at any time (``userops index``). It is one self-contained HTML file:
inline CSS, no JavaScript (its Content-Security-Policy forbids any), relative links. A status file
that cannot be read (cut short, not JSON) shows as "status unreadable" for its folder instead of
stopping the index.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import uuid
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import jinja2

from ..report.i18n import N_
from .run import CONTENT_SECURITY_POLICY, STATUS_FILE, mask_urls, public_parameters

__all__ = ["collect_runs", "build_index", "report_language", "LANGUAGE_NAMES"]

_RUN_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def collect_runs(out: Path, pending: Iterable[tuple[Path, dict]] = ()) -> list[dict[str, Any]]:
    """Read every ``<run-date>/<dataset>/status.json`` under ``out``.

    Parameters
    ----------
    out : Path
        The report folder.
    pending : iterable of (Path, dict)
        ``(<out>/<run-date>/<dataset>, status entry)`` of runs whose folder could not record them
        (:func:`userops_lib.runner.run.unpublished_entry`); each replaces the entry of its notebook.

    Returns
    -------
    list of dict
        One item per run date, newest first: ``{"run_date", "datasets": [{"dataset",
        "data_source", "reports": [entry, ...], "unreadable"}], "counts": {status: n}}``. Each
        report entry is a ``status.json`` value plus links relative to ``out`` (``href``,
        ``ipynb_href``, ``last_good_href``) and ``parameter_list`` (``(name, value, passed)``,
        the passed parameters first). ``unreadable`` is ``None``, or why the folder's
        ``status.json`` could not be read (then ``reports`` is empty and the folder counts as
        one ``unreadable`` run). An entry of the wrong shape gets the status ``unreadable``.
    """
    out = Path(out)
    extra: dict[Path, dict] = {}
    for folder, entry in pending:
        extra.setdefault(Path(folder), {})[str(entry.get("notebook"))] = entry
    found = {f.parent for f in out.glob(f"*/*/{STATUS_FILE}")} if out.is_dir() else set()
    folders = {f for f in found | set(extra) if f.parent.parent == out and _RUN_DATE.match(f.parent.name)}
    runs = []
    for run_name in sorted({f.parent.name for f in folders}, reverse=True):
        datasets, counts = [], {}
        for folder in sorted(f for f in folders if f.parent.name == run_name):
            data, problem = _read_status(folder / STATUS_FILE) if folder in found else ({}, None)
            data = {**data, **extra.get(folder, {})}
            reports = [_report(out, folder, name, raw) for name, raw in sorted(data.items(), key=lambda kv: str(kv[0]))]
            for status in [r["status"] for r in reports] or (["unreadable"] if problem else []):
                counts[status] = counts.get(status, 0) + 1
            sources = {e.get("data_source") for e in reports if isinstance(e.get("data_source"), str)}
            datasets.append({"dataset": folder.name,
                             "data_source": mask_urls(sources.pop()) if len(sources) == 1 else folder.name,
                             "reports": reports, "unreadable": problem if not extra.get(folder) else None,
                             "status_href": _link(out, folder, STATUS_FILE)})
        _link_languages(datasets)
        runs.append({"run_date": run_name, "datasets": datasets, "counts": counts})
    return runs


#: how the index names each report language, in that language
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


def report_language(entry: dict) -> str:
    """The language a report was written in: its ``lang`` parameter (reports made before the
    parameter existed were English)."""
    for source in ("parameters", "effective_parameters"):
        values = entry.get(source)
        if isinstance(values, dict) and isinstance(values.get("lang"), str):
            return values["lang"]
    return "en"


def _link_languages(datasets: list[dict]) -> None:
    """Give each report of a run links to the same notebook on the same data in its other languages."""
    found: dict[tuple, dict[str, str]] = {}
    for ds in datasets:
        for r in ds["reports"]:
            if r.get("href") and r["status"] == "ok":
                found.setdefault((ds["data_source"], r["notebook"]), {})[r["lang"]] = r["href"]
    for ds in datasets:
        for r in ds["reports"]:
            versions = found.get((ds["data_source"], r["notebook"]), {})
            r["other_languages"] = [(LANGUAGE_NAMES.get(lang, lang), href)
                                    for lang, href in sorted(versions.items()) if lang != r["lang"]]


def build_index(out: Path, pending: Iterable[tuple[Path, dict]] = (), lang: str = "zh") -> Path:
    """Render ``out/index.html`` from the runs found under ``out`` (and ``pending``, see
    :func:`collect_runs`) in the language ``lang`` and return its path."""
    from ..report.i18n import translations

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    template_text = resources.files("userops_lib.runner").joinpath("templates/index.html.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(translations(lang), newstyle=True)  # the report catalog, same terms
    page = env.from_string(template_text).render(
        lang=lang,
        runs=collect_runs(out, pending),
        csp=CONTENT_SECURITY_POLICY,
        generated_at=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    )
    target = out / "index.html"
    tmp = out / f".index.html.{uuid.uuid4().hex}.tmp"
    try:
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _read_status(path: Path) -> tuple[dict, str | None]:
    """``(notebook -> entry, None)``, or ``({}, why it cannot be read)``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return {}, f"cannot be read: {exc.strerror or exc}"
    except UnicodeDecodeError:
        return {}, "not UTF-8 text"
    except ValueError as exc:
        return {}, f"not valid JSON (cut short?): {exc}"
    if not isinstance(data, dict):
        return {}, f"holds a JSON {type(data).__name__}, not a mapping of notebook -> entry"
    return data, None


def _report(out: Path, folder: Path, name: Any, raw: Any) -> dict[str, Any]:
    """One index row from a ``status.json`` entry; fields of the wrong type are left out."""
    entry = dict(raw) if isinstance(raw, dict) else {}
    status = entry.get("status")
    if not isinstance(status, str):
        entry["status"] = "unreadable"
        entry["error"] = f"the entry for '{name}' in {STATUS_FILE} has no status text"
    entry["notebook"] = entry["notebook"] if isinstance(entry.get("notebook"), str) else str(name)
    entry["href"] = _link(out, folder, entry.get("html"))
    entry["ipynb_href"] = _link(out, folder, entry.get("ipynb"))
    good = entry.get("last_good_html")
    entry["last_good_href"] = _link(out, folder, good) if good != entry.get("html") else None
    entry["duration"] = _duration(entry.get("duration_s"))
    entry["lang"] = report_language(entry)
    entry["language_name"] = LANGUAGE_NAMES.get(entry["lang"], entry["lang"])
    entry["parameter_list"] = _parameter_list(entry)
    entry["covers"] = _covers(entry)
    skipped = entry.get("skipped_sections")
    entry["skipped_sections"] = [str(x) for x in skipped] if isinstance(skipped, list) else []
    return entry


#: Parameters that say what a report covers, with the words the index uses for them. ``as_of``
#: may come from any parameter source; the others only from what the notebook recorded with
#: ``record_resolved`` (01's ``period = "month"`` is a table granularity, not a review period).
COVERS = {"as_of": N_("data up to"), "period": N_("KPI period"), "calibration_end": N_("models fitted up to")}
#: what the index says of a report whose models were validated up to calibration_end
REFIT_WORDS = N_("CLV refitted up to")
#: status words of the index, translated in the template
STATUS_WORDS = (N_("ok"), N_("failed"), N_("timeout"), N_("unreadable"))


def _covers(entry: dict) -> list[tuple[str, Any]]:
    """What the report covers: ``[(words, value), ...]``, e.g. ``[("data up to", "2025-12-31"),
    ("KPI period", "2025-Q4")]`` (the template translates the words)."""
    def values(source: str) -> dict:
        found = entry.get(source)
        return {k: v for k, v in found.items() if v is not None} if isinstance(found, dict) else {}

    resolved = values("resolved_parameters")
    shown = {k: v for k, v in resolved.items() if k in COVERS}
    as_of = resolved.get("as_of", values("parameters").get("as_of", values("effective_parameters").get("as_of")))
    if as_of is not None:
        shown["as_of"] = as_of
    found = [(words, shown[k]) for k, words in COVERS.items() if isinstance(shown.get(k), (str, int))]
    if "calibration_end" in shown and isinstance(shown.get("as_of"), (str, int)):
        # the validation fit ends at calibration_end; the CLV itself comes from a refit on all the data
        found.append((REFIT_WORDS, shown["as_of"]))
    return found


def _parameter_list(entry: dict) -> list[tuple[str, Any, bool, Any]]:
    """``(name, value, passed, resolved)``: the passed parameters, then the notebook defaults, each
    in cell order; ``resolved`` is what the notebook recorded the value resolved to (or None).

    Entries written before effective parameters were recorded only have the passed ones.
    """
    passed = entry.get("parameters") if isinstance(entry.get("parameters"), dict) else {}
    effective = entry.get("effective_parameters")
    effective = {**effective, **passed} if isinstance(effective, dict) else passed
    resolved = entry.get("resolved_parameters") if isinstance(entry.get("resolved_parameters"), dict) else {}
    shown = public_parameters(effective)  # also for status files written before masking existed
    resolved = public_parameters(resolved)
    rows = [(str(k), v, k in passed, resolved.get(k) if resolved.get(k) != v else None) for k, v in shown.items()]
    return [r for r in rows if r[2]] + [r for r in rows if not r[2]]


def _link(out: Path, folder: Path, name: Any) -> str | None:
    """Link to a file of ``folder``; anything but a plain file name gives none."""
    if not isinstance(name, str) or name in ("", ".", "..") or Path(name).name != name:
        return None
    return (folder / name).relative_to(out).as_posix()


def _duration(seconds: Any) -> str:
    if not isinstance(seconds, (int, float)):
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, sec = divmod(int(round(seconds)), 60)
    return f"{minutes} min {sec:02d} s"
