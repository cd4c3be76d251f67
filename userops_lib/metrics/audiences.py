"""Audience packs (人群包): named, declarative rules over per-customer features.

An analyst writes the packs in YAML (see ``userops_lib/examples/audiences.yaml``)::

    tier_thresholds: {silver: 1000, gold: 3000, platinum: 8000}   # optional
    packs:
      - name: lapsing_big_spenders
        description: Big spenders who have gone quiet
        rule: {all: [{feature: monetary_total, op: ">=", value: 2000},
                     {feature: days_since_last_purchase, op: between, value: [90, 365]}]}

A rule is a condition ``{feature, op, value}`` with ``op`` one of ``== != > >= < <= between in
not_in``, or a combination ``{all: [...]}``, ``{any: [...]}``, ``{not: rule}``. A number in a
condition on a number feature may be written relative to the data as ``{quantile: q}``: the ``q``
quantile of that feature among buyers (customers with at least one order; pandas' linear
interpolation), so ``{feature: monetary_total, op: ">=", value: {quantile: 0.9}}`` is the top 10 %
of buyers by spend on any shop. The resolved numbers are listed in ``Audiences.thresholds``. Conditions on a
missing value (e.g. days since last purchase of a customer who never bought) are *unknown*, and
combine with three-valued logic (unknown AND false = false, unknown OR true = true, NOT unknown =
unknown); a customer is in a pack only when the rule is true.

:func:`customer_features` builds the feature table (one ibis aggregation, plus the RFM segment,
lifecycle stage and CLV of the sibling modules when they can be computed);
:func:`build_audiences` evaluates the packs; :func:`export_audiences` writes one file per pack and
a ``manifest.json`` with hashed ids; :func:`pack_profile` describes who is in each pack.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import re
import warnings
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
from scipy import sparse

from ..data import engine, inputs
from ..data.periods import parse_date
from ..data.ids import ID_KEY_ENV, export_key, hash_ids  # hash_ids re-exported: the one keyed hash of data.ids
from ..thresholds import MIN_GROUP
from ..exceptions import ParameterError, UseropsError
from ..data.yamlfile import read_yaml

__all__ = [
    "FEATURES",
    "OPS",
    "HASHED_ID_COLUMN",
    "SALT_ENV",
    "Audiences",
    "example_spec_path",
    "load_audience_spec",
    "customer_features",
    "build_audiences",
    "export_audiences",
    "hash_ids",
    "pack_profile",
    "PROFILE_ATTRIBUTES",
    "SMALL_PACK",
    "small_packs",
]

#: Environment variable read for the id key when none is passed (one key source: data.ids)
SALT_ENV = ID_KEY_ENV
#: the one column of an exported pack file: each customer id as HMAC-SHA256 under the shop's id key
HASHED_ID_COLUMN = "customer_id_hmac_sha256"
OPS = ("==", "!=", ">", ">=", "<", "<=", "between", "in", "not_in")
_ORDER_OPS = (">", ">=", "<", "<=", "between")
#: Packs with fewer customers than this are too small for shares, overlaps or test/control splits.
SMALL_PACK = MIN_GROUP

#: Every feature :func:`customer_features` can produce, with what it needs when it is absent.
FEATURES: dict[str, str] = {
    "days_since_last_purchase": "orders", "days_since_first_purchase": "orders", "purchase_days": "orders",
    "orders": "orders", "monetary_total": "orders", "aov": "orders", "spend_12m": "orders",
    "spend_prev_12m": "orders", "first_purchase_date": "orders", "last_purchase_date": "orders",
    "channel": "customers.channel", "city": "customers.city", "gender": "customers.gender",
    "age": "customers.age or birth_year", "age_band": "customers.age or birth_year",
    "member_tier": "tier_history or customers.member_tier", "invitees": "customers.referrer_id",
    "last_category": "order_items.category",
    "next_tier": "member tiers and tier_thresholds in the spec",
    "spend_to_next_tier": "member tiers and tier_thresholds in the spec",
    "rfm_segment": "userops_lib.metrics.rfm", "lifecycle_stage": "userops_lib.metrics.lifecycle",
    "probability_alive": "userops_lib.clv (a fitted purchase model)", "clv": "userops_lib.clv (fitted models)",
    "clv_decile": "userops_lib.clv (fitted models)",
}
_AGE_BANDS = ((25, "<25"), (35, "25-34"), (45, "35-44"), (55, "45-54"))
_NAME = re.compile(r"[\w\-]+")


# ----------------------------------------------------------------------------------------- spec
def example_spec_path() -> Path:
    """Path of the example pack file shipped with userops."""
    return Path(str(resources.files("userops_lib").joinpath("examples/audiences.yaml")))


def load_audience_spec(spec=None) -> dict:
    """Read and check a pack spec.

    Parameters
    ----------
    spec : str, Path, dict or None
        A YAML file, an already parsed dict (``{"packs": [...], "tier_thresholds": {...}}``), a
        list of packs, or None for the example shipped with userops.

    Returns
    -------
    dict
        ``packs`` (list of dicts with ``name, description, rule``) and ``tier_thresholds``
        (dict or None).

    Raises
    ------
    ParameterError
        Unreadable file, no packs, a pack without a valid name or rule, duplicate names, an
        unknown op or a malformed value (the message names the pack and the feature).
    """
    if spec is None:
        spec = example_spec_path()
    if isinstance(spec, (str, Path)):
        spec = read_yaml(spec, "audience spec")
    if isinstance(spec, list):
        spec = {"packs": spec}
    if not isinstance(spec, dict) or not isinstance(spec.get("packs"), list) or not spec["packs"]:
        raise ParameterError("audience spec: expected a mapping with a non-empty 'packs' list")
    packs, seen = [], set()
    for i, pack in enumerate(spec["packs"]):
        packs.append(_check_pack(pack, i, seen))
    return {"packs": packs, "tier_thresholds": _check_thresholds(spec.get("tier_thresholds"))}


def _check_thresholds(thresholds) -> dict | None:
    if thresholds is None:
        return None
    if not isinstance(thresholds, dict) or not all(_is_number(v) for v in thresholds.values()):
        raise ParameterError(f"tier_thresholds: expected {{tier: minimum trailing-12-month spend}}, got {thresholds!r}")
    return dict(sorted(thresholds.items(), key=lambda kv: kv[1]))


def _check_pack(pack, i: int, seen: set) -> dict:
    if not isinstance(pack, dict) or "name" not in pack or "rule" not in pack:
        raise ParameterError(f"audience spec: pack #{i + 1} needs a 'name' and a 'rule'")
    name = str(pack["name"])
    if not _NAME.fullmatch(name):
        raise ParameterError(f"pack {name!r}: the name may only hold letters, digits, '_' and '-' (it names a file)")
    if name in seen:
        raise ParameterError(f"pack {name!r}: the name is used twice")
    seen.add(name)
    _check_rule(pack["rule"], name)
    return {"name": name, "description": str(pack.get("description", "")), "rule": pack["rule"]}


def _check_rule(rule, pack: str) -> None:
    """Structure, ops and value shapes (types against the data are checked when evaluating)."""
    if not isinstance(rule, dict):
        raise ParameterError(f"pack {pack!r}: a rule must be a mapping, got {rule!r}")
    keys = set(rule)
    if keys & {"all", "any"}:
        key = "all" if "all" in rule else "any"
        if len(keys) != 1 or not isinstance(rule[key], list) or not rule[key]:
            raise ParameterError(f"pack {pack!r}: '{key}' needs a non-empty list of rules and nothing beside it")
        for sub in rule[key]:
            _check_rule(sub, pack)
        return
    if "not" in keys:
        if len(keys) != 1:
            raise ParameterError(f"pack {pack!r}: 'not' takes one rule and nothing beside it")
        _check_rule(rule["not"], pack)
        return
    if not {"feature", "op", "value"} <= keys:
        raise ParameterError(f"pack {pack!r}: a condition needs 'feature', 'op' and 'value' "
                             f"(or use all/any/not), got keys {sorted(keys)}")
    feature, op, value = rule["feature"], rule["op"], rule["value"]
    if op not in OPS:
        raise ParameterError(f"pack {pack!r}, feature {feature!r}: unknown op {op!r}; use one of {list(OPS)}")
    if op == "between" and (not isinstance(value, list) or len(value) != 2):
        raise ParameterError(f"pack {pack!r}, feature {feature!r}: 'between' needs [low, high], got {value!r}")
    if op in ("in", "not_in") and (not isinstance(value, list) or not value):
        raise ParameterError(f"pack {pack!r}, feature {feature!r}: '{op}' needs a non-empty list, got {value!r}")
    if op not in ("between", "in", "not_in") and (isinstance(value, list) or _bad_quantile(value)):
        raise ParameterError(f"pack {pack!r}, feature {feature!r}: '{op}' needs one value, got {value!r}")
    if op in ("in", "not_in") and any(isinstance(v, dict) for v in value):
        raise ParameterError(f"pack {pack!r}, feature {feature!r}: '{op}' takes plain values, not {{quantile: q}}")
    if op == "between" and any(_bad_quantile(v) for v in value):
        raise ParameterError(f"pack {pack!r}, feature {feature!r}: 'between' bounds are values or {{quantile: q}} "
                             f"with 0 <= q <= 1, got {value!r}")
    if isinstance(value, dict) and op in ("==", "!="):
        raise ParameterError(f"pack {pack!r}, feature {feature!r}: {{quantile: q}} needs an ordering op "
                             f"(> >= < <= between), not {op!r}")


def _bad_quantile(value) -> bool:
    """True for a dict that is not ``{quantile: q}`` with 0 <= q <= 1 (plain values are not judged here)."""
    if not isinstance(value, dict):
        return False
    q = value.get("quantile")
    return set(value) != {"quantile"} or not _is_number(q) or not 0 <= q <= 1


def _features_of(rule) -> list[str]:
    if "all" in rule or "any" in rule:
        return [f for sub in rule.get("all", rule.get("any")) for f in _features_of(sub)]
    if "not" in rule:
        return _features_of(rule["not"])
    return [rule["feature"]]


# -------------------------------------------------------------------------------------- features
def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_))


def customer_features(data, as_of=None, tier_thresholds: dict | None = None, model_features: bool = True,
                      purchase_model: str = "bgnbd") -> pd.DataFrame:
    """One row per customer with the features pack rules can use.

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        A Dataset (all optional tables used when present) or clean ``orders`` only.
    as_of : str or date, optional
        Day the features describe (orders after it are ignored). Default: the Dataset's as-of
        date, else the last order date.
    tier_thresholds : dict, optional
        ``{tier: minimum trailing-12-month spend}``; adds ``next_tier`` and ``spend_to_next_tier``.
    model_features : bool
        Add ``rfm_segment``, ``lifecycle_stage``, ``probability_alive``, ``clv`` and ``clv_decile``
        from the sibling modules (only at the Dataset's own as-of date).
    purchase_model : {"bgnbd", "pnbd", "mbgnbd"}
        Purchase model behind ``probability_alive`` and ``clv`` (BG/NBD, Pareto/NBD, MBG/NBD; the
        spend model is always Gamma-Gamma, fitted on weekly summaries up to ``as_of``). Pass the
        model the loyalty report chose to get the same 12-month CLV as that report.

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (customers of the ``customers`` table signed up by ``as_of``, and every
        buyer), ``days_since_last_purchase``, ``days_since_first_purchase`` (NaN for non-buyers),
        ``purchase_days``, ``orders``, ``monetary_total``, ``aov``, ``spend_12m`` (last 365 days),
        ``spend_prev_12m`` (the 365 days before), ``first_purchase_date``, ``last_purchase_date``,
        then when the data allows: ``channel, city, gender, age, age_band, member_tier``
        (``"non-member"`` when none), ``invitees``, ``last_category``, ``next_tier``,
        ``spend_to_next_tier``, ``rfm_segment``, ``lifecycle_stage``, ``probability_alive``,
        ``clv`` (12 months), ``clv_decile`` (1 = most valuable tenth). ``attrs``: ``as_of``,
        ``absent`` (feature → why it is missing), ``purchase_model`` (None when no CLV was added).

    Raises
    ------
    ParameterError
        Bad ``as_of`` or unknown ``purchase_model``.
    """
    from ..clv import PURCHASE_MODELS

    if purchase_model not in PURCHASE_MODELS:
        raise ParameterError(f"purchase_model {purchase_model!r} is not one of {sorted(PURCHASE_MODELS)}")
    data = inputs.dataset_of(data, "orders")
    orders = data.table("orders")
    as_of = _resolve_as_of(data, orders, as_of)
    t = _order_features(orders, as_of)
    customers = data.table("customers") if data.has("customers") else None
    if customers is not None:
        if "signup_date" in customers.columns:
            customers = customers.filter(customers.signup_date.isnull() | (customers.signup_date.cast("date") <= as_of))
        t = _with_customers(t, customers)
    t = _join_profile(t, data, customers, as_of)
    df = engine.execute(t, via_arrow=True, sort_by="customer_id")
    df = _finish_basic(df, tier_thresholds)
    absent = {f: why for f, why in FEATURES.items() if f not in df.columns}
    if model_features:
        df, notes = _add_model_features(df, data, as_of, purchase_model)
        absent = {f: notes.get(f, why) for f, why in absent.items() if f not in df.columns}
    df.attrs.update(as_of=as_of, absent=absent, purchase_model=purchase_model if "clv" in df.columns else None)
    return df


def _resolve_as_of(data, orders, as_of) -> _dt.date:
    return parse_date(as_of, "as_of") if as_of is not None else data.as_of


def _order_features(orders: ibis.Table, as_of: _dt.date) -> ibis.Table:
    o = orders.filter(orders.order_date <= as_of)
    year_ago = as_of - _dt.timedelta(days=365)
    two_years_ago = as_of - _dt.timedelta(days=730)
    recent = o.order_date > year_ago
    before = (o.order_date > two_years_ago) & ~recent
    per = o.group_by("customer_id").agg(
        orders=o.count(), monetary_total=o.amount.sum(), purchase_days=o.order_date.nunique(),
        first_purchase_date=o.order_date.min(), last_purchase_date=o.order_date.max(),
        spend_12m=ibis.ifelse(recent, o.amount, 0.0).sum(), spend_prev_12m=ibis.ifelse(before, o.amount, 0.0).sum())
    day = ibis.literal(as_of, type="date")
    return per.mutate(days_since_last_purchase=day.delta(per.last_purchase_date, unit="day"),
                      days_since_first_purchase=day.delta(per.first_purchase_date, unit="day"),
                      aov=per.monetary_total / per.orders)


def _with_customers(per: ibis.Table, customers: ibis.Table) -> ibis.Table:
    """Every customer (signed up by the as-of date) and every buyer, with the order features and the
    customer attributes (each when the table has it): one full outer join on the customer key, instead of
    a distinct union of the ids and a join of each side to it (at 1M customers a 1.5M-row DISTINCT)."""
    cols = [c for c in ("channel", "city", "gender", "age") if c in customers.columns]
    prof = customers.select("customer_id", *cols)
    both = per.outer_join(prof, per.customer_id == prof.customer_id)
    return both.select(customer_id=ibis.coalesce(per.customer_id, prof.customer_id),
                       **{c: per[c] for c in per.columns if c != "customer_id"}, **{c: prof[c] for c in cols},
                       ).view()  # a new relation: the invitee counts joined to it next come from customers too


def _join_profile(t: ibis.Table, data, customers, as_of) -> ibis.Table:
    """Invitee count, tier and last category (each when the data has it)."""
    if customers is not None:
        if "referrer_id" in customers.columns:
            inv = customers.filter(customers.referrer_id.notnull())
            inv = inv.group_by(customer_id=inv.referrer_id).agg(invitees=inv.count())
            t = t.left_join(inv, "customer_id").select(t, invitees=inv.invitees.fill_null(0))
    tiers = _tier_table(data, as_of)
    if tiers is not None:
        t = t.left_join(tiers, "customer_id").select(t, member_tier=tiers.tier)
    if data.has_column("order_items", "category"):
        last = _last_category(data.table("orders"), data.table("order_items"), as_of)
        t = t.left_join(last, "customer_id").select(t, last_category=last.last_category)
    return t


def _tier_table(data, as_of) -> ibis.Table | None:
    from .membership import _days_table, _tiers_on

    if data.has("tier_history"):
        now = _tiers_on(data.table("tier_history"), _days_table([as_of]))
        return now.filter(now.tier.notnull()).select("customer_id", "tier")
    if data.has_column("customers", "member_tier"):
        c = data.table("customers")
        return c.filter(c.member_tier.notnull()).select("customer_id", tier=c.member_tier)
    return None


def _last_category(orders: ibis.Table, items: ibis.Table, as_of) -> ibis.Table:
    """Category of the biggest line of each customer's last order (ties: alphabetical)."""
    o = orders.filter(orders.order_date <= as_of).select("order_id", "customer_id", "order_ts")
    lines = items.filter(items.category.notnull())
    lines = lines.join(o, "order_id").select("customer_id", "order_ts", "category",
                                             value=lines.price.fill_null(0) * lines.quantity)
    pick = ibis.row_number().over(group_by=lines.customer_id,
                                  order_by=[ibis.desc(lines.order_ts), ibis.desc(lines.value), lines.category])
    ranked = lines.mutate(_rn=pick)
    return ranked.filter(ranked._rn == 0).select("customer_id", last_category="category")


def _finish_basic(df: pd.DataFrame, thresholds: dict | None) -> pd.DataFrame:
    from .membership import NON_MEMBER

    for col in ("orders", "purchase_days"):
        df[col] = df[col].fillna(0).astype("int64")
    for col in ("monetary_total", "spend_12m", "spend_prev_12m"):
        df[col] = df[col].fillna(0.0).astype("float64")
    for col in ("days_since_last_purchase", "days_since_first_purchase", "aov"):
        df[col] = df[col].astype("float64")
    for col in ("first_purchase_date", "last_purchase_date"):
        df[col] = pd.to_datetime(df[col]).astype("datetime64[s]")  # whole days, the same unit on every path
    if "age" in df.columns:
        df["age"] = df["age"].astype("float64")
        bands = np.select([df["age"] < hi for hi, _ in _AGE_BANDS], [b for _, b in _AGE_BANDS], "55+")
        df["age_band"] = pd.Series(bands, index=df.index).where(df["age"].notna())
    if "invitees" in df.columns:
        df["invitees"] = df["invitees"].fillna(0).astype("int64")
    if "member_tier" in df.columns:
        df["member_tier"] = df["member_tier"].fillna(NON_MEMBER)
        if thresholds:
            df = _next_tier(df, thresholds)
    return df


def _next_tier(df: pd.DataFrame, thresholds: dict) -> pd.DataFrame:
    """Next tier up and the trailing-12-month spend still missing to reach its threshold."""
    from .membership import NON_MEMBER

    order = [NON_MEMBER, *[t for t, v in thresholds.items() if v > 0]]
    unknown = sorted(set(df["member_tier"].unique()) - set(order))
    if unknown:
        raise ParameterError(f"tier_thresholds: tiers {unknown} of the data have no threshold ({thresholds})")
    # each row's tier as its position in `order`, then arrays indexed by it: no Python call per row
    # (a per-row lambda, or even set() over a million strings, took seconds at a million customers)
    rank = pd.Categorical(df["member_tier"], categories=order).codes
    higher = order[1:]
    df["next_tier"] = pd.Series(np.array([*higher, None], dtype=object)[rank], index=df.index)
    needed = np.array([*(thresholds[t] for t in higher), np.nan], dtype="float64")[rank]
    df["spend_to_next_tier"] = needed - df["spend_12m"].to_numpy()
    return df


def _add_model_features(df: pd.DataFrame, data, as_of, purchase_model: str) -> tuple[pd.DataFrame, dict]:
    """RFM segment, lifecycle stage, probability alive and CLV, each when it can be computed."""
    notes = {}
    if as_of != data.as_of:
        note = f"model features are only computed at the dataset's as-of date ({data.as_of})"
        return df, {f: note for f in ("rfm_segment", "lifecycle_stage", "probability_alive", "clv", "clv_decile")}
    summary = _weekly_summary(data)
    for add in (_rfm_feature, _stage_feature, _clv_features):
        try:
            extra = add(data, summary, purchase_model)
        except ImportError as err:
            notes.update({f: f"module not available ({err})" for f in add.features})
            continue
        except (UseropsError, ValueError, ArithmeticError) as err:
            notes.update({f: f"could not be computed: {err}" for f in add.features})
            continue
        df = df.merge(extra, on="customer_id", how="left")
    if "clv" in df.columns:
        rank = df["clv"].rank(method="first", ascending=False)
        df["clv_decile"] = np.ceil(rank * 10 / df["clv"].notna().sum()).clip(1, 10)
    return df, notes


def _weekly_summary(data):
    """The weekly purchase summary (:func:`~userops_lib.clv.summary.rfm_summary`) behind both the RFM
    segment and the CLV, computed when first asked: one scan of the orders instead of two. When it
    raises, nothing is kept and each feature that asks gets the error (and its note)."""
    from ..clv.summary import rfm_summary

    return functools.cache(lambda: rfm_summary(data, time_unit="W"))


def _rfm_feature(data, summary, purchase_model: str = "bgnbd") -> pd.DataFrame:
    """RFM segment from the weekly summary: the same frequency, total and last purchase day as a
    summary of the orders in days, and recency measured to the as-of date."""
    from .rfm import rfm_segments

    with warnings.catch_warnings():  # "few distinct scores" warnings are for the RFM report, not here
        warnings.simplefilter("ignore", UserWarning)
        seg = rfm_segments(summary(), as_of=data.as_of)
    return seg[["customer_id", "segment"]].rename(columns={"segment": "rfm_segment"})


def _stage_feature(data, summary=None, purchase_model: str = "bgnbd") -> pd.DataFrame:
    from .lifecycle import customer_stage

    stage = customer_stage(data, at=data.as_of)
    return pd.DataFrame({"customer_id": stage["customer_id"], "lifecycle_stage": stage["stage"].astype(str)})


def _clv_features(data, summary, purchase_model: str = "bgnbd") -> pd.DataFrame:
    from .. import clv

    summary = summary()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # run=data: 04 values customers with the same fit and reads it instead of fitting again
        purchases = clv.fit_purchase_model(summary, purchase_model, run=data)
        values = clv.customer_value_table(purchases, clv.fit_spend_model(summary), summary, months=12)
    return values[["customer_id", "probability_alive", "clv"]]


_rfm_feature.features = ("rfm_segment",)
_stage_feature.features = ("lifecycle_stage",)
_clv_features.features = ("probability_alive", "clv", "clv_decile")


# ---------------------------------------------------------------------------------- evaluation
def _kind(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s):
        return "bool"
    if pd.api.types.is_numeric_dtype(s):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "date"
    return "text"


def _typed_value(v, kind: str, pack: str, feature: str, op: str):
    """The rule value converted to the feature's kind, or a ParameterError naming pack and feature."""
    ok = {"number": _is_number(v), "bool": isinstance(v, bool), "text": isinstance(v, str)}
    if kind == "date":
        try:
            return pd.Timestamp(v)
        except Exception:
            ok["date"] = False
    elif ok[kind]:
        return v
    raise ParameterError(f"pack {pack!r}, feature {feature!r}: op {op!r} compares a {kind} feature with "
                         f"{v!r} ({type(v).__name__}); give a {kind} value")


def _buyers(features: pd.DataFrame) -> pd.Series:
    """Rows of customers with at least one order (every row when the table cannot tell)."""
    for col in ("orders", "purchase_days"):
        if col in features.columns:
            return features[col].fillna(0) > 0
    return pd.Series(True, index=features.index)


def _resolve_quantiles(value, s: pd.Series, features: pd.DataFrame, pack: str, feature: str, op: str,
                       resolved: list):
    """Replace each ``{quantile: q}`` of a rule value by that quantile of the feature among buyers."""
    if isinstance(value, list):
        return [_resolve_quantiles(v, s, features, pack, feature, op, resolved) for v in value]
    if not isinstance(value, dict):
        return value
    if _kind(s) != "number":
        raise ParameterError(f"pack {pack!r}, feature {feature!r}: {{quantile: q}} needs a number feature")
    base = s[_buyers(features)].dropna()
    if base.empty:
        raise ParameterError(f"pack {pack!r}, feature {feature!r}: no buyer has a value, so {value!r} is undefined")
    number = float(base.quantile(value["quantile"]))
    resolved.append({"pack": pack, "feature": feature, "op": op, "quantile": float(value["quantile"]),
                     "value": number, "buyers": len(base)})
    return number


def _condition(rule: dict, features: pd.DataFrame, pack: str, resolved: list) -> pd.arrays.BooleanArray:
    feature, op = rule["feature"], rule["op"]
    s = features[feature]
    kind = _kind(s)
    if op in _ORDER_OPS and kind in ("text", "bool"):
        raise ParameterError(f"pack {pack!r}, feature {feature!r}: op {op!r} needs a number or date feature; "
                             f"{feature!r} is {kind}")
    value = _resolve_quantiles(rule["value"], s, features, pack, feature, op, resolved)
    if op in ("between", "in", "not_in"):
        vals = [_typed_value(v, kind, pack, feature, op) for v in value]
    else:
        vals = _typed_value(value, kind, pack, feature, op)
    if op == "between":
        if vals[0] > vals[1]:
            raise ParameterError(f"pack {pack!r}, feature {feature!r}: 'between' low {value[0]!r} > high {value[1]!r}")
        hit = (s >= vals[0]) & (s <= vals[1])
    elif op in ("in", "not_in"):
        hit = s.isin(vals) if op == "in" else ~s.isin(vals)
    else:
        hit = {"==": s.__eq__, "!=": s.__ne__, ">": s.__gt__, ">=": s.__ge__, "<": s.__lt__, "<=": s.__le__}[op](vals)
    out = pd.array(hit.to_numpy(dtype=bool), dtype="boolean")
    out[s.isna().to_numpy()] = pd.NA
    return out


def _evaluate(rule: dict, features: pd.DataFrame, pack: str, resolved: list) -> pd.arrays.BooleanArray:
    if "all" in rule or "any" in rule:
        parts = [_evaluate(sub, features, pack, resolved) for sub in rule.get("all", rule.get("any"))]
        out = parts[0]
        for p in parts[1:]:
            out = (out & p) if "all" in rule else (out | p)
        return out
    if "not" in rule:
        return ~_evaluate(rule["not"], features, pack, resolved)
    return _condition(rule, features, pack, resolved)


# ------------------------------------------------------------------------------------ audiences
@dataclass
class Audiences:
    """Result of :func:`build_audiences`.

    Attributes
    ----------
    members : pandas.DataFrame
        ``customer_id, pack``: one row per customer in a pack.
    sizes : pandas.DataFrame
        One row per evaluated pack: ``pack, description, customers, share_of_customers,
        value_measure, total_value, mean_value``.
    overlap : pandas.DataFrame
        Customers in both packs / customers in the row pack (diagonal 1; NaN for an empty row).
    overlap_counts : pandas.DataFrame
        Customers in both packs.
    skipped : pandas.DataFrame
        ``pack, feature, reason`` of packs not evaluated (``on_missing_feature="skip"``).
    packs : list of dict
        The checked pack definitions.
    as_of : datetime.date or None
    value_measure : str
        ``clv`` (12-month CLV) or ``spend_12m`` (trailing-12-month spend) or ``monetary_total``.
    customers : int
        Customers the rules were evaluated on.
    features : pandas.DataFrame
        The feature table the rules were evaluated on.
    notes : dict
        ``absent_features`` (feature → why it is missing) and ``purchase_model`` (model behind
        ``clv`` and ``probability_alive``, or None when they were not computed here).
    thresholds : pandas.DataFrame
        ``pack, feature, op, quantile, value, buyers``: each ``{quantile: q}`` of the spec and the
        number it resolved to on this data (``buyers`` = customers the quantile was taken over).
    """

    members: pd.DataFrame
    sizes: pd.DataFrame
    overlap: pd.DataFrame
    overlap_counts: pd.DataFrame
    skipped: pd.DataFrame
    packs: list
    as_of: _dt.date | None
    value_measure: str
    customers: int
    features: pd.DataFrame
    notes: dict = field(default_factory=dict)
    thresholds: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["pack", "feature", "op", "quantile", "value", "buyers"]))


