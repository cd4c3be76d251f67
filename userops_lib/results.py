"""Facts a metric states besides its table: declared, typed, and read in one way.

A metric function returns a pandas table. When a reader needs more than the table (the windows it
used, how many rows it left out, the period it covers), the function also states *facts*: a frozen
dataclass declared next to the function, named after it, and listed in its docstring under Returns::

    @dataclass(frozen=True)
    class RepurchaseCycleFacts(Facts):
        producer: ClassVar[str] = "repurchase_cycle"
        p50_day: float            # first day by which half of the second purchases had happened
        ...

    return attach(dist, RepurchaseCycleFacts(p50_day=..., ...))   # in the metric
    facts(cycle, RepurchaseCycleFacts).p80_day                     # in a report, a notebook, a test

The facts ride on the table in ``DataFrame.attrs``, one key per field, so the table a function
returns, its ``attrs`` and ``to_parquet`` stay as they were. Nothing but :func:`facts` reads them:
it checks that every declared fact is there and, when pandas dropped them (merge, concat and groupby
keep no ``attrs``), raises one line naming the function and the missing facts instead of a
``KeyError`` far away.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar, TypeVar

import pandas as pd

from .exceptions import MissingFactsError

__all__ = ["Facts", "attach", "facts", "kinds"]

_KINDS: list[type[Facts]] = []


@dataclass(frozen=True)
class Facts:
    """Base of every function's facts. A subclass names the function that states it (``producer``)
    and declares each fact as a field."""

    #: the public function whose table carries these facts (named in the error when they are lost)
    producer: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.producer:  # a base shared by several kinds (no producer of its own) is not a kind
            _KINDS.append(cls)

    @classmethod
    def names(cls) -> list[str]:
        """The declared facts, in declaration order."""
        return [f.name for f in fields(cls)]


F = TypeVar("F", bound=Facts)


def attach(frame: pd.DataFrame, *stated: Facts) -> pd.DataFrame:
    """Put each of ``stated``'s facts on ``frame`` (in place) and return ``frame``."""
    for item in stated:
        frame.attrs.update({name: getattr(item, name) for name in item.names()})
    return frame


def facts(frame: pd.DataFrame, kind: type[F]) -> F:
    """The facts of ``kind`` that ``frame`` carries.

    Raises
    ------
    MissingFactsError
        ``frame`` lacks one of them (it was merged, concatenated or built by hand): the message names
        ``kind.producer`` and the missing facts.
    """
    attrs = getattr(frame, "attrs", {})
    missing = [name for name in kind.names() if name not in attrs]
    if missing:
        raise MissingFactsError(kind.producer or kind.__name__, missing)
    return kind(**{name: attrs[name] for name in kind.names()})


def kinds() -> list[type[Facts]]:
    """Every declared kind of facts of the modules imported so far (for the tests)."""
    return list(_KINDS)
