"""The runner / CLI: parameters from YAML, failures and time-outs, the report layout and the index.

Fixture notebooks live in ``tests/notebooks`` and are named after what they exercise. Tests that
start a Jupyter kernel are marked ``notebooks``; the others check everything that is decided
before a kernel starts (parameters, stages, usage errors) and the index on its own.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import threading
import types
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from userops_lib.runner import cli
from userops_lib.exceptions import ParameterError
from userops_lib.runner.run import Outcome, public_parameters, publish, run_notebook
from userops_lib.runner.params import (NotebookSpec, declared_defaults, find_notebooks, load_params_file,
                                      resolve_datasets, resolve_parameters, select_notebooks)
from userops_lib.runner.index import build_index, collect_runs

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "tests" / "notebooks"
DAY = "2024-06-30"
kernel = pytest.mark.notebooks  # starts a Jupyter kernel (about 1-3 s each)


def run_cli(out: Path, *args: str, params: dict | str | None = None) -> tuple[int, str, str]:
    """``userops run`` in-process on the fixture notebooks; returns (exit code, stdout, stderr)."""
    argv = ["run", "--notebooks", str(NB_DIR), "--out", str(out), "--run-date", DAY, *args]
    if params is not None:
        pfile = out.parent / f"params-{abs(hash(str(params)))}.yaml"
        pfile.write_text(params if isinstance(params, str) else json.dumps(params), encoding="utf-8")
        argv += ["--params", str(pfile)]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = cli.main(argv)
    return code, stdout.getvalue(), stderr.getvalue()


def status_of(folder: Path, notebook: str) -> dict:
    return json.loads((folder / "status.json").read_text(encoding="utf-8"))[notebook]


# -- a good run ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ok_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ok") / "reports"
    out.parent.mkdir(exist_ok=True)
    # YAML, not -p: "0012" must stay text, 2 becomes a float for a float parameter
    code, stdout, stderr = run_cli(out, "--stage", "ok_minimal", "--data", "cdnow",
                                   params='customer_code: "0012"\ntop_n: 7\nratio: 2\n')
    return code, stdout, stderr, out


@kernel
def test_ok_notebook_renders_code_free_html_and_is_indexed(ok_run):
    code, stdout, stderr, out = ok_run
    assert code == 0, stdout + stderr
    assert "[1/1] ok_minimal · cdnow … ok (" in stdout
    folder = out / DAY / "cdnow"
    html = (folder / "ok_minimal.html").read_text(encoding="utf-8")
    assert "answer=42" in html  # the output is there ...
    assert "hidden_source_marker_7f3a" not in html  # ... the code that printed it is not
    assert (folder / "ok_minimal.ipynb").exists()
    entry = status_of(folder, "ok_minimal")
    assert entry["status"] == "ok" and entry["error"] is None and entry["html"] == "ok_minimal.html"
    assert entry["duration_s"] > 0 and entry["started_at"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f'href="{DAY}/cdnow/ok_minimal.html"' in index
    assert 'class="ok status-ok"' in index
    assert "<script" not in index
    assert not list(out.glob(cli.SCRATCH_PREFIX + "*"))  # the scratch folder is gone


@kernel
def test_parameters_reach_the_notebook_typed_from_yaml(ok_run):
    *_, out = ok_run
    nb = nbformat.read(out / DAY / "cdnow" / "ok_minimal.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "customer_code='0012' type=str" in printed  # papermill -p would have made it 12
    assert "top_n=7 type=int" in printed
    assert "ratio=2.0 type=float" in printed
    assert "data_source=cdnow" in printed
    assert status_of(out / DAY / "cdnow", "ok_minimal")["parameters"] == {
        "data_source": "cdnow", "customer_code": "0012", "top_n": 7, "ratio": 2.0}


@kernel
def test_status_and_index_record_the_effective_parameters(ok_run):
    *_, out = ok_run
    entry = status_of(out / DAY / "cdnow", "ok_minimal")
    # passed: data_source (--data) and the three YAML keys; title keeps ok_minimal's default
    assert entry["effective_parameters"] == {"data_source": "cdnow", "customer_code": "0012", "top_n": 7,
                                             "ratio": 2.0, "title": "Minimal report"}
    assert entry["default_parameters"] == ["title"]
    index = build_index(out, lang="en").read_text(encoding="utf-8")
    assert 'title="notebook default">title = "Minimal report"</span>' in index
    assert '<span class="param-passed">top_n = 7</span>' in index


# -- failures ---------------------------------------------------------------------------------

@kernel
def test_failing_notebook_exits_1_and_keeps_the_last_good_report(tmp_path):
    out = tmp_path / "reports"
    code, stdout, _ = run_cli(out, "--stage", "raises_value_error", "--data", "cdnow", params={"fail": False})
    assert code == 0, stdout
    folder = out / DAY / "cdnow"
    good_html = (folder / "raises_value_error.html").read_bytes()
    good_nb = (folder / "raises_value_error.ipynb").read_bytes()

    code, stdout, _ = run_cli(out, "--stage", "raises_value_error", "--data", "cdnow", params={"fail": True})
    assert code == 1
    assert "FAILED (ValueError: requested failure: fail is True)" in stdout
    assert (folder / "raises_value_error.html").read_bytes() == good_html  # untouched
    assert (folder / "raises_value_error.ipynb").read_bytes() == good_nb
    failed = nbformat.read(folder / "raises_value_error.FAILED.ipynb", as_version=4)
    errors = [o for c in failed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors and errors[0].ename == "ValueError"
    assert "userops-error-banner" in failed.cells[0].metadata.get("tags", [])
    assert "ValueError: requested failure" in (folder / "raises_value_error.FAILED.html").read_text(encoding="utf-8")

    entry = status_of(folder, "raises_value_error")
    assert entry["status"] == "failed" and entry["error"] == "ValueError: requested failure: fail is True"
    assert entry["html"] == "raises_value_error.FAILED.html"
    assert entry["last_good_html"] == "raises_value_error.html"
    assert [h["status"] for h in entry["history"]] == ["ok"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'class="failed status-failed"' in index
    assert "ValueError: requested failure: fail is True" in index
    assert f'href="{DAY}/cdnow/raises_value_error.FAILED.html"' in index
    assert f'href="{DAY}/cdnow/raises_value_error.html"' in index  # "last good report" link


@kernel
def test_cell_timeout_is_a_timeout_failure_with_a_banner(tmp_path):
    out = tmp_path / "reports"
    code, stdout, _ = run_cli(out, "--stage", "cell_times_out", "--data", "cdnow", "--timeout", "1")
    assert code == 1
    assert "TIMEOUT (timed out after 1 s" in stdout
    folder = out / DAY / "cdnow"
    entry = status_of(folder, "cell_times_out")
    assert entry["status"] == "timeout"
    assert "timed out after 1 s" in entry["error"] and "time.sleep(sleep_s)" in entry["error"]
    assert not (folder / "cell_times_out.html").exists()
    html = (folder / "cell_times_out.FAILED.html").read_text(encoding="utf-8")
    assert "This report timed out" in html and "started" in html  # banner + the partial output
    assert 'class="failed status-timeout"' in (out / "index.html").read_text(encoding="utf-8")


@kernel
@pytest.mark.skipif(importlib.util.find_spec("userops_lib.data.load") is None, reason="userops_lib.data.load not written yet")
def test_missing_required_column_is_a_one_line_contract_error(tmp_path):
    shop = tmp_path / "shop"
    shop.mkdir()
    (shop / "orders.csv").write_text("order_id,customer_id,order_ts\n1,a,2024-01-01 10:00\n2,b,2024-01-02 11:00\n")
    out = tmp_path / "reports"
    code, stdout, _ = run_cli(out, "--stage", "loads_data", "--data", str(shop))
    assert code == 1
    line = next(ln for ln in stdout.splitlines() if "loads_data · shop" in ln)
    assert "FAILED (ContractError:" in line and "orders" in line and "amount" in line
    entry = status_of(out / DAY / "shop", "loads_data")
    assert entry["parameters"]["data_source"] == str(shop.resolve())
    assert entry["error"].startswith("ContractError:") and "\n" not in entry["error"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "ContractError: table &#39;orders&#39;, column &#39;amount&#39;" in index



@kernel
def test_a_database_url_is_a_data_source_and_its_password_is_never_shown(tmp_path):
    import duckdb

    db = tmp_path / "shop.duckdb"
    with duckdb.connect(str(db)) as con:
        con.sql("CREATE TABLE orders AS SELECT 'o1' AS order_id, 'a' AS customer_id, "
                "TIMESTAMP '2024-01-01 10:00' AS order_ts, 10.0 AS amount")
    out = tmp_path / "reports"
    code, stdout, _ = run_cli(out, "--stage", "loads_data", "--data", f"duckdb://{db}")
    assert code == 0, stdout
    assert status_of(out / DAY / "duckdb_shop", "loads_data")["status"] == "ok"
    # a URL with a password: the folder is named after the database, the password is masked
    # everywhere the runner writes (the connection fails: nothing listens there)
    url = "postgresql://ana:s3cret@127.0.0.1:9/shop"
    assert [(d.name, d.source) for d in resolve_datasets([url])] == [("postgresql_shop", url)]
    code, stdout, _ = run_cli(out, "--stage", "loads_data", "--data", url)
    assert code == 1 and "s3cret" not in stdout
    folder = out / DAY / "postgresql_shop"
    entry = status_of(folder, "loads_data")
    assert entry["data_source"] == entry["parameters"]["data_source"] == "postgresql://ana:***@127.0.0.1:9/shop"
    for path in [folder / "status.json", out / "index.html", *folder.glob("loads_data.FAILED.*")]:
        assert "s3cret" not in path.read_text(encoding="utf-8"), path.name


@kernel
def test_sections_skipped_for_missing_tables_are_counted_in_the_index(tmp_path):
    # a real stage: 01 on CDNOW (orders only) skips the sections that
    # need customers or events; the index says how many, the status file which ones
    out = tmp_path / "reports"
    code, stdout, _ = run_cli(out, "--notebooks", str(ROOT / "notebooks"), "--stage", "01", "--data", "cdnow")
    assert code == 0, stdout
    entry = status_of(out / DAY / "cdnow", "01_foundation")
    assert entry["skipped_sections"] and all(isinstance(s, str) for s in entry["skipped_sections"])
    n = len(entry["skipped_sections"])
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f"· {n} 个部分已跳过（缺少数据表）" in index  # the index is in Chinese unless --lang says otherwise
    index = build_index(out, lang="en").read_text(encoding="utf-8")
    assert f"· {n} section{'' if n == 1 else 's'} skipped (missing tables)" in index

# -- parameter and usage errors: exit 2 before any kernel starts -------------------------------

def test_unknown_yaml_key_exits_2_naming_the_key(tmp_path):
    pfile = tmp_path / "p.yaml"
    pfile.write_text("colour: red\n")
    proc = subprocess.run(
        [sys.executable, "-m", "userops_lib", "run", "--notebooks", str(NB_DIR), "--stage", "ok_minimal",
         "--data", "cdnow", "--params", str(pfile), "--out", str(tmp_path / "reports")],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "unknown parameter 'colour'" in proc.stderr
    assert "ok_minimal: customer_code, ratio, title, top_n" in proc.stderr  # the known parameters
    assert not (tmp_path / "reports").exists()  # nothing ran


@pytest.mark.parametrize("yaml_text, words", [
    ('top_n: "five"\n', ["ok_minimal", "'top_n'", "expects int", "str"]),
    ("customer_code: 0012\n", ["'customer_code'", "expects str", "int", "quote it"]),  # YAML reads 0012 as 10
    ("stages:\n  ok_minimal:\n    fail: true\n", ["'fail'", "ok_minimal"]),
    ("data_source: cdnow\n", ["'data_source'", "--data"]),
    ("stages:\n  nosuchstage: {top_n: 1}\n", ["nosuchstage"]),
])
def test_bad_parameters_exit_2_with_a_clear_message(tmp_path, yaml_text, words):
    code, stdout, stderr = run_cli(tmp_path / "reports", "--stage", "ok_minimal", "--data", "cdnow",
                                   params=yaml_text)
    assert code == 2, stdout
    for word in words:
        assert word in stderr
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize("args, word", [
    (["--stage", "nosuch"], "nosuch"),
    (["--data", "/no/such/folder"], "/no/such/folder"),
    (["--notebooks", "/no/such/notebooks"], "/no/such/notebooks"),
])
def test_usage_errors_exit_2(tmp_path, args, word):
    code, _, stderr = run_cli(tmp_path / "reports", *args)
    assert code == 2 and word in stderr


def test_argparse_errors_exit_2(capsys):
    for argv in (["run", "--run-date", "30/06/2024"], ["run", "--timeout", "soon"], ["nosuchcommand"]):
        with pytest.raises(SystemExit) as exc:
            cli.main(argv)
        assert exc.value.code == 2


# -- parameters split per notebook, stages, datasets (no kernel) -------------------------------

def test_keys_go_only_to_the_notebooks_that_declare_them():
    notebooks = find_notebooks(NB_DIR)
    common, per_stage = {"fail": True, "top_n": 3}, {"ok_minimal": {"title": "Weekly"}, "cell_times_out": {"sleep_s": 0}}
    selected = select_notebooks(notebooks, ["ok_minimal", "raises_value_error"])
    params = resolve_parameters(selected, common, per_stage, notebooks)
    assert params == {"ok_minimal": {"top_n": 3, "title": "Weekly"}, "raises_value_error": {"fail": True}}
    with pytest.raises(ParameterError, match="'fail'"):  # declared by no *selected* notebook
        resolve_parameters(select_notebooks(notebooks, ["ok_minimal"]), {"fail": True}, {}, notebooks)


def test_stage_names_and_yaml_file(tmp_path):
    spec = NotebookSpec(Path("01_foundation.ipynb"))
    assert spec.aliases == {"01", "foundation", "01_foundation"}
    notebooks = [NotebookSpec(Path(f"{n}.ipynb")) for n in ("01_foundation", "02_strategy", "03_value")]
    assert [nb.name for nb in select_notebooks(notebooks, ["value", "01", "01_foundation"])] == [
        "01_foundation", "03_value"]
    assert len(select_notebooks(notebooks, None)) == 3
    pfile = tmp_path / "p.yaml"
    pfile.write_text("period: month\nas_of: 2024-01-31\nstages:\n  foundation:\n    period: week\n")
    common, per_stage = load_params_file(pfile)
    assert common == {"period": "month", "as_of": __import__("datetime").date(2024, 1, 31)}
    assert per_stage == {"foundation": {"period": "week"}}
    pfile.write_text("- a\n- b\n")
    with pytest.raises(ParameterError, match="mapping"):
        load_params_file(pfile)


def test_datasets_from_data_values(tmp_path):
    (tmp_path / "shop").mkdir()
    (tmp_path / "orders.csv").write_text("x\n")
    got = resolve_datasets(["demo", "cdnow", str(tmp_path / "shop"), str(tmp_path / "orders.csv"), "demo"])
    assert [(d.name, d.source) for d in got] == [
        ("demo", "demo"), ("cdnow", "cdnow"), ("shop", str(tmp_path / "shop")), ("orders", str(tmp_path / "orders.csv"))]
    assert resolve_datasets(None)[0].name == "demo"


# -- demo data, publishing and the index (no kernel) ------------------------------------------

def test_demo_data_is_generated_only_when_missing(tmp_path, monkeypatch):
    calls = []
    fake = types.ModuleType("userops_lib.demo.generate")
    fake.write_demo = lambda folder, **kw: (calls.append((Path(folder), kw)), Path(folder).mkdir(parents=True),
                                            (Path(folder) / "orders.parquet").write_text("x"))
    monkeypatch.setitem(sys.modules, "userops_lib.demo.generate", fake)
    monkeypatch.setenv("USEROPS_DEMO_DIR", str(tmp_path / "demo"))
    assert cli._ensure_demo(None) == tmp_path / "demo" and calls == [(tmp_path / "demo", {})]
    cli._ensure_demo(None)
    assert len(calls) == 1  # present: not regenerated
    assert cli.main(["demo", "--customers", "50", "--out", str(tmp_path / "d2")]) == 0
    assert calls[-1] == (tmp_path / "d2", {"n_customers": 50})


def test_demo_data_failure_fails_the_demo_reports_without_a_kernel(tmp_path, monkeypatch):
    fake = types.ModuleType("userops_lib.demo.generate")

    def write_demo(folder, **kw):
        raise OSError("disk full")

    fake.write_demo = write_demo
    monkeypatch.setitem(sys.modules, "userops_lib.demo.generate", fake)
    monkeypatch.setenv("USEROPS_DEMO_DIR", str(tmp_path / "missing"))
    code, stdout, _ = run_cli(tmp_path / "reports", "--stage", "ok_minimal", "--data", "demo")
    assert code == 1 and "demo data could not be prepared: OSError: disk full" in stdout
    assert status_of(tmp_path / "reports" / DAY / "demo", "ok_minimal")["status"] == "failed"


def test_publish_success_replaces_report_and_clears_stale_failure(tmp_path):
    dest, scratch = tmp_path / "day" / "demo", tmp_path / "scratch"
    scratch.mkdir()
    dest.mkdir(parents=True)
    for name in ("a.html", "a.ipynb", "a.FAILED.html", "a.FAILED.ipynb"):
        (dest / name).write_text("old " + name)
    (scratch / "a.html").write_text("new")
    (scratch / "a.ipynb").write_text("{}")
    entry = publish(Outcome("a", "ok", {}, "t", 1.0, None, {"html": scratch / "a.html", "ipynb": scratch / "a.ipynb"}),
                    dest, run_info={"run_date": "day", "dataset": "demo", "data_source": "demo"})
    assert entry["html"] == "a.html" and (dest / "a.html").read_text() == "new"
    assert not (dest / "a.FAILED.html").exists() and not (dest / "a.FAILED.ipynb").exists()
    assert status_of(dest, "a")["dataset"] == "demo"


def test_index_lists_runs_newest_first_and_escapes_text(tmp_path):
    assert "No report has been run yet" in build_index(tmp_path, lang="en").read_text()
    for day, status, error in (("2024-01-01", "ok", None), ("2024-02-01", "failed", "ValueError: <b>x</b>")):
        folder = tmp_path / day / "demo"
        folder.mkdir(parents=True)
        (folder / "status.json").write_text(json.dumps({"01_foundation": {
            "notebook": "01_foundation", "status": status, "error": error, "parameters": {"period": "week"},
            "started_at": day, "duration_s": 75.0, "html": "01_foundation.html", "ipynb": None,
            "last_good_html": None}}))
    (tmp_path / ".tmp-run-x" / "demo").mkdir(parents=True)  # scratch folders are ignored
    assert cli.main(["index", "--out", str(tmp_path), "--lang", "en"]) == 0
    index = (tmp_path / "index.html").read_text()
    assert index.index("Run 2024-02-01") < index.index("Run 2024-01-01")
    assert "ValueError: &lt;b&gt;x&lt;/b&gt;" in index and "<b>x</b>" not in index
    assert "1 min 15 s" in index and 'period = "week"' in index
    assert "<h3>Dataset: demo</h3>" in index and "<span>ok: 1</span>" in index
    # review of the zh demo: the Chinese index read "成功: 5", "数据集: demo" and "生成于 …. 最新的运行在最前"
    zh = build_index(tmp_path, lang="zh").read_text(encoding="utf-8")
    assert "<h3>数据集：demo</h3>" in zh and "<span>成功：1</span>" in zh and "<span>失败：1</span>" in zh
    assert re.search(r"生成于 \S+。最新的运行在最前", zh)


def test_effective_parameters_overlay_passed_values_on_notebook_defaults(tmp_path):
    spec = next(nb for nb in find_notebooks(NB_DIR) if nb.name == "declares_defaults")
    # read by hand from the parameters cell of tests/notebooks/declares_defaults.ipynb, in cell order;
    # papermill cannot parse the as_of and start lines, the cell's own parse supplies them
    defaults = declared_defaults(spec)
    assert list(defaults.items()) == [("data_source", "demo"), ("as_of", None), ("time_zone", "UTC"),
                                      ("windows", [30, 60, 90]), ("id_salt", None), ("start", "dict(year=2024)")]
    dest = tmp_path / DAY / "demo"
    passed = {"data_source": "demo", "time_zone": "Asia/Shanghai", "id_salt": "pepper-9c1e"}
    publish(Outcome("declares_defaults", "ok", passed, "t", 1.0), dest, defaults=defaults,
            run_info={"run_date": DAY, "dataset": "demo", "data_source": "demo"})
    entry = status_of(dest, "declares_defaults")
    assert entry["effective_parameters"] == {"data_source": "demo", "as_of": None, "time_zone": "Asia/Shanghai",
                                             "windows": [30, 60, 90], "id_salt": "***", "start": "dict(year=2024)"}
    assert entry["default_parameters"] == ["as_of", "windows", "start"]
    assert entry["parameters"] == {"data_source": "demo", "time_zone": "Asia/Shanghai", "id_salt": "***"}
    index = build_index(tmp_path, lang="en").read_text(encoding="utf-8")
    assert "pepper" not in index and "pepper" not in (dest / "status.json").read_text(encoding="utf-8")
    # the passed ones first, then the notebook's defaults (greyed), each group in cell order
    shown = [index.index(f">{k} = ") for k in ("data_source", "time_zone", "id_salt", "as_of", "windows", "start")]
    assert shown == sorted(shown)
    assert '<span class="param-passed">time_zone = "Asia/Shanghai"</span>' in index
    assert '<span class="param-default" title="notebook default">as_of = null</span>' in index



@kernel
def test_a_default_the_notebook_resolves_is_recorded_and_indexed(tmp_path):
    # declares_defaults.ipynb resolves as_of = None to "2024-06-30" with record_resolved()
    spec = next(nb for nb in find_notebooks(NB_DIR) if nb.name == "declares_defaults")
    (tmp_path / "work").mkdir()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome = run_notebook(spec.path, tmp_path / "work", {"data_source": "demo"})
    assert not [w for w in caught if "not able to be represented" in str(w.message)]  # nbconvert's complaint
    assert outcome.status == "ok" and outcome.resolved == {"as_of": "2024-06-30"}
    html = outcome.files["html"].read_text(encoding="utf-8")
    assert "vnd.userops" not in html and "2024-06-30" not in html  # invisible in the report itself
    assert "vnd.userops" not in outcome.files["ipynb"].read_text(encoding="utf-8")  # and taken out of the notebook
    dest = tmp_path / DAY / "demo"
    publish(outcome, dest, defaults=declared_defaults(spec), run_info={"run_date": DAY, "dataset": "demo"})
    entry = status_of(dest, "declares_defaults")
    assert entry["effective_parameters"]["as_of"] is None and entry["resolved_parameters"] == {"as_of": "2024-06-30"}
    index = build_index(tmp_path, lang="en").read_text(encoding="utf-8")
    assert ('<span class="param-default" title="notebook default">as_of = null</span> '
            '<span class="param-resolved" title="what the notebook resolved it to">→ "2024-06-30"</span>') in index
    assert '<div class="muted">data up to 2024-06-30</div>' in index  # what the report covers, under its name
    # a parameter named period is a review period only when the notebook recorded it as resolved
    from userops_lib.runner.index import _covers
    assert _covers({"effective_parameters": {"as_of": None, "period": "month"}}) == []
    assert _covers({"parameters": {"as_of": "2025-06-30"}, "effective_parameters": {"period": "month"},
                    "resolved_parameters": {"period": "2025-Q2"}}) == [("data up to", "2025-06-30"),
                                                                        ("KPI period", "2025-Q2")]
    # 04: the validation fit ends at calibration_end, the CLV comes from a refit up to as_of (issue 14, 7.6)
    assert _covers({"parameters": {"as_of": "2025-12-31"},
                    "resolved_parameters": {"calibration_end": "2025-07-04"}}) == [
        ("data up to", "2025-12-31"), ("models fitted up to", "2025-07-04"), ("CLV refitted up to", "2025-12-31")]

def test_secrets_are_masked_before_publishing():
    got = public_parameters({"data_source": "postgresql://ana:s3cret@db:5432/shop", "api_token": "abc",
                             "id_salt": None, "paths": ["mysql://u:pw@h/d", "plain"], "top_n": 3})
    assert got == {"data_source": "postgresql://ana:***@db:5432/shop", "api_token": "***", "id_salt": None,
                   "paths": ["mysql://u:***@h/d", "plain"], "top_n": 3}



@kernel
@pytest.mark.parametrize("fail", [False, True])
def test_kept_notebooks_do_not_hold_secrets_in_clear_text(tmp_path, fail):
    # the notebook runs with the real salt; the .ipynb kept beside the HTML shows it masked
    outcome = run_notebook(NB_DIR / "raises_value_error.ipynb", tmp_path,
                           {"fail": fail, "id_salt": "pepper-9c1e", "data_source": "postgresql://ana:s3cret@db/shop"})
    assert outcome.status == ("failed" if fail else "ok")
    kept = outcome.files["ipynb"]
    assert kept.name == ("raises_value_error.FAILED.ipynb" if fail else "raises_value_error.ipynb")
    text = kept.read_text(encoding="utf-8")
    assert "pepper-9c1e" not in text and "s3cret" not in text
    injected = [c for c in nbformat.reads(text, as_version=4).cells
                if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'id_salt = "***"' in injected[0].source
    assert 'data_source = "postgresql://ana:***@db/shop"' in injected[0].source

def test_concurrent_publishers_into_one_folder_keep_every_entry(tmp_path):
    dest = tmp_path / DAY / "demo"
    workers, per_worker = 8, 25
    start = threading.Barrier(workers)

    def publisher(worker: int) -> None:
        start.wait()  # all read-modify-write at once
        for i in range(per_worker):
            publish(Outcome(f"nb{worker}_{i}", "ok", {"worker": worker}, "t", 0.1), dest,
                    run_info={"run_date": DAY, "dataset": "demo", "data_source": "demo"})

    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(publisher, w) for w in range(workers)]:
            future.result()  # re-raises an error of the publisher thread
    data = json.loads((dest / "status.json").read_text(encoding="utf-8"))
    assert sorted(data) == sorted(f"nb{w}_{i}" for w in range(workers) for i in range(per_worker))
    assert not [p.name for p in dest.iterdir() if p.name.endswith(".tmp")]  # no temp file left



def test_an_older_run_finishing_last_does_not_replace_the_newer_report(tmp_path):
    dest = tmp_path / DAY / "demo"

    def outcome(run: str, status: str, started: str) -> Outcome:
        work = tmp_path / run
        work.mkdir()
        stem = "r" if status == "ok" else "r.FAILED"
        files = {kind: work / f"{stem}.{kind}" for kind in ("ipynb", "html")}
        for path in files.values():
            path.write_text(run, encoding="utf-8")
        return Outcome("r", status, {"run": run}, started, 1.0, None if status == "ok" else "boom", files)

    publish(outcome("newer", "ok", "2024-06-30T10:05:00+08:00"), dest)
    publish(outcome("older", "failed", "2024-06-30T10:00:00+08:00"), dest)  # finished last
    assert (dest / "r.html").read_text(encoding="utf-8") == "newer"
    assert not (dest / "r.FAILED.html").exists()
    entry = status_of(dest, "r")
    assert (entry["status"], entry["parameters"]) == ("ok", {"run": "newer"})
    assert [(h["status"], h["started_at"]) for h in entry["history"]] == [("failed", "2024-06-30T10:00:00+08:00")]
    # a still newer failure is published as usual and keeps the last good report
    publish(outcome("newest", "failed", "2024-06-30T03:00:00+00:00"), dest)  # 11:00 at +08:00
    entry = status_of(dest, "r")
    assert (entry["status"], entry["html"], entry["last_good_html"]) == ("failed", "r.FAILED.html", "r.html")
    assert (dest / "r.html").read_text(encoding="utf-8") == "newer"
    assert [h["status"] for h in entry["history"]] == ["failed", "ok"]

def test_unreadable_status_file_is_shown_in_the_index_not_fatal(tmp_path):
    good = {"notebook": "01_foundation", "status": "ok", "error": None, "parameters": {"period": "week"},
            "started_at": DAY, "duration_s": 3.0, "html": "01_foundation.html", "ipynb": None, "last_good_html": None}
    for day, dataset, text in (
            (DAY, "cdnow", json.dumps({"01_foundation": good})),
            (DAY, "demo", json.dumps({"01_foundation": good})[:60]),  # a write cut short
            ("2024-06-29", "demo", json.dumps({"x": {"notebook": "x", "status": ["ok"], "parameters": [1],
                                                     "html": 5}}))):  # valid JSON, wrong shape
        (tmp_path / day / dataset).mkdir(parents=True)
        (tmp_path / day / dataset / "status.json").write_text(text, encoding="utf-8")
    runs = collect_runs(tmp_path)
    assert [r["run_date"] for r in runs] == [DAY, "2024-06-29"]
    assert [d["dataset"] for d in runs[0]["datasets"]] == ["cdnow", "demo"]
    assert runs[0]["counts"] == {"ok": 1, "unreadable": 1}
    assert runs[0]["datasets"][1]["reports"] == [] and "JSON" in runs[0]["datasets"][1]["unreadable"]
    assert [(r["notebook"], r["status"], r["href"]) for r in runs[1]["datasets"][0]["reports"]] == [
        ("x", "unreadable", None)]
    index = build_index(tmp_path, lang="en").read_text(encoding="utf-8")
    assert index.count("status unreadable") == 1 and f"{DAY}/demo/status.json" in index
    assert f'href="{DAY}/cdnow/01_foundation.html"' in index  # the readable folder is still listed


def test_failed_write_keeps_the_old_status_and_a_corrupt_one_is_kept_aside(tmp_path, monkeypatch):
    from userops_lib.runner import run as execute

    dest = tmp_path / DAY / "demo"
    publish(Outcome("a", "ok", {}, "t", 0.1), dest)
    before = (dest / "status.json").read_bytes()

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(execute.os, "replace", disk_full)
        with pytest.raises(OSError, match="No space"):
            publish(Outcome("b", "ok", {}, "t", 0.1), dest)
    assert (dest / "status.json").read_bytes() == before  # whole, and still the old content
    assert not [p.name for p in dest.iterdir() if p.name.endswith(".tmp")]

    (dest / "status.json").write_bytes(before[:25])  # cut short by something else
    publish(Outcome("c", "ok", {}, "t", 0.1), dest)
    assert list(json.loads((dest / "status.json").read_text(encoding="utf-8"))) == ["c"]
    kept = list(dest.glob("status.json.unreadable-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == before[:25]  # not silently dropped


def test_the_notebooks_of_a_run_share_one_snapshot_folder_and_a_capped_duckdb(tmp_path, monkeypatch):
    """Each notebook gets the run's snapshot folder (one per dataset), DuckDB's memory limit and a
    spill folder inside the run's scratch space; all of it is gone after the run."""
    from userops_lib.data.engine import MEMORY_LIMIT_ENV, TEMP_DIR_ENV
    from userops_lib.data.snapshot import SNAPSHOT_DIR_ENV

    seen = []

    def fake_run(path, scratch, parameters, **kwargs):
        seen.append({k: os.environ.get(k) for k in (SNAPSHOT_DIR_ENV, MEMORY_LIMIT_ENV, TEMP_DIR_ENV)})
        Path(seen[-1][SNAPSHOT_DIR_ENV]).mkdir(parents=True, exist_ok=True)  # what load_dataset would write
        return Outcome(Path(path).stem, "ok", parameters, "2024-06-30T00:00:00+00:00", 0.1)

    monkeypatch.setattr(cli, "run_notebook", fake_run)
    monkeypatch.delenv(SNAPSHOT_DIR_ENV, raising=False)
    out = tmp_path / "reports"
    code, stdout, stderr = run_cli(out, "--stage", "ok_minimal", "--stage", "declares_defaults", "--data", "cdnow",
                                   "--data", str(tmp_path), "--memory-limit", "3GB")
    assert code == 0, stdout + stderr
    assert len(seen) == 4 and all(s[MEMORY_LIMIT_ENV] == "3GB" for s in seen)
    folders = [Path(s[SNAPSHOT_DIR_ENV]) for s in seen]
    assert folders[0] == folders[1] != folders[2] == folders[3]  # shared within a dataset, not across
    assert all(out in f.parents and out in Path(s[TEMP_DIR_ENV]).parents for f, s in zip(folders, seen))
    assert not any(f.exists() for f in folders)  # removed with the run's scratch folder
    assert os.environ.get(SNAPSHOT_DIR_ENV) is None  # the runner's own environment is left as it was
    assert cli._half_the_memory().endswith("MB")
    with pytest.raises(SystemExit) as exc:
        cli.main(["run", "--memory-limit", "lots"])
    assert exc.value.code == 2


