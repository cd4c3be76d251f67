"""The voice of the customer: NPS waves with a 'why' question, CSAT after after-sales cases, and
service tickets. Tables ``surveys`` and ``tickets``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import ShopCalendar, labels, text_column, text_ids, timestamps
from .story import WHY_ANSWERS, WHY_SHARE

__all__ = ["surveys", "tickets", "surveys_table", "tickets_table"]


def _nps_waves(cal: ShopCalendar) -> list[tuple[str, float]]:
    """(survey_id, invitation day) of the two NPS waves: the last mid-June and mid-December in the window."""
    days = [(pd.Timestamp(y, m, 15) - cal.dates[0]).days
            for y in range(cal.dates[0].year, cal.dates[-1].year + 1) for m in (6, 12)]  # fmt: skip
    days = [d for d in days if 60 <= d < cal.days - 15][-2:]
    if len(days) == 2:
        return [(f"nps-{cal.dates[d].year}-h{1 if cal.dates[d].month <= 6 else 2}", d + 10 / 24) for d in days]
    days = [int(cal.days * 0.5), int(cal.days * 0.9)]  # short window: two waves named by month
    return [(f"nps-{cal.dates[d]:%Y-%m}", d + 10 / 24) for d in days]


def _why_answers(score, late, aftersales, rng) -> np.ndarray:
    """The 'why' category of each respondent: driven by the score band and what happened."""
    band = np.where(score >= 9, 0, np.where(score >= 7, 1, 2))  # promoter, passive, detractor
    answer = np.empty(len(score), dtype=object)
    for b in range(3):
        mine = band == b
        answer[mine] = rng.choice(WHY_ANSWERS, mine.sum(), p=WHY_SHARE[b])
    unhappy = band == 2
    answer[unhappy & late & (rng.random(len(score)) < 0.6)] = "late delivery"
    answer[unhappy & aftersales & (rng.random(len(score)) < 0.5)] = "customer service"
    return answer


def _nps_wave(survey_id, day, cust, orders, fulfil, role, mood, cal, rng) -> pd.DataFrame:
    """One NPS wave: every buyer of the last 180 days is invited; a quarter answers."""
    n = len(cust)
    t, who = orders["t"].to_numpy(), orders["cust"].to_numpy()
    recent = (t >= day - 180) & (t < day)
    n_recent = np.bincount(who[recent], minlength=n)
    seen = lambda ts: np.bincount(who[recent & (fulfil[ts].to_numpy() < day)], minlength=n) > 0  # noqa: E731
    late = np.bincount(who[recent & fulfil["late"].to_numpy() & (fulfil["shipped"].to_numpy() < day)], minlength=n) > 0
    aftersales = seen("requested")
    invited = np.flatnonzero(n_recent > 0)
    p_answer = 0.20 + 0.15 * (role[invited] >= 0) + 0.03 * np.minimum(n_recent[invited] - 1, 3)
    answered = rng.random(len(invited)) < p_answer
    answer_t = day + rng.exponential(1.5, len(invited))
    answered &= answer_t < cal.days
    latent = 8.4 + mood[invited] + rng.normal(0, 0.8, len(invited)) - 3.0 * late[invited] - 2.5 * aftersales[invited]
    score = np.clip(np.round(latent), 0, 10)
    why = answered & (rng.random(len(invited)) < 0.7)
    why_answer = _why_answers(score[why], late[invited][why], aftersales[invited][why], rng)
    return pd.DataFrame({
        "cust": np.concatenate([invited, invited[why]]),
        "survey": survey_id,
        "question": np.repeat(["nps", "why"], [len(invited), why.sum()]),
        "answer": np.concatenate([np.full(len(invited), None, dtype=object), why_answer]),
        "score": np.concatenate([np.where(answered, score, np.nan), np.full(why.sum(), np.nan)]),
        "t": np.concatenate([np.where(answered, answer_t, day), answer_t[why]]),
    })  # fmt: skip


def _csat(orders, fulfil, order_id, cal, rng) -> pd.DataFrame:
    """A CSAT question after every closed after-sales case; slow cases score lower."""
    closed, requested = fulfil["closed"].to_numpy(), fulfil["requested"].to_numpy()
    case = np.flatnonzero(~np.isnan(closed))
    invite_t = closed[case] + 2 / 24
    case, invite_t = case[invite_t < cal.days], invite_t[invite_t < cal.days]
    answer_t = invite_t + rng.exponential(1, len(case))
    answered = (rng.random(len(case)) < 0.45) & (answer_t < cal.days)
    latent = 5.0 - 0.3 * (closed[case] - requested[case]) + rng.normal(0, 0.7, len(case))
    return pd.DataFrame({
        "cust": orders["cust"].to_numpy()[case],
        "survey": np.strings.add("csat-", order_id[case].astype(np.dtypes.StringDType())).astype(object),
        "question": "csat",
        "answer": None,
        "score": np.where(answered, np.clip(np.round(latent), 1, 5), np.nan),
        "t": np.where(answered, answer_t, invite_t),
    })  # fmt: skip


def surveys(cust, orders, fulfil, role, order_id, cal, rng) -> pd.DataFrame:
    """Two NPS waves with a 'why' question, and CSAT after after-sales cases."""
    mood = rng.normal(0, 1.5, len(cust))  # a customer's lasting satisfaction, the same in every wave
    parts = [_nps_wave(sid, day, cust, orders, fulfil, role, mood, cal, rng) for sid, day in _nps_waves(cal)]
    parts.append(_csat(orders, fulfil, order_id, cal, rng))
    surveys = pd.concat(parts, ignore_index=True)
    return surveys.iloc[np.lexsort((surveys["cust"].to_numpy(), surveys["t"].to_numpy()))]


def tickets(orders, fulfil, cal, rng) -> pd.DataFrame:
    """Service tickets: chasers of late parcels, after-sales cases, and everyday questions."""
    who = orders["cust"].to_numpy()
    paid, shipped = fulfil["paid"].to_numpy(), fulfil["shipped"].to_numpy()
    requested, closed = fulfil["requested"].to_numpy(), fulfil["closed"].to_numpy()
    n = len(who)
    chased = np.flatnonzero(fulfil["late"].to_numpy() & (rng.random(n) < 0.35))
    chase_t = paid[chased] + 2 + rng.random(len(chased)) * (shipped[chased] - paid[chased] - 2)
    case = np.flatnonzero(~np.isnan(requested) & (rng.random(n) < 0.7))
    asked = np.flatnonzero(~np.isnan(paid) & (rng.random(n) < 0.03))
    ask_t = paid[asked] + rng.exponential(1, len(asked))
    kind = np.concatenate([
        np.where(rng.random(len(chased)) < 0.6, "complaint", "question"),
        np.where(rng.random(len(case)) < 0.6, "return", "complaint"),
        np.full(len(asked), "question"),
    ]).astype(object)  # fmt: skip
    opened = np.concatenate([chase_t, requested[case], ask_t])
    hours = np.where(kind == "question", rng.lognormal(np.log(4), 1.0, len(kind)), rng.lognormal(np.log(30), 0.8, len(kind)))
    resolved = opened + hours / 24
    resolved[len(chased) : len(chased) + len(case)] = closed[case]  # the after-sales case's own closing
    resolved[rng.random(len(kind)) < 0.03] = np.nan  # forgotten tickets
    resolved[resolved >= cal.days] = np.nan
    tickets = pd.DataFrame({"cust": who[np.concatenate([chased, case, asked])], "t": opened,
                            "type": kind, "resolved": resolved})  # fmt: skip
    tickets = tickets[tickets["t"] < cal.days]
    return tickets.iloc[np.lexsort((tickets["cust"].to_numpy(), tickets["t"].to_numpy()))].reset_index(drop=True)


# --- dirty rows -----------------------------------------------------------------------------


def surveys_table(surveys, customer_id, start) -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": labels(customer_id, surveys["cust"].to_numpy()),
        "survey_id": text_column(surveys["survey"].to_numpy()),
        "question": text_column(surveys["question"].to_numpy()),
        "answer": text_column(surveys["answer"].to_numpy()),
        "score": surveys["score"].to_numpy(dtype=float),
        "ts": timestamps(start, surveys["t"].to_numpy()),
    })  # fmt: skip


def tickets_table(tickets, customer_id, start, numbered_before: int = 0, width: int = 7) -> pd.DataFrame:
    """The ``tickets`` table; ticket numbers continue after the ``numbered_before`` of earlier blocks."""
    numbers = np.arange(numbered_before + 1, numbered_before + len(tickets) + 1)
    return pd.DataFrame({
        "customer_id": labels(customer_id, tickets["cust"].to_numpy()),
        "ts": timestamps(start, tickets["t"].to_numpy()),
        "type": text_column(tickets["type"].to_numpy()),
        "resolved_ts": timestamps(start, tickets["resolved"].to_numpy()),
        "ticket_id": text_column(text_ids("T", numbers, width)),
    })  # fmt: skip