def build_audiences(data_or_features, spec=None, on_missing_feature: str = "error", as_of=None,
                    purchase_model: str = "bgnbd") -> Audiences:
    """Evaluate the packs of ``spec`` on every customer.

    Parameters
    ----------
    data_or_features : Dataset or pandas.DataFrame
        A Dataset (features are built with :func:`customer_features`, using the spec's
        ``tier_thresholds``) or a ready feature table with ``customer_id`` (pandas or ibis).
    spec : str, Path, dict, list or None
        See :func:`load_audience_spec`; None = the example shipped with userops.
    on_missing_feature : {"error", "skip"}
        A rule using a known feature this data cannot provide (e.g. ``member_tier`` on an
        orders-only source): raise, or skip the pack and list it in ``skipped``. A name that is
        no feature at all always raises.
    as_of : str or date, optional
        Passed to :func:`customer_features` when a Dataset is given.
    purchase_model : {"bgnbd", "pnbd", "mbgnbd"}
        Passed to :func:`customer_features` when a Dataset is given: the model behind ``clv``.

    Returns
    -------
    Audiences

    Raises
    ------
    ParameterError
        Bad spec or rule; unknown feature; a value of the wrong type (e.g. text compared with
        ``>=``). Messages name the pack and the feature.
    """
    if on_missing_feature not in ("error", "skip"):
        raise ParameterError(f"on_missing_feature must be 'error' or 'skip', got {on_missing_feature!r}")
    parsed = load_audience_spec(spec)
    if isinstance(data_or_features, (pd.DataFrame, ibis.Table)):
        features = data_or_features if isinstance(data_or_features, pd.DataFrame) else engine.execute(data_or_features)
        if "customer_id" not in features.columns:
            raise ParameterError("build_audiences: the feature table needs a 'customer_id' column")
    else:
        features = customer_features(data_or_features, as_of=as_of, tier_thresholds=parsed["tier_thresholds"],
                                     purchase_model=purchase_model)
    absent = features.attrs.get("absent", {})
    members, skipped, evaluated, resolved = [], [], [], []
    for pack in parsed["packs"]:
        missing = [f for f in dict.fromkeys(_features_of(pack["rule"])) if f not in features.columns]
        if missing:
            skipped.append(_missing(pack["name"], missing[0], absent, on_missing_feature))
            continue
        hit = _evaluate(pack["rule"], features, pack["name"], resolved).fillna(False).to_numpy(dtype=bool)
        members.append(pd.DataFrame({"customer_id": features["customer_id"].to_numpy()[hit], "pack": pack["name"]}))
        evaluated.append(pack)
    members = (pd.concat(members, ignore_index=True) if members
               else pd.DataFrame({"customer_id": pd.Series(dtype=str), "pack": pd.Series(dtype=str)}))
    out = _assemble(members, evaluated, skipped, features, parsed["packs"])
    out.thresholds = pd.DataFrame(resolved, columns=["pack", "feature", "op", "quantile", "value", "buyers"])
    return out