def test_the_html_report_leaves_out_what_cells_wrote_to_stderr(tmp_path):
    """Warnings and Spark progress bars stay in the kept .ipynb; the manager's HTML has only the results."""
    import nbformat

    from userops_lib.runner.run import export_html

    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text="findfont: Font family not found\n"),
                    nbformat.v4.new_output("stream", name="stdout", text="GMV 1,234\n")]
    nb = nbformat.v4.new_notebook(cells=[cell])
    page = export_html(nb, tmp_path / "r.html").read_text()
    assert "GMV 1,234" in page and "findfont" not in page
    assert len(nb.cells[0].outputs) == 2  # the notebook itself keeps them


@kernel
def test_each_language_is_its_own_report_and_the_index_links_them(tmp_path):
    """--lang zh --lang en: Chinese reports in <dataset>/, English in <dataset>-en/, one index row each
    with its language and a link to the other; CDNOW (an American shop) gets US dollars by default."""
    out = tmp_path / "reports"
    code, stdout, stderr = run_cli(out, "--stage", "speaks_two_languages", "--data", "cdnow",
                                   "--lang", "zh", "--lang", "en")
    assert code == 0, stdout + stderr
    zh, en = out / DAY / "cdnow", out / DAY / "cdnow-en"
    assert "你好 currency USD" in (zh / "speaks_two_languages.html").read_text(encoding="utf-8")
    assert "hello currency USD" in (en / "speaks_two_languages.html").read_text(encoding="utf-8")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh">' in index and "用户运营报告" in index  # the index speaks the first language
    assert '<td>中文<br><a href="2024-06-30/cdnow-en/speaks_two_languages.html" class="muted">English</a></td>' in index
    assert '<td>English<br><a href="2024-06-30/cdnow/speaks_two_languages.html" class="muted">中文</a></td>' in index


def test_a_language_the_reports_do_not_speak_is_refused():
    with pytest.raises(SystemExit) as exc:
        cli.build_parser().parse_args(["run", "--lang", "fr"])
    assert exc.value.code == 2
