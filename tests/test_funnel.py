"""Funnels on a hand-made log of eight users; every expected number is a hand count over ``_log``.

Funnel: visit → product_view → add_to_cart → purchase, window 1 day (24 h, bound included) from
each user's FIRST visit. Hours are counted from 2024-01-01 00:00.
"""

from __future__ import annotations

import pandas as pd
import pytest

from userops_lib.data.load import load_dataset
from userops_lib.exceptions import ContractError, MissingTableError, ParameterError
from userops_lib.metrics.funnel import campaign_funnel, funnel, parse_window, time_to_convert

STEPS = ["visit", "product_view", "add_to_cart", "purchase"]
BASE = pd.Timestamp("2024-01-01")

# user: events (hour, name)                       -> sequential | strict | any (steps reached)
# u1: visit 0, view 1, cart 2, buy 3               -> 4 | 4 | 4
# u2: visit 0 (app), visit 5, view 6, cart 30      -> 2 | 1 (the 2nd visit is the next funnel event) | 2
#     (cart at 30 h is outside the window of the FIRST visit: the repeat visit does not restart it)
# u3: view 0, visit 1, cart 2, buy 3               -> 1 | 1 | 1 (the view is before the entry)
# u4: visit 0, cart 1, view 2, buy 3               -> 2 (no cart after the view) | 1 | 4
# u5: visit 0, view 1, view 2, cart 3, buy 4       -> 4 | 2 (the repeated view breaks it) | 4
# u6: visit 0, view 1, share 1.5, cart 2, buy 25   -> 3 (buy outside the window) | 3 (share is no step) | 3
# u7: visit 0, buy 48                              -> 1 | 1 | 1
# u8: visit 10, view 10.5, cart 11, buy 34         -> 4 (34 h = entry + 24 h, bound included) | 4 | 4
EVENTS = {
    "u1": [(0, "visit"), (1, "product_view"), (2, "add_to_cart"), (3, "purchase")],
    "u2": [(0, "visit"), (5, "visit"), (6, "product_view"), (30, "add_to_cart")],
    "u3": [(0, "product_view"), (1, "visit"), (2, "add_to_cart"), (3, "purchase")],
    "u4": [(0, "visit"), (1, "add_to_cart"), (2, "product_view"), (3, "purchase")],
    "u5": [(0, "visit"), (1, "product_view"), (2, "product_view"), (3, "add_to_cart"), (4, "purchase")],
    "u6": [(0, "visit"), (1, "product_view"), (1.5, "share"), (2, "add_to_cart"), (25, "purchase")],
    "u7": [(0, "visit"), (48, "purchase")],
    "u8": [(10, "visit"), (10.5, "product_view"), (11, "add_to_cart"), (34, "purchase")],
}
# acquisition channel; u7 has no customer row
CHANNELS = {"u1": "ads", "u2": "ads", "u3": "organic", "u4": "organic", "u5": "organic", "u6": "ads",
            "u8": "organic"}


def _log() -> pd.DataFrame:
    rows = [(u, BASE + pd.Timedelta(hours=h), name) for u, evs in EVENTS.items() for h, name in evs]
    df = pd.DataFrame(rows, columns=["customer_id", "event_ts", "event_name"])
    df["event_date"] = df.event_ts.dt.date
    # platform: u1 and u2's first visit on the app, everything else on the web
    df["platform"] = "web"
    df.loc[df.customer_id == "u1", "platform"] = "app"
    df.loc[(df.customer_id == "u2") & (df.event_ts == BASE), "platform"] = "app"
    return df.sample(frac=1.0, random_state=3)  # row order must not matter


def _customers() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": list(CHANNELS), "channel": list(CHANNELS.values())})


def _users(order: str) -> list[int]:
    return funnel(_log(), STEPS, window="1d", order=order).users.tolist()