def _missing(pack: str, feature: str, absent: dict, mode: str) -> dict:
    if feature not in FEATURES:
        raise ParameterError(f"pack {pack!r}: unknown feature {feature!r}; known features: {sorted(FEATURES)}")
    reason = f"needs {absent.get(feature, FEATURES[feature])}, which this data does not provide"
    if mode == "error":
        raise ParameterError(f"pack {pack!r}: feature {feature!r} is not available: {reason}")
    return {"pack": pack, "feature": feature, "reason": reason}


def _value_measure(features: pd.DataFrame) -> str:
    for col in ("clv", "spend_12m", "monetary_total"):
        if col in features.columns:
            return col
    return ""


def _assemble(members, evaluated, skipped, features, packs) -> Audiences:
    names = [p["name"] for p in evaluated]
    measure = _value_measure(features)
    sizes = members.groupby("pack").size().reindex(names, fill_value=0)
    table = pd.DataFrame({"pack": names, "description": [p["description"] for p in evaluated],
                          "customers": sizes.to_numpy().astype(int)})
    table["share_of_customers"] = table["customers"] / len(features) if len(features) else np.nan
    if measure:
        value = members.merge(features[["customer_id", measure]], on="customer_id", how="left")
        agg = value.groupby("pack")[measure].agg(["sum", "mean"]).reindex(names)
        table["value_measure"] = measure
        table["total_value"] = agg["sum"].fillna(0.0).to_numpy()
        table["mean_value"] = agg["mean"].to_numpy()
    counts, shares = _overlap(members, names)
    skipped = pd.DataFrame(skipped, columns=["pack", "feature", "reason"])
    as_of = features.attrs.get("as_of")
    return Audiences(members, table, shares, counts, skipped, packs, as_of, measure, len(features), features,
                     {"absent_features": features.attrs.get("absent", {}),
                      "purchase_model": features.attrs.get("purchase_model")})


