"""Foundation-stage KPIs: the period KPI table, active users, growth, churn and channel conversion.

Every aggregation is one ibis expression run by :func:`userops_lib.data.engine.execute` (DuckDB by
default, Spark unchanged); only the small per-period results are finished in pandas.

Periods are computed from local calendar dates (``order_date``, ``event_date``, ``signup_date``),
never from timestamps, so results do not depend on any machine or engine time zone. A period is
identified by its start date: the day itself, the Monday of an ISO week, the first day of a month or
of a quarter.

Definitions (see the project's shared README)
---------------------------------------------
* AOV (客单价) = GMV / orders.
* Repurchase rate (复购率) = buyers with at least two orders in the period / buyers of the period.
* Return-purchase rate (回购率) = buyers of period t who buy again in t+1 / buyers of t.
* Churn rate = buyers of t-1 who did not buy in t / buyers of t-1, i.e. 1 - the return-purchase
  rate of t-1.
* Growth rate = (this period - previous period) / previous period.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import ClassVar

import ibis
import numpy as np
import pandas as pd

from ..data import engine, inputs
from ..data.load import Dataset
from ..exceptions import ContractError, ParameterError
from ..results import Facts, attach
from ..data.periods import PERIODS, check_period, parse_date, index_of, last_complete_index, period_frame, period_index

__all__ = ["ChannelConversionFacts", "PERIODS", "period_kpis", "active_users", "stickiness", "channel_conversion"]


def _require_columns(table: ibis.Table, name: str, columns) -> None:
    inputs.require_columns(table, name, columns)


def _as_of(data: Dataset, as_of, table: str) -> _dt.date:
    """``as_of`` when given, else the Dataset's (a table's last date); an error when neither is known."""
    if as_of is not None:
        return parse_date(as_of, "as_of")
    if data.as_of is None:
        raise ContractError(table, inputs.DATE_OF[table], "no row has a date, so there is no as-of date", 0)
    return data.as_of


def _orders_input(data_or_orders, as_of=None, columns=("customer_id", "order_date")):
    """(orders table, Dataset, as-of date) from any input :func:`~userops_lib.data.inputs.dataset_of` accepts."""
    data = inputs.dataset_of(data_or_orders, "orders", as_of=as_of)  # a given as-of date: no scan for the last one
    return inputs.table_of(data, "orders", columns), data, _as_of(data, as_of, "orders")


def _activity_input(data, as_of=None) -> tuple[ibis.Table, str, _dt.date]:
    """(table with ``customer_id, _date``, source name, as-of) from events if any, else orders."""
    clean = inputs.is_clean(data)
    data = inputs.dataset_of(data, ("events", "orders"))
    source = "events" if data.has("events") else "orders"
    date = inputs.DATE_OF[source]
    if clean:  # a loaded Dataset: its distinct customer-days, built once per Dataset
        days = data.activity_days(source)
        return days.select("customer_id", _date=days.activity_date), source, _as_of(data, as_of, source)
    table = inputs.table_of(data, source, ["customer_id", date])
    return table.select("customer_id", _date=table[date]), source, _as_of(data, as_of, source)


def _rate(numerator, denominator) -> pd.Series:
    """``numerator / denominator`` with NaN (not inf) where the denominator is 0 or missing."""
    num = pd.Series(numerator).astype("float64")
    if np.ndim(denominator) == 0:
        den = float(denominator) if denominator is not None and pd.notna(denominator) else 0.0
        return num / den if den else num * np.nan
    den = pd.Series(denominator).astype("float64")
    return num / den.where(den != 0)


def _growth(values: pd.Series) -> pd.Series:
    return _rate(values - values.shift(1), values.shift(1))


# --------------------------------------------------------------------------------- period KPIs
def _buyer_periods(orders: ibis.Table, period: str, repeat_basis: str) -> ibis.Table:
    """One row per buyer and period, with first-purchase period and 'bought again in t+1'."""
    o = orders.mutate(_p=period_index(orders.order_date, period))
    first = o.group_by("customer_id").agg(_first=o._p.min())
    n_repeat = o.count() if repeat_basis == "orders" else o.order_date.nunique()
    cp = o.group_by(["customer_id", "_p"]).agg(_orders=o.count(), _gmv=o.amount.sum(), _n=n_repeat)
    nxt = cp.select(_cid=cp.customer_id, _prev=cp._p - 1, _again=ibis.literal(True))
    cp = cp.join(first, "customer_id")
    joined = cp.left_join(nxt, [cp.customer_id == nxt._cid, cp._p == nxt._prev])
    return joined.select("customer_id", "_p", "_first", "_orders", "_gmv", "_n",
                         _again=joined._again.fill_null(False))


def _signups_per_period(customers: ibis.Table, period: str) -> tuple[pd.DataFrame, int]:
    """Sign-ups per period and the number of customers without a sign-up date."""
    c = customers.mutate(_p=period_index(customers.signup_date, period))
    dated = c.filter(c.signup_date.notnull())
    per = engine.execute(dated.group_by("_p").agg(new_signups=dated.count()))
    missing = int(engine.execute_scalar(customers.signup_date.isnull().sum()) or 0)
    return per, missing


def period_kpis(data_or_orders, period: str = "month", customers=None, *, repeat_basis: str = "orders",
                as_of=None) -> pd.DataFrame:
    """The period KPI table: GMV, orders, buyers, new vs returning, AOV, repurchase, churn, growth.

    Parameters
    ----------
    data_or_orders : Dataset, ibis.Table or pandas.DataFrame
        A loaded dataset, or a clean ``orders`` table (``customer_id, order_date, amount``).
    period : {"month", "day", "week", "quarter"}
        Length of a period. Weeks start on Monday.
    customers : ibis.Table or pandas.DataFrame, optional
        Customers with ``signup_date``; adds sign-ups per period. Defaults to the dataset's
        ``customers`` table when it has sign-up dates.
    repeat_basis : {"orders", "days"}
        What counts as a repeat for the repurchase rate: a second order, or a second order *day*
        (use ``"days"`` when one visit is often split into several orders).
    as_of : str or date, optional
        Last date of the data (default: the dataset's as-of date, or the last order date).

    Returns
    -------
    pandas.DataFrame
        One row per period from the first order (or sign-up) to the as-of date, periods without
        orders included as zeros: ``period_start, period_end, period`` (label), ``complete`` (False
        when the as-of date is before the period's end, or the period has no data), ``no_data``
        (the period starts after the last order's day: an ``as_of`` past the end of the data; such
        a period is never complete, so no churn or average runs over it), ``gmv, orders, buyers, new_buyers``
        (first purchase ever in this period), ``returning_buyers`` (buyers - new), ``aov``,
        ``repeat_buyers``, ``repurchase_rate`` (复购率), ``buyers_back_next_period``,
        ``return_purchase_rate`` (回购率; NaN while period t+1 is not complete, so always for the
        last period), ``buyer_growth_rate``, ``gmv_growth_rate``, ``churned_buyers`` and
        ``churn_rate`` (buyers of t-1 who did not buy in t / buyers of t-1; NaN when t is not
        complete), and with sign-up dates ``new_signups, signup_growth_rate``.
        ``attrs["customers_without_signup_date"]`` counts customers left out of ``new_signups``.
    """
    period = check_period(period)
    if repeat_basis not in ("orders", "days"):
        raise ParameterError(f"repeat_basis must be 'orders' or 'days'; got {repeat_basis!r}")
    orders, data, as_of = _orders_input(data_or_orders, as_of, ("customer_id", "order_date", "amount"))
    bp = _buyer_periods(orders, period, repeat_basis)
    per = engine.execute(bp.group_by("_p").agg(
        gmv=bp._gmv.sum(), orders=bp._orders.sum(), buyers=bp.count(),
        new_buyers=(bp._p == bp._first).sum(), repeat_buyers=(bp._n >= 2).sum(),
        buyers_back_next_period=bp._again.sum()))
    last_day = engine.execute_scalar(orders.order_date.max())

    if customers is None and data is not None and data.has_column("customers", "signup_date"):
        customers = data.table("customers")
    signups, no_signup = None, 0
    if customers is not None:
        customers = inputs.table_of(customers, "customers", ["customer_id", "signup_date"])
        signups, no_signup = _signups_per_period(customers, period)

    first = [per._p.min()] + ([signups._p.min()] if signups is not None and len(signups) else [])
    first = int(min(x for x in first if pd.notna(x))) if any(pd.notna(x) for x in first) else index_of(as_of, period)
    out = period_frame(range(first, index_of(as_of, period) + 1), period, as_of)
    out["no_data"] = out["period_start"] > pd.Timestamp(last_day) if pd.notna(last_day) else False
    out["complete"] = out["complete"] & ~out["no_data"]
    out = out.merge(per, on="_p", how="left")
    counts = ["orders", "buyers", "new_buyers", "repeat_buyers", "buyers_back_next_period"]
    out[counts] = out[counts].fillna(0).astype("int64")
    out["gmv"] = out["gmv"].astype("float64").fillna(0.0)
    out["returning_buyers"] = out["buyers"] - out["new_buyers"]
    out["aov"] = _rate(out["gmv"], out["orders"])
    out["repurchase_rate"] = _rate(out["repeat_buyers"], out["buyers"])
    next_complete = (out["_p"] + 1 <= last_complete_index(as_of, period)) & ~out["no_data"].shift(-1, fill_value=False)
    out["return_purchase_rate"] = _rate(out["buyers_back_next_period"], out["buyers"]).where(next_complete)
    out["buyer_growth_rate"] = _growth(out["buyers"])
    out["gmv_growth_rate"] = _growth(out["gmv"])
    prev_buyers = out["buyers"].shift(1)
    out["churned_buyers"] = (prev_buyers - out["buyers_back_next_period"].shift(1)).where(out["complete"])
    out["churn_rate"] = _rate(out["churned_buyers"], prev_buyers)
    if signups is not None:
        out = out.merge(signups, on="_p", how="left")
        out["new_signups"] = out["new_signups"].fillna(0).astype("int64")
        out["signup_growth_rate"] = _growth(out["new_signups"])
    out = out.drop(columns="_p")
    out.attrs["customers_without_signup_date"] = no_signup
    out.attrs["as_of"] = as_of
    return out


# -------------------------------------------------------------------------------- active users
def active_users(data, period: str = "day", *, as_of=None) -> pd.DataFrame:
    """DAU / WAU / MAU: distinct customers with any activity per day, week or month.

    Activity is any row of ``events`` when the dataset has that table, else any order (the
    ``source`` column says which was used: with orders only, "active" means "bought").

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        A dataset, or a table with ``customer_id`` and ``event_date`` (or ``order_date``).
    period : {"day", "week", "month"}
    as_of : str or date, optional
        Last date of the data (default: the dataset's as-of date or the last activity date).

    Returns
    -------
    pandas.DataFrame
        ``period_start, period_end, period, complete, active_users, source``; one row per period
        from the first activity to the as-of date (zero when nobody was active).
    """
    period = check_period(period, ("day", "week", "month"))
    act, source, as_of = _activity_input(data, as_of)
    daily = _daily_activity(data, act, source)
    # each customer's first active day of a week or month counts them once for it: summed per period,
    # these are the period's distinct customers (DAU: every customer-day counts)
    column = {"day": "dau", "week": "new_in_week", "month": "new_in_month"}[period]
    per = daily.groupby(daily[_PERIOD_KEY[period]])[column].sum().rename("active_users").rename_axis("_p").reset_index()
    first = int(per._p.min()) if len(per) else index_of(as_of, period)
    out = period_frame(range(first, index_of(as_of, period) + 1), period, as_of).merge(per, on="_p", how="left")
    out["active_users"] = out["active_users"].fillna(0).astype("int64")
    out["source"] = source
    return out.drop(columns="_p")


_PERIOD_KEY = {"day": "_d", "week": "_w", "month": "_m"}


def _daily_activity(data, act: ibis.Table, source: str) -> pd.DataFrame:
    """Per active day: its period indexes ``_d, _w, _m`` (:func:`period_index` of the day, week and
    month), ``dau`` (customers active that day) and ``new_in_week`` / ``new_in_month`` (of them, the
    customers on their first active day of the week / month), from ONE scan of the distinct
    customer-days (``act``: ``customer_id, _date``). DAU, WAU, MAU and the stickiness table all read
    it, once per Dataset (:meth:`~userops_lib.data.load.Dataset.memo`); the distinct count of
    customers per week, one scan of its own, took 3 s at a million customers.
    """
    def compute() -> pd.DataFrame:
        days = act
        if not inputs.is_clean(data):  # a Dataset's customer-days are distinct already; a table's rows are not
            # (a row without a customer still marks its day as one with data, as a distinct count did)
            days = act.filter(act._date.notnull()).distinct()
        before = days._date.lag().over(ibis.window(group_by="customer_id", order_by="_date"))
        new = {name: (days.customer_id.notnull() & (before.isnull() | (period_index(before, p) != period_index(days._date, p))))
               .cast("int64") for name, p in (("new_in_week", "week"), ("new_in_month", "month"))}
        flagged = days.select(**{key: period_index(days._date, p) for p, key in _PERIOD_KEY.items()},
                              _known=days.customer_id.notnull().cast("int64"), **new)
        per = flagged.group_by(list(_PERIOD_KEY.values())).agg(
            dau=flagged._known.sum(), new_in_week=flagged.new_in_week.sum(), new_in_month=flagged.new_in_month.sum())
        return engine.execute(per).astype("int64").sort_values("_d", ignore_index=True)

    if not inputs.is_clean(data):
        return compute()
    return data.memo(("daily_activity", source), compute)


def stickiness(data, *, as_of=None) -> pd.DataFrame:
    """Stickiness per month: average DAU over the month's days / MAU.

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        As for :func:`active_users`.

    Returns
    -------
    pandas.DataFrame
        ``period_start, period, complete, days_observed, avg_dau, mau, stickiness, source``. The
        average DAU is taken over the month's days inside the data window (first activity date to
        the as-of date), days without activity counting as 0.
    """
    daily = active_users(data, "day", as_of=as_of)
    monthly = active_users(data, "month", as_of=as_of)
    month_start = daily["period_start"].dt.to_period("M").dt.to_timestamp()
    dau = daily.groupby(month_start).agg(days_observed=("active_users", "size"), avg_dau=("active_users", "mean"))
    out = monthly.merge(dau, left_on="period_start", right_index=True, how="left")
    out = out.rename(columns={"active_users": "mau"})
    out["stickiness"] = _rate(out["avg_dau"], out["mau"])
    return out[["period_start", "period", "complete", "days_observed", "avg_dau", "mau", "stickiness", "source"]]


# --------------------------------------------------------------------------- channel conversion
@dataclass(frozen=True)
class ChannelConversionFacts(Facts):
    """What :func:`channel_conversion` states besides its table."""

    producer: ClassVar[str] = "channel_conversion"
    buyers_not_in_customers: int  #: buyers with no row in customers (left out of every channel)


def channel_conversion(data) -> pd.DataFrame:
    """Conversion of each acquisition channel: users it brought, how many bought, and CAC.

    Parameters
    ----------
    data : Dataset, ibis.Table, pandas.DataFrame or dict of them by table name
        Needs ``customers`` with a ``channel`` column; uses ``channel_costs`` when present.

    Returns
    -------
    pandas.DataFrame
        One row per channel (missing channel = ``"unknown"``), largest first: ``channel,
        acquired_users, converted_users`` (at least one order up to the as-of date),
        ``conversion_rate``, ``revenue`` (what the channel's customers spent up to the as-of date),
        ``revenue_per_buyer`` (revenue / converted users), and with channel costs ``cost,
        cost_per_acquired_user, cac`` (cost / converted users). Facts: :class:`ChannelConversionFacts`
        (buyers that have no row in ``customers``: they belong to no channel).

    Raises
    ------
    MissingTableError
        When the dataset has no ``customers`` table.
    """
    data = inputs.dataset_of(data, "customers")
    customers = inputs.table_of(data, "customers", ["customer_id", "channel"], needed_for="Channel conversion")
    orders = data.table("orders", "Channel conversion")
    buyers = orders.group_by(_cid=orders.customer_id).agg(_spent=orders.amount.sum())
    cust = customers.select("customer_id", _channel=engine.trim(customers.channel))
    joined = cust.left_join(buyers, cust.customer_id == buyers._cid)
    channel = ibis.ifelse(joined._channel.isnull() | (joined._channel == ""), "unknown", joined._channel)
    out = engine.execute(joined.group_by(channel=channel).agg(
        acquired_users=joined.count(), converted_users=joined._cid.notnull().sum(),
        revenue=joined._spent.sum().fill_null(0)))
    out["converted_users"] = out["converted_users"].astype("int64")
    out["conversion_rate"] = _rate(out["converted_users"], out["acquired_users"])
    out["revenue"] = out["revenue"].astype("float64")
    # what a converted customer of the channel has spent so far: the value side of its CAC
    out["revenue_per_buyer"] = _rate(out["revenue"], out["converted_users"])
    orphans = int(engine.execute_scalar(buyers.anti_join(customers, buyers._cid == customers.customer_id).count()))
    if data.has("channel_costs"):
        costs = engine.execute(data.table("channel_costs").select("channel", "cost"))
        costs = costs.groupby(costs["channel"].str.strip(), as_index=False)["cost"].sum()
        out = out.merge(costs, on="channel", how="outer")
        out[["acquired_users", "converted_users"]] = out[["acquired_users", "converted_users"]].fillna(0).astype("int64")
        out["revenue"] = out["revenue"].fillna(0.0)  # a channel paid for that brought no customer
        out["cost_per_acquired_user"] = _rate(out["cost"], out["acquired_users"])
        out["cac"] = _rate(out["cost"], out["converted_users"])
    out = out.sort_values(["acquired_users", "channel"], ascending=[False, True], ignore_index=True)
    attach(out, ChannelConversionFacts(buyers_not_in_customers=int(orphans)))
    return out
