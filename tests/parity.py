"""Comparing a result computed on DuckDB with the same computation on Spark (parity tests)."""

from __future__ import annotations

import importlib.util
import math
import shutil

import numpy as np
import pandas as pd
import pytest

#: Marks of a module that needs a local Spark session: skipped only when pyspark or Java is missing.
SPARK_MARKS = [
    pytest.mark.spark,
    pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="pyspark is not installed"),
    pytest.mark.skipif(shutil.which("java") is None, reason="java is not on the PATH"),
]


def normalise(df: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted on every column and dtypes unified, so two engines' results compare as tables."""
    out = df.reset_index()
    out.columns = [str(c) for c in out.columns]
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.astype("datetime64[ns]")
        elif pd.api.types.is_bool_dtype(s):
            out[col] = s.astype(bool)
        elif pd.api.types.is_numeric_dtype(s):
            out[col] = s.astype("float64")
        else:
            out[col] = s.astype(object).where(s.notna(), None)
    # Sort on every column: some stage tables have ties in their first few columns.
    return out.sort_values(list(out.columns), ignore_index=True, na_position="last")


def assert_same_value(got, expected, where: str, rtol: float = 1e-9) -> None:
    """Recursive comparison: frames as frames (rows sorted, dtypes normalised), floats to ``rtol``,
    everything else exactly."""
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(normalise(got), normalise(expected), check_exact=False,
                                      rtol=rtol, atol=rtol, obj=where)
    elif isinstance(expected, pd.Series):
        assert_same_value(got.to_frame(), expected.to_frame(), where, rtol)
    elif isinstance(expected, dict):
        assert isinstance(got, dict) and set(got) == set(expected), f"{where}: keys {set(got)} != {set(expected)}"
        for key in expected:
            assert_same_value(got[key], expected[key], f"{where}[{key!r}]", rtol)
    elif isinstance(expected, (list, tuple)):
        assert len(got) == len(expected), f"{where}: length {len(got)} != {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            assert_same_value(g, e, f"{where}[{i}]", rtol)
    elif isinstance(expected, (float, np.floating)) and not isinstance(expected, bool):
        assert (math.isnan(expected) and math.isnan(got)) or math.isclose(got, expected, rel_tol=rtol, abs_tol=rtol), \
            f"{where}: {got} != {expected}"
    else:
        assert got == expected, f"{where}: {got!r} != {expected!r}"


def assert_same_frames(expected, got, name: str, rtol: float = 1e-9) -> None:
    """A result (a frame, or a dict of frames) equal on both engines, ``attrs`` included."""
    expected_frames = expected if isinstance(expected, dict) else {name: expected}
    got_frames = got if isinstance(got, dict) else {name: got}
    assert sum(len(df) for df in expected_frames.values()) > 0, "the demo gives an empty table: nothing compared"
    for key, frame in expected_frames.items():
        assert_same_value(got_frames[key], frame, key, rtol)
        assert_same_value(got_frames[key].attrs, frame.attrs, f"{key}.attrs", rtol)


def parity_cases(metrics: dict, known_differences: dict[str, str]) -> list:
    """One pytest case per metric; a known engine difference is a strict xfail, so its fix shows up."""
    return [pytest.param(name, id=name, marks=[pytest.mark.xfail(strict=True, reason=known_differences[name])]
                         if name in known_differences else []) for name in metrics]
