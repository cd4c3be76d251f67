"""Campaign results: did the people a campaign reached buy more than comparable people it did not?

Two designs, chosen per campaign and written in the ``design`` column:

* **randomised control** — ``campaign_assignments`` holds a control group for the campaign:
  treatment and control were drawn at random, so the difference between them is the campaign's
  effect (uplift), up to sampling noise shown by the confidence intervals;
* **participants vs non-participants (NOT causal)** — no control group: participants are customers
  with an order attributed to the campaign (``orders.campaign_id``; the assigned treatment group
  when orders carry no campaign id), compared with the other customers who ordered in the
  ``lookback_days`` before the start. Participants chose to take part, so the difference mixes the
  campaign's effect with who they are; it is not an uplift and the report must say so.

Outcomes are measured in the campaign window, ``start`` to ``end`` inclusive (local dates): a group
member *converts* with any order in the window; *GMV per user* is the window GMV divided by the
group size (members without an order count as 0).

Statistics: the conversion uplift's interval is the normal (Wald) approximation for a difference
of two independent proportions, unpooled; the GMV-per-user interval is Welch's t interval (unequal
variances). Incremental GMV = GMV-per-user uplift × treatment size; ROI = (incremental GMV − cost)
/ cost, i.e. ROI = (GMV-per-user uplift × treatment size − cost) / cost. ROI is linear in the
GMV-per-user uplift, so its 95% range (``roi_low``/``roi_high``) is that formula applied to the
ends of the uplift's Welch interval.

Without a control group only the plain comparison is returned (rates, GMV per user and their
differences, labelled descriptive): the intervals, incremental GMV and ROI are left empty, since
they would present a selection effect as a campaign effect.
"""

from __future__ import annotations


import ibis
import numpy as np
import pandas as pd
from scipy import stats

from ..data import engine, inputs
from ..exceptions import ParameterError

__all__ = ["campaign_results", "RANDOMISED", "NOT_CAUSAL"]

RANDOMISED = "randomised control"
NOT_CAUSAL = "participants vs non-participants (NOT causal)"
_GROUPS = ("treatment", "control")


# ------------------------------------------------------------------------------------ inputs


def _tables(data) -> dict[str, ibis.Table]:
    """``orders``, ``campaigns`` and (if present) ``campaign_assignments`` of any input
    :func:`~userops_lib.data.inputs.dataset_of` accepts (a Dataset or a dict of tables)."""
    data = inputs.dataset_of(data, "campaigns")
    out = {n: data.table(n, needed_for="Campaign results") for n in ("orders", "campaigns")}
    if data.has("campaign_assignments"):
        out["campaign_assignments"] = data.table("campaign_assignments")
    o = out["orders"]
    out["orders"] = o.mutate(customer_id=o.customer_id.cast("string"))
    return out


def _campaign_list(campaigns: ibis.Table, campaign_ids) -> pd.DataFrame:
    """Campaign rows (small) with ``start``/``end`` as dates and ``name``/``cost`` filled in."""
    c = engine.execute(campaigns)
    c["campaign_id"] = c["campaign_id"].astype(str)
    if campaign_ids is not None:
        wanted = [str(x) for x in ([campaign_ids] if isinstance(campaign_ids, str) else campaign_ids)]
        unknown = sorted(set(wanted) - set(c["campaign_id"]))
        if unknown:
            raise ParameterError(f"campaign_ids {unknown} are not in the campaigns table "
                                 f"({len(c)} campaigns: {', '.join(c['campaign_id'].head(10))}...)")
        c = c[c["campaign_id"].isin(wanted)]
    for col in ("start", "end"):
        c[col] = pd.to_datetime(c[col]).dt.date if col in c.columns else None
    c["name"] = c["name"] if "name" in c.columns else c["campaign_id"]
    c["cost"] = c["cost"].astype("float64") if "cost" in c.columns else np.nan
    return c[["campaign_id", "name", "start", "end", "cost"]].reset_index(drop=True)


