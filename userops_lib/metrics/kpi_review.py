"""KPI review (考核): targets per quarter or year against the actuals, with status and trends.

Targets live in a YAML file (see ``userops_lib/examples/kpi_targets.yaml``), one entry per period
(``"2025-Q4"`` or ``"2025"``), grouped as *result* KPIs (GMV, new buyers), *process* KPIs
(repurchase, retention, conversion, AOV, DAU/MAU) and *progress* KPIs (project milestones with a
due date and a done date).

Every actual comes from the library functions the stage reports use, so the numbers agree across
reports:

* GMV, orders, buyers, new buyers, AOV, repurchase rate (复购率), return-purchase rate (回购率),
  churn and growth rates: :func:`userops_lib.metrics.kpis.period_kpis` (``repeat_basis="orders"``).
  ``period="quarter"`` or ``period="year"``.
* D1/D7/D30 retention (on day N; ``*_within``: on any day 1..N):
  :func:`userops_lib.metrics.retention.n_day_retention` (first purchase, orders) on
  the period's new buyers only (customers whose first order falls in the period); users whose day N
  is after the as-of date are not yet observable and left out of the denominator.
* Channel conversion: :func:`userops_lib.metrics.kpis.channel_conversion` over the customers who signed up
  in the period (converted = at least one order up to the as-of date), all channels together.
* DAU/MAU: :func:`userops_lib.metrics.kpis.stickiness`, the mean of the period's monthly values; needs the
  ``events`` table (purchases alone do not make a daily-activity figure).
* NPS: :func:`userops_lib.metrics.voice.nps` over the survey rounds sent in the period
  (:func:`~userops_lib.metrics.voice.survey_rounds`; a round belongs to the period of its earliest row), the
  number 04 shows for the same rounds; in points (-100 to 100), so its change is in points, not relative.

Attainment is ``actual / target`` for higher-is-better KPIs and ``target / actual`` for
lower-is-better ones (churn), so 100 % always means "on target" and more is always better.

Changes between periods: percent KPIs (and NPS, in points) move in percentage points (``*_pp`` columns), the others by
their relative change over the size of the earlier value. Seed 003's 7日留存 is "bought again
within 7 days" (``d7_retention_within``); ``d7_retention`` is the narrower "bought again on day 7".
:func:`notable_moves` ranks moves by improvement (using each KPI's direction) and holds back moves
resting on fewer than 30 customers or, for shares of customers, not significant in a two-proportion
z-test.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..data import engine, inputs
from ..data.load import Dataset
from ..data.periods import parse_date
from ..thresholds import MIN_GROUP
from ..exceptions import ContractError, ParameterError
from ..results import Facts, attach, facts
from .drivers import DRIVER_KPIS, DriverTreeFacts, driver_tree, drivers_sentence
from .kpis import channel_conversion, period_kpis, stickiness
from .retention import n_day_retention
from .voice import nps, survey_rounds
from ..data.yamlfile import read_yaml
from ..locations import PACKAGE_DIR

__all__ = ["KPI_REGISTRY", "KpiSpec", "GROUPS", "EXAMPLE_TARGETS", "load_targets", "parse_period",
           "last_complete_period", "period_actuals", "kpi_scorecard", "change_text", "notable_moves",
           "moves_sentence", "progress_status", "progress_sentence", "kpi_trend", "result_drivers",
           "KpiScorecardFacts", "ResultDriversFacts", "period_channels"]

#: KPI groups of a targets file, in report order.
GROUPS = ("result", "process", "progress")
#: The example targets file shipped with userops (illustrative targets for the demo shop).
EXAMPLE_TARGETS = PACKAGE_DIR / "examples" / "kpi_targets.yaml"
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class KpiSpec:
    """How one KPI is computed and read.

    Attributes
    ----------
    group : str
        Default group (``"result"`` or ``"process"``).
    direction : str
        ``"higher"`` (more is better) or ``"lower"`` (less is better, e.g. churn).
    fmt : str
        ``"money"``, ``"count"``, ``"percent"`` (a share, 0-1) or ``"points"`` (a score in points
        such as NPS, -100 to 100): how a report shows it. Percent and points KPIs move in points.
    source : str
        Which family computes it: ``"period"`` (period_kpis column), ``"retention"``,
        ``"conversion"``, ``"usage"``, ``"visits"``, ``"stickiness"`` or ``"voice"``.
    column : str
        Column of :func:`~userops_lib.metrics.kpis.period_kpis`, or ``"on_day:N"`` / ``"within:N"`` for retention.
    needs : tuple of str
        Tables besides ``orders`` the KPI needs.
    label : str
        Name for a manager.
    proportion : bool
        True when the KPI is a share of customers (its ``base``), so a change between two periods
        can be tested with a two-proportion z-test.
    """

    group: str
    direction: str
    fmt: str
    source: str
    column: str
    needs: tuple = ()
    label: str = ""
    proportion: bool = False


def _period_kpi(column, label, group="result", fmt="count", direction="higher", needs=(), proportion=False):
    return KpiSpec(group, direction, fmt, "period", column, tuple(needs), label, proportion)


def _retention_kpi(column, label):
    return KpiSpec("process", "higher", "percent", "retention", column, (), label, True)


#: Every KPI a targets file may name: group, direction, format and where the actual comes from.
KPI_REGISTRY: dict[str, KpiSpec] = {
    "gmv": _period_kpi("gmv", "GMV", fmt="money"),
    "orders": _period_kpi("orders", "Orders"),
    "buyers": _period_kpi("buyers", "Buyers"),
    "new_buyers": _period_kpi("new_buyers", "New buyers"),
    "returning_buyers": _period_kpi("returning_buyers", "Returning buyers"),
    "new_signups": _period_kpi("new_signups", "New sign-ups", needs=("customers",)),
    "aov": _period_kpi("aov", "AOV (客单价)", "process", "money"),
    "repurchase_rate": _period_kpi("repurchase_rate", "Repurchase rate (复购率)", "process", "percent",
                                   proportion=True),
    "return_purchase_rate": _period_kpi("return_purchase_rate", "Return-purchase rate (回购率)", "process",
                                        "percent", proportion=True),
    "churn_rate": _period_kpi("churn_rate", "Buyer churn rate", "process", "percent", "lower", proportion=True),
    "buyer_growth_rate": _period_kpi("buyer_growth_rate", "Buyer growth rate", "process", "percent"),
    "gmv_growth_rate": _period_kpi("gmv_growth_rate", "GMV growth rate", "process", "percent"),
    # On day N is the narrow DN figure; seed 003's 7日留存 ("within 7 days") is d7_retention_within.
    "d1_retention": _retention_kpi("on_day:1", "Bought again on day 1 (D1)"),
    "d7_retention": _retention_kpi("on_day:7", "Bought again on day 7 (D7)"),
    "d30_retention": _retention_kpi("on_day:30", "Bought again on day 30 (D30)"),
    "d7_retention_within": _retention_kpi("within:7", "Bought again within 7 days (7日留存)"),
    "d30_retention_within": _retention_kpi("within:30", "Bought again within 30 days (30日留存)"),
    "channel_conversion": KpiSpec("process", "higher", "percent", "conversion", "conversion_rate",
                                  ("customers",), "Channel conversion", True),
    "dau_mau": KpiSpec("process", "higher", "percent", "stickiness", "stickiness", ("events",), "DAU/MAU"),
    # Average daily and monthly active users of the period's months (seed 003 names DAU and MAU).
    "dau": KpiSpec("process", "higher", "count", "stickiness", "avg_dau", ("events",), "DAU"),
    "mau": KpiSpec("process", "higher", "count", "stickiness", "mau", ("events",), "MAU"),
    # Usage retention (any event, not a purchase) of the period's sign-ups, and purchase conversion of
    # the period's visitors (buyers / visitors, the driver tree's conversion).
    "usage_d7_retention": KpiSpec("process", "higher", "percent", "usage", "within:7", ("events", "customers"),
                                  "Usage retention within 7 days", True),
    "purchase_conversion": KpiSpec("process", "higher", "percent", "visits", "conversion", ("events",),
                                   "Purchase conversion (buyers / visitors)", True),
    # Net promoter score of the survey rounds sent in the period (seed 003 names it among the process KPIs
    # of customer experience); the base is the scored answers.
    "nps": KpiSpec("process", "higher", "points", "voice", "nps", ("surveys",), "NPS"),
}


# ------------------------------------------------------------------------------------ periods
def parse_period(period) -> tuple[str, _dt.date, _dt.date]:
    """``(kind, first day, last day)`` of a period label: ``"2025-Q4"`` (quarter) or ``"2025"`` (year).

    Raises
    ------
    ParameterError
        For any other form.
    """
    text = str(period).strip()
    if m := _QUARTER.match(text):
        year, q = int(m[1]), int(m[2])
        start = _dt.date(year, 3 * q - 2, 1)
        end = (pd.Timestamp(start) + pd.offsets.QuarterEnd(0)).date()
        return "quarter", start, end
    if _YEAR.match(text):
        year = int(text)
        return "year", _dt.date(year, 1, 1), _dt.date(year, 12, 31)
    raise ParameterError(f"period {period!r}: use 'YYYY-Qn' for a quarter (e.g. '2025-Q4') or 'YYYY' for a year")


def _label(kind: str, start: _dt.date) -> str:
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}" if kind == "quarter" else str(start.year)


def _shift(period: str, steps: int) -> str:
    """The period ``steps`` periods of the same kind before (negative) or after ``period``."""
    kind, start, _ = parse_period(period)
    if kind == "year":
        return str(start.year + steps)
    index = start.year * 4 + (start.month - 1) // 3 + steps
    return f"{index // 4}-Q{index % 4 + 1}"


def last_complete_period(as_of, kind: str = "quarter") -> str:
    """Label of the last quarter or year that ends on or before ``as_of``."""
    if kind not in ("quarter", "year"):
        raise ParameterError(f"period_type must be 'quarter' or 'year'; got {kind!r}")
    as_of = parse_date(as_of, "as_of")
    current = _label(kind, as_of if kind == "quarter" else _dt.date(as_of.year, 1, 1))
    return current if parse_period(current)[2] <= as_of else _shift(current, -1)


# ------------------------------------------------------------------------------------ targets
def _number(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ParameterError(f"{where}: target must be a number; got {value!r}")
    return float(value)


def _kpi_targets(period: str, group: str, block) -> dict:
    if not isinstance(block, dict):
        raise ParameterError(f"period {period}, {group}: expected a mapping of KPI name to target; got {block!r}")
    out = {}
    for name, value in block.items():
        where = f"period {period}, {group}.{name}"
        if name not in KPI_REGISTRY:
            raise ParameterError(f"{where}: unknown KPI {name!r}; known KPIs: {', '.join(KPI_REGISTRY)}")
        direction = KPI_REGISTRY[name].direction
        if isinstance(value, dict):
            direction = value.get("direction", direction)
            if direction not in ("higher", "lower"):
                raise ParameterError(f"{where}: direction must be 'higher' or 'lower'; got {direction!r}")
            value = value.get("target")
        out[name] = {"target": _number(value, where), "direction": direction}
    return out


def _milestones(period: str, items) -> list[dict]:
    if not isinstance(items, list):
        raise ParameterError(f"period {period}, progress: expected a list of milestones; got {items!r}")
    out = []
    for i, item in enumerate(items):
        where = f"period {period}, progress[{i}]"
        if not isinstance(item, dict) or not item.get("name"):
            raise ParameterError(f"{where}: each milestone needs a 'name'; got {item!r}")
        where = f"{where} ({item['name']})"
        if item.get("due") is None:
            raise ParameterError(f"{where}: missing 'due' date")
        done = item.get("done")
        out.append({"name": str(item["name"]), "due": parse_date(item["due"], f"{where}.due"),
                    "done": None if done is None else parse_date(done, f"{where}.done")})
    return out


def load_targets(path=None) -> dict:
    """Read and check a targets YAML file.

    Parameters
    ----------
    path : str or Path, optional
        The YAML file; None = the example shipped with userops (:data:`EXAMPLE_TARGETS`).
        A dict of the same shape is checked and returned as well.

    Returns
    -------
    dict
        ``{period label: {"result": {kpi: {"target", "direction"}}, "process": {...},
        "progress": [{"name", "due", "done"}]}}``; period labels normalised (``"2025-Q4"``, ``"2025"``).

    Raises
    ------
    ParameterError
        Unknown period format, unknown group or KPI name, non-numeric target, bad direction, a
        milestone without name or due date, or an unparseable date; the message names the period
        and the key.
    """
    if isinstance(path, dict):
        raw = path
    else:
        raw = read_yaml(path if path is not None else EXAMPLE_TARGETS, "targets file")
    if not isinstance(raw, dict) or not isinstance(raw.get("periods"), dict):
        raise ParameterError("targets: the file needs a top-level 'periods:' mapping of period to targets")
    targets = {}
    for key, spec in raw["periods"].items():
        kind, start, _ = parse_period(key)
        period = _label(kind, start)
        if not isinstance(spec, dict):
            raise ParameterError(f"period {period}: expected result / process / progress; got {spec!r}")
        unknown = [g for g in spec if g not in GROUPS]
        if unknown:
            raise ParameterError(f"period {period}: unknown group {unknown[0]!r}; use {', '.join(GROUPS)}")
        targets[period] = {"result": _kpi_targets(period, "result", spec.get("result") or {}),
                           "process": _kpi_targets(period, "process", spec.get("process") or {}),
                           "progress": _milestones(period, spec.get("progress") or [])}
    return targets


# ------------------------------------------------------------------------------------ actuals
def _as_dataset(data) -> Dataset:
    """A Dataset for any input :func:`~userops_lib.data.inputs.dataset_of` accepts (a table is orders)."""
    data = inputs.dataset_of(data, "orders")
    inputs.table_of(data, "orders", ("customer_id", "order_date", "amount"))
    if data.as_of is None:
        raise ContractError("orders", "order_date", "no row has a date, so there is no as-of date", 0)
    return data


def _period_table(data: Dataset, kind: str) -> pd.DataFrame:
    """:func:`period_kpis` per quarter or per year, indexed by period label, plus ``previous_buyers``;
    once per Dataset (05 asks for it in the scorecard and in each trend chart). Read, never changed."""
    def compute() -> pd.DataFrame:
        customers = data.table("customers") if data.has_column("customers", "signup_date") else None
        table = period_kpis(data, kind, customers, as_of=data.as_of)
        return table.assign(previous_buyers=table["buyers"].shift(1)).set_index("period")

    return data.memo(("kpi_period_table", kind), compute)


#: The customers each period KPI rests on (a column of the period table): its denominator for rates.
_PERIOD_BASE = {"new_buyers": "new_buyers", "returning_buyers": "returning_buyers", "new_signups": "new_signups",
                "churn_rate": "previous_buyers", "buyer_growth_rate": "previous_buyers",
                "gmv_growth_rate": "previous_buyers"}


def _period_value(table: pd.DataFrame, label: str, name: str, spec: KpiSpec, kind: str) -> tuple:
    """(actual, base, note) of a period_kpis KPI; the note says why a missing actual is missing."""
    row = table.loc[label]
    value = row.get(spec.column, np.nan)
    base = row.get(_PERIOD_BASE.get(name, "buyers"), np.nan)
    if pd.notna(value):
        return value, base, ""
    if name == "return_purchase_rate":
        note = "no buyers in the period" if row["buyers"] == 0 else f"needs the following {kind} to be complete"
    elif name == "churn_rate":
        note = (f"needs the complete {kind}" if not row["complete"] else f"no buyers in the previous {kind}")
    elif name.endswith("_growth_rate"):
        note = f"no previous {kind} with a value to compare with"
    elif name == "aov":
        note = "no orders in the period"
    elif row["buyers"] == 0:
        note = "no buyers in the period"
    else:
        note = "not computable for this period"
    return value, base, note


def _retention(data: Dataset, start: _dt.date, end: _dt.date) -> pd.DataFrame:
    """D1/D7/D30 retention (first purchase, orders) of the period's new buyers.

    Indexed ``on_day:N`` (bought on day N, the usual DN retention) and ``within:N`` (on any day 1..N);
    columns ``actual, base`` (new buyers whose day N is observed), ``note``.
    """
    orders = data.table("orders")
    first = orders.group_by("customer_id").agg(_first=orders.order_date.min())
    cohort = first.filter((first._first >= start) & (first._first <= end)).select("customer_id")
    out = n_day_retention(orders.semi_join(cohort, "customer_id"), days=(1, 7, 30), as_of=data.as_of)
    note = np.where(out["new_users"] == 0, "no new buyers in the period",
                    np.where(out["eligible_users"] == 0,
                             "day " + out["day"].astype(str) + " after a first order is after the data's end "
                             "(needs the following period)", ""))
    frames = [pd.DataFrame({"actual": out[f"retention_{kind}"].to_numpy(), "base": out["eligible_users"].to_numpy(),
                            "note": note}, index=f"{prefix}:" + out["day"].astype(str))
              for kind, prefix in (("on_day", "on_day"), ("within", "within"))]
    return pd.concat(frames)


def _signed_up_channels(data: Dataset, start: _dt.date, end: _dt.date) -> pd.DataFrame:
    """:func:`channel_conversion` over the customers who signed up between ``start`` and ``end``."""
    customers = data.table("customers")
    signed = customers.filter((customers.signup_date >= start) & (customers.signup_date <= end))
    return channel_conversion(data.with_tables(customers=signed))


def period_channels(data, period: str) -> pd.DataFrame:
    """Channel conversion of the customers who signed up in ``period``, per channel: the breakdown of the
    scorecard's ``channel_conversion`` (its actual is converted / acquired summed over these rows).

    Parameters
    ----------
    data : Dataset or anything :func:`~userops_lib.data.inputs.dataset_of` accepts
        Needs ``customers`` with ``channel`` and ``signup_date``.
    period : str
        ``"YYYY-Qn"`` or ``"YYYY"``.

    Returns
    -------
    pandas.DataFrame
        As :func:`~userops_lib.metrics.kpis.channel_conversion`: ``channel, acquired_users,
        converted_users, conversion_rate`` (and ``cost, cost_per_acquired_user, cac`` with channel
        costs, which are not split by period).
    """
    data = _as_dataset(data)
    inputs.table_of(data, "customers", ["customer_id", "channel", "signup_date"], needed_for="Channel conversion")
    _, start, end = parse_period(period)
    return _signed_up_channels(data, start, end)


def _conversion(data: Dataset, start: _dt.date, end: _dt.date) -> tuple:
    """(converted / acquired users, acquired users) over the customers who signed up in the period."""
    per_channel = _signed_up_channels(data, start, end)
    acquired = per_channel["acquired_users"].sum()
    return (float(per_channel["converted_users"].sum() / acquired) if acquired else np.nan), acquired


def _usage_retention(data: Dataset, start: _dt.date, end: _dt.date, days: int) -> tuple:
    """(share of the period's sign-ups with an event on any of days 1..``days`` after signing up, sign-ups
    whose day ``days`` is observed) from :func:`n_day_retention` (anchor sign-up, activity events)."""
    customers = data.table("customers")
    signed = customers.filter((customers.signup_date >= start) & (customers.signup_date <= end))
    out = n_day_retention(data.with_tables(customers=signed), days=(days,),
                          anchor="signup", activity="events", as_of=data.as_of).iloc[0]
    return out["retention_within"], out["eligible_users"]


def _purchase_conversion(data: Dataset, start: _dt.date, end: _dt.date) -> tuple:
    """(buyers of the period / visitors of the period, visitors): visitors are customers with any event in
    the period, as the driver tree's ``visitors × conversion``."""
    days, orders = data.activity_days("events"), data.table("orders")
    visitors = engine.execute_scalar(days.filter((days.activity_date >= start) & (days.activity_date <= end))
                                     .customer_id.nunique())
    buyers = engine.execute_scalar(orders.filter((orders.order_date >= start) & (orders.order_date <= end))
                                   .customer_id.nunique())
    return (float(buyers) / visitors if visitors else np.nan), float(visitors)