@pytest.mark.parametrize("order, expected", [
    # counted from the table above: users reaching 1, 2, 3, 4 steps
    ("sequential", [8, 6, 4, 3]),  # view: u1 u2 u4 u5 u6 u8; cart: u1 u5 u6 u8; buy: u1 u5 u8
    ("strict", [8, 4, 3, 2]),      # view: u1 u5 u6 u8; cart: u1 u6 u8; buy: u1 u8
    ("any", [8, 6, 5, 4]),         # view: u1 u2 u4 u5 u6 u8; +cart: u1 u4 u5 u6 u8; +buy: u1 u4 u5 u8
])
def test_users_per_step_for_each_order_mode(order, expected):
    assert _users(order) == expected


def test_conversion_and_drop_off():
    out = funnel(_log(), STEPS, window="1d")
    # sequential 8, 6, 4, 3: from previous 6/8, 4/6, 3/4; from start 6/8, 4/8, 3/8
    assert out.conversion_from_previous.tolist() == pytest.approx([1.0, 0.75, 4 / 6, 0.75])
    assert out.conversion_from_start.tolist() == pytest.approx([1.0, 0.75, 0.5, 0.375])
    assert out.dropped_from_previous.tolist() == [0, 2, 2, 1]
    assert out.attrs["users_entering"] == 8 and out.attrs["order"] == "sequential"


def test_median_and_p80_time_between_steps():
    out = funnel(_log(), STEPS, window="1d").set_index("step")
    h = pd.Timedelta(hours=1)
    # visit→view of the 6 who reached it: u1 1, u2 6, u4 2, u5 1, u6 1, u8 0.5 h → sorted 0.5 1 1 1 2 6:
    # median (1+1)/2 = 1 h; p80 at position 0.8*5 = 4 → 2 h (linear interpolation, as numpy's default)
    assert out.loc["product_view", "median_time_from_previous"] == h
    assert out.loc["product_view", "p80_time_from_previous"] == 2 * h
    # view→cart: u1 1, u5 2 (first view 1 h, cart 3 h), u6 1, u8 0.5 → 0.5 1 1 2: median 1 h; p80 at 2.4 → 1.4 h
    assert out.loc["add_to_cart", "median_time_from_previous"] == h
    assert out.loc["add_to_cart", "p80_time_from_previous"] == 1.4 * h
    # cart→buy: u1 1, u5 1, u8 23 → median 1 h; p80 at 1.6 → 1 + 0.6 * 22 = 14.2 h
    assert out.loc["purchase", "median_time_from_previous"] == h
    assert out.loc["purchase", "p80_time_from_previous"] == 14.2 * h
    # entry→buy: u1 3, u5 4, u8 24 → median 4 h
    assert out.loc["purchase", "median_time_from_start"] == 4 * h


def test_any_order_has_no_step_gaps_but_a_time_to_convert():
    out = funnel(_log(), STEPS, window="1d", order="any").set_index("step")
    assert out.median_time_from_previous.isna().all()
    # entry→latest of the four first events: u1 3, u4 3, u5 4, u8 24 → median (3+4)/2 = 3.5 h
    assert out.loc["purchase", "median_time_from_start"] == pd.Timedelta(hours=3.5)


def test_breakdown_by_customer_channel():
    out = funnel(_log(), STEPS, window="1d", by="channel", customers=_customers())
    counts = {g: part.users.tolist() for g, part in out.groupby("channel")}
    # ads: u1 u2 u6 → view u1 u2 u6, cart u1 u6, buy u1; organic: u3 u4 u5 u8 → view u4 u5 u8, cart u5 u8,
    # buy u5 u8; u7 has no customer row → unknown
    assert counts == {"ads": [3, 3, 2, 1], "organic": [4, 3, 2, 2], "unknown": [1, 0, 0, 0]}
    assert out.groupby("channel").group_users.first().to_dict() == {"ads": 3, "organic": 4, "unknown": 1}
    assert out.attrs["users_without_group"] == 1


def test_breakdown_by_platform_of_the_entry_event():
    out = funnel(_log(), STEPS, window="1d", by="platform")
    counts = {g: part.users.tolist() for g, part in out.groupby("platform")}
    # entry on app: u1 (all 4 steps) and u2 (first visit on app; view only) → 2, 2, 1, 1;
    # web: u3..u8 → view u4 u5 u6 u8, cart u5 u6 u8, buy u5 u8
    assert counts == {"app": [2, 2, 1, 1], "web": [6, 4, 3, 2]}


