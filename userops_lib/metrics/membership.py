"""Membership analytics for the value-uplift stage (价值提升期): tiers over time, tier migration,
members against non-members, time to join and to upgrade, revenue by tier.

Tier at date *d* is the tier of the customer's last ``tier_history`` row with
``valid_from_date <= d``; an empty/NULL tier means "not a member". Without ``tier_history`` the
current tier comes from ``customers.member_tier`` (a snapshot at the as-of date, so only the
functions that need the present tier work).

Everything heavy is one ibis expression per function (as-of lookups are a join on
``valid_from_date <= d`` plus a window that keeps the latest row), executed by
:func:`userops_lib.data.engine.execute`.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import ClassVar

import ibis
import pandas as pd

from ..data import engine, inputs, periods
from ..data.periods import parse_date
from ..exceptions import MissingTableError, ParameterError
from ..results import Facts, attach

__all__ = [
    "NON_MEMBER",
    "MembersVsNonmembersFacts",
    "TimeToJoinFacts",
    "DEFAULT_TIER_ORDER",
    "TierMigration",
    "tier_order_of",
    "tiers_at",
    "current_tiers",
    "tier_distribution",
    "tier_migration",
    "members_vs_nonmembers",
    "time_to_join",
    "revenue_by_tier",
]

#: Label of the "no tier" state (the lowest state in migrations).
NON_MEMBER = "non-member"
#: Tier order (lowest first) of the demo shop, used when the data's tiers all belong to it.
DEFAULT_TIER_ORDER: tuple[str, ...] = ("silver", "gold", "platinum")
_PERIODS = ("week", "month", "quarter", "year")
NOT_CAUSAL = ("Members and non-members differ before they join (tiers are usually earned by spending), "
              "so these gaps describe the two groups; they are not the effect of membership.")


# ------------------------------------------------------------------------------------- inputs
def _history(data) -> ibis.Table:
    """``tier_history`` of a Dataset, or the clean table / DataFrame itself."""
    return inputs.table_of(data, "tier_history", needed_for="Tier history analysis")


def _as_of(data, table: ibis.Table, date_col: str) -> _dt.date:
    if getattr(data, "as_of", None) is not None:
        return data.as_of
    return pd.Timestamp(engine.execute(table[date_col].max().name("d").as_table()).iloc[0, 0]).date()


def tier_order_of(tiers, tier_order=None) -> list[str]:
    """The tier order (lowest first) to use for the tiers found in the data.

    Parameters
    ----------
    tiers : iterable of str
        Distinct non-null tiers in the data.
    tier_order : sequence of str, optional
        Order given by the analyst. Default: :data:`DEFAULT_TIER_ORDER` (silver < gold < platinum).

    Raises
    ------
    ParameterError
        A tier of the data is not in the order (the order cannot be guessed).
    """
    order = list(tier_order) if tier_order is not None else list(DEFAULT_TIER_ORDER)
    unknown = sorted(set(tiers) - set(order))
    if unknown:
        raise ParameterError(f"tier_order: tiers {unknown} found in the data are not in the order {order}; "
                             "pass tier_order=[lowest, ..., highest] with every tier")
    return order


def _distinct_tiers(history: ibis.Table) -> list[str]:
    df = engine.execute(history.filter(history.tier.notnull()).select("tier").distinct())
    return df["tier"].tolist()


def _rank(tier: ibis.Value, order: list[str]) -> ibis.Value:
    """0 for non-members, 1..n for the tiers from lowest to highest."""
    return ibis.cases(*[(tier == name, i + 1) for i, name in enumerate(order)], else_=0)


# --------------------------------------------------------------------------------- as-of tiers
def _tiers_on(history: ibis.Table, days: ibis.Table) -> ibis.Table:
    """Tier of every customer with a history row on or before each day ``d`` of ``days``.

    Columns ``d, customer_id, tier`` (tier NULL = had a tier once but not at ``d``).
    """
    pairs = history.join(days, history.valid_from_date <= days.d)
    latest = ibis.row_number().over(group_by=[pairs.customer_id, pairs.d],
                                    order_by=[ibis.desc(pairs.valid_from), ibis.desc(pairs.tier)])
    ranked = pairs.mutate(_rn=latest)
    return ranked.filter(ranked._rn == 0).select("d", "customer_id", "tier")


def _days_table(days) -> ibis.Table:
    return ibis.memtable(pd.DataFrame({"d": pd.to_datetime(list(days)).date}), schema={"d": "date"})


def tiers_at(data, dates) -> pd.DataFrame:
    """Tier of every customer at each date (customers with a history row on or before it).

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        A Dataset with ``tier_history``, or the clean ``tier_history`` table.
    dates : list of str or date

    Returns
    -------
    pandas.DataFrame
        ``date, customer_id, tier`` (tier is :data:`NON_MEMBER` when the customer has left).
    """
    data = inputs.dataset_of(data, "tier_history")
    history = _history(data)
    days = [parse_date(d, "dates") for d in dates]
    df = engine.execute(_tiers_on(history, _days_table(days)))
    df["tier"] = df["tier"].fillna(NON_MEMBER)
    return df.rename(columns={"d": "date"}).sort_values(["date", "customer_id"], ignore_index=True)


def _current_tier_table(data) -> tuple[ibis.Table, str]:
    """``customer_id, tier`` of members at the as-of date, and where it came from."""
    if data.has("tier_history"):
        history = data.table("tier_history")
        now = _tiers_on(history, _days_table([data.as_of]))
        return now.filter(now.tier.notnull()).select("customer_id", "tier"), "tier_history"
    if data.has_column("customers", "member_tier"):
        c = data.table("customers")
        return c.filter(c.member_tier.notnull()).select("customer_id", tier=c.member_tier), "customers.member_tier"
    raise MissingTableError("tier_history", "Membership analysis (or a customers.member_tier column)")


def current_tiers(data) -> pd.DataFrame:
    """Members and their tier at the data's as-of date.

    Returns
    -------
    pandas.DataFrame
        ``customer_id, tier``; ``attrs["source"]`` says whether ``tier_history`` or
        ``customers.member_tier`` was used.
    """
    data = inputs.dataset_of(data, "customers")
    table, source = _current_tier_table(data)
    df = engine.execute(table).sort_values("customer_id", ignore_index=True)
    df.attrs["source"] = source
    return df


# -------------------------------------------------------------------------------- distribution
def _period_ends(first: _dt.date, last: _dt.date, period: str) -> list[_dt.date]:
    """Last day of every period from ``first`` to ``last``; the running period ends at ``last``."""
    indexes = range(periods.index_of(first, period), periods.index_of(last, period) + 1)
    next_starts = periods.period_start([k + 1 for k in indexes], period)
    return [min(start.date() - _dt.timedelta(days=1), last) for start in next_starts]


def _population_on(data, days: ibis.Table) -> ibis.Table | None:
    """Customers known on each day ``d`` (signed up, or bought, on or before it): ``d, customer_id``."""
    if data is None or not hasattr(data, "has"):
        return None
    if data.has_column("customers", "signup_date"):
        c = data.table("customers")
        known = c.select("customer_id", since=c.signup_date.cast("date"))
    elif data.has("orders"):
        o = data.table("orders")
        known = o.group_by("customer_id").agg(since=o.order_date.min())
    else:  # the tier_history table alone: members only (as documented)
        return None
    return known.join(days, known.since <= days.d).select("d", "customer_id")


def tier_distribution(data, period: str = "month", tier_order=None) -> pd.DataFrame:
    """Customers in each tier at the end of every period.

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        A Dataset with ``tier_history`` (non-members are then counted from ``customers`` signed
        up, or buyers, by each period end) or the clean ``tier_history`` table (members only).
    period : {"week", "month", "quarter", "year"}
    tier_order : sequence of str, optional
        Tiers lowest first (default silver < gold < platinum).

    Returns
    -------
    pandas.DataFrame
        One row per period end and state: ``period_end`` (date; the last row is the as-of date),
        ``tier`` (ordered categorical: :data:`NON_MEMBER` then the tiers), ``customers``,
        ``share`` (of all customers counted at that date), ``member_share`` (of members; NaN for
        non-members).
    """
    data = inputs.dataset_of(data, "tier_history")
    period = periods.check_period(period, _PERIODS)
    history = _history(data)
    order = tier_order_of(_distinct_tiers(history), tier_order)
    first = parse_date(engine.execute(history.valid_from_date.min().name("d").as_table()).iloc[0, 0], "valid_from_date")
    days = _days_table(_period_ends(first, _as_of(data, history, "valid_from_date"), period))
    tiers = _tiers_on(history, days)
    members = tiers.filter(tiers.tier.notnull()).group_by(["d", "tier"]).agg(customers=ibis._.count())
    counts = engine.execute(members)
    population = _population_on(data, days)
    if population is not None:  # non-members: known customers without a tier that day
        everyone = population.union(tiers.filter(tiers.tier.notnull()).select("d", "customer_id")).distinct()
        total = engine.execute(everyone.group_by("d").agg(total=ibis._.count()))
        n_members = counts.groupby("d")["customers"].sum()
        total["customers"] = total["total"] - total["d"].map(n_members).fillna(0).astype(int)
        counts = pd.concat([counts, total.assign(tier=NON_MEMBER)[["d", "tier", "customers"]]], ignore_index=True)
    return _finish_distribution(counts, order)


def _finish_distribution(counts: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    states = [NON_MEMBER, *order]
    grid = pd.MultiIndex.from_product([sorted(counts["d"].unique()), states], names=["d", "tier"])
    df = counts.set_index(["d", "tier"])["customers"].reindex(grid, fill_value=0).reset_index()
    if NON_MEMBER not in set(counts["tier"]):
        df = df[df["tier"] != NON_MEMBER]
    df["customers"] = df["customers"].astype(int)
    total = df.groupby("d")["customers"].transform("sum")
    members = df[df["tier"] != NON_MEMBER].groupby("d")["customers"].sum()
    df["share"] = df["customers"] / total.where(total > 0)
    df["member_share"] = (df["customers"] / df["d"].map(members).where(lambda s: s > 0)).where(df["tier"] != NON_MEMBER)
    df["tier"] = pd.Categorical(df["tier"], categories=[s for s in states if s in set(df["tier"])], ordered=True)
    df["period_end"] = pd.to_datetime(df.pop("d")).dt.date
    return df[["period_end", "tier", "customers", "share", "member_share"]].reset_index(drop=True)


# ----------------------------------------------------------------------------------- migration
@dataclass
class TierMigration:
    """Tier migration between two dates.

    Attributes
    ----------
    shares : pandas.DataFrame
        ``M[i, j]`` = customers in state i at ``start`` and j at ``end`` / customers in i at
        ``start`` (index ``from_tier``, columns ``to_tier``; states lowest first, non-member first).
    counts : pandas.DataFrame
        The customer counts behind ``shares``.
    summary : pandas.DataFrame
        Per starting state: ``from_tier, customers, retained, upgraded, downgraded`` (shares of
        the row; non-members cannot go down, the top tier cannot go up).
    start, end : datetime.date
    """

    shares: pd.DataFrame
    counts: pd.DataFrame
    summary: pd.DataFrame
    start: _dt.date
    end: _dt.date
    notes: dict = field(default_factory=dict)


def tier_migration(data, start, end, tier_order=None) -> TierMigration:
    """How customers moved between tiers from ``start`` to ``end``.

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        A Dataset with ``tier_history`` or the clean ``tier_history`` table. Customers counted: those
        with a history row on or before ``end`` (with a Dataset, also the customers known at
        ``start``: signed up or bought by then), so joining from non-member is a move too.
    start, end : str or date
        The two dates t0 < t1 (tier at a date = last history row on or before it).
    tier_order : sequence of str, optional
        Tiers lowest first (default silver < gold < platinum); non-member is below them all.

    Returns
    -------
    TierMigration
    """
    data = inputs.dataset_of(data, "tier_history")
    t0, t1 = parse_date(start, "start"), parse_date(end, "end")
    if t0 >= t1:
        raise ParameterError(f"tier_migration: start ({t0}) must be before end ({t1})")
    history = _history(data)
    order = tier_order_of(_distinct_tiers(history), tier_order)
    at0 = _tiers_on(history, _days_table([t0])).select("customer_id", t0_tier="tier")
    at1 = _tiers_on(history, _days_table([t1])).select("customer_id", t1_tier="tier")
    ids = at1.select("customer_id")
    population = _population_on(data, _days_table([t0]))
    if population is not None:
        ids = ids.union(population.select("customer_id")).distinct()
    both = ids.left_join(at0, "customer_id").select("customer_id", "t0_tier")
    both = both.left_join(at1, "customer_id").select("customer_id", "t0_tier", "t1_tier")
    counts = engine.execute(both.group_by(["t0_tier", "t1_tier"]).agg(n=ibis._.count()))
    return _migration_tables(counts, order, t0, t1)


def _migration_tables(counts: pd.DataFrame, order: list[str], t0, t1) -> TierMigration:
    states = [NON_MEMBER, *order]
    counts = counts.fillna({"t0_tier": NON_MEMBER, "t1_tier": NON_MEMBER})
    matrix = (counts.pivot_table(index="t0_tier", columns="t1_tier", values="n", aggfunc="sum", fill_value=0)
              .reindex(index=states, columns=states, fill_value=0).astype(int))
    matrix.index.name, matrix.columns.name = "from_tier", "to_tier"
    row_total = matrix.sum(axis=1)
    shares = matrix.div(row_total.where(row_total > 0), axis=0)
    rank = {s: i for i, s in enumerate(states)}
    up = pd.DataFrame([[rank[j] > rank[i] for j in states] for i in states], index=states, columns=states)
    down = pd.DataFrame([[rank[j] < rank[i] for j in states] for i in states], index=states, columns=states)
    summary = pd.DataFrame({
        "from_tier": states,
        "customers": row_total.to_numpy(),
        "retained": [shares.loc[s, s] for s in states],
        "upgraded": (shares * up).sum(axis=1, min_count=1).to_numpy(),
        "downgraded": (shares * down).sum(axis=1, min_count=1).to_numpy(),
    })
    summary.loc[summary["customers"] == 0, ["upgraded", "downgraded"]] = float("nan")
    return TierMigration(shares, matrix, summary, t0, t1)


# ------------------------------------------------------------------------ members vs others
@dataclass(frozen=True)
class MembersVsNonmembersFacts(Facts):
    """What :func:`members_vs_nonmembers` states besides its table."""

    producer: ClassVar[str] = "members_vs_nonmembers"
    window_start: _dt.date  #: first day of the window compared
    as_of: _dt.date  #: its last day (membership is the tier then)
    caveat: str  #: why the comparison is not causal
    tier_source: str  #: "tier_history" or "customers": where the tier at the as-of date comes from


def members_vs_nonmembers(data, window_days: int = 365, retention_days: int = 90) -> pd.DataFrame:
    """Spend, purchase days, AOV and retention of members against non-members among recent buyers.

    Parameters
    ----------
    data : Dataset, ibis.Table, pandas.DataFrame or dict of them by table name
        Needs ``orders`` and ``tier_history`` or ``customers.member_tier``.
    window_days : int
        Buyers with an order in the last ``window_days`` days up to the as-of date are compared.
    retention_days : int
        Retention: share of buyers whose first purchase day in the window is at least
        ``retention_days`` days before the as-of date and who bought again within
        ``retention_days`` days after it.

    Returns
    -------
    pandas.DataFrame
        Rows ``member``, ``non-member``: ``group, customers, orders, revenue, spend_per_customer,
        purchase_days_per_customer, aov`` (revenue / orders), ``retention``, ``retention_base``
        (buyers old enough to be counted), ``caveat``. Membership is the tier at the as-of date.
        Facts: :class:`MembersVsNonmembersFacts`.
    """
    data = inputs.dataset_of(data, "customers")
    if int(window_days) < 1 or int(retention_days) < 1:
        raise ParameterError(f"window_days and retention_days must be >= 1, got {window_days}, {retention_days}")
    start = data.as_of - _dt.timedelta(days=int(window_days) - 1)
    tiers, source = _current_tier_table(data)
    o = data.table("orders")
    o = o.filter((o.order_date >= start) & (o.order_date <= data.as_of))
    daily = o.group_by(["customer_id", "order_date"]).agg(orders=o.count(), revenue=o.amount.sum())
    first = daily.group_by("customer_id").agg(first_day=daily.order_date.min())
    d = daily.join(first, "customer_id")
    gap = d.order_date.delta(d.first_day, unit="day")
    per = d.group_by("customer_id").agg(
        orders=d.orders.sum(), revenue=d.revenue.sum(), purchase_days=d.count(), first_day=d.first_day.min(),
        returned=((gap > 0) & (gap <= retention_days)).any(),
    )
    per = per.left_join(tiers, "customer_id").select(per, member=tiers.tier.notnull())
    eligible = per.first_day <= data.as_of - _dt.timedelta(days=int(retention_days))
    out = engine.execute(per.group_by("member").agg(
        customers=per.count(), orders=per.orders.sum(), revenue=per.revenue.sum(),
        purchase_days=per.purchase_days.sum(), retention_base=eligible.sum(),
        retained=(eligible & per.returned).sum()))
    return _finish_members(out, start, data.as_of, source)


def _finish_members(out: pd.DataFrame, start, as_of, source) -> pd.DataFrame:
    out["group"] = out.pop("member").map({True: "member", False: NON_MEMBER})
    out = out.set_index("group").reindex(["member", NON_MEMBER]).fillna(0).reset_index()
    for col in ("customers", "orders", "purchase_days", "retention_base", "retained"):
        out[col] = out[col].astype(int)
    n = out["customers"].where(out["customers"] > 0)
    out["spend_per_customer"] = out["revenue"] / n
    out["purchase_days_per_customer"] = out["purchase_days"] / n
    out["aov"] = out["revenue"] / out["orders"].where(out["orders"] > 0)
    out["retention"] = out["retained"] / out["retention_base"].where(out["retention_base"] > 0)
    out["caveat"] = "descriptive, not causal"
    cols = ["group", "customers", "orders", "revenue", "spend_per_customer", "purchase_days_per_customer", "aov",
            "retention", "retention_base", "caveat"]
    out = out[cols]
    return attach(out, MembersVsNonmembersFacts(window_start=start, as_of=as_of, caveat=NOT_CAUSAL, tier_source=source))


# -------------------------------------------------------------------------------- time to join
@dataclass(frozen=True)
class TimeToJoinFacts(Facts):
    """What :func:`time_to_join` states besides its table."""

    producer: ClassVar[str] = "time_to_join"
    joined_before_first_purchase: int  #: members whose first tier predates their first order (kept)
    members_without_order: int  #: members without an order (left out of the first step)


def time_to_join(data, tier_order=None) -> pd.DataFrame:
    """Days from first purchase to first membership, and from entering a tier to the next upgrade.

    Parameters
    ----------
    data : Dataset, ibis.Table, pandas.DataFrame or dict of them by table name
        Needs ``orders`` and ``tier_history``.
    tier_order : sequence of str, optional
        Tiers lowest first (default silver < gold < platinum).

    Returns
    -------
    pandas.DataFrame
        One row per step (``first purchase → member``, then ``silver → gold`` ... for each
        upgrade from a tier): ``step, customers, median_days, p25_days, p75_days``.
        Facts: :class:`TimeToJoinFacts` (members whose first tier predates their first order, kept
        with a negative or zero day count; members with no order, left out of the first step).
    """
    data = inputs.dataset_of(data, "tier_history")
    history = data.table("tier_history", "Time to join")
    order = tier_order_of(_distinct_tiers(history), tier_order)
    o = data.table("orders")
    first_buy = o.group_by("customer_id").agg(first_purchase=o.order_date.min())
    tiered = history.filter(history.tier.notnull())
    joined = tiered.group_by("customer_id").agg(first_tier_day=tiered.valid_from_date.min())
    j = joined.left_join(first_buy, "customer_id").select(joined, first_purchase=first_buy.first_purchase)
    days = j.first_tier_day.delta(j.first_purchase, unit="day")
    join_stats = engine.execute(j.aggregate(
        customers=days.count(), median_days=days.quantile(0.5), p25_days=days.quantile(0.25),
        p75_days=days.quantile(0.75), before=(days <= 0).sum(), no_order=j.first_purchase.isnull().sum()))
    steps = engine.execute(_upgrade_steps(history, order))
    first = join_stats.assign(step="first purchase → member").drop(columns=["before", "no_order"])
    steps["step"] = steps["from_tier"] + " → " + steps["to_tier"]
    out = pd.concat([first, steps.drop(columns=["from_tier", "to_tier"])], ignore_index=True)
    out = out[["step", "customers", "median_days", "p25_days", "p75_days"]]
    out["customers"] = out["customers"].astype(int)
    return attach(out, TimeToJoinFacts(joined_before_first_purchase=int(join_stats["before"].iloc[0] or 0),
                                       members_without_order=int(join_stats["no_order"].iloc[0] or 0)))


def _upgrade_steps(history: ibis.Table, order: list[str]) -> ibis.Table:
    """Days spent in a tier before an upgrade out of it, per (from, to) pair of tiers."""
    w = ibis.window(group_by=history.customer_id, order_by=[history.valid_from, history.tier])
    h = history.mutate(rank=_rank(history.tier, order), prev_rank=_rank(history.tier.lag().over(w), order),
                       prev_tier=history.tier.lag().over(w), prev_day=history.valid_from_date.lag().over(w))
    up = h.filter((h.prev_rank > 0) & (h.rank > h.prev_rank))
    days = up.valid_from_date.delta(up.prev_day, unit="day")
    up = up.mutate(days=days)
    return up.group_by([up.prev_tier.name("from_tier"), up.tier.name("to_tier"), "prev_rank", "rank"]).agg(
        customers=up.count(), median_days=up.days.quantile(0.5), p25_days=up.days.quantile(0.25),
        p75_days=up.days.quantile(0.75)).order_by(["prev_rank", "rank"]).drop("prev_rank", "rank")


# ----------------------------------------------------------------------------- revenue by tier
def revenue_by_tier(data, window_days: int | None = 365, tier_order=None) -> pd.DataFrame:
    """Share of customers against share of revenue for each tier (tier at the as-of date).

    Parameters
    ----------
    data : Dataset, ibis.Table, pandas.DataFrame or dict of them by table name
        Needs ``orders`` and ``tier_history`` or ``customers.member_tier``.
    window_days : int or None
        Revenue of the last ``window_days`` days up to the as-of date; None = all orders.
    tier_order : sequence of str, optional

    Returns
    -------
    pandas.DataFrame
        Rows non-member then tiers lowest first: ``tier, customers`` (buyers in the window plus
        members), ``customer_share, revenue, revenue_share, revenue_per_customer``,
        ``concentration`` (revenue share / customer share: above 1 = the tier brings more than
        its head count).
    """
    data = inputs.dataset_of(data, "customers")
    tiers, source = _current_tier_table(data)
    order = tier_order_of(engine.execute(tiers.select("tier").distinct())["tier"].tolist(), tier_order)
    o = data.table("orders")
    if window_days is not None:
        o = o.filter(o.order_date >= data.as_of - _dt.timedelta(days=int(window_days) - 1))
    spend = o.group_by("customer_id").agg(revenue=o.amount.sum())
    ids = spend.select("customer_id").union(tiers.select("customer_id")).distinct()
    per = ids.left_join(spend, "customer_id").select("customer_id", "revenue")
    per = per.left_join(tiers, "customer_id").select(per, tier=tiers.tier.fill_null(NON_MEMBER))
    out = engine.execute(per.group_by("tier").agg(customers=per.count(), revenue=per.revenue.sum().fill_null(0.0)))
    out = out.set_index("tier").reindex([NON_MEMBER, *order]).fillna(0).reset_index()
    out["customers"] = out["customers"].astype(int)
    out["customer_share"] = out["customers"] / max(out["customers"].sum(), 1)
    total = out["revenue"].sum()
    out["revenue_share"] = out["revenue"] / total if total else float("nan")
    out["revenue_per_customer"] = out["revenue"] / out["customers"].where(out["customers"] > 0)
    out["concentration"] = out["revenue_share"] / out["customer_share"].where(out["customer_share"] > 0)
    out.attrs.update(tier_source=source, window_days=window_days, as_of=data.as_of)
    return out[["tier", "customers", "customer_share", "revenue", "revenue_share", "revenue_per_customer",
                "concentration"]]