def _nps(data: Dataset, rounds: pd.DataFrame, start: _dt.date, end: _dt.date) -> tuple:
    """(NPS in points, scored answers) of the survey rounds sent in the period (``rounds``:
    :func:`survey_rounds`); NaN when none was sent or none was scored."""
    ids = rounds.loc[(rounds["sent"] >= start) & (rounds["sent"] <= end), "survey_id"].astype(str).tolist()
    if not ids:
        return np.nan, np.nan
    surveys = data.table("surveys")
    row = nps(data.with_tables(surveys=surveys.filter(surveys.survey_id.isin(ids)))).iloc[0]
    return row["nps"], row["scored"]


def _stickiness(monthly: pd.DataFrame, start: _dt.date, end: _dt.date, column: str = "stickiness") -> tuple:
    """(mean of the monthly ``column``: DAU/MAU, average DAU or MAU; mean MAU) of the months in the period."""
    inside = monthly[(monthly.period_start >= pd.Timestamp(start)) & (monthly.period_start <= pd.Timestamp(end))]
    if not len(inside):
        return np.nan, np.nan
    return float(inside[column].mean()), float(inside["mau"].mean())


def _missing_tables(data: Dataset, spec: KpiSpec, name: str) -> list[str]:
    missing = [t for t in spec.needs if not data.has(t)]
    if spec.source == "period" and name == "new_signups" and not missing and not data.has_column("customers", "signup_date"):
        missing = ["customers.signup_date"]
    if spec.source == "conversion" and not missing and not data.has_column("customers", "channel"):
        missing = ["customers.channel"]
    if spec.source == "usage" and not missing and not data.has_column("customers", "signup_date"):
        missing = ["customers.signup_date"]
    if spec.source == "voice" and not missing and not data.has_column("surveys", "ts"):
        missing = ["surveys.ts"]
    return missing


