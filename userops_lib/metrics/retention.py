"""Retention: cohort retention tables and N-day (D1/D7/D30) retention of new users.

Definitions (PostHog / Amplitude / Mixpanel, as in the project's shared README)
------------------------------------------------------------------------------
A customer's cohort is the period of their anchor date (first purchase, sign-up or first event).
Offsets count periods from the cohort period: offset 0 is the cohort period itself, so D1 / M1 is
the period right after it. A customer is retained

* ``"on"`` offset N when active in offset N;
* ``"on_or_after"`` N when active in any offset >= N;
* in a bracket ``(a, b)`` when active in any offset from a to b.

A cell whose period (the bracket's last period) is not complete at the as-of date is masked
(NaN, never 0), and the average over cohorts is weighted by cohort size over the cohorts that have
the cell. Only local DATE columns are used, so time zones cannot move a customer between periods.
"""

from __future__ import annotations

import datetime as _dt

import ibis
import numpy as np
import pandas as pd

from ..data import engine, inputs
from ..exceptions import ContractError, ParameterError
from .kpis import _as_of, _rate, _require_columns
from ..data.periods import check_period, index_of, last_complete_index, period_index, period_label, period_start

__all__ = ["cohort_retention", "n_day_retention", "AVERAGE_LABEL"]

#: Label of the weighted-average row of a cohort table.
AVERAGE_LABEL = "All cohorts (weighted)"
_PREFIX = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}
_ANCHORS = ("first_purchase", "signup", "first_event")


# ------------------------------------------------------------------------------------- inputs
def _inputs(data_or_orders, anchor: str, activity: str, as_of):
    """(anchor table ``customer_id, _anchor``, activity table ``customer_id, _date``, as-of, notes)."""
    if anchor not in _ANCHORS:
        raise ParameterError(f"anchor must be one of {', '.join(_ANCHORS)}; got {anchor!r}")
    if activity not in ("orders", "events"):
        raise ParameterError(f"activity must be 'orders' or 'events'; got {activity!r}")
    # a given as-of date spares the scan for the latest date of a table given directly (the KPI review
    # passes each period's new buyers' orders, three times per KPI)
    data = inputs.dataset_of(data_or_orders, "orders", as_of=as_of)
    as_of = _as_of(data, as_of, "orders")
    tables = {"orders": lambda: inputs.table_of(data, "orders", ["customer_id", "order_date"]),
              "events": lambda: data.table("events", "Event retention"),
              "customers": lambda: data.table("customers", "Retention by sign-up date")}

    if inputs.is_clean(data_or_orders):  # distinct customer-days: every use below is a distinct or a max
        days = data.activity_days(activity, "Event retention" if activity == "events" else "")
        act = days.select("customer_id", _date=days.activity_date)
    elif activity == "orders":
        o = tables["orders"]()
        act = o.select("customer_id", _date=o.order_date)
    else:
        e = tables["events"]()
        act = e.select("customer_id", _date=e.event_date)
    notes = {}
    if anchor == "signup":
        c = tables["customers"]()
        _require_columns(c, "customers", ["customer_id", "signup_date"])
        notes["customers_without_signup_date"] = int(engine.execute_scalar(c.signup_date.isnull().sum()) or 0)
        anchors = c.filter(c.signup_date.notnull()).select("customer_id", _anchor=c.signup_date)
    else:
        src = tables["orders"]() if anchor == "first_purchase" else tables["events"]()
        date_col = "order_date" if anchor == "first_purchase" else "event_date"
        anchors = src.group_by("customer_id").agg(_anchor=src[date_col].min())
    return anchors, act, as_of, notes


def _cohort_activity(anchors: ibis.Table, act: ibis.Table, period: str) -> ibis.Table:
    """Distinct (customer, cohort index, offset) of activity at or after the anchor period."""
    a = anchors.mutate(_c=period_index(anchors._anchor, period))
    j = act.join(a, "customer_id")
    j = j.mutate(_o=period_index(j._date, period) - j._c)
    return j.filter(j._o >= 0).select("customer_id", "_c", "_o").distinct()


