"""Tables as a report in a language shows them: labelled columns, numbers per locale, long tables
folded into an appendix at the end of the report.

:func:`userops_lib.report.show` with ``lang`` goes through here: every cell becomes the text a
reader sees (¥1,740,705.10, 14.1%, ✓/—, 2025-12-31), every column its label from
:mod:`.labels`, and a table longer than the body allows shows its first rows while the whole
table waits in the appendix (:func:`appendix`, the last cell of a report, shows it folded).
"""

from __future__ import annotations

import html

import pandas as pd

from ..metrics.drivers import DriverTreeFacts
from ..results import facts
from .formatting import NumberStyle
from .i18n import tr
from .labels import COLUMN_LABELS, channel_name, label, step_name, yes_no
from .quality_text import action, reason

__all__ = ["BODY_ROWS", "appendix", "column_label", "driver_table", "for_reader", "fold_into_appendix",
           "funnel_table", "profile_table", "quality_table", "rows_table"]

#: Rows of a table in the body of a report; the rest go to the appendix.
BODY_ROWS = 12

# Tables waiting for the appendix of the report being run (one kernel runs one report).
_QUEUE: list[tuple[str, pd.DataFrame]] = []


def column_label(column, lang: str) -> str:
    """The label a column has in a table in ``lang`` (a column without a label loses its underscores)."""
    message = COLUMN_LABELS.get(column)
    return tr(message, lang) if message else str(column).replace("_", " ")


def _is_name(column: str) -> bool:
    """Integer columns that name things (ids, years) keep their digits as they are: 17523, 2025."""
    name = str(column).lower()
    return name == "id" or name.endswith(("_id", " id")) or "year" in name


#: Columns whose values are acquisition channels (codes, named in the report's language: :func:`.labels.channel_name`).
CHANNEL_COLUMNS = {"channel"}

#: Columns of people that are averages (average DAU) but read in whole people.
WHOLE_PEOPLE = {"avg_dau"}


def _whole_units(column) -> bool:
    """Days and people read as whole numbers in a table: 6.69 days → 7, an average DAU of 617.77 → 618,
    a median of 83.00 days → 83 (columns named ``..._days``, ``days_...`` or in :data:`WHOLE_PEOPLE`)."""
    name = str(column).lower()
    return "days" in name.split("_") or name in WHOLE_PEOPLE


def _cells(values: pd.Series, column, style: NumberStyle, percent, money, points, changes) -> pd.Series:
    if column in CHANNEL_COLUMNS:
        values = values.map(lambda x: channel_name(x, style.lang))
    if _whole_units(column) and pd.api.types.is_float_dtype(values) and column not in (*percent, *money, *points,
                                                                                          *changes):
        return values.map(lambda x: style.missing if pd.isna(x) else style.count(round(x)))
    if column in percent:
        return values.map(style.percent)
    if column in changes:
        return values.map(style.change)
    if column in points:
        return values.map(lambda x: style.change(x, points=True))
    if column in money:
        return values.map(style.amount)
    if pd.api.types.is_bool_dtype(values):
        return values.map(yes_no)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").fillna(style.missing)
    if pd.api.types.is_integer_dtype(values) and not _is_name(column):
        return values.map(style.count)
    if pd.api.types.is_float_dtype(values):
        known = values.dropna()
        whole = len(known) > 0 and bool((known == known.round()).all())  # counts with gaps
        return values.map(style.count if whole else style.number)
    return values.map(lambda x: style.missing if x is None or (pd.api.types.is_scalar(x) and pd.isna(x)) else x)


def for_reader(df: pd.DataFrame, lang: str, currency: str | None = None, percent=(), money=(), points=(),
               changes=()) -> pd.DataFrame:
    """``df`` as text a reader sees in ``lang``: formatted cells, labelled columns (same rows).

    Parameters
    ----------
    df : pandas.DataFrame
        A library result (snake_case columns).
    lang, currency
        As for :class:`~userops_lib.report.formatting.NumberStyle`.
    percent, money, points, changes : sequence of str
        Columns holding shares (0.141 → 14.1%), amounts (¥1,740,705.10), changes of a rate in
        percentage points (+2.3 个百分点) and relative changes (+14.5%). Booleans read ✓/—, dates
        YYYY-MM-DD, counts 12,345, acquisition channels by name (付费搜索 for ``paid_search``).

    Returns
    -------
    pandas.DataFrame
        The same rows, every cell a string, columns named by :data:`.labels.COLUMN_LABELS`
        (a column without a label loses its underscores).
    """
    style = NumberStyle(lang, currency)
    kinds = [set(percent), set(money), set(points), set(changes)]
    return pd.DataFrame({column_label(c, lang): _cells(df[c], c, style, *kinds) for c in df.columns}, index=df.index)


#: Driver-tree nodes counted in money (the others are counts, a ratio or a share).
_MONEY_NODES = {"gmv", "aov"}
#: The drivers that are rates: their change reads in percentage points (NumberStyle.move).
_RATE_NODES = {"conversion"}