def test_start_and_end_select_the_entries():
    # entries on 2024-01-01 only: all eight first visits are that day; none on 2024-01-02
    assert funnel(_log(), STEPS, "1d", start="2024-01-02").users.tolist() == [0, 0, 0, 0]
    assert funnel(_log(), STEPS, "1d", end="2024-01-01").users.tolist() == [8, 6, 4, 3]


def test_time_to_convert_buckets():
    seq = time_to_convert(_log(), STEPS, window="1d", bins=["2h", "6h"])
    # converters: u1 3 h, u5 4 h, u8 24 h → (0, 2h]: 0, (2h, 6h]: 2, (6h, 1d]: 1
    assert seq.converted_users.tolist() == [0, 2, 1]
    assert seq.cumulative_share.tolist() == pytest.approx([0, 2 / 3, 1])
    assert seq.attrs["median"] == pd.Timedelta(hours=4) and seq.attrs["users_entering"] == 8
    anyo = time_to_convert(_log(), STEPS, window="1d", order="any", bins=["2h", "6h"])
    assert anyo.converted_users.tolist() == [0, 3, 1]  # u1 3 h, u4 3 h, u5 4 h, u8 24 h


def test_window_parsing_and_bad_parameters():
    assert parse_window("90min") == pd.Timedelta(minutes=90)
    with pytest.raises(ParameterError, match="no unit"):
        parse_window(7)
    with pytest.raises(ParameterError, match="order"):
        funnel(_log(), STEPS, order="loose")
    with pytest.raises(ParameterError, match="different"):
        funnel(_log(), ["visit", "visit"])
    with pytest.raises(ParameterError, match="neither"):
        funnel(_log(), STEPS, by="member_tier")
    with pytest.raises(ContractError, match="event_name"):
        funnel(_log().drop(columns="event_name"), STEPS)


def test_rows_without_customer_are_counted():
    log = pd.concat([_log(), pd.DataFrame({"customer_id": [None], "event_ts": [BASE], "event_name": ["visit"]})])
    out = funnel(log, STEPS, "1d")
    assert out.attrs["excluded_events"] == 1 and out.users.iloc[0] == 8


def _shop():
    log = _log()
    orders = pd.DataFrame({"order_id": ["o1"], "customer_id": ["u1"], "order_ts": [BASE + pd.Timedelta(hours=3)],
                           "amount": [10.0]})
    campaigns = pd.DataFrame({"campaign_id": ["K1"], "name": ["January push"], "start": ["2024-01-01"],
                              "end": ["2024-01-01"]})
    # treatment u1 u2 u3 u9 (u9 never visits), control u4 u5
    assign = pd.DataFrame({"campaign_id": "K1", "customer_id": ["u1", "u2", "u3", "u9", "u4", "u5"],
                           "group": ["treatment"] * 4 + ["control"] * 2})
    return load_dataset({"orders": orders, "events": log.drop(columns="event_date"), "campaigns": campaigns,
                         "campaign_assignments": assign}, as_of="2024-01-05")


def test_campaign_funnel_per_group():
    out = campaign_funnel(_shop(), STEPS, window="1d")
    got = {g: part.users.tolist() for g, part in out.groupby("group")}
    # treatment u1 u2 u3: 3, view u1 u2, cart u1, buy u1; control u4 u5: 2, view 2, cart u5, buy u5
    # (u6-u8 were not assigned and are left out)
    assert got == {"treatment": [3, 2, 1, 1], "control": [2, 2, 1, 1]}
    treat = out[out.group == "treatment"]
    assert treat.assigned_users.iloc[0] == 4
    assert treat.share_of_assigned.tolist() == pytest.approx([3 / 4, 2 / 4, 1 / 4, 1 / 4])


