"""Core-user pyramid (金字塔式用户体系): five layers of community members, top down.

Each customer seen in the ``events`` log in a period gets the FIRST layer whose rule they meet:

1. ``kol``          key opinion customer: ``customers.community_role == 'kol'``
2. ``expert``       ``customers.community_role == 'expert'``
3. ``contributor``  created content in the period: ``post``/``review``/``answer`` events
                    >= ``min_contributions``
4. ``active``       ``like``/``comment``/``share`` events >= ``min_interactions``, or events on
                    >= ``min_active_days`` distinct days of the period
5. ``ordinary``     any event in the period

Customers with no event in a period are *absent* from it, whatever their role (the role is the
customers table's current value, so it is applied to every period). Rules are parameters: pass
``rules={"min_interactions": 5}`` to change one and keep the others (:data:`DEFAULT_RULES`).
Periods count in local dates (``event_date``); all aggregation is ibis, executed by the engine.
"""

from __future__ import annotations

import ibis
import pandas as pd

from ..data import engine, inputs
from ..exceptions import ContractError, ParameterError
from ..data.periods import check_period, index_of, parse_date, last_complete_index, period_frame, period_index

__all__ = ["ABSENT", "DEFAULT_RULES", "LAYERS", "customer_layers", "layer_value", "pyramid_flows", "pyramid_layers"]

#: Layers, top down.
LAYERS: tuple[str, ...] = ("kol", "expert", "contributor", "active", "ordinary")
#: State of a customer with no event in a period (used by :func:`pyramid_flows`).
ABSENT = "absent"
#: Default layer rules.
DEFAULT_RULES: dict = {
    "min_contributions": 1,
    "min_interactions": 3,
    "min_active_days": 4,
    "contribution_events": ("post", "review", "answer"),
    "interaction_events": ("like", "comment", "share"),
}
_NO_ACTIVITY = "no community activity"


def _rules(rules) -> dict:
    unknown = sorted(set(rules or {}) - set(DEFAULT_RULES))
    if unknown:
        raise ParameterError(f"rules: unknown rule {unknown[0]!r}; rules are {', '.join(DEFAULT_RULES)}")
    out = {**DEFAULT_RULES, **(rules or {})}
    for key in ("min_contributions", "min_interactions", "min_active_days"):
        if not isinstance(out[key], int) or out[key] < 1:
            raise ParameterError(f"rules[{key!r}] must be a whole number >= 1, got {out[key]!r}")
    return out


def _inputs(data) -> tuple[ibis.Table, ibis.Table | None, object]:
    """(events, customers or None, as-of date) of a Dataset, or of an events table/frame."""
    data = inputs.dataset_of(data, "events")
    events = data.table("events", "The core-user pyramid")
    roles = data.table("customers") if data.has_column("customers", "community_role") else None
    return events, roles, data.as_of


def _layered(data, events: ibis.Table, roles: ibis.Table | None, period: str, rules: dict) -> ibis.Table:
    """``customer_id, _p, contributions, interactions, active_days, layer`` per customer and period
    (``data``: the Dataset of ``events``, whose customer-days it reads)."""
    for col in ("customer_id", "event_name", "event_date"):
        if col not in events.columns:
            raise ContractError("events", col, f"missing column (columns present: {', '.join(events.columns)})")
    # the names are trimmed and lower-cased once per distinct name (a dozen), not once per event
    # (37M at a million customers, where that took most of the time)
    names = events.select("event_name").distinct()
    name = engine.trim(names.event_name).lower()
    kinds = names.select(_name=names.event_name,
                         _contrib=name.isin(list(rules["contribution_events"])).cast("int64"),
                         _interact=name.isin(list(rules["interaction_events"])).cast("int64"))
    kinds = kinds.filter((kinds._contrib + kinds._interact) > 0)
    # who was seen and on how many days: from the customer-days (a Dataset keeps them, 15M rows at a
    # million customers), not a distinct count over the 37M events; the events are read again only
    # for the few names that count as contributions or interactions
    days = data.activity_days("events")
    days = days.mutate(_p=period_index(days.activity_date, period))
    seen = days.group_by(["customer_id", "_p"]).aggregate(active_days=days.activity_date.count())
    e = events.inner_join(kinds, events.event_name == kinds._name)
    e = e.mutate(_p=period_index(e.event_date, period))
    acts = e.group_by(["customer_id", "_p"]).aggregate(contributions=e._contrib.sum(), interactions=e._interact.sum())
    joined = seen.left_join(acts, [seen.customer_id.identical_to(acts.customer_id), seen._p.identical_to(acts._p)])
    per = joined.select(seen.customer_id, seen._p, contributions=acts.contributions.fill_null(0),
                        interactions=acts.interactions.fill_null(0), active_days=seen.active_days)
    if roles is not None:
        r = roles.select("customer_id", _role=engine.trim(roles.community_role).lower())
        per = per.left_join(r, "customer_id").drop("customer_id_right")
    else:
        per = per.mutate(_role=ibis.null("string"))
    layer = ibis.cases(
        (per._role == "kol", "kol"),
        (per._role == "expert", "expert"),
        (per.contributions >= rules["min_contributions"], "contributor"),
        ((per.interactions >= rules["min_interactions"]) | (per.active_days >= rules["min_active_days"]), "active"),
        else_="ordinary",
    )
    return per.mutate(layer=layer).drop("_role")


