"""Reports that a stranger's data cannot script, and secrets that stay out of every file (issue 11).

Reports travel by e-mail to managers, so a value in a shop's export (a city, a campaign, a
folder name, a parameter) must never become live markup, and the HTML must run no script at all:
each report and the index carry a Content-Security-Policy that forbids any, and the template
loads none. "Live" is decided by parsing the page (:mod:`live_markup`): escaped text showing the
payload is what a safe report looks like.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from live_markup import BACKTICK, IMG, SCRIPT, content_security_policy, live_markup
from userops_lib.runner.index import build_index
from userops_lib.runner.run import CONTENT_SECURITY_POLICY, export_html

DAY = "2024-06-30"


def _directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


def test_the_policy_forbids_every_script_and_every_remote_load():
    policy = _directives(CONTENT_SECURITY_POLICY)
    assert policy["default-src"] == ["'none'"] and policy["script-src"] == ["'none'"]  # inline and remote
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["img-src"] == ["data:"]  # charts are embedded PNGs, nothing is fetched
    assert not [v for values in policy.values() for v in values if v.startswith(("http", "*", "'unsafe-eval"))]


def test_a_report_loads_no_script_and_carries_the_policy(tmp_path):
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("x")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert(1)"}),
        nbformat.v4.new_output("display_data", data={
            "application/vnd.jupyter.widget-view+json": {"model_id": "m", "version_major": 2, "version_minor": 0},
            "text/plain": "widget"}),
        nbformat.v4.new_output("stream", name="stdout", text=f"{SCRIPT} {IMG}\n"),
        nbformat.v4.new_output("error", ename="ValueError", evalue=IMG, traceback=[f"ValueError: {SCRIPT}"]),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# Title with $x$ math\n\ntext"), code]
    html = export_html(nb, tmp_path / "r.html", title=f"r {SCRIPT}").read_text(encoding="utf-8")
    assert live_markup(html) == []  # no require.js, MathJax, Mermaid, widget or output script
    assert content_security_policy(html) == CONTENT_SECURITY_POLICY
    head = html[:html.index("<style")]
    assert "Content-Security-Policy" in head  # before anything the policy governs
    assert "(a script output, not run in a report)" in html


def test_the_index_carries_the_policy_and_escapes_every_field(tmp_path):
    folder = tmp_path / DAY / "x_img_src_x_onerror_alert_10_"
    folder.mkdir(parents=True)
    (folder / "status.json").write_text(json.dumps({f"nb{SCRIPT}": {
        "notebook": f"nb{IMG}", "status": "failed", "error": f"ValueError: {SCRIPT}",
        "parameters": {"data_source": f"/data/{BACKTICK}", IMG: SCRIPT},
        "effective_parameters": {"period": IMG}, "resolved_parameters": {"as_of": SCRIPT},
        "skipped_sections": [IMG], "started_at": SCRIPT, "duration_s": 1.0, "html": f"{IMG}.html",
        "ipynb": None, "last_good_html": None, "data_source": f"/data/{BACKTICK}"}}), encoding="utf-8")
    html = build_index(tmp_path).read_text(encoding="utf-8")
    assert live_markup(html) == [], live_markup(html)
    assert content_security_policy(html) == CONTENT_SECURITY_POLICY
    assert "ValueError: &lt;script&gt;alert(1)&lt;/script&gt;" in html


# -- passwords and salts: masked by parsing, scrubbed from every text --------------------------

from userops_lib.data.databases import mask_password, url_parts  # noqa: E402
from userops_lib.runner.scrub import mask_urls, public_parameters, scrub, secret_values  # noqa: E402


@pytest.mark.parametrize("url, masked", [
    ("postgresql://ana:s3cret@db:5432/shop", "postgresql://ana:***@db:5432/shop"),
    # a / ends the user info for urllib.parse.urlsplit; the password still ends at the last @
    ("postgresql://ana:p/w@d@db.example:5432/shop?sslmode=require",
     "postgresql://ana:***@db.example:5432/shop?sslmode=require"),
    ("mysql://u:a:b/c@[::1]:3306/d", "mysql://u:***@[::1]:3306/d"),
    ("postgresql://ana@db/shop", "postgresql://ana@db/shop"),  # no password: nothing to mask
    ("duckdb:///tmp/shop.duckdb", "duckdb:///tmp/shop.duckdb"),
])
def test_a_url_password_is_masked_whole_whatever_it_holds(url, masked):
    assert mask_password(url) == masked
    assert mask_urls(f"could not connect to '{url}': refused") == f"could not connect to '{masked}': refused"
    assert url_parts(masked)[1:] == url_parts(url)[1:]  # the report folder is named alike


def test_public_parameters_mask_secret_names_and_url_passwords():
    got = public_parameters({"data_source": "postgresql://ana:p/w@d@db/shop", "id_salt": "pepper",
                             "paths": ["mysql://u:pw@h/d"], "top_n": 3, "api_token": None})
    assert got == {"data_source": "postgresql://ana:***@db/shop", "id_salt": "***",
                   "paths": ["mysql://u:***@h/d"], "top_n": 3, "api_token": None}


def test_scrub_removes_every_secret_of_the_run_from_free_text():
    url = "postgresql://ana:p/w@d-9f@127.0.0.1:9/shop"
    known = secret_values({"data_source": url, "id_salt": "pepper-9c1e"},
                          environ={"USEROPS_MASK_KEY": "0123abcd" * 4, "USEROPS_ID_SALT": "salt-from-env", "HOME": "/x"})
    assert {"p/w@d-9f", "p%2Fw%40d-9f", "pepper-9c1e", "0123abcd" * 4, "salt-from-env"} <= known
    assert "/x" not in known  # only secret-looking variables
    text = (f"connect({url!r}) failed; dsn host=db password=p/w@d-9f; pw p%2Fw%40d-9f; salt pepper-9c1e; "
            f"key {'0123abcd' * 4}; env salt-from-env")
    clean = scrub(text, known)
    for secret in ("p/w@d-9f", "p%2Fw%40d-9f", "pepper-9c1e", "0123abcd", "salt-from-env"):
        assert secret not in clean, (secret, clean)
    assert "postgresql://ana:***@127.0.0.1:9/shop" in clean and "password=***" in clean
    assert scrub("a short pw", {"pw"}) == "a short pw"  # too short to replace in prose: no garbling


# -- one-line runner errors -----------------------------------------------------------------

import contextlib  # noqa: E402
import errno  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402

from userops_lib.runner import cli  # noqa: E402
from userops_lib.runner import run as execute  # noqa: E402
from userops_lib.runner.params import resolve_datasets  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "tests" / "notebooks"
kernel = pytest.mark.notebooks


def run_cli(out: Path, *args: str, params: str | None = None) -> tuple[int, str, str]:
    """``userops run`` in-process on the fixture notebooks; (exit code, stdout, stderr)."""
    argv = ["run", "--notebooks", str(NB_DIR), "--out", str(out), "--run-date", DAY, *args]
    if params is not None:
        pfile = out.parent / "params.yaml"
        pfile.write_text(params, encoding="utf-8")
        argv += ["--params", str(pfile)]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = cli.main(argv)
    return code, stdout.getvalue(), stderr.getvalue()


@pytest.fixture
def no_kernel(monkeypatch):
    """papermill replaced by a copy of the unexecuted notebook: the runner's own paths, in a second."""
    def execute_notebook(input_path, output_path, **kwargs):
        nbformat.write(nbformat.read(input_path, as_version=4), output_path)

    monkeypatch.setattr(execute.papermill, "execute_notebook", execute_notebook)
    return execute_notebook


