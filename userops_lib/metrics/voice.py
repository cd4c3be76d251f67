"""Voice of the customer: NPS, CSAT, the most frequent answers, complaint rate and resolution time.

Surveys
-------
A survey "asks" a question when at least one of its rows has that ``question`` (compared trimmed
and case-insensitive). Its *invited* customers are the distinct ``(survey_id, customer_id)`` pairs
of any of its rows, including rows with neither answer nor score (an invitation without a
response); *respondents* are the pairs with an answer or a score to the question; *scored* are
the respondents with a score on the scale. A respondent without a valid score is counted in
``unscored``, and a second score of the same customer in the same survey in ``duplicate_scores``
(the latest by ``ts`` is used): nothing is left out without being counted.

NPS = % promoters (9-10) - % detractors (0-6) of the scored respondents, in points (-100 to 100).
CSAT = share of scores >= ``satisfied_min`` on a 1-5 scale.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import ClassVar

import ibis
import pandas as pd

from ..data import engine, inputs
from ..exceptions import ContractError, ParameterError
from ..results import Facts, attach
from ..data.periods import check_period, period_frame, period_index
from .membership import NON_MEMBER

__all__ = ["ComplaintBacklogFacts", "TopAnswersFacts", "complaint_backlog", "complaint_rate", "csat", "nps", "nps_by_segment", "survey_rounds", "top_answers"]



# ------------------------------------------------------------------------------------- inputs
def _surveys(data) -> ibis.Table:
    return inputs.table_of(data, "surveys", ("customer_id", "survey_id", "question"),
                           needed_for="Voice of the customer")


def _norm(text: ibis.Value) -> ibis.Value:
    return engine.trim(text.cast("string")).lower()


def _asked(surveys: ibis.Table, question: str, survey_id) -> tuple[ibis.Table, ibis.Value]:
    """Rows of the surveys asking ``question`` (optionally one survey), and the is-this-question flag."""
    is_q = _norm(surveys.question) == question.strip().lower()
    ids = surveys.filter(is_q).select("survey_id").distinct()
    rows = surveys.semi_join(ids, "survey_id")
    if survey_id is not None:
        rows = rows.filter(rows.survey_id == str(survey_id))
    return rows, _norm(rows.question) == question.strip().lower()


def _pairs(data, question: str, survey_id, low: float, high: float) -> ibis.Table:
    """One row per invited (survey, customer): ``responded``, ``score`` (latest valid), ``n_scores``."""
    rows, is_q = _asked(_surveys(data), question, survey_id)
    # answer and score are optional columns: a missing one answers nothing (comparing ibis' NULL literal
    # with "" fails, so the flag is built from a literal False instead)
    answered = ((_norm(rows.answer).notnull() & (_norm(rows.answer) != "")) if "answer" in rows.columns
                else ibis.literal(False))
    score = rows.score if "score" in rows.columns else ibis.null("float64")
    valid = is_q & score.notnull() & (score >= low) & (score <= high)
    responded = is_q & (score.notnull() | answered)
    latest = (score.argmax(rows.ts, where=valid) if "ts" in rows.columns else score.max(where=valid))
    return rows.group_by(["survey_id", "customer_id"]).aggregate(
        responded=responded.fill_null(False).any().cast("int64"), score=latest,
        n_scores=valid.fill_null(False).cast("int64").sum())


def _segmented(data, pairs: ibis.Table, by, segment_column, missing: str) -> tuple[ibis.Table, str | None]:
    """``pairs`` with a ``segment`` column (``missing`` for customers the segmentation lacks)."""
    if by is None:
        return pairs.mutate(segment=ibis.literal("all")), None
    if isinstance(by, str):
        if not data.has_column("customers", by):
            raise ContractError("customers", by, "segment column not found (pass a Dataset whose customers table "
                                "has it, or a frame of customer_id -> segment)")
        cust = data.table("customers")
        seg, name = cust.select(cid="customer_id", _seg=cust[by].cast("string")), by
    else:
        frame = by if isinstance(by, pd.DataFrame) else engine.execute(engine.as_table(by, "by"))
        others = [c for c in frame.columns if c not in ("customer_id", "survey_id")]
        if "customer_id" not in frame.columns or not others:
            raise ParameterError("by: expected a column of customers or a frame with customer_id (optionally "
                                 "survey_id) and a segment column")
        name = segment_column or others[0]
        cols = {"cid": frame["customer_id"].astype(str), "_seg": frame[name].astype("string")}
        if "survey_id" in frame.columns:  # a segment per survey round, e.g. the stage when it was sent
            cols["sid"] = frame["survey_id"].astype(str)
        seg = ibis.memtable(pd.DataFrame(cols))
    on = [pairs.customer_id == seg.cid] + ([pairs.survey_id == seg.sid] if "sid" in seg.columns else [])
    j = pairs.left_join(seg, on)
    return j.mutate(segment=j._seg.fill_null(missing)).drop(*[c for c in ("cid", "sid", "_seg") if c in j.columns]), name


def _base_counts(p: ibis.Table) -> dict:
    return {"invited": p.count(), "respondents": p.responded.sum(), "scored": p.score.count(),
            "unscored": (p.responded.cast("bool") & p.score.isnull()).cast("int64").sum(),
            "duplicate_scores": ibis.greatest(p.n_scores - 1, 0).sum()}


def _finish(df: pd.DataFrame, name: str | None) -> pd.DataFrame:
    for col in ("invited", "respondents", "scored", "unscored", "duplicate_scores"):
        df[col] = df[col].fillna(0).astype("int64")
    df["response_rate"] = df["respondents"] / df["invited"].where(df["invited"] > 0)
    df = df.sort_values("invited", ascending=False, ignore_index=True)
    return df.rename(columns={"segment": name}) if name else df.drop(columns="segment")


# ---------------------------------------------------------------------------------- metrics
def nps(data, survey_id=None, question: str = "nps", by=None, segment_column: str | None = None,
        missing_segment: str = "unknown") -> pd.DataFrame:
    """Net Promoter Score with counts and response rate, overall or by segment.

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        A Dataset with ``surveys`` (or the clean ``surveys`` table itself).
    survey_id : str, optional
        One survey; default every survey asking ``question``.
    question : str
        Question code of the 0-10 recommendation score.
    by : str or pandas.DataFrame, optional
        A ``customers`` column (e.g. ``"member_tier"``), or a frame of ``customer_id`` and a
        segment (e.g. :func:`userops_lib.metrics.lifecycle.customer_stage`, an RFM segment table). A
        frame with a ``survey_id`` column gives each survey round its own segments (matched on
        ``survey_id`` and ``customer_id``), e.g. the lifecycle stage when that round was sent
        (see :func:`survey_rounds`); a ``customers`` column is the customer's value today.
    segment_column : str, optional
        Segment column of the ``by`` frame; default its first column other than ``customer_id``
        and ``survey_id``.
    missing_segment : str
        Segment of invited customers the segmentation has no value for (e.g. ``"non-member"``
        for an empty ``member_tier``); they are kept, never dropped.

    Returns
    -------
    pandas.DataFrame
        One row (or one per segment, largest first; customers without a segment are in
        ``missing_segment``): ``invited``, ``respondents``, ``response_rate``, ``scored``, ``promoters``
        (9-10), ``passives`` (7-8), ``detractors`` (0-6), ``promoter_share``,
        ``detractor_share``, ``nps`` (points), ``unscored``, ``duplicate_scores``.
    """
    data = inputs.dataset_of(data, "surveys")
    p, name = _segmented(data, _pairs(data, question, survey_id, 0, 10), by, segment_column, missing_segment)
    df = engine.execute(p.group_by("segment").aggregate(
        **_base_counts(p), promoters=(p.score >= 9).cast("int64").sum(),
        passives=((p.score >= 7) & (p.score < 9)).cast("int64").sum(),
        detractors=(p.score < 7).cast("int64").sum()))
    for col in ("promoters", "passives", "detractors"):
        df[col] = df[col].fillna(0).astype("int64")
    scored = df["scored"].where(df["scored"] > 0)
    df["promoter_share"] = df["promoters"] / scored
    df["detractor_share"] = df["detractors"] / scored
    df["nps"] = 100 * (df["promoter_share"] - df["detractor_share"])
    df = _finish(df, name)
    lead = [name] if name else []
    return df[lead + ["invited", "respondents", "response_rate", "scored", "promoters", "passives", "detractors",
                      "promoter_share", "detractor_share", "nps", "unscored", "duplicate_scores"]]


def csat(data, question: str = "csat", satisfied_min: float = 4, survey_id=None, by=None,
         segment_column: str | None = None, scale: tuple[float, float] = (1, 5),
         missing_segment: str = "unknown") -> pd.DataFrame:
    """Customer satisfaction: share of scores >= ``satisfied_min`` and the mean score.

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        As in :func:`nps`.
    question : str
        Question code of the satisfaction score.
    satisfied_min : float
        Lowest score counted as satisfied (4 on a 1-5 scale).
    survey_id, by, segment_column, missing_segment
        As in :func:`nps`.
    scale : (float, float)
        Valid score range; other scores are counted in ``unscored``.

    Returns
    -------
    pandas.DataFrame
        ``invited``, ``respondents``, ``response_rate``, ``scored``, ``satisfied``, ``csat``
        (satisfied / scored), ``mean_score``, ``unscored``, ``duplicate_scores`` (one row, or one
        per segment).
    """
    data = inputs.dataset_of(data, "surveys")
    low, high = scale
    if not low <= satisfied_min <= high:
        raise ParameterError(f"satisfied_min must lie on the scale {low}-{high}, got {satisfied_min!r}")
    p, name = _segmented(data, _pairs(data, question, survey_id, low, high), by, segment_column, missing_segment)
    df = engine.execute(p.group_by("segment").aggregate(
        **_base_counts(p), satisfied=(p.score >= satisfied_min).cast("int64").sum(), mean_score=p.score.mean()))
    df["satisfied"] = df["satisfied"].fillna(0).astype("int64")
    df["csat"] = df["satisfied"] / df["scored"].where(df["scored"] > 0)
    df = _finish(df, name)
    lead = [name] if name else []
    return df[lead + ["invited", "respondents", "response_rate", "scored", "satisfied", "csat", "mean_score",
                      "unscored", "duplicate_scores"]]


def survey_rounds(data, question: str = "nps") -> pd.DataFrame:
    """The survey rounds asking ``question``, with when each was sent.

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        As in :func:`nps`; ``surveys`` needs ``ts``.
    question : str
        Question code.

    Returns
    -------
    pandas.DataFrame
        ``survey_id``, ``sent`` (date of the survey's earliest row: an invitation without a
        response carries the invitation time), ``last_answer`` (date of its latest row),
        ``invited`` (customers); oldest round first.
    """
    data = inputs.dataset_of(data, "surveys")
    rows, _ = _asked(_surveys(data), question, None)
    if "ts" not in rows.columns:
        raise ContractError("surveys", "ts", "survey rounds need the time of each row")
    df = engine.execute(rows.group_by("survey_id").aggregate(
        sent=rows.ts.min(), last_answer=rows.ts.max(), invited=rows.customer_id.nunique()))
    for col in ("sent", "last_answer"):
        df[col] = pd.to_datetime(df[col]).dt.date
    df["invited"] = df["invited"].astype("int64")
    return df.sort_values(["sent", "survey_id"], ignore_index=True)[["survey_id", "sent", "last_answer", "invited"]]


@dataclass(frozen=True)
class TopAnswersFacts(Facts):
    """What :func:`top_answers` states besides its table."""

    producer: ClassVar[str] = "top_answers"
    answered: int  #: all non-empty answers to the question
    distinct: int  #: distinct answers
    other: int  #: answers outside the top n


def top_answers(data, question: str, n: int = 10, survey_id=None) -> pd.DataFrame:
    """The most frequent answers to a question (trimmed, lower-case), with counts and shares.

    Parameters
    ----------
    data : Dataset, ibis.Table or pandas.DataFrame
        As in :func:`nps`.
    question : str
        Question code (e.g. ``"why"``).
    n : int
        How many answers to list.
    survey_id : str, optional
        One survey; default all surveys asking the question.

    Returns
    -------
    pandas.DataFrame
        ``answer``, ``responses``, ``share`` (of all non-empty answers to the question), most
        frequent first (ties alphabetically). Facts: :class:`TopAnswersFacts`.
    """
    data = inputs.dataset_of(data, "surveys")
    if not isinstance(n, int) or n < 1:
        raise ParameterError(f"n must be a whole number >= 1, got {n!r}")
    rows, is_q = _asked(_surveys(data), question, survey_id)
    if "answer" not in rows.columns:
        raise ContractError("surveys", "answer", "top answers need the answer column")
    rows = rows.filter(is_q).mutate(a=_norm(rows.answer))
    rows = rows.filter(rows.a.notnull() & (rows.a != ""))
    counts = rows.group_by("a").aggregate(responses=rows.count())
    total = engine.execute(counts.aggregate(answered=counts.responses.sum(), distinct=counts.count())).iloc[0]
    answered = int(total["answered"] or 0)
    top = engine.execute(counts.order_by([ibis.desc("responses"), "a"]).limit(n)).rename(columns={"a": "answer"})
    top["responses"] = top["responses"].astype("int64")
    top["share"] = top["responses"] / answered if answered else pd.Series(dtype="float64")
    return attach(top[["answer", "responses", "share"]], TopAnswersFacts(
        answered=answered, distinct=int(total["distinct"] or 0), other=answered - int(top["responses"].sum())))


def _tickets(data) -> ibis.Table:
    t = data.table("tickets", "Complaint rate")
    if "type" not in t.columns:
        raise ContractError("tickets", "type", "the complaint rate needs the ticket type (complaint, question, ...)")
    return t


def complaint_rate(data, period: str = "month", complaint_types=("complaint",)) -> pd.DataFrame:
    """Complaints per 1,000 orders and per buyer, and how long complaints take to resolve.

    Parameters
    ----------
    data : Dataset, ibis.Table, pandas.DataFrame or dict of them by table name
        Needs ``orders`` and ``tickets`` (with ``type``; ``resolved_ts`` for resolution times).
    period : {"day", "week", "month", "quarter", "year"}
    complaint_types : sequence of str
        Ticket types (trimmed, case-insensitive) counted as complaints.

    Returns
    -------
    pandas.DataFrame
        One row per period with orders or tickets: ``period``, ``period_start``, ``complete``,
        ``orders``, ``buyers``, ``tickets`` (all types), ``complaints``, ``complainants``,
        ``complaints_per_1000_orders``, ``complaints_per_buyer``; of the complaints opened in the
        period: ``resolved``, ``open`` (no resolution time yet), ``inconsistent`` (resolved
        before opened), ``median_resolution_hours``, ``p80_resolution_hours`` (resolved only).
    """
    data = inputs.dataset_of(data, "tickets")
    period = check_period(period)
    types = [str(x).strip().lower() for x in complaint_types]
    orders, t = data.table("orders"), _tickets(data)
    o = orders.mutate(_p=period_index(orders.order_date, period))
    per_orders = o.group_by("_p").aggregate(orders=o.count(), buyers=o.customer_id.nunique())
    t = t.mutate(_p=period_index(t.ts_date, period), _c=_norm(t.type).isin(types).fill_null(False))
    if "resolved_ts" in t.columns:
        hours = (t.resolved_ts.epoch_seconds() - t.ts.epoch_seconds()).cast("float64") / 3600.0
    else:
        hours = ibis.null("float64")
    ok = t._c & (hours >= 0)
    per_tickets = t.group_by("_p").aggregate(
        tickets=t.count(), complaints=t._c.cast("int64").sum(),
        complainants=t.customer_id.nunique(where=t._c),
        resolved=ok.fill_null(False).cast("int64").sum(),
        open=(t._c & hours.isnull()).cast("int64").sum(),
        inconsistent=(t._c & (hours < 0)).fill_null(False).cast("int64").sum(),
        median_resolution_hours=hours.quantile(0.5, where=ok),
        p80_resolution_hours=hours.quantile(0.8, where=ok))
    df = engine.execute(per_orders).merge(engine.execute(per_tickets), on="_p", how="outer").sort_values("_p")
    counts = ["orders", "buyers", "tickets", "complaints", "complainants", "resolved", "open", "inconsistent"]
    df[counts] = df[counts].fillna(0).astype("int64")
    if "resolved_ts" not in t.columns:
        df[["resolved", "open", "inconsistent"]] = pd.NA
    df["complaints_per_1000_orders"] = 1000 * df["complaints"] / df["orders"].where(df["orders"] > 0)
    df["complaints_per_buyer"] = df["complaints"] / df["buyers"].where(df["buyers"] > 0)
    frame = period_frame(df["_p"], period, data.as_of)[["_p", "period", "period_start", "complete"]]
    df = frame.merge(df, on="_p").drop(columns="_p")
    return df[["period", "period_start", "complete", *counts[:5], "complaints_per_1000_orders", "complaints_per_buyer",
               "resolved", "open", "inconsistent", "median_resolution_hours", "p80_resolution_hours"]]


@dataclass(frozen=True)
class ComplaintBacklogFacts(Facts):
    """What :func:`complaint_backlog` states besides its table."""

    producer: ClassVar[str] = "complaint_backlog"
    open: int  #: all open complaints
    as_of: _dt.date  #: the day they are counted on
    oldest_opened: _dt.date | None  #: the day the oldest of them was opened (None without any)


def complaint_backlog(data, age_days=(30, 90, 365), complaint_types=("complaint",)) -> pd.DataFrame:
    """The complaints still open on the as-of date, by how long they have been open.

    A month's ``open`` count of :func:`complaint_rate` is about the complaints *opened* that month;
    the backlog is every open complaint, whenever it was opened, so old ones are not hidden in a
    total (issue 14: "31 complaints are still open" when 4 of the month's 41 were).

    Parameters
    ----------
    data : Dataset, ibis.Table, pandas.DataFrame or dict of them by table name
        Needs ``tickets`` with ``type`` and ``resolved_ts``.
    age_days : sequence of int
        Upper bounds (days open, inclusive) of the age bands; the last band is everything older.
    complaint_types : sequence of str
        Ticket types counted as complaints.

    Returns
    -------
    pandas.DataFrame
        One row per age band, youngest first (bands without complaints too): ``age_band``
        (``"0-30"``, ``"31-90"``, ``"91-365"``, ``">365"`` days), ``complaints``, ``oldest_opened``
        (date the band's oldest open complaint was opened; NaT when none). Facts:
        :class:`ComplaintBacklogFacts`.
    """
    data = inputs.dataset_of(data, "tickets")
    bounds = sorted({int(d) for d in age_days})
    if not bounds or bounds[0] < 0:
        raise ParameterError(f"age_days must be whole numbers >= 0; got {list(age_days)!r}")
    t = _tickets(data)
    if "resolved_ts" not in t.columns:
        raise ContractError("tickets", "resolved_ts", "the complaint backlog needs the resolution time")
    types = [str(x).strip().lower() for x in complaint_types]
    t = t.filter(_norm(t.type).isin(types).fill_null(False) & t.resolved_ts.isnull())
    age = ibis.literal(data.as_of).delta(t.ts_date, unit="day")  # days open on the as-of date
    cases = ibis.cases(*[(age <= b, i) for i, b in enumerate(bounds)], else_=len(bounds))
    banded = t.mutate(_band=cases)
    rows = engine.execute(banded.group_by("_band").aggregate(complaints=banded.count(),
                                                             oldest_opened=banded.ts_date.min()))
    names = [f"{lo}-{hi}" for lo, hi in zip([0] + [b + 1 for b in bounds[:-1]], bounds)] + [f">{bounds[-1]}"]
    out = pd.DataFrame({"age_band": names})
    got = rows.set_index("_band") if len(rows) else pd.DataFrame(columns=["complaints", "oldest_opened"])
    out["complaints"] = [int(got.at[i, "complaints"]) if i in got.index else 0 for i in range(len(names))]
    out["oldest_opened"] = pd.to_datetime([got.at[i, "oldest_opened"] if i in got.index else pd.NaT
                                           for i in range(len(names))])
    return attach(out, ComplaintBacklogFacts(
        open=int(out["complaints"].sum()), as_of=data.as_of,
        oldest_opened=out["oldest_opened"].min().date() if out["complaints"].sum() else None))


def nps_by_segment(data, churn_after: int = 3) -> pd.DataFrame:
    """NPS of all answers and by the segment each answer's customer was in when its round was sent.

    Each answer is grouped by the customer's lifecycle stage at the end of the month before its
    round was sent (the last complete month then), never by today's stage, so later purchases do
    not relabel old answers; and by member tier on the day the round was sent (tier history), else
    by today's tier (``customers.member_tier``).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`nps` plus ``by`` (``all``, ``stage``, ``tier``, ``tier_today``) and
        ``segment`` (``all``; a stage; a tier; ``no_order_yet`` for invitees without an order before
        the round's month, ``non-member`` (:data:`~.membership.NON_MEMBER`: no tier that day, never joined or
        left)); only segments with a score.
    """
    data = inputs.dataset_of(data, "surveys")
    from .lifecycle import customer_stage

    rounds = survey_rounds(data)
    then = pd.concat([customer_stage(data, at=(pd.Timestamp(r.sent) - pd.DateOffset(months=1)).date(), period="month",
                                     churn_after=churn_after)[["customer_id", "stage"]].assign(survey_id=r.survey_id)
                      for r in rounds.itertuples()], ignore_index=True)
    parts = [nps(data).assign(by="all", segment="all"),
             nps(data, by=then.assign(stage=then["stage"].astype(str)), segment_column="stage",
                 missing_segment="no_order_yet").rename(columns={"stage": "segment"}).assign(by="stage")]
    if data.has("tier_history"):
        from .membership import tiers_at

        tiers = tiers_at(data, list(rounds["sent"]))
        tiers = tiers.assign(sent=tiers["date"].dt.date).merge(rounds[["survey_id", "sent"]], on="sent")
        parts.append(nps(data, by=tiers[["survey_id", "customer_id", "tier"]], missing_segment=NON_MEMBER)
                     .rename(columns={"tier": "segment"}).assign(by="tier"))
    elif data.has_column("customers", "member_tier"):
        parts.append(nps(data, by="member_tier", missing_segment=NON_MEMBER)
                     .rename(columns={"member_tier": "segment"}).assign(by="tier_today"))
    out = pd.concat(parts, ignore_index=True)
    out = out[out["scored"] > 0].reset_index(drop=True)
    out.attrs["rounds"] = rounds
    return out