# ------------------------------------------------------------------------------------ groups
def _randomised_groups(assignments: ibis.Table | None, ids: list[str]) -> tuple[ibis.Table | None, pd.DataFrame]:
    """Assigned members of campaigns with a control group, minus customers in both groups, and counts."""
    empty = pd.DataFrame({"campaign_id": pd.Series(dtype=str), "has_control": pd.Series(dtype=bool),
                          "in_both_groups": pd.Series(dtype="int64"), "unknown_group": pd.Series(dtype="int64")})
    if assignments is None:
        return None, empty
    a = assignments.select(campaign_id=assignments.campaign_id.cast("string"),
                           customer_id=assignments.customer_id.cast("string"),
                           group=engine.trim(assignments["group"].cast("string")).lower())
    a = a.filter(a.campaign_id.isin(ids))
    per = a.group_by(["campaign_id", "customer_id"]).agg(
        n_treat=(a.group == "treatment").sum(), n_ctrl=(a.group == "control").sum(),
        n_other=(~a.group.isin(_GROUPS)).fill_null(True).sum())
    counts = engine.execute(per.group_by("campaign_id").agg(
        has_control=(per.n_ctrl > 0).any(), in_both_groups=((per.n_treat > 0) & (per.n_ctrl > 0)).sum(),
        unknown_group=(per.n_other > 0).sum()))
    clean = per.filter((per.n_treat > 0) != (per.n_ctrl > 0))
    members = clean.select("campaign_id", "customer_id",
                           group=ibis.ifelse(clean.n_treat > 0, "treatment", "control"))
    return members, counts if len(counts) else empty


def _observational_groups(orders: ibis.Table, assignments: ibis.Table | None, windows: ibis.Table,
                          lookback_days: int) -> ibis.Table:
    """Participants (attributed orders, else assigned treatment) and customers active before the start."""
    if "campaign_id" in orders.columns:
        src = orders.select(campaign_id=orders.campaign_id.cast("string"), customer_id=orders.customer_id)
    elif assignments is not None:
        src = assignments.filter(engine.trim(assignments["group"].cast("string")).lower() == "treatment")
        src = src.select(campaign_id=src.campaign_id.cast("string"), customer_id=src.customer_id.cast("string"))
    else:
        src = orders.select(campaign_id=ibis.null("string"), customer_id=orders.customer_id).limit(0)
    participants = src.semi_join(windows, src.campaign_id == windows.campaign_id).distinct()
    o = orders.select("customer_id", "order_date")  # orders.campaign_id would shadow the window's
    j = o.join(windows, [o.order_date < windows.start,
                         o.order_date >= windows.start.sub(ibis.interval(days=lookback_days))])
    active = j.select(campaign_id=j.campaign_id, customer_id=j.customer_id).distinct()
    comparison = active.anti_join(participants, [active.campaign_id == participants.campaign_id,
                                                 active.customer_id == participants.customer_id])
    return ibis.union(participants.mutate(group=ibis.literal("treatment")),
                      comparison.mutate(group=ibis.literal("control")))


def _group_outcomes(members: ibis.Table, orders: ibis.Table, windows: ibis.Table) -> pd.DataFrame:
    """Per campaign and group: size, converters, mean and sample variance of window GMV per member."""
    m = members.join(windows, "campaign_id")
    o = orders.select(o_customer=orders.customer_id, order_date=orders.order_date, amount=orders.amount)
    j = m.left_join(o, [m.customer_id == o.o_customer, o.order_date >= m.start, o.order_date <= m.end])
    per = j.group_by(["campaign_id", "customer_id", "group"]).agg(
        gmv=j.amount.sum().fill_null(0.0), window_orders=j.o_customer.count())
    return engine.execute(per.group_by(["campaign_id", "group"]).agg(
        n=per.count(), converters=(per.window_orders > 0).sum(), gmv_mean=per.gmv.mean(),
        gmv_var=per.gmv.var(how="sample")))


# ------------------------------------------------------------------------------------ statistics
def _proportion_diff(x_t, n_t, x_c, n_c, z):
    """Difference of proportions and its unpooled normal-approximation interval."""
    p_t, p_c = x_t / n_t, x_c / n_c
    se = np.sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c)
    return p_t - p_c, p_t - p_c - z * se, p_t - p_c + z * se