def _period_of(value, name: str, period: str) -> int:
    return index_of(parse_date(value, name), period)


def customer_layers(data, at=None, period: str = "month", rules: dict | None = None) -> pd.DataFrame:
    """The pyramid layer of every customer seen in one period.

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        A Dataset (``events``, and ``customers.community_role`` for the top two layers) or a clean
        ``events`` table (then there are no kol/expert members).
    at : str or date, optional
        Any day of the period. Default: the last complete period at the as-of date.
    period : {"day", "week", "month", "quarter", "year"}
    rules : dict, optional
        Overrides of :data:`DEFAULT_RULES`.

    Returns
    -------
    pandas.DataFrame
        ``customer_id, layer, contributions, interactions, active_days``, sorted by customer.
    """
    data = inputs.dataset_of(data, "events")
    period = check_period(period)
    events, roles, as_of = _inputs(data)
    k = last_complete_index(as_of, period) if at is None else _period_of(at, "at", period)
    t = _layered(data, events, roles, period, _rules(rules))
    df = engine.execute(t.filter(t._p == k).drop("_p"))
    df["layer"] = pd.Categorical(df["layer"], categories=list(LAYERS), ordered=True)
    df = df.sort_values("customer_id", ignore_index=True)
    df.attrs.update(period=period, period_start=period_frame([k], period, as_of)["period_start"].iloc[0].date().isoformat())
    return df[["customer_id", "layer", "contributions", "interactions", "active_days"]]


def pyramid_layers(data, period: str = "month", rules: dict | None = None) -> pd.DataFrame:
    """Layer sizes per period.

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        As in :func:`customer_layers`.
    period : {"day", "week", "month", "quarter", "year"}
    rules : dict, optional
        Overrides of :data:`DEFAULT_RULES`.

    Returns
    -------
    pandas.DataFrame
        One row per period with events: ``period`` (label), ``period_start``, ``period_end``,
        ``complete`` (the period ended on or before the as-of date), one column per layer in
        :data:`LAYERS` (members), and ``members`` (customers seen in the period).
    """
    data = inputs.dataset_of(data, "events")
    period = check_period(period)
    events, roles, as_of = _inputs(data)
    t = _layered(data, events, roles, period, _rules(rules))
    counts = engine.execute(t.group_by(["_p", "layer"]).aggregate(n=t.count()))
    wide = counts.pivot(index="_p", columns="layer", values="n").reindex(columns=list(LAYERS)).fillna(0).astype("int64")
    wide = wide.sort_index().reset_index()
    wide["members"] = wide[list(LAYERS)].sum(axis=1)
    frame = period_frame(wide["_p"], period, as_of)
    out = frame.merge(wide, on="_p").drop(columns="_p")
    out.columns.name = None
    return out[["period", "period_start", "period_end", "complete", *LAYERS, "members"]]