def test_campaigns_with_their_own_dates_in_one_call():
    shop = _shop()
    campaigns = pd.DataFrame({"campaign_id": ["K1", "K2", "K3"], "name": ["January push", "Day two", "Undated"],
                              "start": ["2024-01-01", "2024-01-02", None], "end": ["2024-01-01", "2024-01-03", None]})
    # K1 as above; K2 (2024-01-02..03) assigns u1 and u8, but their first visits are on 2024-01-01 (nobody
    # visits on the 2nd or 3rd), so nobody enters; K3 has no dates (the whole data): treatment u4 u8,
    # control u7, and u1 is in K1 too
    assign = pd.DataFrame({"campaign_id": ["K1"] * 6 + ["K2"] * 2 + ["K3"] * 3,
                           "customer_id": ["u1", "u2", "u3", "u9", "u4", "u5", "u1", "u8", "u4", "u8", "u7"],
                           "group": ["treatment"] * 4 + ["control"] * 2 + ["treatment"] * 4 + ["control"]})
    data = load_dataset({"orders": shop.table("orders").to_pandas(), "events": _log().drop(columns="event_date"),
                         "campaigns": campaigns, "campaign_assignments": assign}, as_of="2024-01-05")
    out = campaign_funnel(data, STEPS, window="1d", campaign_ids=["K3", "K2", "K1"])
    got = {(c, g): part.users.tolist() for (c, g), part in out.groupby(["campaign_id", "group"])}
    # K3 treatment: u4 (visit, view; no cart after the view) and u8 (all four) → 2, 2, 1, 1; control: u7 → 1, 0, 0, 0
    assert got == {("K1", "treatment"): [3, 2, 1, 1], ("K1", "control"): [2, 2, 1, 1],
                   ("K3", "treatment"): [2, 2, 1, 1], ("K3", "control"): [1, 0, 0, 0]}
    assert out.campaign_id.unique().tolist() == ["K3", "K1"]  # in the order asked; K2 has no entrant
    assert out[out.campaign_id == "K3"].assigned_users.tolist() == [2] * 4 + [1] * 4


def test_missing_events_table_is_named():
    data = load_dataset({"orders": pd.DataFrame({"order_id": ["o1"], "customer_id": ["u1"],
                                                 "order_ts": [BASE], "amount": [1.0]})})
    with pytest.raises(MissingTableError, match="events"):
        funnel(data)


def test_demo_funnel_modes_nest(demo_data):
    # strict ⊆ sequential ⊆ any by definition, and sequential counts never grow along the funnel
    seq, strict, anyo = (funnel(demo_data, order=o).users for o in ("sequential", "strict", "any"))
    assert (strict <= seq).all() and (seq <= anyo).all()
    assert seq.is_monotonic_decreasing and seq.iloc[0] > 0


# ------------------------------------------------------------------------------ funnel over time
# visit → product_view → purchase, window 1 day, per month. Hand-made log (times local):
# a: visit Jan 31 23:00, view Feb 1 01:00, buy Feb 1 02:00  → January entry, 3 steps (steps after the month count)
#    visit Feb 10 00:00, view Feb 10 01:00                  → February entry, 2 steps (Feb 1 events are before it)
# b: visit Jan 5 00:00, visit Jan 20 00:00, view Jan 20 01:00 → January entry Jan 5, 1 step (view outside the day)
# c: visit Feb 3 00:00, view Feb 3 00:30, buy Feb 3 05:00   → February entry, 3 steps
# d: view Feb 5 00:00 only                                  → never enters
TREND_STEPS = ["visit", "product_view", "purchase"]
TREND_LOG = [("a", "2024-01-31 23:00", "visit"), ("a", "2024-02-01 01:00", "product_view"),
             ("a", "2024-02-01 02:00", "purchase"), ("a", "2024-02-10 00:00", "visit"),
             ("a", "2024-02-10 01:00", "product_view"), ("b", "2024-01-05 00:00", "visit"),
             ("b", "2024-01-20 00:00", "visit"), ("b", "2024-01-20 01:00", "product_view"),
             ("c", "2024-02-03 00:00", "visit"), ("c", "2024-02-03 00:30", "product_view"),
             ("c", "2024-02-03 05:00", "purchase"), ("d", "2024-02-05 00:00", "product_view")]


def _trend_log() -> pd.DataFrame:
    df = pd.DataFrame(TREND_LOG, columns=["customer_id", "event_ts", "event_name"])
    df["event_ts"] = pd.to_datetime(df.event_ts)
    df["event_date"] = df.event_ts.dt.date
    return df.sample(frac=1.0, random_state=5)