def _actual(data: Dataset, table: pd.DataFrame, name: str, label: str, kind: str,
            start: _dt.date, end: _dt.date) -> tuple:
    """(actual, base, note) of one KPI in one period."""
    spec = KPI_REGISTRY[name]
    if missing := _missing_tables(data, spec, name):
        return np.nan, np.nan, f"n/a: needs table {', '.join(missing)}"
    if label not in table.index:
        return np.nan, np.nan, "no data for the period"
    if spec.source == "period":
        return _period_value(table, label, name, spec, kind)
    if spec.source == "retention":
        # the six retention KPIs of a period read one table
        return tuple(data.memo(("kpi_retention", label), lambda: _retention(data, start, end)).loc[spec.column])
    if spec.source == "conversion":
        value, base = _conversion(data, start, end)
        return value, base, "" if pd.notna(value) else "no sign-ups in the period"
    if spec.source == "usage":
        value, base = _usage_retention(data, start, end, int(spec.column.split(":")[1]))
        return value, base, "" if pd.notna(value) else "no sign-ups whose day 7 is observed"
    if spec.source == "visits":
        value, base = _purchase_conversion(data, start, end)
        return value, base, "" if pd.notna(value) else "no visitors in the period"
    if spec.source == "voice":
        value, base = _nps(data, data.memo(("kpi_nps_rounds",), lambda: survey_rounds(data, "nps")), start, end)
        return value, base, "" if pd.notna(value) else "no NPS survey round sent in the period"
    monthly = data.memo(("kpi_stickiness",), lambda: stickiness(data, as_of=data.as_of))
    value, base = _stickiness(monthly, start, end, spec.column)
    return value, base, "" if pd.notna(value) else "no activity in the events table in the period"