def pyramid_flows(data, from_period, to_period, period: str = "month", rules: dict | None = None) -> pd.DataFrame:
    """How customers moved between layers from one period to another (incl. ``absent``).

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        As in :func:`customer_layers`.
    from_period, to_period : str or date
        Any day of each period (usually two consecutive complete periods).
    period : {"day", "week", "month", "quarter", "year"}
    rules : dict, optional
        Overrides of :data:`DEFAULT_RULES`.

    Returns
    -------
    pandas.DataFrame
        Every ``from_layer`` x ``to_layer`` pair over :data:`LAYERS` + ``absent`` except
        absent -> absent, in pyramid order: ``customers`` and ``share`` (of the ``from_layer``
        row's customers; for ``absent`` the row is the customers who entered).
    """
    data = inputs.dataset_of(data, "events")
    period = check_period(period)
    k0, k1 = _period_of(from_period, "from_period", period), _period_of(to_period, "to_period", period)
    events, roles, _ = _inputs(data)
    t = _layered(data, events, roles, period, _rules(rules))
    a = t.filter(t._p == k0).select("customer_id", from_layer="layer")
    b = t.filter(t._p == k1).select(cid="customer_id", to_layer="layer")
    both = a.outer_join(b, a.customer_id == b.cid)
    both = both.select(from_layer=both.from_layer.fill_null(ABSENT), to_layer=both.to_layer.fill_null(ABSENT))
    counts = engine.execute(both.group_by(["from_layer", "to_layer"]).aggregate(customers=both.count()))
    states = [*LAYERS, ABSENT]
    grid = pd.MultiIndex.from_product([states, states], names=["from_layer", "to_layer"])
    df = counts.set_index(["from_layer", "to_layer"]).reindex(grid, fill_value=0).reset_index()
    df = df[~((df["from_layer"] == ABSENT) & (df["to_layer"] == ABSENT))].reset_index(drop=True)
    df["customers"] = df["customers"].astype("int64")
    totals = df.groupby("from_layer")["customers"].transform("sum")
    df["share"] = df["customers"] / totals.where(totals > 0)
    return df


def layer_value(data, at=None, period: str = "month", rules: dict | None = None) -> pd.DataFrame:
    """Purchase value of each layer in one period.

    Parameters
    ----------
    data : Dataset, ibis.Table, pandas.DataFrame or dict of them by table name
        Needs ``events`` and ``orders`` (``customers.community_role`` for the top two layers).
    at : str or date, optional
        Any day of the period. Default: the last complete period at the as-of date.
    period : {"day", "week", "month", "quarter", "year"}
    rules : dict, optional
        Overrides of :data:`DEFAULT_RULES`.

    Returns
    -------
    pandas.DataFrame
        One row per layer plus ``no community activity`` (buyers of the period with no event in
        it, so the rows add up to the period's GMV): ``layer``, ``members``, ``buyers``,
        ``buyer_share`` (buyers / members), ``orders``, ``gmv``, ``gmv_per_member``,
        ``gmv_per_buyer``.
    """
    data = inputs.dataset_of(data, "events")
    period = check_period(period)
    events, roles, as_of = _inputs(data)
    orders = data.table("orders")
    k = last_complete_index(as_of, period) if at is None else _period_of(at, "at", period)
    t = _layered(data, events, roles, period, _rules(rules))
    members = t.filter(t._p == k).select("customer_id", "layer")
    o = orders.filter(period_index(orders.order_date, period) == k)
    spend = o.group_by("customer_id").aggregate(orders=o.count(), gmv=o.amount.sum())
    j = members.outer_join(spend, members.customer_id == spend.customer_id)
    j = j.select(layer=j.layer.fill_null(_NO_ACTIVITY), member=j.layer.notnull().cast("int64"),
                 buyer=j.orders.notnull().cast("int64"), orders=j.orders.fill_null(0), gmv=j.gmv.fill_null(0.0))
    df = engine.execute(j.group_by("layer").aggregate(members=j.member.sum(), buyers=j.buyer.sum(),
                                                      orders=j.orders.sum(), gmv=j.gmv.sum()))
    df = df.set_index("layer").reindex([*LAYERS, _NO_ACTIVITY]).reset_index()
    for col in ("buyers", "orders"):
        df[col] = df[col].fillna(0).astype("int64")
    df["members"] = df["members"].fillna(0).astype("Int64")
    df["gmv"] = df["gmv"].fillna(0.0).astype("float64")
    members_n = df["members"].astype("float64").where(df["members"] > 0)
    df["buyer_share"] = df["buyers"] / members_n
    df["gmv_per_member"] = df["gmv"] / members_n
    df["gmv_per_buyer"] = df["gmv"] / df["buyers"].where(df["buyers"] > 0)
    df.loc[df["layer"] == _NO_ACTIVITY, "members"] = pd.NA
    df.attrs.update(period=period, period_start=period_frame([k], period, as_of)["period_start"].iloc[0].date().isoformat())
    return df[["layer", "members", "buyers", "buyer_share", "orders", "gmv", "gmv_per_member", "gmv_per_buyer"]]
