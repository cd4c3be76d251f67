"""Open rendered reports in headless Chromium, as a manager's browser shows them, and list what is wrong.

Used by ``tests/test_notebooks.py`` on the reports the runner produced. Chromium is Debian's package
(``/usr/bin/chromium``, installed by ``.ci/system-packages``), driven by Playwright; a report page
loads nothing from the network (its Content-Security-Policy forbids any script), so the browser runs
with networking features off.

Checks per page, at a 1,200 px wide window:

- every table fits its container (no column cut off or scrolled away);
- every chart image loaded (``naturalWidth > 0``);
- nothing was logged to the console as an error (a blocked script, a broken resource);
- in Chinese reports, no tofu: each text run with Chinese characters is measured in the page's
  font and in a character the fonts cannot have (U+0378, unassigned); text drawn as boxes measures
  the same width per character as that missing glyph.
"""

from __future__ import annotations

import shutil
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WIDTH = 1200
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Runs inside the page; returns the problems it finds as short sentences.
_CHECKS = r"""
() => {
  const problems = [];
  for (const table of document.querySelectorAll('table')) {
    const box = table.parentElement.getBoundingClientRect();
    const width = table.getBoundingClientRect().width;
    if (width > box.width + 1 || table.getBoundingClientRect().right > window.innerWidth + 1) {
      const head = [...table.querySelectorAll('th')].slice(0, 3).map(th => th.textContent.trim()).join(' | ');
      problems.push(`table wider than its container (${Math.round(width)} px > ${Math.round(box.width)} px): ${head}`);
    }
  }
  for (const img of document.querySelectorAll('img')) {
    if (!img.complete || img.naturalWidth === 0) problems.push(`image not loaded: ${img.src.slice(0, 60)}`);
  }
  return problems;
}
"""

_TOFU = r"""
() => {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d');
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent;
    const han = text.match(/[\u4e00-\u9fff]+/g);
    if (!han) continue;
    const style = getComputedStyle(walker.currentNode.parentElement);
    ctx.font = `${style.fontSize} ${style.fontFamily}`;
    const missing = ctx.measureText('\u0378').width;
    for (const run of han) {
      const perChar = ctx.measureText(run).width / run.length;
      if (Math.abs(perChar - missing) < 0.01) { found.push(run.slice(0, 10)); }
    }
    if (found.length > 5) break;
  }
  return found;
}
"""


def page_problems(paths: list[Path], chinese: bool = False) -> dict[str, list[str]]:
    """``{file name: [problem, ...]}`` for each HTML file (an empty list when it is fine)."""
    from playwright.sync_api import sync_playwright

    found: dict[str, list[str]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            for path in paths:
                page = browser.new_page(viewport={"width": WIDTH, "height": 900})
                errors: list[str] = []
                page.on("console", lambda msg, errors=errors: errors.append(msg.text) if msg.type == "error" else None)
                page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
                page.goto(Path(path).resolve().as_uri(), wait_until="load")
                problems = list(page.evaluate(_CHECKS))
                problems += [f"console error: {e[:160]}" for e in errors]
                if chinese:
                    problems += [f"tofu (no Chinese font): {run}" for run in page.evaluate(_TOFU)]
                found[Path(path).name] = problems
                page.close()
        finally:
            browser.close()
    return found