def _count_unanchored(anchors: ibis.Table, act: ibis.Table) -> int:
    """Active customers that have no anchor date (e.g. buyers without a sign-up row)."""
    active = act.select("customer_id").distinct()
    return int(engine.execute_scalar(active.anti_join(anchors, "customer_id").count()))


# ------------------------------------------------------------------------------ criterion counts
def _columns_for(criterion, n_offsets: int, prefix: str) -> list[tuple[str, int, int | None]]:
    """(label, first offset, last offset or None for 'or after') of each retention column."""
    if criterion == "on":
        return [(f"{prefix}{n}", n, n) for n in range(n_offsets)]
    if criterion == "on_or_after":
        return [(f"{prefix}{n}+", n, None) for n in range(n_offsets)]
    cols = []
    for pair in criterion:
        try:
            a, b = (int(x) for x in pair)
        except (TypeError, ValueError):
            raise ParameterError(f"criterion brackets must be pairs of offsets like (1, 3); got {pair!r}") from None
        if a < 0 or b < a:
            raise ParameterError(f"criterion bracket {pair!r}: need 0 <= first <= last")
        cols.append((f"{prefix}{a}" if a == b else f"{prefix}{a}-{prefix}{b}", a, b))
    return cols


def _active_counts(ca: ibis.Table, columns) -> pd.DataFrame:
    """Active customers per cohort (``_c``) and retention column (``column``)."""
    if all(lo == hi for _, lo, hi in columns) and [lo for _, lo, _ in columns] == list(range(len(columns))):
        per = engine.execute(ca.group_by(["_c", "_o"]).agg(active_users=ca.count()))
        labels = {lo: label for label, lo, _ in columns}
        per = per[per._o.isin(list(labels))]
        return per.assign(column=per._o.map(labels)).drop(columns="_o")
    if all(hi is None for _, _, hi in columns):
        # a customer active in some offset >= N is exactly one whose last offset is >= N
        last = ca.group_by(["customer_id", "_c"]).agg(_last=ca._o.max())
        per = engine.execute(last.group_by(["_c", "_last"]).agg(n=last.count()))
        rows = [(c, label, int(g.loc[g._last >= lo, "n"].sum())) for c, g in per.groupby("_c")
                for label, lo, _ in columns]
        return pd.DataFrame(rows, columns=["_c", "column", "active_users"])
    flags = {f"b{i}": ((ca._o >= lo) & (ca._o <= hi)).cast("int64").max() for i, (_, lo, hi) in enumerate(columns)}
    per_customer = ca.group_by(["customer_id", "_c"]).agg(**flags)
    per = engine.execute(per_customer.group_by("_c").agg(**{k: per_customer[k].sum() for k in flags}))
    long = per.melt(id_vars="_c", var_name="_b", value_name="active_users")
    labels = {f"b{i}": label for i, (label, _, _) in enumerate(columns)}
    return long.assign(column=long._b.map(labels)).drop(columns="_b")


def _weighted_average(long: pd.DataFrame) -> pd.DataFrame:
    """Average row per column: active / size summed over the cohorts whose cell is not masked."""
    shown = long[long.retention.notna()]
    sums = shown.groupby("column").agg(cohort_size=("cohort_size", "sum"), active_users=("active_users", "sum"))
    avg = long[["column", "offset_from", "offset_to"]].drop_duplicates().merge(sums, on="column", how="left")
    avg["cohort_size"] = avg["cohort_size"].fillna(0).astype("int64")
    avg["retention"] = _rate(avg["active_users"], avg["cohort_size"])
    return avg.assign(cohort=AVERAGE_LABEL, cohort_start=pd.NaT)


