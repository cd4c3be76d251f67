"""From a YAML parameter file and ``--data`` values to typed per-notebook parameters.

Parameters reach the notebooks as YAML values (``"0012"`` stays a string), never as
type-guessed ``-p`` strings. Each notebook's declared parameters come from its cell tagged
``parameters`` (:func:`papermill.inspect_notebook`), and every YAML key and value is checked
against them before any kernel starts, so a typo fails in a second with a clear message.

YAML layout::

    period: month            # for every notebook that declares `period`
    stages:                  # per-stage overrides; keys: 01, foundation or 01_foundation
      foundation:
        period: week
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import papermill

from ..exceptions import ParameterError
from ..data.databases import url_parts
from ..data.yamlfile import read_yaml

__all__ = [
    "DATA_KEYWORDS",
    "DEMO_DEFAULTS",
    "RESERVED",
    "Dataset",
    "NotebookSpec",
    "find_notebooks",
    "select_notebooks",
    "declared_parameters",
    "declared_defaults",
    "load_params_file",
    "resolve_parameters",
    "resolve_datasets",
]

#: ``--data`` values that name a built-in dataset rather than a path.
DATA_KEYWORDS = ("demo", "cdnow", "cdnow_sample")
#: Parameters the demo shop implies unless a run sets them: a Chinese shop keeps Beijing time.
DEMO_DEFAULTS = {"time_zone": "Asia/Shanghai"}
#: A ``--data`` value that is a database URL (``postgresql://user:pw@host/db``, ``duckdb:///shop.duckdb``).
DATABASE_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
#: Parameters set by the runner itself; a YAML file may not set them.
RESERVED = ("data_source",)

_KINDS = {
    "int": "int", "float": "float", "str": "str", "bool": "bool",
    "list": "list", "List": "list", "tuple": "list", "Tuple": "list", "Sequence": "list",
    "dict": "dict", "Dict": "dict", "Mapping": "dict",
}


@dataclass(frozen=True)
class NotebookSpec:
    """A stage notebook and what its ``parameters`` cell declares.

    Attributes
    ----------
    path : Path
        The notebook file.
    params : dict
        ``name -> {name, inferred_type_name, default, help}`` as papermill infers them.
    """

    path: Path
    params: dict[str, dict] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """File name without ``.ipynb``, e.g. ``01_foundation``."""
        return self.path.stem

    @property
    def aliases(self) -> set[str]:
        """Names ``--stage`` and the YAML ``stages:`` keys accept: ``01``, ``foundation``, ``01_foundation``."""
        names = {self.name}
        prefix, _, rest = self.name.partition("_")
        if prefix.isdigit() and rest:
            names |= {prefix, rest}
        return names


@dataclass(frozen=True)
class Dataset:
    """One ``--data`` value.

    Attributes
    ----------
    name : str
        Folder name under ``<out>/<run-date>/``: ``demo``, ``cdnow`` or the PATH's name.
    source : str
        The ``data_source`` value the notebooks receive (keyword or absolute path).
    defaults : dict
        Parameters this dataset implies unless the run sets them (CDNOW is an American shop: USD).
    """

    name: str
    source: str
    defaults: dict = field(default_factory=dict)


def find_notebooks(folder: Path) -> list[NotebookSpec]:
    """Inspect every ``*.ipynb`` in ``folder`` (sorted by name).

    Raises
    ------
    ParameterError
        If the folder does not exist or holds no notebook.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ParameterError(f"notebook folder '{folder}' does not exist")
    paths = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    if not paths:
        raise ParameterError(f"notebook folder '{folder}' holds no .ipynb file")
    return [NotebookSpec(p, declared_parameters(p)) for p in paths]


def select_notebooks(notebooks: list[NotebookSpec], stages: list[str] | None) -> list[NotebookSpec]:
    """Keep the notebooks named by ``--stage`` (all when ``stages`` is empty), in folder order.

    Raises
    ------
    ParameterError
        If a stage name matches no notebook.
    """
    if not stages:
        return list(notebooks)
    wanted = set()
    for stage in stages:
        hits = [nb.name for nb in notebooks if stage in nb.aliases]
        if not hits:
            known = ", ".join(nb.name for nb in notebooks)
            raise ParameterError(f"--stage '{stage}' matches no notebook; available: {known}")
        wanted.update(hits)
    return [nb for nb in notebooks if nb.name in wanted]


