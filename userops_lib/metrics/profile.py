"""User profile (用户画像): who the customers are, for all customers and for buyers.

Distributions of age band, gender, city (top N + other), interest tags and member tier, computed in
the engine; unknown values are a category of their own, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import ibis
import pandas as pd

from ..data import engine, inputs
from ..data.engine import trim as _trim
from ..results import Facts, attach
from .kpis import _rate, _require_columns

__all__ = ["UserProfileFacts", "AGE_BANDS", "UNKNOWN", "OTHER", "NO_TAGS", "NOT_A_MEMBER", "user_profile"]

#: Age bands, as (label, lowest age, highest age).
AGE_BANDS = (("<18", 0, 17), ("18–24", 18, 24), ("25–29", 25, 29), ("30–34", 30, 34), ("35–39", 35, 39),
             ("40–49", 40, 49), ("50+", 50, 120))
UNKNOWN = "unknown"
OTHER = "other"
NO_TAGS = "(no tags)"
NOT_A_MEMBER = "not a member"
_COLUMNS = ["dimension", "value", "customers", "customer_share", "buyers", "buyer_share"]


def _text(col: ibis.Value, missing: str) -> ibis.Value:
    text = _trim(col.cast("string"))
    return ibis.ifelse(text.isnull() | (text == ""), missing, text)


def _age_band(age: ibis.Value) -> ibis.Value:
    # ages outside 0-120 are data errors: they are shown as unknown, not dropped
    return ibis.cases(*[((age >= lo) & (age <= hi), label) for label, lo, hi in AGE_BANDS], else_=UNKNOWN)


def _counts(table: ibis.Table, value: ibis.Value) -> pd.DataFrame:
    return engine.execute(table.group_by(value=value).agg(customers=table.count(), buyers=table._buyer.sum()))


def _tag_counts(table: ibis.Table) -> pd.DataFrame:
    """Customers (and buyers) per interest tag; tags are separated by '|' or ','."""
    tags = table.select("customer_id", "_buyer", _tag=table.interest_tags.replace("|", ",").split(",").unnest())
    tags = tags.mutate(_tag=_trim(tags._tag))
    tags = tags.filter(tags._tag.notnull() & (tags._tag != "")).distinct()
    per = engine.execute(tags.group_by(value=tags._tag).agg(customers=tags.count(), buyers=tags._buyer.sum()))
    tagged = tags.select("customer_id", "_buyer").distinct()
    n = engine.execute(tagged.aggregate(customers=tagged.count(), buyers=tagged._buyer.sum())).iloc[0]
    totals = engine.execute(table.aggregate(customers=table.count(), buyers=table._buyer.sum())).iloc[0]
    none = pd.DataFrame({"value": [NO_TAGS], "customers": [totals.customers - n.customers],
                         "buyers": [(totals.buyers or 0) - (n.buyers or 0)]})
    return pd.concat([per.sort_values(["customers", "value"], ascending=[False, True]), none], ignore_index=True)


def _top(counts: pd.DataFrame, n: int) -> pd.DataFrame:
    """Largest ``n`` values (unknown kept apart), the rest summed into ``other``."""
    known = counts[counts.value != UNKNOWN].sort_values(["customers", "value"], ascending=[False, True])
    rest = known.iloc[n:]
    parts = [known.iloc[:n]]
    if len(rest):
        parts.append(pd.DataFrame({"value": [OTHER], "customers": [rest.customers.sum()], "buyers": [rest.buyers.sum()]}))
    parts.append(counts[counts.value == UNKNOWN])
    return pd.concat(parts, ignore_index=True)


def _by_size(counts: pd.DataFrame, last=(UNKNOWN,)) -> pd.DataFrame:
    ordered = counts[~counts.value.isin(last)].sort_values(["customers", "value"], ascending=[False, True])
    return pd.concat([ordered, counts[counts.value.isin(last)]], ignore_index=True)


@dataclass(frozen=True)
class UserProfileFacts(Facts):
    """What :func:`user_profile` states besides its table."""

    producer: ClassVar[str] = "user_profile"
    customers: int  #: all customers
    buyers: int  #: customers with at least one kept order
    missing_columns: list[str]  #: customer columns the data lacks (their dimension left out)


def user_profile(data, top_cities: int = 10) -> pd.DataFrame:
    """Distributions of age band, gender, city, interest tag and member tier.

    Parameters
    ----------
    data : Dataset, ibis.Table, pandas.DataFrame or dict of them by table name
        Needs a ``customers`` table; each dimension whose column is absent is left out (listed in
        the facts' ``missing_columns``). A buyer is a customer with at least one kept order.
    top_cities : int
        Cities shown by name; the others are summed into ``"other"``.

    Returns
    -------
    pandas.DataFrame
        Long table ``dimension, value, customers, customer_share, buyers, buyer_share`` with
        ``dimension`` one of ``age_band`` (from ``age``, which the data module derives from
        ``birth_year``), ``gender``, ``city``, ``interest_tag``, ``member_tier``. Shares are of
        all customers / all buyers; a customer has several interest tags, so tag shares do not sum
        to 1 (``"(no tags)"`` counts customers without any). Missing values are ``"unknown"``
        (``"not a member"`` for the tier). Facts: :class:`UserProfileFacts` (the totals).

    Raises
    ------
    MissingTableError
        When the dataset has no ``customers`` table.
    """
    data = inputs.dataset_of(data, "customers")
    customers = data.table("customers", "User profile")
    _require_columns(customers, "customers", ["customer_id"])
    orders = data.table("orders")
    buyers = orders.select(_cid=orders.customer_id).distinct()
    j = customers.left_join(buyers, customers.customer_id == buyers._cid)
    c = j.mutate(_buyer=j._cid.notnull().cast("int64"))
    totals = engine.execute(c.aggregate(customers=c.count(), buyers=c._buyer.sum())).iloc[0]

    parts, missing = [], []
    dims = {
        "age_band": lambda: _counts(c, _age_band(c.age)).set_index("value")
        .reindex([b[0] for b in AGE_BANDS] + [UNKNOWN], fill_value=0).reset_index(),
        "gender": lambda: _by_size(_counts(c, _text(c.gender, UNKNOWN))),
        "city": lambda: _top(_counts(c, _text(c.city, UNKNOWN)), top_cities),
        "interest_tag": lambda: _tag_counts(c),
        "member_tier": lambda: _by_size(_counts(c, _text(c.member_tier, NOT_A_MEMBER)), last=(NOT_A_MEMBER,)),
    }
    column_of = {"age_band": "age", "interest_tag": "interest_tags"}
    for dim, compute in dims.items():
        if column_of.get(dim, dim) not in c.columns:
            missing.append(column_of.get(dim, dim))
            continue
        parts.append(compute().assign(dimension=dim))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_COLUMNS)
    out[["customers", "buyers"]] = out[["customers", "buyers"]].fillna(0).astype("int64")
    out["customer_share"] = _rate(out["customers"], totals.customers)
    out["buyer_share"] = _rate(out["buyers"], totals.buyers)
    out = out[_COLUMNS]
    return attach(out, UserProfileFacts(customers=int(totals.customers), buyers=int(totals.buyers or 0),
                                        missing_columns=missing))
