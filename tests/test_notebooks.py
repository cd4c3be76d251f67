"""Every stage notebook runs end to end through the runner, on a small demo shop and on CDNOW.

This is the slow part of the suite (one kernel per notebook and dataset), so it runs the runner
once for all notebooks and both datasets and the tests read the result.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def run(demo_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    cmd = [sys.executable, "-m", "userops_lib", "run", "--data", str(demo_dir), "--data", "cdnow",
           "--out", str(out), "--run-date", "2026-01-01", "--timeout", "600"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=3000)
    return proc, out / "2026-01-01"


@pytest.mark.parametrize("dataset", ["demo", "cdnow"])
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_renders(run, notebook, dataset, demo_dir):
    proc, day = run
    folder = day / (demo_dir.name if dataset == "demo" else "cdnow")
    status = json.loads((folder / "status.json").read_text())
    entry = status[notebook] if isinstance(status, dict) and notebook in status else next(
        e for e in (status.values() if isinstance(status, dict) else status) if e.get("notebook") == notebook)
    assert entry["status"] == "ok", f"{notebook} on {dataset}: {entry.get('error')}\n{proc.stdout}\n{proc.stderr[-3000:]}"
    html = (folder / f"{notebook}.html").read_text()
    assert "Traceback" not in html  # no cell raised, even in a guarded section
    assert "load_dataset(" not in html  # code cells are hidden from managers


def test_runner_succeeds_and_indexes_everything(run):
    proc, day = run
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    index = (day.parent / "index.html").read_text()
    for notebook in NOTEBOOKS:
        assert f"{notebook}.html" in index


def test_loyalty_on_six_months_says_how_much_history_the_models_need(tmp_path):
    # issue 11: six months of orders (2025-01-01 to 2025-07-01), one repeat buyer, the default
    # holdout_days = 180. Hand count: 181 days of data, 2 × 180 needed, holdout_days at most 90
    shop = tmp_path / "six_months"
    shop.mkdir()
    rows = [("o1", "a", "2025-01-01"), ("o2", "a", "2025-06-20"), ("o3", "b", "2025-02-14"), ("o4", "c", "2025-03-10"),
            ("o5", "d", "2025-05-20"), ("o6", "e", "2025-07-01")]
    (shop / "orders.csv").write_text("order_id,customer_id,order_ts,amount\n"
                                     + "".join(f"{o},{c},{d} 10:00,20.0\n" for o, c, d in rows))
    out = tmp_path / "reports"
    cmd = [sys.executable, "-m", "userops_lib", "run", "--stage", "loyalty", "--data", str(shop), "--out", str(out),
           "--run-date", "2026-01-01", "--timeout", "600"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert proc.returncode == 1, proc.stdout + proc.stderr[-3000:]
    line = next(ln for ln in proc.stdout.splitlines() if "04_loyalty · six_months" in ln)
    assert "FAILED (ModelFitError: too little history for the purchase models: with holdout_days=180 they need " \
           "at least 360 days of orders" in line
    assert "set holdout_days to at most 90" in line and "none of the" not in line