def declared_parameters(path: Path) -> dict[str, dict]:
    """Parameters declared in the notebook's ``parameters`` cell.

    Uses :func:`papermill.inspect_notebook`; assignments papermill's line pattern misses
    (``x: int | None = 3``, ``d = dict(a=1)``) are added from a parse of the cell, with an
    unknown type. The result is in the cell's order.
    """
    params = papermill.inspect_notebook(str(path))
    nb = nbformat.read(str(path), as_version=4)
    cell = next((c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    order: list[str] = []
    if cell is not None:
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            tree = None
        for node in tree.body if tree else []:
            target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else (
                node.target if isinstance(node, ast.AnnAssign) and node.value is not None else None)
            if not isinstance(target, ast.Name):
                continue
            order.append(target.id)
            if target.id not in params:
                params[target.id] = {"name": target.id, "inferred_type_name": "None",
                                     "default": ast.get_source_segment(cell.source, node.value) or "",
                                     "help": ""}
    # papermill lists the lines it parsed first; reports list parameters as the cell does
    return {**{k: params[k] for k in order if k in params}, **params}


def declared_defaults(nb: NotebookSpec) -> dict[str, Any]:
    """The value each declared parameter takes when the run does not pass it, in cell order.

    papermill gives defaults as source text (``'"demo"'``, ``'None'``, ``'[30, 60]'``). Each
    is read with :func:`ast.literal_eval` (never ``eval``: the text comes from a notebook
    file); a default that is not a literal (``dict(a=1)``, ``dt.date(2024, 1, 1)``) is kept
    as its source text.
    """
    return {name: _literal(param.get("default", "")) for name, param in nb.params.items()}


def load_params_file(path: str | Path | None) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Read a YAML parameter file into ``(common, per_stage)``.

    Raises
    ------
    ParameterError
        If the file is missing, is not valid YAML, or is not laid out as documented above.
    """
    if path is None:
        return {}, {}
    path = Path(path)
    data = read_yaml(path, "parameter file")
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise ParameterError(f"parameter file '{path}' must be a mapping of name: value, "
                             f"not {type(data).__name__}")
    stages = data.pop("stages", None) or {}
    if not isinstance(stages, dict) or not all(isinstance(v, dict) or v is None for v in stages.values()):
        raise ParameterError(f"parameter file '{path}': 'stages' must map a stage name to a mapping "
                             "of parameters, e.g. stages: {foundation: {period: week}}")
    return data, {str(k): (v or {}) for k, v in stages.items()}


def resolve_parameters(
    selected: list[NotebookSpec],
    common: dict[str, Any],
    per_stage: dict[str, dict[str, Any]],
    all_notebooks: list[NotebookSpec] | None = None,
) -> dict[str, dict[str, Any]]:
    """Check YAML parameters against the notebooks and split them per notebook.

    Parameters
    ----------
    selected : list of NotebookSpec
        Notebooks that will run.
    common : dict
        Top-level YAML keys: each goes to the selected notebooks that declare it.
    per_stage : dict
        ``stage name -> {key: value}`` overrides (any alias of the stage works).
    all_notebooks : list of NotebookSpec, optional
        Every notebook of the folder, to resolve ``stages:`` keys of notebooks not selected
        (their overrides are checked, then ignored). Defaults to ``selected``.

    Returns
    -------
    dict
        ``notebook name -> {parameter: value}`` (``data_source`` not included).

    Raises
    ------
    ParameterError
        For a reserved key, a key no selected notebook declares, an unknown stage, or a value
        whose type contradicts the notebook's declared type or default.
    """
    all_notebooks = list(all_notebooks or selected)
    selected_names = {nb.name for nb in selected}
    out: dict[str, dict[str, Any]] = {nb.name: {} for nb in selected}

    for key in common:
        _check_reserved(key)
        takers = [nb for nb in selected if key in nb.params]
        if not takers:
            raise ParameterError(
                f"unknown parameter '{key}': no selected notebook declares it. "
                f"Known parameters: {_known(selected)}")
        for nb in takers:
            out[nb.name][key] = _check_value(nb, key, common[key])

    for stage, overrides in per_stage.items():
        hits = [nb for nb in all_notebooks if stage in nb.aliases]
        if not hits:
            raise ParameterError(f"stages: '{stage}' matches no notebook; available: "
                                 f"{', '.join(nb.name for nb in all_notebooks)}")
        for nb in hits:
            for key, value in overrides.items():
                _check_reserved(key)
                if key not in nb.params:
                    raise ParameterError(
                        f"unknown parameter '{key}' under stages: {stage}: notebook '{nb.name}' does not "
                        f"declare it. Known parameters: {_known([nb])}")
                checked = _check_value(nb, key, value)
                if nb.name in selected_names:
                    out[nb.name][key] = checked
    return out


def resolve_datasets(values: list[str] | None) -> list[Dataset]:
    """Turn ``--data`` values (``demo``, ``cdnow``, a path or a database URL) into datasets,
    duplicates removed. A URL's report folder is ``<scheme>_<database>`` (``postgresql_shop``).

    Raises
    ------
    ParameterError
        If a path does not exist or two paths would share an output folder name.
    """
    datasets: dict[str, Dataset] = {}
    for value in values or ["demo"]:
        if value in DATA_KEYWORDS:
            # the CDNOW log is an American shop's, in dollars; the demo shop is Chinese (the default CNY) and
            # keeps Beijing time (its timestamps carry no offset and are read as local times, so no date moves)
            ds = Dataset(value, value, {"currency": "USD"} if value.startswith("cdnow") else dict(DEMO_DEFAULTS))
        elif DATABASE_URL.match(value):  # checked when the notebook connects; the password is never shown
            scheme, database, host = url_parts(value)  # read without user name and password
            ds = Dataset(_folder_name(f"{scheme}_{database or host or 'db'}"), value)
        else:
            path = Path(value).expanduser().resolve()
            if not path.exists():
                raise ParameterError(f"--data '{value}': no such file or folder "
                                     f"(use {' or '.join(DATA_KEYWORDS)} or an existing path)")
            ds = Dataset(_folder_name(path.name if path.is_dir() else path.stem), str(path))
        if ds.name in datasets and datasets[ds.name] != ds:
            raise ParameterError(f"--data '{value}' and '{datasets[ds.name].source}' would both "
                                 f"write to the report folder '{ds.name}'")
        datasets[ds.name] = ds
    return list(datasets.values())


# -- helpers -------------------------------------------------------------------------------

def _folder_name(name: str) -> str:
    """A report folder name made of ``name``: letters, digits, ``_``, ``-`` and inner dots only, so
    ``...duckdb`` (stem ``..``), ``.hidden`` or a name with ``/`` or markup can never leave, hide in
    or break the run folder; ``data`` when nothing is left."""
    return re.sub(r"[^\w.-]+", "_", name).strip(".") or "data"


def _known(notebooks: list[NotebookSpec]) -> str:
    parts = [f"{nb.name}: {', '.join(sorted(k for k in nb.params if k not in RESERVED)) or '(none)'}"
             for nb in notebooks]
    return "; ".join(parts)


def _literal(source: str) -> Any:
    """``source`` as a Python literal, or ``source`` itself when it is not one."""
    try:
        return ast.literal_eval(source)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return source


def _check_reserved(key: str) -> None:
    if key in RESERVED:
        raise ParameterError(f"parameter '{key}' is set by the runner (use --data), not in the YAML file")


def _expected(param: dict) -> tuple[str | None, bool]:
    """Expected kind (``int``, ``str``... or ``None`` if unknown) and whether ``None`` is allowed."""
    try:
        default = ast.literal_eval(param.get("default", ""))
        has_literal = True
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        default, has_literal = None, False
    nullable = (has_literal and default is None) or not has_literal
    annotation = (param.get("inferred_type_name") or "None").replace(" ", "")
    if annotation not in ("None", "NoneType"):
        match = re.fullmatch(r"Optional\[(.+)\]", annotation)
        if match:
            annotation, nullable = match.group(1), True
        return _KINDS.get(annotation.split("[")[0]), nullable or annotation.split("[")[0] not in _KINDS
    if not has_literal or default is None:
        return None, True
    for kind, types in (("bool", bool), ("int", int), ("float", float), ("str", str),
                        ("list", (list, tuple)), ("dict", dict)):
        if isinstance(default, types):
            return kind, False
    return None, True


def _check_value(nb: NotebookSpec, key: str, value: Any) -> Any:
    """Return ``value`` (dates as ISO strings, ints as floats for float parameters) or raise."""
    if isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()  # YAML reads 2024-01-31 as a date; notebooks get text
    param = nb.params[key]
    kind, nullable = _expected(param)
    if kind is None or (value is None and nullable):
        return value
    ok = {
        "bool": isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
        "str": isinstance(value, str),
        "list": isinstance(value, (list, tuple)),
        "dict": isinstance(value, dict),
    }[kind]
    if not ok:
        hint = " (quote it in the YAML file to keep it as text)" if kind == "str" else ""
        raise ParameterError(
            f"notebook '{nb.name}': parameter '{key}' expects {kind} (default {param.get('default')}), "
            f"but the YAML value {value!r} is {type(value).__name__}{hint}")
    return float(value) if kind == "float" else value
