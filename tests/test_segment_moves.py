"""RFM segment movement between two dates, and the value of each move, on a hand-made shop.

Every expected value is counted by hand from the orders below (the comments say how); the
segments follow the cn8 rule of :mod:`userops_lib.metrics.rfm` (R high when days since the last
purchase < cut, F and M high when above the cut).
"""

from __future__ import annotations

import pandas as pd
import pytest

from userops_lib.data.load import load_dataset
from userops_lib.exceptions import ParameterError
from userops_lib.metrics.segment_moves import NEW, biggest_moves, segment_migration, segment_moves_sentence

# start 2025-02-01, end 2025-03-31 (58 days; the value window before start is 2024-12-05 .. 2025-02-01)
# a: 01-05 100, 01-25 100 | 03-10 300      b: 01-10 500 | nothing       c: 2024-12-01 50 | 03-20 60
# d: first order 03-01 200 (new after the start)
ORDERS = pd.DataFrame(
    [("o1", "a", "2025-01-05", 100.0), ("o2", "a", "2025-01-25", 100.0), ("o3", "a", "2025-03-10", 300.0),
     ("o4", "b", "2025-01-10", 500.0), ("o5", "c", "2024-12-01", 50.0), ("o6", "c", "2025-03-20", 60.0),
     ("o7", "d", "2025-03-01", 200.0)],
    columns=["order_id", "customer_id", "order_ts", "amount"]).assign(order_ts=lambda d: pd.to_datetime(d.order_ts))
CUTS = {"R": 30, "F": 1, "M": 150}


@pytest.fixture(scope="module")
def shop():
    return load_dataset({"orders": ORDERS}, as_of="2025-03-31")


def test_transition_matrix_counted_by_hand(shop):
    m = segment_migration(shop, "2025-02-01", "2025-03-31", cut=CUTS)
    # At 02-01: a recency 7, 2 days, 200 -> 111 重要价值; b 22, 1, 500 -> 101 重要发展; c 62, 1, 50 -> 000 一般挽留.
    # At 03-31: a 21, 3, 500 -> 111; b 80, 1, 500 -> 001 重要挽留; c 11, 2, 110 -> 110 一般价值;
    # d 30 (not < 30), 1, 200 -> 001 重要挽留.
    assert list(m.counts.index) == [NEW, "重要价值客户", "重要发展客户", "重要挽留客户", "一般价值客户", "一般挽留客户"]
    assert list(m.counts.columns) == ["重要价值客户", "重要发展客户", "重要挽留客户", "一般价值客户", "一般挽留客户"]
    assert m.counts.loc["重要价值客户", "重要价值客户"] == 1 and m.counts.loc["重要发展客户", "重要挽留客户"] == 1
    assert m.counts.loc["一般挽留客户", "一般价值客户"] == 1 and m.counts.loc[NEW, "重要挽留客户"] == 1
    assert int(m.counts.to_numpy().sum()) == 4
    assert m.shares.loc["重要发展客户", "重要挽留客户"] == 1.0 and m.shares.loc["重要挽留客户"].isna().all()  # empty row
    mv = m.moves.set_index(["from_segment", "to_segment"])
    # value: spend in the 58 days after the start against the 58 days before (c's 2024-12-01 order is older)
    assert tuple(mv.loc[("重要价值客户", "重要价值客户"), ["value_before", "value_after", "value_change"]]) == (200, 300, 100)
    assert tuple(mv.loc[("重要发展客户", "重要挽留客户"), ["value_before", "value_after", "moved"]]) == (500, 0, True)
    assert tuple(mv.loc[("一般挽留客户", "一般价值客户"), ["value_before", "value_after"]]) == (0, 60)
    assert not mv.loc[(NEW, "重要挽留客户"), "moved"] and not mv.loc[("重要价值客户", "重要价值客户"), "moved"]
    top = biggest_moves(m)
    assert list(top[["kind", "from_segment", "to_segment", "value_change"]].itertuples(index=False)) == [
        ("gain", "一般挽留客户", "一般价值客户", 60.0), ("loss", "重要发展客户", "重要挽留客户", -500.0)]
    assert segment_moves_sentence(m) == (
        "From 2025-02-01 to 2025-03-31, 2 of the 3 customers who had bought by 2025-02-01 (66.7%) changed segment, "
        "and 1 new customer arrived. The largest gain: 1 customer moving from 一般挽留客户 (General win-back) to "
        "一般价值客户 (General value) gained 60 of spend (0 in the 58 days before, 60 after). The largest loss: "
        "1 customer moving from 重要发展客户 (Important development) to 重要挽留客户 (Important win-back) lost 500 of "
        "spend (500 in the 58 days before, 0 after).")


