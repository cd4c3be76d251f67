"""Where the project's folders are: the checkout (or the current folder once installed) and the demo data.

The one place that answers "where is ...": the runner and the data loader used to answer it twice,
differently once the package was installed outside the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["project_root", "demo_dir", "PACKAGE_DIR"]

#: The installed ``userops_lib`` package folder (examples and templates live under it).
PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The source checkout (folder holding ``pyproject.toml``) or, if installed, the current folder."""
    root = PACKAGE_DIR.parent
    return root if (root / "pyproject.toml").exists() else Path.cwd()


def demo_dir() -> Path:
    """Where the demo data lives: ``$USEROPS_DEMO_DIR`` or ``<project>/data/demo``."""
    return Path(os.environ.get("USEROPS_DEMO_DIR") or project_root() / "data" / "demo").expanduser().resolve()
