"""Typed errors. Every message names what is wrong and where, so an analyst can fix the input."""

from __future__ import annotations

__all__ = [
    "UseropsError",
    "ContractError",
    "MissingTableError",
    "ModelFitError",
    "ParameterError",
    "RunnerError",
    "MissingFactsError",
]


class UseropsError(Exception):
    """Base class of every error raised on purpose by userops."""


class ContractError(UseropsError, ValueError):
    """Input data breaks the data contract (missing column, wrong type, bad rows in strict mode).

    Parameters
    ----------
    table, column : str
        Where the problem is (``column`` may be ``None`` for a table-level problem).
    problem : str
        What is wrong, in words.
    rows : int, optional
        How many rows are affected.
    """

    def __init__(self, table: str, column: str | None, problem: str, rows: int | None = None):
        self.table, self.column, self.problem, self.rows = table, column, problem, rows
        where = f"table '{table}'" + (f", column '{column}'" if column else "")
        count = f" ({rows:,} row{'s' if rows != 1 else ''})" if rows is not None else ""
        super().__init__(f"{where}: {problem}{count}")


class MissingTableError(UseropsError, LookupError):
    """A report section needs a table the dataset does not have."""

    def __init__(self, table: str, needed_for: str = ""):
        self.table, self.needed_for = table, needed_for
        why = f" {needed_for} needs it." if needed_for else ""
        super().__init__(f"the dataset has no '{table}' table.{why}")


class ModelFitError(UseropsError, RuntimeError):
    """A model could not be fitted to the data (no repeat buyers, no convergence, ...)."""


class ParameterError(UseropsError, ValueError):
    """A parameter (function argument, notebook parameter, YAML spec) is invalid."""


class RunnerError(UseropsError, RuntimeError):
    """The report runner could not run or render a notebook."""


class MissingFactsError(UseropsError, LookupError):
    """A table lacks the facts its function stated (pandas drops them on merge, concat and groupby)."""

    def __init__(self, producer: str, missing: list[str]):
        self.producer, self.missing = producer, list(missing)
        super().__init__(f"this table lacks {producer}'s facts {', '.join(self.missing)} (merge, concat and groupby "
                         f"drop them): read them from the table {producer} returned")