def cohort_retention(data_or_orders, period: str = "month", anchor: str = "first_purchase", criterion="on",
                     activity: str = "orders", *, max_offset: int | None = None, as_frame: str = "wide",
                     as_of=None) -> pd.DataFrame:
    """Cohort retention table: share of each cohort active in later periods.

    Parameters
    ----------
    data_or_orders : Dataset, ibis.Table or pandas.DataFrame
        A dataset, or a clean ``orders`` table (then only ``anchor="first_purchase"`` and
        ``activity="orders"``).
    period : {"month", "week", "day", "quarter"}
        Cohort and offset length.
    anchor : {"first_purchase", "signup", "first_event"}
        Date that puts a customer in a cohort.
    criterion : "on", "on_or_after" or list of (first, last) offset pairs
        When a customer counts as retained (see the module docstring).
    activity : {"orders", "events"}
        What counts as being active.
    max_offset : int, optional
        Last offset shown with ``"on"`` / ``"on_or_after"`` (default: every offset the data has).
    as_frame : {"wide", "long"}
        ``"wide"``: index ``cohort`` (period label), columns ``cohort_size`` then one column per
        offset labelled by the period letter (``M0, M1, ...``; ``M1+`` for "on or after";
        ``M2-M3`` for a bracket); last row the size-weighted average (index
        :data:`AVERAGE_LABEL`, its ``cohort_size`` the total). ``"long"``: one row per cohort and
        column: ``cohort, cohort_start, cohort_size, column, offset_from, offset_to,
        active_users, retention`` (average rows have ``cohort == AVERAGE_LABEL``; their
        ``cohort_size`` is the size of the cohorts averaged).
    as_of : str or date, optional
        Last date of the data (default: the dataset's as-of date or the last order date).

    Returns
    -------
    pandas.DataFrame
        Cells whose period is not complete at the as-of date are NaN, never 0.
        ``attrs`` holds ``as_of`` and counts of what the table leaves out:
        ``active_customers_without_anchor`` (and ``customers_without_signup_date`` for sign-up
        anchors).
    """
    period = check_period(period)
    if as_frame not in ("wide", "long"):
        raise ParameterError(f"as_frame must be 'wide' or 'long'; got {as_frame!r}")
    if isinstance(criterion, str) and criterion not in ("on", "on_or_after"):
        raise ParameterError(f"criterion must be 'on', 'on_or_after' or a list of (first, last) offsets; got {criterion!r}")
    anchors, act, as_of, notes = _inputs(data_or_orders, anchor, activity, as_of)
    a = anchors.mutate(_c=period_index(anchors._anchor, period))
    sizes = engine.execute(a.group_by("_c").agg(cohort_size=a.count())).sort_values("_c")
    if sizes.empty:
        raise ContractError("orders" if anchor == "first_purchase" else "customers", None,
                            f"no customer has a {anchor.replace('_', ' ')} date, so there is no cohort", 0)
    last_complete = last_complete_index(as_of, period)
    n_offsets = index_of(as_of, period) - int(sizes._c.min()) + 1
    if max_offset is not None:
        n_offsets = min(n_offsets, int(max_offset) + 1)
    columns = _columns_for(criterion, n_offsets, _PREFIX[period])

    counts = _active_counts(_cohort_activity(anchors, act, period), columns)
    grid = sizes.merge(pd.DataFrame(columns, columns=["column", "offset_from", "offset_to"]), how="cross")
    long = grid.merge(counts, on=["_c", "column"], how="left")
    long["active_users"] = long["active_users"].fillna(0).astype("float64")
    needed = long["_c"] + long["offset_to"].fillna(long["offset_from"])
    long.loc[needed > last_complete, "active_users"] = np.nan
    long["retention"] = _rate(long["active_users"], long["cohort_size"])
    long["cohort_start"] = period_start(long["_c"], period).to_numpy()
    long["cohort"] = period_label(pd.Series(long["cohort_start"]), period).to_numpy()
    long["offset_to"] = long["offset_to"].astype("Int64")
    long = long.drop(columns="_c")
    long = pd.concat([long, _weighted_average(long)], ignore_index=True)
    long["cohort_size"] = long["cohort_size"].astype("int64")
    long = long[["cohort", "cohort_start", "cohort_size", "column", "offset_from", "offset_to",
                 "active_users", "retention"]]
    notes.update(as_of=as_of, active_customers_without_anchor=_count_unanchored(anchors, act))
    out = long if as_frame == "long" else _wide(long, [c for c, _, _ in columns], int(sizes.cohort_size.sum()))
    out.attrs.update(notes)
    return out