def _overlap(members: pd.DataFrame, names: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customers in both packs, and that count over the row pack's size."""
    # a sparse customer x pack membership matrix M; M'M counts the customers of each pair of packs.
    # (pd.crosstab aggregated a million customers in Python: seconds, and a dense matrix.)
    pairs = members[members["pack"].isin(names)].drop_duplicates(["customer_id", "pack"])
    who = pd.factorize(pairs["customer_id"])[0]
    which = pd.Categorical(pairs["pack"], categories=names).codes
    flags = sparse.csr_matrix((np.ones(len(pairs), dtype=np.int64), (who, which)),
                              shape=(who.max() + 1 if len(who) else 0, len(names)))
    counts = pd.DataFrame((flags.T @ flags).toarray(), index=names, columns=names).astype(int)
    counts.index.name, counts.columns.name = "pack", "also_in"
    size = pd.Series(np.diag(counts), index=names)
    shares = counts.div(size.where(size > 0), axis=0)
    return counts, shares


# -------------------------------------------------------------------------------------- profile
#: Attributes :func:`pack_profile` describes by default, when the feature table has them.
PROFILE_ATTRIBUTES = ("channel", "city", "member_tier", "age_band", "gender", "rfm_segment", "lifecycle_stage",
                      "last_category")


def pack_profile(audiences: Audiences, by=None) -> pd.DataFrame:
    """Who is in each pack: the share of each attribute value, against all customers.

    Parameters
    ----------
    audiences : Audiences
        Output of :func:`build_audiences`.
    by : list of str, optional
        Text features to describe; default those of ``PROFILE_ATTRIBUTES`` the feature table has.

    Returns
    -------
    pandas.DataFrame
        ``pack, attribute, value, customers, share`` (of the pack's customers), ``base_share``
        (of all customers the rules were evaluated on), ``lift`` (share / base_share). A missing
        attribute is the value ``"unknown"``. Sorted by pack (spec order), attribute, then
        customers (largest first); empty packs have no rows.

    Raises
    ------
    ParameterError
        A feature of ``by`` that the feature table does not have.
    """
    f = audiences.features
    by = [c for c in PROFILE_ATTRIBUTES if c in f.columns] if by is None else list(by)
    missing = [c for c in by if c not in f.columns]
    if missing:
        raise ParameterError(f"pack_profile: features {missing} are not in the feature table ({list(f.columns)})")
    cols = ["pack", "attribute", "value", "customers", "share", "base_share", "lift"]
    if not by or audiences.members.empty:
        return pd.DataFrame(columns=cols)
    members = audiences.members
    row = pd.Index(f["customer_id"]).get_indexer(members["customer_id"])  # each member's row in f
    members, row = members[row >= 0], row[row >= 0]
    # per attribute, whole-column array work on integer codes: melting a million customers times
    # eight attributes into strings took seconds
    out = pd.concat([_attribute_counts(f[a], a, members["pack"].to_numpy(), row) for a in by], ignore_index=True)
    out["share"] = out["customers"] / out["pack"].map(members.groupby("pack").size())
    out["lift"] = out["share"] / out["base_share"]
    order = {name: i for i, name in enumerate(audiences.sizes["pack"])}
    out = out.assign(_p=out["pack"].map(order), _a=out["attribute"].map({a: i for i, a in enumerate(by)}))
    return out.sort_values(["_p", "_a", "customers", "value"], ascending=[True, True, False, True],
                           ignore_index=True)[cols]


def _attribute_counts(column: pd.Series, attribute: str, packs: np.ndarray, row: np.ndarray) -> pd.DataFrame:
    """``pack, attribute, value, customers, base_share`` of one attribute; missing values are "unknown"."""
    codes, labels = pd.factorize(column)
    labels = [str(v) for v in labels]
    unknown = labels.index("unknown") if "unknown" in labels else len(labels)  # the data's own "unknown" is one value
    labels = np.array(labels + ["unknown"] * (unknown == len(labels)), dtype=object)
    codes = np.where(codes < 0, unknown, codes)
    base = np.bincount(codes, minlength=len(labels)) / len(column)
    counts = pd.DataFrame({"pack": packs, "_v": codes[row]}).groupby(["pack", "_v"]).size()
    counts = counts.rename("customers").reset_index()
    return pd.DataFrame({"pack": counts["pack"], "attribute": attribute, "value": labels[counts["_v"]],
                         "customers": counts["customers"], "base_share": base[counts["_v"]]})


_MONEY_FEATURES = ("monetary_total", "aov", "spend_12m", "spend_prev_12m", "spend_to_next_tier", "clv")


def small_packs(audiences: Audiences, minimum: int = SMALL_PACK) -> pd.DataFrame:
    """Why a pack is empty or small: how many customers each of its conditions holds for alone.

    Parameters
    ----------
    audiences : Audiences
        Output of :func:`build_audiences`.
    minimum : int
        Packs with fewer customers than this are listed (default :data:`SMALL_PACK`).

    Returns
    -------
    pandas.DataFrame
        One row per condition of each small pack: ``pack, customers`` (in the pack),
        ``condition`` (``"feature op value"``), ``condition_customers`` (customers the condition
        alone is true for), ``fixed_amount`` (True for a plain number on a money feature, which
        does not scale with the shop; ``{quantile: q}`` does). Sorted by pack (spec order), then
        the tightest condition first.
    """
    cols = ["pack", "customers", "condition", "condition_customers", "fixed_amount"]
    rules = {p["name"]: p["rule"] for p in audiences.packs}
    rows = []
    for pack, n in audiences.sizes[["pack", "customers"]].itertuples(index=False):
        if n >= minimum:
            continue
        for cond in _conditions(rules[pack]):
            hit = _condition(cond, audiences.features, pack, []).fillna(False).to_numpy(dtype=bool)
            fixed = cond["feature"] in _MONEY_FEATURES and not _has_quantile(cond["value"])
            text = f"{cond['feature']} {cond['op']} {_value_text(cond['value'])}"
            rows.append([pack, int(n), text, int(hit.sum()), fixed])
    out = pd.DataFrame(rows, columns=cols)
    order = out["pack"].map({p: i for i, p in enumerate(audiences.sizes["pack"])})
    return out.assign(_p=order).sort_values(["_p", "condition_customers"], kind="stable",
                                            ignore_index=True)[cols]


def _value_text(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_value_text(v) for v in value) + "]"
    return f"quantile {value['quantile']:g} of buyers" if isinstance(value, dict) else str(value)


def _conditions(rule) -> list[dict]:
    if "all" in rule or "any" in rule:
        return [c for sub in rule.get("all", rule.get("any")) for c in _conditions(sub)]
    if "not" in rule:
        return _conditions(rule["not"])
    return [rule]


def _has_quantile(value) -> bool:
    return isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict) for v in value))


