"""Reading the YAML files an analyst edits (runner parameters, KPI targets, audience packs, RFM
rules), with one clear one-line error for a missing or malformed file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..exceptions import ParameterError

__all__ = ["read_yaml"]


class _BadDate(yaml.YAMLError):
    """A value YAML reads as a date (unquoted ``2025-13-45``) that is no date."""

    def __init__(self, mark, problem: str):
        super().__init__(problem)
        self.problem_mark, self.problem = mark, problem


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader whose bad dates fail with their line, not a bare ``ValueError``.

    An unquoted ``as_of: 2025-13-45`` matches YAML's timestamp pattern, and PyYAML then raises
    ``ValueError: month must be in 1..12`` from deep inside the parser, with no line and no file.
    """

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as err:
            raise _BadDate(node.start_mark, f"{node.value} is not a valid date ({err})") from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def read_yaml(path: str | Path, what: str) -> Any:
    """The parsed content of YAML file ``path``; ``what`` names the file in errors.

    Raises
    ------
    ParameterError
        The file does not exist or is not valid YAML (one line: file, line, column, problem).
    """
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise ParameterError(f"{what} '{path}' does not exist") from None
    except UnicodeDecodeError:
        raise ParameterError(f"{what} '{path}' is not UTF-8 text") from None
    except OSError as err:
        raise ParameterError(f"{what} '{path}' cannot be read: {err.strerror or err}") from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader)
    except _BadDate as err:
        raise ParameterError(f"{what} '{path}', {_one_line(err)}") from None
    except yaml.YAMLError as err:
        raise ParameterError(f"{what} '{path}' is not valid YAML: {_one_line(err)}") from None


def _one_line(err: yaml.YAMLError) -> str:
    """``line 2, column 9: <problem>`` instead of PyYAML's several-line report."""
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    problem = getattr(err, "problem", None) or getattr(err, "context", None) or str(err)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return where + " ".join(str(problem).split())
