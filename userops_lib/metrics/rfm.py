"""RFM scoring and segments: the Chinese eight-class model, the classic named segments, or a
rule table of your own.

The three measures, per customer, at the as-of date:

* ``recency_days`` (R): days from the last purchase day to the as-of date (lower is better);
* ``frequency_days`` (F): number of purchase days (local dates with an order; same-day orders
  count once, as in :func:`userops_lib.clv.summary.rfm_summary`, where F = ``frequency`` + 1);
* ``monetary_total`` (M, default) or ``monetary_mean`` (spend per purchase day).

Scoring rules
-------------
``cn8`` (Chinese eight classes): each measure is *high* (1) or *low* (0) against a cut (the mean,
the median, or a given threshold). High means strictly better than the cut: R high when
``recency_days < cut`` (bought recently), F and M high when the value is ``> cut``. The code
``R F M`` maps to the class: 111 重要价值, 101 重要发展, 011 重要保持, 001 重要挽留, 110 一般价值,
100 一般发展, 010 一般保持, 000 一般挽留.

Scores 1..n (``classic`` and custom rule tables): with ``cut="quantile"`` a customer's score is
``ceil(n * rank / N)`` where ``rank`` is the *minimum* rank of their value among the N customers
(ties share the lowest rank; for R the ranking runs from the oldest to the most recent purchase,
so recent buyers score high). The score depends only on the value, never on row order, and
identical customers always get identical scores; when most customers bought once they all get
F = 1 (``pandas.qcut`` would fail or drop bins here). With a thresholds dict, scores come from
fixed edges closed on the right: F/M score ``1 + #(edges < value)``, R score
``n - #(edges < days)``. A warning is raised when a measure ends up with fewer distinct scores
(or classes) than asked.

Rule tables are read top to bottom and the first matching row wins; customers no row matches are
put in ``"Other"`` and counted in ``attrs["unmatched"]``.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from ..data import engine
from ..data.periods import parse_date
from ..exceptions import ContractError, ParameterError
from ..data.yamlfile import read_yaml
from ..results import Facts, attach

__all__ = [
    "CN8_SEGMENTS",
    "CLASSIC_RULES",
    "rfm_table",
    "rfm_scores",
    "rfm_segments",
    "segment_profile",
    "RfmSegmentsFacts",
    "SegmentProfileFacts",
    "rule_table",
    "classic_rule_grid",
]

#: cn8 code (R F M, 1 = high) -> (class, English name, suggested action, revenue at risk?)
CN8_SEGMENTS: dict[str, tuple[str, str, str, bool]] = {
    "111": ("重要价值客户", "Important value", "Keep delighted: VIP service, early access, no discounting needed", False),
    "101": ("重要发展客户", "Important development", "Raise frequency: membership, subscriptions, repurchase reminders", False),
    "011": ("重要保持客户", "Important retention", "Win back personally: call or message them one by one with a tailored offer", True),
    "001": ("重要挽留客户", "Important win-back", "Win back: find out why they left, targeted high-value offer", True),
    "110": ("一般价值客户", "General value", "Grow basket: bundles and cross-sell to lift spend", False),
    "100": ("一般发展客户", "General development", "Convert to repeat: second-purchase coupon and onboarding", False),
    "010": ("一般保持客户", "General retention", "Keep in touch: low-cost reminders, new arrivals", True),
    "000": ("一般挽留客户", "General win-back", "Low priority: cheap automated win-back or let go", False),
}

#: Classic named segments on R and FM scores (FM = round-half-up mean of F and M scores):
#: (segment, R range, FM range, suggested action, revenue at risk?). The ranges partition the
#: 5 x 5 grid of R and FM, so every combination of R, F and M scores gets exactly one segment.
CLASSIC_RULES: list[tuple[str, tuple[int, int], tuple[int, int], str, bool]] = [
    ("Champions", (5, 5), (4, 5), "Reward; ask for reviews and referrals; early access", False),
    ("Loyal Customers", (3, 4), (4, 5), "Upsell higher-value products; loyalty programme", False),
    ("Potential Loyalist", (4, 5), (2, 3), "Membership offer, personal recommendations", False),
    ("New Customers", (5, 5), (1, 1), "Onboarding; make the second purchase easy", False),
    ("Promising", (4, 4), (1, 1), "Brand awareness; small second-purchase incentive", False),
    ("Need Attention", (3, 3), (3, 3), "Limited-time offer based on past purchases", False),
    ("About To Sleep", (3, 3), (1, 2), "Share popular products; reactivation discount", False),
    ("At Risk", (1, 2), (3, 4), "Personal re-engagement emails; renewal offers", True),
    ("Can't Lose Them", (1, 2), (5, 5), "Win back with new products or best offers; talk to them", True),
    ("Hibernating", (2, 2), (1, 2), "Relevant offers; rebuild brand value at low cost", False),
    ("Lost", (1, 1), (1, 2), "Ignore or cheap automated revival campaign", False),
]

_RULE_COLUMNS = ["segment", "r_min", "r_max", "f_min", "f_max", "m_min", "m_max", "fm_min", "fm_max",
                 "action", "at_risk"]
_SHORT = {"R": "recency_days", "F": "frequency_days", "M": "monetary"}


# ----------------------------------------------------------------------------- per-customer RFM
def rfm_table(summary_or_orders, as_of=None) -> pd.DataFrame:
    """Per-customer ``recency_days``, ``frequency_days``, ``monetary_total``, ``monetary_mean``.

    Parameters
    ----------
    summary_or_orders : Dataset, ibis.Table or pandas.DataFrame
        Clean orders (aggregated in the engine by :func:`userops_lib.clv.summary.rfm_summary`), or an
        ``rfm_summary`` frame (``customer_id, frequency, total_amount, last_purchase`` or ``T`` and
        ``recency`` in days), or a frame that already has the four measures.
    as_of : str or date, optional
        Date recency is measured to. Default: the Dataset's as-of date, the summary's
        ``observation_end``, or the last order date.

    Returns
    -------
    pandas.DataFrame
        ``customer_id, recency_days, frequency_days, monetary_total, monetary_mean,
        one_time_buyer``; ``attrs["as_of"]``.
    """
    src = summary_or_orders
    if isinstance(src, pd.DataFrame) and {"recency_days", "frequency_days", "monetary_total"} <= set(src.columns):
        out = src.copy()
        as_of = parse_date(as_of, "as_of") if as_of is not None else src.attrs.get("as_of")
    elif isinstance(src, pd.DataFrame) and {"frequency", "total_amount"} <= set(src.columns):
        out, as_of = _from_summary(src, as_of)
    else:
        out, as_of = _from_orders(src, as_of)
    out = out.copy()
    out["frequency_days"] = out["frequency_days"].astype("int64")
    if "monetary_mean" not in out.columns:
        out["monetary_mean"] = out["monetary_total"] / out["frequency_days"]
    out["one_time_buyer"] = out["frequency_days"] == 1
    cols = ["customer_id", "recency_days", "frequency_days", "monetary_total", "monetary_mean", "one_time_buyer"]
    out = out[cols].reset_index(drop=True)
    out.attrs["as_of"] = as_of
    return out


def _from_summary(summary: pd.DataFrame, as_of) -> tuple[pd.DataFrame, _dt.date | None]:
    end = parse_date(as_of, "as_of") if as_of is not None else summary.attrs.get("observation_end")
    out = pd.DataFrame({"customer_id": summary["customer_id"].astype(str),
                        "frequency_days": summary["frequency"] + 1,
                        "monetary_total": summary["total_amount"].astype(float)})
    if "last_purchase" in summary.columns and end is not None:
        last = pd.to_datetime(summary["last_purchase"])
        out["recency_days"] = (pd.Timestamp(end) - last).dt.days
    elif {"T", "recency"} <= set(summary.columns) and summary.attrs.get("time_unit", "D") == "D" and as_of is None:
        out["recency_days"] = (summary["T"] - summary["recency"]).round().astype("int64")
    else:
        raise ContractError("rfm_summary", "last_purchase", "needed with an observation end (as_of) to compute "
                            "days since the last purchase (or T and recency in days)", len(summary))
    return out, end


def _from_orders(orders, as_of) -> tuple[pd.DataFrame, _dt.date]:
    from .conversion import _orders_input
    from ..clv.summary import rfm_summary

    table, end, _ = _orders_input(orders, as_of, "RFM segments")
    summary = rfm_summary(table, observation_end=end)
    return _from_summary(summary, end)


# ------------------------------------------------------------------------------------- scoring
def _quantile_score(values: pd.Series, n: int, higher_is_better: bool) -> pd.Series:
    """``ceil(n * min_rank / N)``: ties share the lowest rank, so the score depends on the value only."""
    if values.isna().any():
        raise ContractError("rfm", values.name, "missing values cannot be scored", int(values.isna().sum()))
    rank = values.rank(method="min", ascending=higher_is_better).astype("int64")
    total = len(values)
    return ((n * rank + total - 1) // total).astype("int64")


def _threshold_score(values: pd.Series, edges, n: int, higher_is_better: bool, name: str) -> pd.Series:
    edges = np.asarray(edges, dtype=float)
    if edges.ndim != 1 or len(edges) != n - 1 or np.any(np.diff(edges) <= 0):
        raise ParameterError(f"cut[{name!r}]={list(edges)!r}: give {n - 1} strictly increasing edges for "
                             f"n_scores={n}")
    below = np.searchsorted(edges, values.to_numpy(dtype=float), side="left")
    return pd.Series(1 + below if higher_is_better else n - below, index=values.index, dtype="int64")


def _cut_value(cut, measure: str):
    """Threshold for ``measure`` from a thresholds dict (keys: column names or R/F/M)."""
    for key, value in cut.items():
        if key == measure or _SHORT.get(str(key).upper()) == measure or (
                _SHORT.get(str(key).upper()) == "monetary" and measure.startswith("monetary")):
            return value
    raise ParameterError(f"cut has no threshold for {measure!r}; give keys R, F and M (or the column names), "
                         f"got {sorted(map(str, cut))}")


def rfm_scores(rfm: pd.DataFrame, cut="quantile", monetary: str = "total", n_scores: int = 5) -> pd.DataFrame:
    """Add ``r_score``, ``f_score``, ``m_score`` (1..n, higher is better) to an :func:`rfm_table`.

    ``cut`` is ``"quantile"`` (rank-based scores, see the module notes), or a dict of
    ``n_scores - 1`` increasing edges per measure (keys ``R``/``F``/``M`` or column names).
    ``"mean"`` and ``"median"`` only define a high/low split, so for 1..n scores they give
    quantile scores too (``attrs["cut"]`` says ``"quantile"``).
    """
    if isinstance(n_scores, bool) or not isinstance(n_scores, (int, np.integer)) or not 2 <= n_scores <= 10:
        raise ParameterError(f"n_scores={n_scores!r}: give a whole number from 2 to 10")
    m_col = _m_column(monetary)
    out = rfm.copy()
    for score, col, better in (("r_score", "recency_days", False), ("f_score", "frequency_days", True),
                               ("m_score", m_col, True)):
        if isinstance(cut, dict):
            out[score] = _threshold_score(out[col], _cut_value(cut, col), n_scores, better, col)
        elif cut in ("quantile", "mean", "median"):
            out[score] = _quantile_score(out[col], n_scores, better) if len(out) else pd.Series(dtype="int64")
        else:
            raise ParameterError(f"cut={cut!r}: use 'mean', 'median', 'quantile' or a dict of thresholds")
        _warn_if_few(out[score], n_scores, col, "scores")
    out.attrs.update(rfm.attrs, cut="thresholds" if isinstance(cut, dict) else "quantile", m_column=m_col,
                     n_scores=n_scores)
    return out


def _m_column(monetary: str) -> str:
    if monetary not in ("total", "mean"):
        raise ParameterError(f"monetary={monetary!r}: use 'total' (all spend) or 'mean' (spend per purchase day)")
    return f"monetary_{monetary}"


def _warn_if_few(values: pd.Series, asked: int, measure: str, what: str) -> None:
    got = values.nunique()
    if len(values) and got < asked:
        warnings.warn(f"RFM: {measure} gives only {got} distinct {what} of the {asked} asked for "
                      f"({len(values):,} customers): customers sharing a value share a score, e.g. "
                      "everyone with one purchase day", UserWarning, stacklevel=4)


# ------------------------------------------------------------------------------------ segments
def _cn8(rfm: pd.DataFrame, cut, m_col: str, recency_days: int | None = None) -> pd.DataFrame:
    out = rfm.copy()
    cuts = {}
    for col in ("recency_days", "frequency_days", m_col):
        if isinstance(cut, dict):
            value = _cut_value(cut, col)
            if not np.isscalar(value):
                raise ParameterError(f"cut for {col!r}: scheme 'cn8' needs one threshold per measure, got {value!r}")
            cuts[col] = float(value)
        elif cut in ("mean", "median", "quantile"):
            cuts[col] = float(out[col].mean() if cut == "mean" else out[col].median())
        else:
            raise ParameterError(f"cut={cut!r}: use 'mean', 'median', 'quantile' or a dict of thresholds")
    if recency_days is not None:
        # recent = bought within the last N days; recency is in whole days, so "< N + 1" is "<= N"
        cuts["recency_days"] = float(recency_days) + 1
    out["r_high"] = out["recency_days"] < cuts["recency_days"]  # recent = few days since the last purchase
    out["f_high"] = out["frequency_days"] > cuts["frequency_days"]
    out["m_high"] = out[m_col] > cuts[m_col]
    for flag, col in (("r_high", "recency_days"), ("f_high", "frequency_days"), ("m_high", m_col)):
        _warn_if_few(out[flag], 2, col, "high/low classes")
    out["rfm_code"] = (out["r_high"].astype(int).astype(str) + out["f_high"].astype(int).astype(str)
                       + out["m_high"].astype(int).astype(str))
    out["segment"] = out["rfm_code"].map({k: v[0] for k, v in CN8_SEGMENTS.items()})
    out["segment_en"] = out["rfm_code"].map({k: v[1] for k, v in CN8_SEGMENTS.items()})
    out.attrs["cuts"] = cuts
    out.attrs["cut"] = "thresholds" if isinstance(cut, dict) else ("median" if cut == "quantile" else cut)
    return out


def rule_table(rules) -> pd.DataFrame:
    """A rule table as a DataFrame with the columns ``segment, r_min, r_max, f_min, f_max, m_min,
    m_max, fm_min, fm_max, action, at_risk`` (missing bounds = no limit).

    ``rules`` is ``"classic"``, a DataFrame, a list of dicts, or the path of a CSV or YAML file
    holding such rows.
    """
    if isinstance(rules, str) and rules == "classic":
        rows = [{"segment": s, "r_min": r[0], "r_max": r[1], "fm_min": fm[0], "fm_max": fm[1], "action": a,
                 "at_risk": risk} for s, r, fm, a, risk in CLASSIC_RULES]
        return _normalise_rules(pd.DataFrame(rows))
    if isinstance(rules, (str, Path)):
        return _normalise_rules(_read_rules(Path(rules)))
    if isinstance(rules, pd.DataFrame):
        return _normalise_rules(rules)
    if isinstance(rules, (list, tuple)) and all(isinstance(r, dict) for r in rules):
        return _normalise_rules(pd.DataFrame(list(rules)))
    raise ParameterError(f"scheme={rules!r}: use 'cn8', 'classic', a rule DataFrame, a list of dicts "
                         "or the path of a CSV/YAML rule table")


def _read_rules(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise ParameterError(f"rule table '{path}' does not exist (scheme must be 'cn8', 'classic' or a file)")
    if path.suffix.lower() in (".yaml", ".yml"):
        data = read_yaml(path, "rule table")
        data = data.get("rules", data) if isinstance(data, dict) else data
        return pd.DataFrame(data)
    return pd.read_csv(path)


def _normalise_rules(df: pd.DataFrame) -> pd.DataFrame:
    df = df.rename(columns=lambda c: str(c).strip().lower())
    if "segment" not in df.columns or df.empty:
        raise ParameterError(f"rule table needs a 'segment' column and at least one row (columns: {list(df.columns)})")
    unknown = set(df.columns) - set(_RULE_COLUMNS)
    if unknown:
        raise ParameterError(f"rule table: unknown columns {sorted(unknown)}; allowed: {_RULE_COLUMNS}")
    for col in _RULE_COLUMNS:
        if col not in df.columns:
            df[col] = "" if col == "action" else (False if col == "at_risk" else np.nan)
    df["action"] = df["action"].fillna("").astype(str)
    df["at_risk"] = df["at_risk"].fillna(False).astype(bool)
    return df[_RULE_COLUMNS].reset_index(drop=True)


def _apply_rules(scored: pd.DataFrame, rules: pd.DataFrame) -> pd.Series:
    """First matching rule's segment per customer (vectorised over customers, loop over rules)."""
    fm = (scored["f_score"] + scored["m_score"] + 1) // 2  # round half up
    values = {"r": scored["r_score"], "f": scored["f_score"], "m": scored["m_score"], "fm": fm}
    segment = pd.Series(pd.NA, index=scored.index, dtype="object")
    for rule in rules.itertuples(index=False):
        hit = segment.isna()
        for key, v in values.items():
            lo, hi = getattr(rule, f"{key}_min"), getattr(rule, f"{key}_max")
            if pd.notna(lo):
                hit &= v >= lo
            if pd.notna(hi):
                hit &= v <= hi
        segment[hit] = rule.segment
    return segment.fillna("Other")