def period_actuals(data, periods, kpis=None) -> pd.DataFrame:
    """Actual value of each KPI in each period, from the stage-report library functions.

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        A loaded dataset, or a clean ``orders`` table (then only order-based KPIs are computed).
    periods : sequence of str
        Period labels, all quarters (``"2025-Q4"``) or all years (``"2025"``).
    kpis : sequence of str, optional
        KPI names of :data:`KPI_REGISTRY`; default all.

    Returns
    -------
    pandas.DataFrame
        Long form: ``period, kpi, actual, base`` (the customers the value rests on: the denominator
        of a rate, e.g. the period's buyers, the previous period's buyers for churn and growth, the
        new buyers whose day N is observed for retention, the sign-ups for conversion, the mean MAU
        for DAU/MAU; the buyers for GMV, orders and AOV), ``complete`` (False while the as-of date is
        before the period's end, or the period is outside the data) and ``note``: empty when
        ``actual`` has a value, else why not (``"n/a: needs table X"``, ``"no data for the
        period"``, ``"no new buyers in the period"``, ``"needs the following quarter to be
        complete"``, ...).
    """
    data = _as_dataset(data)
    kpis = list(KPI_REGISTRY) if kpis is None else list(kpis)
    for name in kpis:
        if name not in KPI_REGISTRY:
            raise ParameterError(f"kpi {name!r} is unknown; known KPIs: {', '.join(KPI_REGISTRY)}")
    parsed = {p: parse_period(p) for p in periods}
    kinds = {kind for kind, _, _ in parsed.values()}
    if len(kinds) > 1:
        raise ParameterError(f"periods must all be quarters or all years; got {list(periods)!r}")
    table = _period_table(data, next(iter(kinds))) if parsed else pd.DataFrame()
    rows = []
    for kind, start, end in parsed.values():
        label = _label(kind, start)
        for name in kpis:
            # the scorecard's periods (this one, the previous, last year's) come back in the trend charts
            value, base, note = data.memo(("kpi_actual", name, label),
                                          lambda: _actual(data, table, name, label, kind, start, end))
            rows.append({"period": label, "kpi": name, "actual": float(value) if pd.notna(value) else np.nan,
                         "base": float(base) if pd.notna(base) else np.nan,
                         "complete": bool(label in table.index and end <= data.as_of), "note": note})
    return pd.DataFrame(rows, columns=["period", "kpi", "actual", "base", "complete", "note"])