def _welch_diff(m_t, v_t, n_t, m_c, v_c, n_c, confidence):
    """Difference of means and Welch's t interval (NaN when a group has fewer than 2 members)."""
    diff = m_t - m_c
    if n_t < 2 or n_c < 2:
        return diff, np.nan, np.nan
    a, b = v_t / n_t, v_c / n_c
    se = np.sqrt(a + b)
    if se == 0:
        return diff, diff, diff
    df = (a + b) ** 2 / (a**2 / (n_t - 1) + b**2 / (n_c - 1))
    t = stats.t.ppf(0.5 + confidence / 2, df)
    return diff, diff - t * se, diff + t * se


def _result_row(camp: pd.Series, g: pd.DataFrame, confidence: float) -> dict:
    z = stats.norm.ppf(0.5 + confidence / 2)
    row = {"n_treatment": 0, "n_control": 0}
    if "treatment" in g.index:
        t = g.loc["treatment"]
        row.update(n_treatment=int(t.n), conversion_treatment=t.converters / t.n, gmv_per_user_treatment=t.gmv_mean)
    if "control" in g.index:
        c = g.loc["control"]
        row.update(n_control=int(c.n), conversion_control=c.converters / c.n, gmv_per_user_control=c.gmv_mean)
    if row["n_treatment"] and row["n_control"]:
        t, c = g.loc["treatment"], g.loc["control"]
        d, lo, hi = _proportion_diff(t.converters, t.n, c.converters, c.n, z)
        row.update(conversion_uplift=d, conversion_uplift_low=lo, conversion_uplift_high=hi)
        d, lo, hi = _welch_diff(t.gmv_mean, t.gmv_var, t.n, c.gmv_mean, c.gmv_var, c.n, confidence)
        row.update(gmv_uplift=d, gmv_uplift_low=lo, gmv_uplift_high=hi, incremental_gmv=d * t.n)
        if camp.cost and camp.cost > 0:
            roi = lambda uplift: (uplift * t.n - camp.cost) / camp.cost
            row.update(roi=roi(d), roi_low=roi(lo), roi_high=roi(hi))
    if camp.design != RANDOMISED:  # a selection effect, not an uplift: keep only the plain comparison
        for col in _CAUSAL_ONLY:
            row.pop(col, None)
    return row


#: Columns left empty for campaigns without a control group (not causal).
_CAUSAL_ONLY = ("conversion_uplift_low", "conversion_uplift_high", "gmv_uplift_low", "gmv_uplift_high",
                "incremental_gmv", "roi", "roi_low", "roi_high")


_COLUMNS = ["campaign_id", "name", "start", "end", "design", "n_treatment", "n_control", "conversion_treatment",
            "conversion_control", "conversion_uplift", "conversion_uplift_low", "conversion_uplift_high",
            "gmv_per_user_treatment", "gmv_per_user_control", "gmv_uplift", "gmv_uplift_low", "gmv_uplift_high",
            "incremental_gmv", "cost", "roi", "roi_low", "roi_high", "excluded_in_both_groups", "excluded_unknown_group",
            "note"]