def classic_rule_grid() -> pd.DataFrame:
    """Every (R, F, M) score combination 1..5 with its classic segment (for docs and checks)."""
    grid = pd.MultiIndex.from_product([range(1, 6)] * 3, names=["r_score", "f_score", "m_score"]).to_frame(index=False)
    grid["segment"] = _apply_rules(grid, rule_table("classic"))
    return grid


@dataclass(frozen=True)
class RfmSegmentsFacts(Facts):
    """What :func:`rfm_segments` states besides its table."""

    producer: ClassVar[str] = "rfm_segments"
    scheme: str  #: "cn8", "classic" or "custom" (a rule table given)
    cut: str  #: how measures were cut: "mean", "median", "quantile" or "thresholds"
    cuts: dict[str, float] | None  #: cn8: the cut of each measure (column -> value); None for score schemes
    n_scores: int | None  #: score schemes: scores per measure; None for cn8
    m_column: str  #: the M used, "monetary_total" or "monetary_mean"
    as_of: _dt.date  #: the date recency is measured to
    unmatched: int  #: customers no rule matched (segment "Other")
    rules: pd.DataFrame  #: the rule table (cn8: its eight rows, with rfm_code, action, at_risk)
    recency_days: int | None  #: cn8: the fixed cut for *recent* in days (``recency_days=``); None: R is cut like F, M