# ---------------------------------------------------------------------------------- scorecard
def _check_thresholds(thresholds) -> tuple[float, float]:
    try:
        met, at_risk = (float(x) for x in thresholds)
    except (TypeError, ValueError):
        raise ParameterError(f"thresholds must be two numbers (met, at risk), e.g. (1.0, 0.9); got {thresholds!r}") from None
    if not 0 < at_risk <= met:
        raise ParameterError(f"thresholds: need 0 < at-risk ({at_risk}) <= met ({met})")
    return met, at_risk


def _attainment(actual: pd.Series, target: pd.Series, direction: pd.Series) -> pd.Series:
    """actual / target (higher is better) or target / actual (lower is better); NaN when undefined."""
    higher = actual / target.where(target != 0)
    # Lower is better: hitting 0 against a positive target is more than met.
    lower = (target / actual.where(actual != 0)).where(actual != 0, np.where(target > 0, np.inf, np.nan))
    return pd.Series(np.where(direction == "lower", lower, higher), index=actual.index, dtype="float64")


def _status(attainment: pd.Series, met: float, at_risk: float) -> pd.Series:
    status = np.select([attainment.isna(), attainment >= met, attainment >= at_risk], ["n/a", "met", "at risk"],
                       "missed")
    return pd.Series(status, index=attainment.index)


def _change(now: pd.Series, before: pd.Series) -> pd.Series:
    """Relative change; divided by ``|before|`` so a fall always shows as a fall, even from a negative base."""
    return (now - before) / before.abs().where(before != 0)


