"""The whole playbook on Spark: every stage notebook runs through ``userops run --engine spark`` on the
small demo shop, and every sentence of each report reads exactly as on DuckDB.

The sentences (``say()`` blocks) carry the headline numbers of a report (GMV, buyers, rates, the CLV
model, the KPI verdicts) and the numbers behind each recommendation, formatted as the reader sees
them. Equal text means every one of those numbers is equal, so this one comparison checks the five
reports end to end. Slow (a Spark session per notebook): marked ``spark`` and ``notebooks``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))

pytestmark = [pytest.mark.spark, pytest.mark.notebooks]


def _run(engine: str, data: Path, out: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "userops_lib", "run", "--data", str(data), "--engine", engine,
           "--out", str(out), "--run-date", "2026-01-01", "--timeout", "900"]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=3600)


@pytest.fixture(scope="module")
def runs(demo_dir, tmp_path_factory):
    out = {engine: tmp_path_factory.mktemp(f"reports-{engine}") for engine in ("duckdb", "spark")}
    procs = {engine: _run(engine, demo_dir, folder) for engine, folder in out.items()}
    return procs, {engine: folder / "2026-01-01" / demo_dir.name for engine, folder in out.items()}


def sentences(executed: Path) -> list[str]:
    """The sentence blocks a notebook displayed (HTML or Markdown outputs that are not tables), in order."""
    nb = json.loads(executed.read_text())
    found = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            text = "".join(data.get("text/html", "")) or "".join(data.get("text/markdown", ""))
            if text and "<table" not in text:
                found.append(text)
    return found


def test_every_report_runs_on_spark(runs):
    procs, _ = runs
    assert procs["spark"].returncode == 0, procs["spark"].stdout + procs["spark"].stderr[-3000:]
    assert procs["duckdb"].returncode == 0, procs["duckdb"].stdout + procs["duckdb"].stderr[-3000:]


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_every_sentence_on_spark_equals_duckdb(runs, notebook):
    _, folders = runs
    spark, duck = (folders[e] / f"{notebook}.ipynb" for e in ("spark", "duckdb"))
    assert spark.exists(), f"{notebook} did not finish on Spark"
    expected = sentences(duck)
    assert sum(any(ch.isdigit() for ch in text) for text in expected) >= 2, expected  # numbers, not skip notes
    assert sentences(spark) == expected