def rfm_segments(summary_or_orders, scheme="cn8", cut="mean", monetary: str = "total", n_scores: int = 5,
                 as_of=None, recency_days: int | None = None) -> pd.DataFrame:
    """RFM measures, scores and a segment for every customer.

    Parameters
    ----------
    summary_or_orders : Dataset, ibis.Table or pandas.DataFrame
        Clean orders, an :func:`userops_lib.clv.summary.rfm_summary` frame, or an :func:`rfm_table`.
    scheme : "cn8", "classic", DataFrame, list of dict or path
        ``"cn8"``: the eight classes (重要价值客户 ... 一般挽留客户) from high/low R, F, M.
        ``"classic"``: 1..``n_scores`` scores and the named segments of :data:`CLASSIC_RULES`
        (needs ``n_scores=5``). Otherwise a rule table (see :func:`rule_table`): rows with
        ``segment`` and optional ``r_min/r_max``, ``f_min/f_max``, ``m_min/m_max``,
        ``fm_min/fm_max`` score bounds (inclusive), ``action``, ``at_risk``; first match wins.
    cut : "mean", "median", "quantile" or dict
        cn8: the high/low cut per measure (``"quantile"`` = the median; a dict gives one
        threshold per measure, keys R/F/M). Scores: ``"quantile"`` rank scores (``"mean"`` and
        ``"median"`` fall back to them) or a dict of ``n_scores - 1`` edges per measure.
    monetary : "total" or "mean"
        M is all spend (``monetary_total``) or spend per purchase day (``monetary_mean``).
    n_scores : int
        Number of scores per measure for score schemes.
    as_of : str or date, optional
        Date recency is measured to (default: the Dataset's as-of date, or the last order date).
    recency_days : int, optional
        cn8 only: *recent* = last purchase at most this many days before ``as_of``, a fixed cut in
        days instead of ``cut``'s for R (F and M keep ``cut``). With the mean, R's cut moves with the
        customer base (236 days on the demo, so a customer who last bought 7 months ago is still
        "recent"); a CRM team usually reasons in days (30 / 90 / 180). None (default): ``cut``.

    Returns
    -------
    pandas.DataFrame
        One row per customer: ``customer_id, recency_days, frequency_days, monetary_total,
        monetary_mean, one_time_buyer``, then for cn8 ``r_high, f_high, m_high, rfm_code,
        segment, segment_en``, for score schemes ``r_score, f_score, m_score, rfm_code, segment``.
        Facts: :class:`RfmSegmentsFacts` (the scheme, cuts and rules used, the fixed recency cut in days,
        the M column, as-of date, customers no rule matched).

    Warns
    -----
    UserWarning
        When a measure gives fewer distinct scores (or high/low classes) than asked.
    """
    m_col = _m_column(monetary)
    rfm = rfm_table(summary_or_orders, as_of)
    if recency_days is not None and not (isinstance(recency_days, (int, np.integer)) and recency_days >= 0):
        raise ParameterError(f"recency_days={recency_days!r}: give a whole number of days >= 0, or None")
    if isinstance(scheme, str) and scheme == "cn8":
        out = _cn8(rfm, cut, m_col, recency_days)
        rules = pd.DataFrame([{"segment": v[0], "segment_en": v[1], "rfm_code": k, "action": v[2], "at_risk": v[3]}
                              for k, v in CN8_SEGMENTS.items()])
    else:
        if recency_days is not None:
            raise ParameterError(f"recency_days={recency_days!r} sets the cn8 scheme's R cut; scheme {scheme!r} "
                                 "scores R by rank or by the edges of a cut dict")
        rules = rule_table(scheme)
        if isinstance(scheme, str) and scheme == "classic" and n_scores != 5:
            raise ParameterError(f"scheme='classic' is defined on 1..5 scores; n_scores={n_scores} needs a rule table")
        out = rfm_scores(rfm, cut, monetary, n_scores)
        out["rfm_code"] = (out["r_score"].astype(str) + out["f_score"].astype(str) + out["m_score"].astype(str))
        out["segment"] = _apply_rules(out, rules)
    return attach(out, RfmSegmentsFacts(
        scheme=scheme if isinstance(scheme, str) else "custom", cut=out.attrs["cut"], cuts=out.attrs.get("cuts"),
        n_scores=out.attrs.get("n_scores"), m_column=m_col, as_of=rfm.attrs["as_of"],
        unmatched=int((out["segment"] == "Other").sum()), rules=rules, recency_days=recency_days))