def test_funnel_trend_counts_each_months_entries():
    from userops_lib.metrics.funnel import funnel_trend

    out = funnel_trend(_trend_log(), TREND_STEPS, window="1d", period="month")
    counts = {p: part.users.tolist() for p, part in out.groupby("period")}
    # January: a (3 steps), b (1 step) → 2, 1, 1; February: a (2 steps), c (3 steps) → 2, 2, 1
    assert counts == {"2024-01": [2, 1, 1], "2024-02": [2, 2, 1]}
    assert out.conversion_from_start.tolist() == pytest.approx([1, 0.5, 0.5, 1, 1, 0.5])
    # the last event is on Feb 10: January has ended, February has not
    assert out.groupby("period").complete.first().to_dict() == {"2024-01": True, "2024-02": False}
    assert out.period_start.iloc[0] == pd.Timestamp("2024-01-01") and out.attrs["period_kind"] == "month"
    # each month is the funnel with start/end at the month's bounds
    for month, first, last in (("2024-01", "2024-01-01", "2024-01-31"), ("2024-02", "2024-02-01", "2024-02-29")):
        alone = funnel(_trend_log(), TREND_STEPS, window="1d", start=first, end=last)
        assert out[out.period == month].users.tolist() == alone.users.tolist()


def test_funnel_trend_breakdown_by_customer_channel():
    from userops_lib.metrics.funnel import funnel_trend

    customers = pd.DataFrame({"customer_id": ["a", "b", "c"], "channel": ["ads", "ads", "organic"]})
    out = funnel_trend(_trend_log(), TREND_STEPS, window="1d", by="channel", customers=customers)
    counts = {(p, g): part.users.tolist() for (p, g), part in out.groupby(["period", "channel"])}
    # January: a and b (ads); February: a (ads: view, no purchase) and c (organic: all three)
    assert counts == {("2024-01", "ads"): [2, 1, 1], ("2024-02", "ads"): [1, 1, 0],
                      ("2024-02", "organic"): [1, 1, 1]}


def test_funnel_trend_on_the_demo_matches_one_months_funnel(demo_data):
    from userops_lib.metrics.funnel import funnel_trend

    out = funnel_trend(demo_data, window="7d", period="month")
    month = out[out.period == out.period.iloc[-1]]  # the last month: windows still open at the as-of date
    start = month.period_start.iloc[0].date()
    alone = funnel(demo_data, window="7d", start=start, end=demo_data.as_of)
    assert month.users.tolist() == alone.users.tolist()
    assert month.users_with_open_window.iloc[0] == alone.attrs["users_with_open_window"] > 0


@pytest.mark.parametrize("order", ["sequential", "strict", "any"])
def test_funnel_after_its_trend_reads_the_first_entries(order):
    from userops_lib.metrics.funnel import funnel_trend

    customers = pd.DataFrame({"customer_id": ["a", "b", "c"], "channel": ["ads", "ads", "organic"]})

    def shop():
        return load_dataset({"orders": pd.DataFrame({"order_id": ["o1"], "customer_id": ["a"],
                                                     "order_ts": [pd.Timestamp("2024-02-10")], "amount": [1.0]}),
                             "events": _trend_log().drop(columns="event_date"), "customers": customers})

    data = shop()
    funnel_trend(data, TREND_STEPS, window="1d", order=order, period="month")
    after = funnel(data, TREND_STEPS, window="1d", order=order)
    # all time, from the log above: a enters Jan 31 23:00 (3 steps), b Jan 5 (1 step), c Feb 3 (3 steps)
    assert after.users.tolist() == [3, 2, 2]
    alone = funnel(shop(), TREND_STEPS, window="1d", order=order)  # a new Dataset: no funnel per period to read
    pd.testing.assert_frame_equal(after, alone)
    assert after.attrs == alone.attrs
    by_channel = funnel(data, TREND_STEPS, window="1d", order=order, by="channel")
    pd.testing.assert_frame_equal(by_channel, funnel(shop(), TREND_STEPS, window="1d", order=order, by="channel"))
