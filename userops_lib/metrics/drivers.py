"""Why a number moved: 环比 / 同比 of the headline KPIs, and the GMV driver tree.

Two questions a manager asks of every headline number:

* *Against what?* :func:`headline_comparison` puts a period next to the previous period (环比) and
  the same period a year before (同比). December always falls after Singles' Day; only the year-on-
  year comparison says whether this December was good. When the data holds no year of history the
  table says so in its ``note`` column, never with a bare empty cell.
* *Why?* :func:`driver_tree` splits the change of GMV into its drivers,
  ``GMV = buyers × orders per buyer × AOV`` with ``buyers = new + returning`` (and, when the
  dataset has events, ``buyers = visitors × conversion``).

The decomposition is the additive LMDI (logarithmic mean Divisia index, Ang 2005, "The LMDI
approach to decomposition analysis: a practical guide", Energy Policy 33): for ``V = x1·x2·x3``,
the contribution of factor ``k`` to ``V1 − V0`` is ``L(V1, V0) · ln(xk1 / xk0)`` with the
logarithmic mean ``L(a, b) = (a − b) / (ln a − ln b)`` (``L(a, a) = a``). Because
``ln(V1/V0) = Σ ln(xk1/xk0)`` and ``L(V1, V0) · ln(V1/V0) = V1 − V0``, the contributions add up to
the change exactly, with no residual and in any order of the factors. An additive split under a
factor (buyers = new + returning) shares that factor's contribution in proportion to the change of
each part: ``L(V1, V0) / L(B1, B0) · ΔN`` for new buyers, which also works when the buyers did not
change but their mix did.

The numbers come from :func:`userops_lib.metrics.kpis.period_kpis` (the foundation report's
definitions: new buyers made their first purchase ever in the period) and, for visitors, one ibis
aggregation of the events table, so DuckDB and Spark answer alike.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from ..data import engine, inputs
from ..data.load import Dataset
from ..data.periods import check_period, index_of, parse_date, last_complete_index, period_index, period_label, period_start
from ..exceptions import ParameterError
from ..results import Facts, attach, facts
from .kpis import period_kpis

__all__ = ["HeadlineComparisonFacts", "DriverTreeFacts", "HEADLINE_KPIS", "YEAR_LAG", "DRIVER_KPIS", "headline_comparison", "driver_tree", "log_mean",
           "drivers_sentence", "headline_index", "coverage_note"]

#: The KPIs of the headline table, with their labels.
HEADLINE_KPIS = {"gmv": "GMV", "orders": "Orders", "buyers": "Buyers", "new_buyers": "New buyers",
                 "returning_buyers": "Returning buyers", "aov": "AOV (客单价)"}
#: Periods between a period and "the same period last year": 52 ISO weeks and 364 days keep the
#: weekday (a Monday is compared with a Monday), as retail calendars do.
YEAR_LAG = {"day": 364, "week": 52, "month": 12, "quarter": 4, "year": 1}
#: KPIs :func:`driver_tree` can decompose.
DRIVER_KPIS = ("gmv", "orders", "buyers")
_COMPARE = ("previous", "last_year")
_NODE_LABELS = {"gmv": "GMV", "orders": "Orders", "buyers": "Buyers", "orders_per_buyer": "Orders per buyer",
                "aov": "AOV (客单价)", "new_buyers": "New buyers", "returning_buyers": "Returning buyers",
                "visitors": "Visitors", "conversion": "Conversion (buyers / visitors)"}


# ------------------------------------------------------------------------------------ inputs
def _dataset(data) -> Dataset:
    return inputs.dataset_of(data, "orders")


def _headline_index(table: pd.DataFrame, period: str, at, as_of: _dt.date) -> int:
    """Index of the headline period: the one holding ``at``, else the last complete one with orders."""
    if at is not None:
        day = parse_date(at, "at")
        if day > as_of:
            raise ParameterError(f"at={day} is after the data's as-of date {as_of}")
        return index_of(day, period)
    done = table[table["complete"] & (table["orders"] > 0)]
    return int(done["_p"].iloc[-1]) if len(done) else index_of(as_of, period)


def _kpi_table(data: Dataset, period: str) -> pd.DataFrame:
    """period_kpis with its period index ``_p`` (consecutive periods differ by 1)."""
    table = period_kpis(data, period)
    first = index_of(table["period_start"].iloc[0].date(), period) if len(table) else index_of(data.as_of, period)
    return table.assign(_p=np.arange(first, first + len(table)))


def _first_order_date(data: Dataset) -> _dt.date | None:
    orders = data.table("orders")
    first = engine.execute_scalar(orders.order_date.min())
    return None if first is None or pd.isna(first) else pd.Timestamp(first).date()


def headline_index(data, period: str, at=None) -> int:
    """Period index (see :mod:`userops_lib.data.periods`) of the headline period: the one holding
    ``at``, else the last complete period with orders (as in :func:`headline_comparison`)."""
    data, period = _dataset(data), check_period(period)
    return _headline_index(_kpi_table(data, period), period, at, data.as_of)


def _label_of(index: int, period: str) -> str:
    return period_label(period_start([index], period), period).iloc[0]


def coverage_note(index: int, period: str, first_day: _dt.date | None, what: str) -> str:
    """Why the period ``index`` (named ``what``) cannot be compared with, or '' when it can: it ends
    before ``first_day`` (the first date of the data), or starts before it (partial)."""
    start = period_start([index], period).iloc[0].date()
    end = period_start([index + 1], period).iloc[0].date() - _dt.timedelta(days=1)
    label = _label_of(index, period)
    if first_day is None or end < first_day:
        return f"no {what} ({label}): the data starts on {first_day}"
    if start < first_day:
        return f"{what} ({label}) is partial: the data starts on {first_day}, inside it"
    return ""


# ------------------------------------------------------------------------------ 同比 / 环比
def _change(now, before) -> float:
    """Relative change over |before|; NaN when before is 0 or missing."""
    if before is None or pd.isna(before) or before == 0 or now is None or pd.isna(now):
        return float("nan")
    return (now - before) / abs(before)


@dataclass(frozen=True)
class HeadlineComparisonFacts(Facts):
    """What :func:`headline_comparison` states besides its table."""

    producer: ClassVar[str] = "headline_comparison"
    period: str  #: the headline period's label ("2025-12")
    period_kind: str  #: "day", "week", "month", "quarter" or "year"
    complete: bool  #: the period has ended by the as-of date
    previous_period: str  #: label of the period before
    last_year_period: str  #: label of the same period a year before
    previous_note: str  #: why the comparison with the previous period is missing or weak (table-wide), else ""
    last_year_note: str  #: the same for last year
    as_of: _dt.date  #: last day observed
    first_day: _dt.date | None  #: first order day (None without orders)


def headline_comparison(data, period: str = "month", at=None) -> pd.DataFrame:
    """The headline KPIs of one period against the previous period (环比) and the same period last year (同比).

    Parameters
    ----------
    data : Dataset, ibis.Table, pandas.DataFrame or dict of them by table name
        A loaded dataset (``load_dataset``; tables given as DataFrames work too:
        ``load_dataset({"orders": df})``).
    period : {"day", "week", "month", "quarter", "year"}
        Length of the period. "Last year" is 12 months, 4 quarters, 52 ISO weeks or 364 days
        back (:data:`YEAR_LAG`: weeks and days keep the weekday).
    at : str or date, optional
        Any day of the headline period. Default: the last complete period with orders.

    Returns
    -------
    pandas.DataFrame
        One row per KPI of :data:`HEADLINE_KPIS` (GMV, orders, buyers, new buyers, returning
        buyers, AOV): ``kpi, label, value, previous, change_vs_previous, last_year,
        change_vs_last_year`` (changes relative, (value − base) / |base|) and ``note``: empty, or
        why a comparison is missing or weak ("no same period last year (2024-12): the data starts
        on 2025-03-01", "... is partial ...", "previous value 0", "previous value undefined (no
        orders)"). Facts: :class:`HeadlineComparisonFacts` (the periods compared, the table-wide
        part of ``note``).
    """
    period = check_period(period)
    data = _dataset(data)
    table = _kpi_table(data, period)
    now = _headline_index(table, period, at, data.as_of)
    before, year_ago = now - 1, now - YEAR_LAG[period]
    first_day = _first_order_date(data)
    rows = table.set_index("_p")
    notes = {"previous": coverage_note(before, period, first_day, "previous period"),
             "last_year": coverage_note(year_ago, period, first_day, "same period last year")}
    out = []
    for kpi, label in HEADLINE_KPIS.items():
        value = rows[kpi].get(now, np.nan)
        row = {"kpi": kpi, "label": label, "value": value}
        why = []
        for name, index in (("previous", before), ("last_year", year_ago)):
            base = rows[kpi].get(index, np.nan) if not notes[name].startswith("no ") else np.nan
            row[name], row[f"change_vs_{name}"] = base, _change(value, base)
            which = "previous" if name == "previous" else "last year"
            if notes[name]:
                why.append(notes[name])
            if base == 0:
                why.append(f"{which} value 0")
            elif pd.isna(base) and not notes[name].startswith("no "):
                why.append(f"{which} value undefined (no orders)")  # AOV of a period without orders
        row["note"] = "; ".join(why)
        out.append(row)
    result = pd.DataFrame(out, columns=["kpi", "label", "value", "previous", "change_vs_previous", "last_year",
                                        "change_vs_last_year", "note"])
    return attach(result, HeadlineComparisonFacts(
        period=_label_of(now, period), period_kind=period, complete=bool(now <= last_complete_index(data.as_of, period)),
        previous_period=_label_of(before, period), last_year_period=_label_of(year_ago, period),
        previous_note=notes["previous"], last_year_note=notes["last_year"], as_of=data.as_of, first_day=first_day))


# -------------------------------------------------------------------------------- driver tree
def log_mean(a: float, b: float) -> float:
    """Logarithmic mean ``(a − b) / (ln a − ln b)`` of two positive numbers (``a`` when they are equal)."""
    if a <= 0 or b <= 0:
        raise ValueError(f"the logarithmic mean needs positive numbers, got {a} and {b}")
    return a if a == b else (a - b) / (math.log(a) - math.log(b))


def _visitors(data: Dataset, period: str, indexes: list[int]) -> dict[int, int]:
    """Distinct customers with any event in each period of ``indexes`` (0 when none)."""
    events = data.table("events")
    ev = events.mutate(_p=period_index(events.event_date, period))
    ev = ev.filter(ev._p.isin(indexes))
    counts = engine.execute(ev.group_by("_p").agg(visitors=ev.customer_id.nunique()))
    found = dict(zip(counts["_p"].astype(int), counts["visitors"].astype(int)))
    return {i: found.get(i, 0) for i in indexes}


def _values(row: pd.Series, visitors: int | None) -> dict[str, float]:
    v = {k: float(row[k]) for k in ("gmv", "orders", "buyers", "new_buyers", "returning_buyers")}
    v["orders_per_buyer"] = v["orders"] / v["buyers"] if v["buyers"] else float("nan")
    v["aov"] = v["gmv"] / v["orders"] if v["orders"] else float("nan")
    if visitors is not None:
        v["visitors"] = float(visitors)
        v["conversion"] = v["buyers"] / visitors if visitors else float("nan")
    return v


#: kpi -> its multiplicative factors (buyers, when a factor or the KPI itself, splits further)
_TREES = {"gmv": ("buyers", "orders_per_buyer", "aov"), "orders": ("buyers", "orders_per_buyer"), "buyers": ()}


def _positive(*values) -> bool:
    return all(pd.notna(x) and x > 0 for x in values)


def _row(node: str, parent: str, v0: dict, v1: dict, contribution: float) -> dict:
    return {"node": node, "parent": parent, "before": v0[node], "now": v1[node], "contribution": contribution}


def _tree_rows(kpi: str, v0: dict, v1: dict) -> tuple[list[dict], str]:
    """Rows ``node, parent, before, now, contribution`` and a note ('' when fully decomposed)."""
    rows = [_row(kpi, "", v0, v1, v1[kpi] - v0[kpi])]
    factors = _TREES[kpi]
    if factors:
        if not _positive(*(v[k] for v in (v0, v1) for k in (kpi, *factors))):
            return rows, (f"{_NODE_LABELS[kpi]} or one of its factors is 0 in one of the periods: a log "
                          "decomposition needs positive values in both, so only the total change is shown")
        weight = log_mean(v1[kpi], v0[kpi])
        rows += [_row(f, kpi, v0, v1, weight * math.log(v1[f] / v0[f])) for f in factors]
        per_buyer = weight / log_mean(v1["buyers"], v0["buyers"])  # the buyers' contribution per buyer gained
    else:  # the KPI is buyers: a part contributes its own change
        weight = log_mean(v1["buyers"], v0["buyers"]) if _positive(v0["buyers"], v1["buyers"]) else None
        per_buyer = 1.0
    rows += [_row(part, "buyers", v0, v1, per_buyer * (v1[part] - v0[part])) for part in ("new_buyers", "returning_buyers")]
    if "visitors" not in v0:
        return rows, ""
    if weight is None or not _positive(v0["visitors"], v1["visitors"], v0["conversion"], v1["conversion"]):
        return rows, "no visitors (events) or no buyers in one of the periods, so buyers are not split into visitors × conversion"
    rows += [_row(part, "buyers", v0, v1, weight * math.log(v1[part] / v0[part])) for part in ("visitors", "conversion")]
    return rows, ""


@dataclass(frozen=True)
class DriverTreeFacts(Facts):
    """What :func:`driver_tree` states besides its table."""

    producer: ClassVar[str] = "driver_tree"
    kpi: str  #: the KPI decomposed ("gmv", "orders", "buyers")
    period: str  #: label of the period explained
    base_period: str  #: label of the period it is compared with
    compare: str  #: "previous" or "last_year"
    period_kind: str  #: "day", "week", "month", "quarter" or "year"
    note: str  #: why a part is not decomposed, else ""


def driver_tree(data, period: str = "month", at=None, compare: str = "previous", kpi: str = "gmv") -> pd.DataFrame:
    """Each driver's change and its contribution to the change of GMV (or orders, or buyers).

    ``GMV = buyers × orders per buyer × AOV``; ``buyers = new + returning`` and, when the dataset
    has events, ``buyers = visitors × conversion`` (two alternative splits of the buyers'
    contribution). Contributions are the additive LMDI of the module notes: the factors' add up to
    the KPI's change, and each split adds up to its parent's contribution.

    Parameters
    ----------
    data : Dataset, ibis.Table, pandas.DataFrame or dict of them by table name
        A loaded dataset; with an ``events`` table the buyers also split into visitors (customers
        with any event in the period) × conversion (buyers / visitors).
    period : {"day", "week", "month", "quarter", "year"}
    at : str or date, optional
        Any day of the period to explain. Default: the last complete period with orders.
    compare : {"previous", "last_year"}
        The base period: the one before (环比) or the same period last year (同比, see
        :data:`YEAR_LAG`).
    kpi : {"gmv", "orders", "buyers"}
        The KPI to explain: GMV (three factors), orders (buyers × orders per buyer) or buyers
        (new + returning, visitors × conversion).

    Returns
    -------
    pandas.DataFrame
        One row per node, the KPI first: ``node`` (``gmv``, ``buyers``, ``orders_per_buyer``,
        ``aov``, ``new_buyers``, ``returning_buyers``, ``visitors``, ``conversion``), ``parent``
        (the node it explains; empty for the KPI), ``label``, ``before``, ``now``, ``change``
        (relative, (now − before) / before), ``contribution`` (in the KPI's unit; the KPI's own row
        holds its total change) and ``share_of_change`` (contribution / total change; NaN when the
        KPI did not change). Facts: :class:`DriverTreeFacts`.

    Raises
    ------
    ParameterError
        Unknown ``compare`` or ``kpi``, a date after the as-of date, or a base period outside the
        data (the message names it and where the data starts).
    """
    period = check_period(period)
    if compare not in _COMPARE:
        raise ParameterError(f"compare must be one of {', '.join(_COMPARE)}; got {compare!r}")
    if kpi not in DRIVER_KPIS:
        raise ParameterError(f"kpi must be one of {', '.join(DRIVER_KPIS)}; got {kpi!r}")
    data = _dataset(data)
    table = _kpi_table(data, period)
    now = _headline_index(table, period, at, data.as_of)
    base = now - (1 if compare == "previous" else YEAR_LAG[period])
    rows = table.set_index("_p")
    for index in (now, base):
        if index not in rows.index:
            raise ParameterError(f"{_label_of(index, period)} is outside the data "
                                 f"(orders from {_first_order_date(data)} to {data.as_of})")
    visitors = _visitors(data, period, [base, now]) if data.has("events") else {}
    v0, v1 = _values(rows.loc[base], visitors.get(base)), _values(rows.loc[now], visitors.get(now))
    tree, note = _tree_rows(kpi, v0, v1)
    out = pd.DataFrame(tree)
    out["label"] = out["node"].map(_NODE_LABELS)
    out["change"] = [_change(n, b) for n, b in zip(out["now"], out["before"])]
    total = out["contribution"].iloc[0]
    out["share_of_change"] = out["contribution"] / total if total else np.nan
    out = out[["node", "parent", "label", "before", "now", "change", "contribution", "share_of_change"]]
    return attach(out, DriverTreeFacts(kpi=kpi, period=_label_of(now, period), base_period=_label_of(base, period),
                                       compare=compare, period_kind=period, note=note))


def drivers_sentence(tree: pd.DataFrame) -> str:
    """One sentence on a :func:`driver_tree`: the total change and each first-level factor's share of it.

    Example: "GMV rose from 323,441 (2024-12) to 551,512 (2025-12), +228,070 (+70.5%): buyers +78.1%
    contributed +246,679, orders per buyer +1.3% contributed +5,658 and AOV (客单价) -5.5% contributed
    -24,267."
    """
    a = facts(tree, DriverTreeFacts)
    top = tree.iloc[0]
    delta = top["contribution"]
    verb = "rose" if delta > 0 else "fell" if delta < 0 else "did not change"
    what = f"{top['label']} {verb} from {top['before']:,.0f} ({a.base_period}) to {top['now']:,.0f} ({a.period})"
    if delta == 0:
        return what + "."
    what += f", {delta:+,.0f} ({_pct_text(top['change'])})"
    parts = tree[(tree["parent"] == a.kpi) & ~tree["node"].isin(["visitors", "conversion"])]
    if parts.empty:
        return what + "." + (f" ({a.note}.)" if a.note else "")
    said = [f"{_lower(r.label)} {_pct_text(r.change)} contributed {r.contribution:+,.0f}" for r in parts.itertuples()]
    return what + ": " + _join(said) + "."


def _pct_text(x) -> str:
    return "n/a" if x is None or pd.isna(x) else f"{x:+.1%}"


def _lower(label: str) -> str:
    """'Orders per buyer' -> 'orders per buyer' inside a sentence; 'GMV' and 'AOV (客单价)' stay."""
    return label if label[:2].isupper() else label[0].lower() + label[1:]


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