@dataclass(frozen=True)
class SegmentProfileFacts(Facts):
    """What :func:`segment_profile` states besides its table."""

    producer: ClassVar[str] = "segment_profile"
    m_column: str  #: the M the segments used ("monetary_total" or "monetary_mean")
    scheme: str | None  #: the segments' scheme
    revenue_outside: float  #: revenue of customers not in the segments (with orders given)


def segment_profile(segments: pd.DataFrame, orders_or_data=None) -> pd.DataFrame:
    """Per segment: customers, shares of customers and revenue, mean R/F/M, suggested action.

    Parameters
    ----------
    segments : pandas.DataFrame
        Output of :func:`rfm_segments`.
    orders_or_data : Dataset, ibis.Table or pandas.DataFrame, optional
        Orders to measure revenue on (e.g. only the last quarter); default each customer's
        ``monetary_total``. Revenue of customers not in ``segments`` is counted in
        the facts' ``revenue_outside``.

    Returns
    -------
    pandas.DataFrame
        One row per segment in rule-table order (then "Other"), empty segments left out:
        ``segment`` (and ``segment_en`` for cn8), ``customers``, ``customer_share``, ``revenue``,
        ``revenue_share``, ``mean_recency_days``, ``mean_frequency_days``, ``mean_monetary``
        (of the M used), ``one_time_share``, ``at_risk`` (True for segments whose revenue is at
        risk of lapsing), ``action``. Facts: :class:`SegmentProfileFacts`.
    """
    if "segment" not in segments.columns:
        raise ParameterError("segments: expected the output of rfm_segments (no 'segment' column)")
    m_col = segments.attrs.get("m_column", "monetary_total")
    seg = segments
    outside = 0.0
    if orders_or_data is not None:
        revenue, outside = _revenue(orders_or_data, seg)
        seg = seg.assign(_revenue=seg["customer_id"].astype(str).map(revenue).fillna(0.0))
    else:
        seg = seg.assign(_revenue=seg["monetary_total"])
    keys = ["segment"] + (["segment_en"] if "segment_en" in seg.columns else [])
    prof = seg.groupby(keys, sort=False).agg(
        customers=("customer_id", "size"), revenue=("_revenue", "sum"), mean_recency_days=("recency_days", "mean"),
        mean_frequency_days=("frequency_days", "mean"), mean_monetary=(m_col, "mean"),
        one_time_share=("one_time_buyer", "mean")).reset_index()
    prof["customer_share"] = prof["customers"] / prof["customers"].sum()
    total = prof["revenue"].sum()
    prof["revenue_share"] = prof["revenue"] / total if total else np.nan
    rules = segments.attrs.get("rules")
    meta = (rules.drop_duplicates("segment").set_index("segment")[["action", "at_risk"]]
            if rules is not None else pd.DataFrame(columns=["action", "at_risk"]))
    order = list(meta.index) + ["Other"]
    prof["_order"] = prof["segment"].map({s: i for i, s in enumerate(order)}).fillna(len(order))
    prof["action"] = prof["segment"].map(meta["action"]).fillna("Review: no rule matched")
    prof["at_risk"] = prof["segment"].map(meta["at_risk"]).fillna(False).astype(bool)
    prof = prof.sort_values("_order", ignore_index=True).drop(columns="_order")
    cols = keys + ["customers", "customer_share", "revenue", "revenue_share", "mean_recency_days",
                   "mean_frequency_days", "mean_monetary", "one_time_share", "at_risk", "action"]
    prof = prof[cols]
    return attach(prof, SegmentProfileFacts(m_column=m_col, scheme=segments.attrs.get("scheme"),
                                            revenue_outside=float(outside)))


def _revenue(orders_or_data, segments: pd.DataFrame) -> tuple[pd.Series, float]:
    from .conversion import _orders_input

    orders, _, _ = _orders_input(orders_or_data, None, "Segment revenue")
    per = engine.execute(orders.group_by("customer_id").aggregate(revenue=orders.amount.sum()))
    per["customer_id"] = per["customer_id"].astype(str)
    revenue = per.set_index("customer_id")["revenue"]
    inside = revenue.index.isin(segments["customer_id"].astype(str))
    return revenue, float(revenue[~inside].sum())
