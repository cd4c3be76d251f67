"""Small helpers the stage notebooks share: headings, skip notes, tables, masking, chart style.

Notebooks stay thin: they call the library for numbers and these helpers to show them.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Iterable

import pandas as pd

from ..data.ids import MASK_KEY_ENV, mask_id, mask_ids
from .markup import code, markdown_html, plain_text
from .quality_text import skip_text

__all__ = ["MASK_KEY_ENV", "cjk_font_available", "code", "mask_id", "mask_ids", "pct", "record_resolved", "say", "setup_charts",
           "show", "skip_note"]


def say(markdown: str, metadata: dict | None = None) -> None:
    """Show a sentence written in Markdown, as HTML in which every character of ``markdown`` is escaped.

    Only the Markdown subset of :mod:`.markup` becomes tags (paragraphs, lists, headings, bold,
    italic, code spans), so a data value inside the sentence (a city, a campaign, a folder name)
    shows as text and never as markup; wrap names that must show verbatim in :func:`code`.
    Outside IPython the text is printed. ``metadata`` is attached to the output for the runner
    (see :func:`skip_note`).
    """
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover
        print(plain_text(markdown))
        return
    # HTML, not a Markdown output: a Markdown renderer would pass HTML inside a value through
    display({"text/html": markdown_html(markdown), "text/plain": plain_text(markdown)}, raw=True,
            metadata=metadata)


#: Output type that carries :func:`record_resolved` values to the runner (not shown in the HTML).
RESOLVED_MIMETYPE = "application/vnd.userops.resolved-parameters+json"


def record_resolved(**values) -> None:
    """Tell the runner what parameters left to the notebook resolved to (``as_of=None`` becomes
    the date of the last order), so ``status.json`` and the report index show the real value.

    The values travel as an output of a type the HTML export does not render; dates and other
    values are stored as text.
    """
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover
        return
    display({RESOLVED_MIMETYPE: {k: None if v is None else v if isinstance(v, (bool, int, float)) else str(v)
                                 for k, v in values.items()}}, raw=True)

#: Output metadata key that marks a skip note; the runner counts them for the report index.
SKIPPED_KEY = "userops_skipped_section"


def skip_note(data, table: str, section: str, lang: str = "zh") -> bool:
    """Say, in ``lang``, that ``section`` is skipped when ``data`` lacks ``table``; returns True when skipped.

    The note carries ``{SKIPPED_KEY: section}`` as output metadata, so the runner can show
    "N sections skipped" next to the report in the index.
    """
    if data.has(table):
        return False
    say(skip_text(table, section, data.source, lang), metadata={SKIPPED_KEY: section})
    return True


def pct(x: float, digits: int = 1) -> str:
    """``0.1234`` → ``"12.3%"`` (``"n/a"`` for missing values; a share too small to show at
    ``digits`` reads ``"<0.1%"``, not ``"0.0%"``, so "a few" is never shown as "none")."""
    if x is None or pd.isna(x):
        return "n/a"
    smallest = 10.0 ** -digits
    if 0 < abs(100 * x) < smallest / 2:
        return f"{'<' if x > 0 else '>-'}{smallest:.{digits}f}%"
    return f"{100 * x:.{digits}f}%"


def _for_managers(df: pd.DataFrame, labels: dict[str, str], percent: Iterable[str], money: Iterable[str]):
    """``df`` with display names from ``labels`` and plain dates; ``percent``/``money`` renamed alike."""
    df = df.copy()
    for col in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[col]):
            df[col] = df[col].dt.strftime("%Y-%m-%d")
    label = lambda col: labels.get(col, str(col).replace("_", " "))  # noqa: E731
    return df.rename(columns=label), [label(c) for c in percent], [label(c) for c in money]


def _is_label(column: str) -> bool:
    """Integer columns that name things (ids, years) keep their digits as they are: 17523, 2025."""
    name = column.lower()
    return name == "id" or name.endswith(("_id", " id")) or "year" in name


def show(df: pd.DataFrame, caption: str | None = None, percent: Iterable[str] = (), money: Iterable[str] = (),
         max_rows: int | None = None, labels: dict[str, str] | None = None, colours: dict[str, dict] | None = None,
         *, lang: str | None = None, currency: str | None = None, points: Iterable[str] = (),
         changes: Iterable[str] = ()):
    """Display a table with readable number formats (percent and money columns named).

    With ``labels`` (column -> name a manager reads), columns are renamed for display only (a
    column without a label loses its underscores) and dates show as YYYY-MM-DD. ``colours``
    (column -> {cell value: CSS colour}) paints the background of those cells (status columns).

    With ``lang`` (a report in a language, see :mod:`.tables`): column labels and numbers in that
    language (money in ``currency``, ``points`` as percentage-point and ``changes`` as relative
    changes, ✓/— for booleans), and a table longer than ``max_rows`` (default 12) shows its first
    rows, the whole table going to the report's appendix. Without ``lang`` the first ``max_rows``
    (default 30) show.

    Every cell, column name, index label and the caption is HTML-escaped after formatting: a
    value such as ``<img src=x onerror=...>`` in a city or campaign column shows as text.
    """
    if lang is not None:
        from .tables import BODY_ROWS, column_label, fold_into_appendix, for_reader

        max_rows = BODY_ROWS if max_rows is None else max_rows
        colours = {column_label(c, lang): m for c, m in (colours or {}).items()}
        df = for_reader(df, lang, currency, percent, money, points, changes)
        caption, percent, money, labels = fold_into_appendix(df, caption, lang, max_rows), (), (), None
    max_rows = 30 if max_rows is None else max_rows
    if labels is not None:
        df, percent, money = _for_managers(df, labels, percent, money)
    styler = df.head(max_rows).style.format(_escaped_formats(df, percent, money), na_rep="–")
    styler = styler.format_index(escape="html", axis=0, na_rep="–").format_index(escape="html", axis=1)
    for column, mapping in (colours or {}).items():
        column = labels.get(column, str(column).replace("_", " ")) if labels is not None else column
        if column in df.columns:
            styler = styler.map(lambda v, m=mapping: _background(m, v), subset=[column])
    if isinstance(df.index, pd.RangeIndex):  # a row number means nothing to a reader
        styler = styler.hide(axis="index")
    if caption:
        styler = styler.set_caption(html.escape(str(caption)))  # pandas puts the caption in as it is
    try:
        from IPython.display import display

        display(styler)
    except ImportError:  # pragma: no cover
        print(df.head(max_rows).to_string())
    return styler


def _escaped_formats(df: pd.DataFrame, percent: Iterable[str], money: Iterable[str]) -> dict:
    """Column -> formatter whose text is HTML-escaped (pandas' own ``escape=`` escapes only the
    values that are text before formatting, not what a formatter returns, such as ``<0.1%``)."""
    fmt = {c: pct for c in percent if c in df.columns}
    fmt.update({c: "{:,.2f}".format for c in money if c in df.columns})
    for c in df.columns:
        if c in fmt:
            continue
        if pd.api.types.is_integer_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) and not _is_label(str(c)):
            fmt[c] = "{:,}".format  # counts: 7,708, not 7708
        elif pd.api.types.is_float_dtype(df[c]):
            values = df[c].dropna()
            whole = len(values) > 0 and bool((values == values.round()).all())  # counts with gaps
            fmt[c] = ("{:,.0f}" if whole else "{:,.2f}").format
        else:
            fmt[c] = str
    return {c: (lambda v, f=f: html.escape(f(v))) for c, f in fmt.items()}


_CSS_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]+")


def _background(mapping: dict, value) -> str:
    """The CSS of a cell whose value ``mapping`` colours (only plain colour names and hex codes)."""
    try:
        colour = mapping.get(value)
    except TypeError:  # an unhashable cell
        return ""
    return f"background-color: {colour}" if isinstance(colour, str) and _CSS_COLOUR.fullmatch(colour) else ""


#: Fonts with Chinese glyphs, tried in order after DejaVu Sans (matplotlib falls back per glyph).
CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
             "Microsoft YaHei", "PingFang SC", "Heiti SC", "SimHei", "Arial Unicode MS"]
NO_CJK_FONT_NOTE = ("**Note:** this machine has no Chinese (CJK) font, so Chinese text in the charts shows as empty "
                    "boxes (tables are not affected). Reinstall the package (its dependency `pylopdf-fonts-zh-cn` "
                    "brings Noto Sans SC) or install an OS font such as `fonts-noto-cjk`, and run the report again.")


def setup_charts() -> None:
    """One chart style for every report (seaborn whitegrid, readable sizes, CJK-capable fonts).

    Without any font of ``CJK_FONTS`` installed, matplotlib would warn once per missing glyph
    and chart; instead the report gets :data:`NO_CJK_FONT_NOTE` once, the first time a chart
    needs a Chinese glyph (reports without Chinese labels get no note).
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    from .fonts import register_bundled_cjk_font

    register_bundled_cjk_font()  # Noto Sans SC from the package's dependencies: Chinese labels on any machine
    sns.set_theme(style="whitegrid", context="notebook")
    # only installed families: matplotlib logs "findfont: ... not found" for each missing one at every text
    families = ["DejaVu Sans", *installed_cjk_fonts()]
    # and "no bold Noto Sans SC, using 400" at every bold Chinese title (missing glyphs are warnings, see below)
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    plt.rcParams.update({"figure.figsize": (9, 4), "figure.dpi": 100, "axes.titleweight": "bold",
                         "font.sans-serif": families, "axes.unicode_minus": False,
                         # families listed in font.family are tried glyph by glyph; the alias "sans-serif"
                         # alone resolves to its first installed font only, so Chinese would be missing
                         "font.family": families})
    if not cjk_font_available():
        _note_missing_glyphs_once()


def installed_cjk_fonts() -> list[str]:
    """The families of ``CJK_FONTS`` matplotlib knows, in the order of preference."""
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    return [name for name in CJK_FONTS if name in known]


def cjk_font_available() -> bool:
    """Whether matplotlib knows one of ``CJK_FONTS``."""
    return bool(installed_cjk_fonts())


def _note_missing_glyphs_once() -> None:
    """Route matplotlib's "Glyph ... missing from font(s)" warnings to one note per session."""
    import warnings

    previous = warnings.showwarning
    if getattr(previous, "_userops_glyph_note", False):
        return  # already installed (setup_charts called twice)
    shown = False

    def showwarning(message, category, filename, lineno, file=None, line=None):
        nonlocal shown
        if "missing from font" not in str(message):
            return previous(message, category, filename, lineno, file, line)
        if not shown:
            shown = True
            say(NO_CJK_FONT_NOTE)

    showwarning._userops_glyph_note = True
    warnings.showwarning = showwarning
    # the default filter shows a warning once per place; glyphs are all raised from one place
    warnings.filterwarnings("always", message=r"Glyph \d+ .*missing from font")