def index_row(out: Path, notebook: str) -> str:
    """The index's table row of ``notebook`` (its HTML)."""
    html = (out / "index.html").read_text(encoding="utf-8")
    start = html.index(f">{notebook}<") if f">{notebook}<" in html else html.index(notebook)
    return html[html.rindex("<tr", 0, start):html.index("</tr>", start)]


def test_a_raw_slash_in_a_url_password_is_refused_in_one_line_without_the_password(tmp_path):
    from userops_lib.data.databases import connect
    from userops_lib.exceptions import ParameterError

    url = "postgresql://ana:Xy7abc/defg@127.0.0.1:9/shop"  # a URL reader would take "Xy7abc" for the port
    with pytest.raises(ParameterError, match=r"contains '/'.*percent-encoded \('/' as %2F\)") as err:
        connect(url)
    assert "Xy7abc" not in str(err.value) and "defg" not in str(err.value)
    code, stdout, stderr = run_cli(tmp_path / "reports", "--stage", "ok_minimal", "--data", url)
    assert code == 2 and stderr.count("\n") == 1 and "%2F" in stderr
    assert "Xy7abc" not in stdout + stderr and not (tmp_path / "reports").exists()


def test_an_invalid_unquoted_yaml_date_exits_2_in_one_line(tmp_path):
    out = tmp_path / "reports"
    code, stdout, stderr = run_cli(out, "--stage", "ok_minimal", "--data", "cdnow",
                                   params="title: x\nas_of: 2025-13-45\n")
    assert code == 2, stdout + stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert "line 2, column 8: 2025-13-45 is not a valid date (month must be in 1..12)" in stderr
    assert not out.exists()  # nothing ran
    code, _, stderr = run_cli(out, "--stage", "ok_minimal", "--data", "cdnow", params="a: [1, 2\nb: 3\n")
    assert code == 2 and stderr.count("\n") == 1 and "is not valid YAML: line 2" in stderr  # PyYAML says 4 lines


