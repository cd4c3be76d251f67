"""Data files shipped inside the package: the CDNOW purchase logs (``userops_lib/data/cdnow/``).

Read through :mod:`importlib.resources`, so they are found in a source checkout, an installed
wheel or a zipped package alike, on every supported Python (``pkg_resources`` is not used: it is
not installed with Python 3.12 and later). ``cdnow/LICENSE.md`` says where they come from.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

from ..exceptions import ParameterError

__all__ = ["CDNOW_FILES", "cdnow_file"]

#: The CDNOW files shipped in ``userops_lib/data/cdnow/``.
CDNOW_FILES = ("CDNOW_master.txt", "CDNOW_sample.txt", "cdnow_customers_summary.csv",
               "cdnow_customers_summary_with_transactions.csv")


def cdnow_file(name: str) -> Traversable:
    """The shipped CDNOW file ``name`` (open it with ``.open()``; ``resources.as_file`` gives a path)."""
    if name not in CDNOW_FILES:
        raise ParameterError(f"no shipped CDNOW file {name!r}; there are {', '.join(CDNOW_FILES)}")
    return resources.files("userops_lib.data").joinpath("cdnow", name)
