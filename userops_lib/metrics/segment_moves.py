"""Segment movement: how customers moved between RFM segments from one date to another, and what it was worth.

RFM segments (:func:`userops_lib.metrics.rfm.rfm_segments`) are a snapshot. Here every customer is
segmented twice, on the orders up to ``start`` and on the orders up to ``end``, and the two
segments are crossed: ``M[i, j]`` = customers in segment i at ``start`` and j at ``end`` /
customers in i at ``start`` (the shared README's tier-migration definition, as
:func:`userops_lib.metrics.membership.tier_migration`). Customers whose first purchase came after
``start`` enter from the row :data:`NEW`.

One yardstick for both dates: with a relative cut (``"mean"``, ``"median"``) the cn8 cuts computed
at ``start`` are applied at ``end`` too, so a customer changes segment because *they* changed, not
because the average moved. Score schemes (``"classic"``, rule tables) rank the customers of each
date among themselves (``notes["cut_note"]`` says so).

Value of a move: each customer's spend in the ``end − start`` days after ``start``
(``value_after``) against their spend in as many days before it (``value_before``); a move's
``value_change`` adds that up over its customers, so the largest gains and losses show which moves
matter in money, not just in heads. It describes what happened; it is not the effect of a campaign.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data import engine, inputs
from ..data.load import Dataset
from ..data.periods import parse_date
from ..exceptions import ParameterError
from ..results import facts
from .rfm import CN8_SEGMENTS, RfmSegmentsFacts, rfm_segments

__all__ = ["NEW", "SegmentMigration", "segment_migration", "biggest_moves", "segment_moves_sentence"]

#: Row of the customers who had not bought yet at the start date.
NEW = "(new since start)"


@dataclass
class SegmentMigration:
    """Result of :func:`segment_migration`.

    Attributes
    ----------
    counts : pandas.DataFrame
        Customers in segment i at ``start`` (index ``from_segment``, :data:`NEW` first) and j at
        ``end`` (columns ``to_segment``), segments in the scheme's order.
    shares : pandas.DataFrame
        ``counts`` over each row's total (NaN for an empty row).
    moves : pandas.DataFrame
        One row per non-empty cell: ``from_segment, to_segment, customers, share_of_row``,
        ``value_before`` and ``value_after`` (spend of those customers in the window before and
        after ``start``), ``value_change`` (after − before), ``moved`` (the segment changed; False
        for stays and for new customers).
    start, end : datetime.date
    notes : dict
        ``scheme``, ``cut``, ``cut_note`` (how the two dates were scored), ``cuts`` (cn8: the
        cuts used at both dates), ``window_days`` (length of each value window),
        ``english`` (cn8 segment → English name).
    """

    counts: pd.DataFrame
    shares: pd.DataFrame
    moves: pd.DataFrame
    start: _dt.date
    end: _dt.date
    notes: dict = field(default_factory=dict)


def _segments(data: Dataset, scheme, cut, monetary: str, t0: _dt.date, t1: _dt.date, recency_days=None):
    """Segments at both dates (customer_id, segment) and how they were scored."""
    with warnings.catch_warnings():  # "few distinct scores" warnings belong to the RFM report
        warnings.simplefilter("ignore", UserWarning)
        at0 = rfm_segments(data, scheme=scheme, cut=cut, monetary=monetary, as_of=t0, recency_days=recency_days)
        stated = facts(at0, RfmSegmentsFacts)
        fixed = stated.cuts is not None and not isinstance(cut, dict)
        at1 = rfm_segments(data, scheme=scheme, cut=stated.cuts if fixed else cut, monetary=monetary, as_of=t1,
                           recency_days=recency_days)
    if isinstance(cut, dict):
        note = "the given thresholds at both dates"
    elif fixed:
        note = f"the cuts of {t0} (the {cut} of each measure then) at both dates"
        if recency_days is not None:
            note += f", recent = last purchase within {recency_days} days"
    else:
        note = "each date's customers ranked among themselves (score scheme)"
    order = list(dict.fromkeys(stated.rules["segment"])) + ["Other"]
    return at0[["customer_id", "segment"]], at1[["customer_id", "segment"]], order, note, stated.cuts


def _spend(data: Dataset, t0: _dt.date, t1: _dt.date) -> pd.DataFrame:
    """Each customer's spend in the (t1 - t0) days up to t0 and in (t0, t1]."""
    days = (t1 - t0).days
    orders = data.table("orders")
    window = orders.filter((orders.order_date > t0 - _dt.timedelta(days=days)) & (orders.order_date <= t1))
    before = window.order_date <= t0
    spend = window.group_by("customer_id").agg(value_before=window.amount.sum(where=before),
                                               value_after=window.amount.sum(where=~before))
    out = engine.execute(spend)
    out["customer_id"] = out["customer_id"].astype(str)
    return out.fillna({"value_before": 0.0, "value_after": 0.0})