def test_a_duckdb_file_whose_name_is_dots_gets_a_sane_report_folder(tmp_path, no_kernel):
    (tmp_path / "...duckdb").write_bytes(b"")  # stem "..": the run folder's parent
    (tmp_path / ".shop.duckdb").write_bytes(b"")
    assert [d.name for d in resolve_datasets([str(tmp_path / "...duckdb"), str(tmp_path / ".shop.duckdb")])] == [
        "data", "shop"]
    out = tmp_path / "reports"
    code, stdout, stderr = run_cli(out, "--stage", "ok_minimal", "--data", str(tmp_path / "...duckdb"))
    assert code == 0, stdout + stderr
    assert (out / DAY / "data" / "ok_minimal.html").is_file() and (out / DAY / "data" / "status.json").is_file()


def _permissions_enforced() -> bool:
    """Whether a folder without write permission stops this process (not for root with
    CAP_DAC_OVERRIDE: there the patched twin below stands in)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "ro"
        folder.mkdir(mode=0o555)
        try:
            (folder / "probe").write_text("x")
        except PermissionError:
            return True
        finally:
            folder.chmod(0o755)
    return False


read_only_works = pytest.mark.skipif(os.name != "posix" or not _permissions_enforced(),
                                     reason="chmod does not stop this user (root); see the patched twin")


@read_only_works
def test_a_read_only_out_folder_exits_2_in_one_line(tmp_path, no_kernel):
    out = tmp_path / "reports"
    out.mkdir()
    out.chmod(0o555)
    try:
        code, stdout, stderr = run_cli(out, "--stage", "ok_minimal", "--data", "cdnow")
    finally:
        out.chmod(0o755)
    assert code == 2 and stderr == f"userops: error: --out: cannot write to {out} (permission denied)\n"


@read_only_works
def test_a_read_only_report_folder_is_a_failure_in_the_index(tmp_path, no_kernel):
    out = tmp_path / "reports"
    assert run_cli(out, "--stage", "ok_minimal", "--data", "cdnow")[0] == 0
    assert "status-ok" in index_row(out, "ok_minimal")
    folder = out / DAY / "cdnow"
    folder.chmod(0o555)
    try:
        code, stdout, stderr = run_cli(out, "--stage", "ok_minimal", "--data", "cdnow")
    finally:
        folder.chmod(0o755)
    assert code == 1 and f"FAILED (cannot write to {folder} (permission denied))" in stdout, stdout + stderr
    row = index_row(out, "ok_minimal")
    assert "status-failed" in row and f"cannot write to {folder} (permission denied)" in row  # not "ok" any more


@pytest.mark.parametrize("err", [errno.EACCES, errno.EROFS])
def test_an_unwritable_report_folder_is_a_failure_in_the_index(tmp_path, no_kernel, monkeypatch, err):
    """The twin of the chmod tests that also runs as root: the folder refuses the write."""
    out = tmp_path / "reports"
    assert run_cli(out, "--stage", "ok_minimal", "--data", "cdnow")[0] == 0
    folder = out / DAY / "cdnow"

    def refuse(path, text):
        raise OSError(err, os.strerror(err), str(path))

    monkeypatch.setattr(execute, "_write_whole", refuse)  # the report folder's status.json
    code, stdout, stderr = run_cli(out, "--stage", "ok_minimal", "--data", "cdnow")
    why = f"cannot write to {folder} ({os.strerror(err).lower()})"
    assert code == 1 and f"FAILED ({why})" in stdout and stderr == "", stdout + stderr
    row = index_row(out, "ok_minimal")
    assert "status-failed" in row and why in row
    monkeypatch.setattr(cli, "tempfile", types_with_mkdtemp(lambda **kw: refuse(out / "x", "")))
    code, stdout, stderr = run_cli(out, "--stage", "ok_minimal", "--data", "cdnow")
    assert code == 2 and stderr == f"userops: error: --out: cannot write to {out} ({os.strerror(err).lower()})\n"


def types_with_mkdtemp(mkdtemp):
    import types

    return types.SimpleNamespace(mkdtemp=mkdtemp)


def test_a_full_disk_while_the_notebook_is_saved_fails_the_run_in_one_line(tmp_path, monkeypatch):
    out = tmp_path / "reports"

    def disk_full(input_path, output_path, **kwargs):
        Path(output_path).write_text('{"cells": [', encoding="utf-8")  # cut short, as a full disk leaves it
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(execute.papermill, "execute_notebook", disk_full)
    code, stdout, stderr = run_cli(out, "--stage", "ok_minimal", "--data", "cdnow")
    assert code == 1 and stderr == "", stdout + stderr
    line = next(ln for ln in stdout.splitlines() if "ok_minimal" in ln)
    assert line.endswith(f"FAILED (no space left on device in {out})"), line  # --out, not the scratch folder
    assert "not appear to be JSON" not in stdout
    entry = json.loads((out / DAY / "cdnow" / "status.json").read_text(encoding="utf-8"))["ok_minimal"]
    assert entry["status"] == "failed" and entry["error"] == f"no space left on device in {out}"
    assert "status-failed" in index_row(out, "ok_minimal")


def test_a_full_disk_while_publishing_is_a_failure_in_the_index(tmp_path, no_kernel, monkeypatch):
    out = tmp_path / "reports"
    assert run_cli(out, "--stage", "ok_minimal", "--data", "cdnow")[0] == 0

    def disk_full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(execute, "_write_whole", disk_full)
    code, stdout, _ = run_cli(out, "--stage", "ok_minimal", "--data", "cdnow")
    assert code == 1 and f"FAILED (no space left on device in {out / DAY / 'cdnow'})" in stdout, stdout
    row = index_row(out, "ok_minimal")
    assert "status-failed" in row and "no space left on device" in row  # the old "ok" is not shown


# -- with a kernel: secrets echoed by a notebook, a dotted file name, a hostile shop --------------

PASSWORD = "p/w@d-Kq8v"  # with / and @: a pattern of "allowed password characters" would cut it short
URL = "postgresql://ana:p%2Fw@d-Kq8v@127.0.0.1:9/shop"  # as it must be written (the / encoded); nothing listens
SALT, MASK_KEY = "pepper-salt-71c4", "feedc0de" * 4


def produced_files(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")]


def assert_no_secret(texts: dict[str, str], secrets=(PASSWORD, SALT, MASK_KEY)) -> None:
    import urllib.parse

    for where, text in texts.items():
        for secret in secrets:
            for form in {secret, urllib.parse.quote(secret, safe=""), secret.replace("/", "%2F")}:
                assert form not in text, f"{form!r} in {where}"


@kernel
def test_a_notebook_echoing_its_url_and_salt_leaks_them_nowhere(tmp_path, monkeypatch):
    monkeypatch.setenv("USEROPS_ID_SALT", SALT)
    monkeypatch.setenv("USEROPS_MASK_KEY", MASK_KEY)
    out = tmp_path / "reports"
    code, stdout, stderr = run_cli(out, "--stage", "echoes_secrets", "--data", URL, params=f"id_salt: {SALT}\n")
    assert code == 1, stdout + stderr
    folder = out / DAY / "postgresql_shop"
    assert {p.name for p in folder.iterdir()} >= {"echoes_secrets.FAILED.html", "echoes_secrets.FAILED.ipynb"}
    texts = {p.name: p.read_text(encoding="utf-8") for p in produced_files(out)}
    assert_no_secret({**texts, "stdout": stdout, "stderr": stderr})
    # what was echoed is still there, masked: the reader sees which source failed
    echoed = "could not connect to 'postgresql://ana:***@127.0.0.1:9/shop'"
    assert echoed in texts["echoes_secrets.FAILED.html"] and echoed in stdout
    assert "postgresql://ana:***@127.0.0.1:9/shop" in texts["echoes_secrets.FAILED.ipynb"]


@kernel
def test_a_real_duckdb_file_named_dots_runs(tmp_path):
    import duckdb

    db = tmp_path / "...duckdb"
    with duckdb.connect(str(db)) as con:
        con.sql("CREATE TABLE orders AS SELECT 'o1' AS order_id, 'a' AS customer_id, "
                "TIMESTAMP '2024-01-01 10:00' AS order_ts, 10.0 AS amount")
    out = tmp_path / "reports"
    code, stdout, stderr = run_cli(out, "--stage", "loads_data", "--data", str(db))
    assert code == 0 and "FileExistsError" not in stdout + stderr, stdout + stderr
    assert json.loads((out / DAY / "data" / "status.json").read_text(encoding="utf-8"))["loads_data"]["status"] == "ok"


HOSTILE = SCRIPT + IMG  # appended to every text value of the hostile shop
FOUNDATION_TABLES = ("orders", "customers", "events", "channel_costs")


def write_hostile_shop(base: Path) -> Path:
    """A small demo shop (300 customers) in a folder named ``x`<img src=x onerror=alert(10)>```,
    every text column of every table carrying both payloads (ids too, alike in every table, so the
    joins still hold)."""
    import pandas as pd

    from userops_lib.demo.generate import write_demo

    demo = write_demo(base / "demo", n_customers=300, seed=5, days=365)
    folder = base / BACKTICK
    folder.mkdir()
    for table in FOUNDATION_TABLES:
        df = pd.read_parquet(demo / f"{table}.parquet")
        for column in df.columns:
            if pd.api.types.is_string_dtype(df[column]) or df[column].dtype == object:
                df[column] = df[column].where(df[column].isna(), df[column].astype(str) + HOSTILE)
        df.to_parquet(folder / f"{table}.parquet", index=False)
    return folder


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """01_foundation through ``userops run`` on the hostile shop (hostile parameters too) and on a
    PostgreSQL URL whose password nothing listens for, with a salt and a masking key in the
    environment."""
    import subprocess
    import sys

    base = tmp_path_factory.mktemp("hostile")
    shop = write_hostile_shop(base)
    params = base / "hostile.yaml"
    steps = [f"{step}{HOSTILE}" for step in ("visit", "product_view", "add_to_cart", "checkout", "purchase")]
    params.write_text(json.dumps({"funnel_steps": steps, "top_cities": 5}), encoding="utf-8")  # JSON is YAML
    out = base / "reports"
    env = {**os.environ, "USEROPS_ID_SALT": SALT, "USEROPS_MASK_KEY": MASK_KEY, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "userops_lib", "run", "--stage", "01", "--data", str(shop), "--data", URL,
         "--params", str(params), "--out", str(out), "--run-date", DAY, "--timeout", "600"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=1500)
    return proc, out, shop


@kernel
def test_the_hostile_shop_renders_with_every_payload_escaped(hostile_run):
    proc, out, shop = hostile_run
    assert proc.returncode == 1, proc.stdout + proc.stderr[-3000:]  # the database report fails, the shop's does not
    folder = out / DAY / "x_img_src_x_onerror_alert_10_"
    entry = json.loads((folder / "status.json").read_text(encoding="utf-8"))["01_foundation"]
    assert entry["status"] == "ok", entry["error"]
    pages = sorted(out.rglob("*.html"))
    assert {p.name for p in pages} == {"index.html", "01_foundation.html", "01_foundation.FAILED.html"}
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert live_markup(html) == [], (page.name, live_markup(html)[:5])
        assert content_security_policy(html) == CONTENT_SECURITY_POLICY, page.name
    report = (folder / "01_foundation.html").read_text(encoding="utf-8")
    # the payloads did reach the report, as text: in tables, sentences and the funnel's step names
    assert report.count("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;") >= 5
    assert "<code>x`&lt;img src=x onerror=alert(10)&gt;`</code>" in report  # the folder's name, whole, as code
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "x`&lt;img src=x onerror=alert(10)&gt;`" in index


@kernel
def test_the_hostile_run_leaks_no_secret(hostile_run):
    proc, out, _ = hostile_run
    texts = {str(p.relative_to(out)): p.read_text(encoding="utf-8") for p in produced_files(out)}
    assert any(name.endswith("01_foundation.FAILED.ipynb") for name in texts)  # the database report failed ...
    assert_no_secret({**texts, "stdout": proc.stdout, "stderr": proc.stderr})  # ... and says no password
    assert "postgresql://ana:***@127.0.0.1:9/shop" in texts[f"{DAY}/postgresql_shop/status.json"]
