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