# --------------------------------------------------------------------------------------- export
def export_audiences(audiences: Audiences, folder, fmt: str = "csv", salt: str | None = None, raw_ids: bool = False,
                     as_of=None) -> Path:
    """Write one file per pack and a ``manifest.json``.

    Parameters
    ----------
    audiences : Audiences
        Output of :func:`build_audiences`.
    folder : str or Path
        Created if needed; files ``<pack>.csv`` / ``<pack>.parquet`` are overwritten.
    fmt : {"csv", "parquet"}
    salt : str, optional
        Key of the id hash (:func:`userops_lib.data.ids.keyed_hash`); default the environment
        variable ``USEROPS_ID_SALT``.
    raw_ids : bool
        Write the raw ``customer_id`` instead of the hash (for a trusted destination only).
    as_of : str or date, optional
        Data as-of date recorded in the manifest (default: the audiences' as-of date).

    Returns
    -------
    pathlib.Path
        Path of ``manifest.json``. Each file has one column: ``customer_id_hmac_sha256`` (hashed)
        or ``customer_id`` (raw). The manifest records per pack its rule, description, size and
        file, plus ``created_at`` (UTC), ``data_as_of``, ``id_hashing`` (method and where the
        key came from; never the key), the skipped packs and ``resolved_thresholds`` (the
        number each ``{quantile: q}`` resolved to).

    Raises
    ------
    ParameterError
        Unknown format, or ids to hash and no salt given nor in ``USEROPS_ID_SALT``.
    """
    if fmt not in ("csv", "parquet"):
        raise ParameterError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
    if raw_ids:
        hashing = {"method": "none: raw customer ids (raw_ids=True)"}
    else:
        salt, source = export_key(salt, "export_audiences: hashing customer ids")
        hashing = {"method": "HMAC-SHA256(key, customer_id), hex", "key_source": source}
    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    rules = {p["name"]: p for p in audiences.packs}
    written = []
    for pack in audiences.sizes["pack"]:
        ids = audiences.members.loc[audiences.members["pack"] == pack, "customer_id"].astype(str).tolist()
        frame = (pd.DataFrame({"customer_id": ids}) if raw_ids
                 else pd.DataFrame({HASHED_ID_COLUMN: hash_ids(ids, salt)}))
        path = folder / f"{pack}.{fmt}"
        frame.to_csv(path, index=False) if fmt == "csv" else frame.to_parquet(path, index=False)
        written.append({"name": pack, "description": rules[pack]["description"], "rule": rules[pack]["rule"],
                        "size": len(ids), "file": path.name})
    as_of = as_of if as_of is not None else audiences.as_of
    manifest = {
        "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "data_as_of": None if as_of is None else pd.Timestamp(as_of).date().isoformat(),
        "id_hashing": hashing, "format": fmt, "packs": written,
        "skipped": audiences.skipped.to_dict("records"),
        "resolved_thresholds": audiences.thresholds.to_dict("records"),
    }
    out = folder / "manifest.json"
    out.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return out


