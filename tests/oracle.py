"""``lifetimes`` 0.11.3 as the test oracle of the CLV models (the library does not import it).

The CLV models fit their own likelihoods; the tests check them against the archived package they
replaced. It is installed by the ``test`` extra where it installs. It is imported here once,
inside ``catch_warnings``: its ``fitters/__init__`` silences every FutureWarning process-wide, which
must not hide warnings from the rest of the test run.

Tests that need it carry ``@needs_lifetimes``: skipped, with the import error as the reason, only on
a Python where the package cannot be imported (3.13); on older Pythons a failed import is an error,
so a broken test environment cannot pass by skipping the comparisons.
"""

from __future__ import annotations

import importlib
import sys
import warnings

import pytest

#: Python versions on which the test extra installs lifetimes and the oracle tests must run.
REQUIRED_BELOW = (3, 13)


def _import_lifetimes():
    try:
        with warnings.catch_warnings():
            module = importlib.import_module("lifetimes")
            importlib.import_module("lifetimes.utils")
        return module, None
    except Exception as err:  # ImportError, or pkg_resources/autograd failing inside it
        if sys.version_info[:2] < REQUIRED_BELOW:
            raise
        return None, f"{type(err).__name__}: {err}"


lifetimes, IMPORT_ERROR = _import_lifetimes()
needs_lifetimes = pytest.mark.skipif(
    lifetimes is None,
    reason=f"oracle lifetimes 0.11.3 cannot be imported on Python {sys.version_info.major}.{sys.version_info.minor} "
           f"({IMPORT_ERROR}); the library's own tests still run")