def test_relative_cuts_are_fixed_at_the_start(shop):
    m = segment_migration(shop, "2025-02-01", "2025-03-31")  # cut="mean"
    # means at 02-01: recency (7 + 22 + 62) / 3, purchase days 4 / 3, spend 750 / 3 = 250; used at both dates
    assert m.notes["cuts"] == pytest.approx({"recency_days": 91 / 3, "frequency_days": 4 / 3, "monetary_total": 250.0})
    assert m.notes["cut_note"] == "the cuts of 2025-02-01 (the mean of each measure then) at both dates"
    # with those cuts d (30 < 30.33 days, 1 day, 200 < 250) is 100 一般发展 at the end
    assert m.counts.loc[NEW, "一般发展客户"] == 1
    with pytest.raises(ParameterError, match="before"):
        segment_migration(shop, "2025-03-31", "2025-02-01")
    with pytest.raises(ParameterError, match="after the data's as-of date"):
        segment_migration(shop, "2025-02-01", "2025-04-30")


def test_a_recency_cut_in_days_holds_at_both_dates(shop):
    # review #25: recent = last purchase within 29 days (cut 30, as CUTS' R < 30); F and M keep the means of
    # 02-01 (4 / 3 purchase days, 250). At 03-31 d (30 days ago) is not recent: 1 day, 200 < 250 -> 000 一般挽留,
    # where the mean cut of 30.33 days called it recent (一般发展, above)
    m = segment_migration(shop, "2025-02-01", "2025-03-31", recency_days=29)
    assert m.notes["cuts"] == pytest.approx({"recency_days": 30.0, "frequency_days": 4 / 3, "monetary_total": 250.0})
    assert m.notes["cut_note"] == ("the cuts of 2025-02-01 (the mean of each measure then) at both dates, recent = last "
                                   "purchase within 29 days")
    assert m.counts.loc[NEW, "一般挽留客户"] == 1


def test_a_recency_cut_in_days_holds_at_both_dates_with_given_thresholds(shop):
    # recency_days=10 overrides CUTS' R < 30 at both dates (recent = within 10 days, cut 11):
    # at 02-01 a (7 days, 2, 200) -> 111 重要价值; b (22, 1, 500) -> 001 重要挽留; c (62, 1, 50) -> 000 一般挽留.
    # at 03-31 a (21 days, 3, 500) -> 011 重要保持 (R < 30 alone would keep it 111); b (80, 1, 500) -> 001;
    # c (11 days: not < 11, 2, 110) -> 010 一般保持 (R < 30 would make it 110 一般价值); d (30, 1, 200) -> 001.
    m = segment_migration(shop, "2025-02-01", "2025-03-31", cut=CUTS, recency_days=10)
    assert m.counts.loc["重要价值客户", "重要保持客户"] == 1 and m.counts.loc["一般挽留客户", "一般保持客户"] == 1
    assert m.counts.loc["重要挽留客户", "重要挽留客户"] == 1 and m.counts.loc[NEW, "重要挽留客户"] == 1
    assert int(m.counts.to_numpy().sum()) == 4
