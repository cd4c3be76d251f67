"""The ``userops`` console script: the runner's command line, or one line saying what to install.

The core install (``pip install userops``) is the analysis library alone; running and rendering the
stage reports needs the ``reports`` extra. Without it, the command says so in one line instead of a
traceback about a missing ``papermill``.
"""

from __future__ import annotations

import sys

__all__ = ["main", "REPORT_PACKAGES"]

#: import names of the ``reports`` extra (and what they pull in) the runner cannot work without
REPORT_PACKAGES = frozenset({"papermill", "nbconvert", "nbformat", "nbclient", "ipykernel", "jinja2",
                             "matplotlib", "seaborn", "babel"})


def main(argv: list[str] | None = None) -> int:
    """Run ``userops`` (see :mod:`userops_lib.runner.cli`); exit 2 with one line if the reports extra is missing."""
    try:
        from .cli import main as cli_main
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing not in REPORT_PACKAGES:
            raise
        print(f"userops: error: the stage reports need the package {missing!r}, which this install lacks; "
              "install the reports extra: pip install 'userops[reports]'", file=sys.stderr)
        return 2
    return cli_main(argv)
