"""Reading the YAML files an analyst edits (runner parameters, KPI targets, audience packs, RFM
rules), with one clear error for a missing or malformed file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..exceptions import ParameterError

__all__ = ["read_yaml"]


def read_yaml(path: str | Path, what: str) -> Any:
    """The parsed content of YAML file ``path``; ``what`` names the file in errors.

    Raises
    ------
    ParameterError
        The file does not exist or is not valid YAML.
    """
    path = Path(path).expanduser()
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, IsADirectoryError):
        raise ParameterError(f"{what} '{path}' does not exist") from None
    except yaml.YAMLError as err:
        raise ParameterError(f"{what} '{path}' is not valid YAML: {err}") from None