def _changes(card: pd.DataFrame, before: str, suffix: str) -> None:
    """Add ``change_vs_<suffix>`` (relative; money and count KPIs) and ``change_vs_<suffix>_pp`` (percent
    KPIs, and points KPIs: NPS is % promoters - % detractors, so a move of its points is one of
    percentage points; a relative change of a score near 0 would mean nothing)."""
    percent, points = card["format"] == "percent", card["format"] == "points"
    card[f"change_vs_{suffix}"] = _change(card["actual"], card[before]).where(~(percent | points))
    card[f"change_vs_{suffix}_pp"] = (100 * (card["actual"] - card[before])).where(percent).fillna(
        (card["actual"] - card[before]).where(points))


def _two_proportion_p(p1: pd.Series, n1: pd.Series, p2: pd.Series, n2: pd.Series) -> pd.Series:
    """Two-sided p-value of the pooled two-proportion z-test (NaN when a base is 0 or unknown)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (p1 - p2) / se.where(se > 0)
    p = pd.Series(2 * norm.sf(np.abs(z)), index=p1.index)
    # Identical proportions with zero variance (both 0 % or both 100 %): no difference at all.
    return p.where(se > 0, np.where((p1 == p2) & (n1 > 0) & (n2 > 0), 1.0, np.nan))


@dataclass(frozen=True)
class KpiScorecardFacts(Facts):
    """What :func:`kpi_scorecard` states besides its table."""

    producer: ClassVar[str] = "kpi_scorecard"
    period: str  #: the period reviewed ("2025-Q4", "2025")
    has_targets: bool  #: the targets file has targets for it
    complete: bool  #: the period has ended by the as-of date


def kpi_scorecard(data, targets, period: str | None = None, thresholds=(1.0, 0.9), *, all_kpis: bool = False
                  ) -> pd.DataFrame:
    """Actual vs target of every result and process KPI of a period, with status and trend.

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        A loaded dataset, or a clean ``orders`` table.
    targets : dict, str or Path
        Output of :func:`load_targets`, or a targets file to load.
    period : str, optional
        ``"2025-Q4"`` or ``"2025"``; None = the last complete quarter of the data.
    thresholds : (float, float)
        Attainment needed for "met" and for "at risk" (below that: "missed").
    all_kpis : bool
        Also add a row for every registry KPI the period has no target for (after the targeted
        ones, status "no target"), so a review shows every KPI of the source documents.

    Returns
    -------
    pandas.DataFrame
        One row per KPI with a target (in the file's order, result first), or when the period has
        no targets (or with ``all_kpis``, after them) one row per other registry KPI with ``target``
        NaN: ``group, kpi, label, target, actual, attainment, status`` (met / at risk / missed;
        n/a when the actual is missing; no target), ``previous`` (previous period),
        ``change_vs_previous`` (relative, (actual - previous) / |previous|, so a fall is negative
        even from a negative base; NaN for percent and points KPIs), ``change_vs_previous_pp`` (percent
        and points KPIs only: actual - previous in percentage points, 27.6 % -> 28.2 % is +0.6, NPS
        +1.5 -> +3.0 is +1.5), ``last_year`` (same
        period a year before; for a year period the previous year), ``change_vs_last_year``,
        ``change_vs_last_year_pp``, ``base`` and ``base_previous`` (customers the value rests on, see
        :func:`period_actuals`), ``p_value_vs_previous`` (two-sided pooled two-proportion z-test of
        actual vs previous, for KPIs that are shares of customers; else NaN), ``direction, format,
        note`` (why the actual is missing, else empty).
        Facts: :class:`KpiScorecardFacts`.
    """
    met, at_risk = _check_thresholds(thresholds)
    data = _as_dataset(data)
    targets = targets if isinstance(targets, dict) and all(isinstance(v, dict) and "progress" in v
                                                            for v in targets.values()) else load_targets(targets)
    period = last_complete_period(data.as_of, "quarter") if period is None else period
    kind, start, end = parse_period(period)
    period = _label(kind, start)
    spec = targets.get(period)
    if spec:
        wanted = [(g, name, t["target"], t["direction"]) for g in ("result", "process") for name, t in spec[g].items()]
    else:
        wanted = []
    if all_kpis or not spec:
        targeted = {name for _, name, _, _ in wanted}
        wanted += [(s.group, name, np.nan, s.direction) for name, s in KPI_REGISTRY.items() if name not in targeted]
    card = pd.DataFrame(wanted, columns=["group", "kpi", "target", "direction"])
    previous, last_year = _shift(period, -1), _shift(period, -4 if kind == "quarter" else -1)
    actuals = period_actuals(data, list(dict.fromkeys([period, previous, last_year])), card["kpi"].unique())
    wide = actuals.pivot(index="kpi", columns="period", values="actual")
    bases = actuals.pivot(index="kpi", columns="period", values="base")
    notes = actuals[actuals.period == period].set_index("kpi")["note"]
    card["label"] = card["kpi"].map(lambda k: KPI_REGISTRY[k].label)
    card["format"] = card["kpi"].map(lambda k: KPI_REGISTRY[k].fmt)
    card["actual"] = card["kpi"].map(wide[period])
    card["attainment"] = _attainment(card["actual"], card["target"], card["direction"])
    card["status"] = _status(card["attainment"], met, at_risk).where(card["target"].notna(), "no target")
    card["previous"] = card["kpi"].map(wide[previous])
    _changes(card, "previous", "previous")
    card["last_year"] = card["kpi"].map(wide[last_year])
    _changes(card, "last_year", "last_year")
    card["base"] = card["kpi"].map(bases[period])
    card["base_previous"] = card["kpi"].map(bases[previous])
    proportion = card["kpi"].map(lambda k: KPI_REGISTRY[k].proportion)
    card["p_value_vs_previous"] = _two_proportion_p(card["actual"], card["base"], card["previous"],
                                                    card["base_previous"]).where(proportion)
    card["note"] = card["kpi"].map(notes).fillna("")
    card = card[["group", "kpi", "label", "target", "actual", "attainment", "status", "previous",
                 "change_vs_previous", "change_vs_previous_pp", "last_year", "change_vs_last_year",
                 "change_vs_last_year_pp", "base", "base_previous", "p_value_vs_previous", "direction", "format",
                 "note"]]
    return attach(card, KpiScorecardFacts(period=period, has_targets=bool(spec), complete=bool(end <= data.as_of)))


# ------------------------------------------------------------------------------------- moves
def change_text(relative, pp) -> str:
    """A scorecard change for a reader: ``"+0.6 pp"`` (percent KPIs), ``"-12.0%"`` (others), ``"–"`` when none."""
    if pd.notna(pp):
        return f"{pp:+.2f} pp" if abs(pp) < 0.05 else f"{pp:+.1f} pp"
    if pd.notna(relative) and np.isfinite(relative):
        return f"{relative:+.1%}"
    return "–"


def notable_moves(card: pd.DataFrame, kpis=None, min_base: int = MIN_GROUP, alpha: float = 0.05) -> pd.DataFrame:
    """The scorecard's moves against the previous period, ranked from best to worst, with what may be called out.

    Parameters
    ----------
    card : pandas.DataFrame
        Output of :func:`kpi_scorecard`.
    kpis : sequence of str, optional
        KPIs to rank (default all rows of ``card``).
    min_base : int
        A move resting on fewer customers than this in either period is not called out.
    alpha : float
        A share-of-customers KPI whose change has a two-proportion z-test p-value above this is not
        called out (noise).

    Returns
    -------
    pandas.DataFrame
        One row per KPI with both an actual and a previous value, sorted by ``gain``: ``kpi, label,
        change`` (text, see :func:`change_text`), ``gain`` (the move in the good direction: the
        difference for percent KPIs, 0.5 pp = 0.005, else the relative change; sign flipped for
        lower-is-better KPIs), ``base, base_previous, p_value_vs_previous`` and ``reason`` (empty
        when the move may be called out, else why not: unchanged, previous value 0, too few
        customers, not significant).
    """
    moves = card if kpis is None else card[card["kpi"].isin(list(kpis))]
    moves = moves.dropna(subset=["actual", "previous"]).copy()
    sign = np.where(moves["direction"] == "lower", -1.0, 1.0)
    # Percent KPIs move by their difference (0.5 pp = 0.005), others by their relative change.
    step = (moves["change_vs_previous_pp"] / 100).fillna(moves["change_vs_previous"])
    moves["gain"] = sign * step
    moves["change"] = [change_text(r, p) for r, p in zip(moves["change_vs_previous"], moves["change_vs_previous_pp"])]
    small = (moves["base"] < min_base) | (moves["base_previous"] < min_base)
    noise = moves["p_value_vs_previous"] > alpha
    moves["reason"] = np.select(
        [moves["actual"] == moves["previous"], moves["gain"].isna(), small, noise],
        ["unchanged", "previous value 0", f"fewer than {min_base} customers in one of the periods",
         "not significant, p = " + moves["p_value_vs_previous"].round(2).astype(str)],
        "")
    moves = moves.sort_values("gain", ascending=False, na_position="last")
    return moves[["kpi", "label", "change", "gain", "base", "base_previous", "p_value_vs_previous", "reason"]
                 ].reset_index(drop=True)


def moves_sentence(moves: pd.DataFrame, period_kind: str = "quarter") -> str:
    """One sentence naming the largest improvement and deterioration of :func:`notable_moves`."""
    if moves.empty:
        return f"There is no previous {period_kind} in the data to compare these KPIs with."
    callable_ = moves[moves["reason"] == ""]
    up, down = callable_[callable_["gain"] > 0], callable_[callable_["gain"] < 0]
    best = (f"the largest improvement was **{up.iloc[0].label}** ({up.iloc[0].change})" if len(up)
            else "no KPI improved clearly")
    worst = (f"the largest deterioration was **{down.iloc[-1].label}** ({down.iloc[-1].change})" if len(down)
             else "none deteriorated clearly")
    text = f"Against the previous {period_kind}, {best}, and {worst}."
    left = moves[~moves["reason"].isin(["", "unchanged"])]
    if len(left):
        text += (" Not called out: " + "; ".join(f"{r.label} ({r.change}, {r.reason})" for r in left.itertuples())
                 + ".")
    return text


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


# ----------------------------------------------------------------------------------- progress
def progress_status(targets, period: str, as_of) -> pd.DataFrame:
    """Status of a period's project milestones (progress KPIs) at a date.

    Parameters
    ----------
    targets : dict, str or Path
        Output of :func:`load_targets`, or a targets file.
    period : str
        Period label (``"2025-Q4"``, ``"2025"``).
    as_of : str or date
        The review date: an open milestone past its due date is "open-overdue".

    Returns
    -------
    pandas.DataFrame
        One row per milestone: ``name, due, done, status`` (``early``: done before due; ``on
        time``: done on the due date; ``overdue``: done after it; ``open-overdue``: not done and the
        due date has passed; ``open``: not done, not yet due), ``days_late`` (done or as-of date
        minus due date; negative = early; NaN for open milestones not yet due).
    """
    targets = targets if isinstance(targets, dict) and all(isinstance(v, dict) and "progress" in v
                                                            for v in targets.values()) else load_targets(targets)
    kind, start, _ = parse_period(period)
    items = targets.get(_label(kind, start), {}).get("progress", [])
    as_of = parse_date(as_of, "as_of")
    rows = []
    for m in items:
        due, done = m["due"], m["done"]
        if done is not None:
            status = "early" if done < due else "on time" if done == due else "overdue"
            late = (done - due).days
        elif as_of > due:
            status, late = "open-overdue", (as_of - due).days
        else:
            status, late = "open", np.nan
        rows.append({"name": m["name"], "due": due, "done": done, "status": status, "days_late": late})
    out = pd.DataFrame(rows, columns=["name", "due", "done", "status", "days_late"])
    out["days_late"] = out["days_late"].astype("float64")
    return out


# -------------------------------------------------------------------------------------- trend
def kpi_trend(data, kpi, periods) -> pd.DataFrame:
    """One or several KPIs over several periods (for trend charts).

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
    kpi : str or sequence of str
        A name of :data:`KPI_REGISTRY`, or several.
    periods : sequence of str or (str, int)
        Period labels, or ``(last period, n)`` for the n periods ending with ``last period``.

    Returns
    -------
    pandas.DataFrame
        ``period, actual, base, complete, note`` in period order; with several KPIs also ``kpi``
        (long form, as :func:`period_actuals`). ``actual`` is NaN (never 0) where a value is
        missing, and ``note`` says why.
    """
    if isinstance(periods, tuple) and len(periods) == 2 and isinstance(periods[1], int):
        last, n = periods
        if n < 1:
            raise ParameterError(f"periods: n must be >= 1; got {n}")
        periods = [_shift(last, -k) for k in range(n - 1, -1, -1)]
    if isinstance(kpi, str):
        return period_actuals(data, list(periods), [kpi]).drop(columns="kpi").reset_index(drop=True)
    return period_actuals(data, list(periods), list(kpi))


def progress_sentence(milestones: pd.DataFrame) -> str:
    """One sentence counting the milestones of :func:`progress_status` by status (singular/plural right)."""
    counts = milestones["status"].value_counts()
    n_early, n_open = int(counts.get("early", 0)), int(counts.get("open-overdue", 0))
    return (f"Of {_plural(len(milestones), 'milestone', 'milestones')}, {n_early} "
            f"{'was' if n_early == 1 else 'were'} done early, {int(counts.get('on time', 0))} on time, "
            f"{int(counts.get('overdue', 0))} late, and {n_open} {'is' if n_open == 1 else 'are'} still open past "
            f"{'its' if n_open == 1 else 'their'} due date.")


# ------------------------------------------------------------------------------------ drivers
@dataclass(frozen=True)
class ResultDriversFacts(Facts):
    """What :func:`result_drivers` states besides its table."""

    producer: ClassVar[str] = "result_drivers"
    sentences: list[str]  #: one per tree (drivers_sentence) and one per comparison the data cannot make
    trees: list[pd.DataFrame]  #: the driver trees, each with its DriverTreeFacts (for a report's table and sentence)
    not_decomposed: list[tuple[str, str]]  #: (kpi, compare) of each comparison the data cannot make


def result_drivers(data, card: pd.DataFrame) -> pd.DataFrame:
    """Why the result KPIs the scorecard marks at risk or missed moved: their driver trees.

    For each result KPI of ``card`` with status "at risk" or "missed" that
    :func:`userops_lib.metrics.drivers.driver_tree` can decompose (GMV, orders, buyers), the tree
    against the previous period and, for a quarter, the same quarter last year (for a year the two
    are the same).

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        What was passed to :func:`kpi_scorecard`.
    card : pandas.DataFrame
        Output of :func:`kpi_scorecard` (its facts' ``period`` names the period).

    Returns
    -------
    pandas.DataFrame
        The trees stacked: ``kpi, compare, base_period`` and the columns of ``driver_tree``
        (``node, parent, label, before, now, change, contribution, share_of_change``); empty when
        no such KPI is at risk or missed. Facts: :class:`ResultDriversFacts` (a sentence per tree
        and per comparison the data cannot make, e.g. no same quarter last year; the trees with
        their own :class:`~userops_lib.metrics.drivers.DriverTreeFacts`).
    """
    data = _as_dataset(data)
    kind, start, _ = parse_period(facts(card, KpiScorecardFacts).period)
    flagged = card[(card["group"] == "result") & card["status"].isin(["at risk", "missed"])
                   & card["kpi"].isin(DRIVER_KPIS)]["kpi"]
    trees, sentences, missing = [], [], []
    for kpi in flagged:
        for compare in ("previous",) if kind == "year" else ("previous", "last_year"):
            try:
                tree = driver_tree(data, kind, at=start, compare=compare, kpi=kpi)
            except ParameterError as err:  # the base period is outside the data
                base = f"previous {kind}" if compare == "previous" else f"same {kind} last year"
                sentences.append(f"{KPI_REGISTRY[kpi].label} is not decomposed against the {base}: {err}.")
                missing.append((kpi, compare))
                continue
            trees.append(tree.assign(kpi=kpi, compare=compare, base_period=facts(tree, DriverTreeFacts).base_period))
            sentences.append(drivers_sentence(tree))
    columns = ["kpi", "compare", "base_period", "node", "parent", "label", "before", "now", "change", "contribution",
               "share_of_change"]
    out = pd.concat(trees, ignore_index=True)[columns] if trees else pd.DataFrame(columns=columns)
    return attach(out, ResultDriversFacts(sentences=sentences, trees=list(trees), not_decomposed=missing))