def campaign_results(data, campaign_ids=None, confidence: float = 0.95, *, lookback_days: int = 90) -> pd.DataFrame:
    """Results of each campaign: conversion and GMV per user of the reached vs a comparison group.

    Parameters
    ----------
    data : Dataset or mapping
        Needs ``orders`` and ``campaigns`` (with ``start`` and ``end``); ``campaign_assignments``
        gives randomised control groups, ``orders.campaign_id`` the participants otherwise.
    campaign_ids : str or list of str, optional
        Campaigns to evaluate; all by default.
    confidence : float
        Confidence level of the intervals (0.95 = 95%).
    lookback_days : int
        Without a control group, the comparison group is the non-participants who ordered in the
        ``lookback_days`` days before the start.

    Returns
    -------
    pandas.DataFrame
        One row per campaign: ``campaign_id``, ``name``, ``start``, ``end``, ``design`` (see module
        docs), ``n_treatment``, ``n_control``, ``conversion_treatment``, ``conversion_control``,
        ``conversion_uplift`` with ``_low``/``_high`` (normal approximation), ``gmv_per_user_treatment``,
        ``gmv_per_user_control``, ``gmv_uplift`` with ``_low``/``_high`` (Welch), ``incremental_gmv``,
        ``cost``, ``roi`` = (``gmv_uplift`` × ``n_treatment`` − ``cost``) / ``cost`` with ``roi_low``/
        ``roi_high`` (the same formula at the ends of the GMV-uplift interval; NaN without a positive
        cost). For campaigns without a control group (``design`` = NOT causal) the intervals,
        ``incremental_gmv`` and the ROI columns are NaN: ``conversion_uplift`` and ``gmv_uplift``
        are then plain participant − non-participant differences. ``excluded_in_both_groups`` and
        ``excluded_unknown_group`` (assignment rows left out), ``note`` (why a row has no result).
    """
    if not 0 < confidence < 1:
        raise ParameterError(f"confidence must be between 0 and 1 (e.g. 0.95), got {confidence!r}")
    if not isinstance(lookback_days, (int, np.integer)) or lookback_days < 1:
        raise ParameterError(f"lookback_days must be a positive whole number, got {lookback_days!r}")
    t = _tables(data)
    camps = _campaign_list(t["campaigns"], campaign_ids)
    if camps.empty:
        return pd.DataFrame(columns=_COLUMNS)
    no_window = camps["start"].isna() | camps["end"].isna()
    assignments = t.get("campaign_assignments")
    members, counts = _randomised_groups(assignments, camps["campaign_id"].tolist())
    counts = counts.set_index("campaign_id")
    randomised = camps["campaign_id"].map(counts["has_control"]).fillna(False).astype(bool)
    camps["design"] = np.where(randomised, RANDOMISED, NOT_CAUSAL)

    ok = camps[~no_window]
    windows = ibis.memtable(ok[["campaign_id", "start", "end"]],
                            schema={"campaign_id": "string", "start": "date", "end": "date"})
    parts = []
    if randomised[~no_window].any():
        parts.append(members.semi_join(windows, "campaign_id").filter(
            members.campaign_id.isin(ok.loc[randomised[~no_window], "campaign_id"].tolist())))
    observational = ok.loc[~randomised[~no_window], "campaign_id"].tolist()
    if observational:
        obs_windows = windows.filter(windows.campaign_id.isin(observational))
        parts.append(_observational_groups(t["orders"], assignments, obs_windows, lookback_days))
    outcomes = (_group_outcomes(ibis.union(*parts) if len(parts) > 1 else parts[0], t["orders"], windows)
                if parts else pd.DataFrame(columns=["campaign_id", "group"]))

    rows = []
    for camp in camps.itertuples(index=False):  # one row per campaign: a handful, not per customer
        g = outcomes[outcomes["campaign_id"] == camp.campaign_id].set_index("group")
        row = {"campaign_id": camp.campaign_id, "name": camp.name, "start": camp.start, "end": camp.end,
               "design": camp.design, "cost": camp.cost, "n_treatment": 0, "n_control": 0,
               "excluded_in_both_groups": int(counts["in_both_groups"].get(camp.campaign_id, 0)),
               "excluded_unknown_group": int(counts["unknown_group"].get(camp.campaign_id, 0)), "note": ""}
        if pd.isna(camp.start) or pd.isna(camp.end):
            row["note"] = "no start/end date in the campaigns table: no window to measure"
        else:
            row.update(_result_row(pd.Series(camp._asdict()), g, confidence))
            if not row["n_treatment"] or not row["n_control"]:
                row["note"] = "no participants" if not row["n_treatment"] else "no comparison group"
        rows.append(row)
    out = pd.DataFrame(rows).reindex(columns=_COLUMNS)
    out.attrs.update(confidence=confidence, lookback_days=lookback_days)
    return out