def segment_migration(data, start, end=None, scheme="cn8", cut="mean", monetary: str = "total",
                      recency_days: int | None = None) -> SegmentMigration:
    """RFM segment transition matrix between two dates, with the value of every move.

    Parameters
    ----------
    data : Dataset, ibis.Table, pandas.DataFrame or dict of them by table name
        A loaded dataset (orders are enough).
    start, end : str or date
        The two dates (``end`` defaults to the as-of date); each customer is segmented on the
        orders up to each date.
    scheme, cut, monetary, recency_days
        As for :func:`userops_lib.metrics.rfm.rfm_segments` (default: the eight cn8 classes with
        mean cuts, fixed at ``start``; a fixed ``recency_days`` holds at both dates).

    Returns
    -------
    SegmentMigration
    """
    data = inputs.dataset_of(data, "orders")
    t0, t1 = parse_date(start, "start"), parse_date(end, "end") if end is not None else data.as_of
    if not t0 < t1:
        raise ParameterError(f"segment_migration: start ({t0}) must be before end ({t1})")
    if t1 > data.as_of:
        raise ParameterError(f"segment_migration: end ({t1}) is after the data's as-of date {data.as_of}")
    at0, at1, order, note, cuts = _segments(data, scheme, cut, monetary, t0, t1, recency_days)
    both = at1.rename(columns={"segment": "to_segment"}).merge(
        at0.rename(columns={"segment": "from_segment"}), on="customer_id", how="left")
    both["from_segment"] = both["from_segment"].fillna(NEW)
    both = both.merge(_spend(data, t0, t1), on="customer_id", how="left").fillna({"value_before": 0.0,
                                                                                  "value_after": 0.0})
    moves = both.groupby(["from_segment", "to_segment"], as_index=False).agg(
        customers=("customer_id", "size"), value_before=("value_before", "sum"), value_after=("value_after", "sum"))
    states = [s for s in order if s in set(moves["to_segment"]) | set(moves["from_segment"])]
    counts = (moves.pivot_table(index="from_segment", columns="to_segment", values="customers", aggfunc="sum",
                                fill_value=0)
              .reindex(index=[NEW, *states], columns=states, fill_value=0).astype("int64"))
    counts.index.name, counts.columns.name = "from_segment", "to_segment"
    row_total = counts.sum(axis=1)
    shares = counts.div(row_total.where(row_total > 0), axis=0)
    moves["share_of_row"] = moves["customers"] / moves["from_segment"].map(row_total)
    moves["value_change"] = moves["value_after"] - moves["value_before"]
    moves["moved"] = (moves["from_segment"] != moves["to_segment"]) & (moves["from_segment"] != NEW)
    rank = {s: i for i, s in enumerate([NEW, *states])}
    moves = moves.sort_values(["from_segment", "to_segment"], key=lambda s: s.map(rank), ignore_index=True)
    moves = moves[["from_segment", "to_segment", "customers", "share_of_row", "value_before", "value_after",
                   "value_change", "moved"]]
    english = {v[0]: v[1] for v in CN8_SEGMENTS.values()}
    notes = {"scheme": scheme if isinstance(scheme, str) else "custom", "cut": cut, "cut_note": note, "cuts": cuts,
             "window_days": (t1 - t0).days, "english": english if scheme == "cn8" else {}}
    return SegmentMigration(counts, shares, moves, t0, t1, notes)


def biggest_moves(migration: SegmentMigration, n: int = 3) -> pd.DataFrame:
    """The moves between segments (stays and new customers left out) that gained and lost the most value.

    Returns
    -------
    pandas.DataFrame
        Up to ``n`` gains (largest ``value_change`` first) then up to ``n`` losses (most negative
        first): ``kind`` ("gain" / "loss") and the columns of ``migration.moves``.
    """
    moved = migration.moves[migration.moves["moved"]]
    gains = moved[moved["value_change"] > 0].nlargest(n, "value_change").assign(kind="gain")
    losses = moved[moved["value_change"] < 0].nsmallest(n, "value_change").assign(kind="loss")
    out = pd.concat([gains, losses], ignore_index=True)
    return out[["kind", *migration.moves.columns]]


def segment_moves_sentence(migration: SegmentMigration) -> str:
    """One sentence: how many customers changed segment, and the largest gain and loss of value."""
    m = migration.moves
    known = m[m["from_segment"] != NEW]
    moved = int(known.loc[known["moved"], "customers"].sum())
    total = int(known["customers"].sum())
    new = int(m.loc[m["from_segment"] == NEW, "customers"].sum())
    share = f"{moved / total:.1%}" if total else "n/a"
    arrived = "1 new customer arrived" if new == 1 else f"{new:,} new customers arrived"
    text = (f"From {migration.start} to {migration.end}, {moved:,} of the {total:,} customers who had bought by "
            f"{migration.start} ({share}) changed segment, and {arrived}.")
    top = biggest_moves(migration, 1)
    name = lambda s: f"{s} ({migration.notes['english'][s]})" if s in migration.notes.get("english", {}) else s  # noqa: E731
    for row in top.itertuples():
        verb = "gained" if row.kind == "gain" else "lost"
        who = "1 customer" if row.customers == 1 else f"{row.customers:,} customers"
        text += (f" The largest {row.kind}: {who} moving from {name(row.from_segment)} to "
                 f"{name(row.to_segment)} {verb} {abs(row.value_change):,.0f} of spend "
                 f"({row.value_before:,.0f} in the {migration.notes['window_days']} days before, "
                 f"{row.value_after:,.0f} after).")
    return text
