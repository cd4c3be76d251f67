"""Run one notebook with papermill, render it to code-free HTML, publish it without losing the last good report.

A run writes into a scratch folder under ``<out>/`` and only moves finished files into
``<out>/<run-date>/<dataset>/`` with :func:`os.replace` (same file system, so each move is
atomic). A failed notebook is published as ``<name>.FAILED.ipynb`` / ``<name>.FAILED.html``
and never overwrites ``<name>.html`` from an earlier good run.

``status.json`` is updated under an exclusive :func:`fcntl.flock` on ``.status.json.lock`` in
the same folder, so runs publishing into the same ``<out>/<run-date>/<dataset>/`` at once
(two ``userops run``, or threads) all keep their entries; the new content is written to a
temporary file there and moved over ``status.json``, so a reader or a crash never sees half a
file. Where :mod:`fcntl` does not exist (Windows) there is no lock: concurrent runs into one
folder may then lose entries (each write is still whole).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import errno
import html
import json
import logging
import os
import time
import uuid
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import papermill
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from papermill.exceptions import PapermillExecutionError
from papermill.translators import translate_parameters
from traitlets.config import Config

from .scrub import mask_urls, public_parameters, scrub, scrub_notebook, secret_values

try:
    import fcntl
except ImportError:  # Windows: no lock, see the module docstring
    fcntl = None

__all__ = ["CONTENT_SECURITY_POLICY", "Outcome", "run_notebook", "export_html", "publish", "unpublished_entry",
           "write_problem", "public_parameters", "mask_urls", "STATUS_FILE"]

STATUS_FILE = "status.json"
#: Name prefix of a run's scratch folder inside ``--out`` (removed when the run ends).
SCRATCH_PREFIX = ".tmp-run-"
_log = logging.getLogger("userops.runner")
BANNER_TAG = "userops-error-banner"
#: Cells with one of these tags are left out of the HTML report.
REMOVE_TAGS = ("remove-cell", "remove_cell")
#: nbconvert template of the reports, in :data:`TEMPLATES`: the lab template without any script.
REPORT_TEMPLATE = "userops_report"
TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Every report and the index: no script at all (inline or remote), nothing from the network; inline
#: CSS (nbconvert's and pandas' tables use <style> and style attributes) and data: images (charts).
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'none'; object-src 'none'; style-src 'unsafe-inline'; "
                           "img-src data:; font-src data:; base-uri 'none'; form-action 'none'")
_quiet = logging.getLogger("userops.nbconvert")
_quiet.setLevel(logging.ERROR)


@dataclass
class Outcome:
    """What happened to one notebook run.

    Attributes
    ----------
    notebook : str
        Notebook name (file name without ``.ipynb``).
    status : str
        ``ok``, ``failed`` or ``timeout``.
    parameters : dict
        Parameters injected into the notebook.
    started_at : str
        ISO time stamp (local time with offset).
    duration_s : float
        Wall-clock seconds, kernel start-up and HTML export included.
    error : str or None
        One-line ``ExceptionType: message`` (or time-out description) when not ok.
    files : dict
        ``{"ipynb": Path, "html": Path}`` in the scratch folder (html may be missing if
        rendering failed).
    resolved : dict
        What parameters left to the notebook resolved to, as the notebook recorded them with
        :func:`userops_lib.report.display.record_resolved` (e.g. ``{"as_of": "2024-06-30"}``).
    skipped : list of str
        Sections the report skipped for a missing table (:func:`userops_lib.report.display.skip_note`).
    """

    notebook: str
    status: str
    parameters: dict[str, Any]
    started_at: str
    duration_s: float
    error: str | None = None
    files: dict[str, Path] = field(default_factory=dict)
    resolved: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def run_notebook(
    input_path: Path,
    work_dir: Path,
    parameters: dict[str, Any],
    *,
    timeout: int | None = 900,
    kernel_name: str = "python3",
    title: str | None = None,
) -> Outcome:
    """Execute ``input_path`` with papermill into ``work_dir`` and render the HTML report.

    Never raises for a problem inside the notebook: failures and cell time-outs come back as
    an :class:`Outcome` whose files are ``<name>.FAILED.ipynb`` / ``.FAILED.html`` with a red
    banner at the top saying what went wrong.

    Parameters
    ----------
    input_path : Path
        The notebook to run; it runs with its own folder as working directory.
    work_dir : Path
        Scratch folder for the executed notebook and its HTML.
    parameters : dict
        Typed values for the ``parameters`` cell (papermill injects them after it).
    timeout : int, optional
        Seconds one cell may run (``None``: no limit).
    kernel_name : str
        Jupyter kernel (``python3`` is the venv's ipykernel).
    title : str, optional
        HTML page title.
    """
    input_path = Path(input_path).resolve()
    name = input_path.stem
    out_nb = Path(work_dir) / f"{name}.ipynb"
    secrets = secret_values(parameters)  # kept out of the notebook, its HTML and the error text
    started = dt.datetime.now().astimezone()
    t0 = time.perf_counter()
    status, error = "ok", None
    try:
        papermill.execute_notebook(
            str(input_path), str(out_nb), parameters=parameters, kernel_name=kernel_name,
            cwd=str(input_path.parent), execution_timeout=timeout, log_output=False,
            progress_bar=False, request_save_on_cell_execute=True, config=_kernel_config(),
            shutdown_kernel="immediate",  # outputs are saved; a graceful stop of a busy kernel only spews
            # papermill fails a cell whose last output arrives more than iopub_timeout after the kernel
            # replied; nbclient's 4 s default failed healthy reports on a busy machine (a scheduled run
            # beside other jobs), so allow a minute: a hung cell is still stopped by execution_timeout
            iopub_timeout=60,
        )
    except PapermillExecutionError as exc:
        status, error = "failed", _one_line(exc.ename, exc.evalue)
    except TimeoutError as exc:  # nbclient's CellTimeoutError (and IOPub time-outs)
        status, error = "timeout", _timeout_message(out_nb, timeout, exc)
    except OSError as exc:  # the executed notebook could not be saved (disk full, read-only), ...
        status, error = "failed", write_problem(exc, work_dir) or _one_line(type(exc).__name__, str(exc))
    except Exception as exc:  # kernel died / could not start, unreadable notebook, ...
        status, error = "failed", _one_line(type(exc).__name__, str(exc))

    nb, unreadable = _read_executed(out_nb)
    if unreadable and status == "ok":
        status, error = "failed", unreadable
    resolved = _pop_resolved_parameters(nb)
    _mask_injected_parameters(nb, parameters, kernel_name)
    scrub_notebook(nb, secrets)  # an error message or output that echoes a URL or a salt
    error = scrub(error, secrets)
    files: dict[str, Path] = {}
    if status == "ok":
        try:
            nbformat.write(nb, str(out_nb))
            files["ipynb"] = out_nb
            files["html"] = export_html(nb, out_nb.with_suffix(".html"), title=title)
        except OSError as exc:
            status, error, files = "failed", write_problem(exc, work_dir) or _one_line(type(exc).__name__, str(exc)), {}
        except Exception as exc:  # a report that cannot be rendered is not a good report
            status, error = "failed", _one_line("HTML export failed: " + type(exc).__name__, scrub(str(exc), secrets))
            files = {}
    if status != "ok":
        files, error = _write_failed(nb, out_nb, status, error or "", parameters, title)
    return Outcome(name, status, dict(parameters), started.isoformat(timespec="seconds"),
                   round(time.perf_counter() - t0, 2), error, files, resolved, _skipped_sections(nb))


def _write_failed(nb: nbformat.NotebookNode, out_nb: Path, status: str, error: str, parameters: dict,
                  title: str | None) -> tuple[dict[str, Path], str]:
    """Write ``<name>.FAILED.ipynb`` / ``.FAILED.html`` with the red banner; returns the files written
    and the error (with why a file could not be written, if so)."""
    _add_banner(nb, status, error, parameters)
    failed_nb = out_nb.with_name(f"{out_nb.stem}.FAILED.ipynb")
    files: dict[str, Path] = {}
    out_nb.unlink(missing_ok=True)
    out_nb.with_suffix(".html").unlink(missing_ok=True)
    try:
        nbformat.write(nb, str(failed_nb))
        files["ipynb"] = failed_nb
        files["html"] = export_html(nb, failed_nb.with_suffix(".html"), title=title)
    except OSError as exc:  # keep what could be written; the error says the rest
        problem = write_problem(exc, out_nb.parent) or f"{type(exc).__name__}: {exc}"
        if problem not in error:
            error = f"{error} (the failed report could not be written: {problem})"
    except Exception as exc:  # keep the .ipynb at least
        error = f"{error} (HTML export also failed: {type(exc).__name__}: {mask_urls(str(exc))})"
    return files, error


def write_problem(exc: OSError, folder: Path | str) -> str | None:
    """One line for a write that failed because the disk is full or the folder is not writable
    (None for other errors): ``no space left on device in DIR`` / ``cannot write to DIR (...)``."""
    target = exc.filename2 or exc.filename  # a move names its destination second
    where = Path(target).parent if isinstance(target, (str, Path)) and target else Path(folder)
    # a run's scratch folder is gone when the run ends: name the --out folder that holds it
    where = next((p.parent for p in (where, *where.parents) if p.name.startswith(SCRATCH_PREFIX)), where)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"no space left on device in {where}"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write to {where} ({(exc.strerror or 'not writable').lower()})"
    return None


def _read_executed(path: Path) -> tuple[nbformat.NotebookNode, str | None]:
    """The executed notebook, or an empty one and why it could not be read (a write cut short by a
    full disk leaves a file that is not JSON)."""
    if not path.exists():
        return nbformat.v4.new_notebook(), None
    try:
        return nbformat.read(str(path), as_version=4), None
    except Exception as exc:
        return nbformat.v4.new_notebook(), _one_line("the executed notebook could not be read", f"{exc}")


def _skipped_sections(nb: nbformat.NotebookNode) -> list[str]:
    """Sections the notebook skipped, from the metadata of its skip notes, in order."""
    from ..report.display import SKIPPED_KEY

    return [str(out.metadata[SKIPPED_KEY]) for cell in nb.cells if cell.cell_type == "code"
            for out in cell.get("outputs", []) if SKIPPED_KEY in out.get("metadata", {})]


def _pop_resolved_parameters(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """The values the notebook recorded with ``record_resolved`` (later records win); their
    outputs are removed from ``nb``, so the saved notebook and the HTML carry no invisible cells."""
    from ..report.display import RESOLVED_MIMETYPE

    resolved: dict[str, Any] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            values = output.get("data", {}).get(RESOLVED_MIMETYPE)
            if isinstance(values, dict):
                resolved.update(values)
            else:
                kept.append(output)
        cell.outputs = kept
    return resolved


def export_html(nb: nbformat.NotebookNode, path: Path, title: str | None = None) -> Path:
    """Write ``nb`` as HTML without code cells' input or prompts (outputs and markdown only).

    Cells tagged ``remove-cell`` are dropped, and so is what cells wrote to stderr (library warnings,
    Spark's progress bars: the kept ``.ipynb`` has them for the analyst; a manager's report does not).
    The notebook's own outputs (figures are base64 PNGs) are embedded, so the file stands alone.
    The template (``templates/userops_report``) is nbconvert's lab template without any script,
    under :data:`CONTENT_SECURITY_POLICY`.
    """
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    exporter = HTMLExporter(template_name=REPORT_TEMPLATE, extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            log=_quiet)
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=set(REMOVE_TAGS), enabled=True), enabled=True)
    resources = {"metadata": {"name": title or Path(path).stem}, "userops_csp": CONTENT_SECURITY_POLICY}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    Path(path).write_text(body, encoding="utf-8")
    return Path(path)


def publish(outcome: Outcome, dest: Path, *, run_info: dict[str, Any] | None = None,
            defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    """Move the outcome's files into ``dest`` and merge its entry into ``dest/status.json``.

    A good run replaces ``<name>.ipynb``/``.html`` and removes a stale ``<name>.FAILED.*``; a
    failed run only writes ``<name>.FAILED.*`` and leaves the last good report in place. A run
    that started before the one already published for this notebook (two runs into one folder
    at once) moves no files and is only added to that entry's ``history``: the newest run wins.

    ``status.json`` maps each notebook name to its latest entry: ``status`` (ok / failed /
    timeout), ``parameters`` (the values passed: YAML and ``data_source``),
    ``effective_parameters`` (what the notebook ran with: its ``defaults`` overlaid with the
    passed values, in cell order), ``default_parameters`` (names that took the notebook's
    default), ``resolved_parameters`` (what the notebook recorded that those resolved to, e.g.
    ``as_of`` = the last order date), ``skipped_sections`` (sections skipped for a missing table),
    ``started_at``, ``duration_s``, ``error``, ``html``, ``ipynb``,
    ``last_good_html`` (file names in ``dest``), the ``run_info`` keys (``run_date``,
    ``dataset``, ``data_source``) and ``history`` (earlier attempts, oldest first). Values of
    secret-looking parameters and passwords in URLs are masked (:func:`public_parameters`).

    Parameters
    ----------
    outcome : Outcome
        The run to publish.
    dest : Path
        ``<out>/<run-date>/<dataset>``.
    run_info : dict, optional
        Extra keys for the entry.
    defaults : dict, optional
        The notebook's declared defaults (:func:`userops_lib.runner.params.declared_defaults`);
        without them the effective parameters are the passed ones.

    Returns
    -------
    dict
        The status entry written for this notebook (paths relative to ``dest``).
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    status_path = dest / STATUS_FILE
    # files and status change together under the folder's lock, so two runs of one notebook
    # into one folder cannot leave one run's HTML beside the other's status
    with _locked(status_path.with_name(f".{status_path.name}.lock")):
        data = _read_status(status_path)
        current = data.get(outcome.notebook)
        superseded = isinstance(current, dict) and _started(current) > _started({"started_at": outcome.started_at})
        moved = {"ipynb": None, "html": None} if superseded else _move_files(outcome, dest)
        entry = _status_entry(outcome, dest, moved, defaults)
        if superseded:  # a newer run already published: this one only joins its history
            current.setdefault("history", []).append(_history_item(entry))
            current["history"] = sorted(current["history"][-50:], key=_started)
            entry = current
        else:
            data[outcome.notebook] = _with_history(entry, current, public_parameters(run_info or {}))
        _write_whole(status_path, json.dumps(data, indent=2, ensure_ascii=False, default=str))
    return entry


def unpublished_entry(outcome: Outcome, dest: Path, error: str, *, run_info: dict[str, Any] | None = None,
                      defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``status.json`` entry :func:`publish` would have written for ``outcome`` had ``dest`` been
    writable, as a failure saying why (``error``) and linking no file: the index shows it in red
    although the folder's own status file could not record it."""
    failed = dataclasses.replace(outcome, status="failed", error=error, files={})
    entry = _status_entry(failed, Path(dest), {"ipynb": None, "html": None}, defaults)
    return {**entry, **public_parameters(run_info or {}), "history": []}


def _move_files(outcome: Outcome, dest: Path) -> dict[str, str | None]:
    moved: dict[str, str | None] = {"ipynb": None, "html": None}
    for kind in ("ipynb", "html"):  # the .ipynb first: an .html is never newer than its notebook
        src = outcome.files.get(kind)
        if src is not None and Path(src).exists():
            os.replace(src, dest / Path(src).name)
            moved[kind] = Path(src).name
    if outcome.ok:
        for suffix in (".FAILED.ipynb", ".FAILED.html"):
            (dest / f"{outcome.notebook}{suffix}").unlink(missing_ok=True)
    return moved


def _status_entry(outcome: Outcome, dest: Path, moved: dict, defaults: dict | None) -> dict[str, Any]:
    good_html = dest / f"{outcome.notebook}.html"
    return {
        "notebook": outcome.notebook,
        "status": outcome.status,
        "parameters": public_parameters(outcome.parameters),
        "effective_parameters": public_parameters({**(defaults or {}), **outcome.parameters}),
        "default_parameters": [k for k in (defaults or {}) if k not in outcome.parameters],
        "resolved_parameters": public_parameters(outcome.resolved),
        "skipped_sections": list(outcome.skipped),
        "started_at": outcome.started_at,
        "duration_s": outcome.duration_s,
        "error": mask_urls(outcome.error),
        "html": moved["html"],
        "ipynb": moved["ipynb"],
        "last_good_html": good_html.name if good_html.exists() else None,
    }


def _history_item(entry: dict) -> dict:
    return {k: entry.get(k) for k in ("status", "started_at", "duration_s", "error")}


def _with_history(entry: dict, previous, run_info: dict) -> dict:
    """``entry`` as the notebook's latest, the previous latest appended to its ``history``."""
    previous = previous if isinstance(previous, dict) else {}
    history = list(previous.get("history") or [])
    if previous:
        history.append(_history_item(previous))
    return {**entry, **run_info, "history": history[-50:]}


def _started(entry: dict) -> dt.datetime:
    """When a run started, for ordering runs (an entry without a readable time is the oldest)."""
    try:
        when = dt.datetime.fromisoformat(str(entry.get("started_at")))
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


# -- helpers -------------------------------------------------------------------------------

def _kernel_config() -> Config:
    """Let jupyter_client give the kernel CurveZMQ keys when it can (ipykernel 7 warns on plain TCP)."""
    config = Config()
    try:
        import zmq

        if zmq.has("curve"):
            config.KernelManager.transport_encryption = "auto"
    except Exception:  # older jupyter_client / pyzmq: plain TCP on localhost, as before
        pass
    return config


def _one_line(ename: str, evalue: str) -> str:
    text = " ".join(str(evalue or "").split())
    if len(text) > 400:
        text = text[:397] + "..."
    return f"{ename}: {text}" if text else ename


def _timeout_message(out_nb: Path, timeout: int | None, exc: BaseException) -> str:
    """Which cell timed out: the last code cell papermill recorded a start time for."""
    where = "a cell"  # code cells are counted with papermill's injected-parameters cell
    if out_nb.exists():
        try:
            nb = nbformat.read(str(out_nb), as_version=4)
            code = [c for c in nb.cells if c.cell_type == "code"]
            started = [i for i, c in enumerate(code) if c.metadata.get("papermill", {}).get("start_time")]
            if started:
                i = started[-1]
                line = next((ln.strip() for ln in code[i].source.splitlines() if ln.strip()), "")
                line = line if len(line) <= 60 else line[:57] + "..."
                where = f"code cell {i + 1} of {len(code)}" + (f": {line}" if line else "")
        except Exception:  # the message must not fail; keep "a cell"
            pass
    if "IOPub" in str(exc):
        return f"timed out waiting for kernel output in {where}"
    return f"timed out after {timeout} s (--timeout) in {where}"


def _mask_injected_parameters(nb: nbformat.NotebookNode, parameters: dict, kernel_name: str) -> bool:
    """Rewrite papermill's ``injected-parameters`` cell and its record in the metadata with secrets
    masked (see :func:`public_parameters`), so a kept ``.ipynb`` does not hold the salt in clear text.
    Returns whether the cell changed. (The HTML never shows code cells.)"""
    public = public_parameters(parameters)
    if public == parameters:
        return False
    language = nb.metadata.get("kernelspec", {}).get("language", "python")
    changed = False
    recorded = nb.metadata.get("papermill", {})
    if "parameters" in recorded:  # papermill also records the values in the notebook's metadata
        recorded["parameters"] = public_parameters(recorded["parameters"])
        changed = True
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = translate_parameters(kernel_name, language, public, "Parameters (secrets masked)")
            changed = True
    return changed


def _add_banner(nb: nbformat.NotebookNode, status: str, error: str, parameters: dict) -> None:
    """Put a red note at the top: papermill adds none for time-outs, and managers read the top."""
    nb.cells = [c for c in nb.cells if BANNER_TAG not in c.get("metadata", {}).get("tags", [])]
    what = "timed out" if status == "timeout" else "failed"
    params = ", ".join(f"{k}={v!r}" for k, v in public_parameters(parameters).items())
    text = (
        '<div style="border:2px solid #c62828;background:#fdecea;color:#8e0000;padding:12px 16px;'
        'border-radius:6px;font-family:sans-serif">'
        f"<strong>This report {what} and is incomplete.</strong><br>"
        f"<code>{html.escape(mask_urls(error))}</code><br>"
        f"<small>Parameters: {html.escape(params)}. The output below stops where the run stopped; "
        "the last good report (if any) was left in place.</small></div>"
    )
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["tags"] = [BANNER_TAG]
    nb.cells.insert(0, cell)


@contextlib.contextmanager
def _locked(lock_path: Path):
    """Hold an exclusive lock on ``lock_path`` while the block runs (no lock without fcntl).

    ``flock`` (not ``lockf``): its lock belongs to the open file, so it also keeps apart two
    threads of one process, not only two processes.
    """
    if fcntl is None:
        yield
        return
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _read_status(path: Path) -> dict:
    """The current ``status.json``; an unreadable one is kept aside as ``status.json.unreadable-<time>``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError:  # truncated or not JSON (UnicodeDecodeError is a ValueError too)
        data = None
    if isinstance(data, dict):
        return data
    kept = path.with_name(f"{path.name}.unreadable-{dt.datetime.now():%Y%m%dT%H%M%S%f}")
    os.replace(path, kept)
    _log.warning("%s was unreadable; kept it as %s and started a new one", path, kept.name)
    return {}


def _write_whole(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old or the new file, never a part."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")  # unique per writer, same folder
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())  # the data is on disk before the rename makes it visible
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