def driver_table(tree: pd.DataFrame, style: NumberStyle) -> pd.DataFrame:
    """A :func:`~userops_lib.metrics.drivers.driver_tree` as a reader sees it: one row per driver
    (the parts of buyers indented under it), the base and current period by name, the change and
    the contribution to the KPI's change in the KPI's unit. A rate's change (conversion) reads in
    percentage points, every other one relative (:meth:`NumberStyle.move`).

    Returns
    -------
    pandas.DataFrame
        Text columns ``driver``, the base period's label, the current period's label, ``change``,
        ``contribution``, ``share_of_change``.
    """
    a, lang = facts(tree, DriverTreeFacts), style.lang

    def amount(node, x):
        if node in _MONEY_NODES:
            return style.money(x, compact=False)
        if node == "orders_per_buyer":
            return style.number(x)
        return style.percent(x) if node == "conversion" else style.count(round(x))

    money_kpi = a.kpi in _MONEY_NODES
    return pd.DataFrame({
        "driver": [("└ " if parent not in ("", a.kpi) else "") + label(node, lang)
                   for node, parent in zip(tree["node"], tree["parent"])],
        a.base_period: [amount(n, x) for n, x in zip(tree["node"], tree["before"])],
        a.period: [amount(n, x) for n, x in zip(tree["node"], tree["now"])],
        "change": [style.move(b, n, rate=node in _RATE_NODES) for node, b, n in
                   zip(tree["node"], tree["before"], tree["now"])],
        "contribution": [("+" if x > 0 else "") + (style.money(x, compact=False) if money_kpi
                                                   else style.count(round(x))) for x in tree["contribution"]],
        "share_of_change": tree["share_of_change"].map(style.percent)})


def funnel_table(fun: pd.DataFrame, style: NumberStyle | None = None) -> pd.DataFrame:
    """A :func:`~userops_lib.metrics.funnel.funnel` in seven columns (within a 1200 px page), times
    between steps read as durations in the report's language (:meth:`NumberStyle.duration`: 44 秒,
    4.1 分钟, 1.4 天; without ``style`` the library's short English form, 44s, 4.1 min, 1.4 d) and the
    steps by name (:func:`.labels.step_name`: 浏览商品, 加购; without ``style`` the event names).

    Returns
    -------
    pandas.DataFrame
        ``step, users, conversion_from_previous, conversion_from_start, dropped_from_previous,
        median_time_from_previous, p80_time_from_previous`` (the times as text).
    """
    from ..metrics.funnel import format_duration

    times = ["median_time_from_previous", "p80_time_from_previous"]
    cols = ["step", "users", "conversion_from_previous", "conversion_from_start", "dropped_from_previous", *times]
    spell = style.duration if style is not None else format_duration
    named = fun["step"] if style is None else fun["step"].map(lambda s: step_name(s, style.lang))
    return fun.assign(step=named, **{c: fun[c].map(spell) for c in times})[cols]


def profile_table(prof: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A :func:`~userops_lib.metrics.profile.user_profile` with its dimension names and the library's own
    values (unknown, other, ...), the tiers and the codes :func:`.labels.value_name` knows (gender) in ``lang``;
    the shop's values (cities, tags) stay as they are."""
    from .charts import PROFILE_DIMENSIONS, profile_value_name

    values = [profile_value_name(d, v, lang) for d, v in zip(prof["dimension"], prof["value"])]
    return prof.assign(dimension=prof["dimension"].map(lambda d: tr(PROFILE_DIMENSIONS.get(d, d), lang)), value=values)


def quality_table(quality: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``Dataset.quality`` as a report shows it: each reason and action in ``lang`` (:mod:`.quality_text`).

    Returns
    -------
    pandas.DataFrame
        ``table, reason, column, rows, share, action`` (the reason codes and their values dropped).
    """
    out = quality[["table", "reason", "column", "rows", "share", "action"]].copy()
    out["reason"] = [reason(row, lang) for row in quality.to_dict("records")]
    out["action"] = [action(a, lang) for a in quality["action"]]
    return out


def rows_table(info: dict) -> pd.DataFrame:
    """Rows read and kept per table (``Dataset.info`` of ``load_dataset``).

    Returns
    -------
    pandas.DataFrame
        ``table, rows_read, rows_kept, excluded`` (read − kept), one row per table read.
    """
    rows = pd.DataFrame({"rows_read": pd.Series(info.get("rows_read", {}), dtype="float64"),
                         "rows_kept": pd.Series(info.get("rows_kept", {}), dtype="float64")}).fillna(0).astype("int64")
    return rows.assign(excluded=rows["rows_read"] - rows["rows_kept"]).rename_axis("table").reset_index()


def fold_into_appendix(table: pd.DataFrame, caption: str | None, lang: str, max_rows: int = BODY_ROWS) -> str:
    """Queue ``table`` (already :func:`for_reader` text) for the appendix when it has more than
    ``max_rows`` rows; returns the body's caption, which then says where the rest is."""
    if len(table) <= max_rows:
        return caption or ""
    _QUEUE.append((caption or "", table))
    note = tr("first {shown} of {rows} rows; all in appendix A{number}", lang, shown=max_rows, rows=len(table),
              number=len(_QUEUE))
    return (f"{caption}（{note}）" if lang == "zh" else f"{caption} ({note})") if caption else note


def appendix(lang: str = "zh") -> None:
    """Show the tables folded into the appendix (each in a closed ``<details>``), then forget them.

    Call it in the last cell of a report; nothing is shown when no table was too long.
    """
    from IPython.display import HTML, Markdown, display

    if not _QUEUE:
        return
    display(Markdown("## " + tr("Appendix", lang)))
    for number, (caption, table) in enumerate(_QUEUE, 1):
        # cells, column names and row labels may all be data (a channel as a column): all escaped
        body = (table.style.format(escape="html").format_index(escape="html", axis=0)
                .format_index(escape="html", axis=1))
        if isinstance(table.index, pd.RangeIndex):
            body = body.hide(axis="index")
        title = html.escape(f"A{number} · {caption}" if caption else f"A{number}")
        rows = html.escape(tr("{rows} rows", lang, rows=len(table)))
        rows = f"（{rows}）" if lang == "zh" else f" ({rows})"
        display(HTML(f"<details><summary><b>{title}</b>{rows}</summary>{body.to_html()}</details>"))
    _QUEUE.clear()