def _wide(long: pd.DataFrame, labels: list[str], total: int) -> pd.DataFrame:
    cohorts = long[long.cohort != AVERAGE_LABEL]
    wide = cohorts.pivot(index="cohort", columns="column", values="retention")[labels]
    wide.insert(0, "cohort_size", cohorts.groupby("cohort")["cohort_size"].first())
    avg = long[long.cohort == AVERAGE_LABEL].set_index("column")["retention"].reindex(labels)
    wide.loc[AVERAGE_LABEL] = [total, *avg.to_numpy()]
    wide["cohort_size"] = wide["cohort_size"].astype("int64")
    wide.columns.name = None
    return wide


# --------------------------------------------------------------------------------- N-day retention
def n_day_retention(data, days=(1, 7, 30), anchor: str = "first_purchase", activity: str = "orders", *,
                    as_of=None) -> pd.DataFrame:
    """D1 / D7 / D30 retention of new users, "on day N" and "within N days".

    Day 0 is a user's anchor date (first purchase or sign-up); day N is the N-th calendar day after
    it (D1 = the next calendar day), whatever the time of day of either action.

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        A dataset, or a clean ``orders`` table (then only ``anchor="first_purchase"`` and
        ``activity="orders"``).
    days : sequence of int
        The N to report (each >= 1).
    anchor : {"first_purchase", "signup", "first_event"}
    activity : {"orders", "events"}
    as_of : str or date, optional

    Returns
    -------
    pandas.DataFrame
        One row per N: ``day, label`` (``"D1"``...), ``new_users`` (all anchored users),
        ``eligible_users`` (day N on or before the as-of date: the denominator),
        ``not_yet_observable`` (the others, left out), ``retained_on_day, retention_on_day``
        (active exactly on day N), ``retained_within, retention_within`` (active on any day 1..N).
    """
    days = sorted({int(n) for n in days})
    if not days or days[0] < 1:
        raise ParameterError(f"days must be whole numbers >= 1; got {days!r}")
    anchors, act, as_of, notes = _inputs(data, anchor, activity, as_of)
    j = act.join(anchors, "customer_id")
    j = j.mutate(_k=j._date.epoch_days() - j._anchor.epoch_days())
    j = j.filter((j._k >= 1) & (j._k <= days[-1]))
    flags = {}
    for n in days:
        flags[f"on_{n}"] = (j._k == n).cast("int64").max()
        flags[f"in_{n}"] = (j._k <= n).cast("int64").max()
    per_user = j.group_by("customer_id").agg(**flags)
    u = anchors.left_join(per_user, anchors.customer_id == per_user.customer_id)
    totals = {"new_users": u.count()}
    for n in days:
        eligible = u._anchor <= ibis.literal(as_of - _dt.timedelta(days=n))
        totals[f"eligible_{n}"] = eligible.cast("int64").sum()
        totals[f"on_{n}"] = (eligible & (u[f"on_{n}"].fill_null(0) == 1)).cast("int64").sum()
        totals[f"in_{n}"] = (eligible & (u[f"in_{n}"].fill_null(0) == 1)).cast("int64").sum()
    t = engine.execute(u.aggregate(**totals)).iloc[0].fillna(0).astype("int64")
    rows = [{"day": n, "label": f"D{n}", "new_users": t["new_users"], "eligible_users": t[f"eligible_{n}"],
             "not_yet_observable": t["new_users"] - t[f"eligible_{n}"],
             "retained_on_day": t[f"on_{n}"], "retained_within": t[f"in_{n}"]} for n in days]
    out = pd.DataFrame(rows)
    out["retention_on_day"] = _rate(out["retained_on_day"], out["eligible_users"])
    out["retention_within"] = _rate(out["retained_within"], out["eligible_users"])
    out = out[["day", "label", "new_users", "eligible_users", "not_yet_observable", "retained_on_day",
               "retention_on_day", "retained_within", "retention_within"]]
    out.attrs.update(notes, as_of=as_of)
    return out
