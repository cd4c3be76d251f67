"""Every stage notebook runs end to end through the runner, on a small demo shop and on CDNOW.

This is the slow part of the suite (one kernel per notebook and dataset), so it runs the runner
once for all notebooks and both datasets and the tests read the result.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))

pytestmark = pytest.mark.notebooks


#: report folders the runner writes, as `make report` runs it: the demo in Chinese and English, CDNOW in English
FOLDERS = {"demo": "{demo}", "demo-en": "{demo}-en", "cdnow-en": "cdnow-en"}


#: the stages that say something about a messy load: 01's data-quality section, skip notes in 01-04
MESSY_STAGES = ["foundation", "strategy", "value", "loyalty"]


@pytest.fixture(scope="module")
def run(demo_dir, messy_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    base = [sys.executable, "-m", "userops_lib", "run", "--out", str(out), "--run-date", "2026-01-01", "--timeout", "600"]
    messy = ["--data", str(messy_dir), "--lang", "zh"] + [arg for stage in MESSY_STAGES for arg in ("--stage", stage)]
    procs = [subprocess.run(base + extra, capture_output=True, text=True, cwd=ROOT, timeout=3000)
             for extra in (["--data", str(demo_dir), "--lang", "zh", "--lang", "en"], ["--data", "cdnow", "--lang", "en"],
                           messy)]
    return procs, out / "2026-01-01"


@pytest.mark.parametrize("dataset", list(FOLDERS))
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_renders(run, notebook, dataset, demo_dir):
    procs, day = run
    folder = day / FOLDERS[dataset].format(demo=demo_dir.name)
    status = json.loads((folder / "status.json").read_text())
    entry = status[notebook]
    log = "\n".join(p.stdout + p.stderr[-3000:] for p in procs)
    assert entry["status"] == "ok", f"{notebook} on {dataset}: {entry.get('error')}\n{log}"
    html = (folder / f"{notebook}.html").read_text()
    assert "Traceback" not in html  # no cell raised, even in a guarded section
    assert "load_dataset(" not in html  # code cells are hidden from managers


def test_runner_succeeds_and_indexes_everything(run):
    procs, day = run
    for proc in procs:
        assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    index = (day.parent / "index.html").read_text()
    for notebook in NOTEBOOKS:
        assert index.count(f"/{notebook}.html") >= 3  # demo (zh), demo-en and cdnow-en


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


# ------------------------------------------------------------------------------ report language
def _declares_lang(notebook: str) -> bool:
    from userops_lib.runner.params import declared_parameters

    return "lang" in declared_parameters(ROOT / "notebooks" / f"{notebook}.ipynb")


TRANSLATED = [n for n in NOTEBOOKS if _declares_lang(n)]


def _report_text(path: Path) -> str:
    """What a reader sees of a rendered report: the text, without styles, scripts and images."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    for tag in soup(["script", "style", "title"]):
        tag.decompose()
    return soup.get_text(" ")


def _english_fragments() -> dict[str, str]:
    """For each translated catalog message, its longest literal part (placeholders removed) that a
    Chinese report could only show by leaking the English: {fragment: message id}."""
    import string

    from babel.messages.pofile import read_po

    from userops_lib.report import i18n

    with (i18n.LOCALE_DIR / "zh" / "LC_MESSAGES" / "userops.po").open("rb") as handle:
        catalog = [m for m in read_po(handle) if m.id and m.string and m.string != m.id]
    text = lambda value: value if isinstance(value, str) else " ".join(value)  # plural: (singular, plural)
    translations = " ".join(text(m.string) for m in catalog)
    fragments = {}
    for m in catalog:
        parts = [literal.strip(" .,:;()*`-") for form in ([m.id] if isinstance(m.id, str) else m.id)
                 for literal, *_ in string.Formatter().parse(form)]
        longest = max(parts, key=len)
        # a bare term (GMV, MAU) or a word the translation keeps is no leak
        if len(longest) >= 12 and " " in longest and longest not in translations:
            fragments[longest] = m.id
    return fragments


@pytest.mark.parametrize("notebook", TRANSLATED)
def test_a_chinese_report_shows_no_english_sentence_of_the_catalog(run, notebook, demo_dir):
    _, day = run
    text = _report_text(day / demo_dir.name / f"{notebook}.html")  # zh is the default language
    fragments = _english_fragments()
    assert len(fragments) > 50  # the check has something to look for
    leaks = sorted({message for fragment, message in fragments.items() if fragment in text})
    assert not leaks, f"{notebook}: untranslated in the zh report: {leaks[:5]}"


@pytest.mark.parametrize("notebook", [n for n in TRANSLATED if n.split("_", 1)[1] in MESSY_STAGES])
def test_a_chinese_report_of_messy_data_says_what_the_load_found_in_chinese(run, notebook, messy_dir):
    """Issue 13 #1: data-quality reasons and actions, load notes and skip notes come from the data
    layer in English; a zh report of a messy export (tests/conftest.py) shows none of that English."""
    from userops_lib.data.load import load_dataset
    from userops_lib.data.quality import ACTIONS

    _, day = run
    text = " ".join(_report_text(day / messy_dir.name / f"{notebook}.html").split())
    data = load_dataset(messy_dir)
    assert len(data.quality) >= 10 and len(data.notes) == 3  # the fixture has plenty to say
    english = set(data.quality["reason"]) | {str(note)[:60] for note in data.notes} | {"is skipped: it needs"}
    leaks = sorted(e for e in english if e in text)
    leaks += sorted(a for a in ACTIONS if re.search(rf"(?<![\w-]){re.escape(a)}(?![\w-])", text))
    catalog = sorted({message for fragment, message in _english_fragments().items() if fragment in text})
    assert leaks == [] and catalog == [], f"{notebook}: English in the zh report: {leaks[:5]} {catalog[:5]}"
    if notebook == "01_foundation":  # the section is there, in Chinese: a reason, an action, a note
        assert "订单号重复：完全相同的副本" in text and "置为空值" in text and "表有 0 行，按缺失处理" in text


@pytest.mark.parametrize("notebook", TRANSLATED)
def test_an_english_report_renders_without_chinese(run, notebook, demo_dir):
    _, day = run
    text = _report_text(day / f"{demo_dir.name}-en" / f"{notebook}.html")  # --lang en
    assert "Traceback" not in text
    chinese = re.findall(r"[\u4e00-\u9fff]+", text)
    assert not chinese, f"{notebook}: Chinese in the English report: {chinese[:10]}"


def test_reports_read_well_in_a_browser(run, demo_dir):
    """The demo reports (Chinese and English) and the index in headless Chromium at 1,200 px: tables fit,
    charts load, no console error (no blocked or remote script), Chinese text drawn in a real font
    (tests/browser.py)."""
    from browser import CHROMIUM, page_problems

    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (.ci/system-packages installs Debian's chromium where it can)")
    _, day = run
    zh = sorted((day / demo_dir.name).glob("*.html")) + [day.parent / "index.html"]
    en = sorted((day / f"{demo_dir.name}-en").glob("*.html"))
    assert len(zh) == len(en) + 1 == len(NOTEBOOKS) + 1, [p.name for p in zh + en]
    problems = {f"zh/{name}": found for name, found in page_problems(zh, chinese=True).items() if found}
    problems |= {f"en/{name}": found for name, found in page_problems(en).items() if found}
    assert problems == {}
