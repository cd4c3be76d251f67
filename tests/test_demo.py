"""Tests of the seeded demo shop (userops_lib.demo.generate): contract, determinism, dirty rows, plausibility."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from userops_lib.data.contract import CONTRACT
from userops_lib.demo.generate import (
    CAMPAIGN_PLANS,
    CHANNELS,
    DIRTY_ROWS,
    FULFILMENT_COLUMNS,
    SHIPPING_PROMISE_HOURS,
    TIERS,
    WHY_ANSWERS,
    generate_demo,
    main,
    write_demo,
)
from userops_lib.exceptions import ParameterError

N = 2_000
START = pd.Timestamp("2024-01-01")
END = START + pd.Timedelta(days=731)  # first instant after the default window (2026-01-01)
FUNNEL = ["visit", "product_view", "add_to_cart", "checkout", "purchase"]
COMMUNITY = ["post", "review", "answer", "like", "comment", "share"]

# Row digests of the tables as generated (n_customers=2000, seed=7, dirty) BEFORE the experience /
# community / survey / ticket data was added, recorded with ``_digest`` on the previous demo.py.
# orders and customers: their previous columns; events: every row except share and review (new
# community shares and reviews are mixed in; 445 share/review rows existed before).
_DIGESTS_BEFORE_EXPERIENCE = {
    "orders": "9e55e7432abd6776",
    "order_items": "f575f846b249ac14",
    "customers": "daff0300adf8670e",
    "events": "7c677fda0561c193",
    "campaigns": "b54bc8bb64c9a98e",
    "campaign_assignments": "e84019cea69706fd",
    "tier_history": "f577beefded3e88e",
    "channel_costs": "c2ff78dc2d9ff31a",
}
_OLD_COLUMNS = {
    "orders": ["order_id", "customer_id", "order_ts", "amount", "status", "is_refund", "channel", "campaign_id", "coupon"],
    "customers": ["customer_id", "signup_ts", "channel", "gender", "birth_year", "age", "city", "member_tier",
                  "referrer_id", "interest_tags"],
}  # fmt: skip


def _digest(df: pd.DataFrame) -> str:
    """Order-sensitive digest of a frame's rows (index ignored)."""
    return hashlib.sha1(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes()).hexdigest()[:16]


@pytest.fixture(scope="module")
def shop() -> dict[str, pd.DataFrame]:
    """The default shop at test size, with dirty rows."""
    return generate_demo(n_customers=N, seed=7)


@pytest.fixture(scope="module")
def clean() -> dict[str, pd.DataFrame]:
    return generate_demo(n_customers=N, seed=7, dirty=False)


@pytest.fixture(scope="module")
def big_clean() -> dict[str, pd.DataFrame]:
    """20k customers without events (~0.3 s): control groups large enough to see the lift."""
    return generate_demo(n_customers=20_000, seed=7, dirty=False, events=False)


def _assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


# --- determinism -------------------------------------------------------------------------------


def test_same_seed_gives_identical_tables(shop):
    again = generate_demo(n_customers=N, seed=7)
    _assert_same(shop, again)
    assert again["orders"].attrs == shop["orders"].attrs


def test_other_seed_gives_other_data(shop):
    other = generate_demo(n_customers=N, seed=8)
    assert not other["orders"]["amount"].equals(shop["orders"]["amount"])
    assert not other["customers"]["signup_ts"].equals(shop["customers"]["signup_ts"])


def test_dirty_and_events_flags_leave_the_other_tables_unchanged(shop, clean):
    for name in set(shop) - {"orders"}:
        pd.testing.assert_frame_equal(shop[name], clean[name], obj=name)
    no_log = generate_demo(n_customers=N, seed=7, events=False)
    assert "events" not in no_log
    _assert_same(no_log, {k: v for k, v in shop.items() if k != "events"})


def test_tables_that_existed_before_the_experience_data_are_unchanged():
    shop = generate_demo(n_customers=N, seed=7, days=730)  # the window the digests were recorded on
    for name, expected in _DIGESTS_BEFORE_EXPERIENCE.items():
        table = shop[name][_OLD_COLUMNS[name]] if name in _OLD_COLUMNS else shop[name]
        if name == "events":
            table = table[~table["event_name"].isin(COMMUNITY + ["share", "review"])]
        assert _digest(table) == expected, name
    assert shop["events"]["event_name"].isin(["share", "review"]).sum() > 445  # old ones + community ones


# --- contract ----------------------------------------------------------------------------------


def _has_kind(series: pd.Series, kind: str) -> bool:
    if kind in ("id", "text"):
        return pd.api.types.is_string_dtype(series)
    if kind in ("timestamp", "date"):
        return pd.api.types.is_datetime64_dtype(series) and getattr(series.dt, "tz", None) is None
    if kind == "number":
        return pd.api.types.is_float_dtype(series)
    if kind == "int":
        return pd.api.types.is_integer_dtype(series)
    if kind == "bool":
        return pd.api.types.is_bool_dtype(series)
    raise AssertionError(f"unknown kind {kind}")


def test_every_contract_table_has_the_contract_columns_and_kinds(shop):
    assert set(shop) == set(CONTRACT)
    for name, spec in CONTRACT.items():
        table = shop[name]
        assert len(table) > 0, name
        extra = set(table.columns) - set(spec.names)
        assert extra == set(), name
        assert set(spec.names) <= set(table.columns), name
        for column in spec.names:
            assert _has_kind(table[column], spec.kind(column)), f"{name}.{column}: {table[column].dtype}"


def test_ids_are_text_with_prefixes(shop):
    assert shop["customers"]["customer_id"].str.fullmatch(r"C\d{6}").all()
    paid = shop["orders"][~shop["orders"]["is_refund"]]
    assert paid["order_id"].str.fullmatch(r"O\d{7}").all()
    assert shop["order_items"]["product_id"].str.fullmatch(r"P\d{4}").all()


def test_keys_are_unique_apart_from_injected_duplicates(shop):
    for name, spec in CONTRACT.items():
        if spec.key:
            table = shop[name].drop_duplicates() if name == "orders" else shop[name]
            assert not table.duplicated(list(spec.key)).any(), name


def test_required_columns_have_no_missing_values_in_clean_data(clean):
    for name, spec in CONTRACT.items():
        for column in spec.required:
            assert clean[name][column].notna().all(), f"{name}.{column}"


# --- dirty rows --------------------------------------------------------------------------------


def test_dirty_rows_are_planted_as_documented(shop, clean):
    orders, counts = shop["orders"], shop["orders"].attrs["dirty_rows"]
    n_clean = len(clean["orders"])
    assert counts == {
        "refund_rows": max(1, round(DIRTY_ROWS["refund_rows"] * n_clean)),
        "duplicated_rows": max(1, round(DIRTY_ROWS["duplicated_rows"] * n_clean)),
        "null_customer_id": DIRTY_ROWS["null_customer_id"],
        "future_order_ts": DIRTY_ROWS["future_order_ts"],
    }
    refunds = orders[orders["is_refund"]]
    assert len(refunds) == counts["refund_rows"] == (orders["status"] == "refunded").sum()
    assert (refunds["amount"] < 0).all()
    assert orders.duplicated().sum() == counts["duplicated_rows"]
    assert orders["order_id"].duplicated().sum() == counts["duplicated_rows"]
    assert orders["customer_id"].isna().sum() == counts["null_customer_id"]
    assert (orders["order_ts"] >= END).sum() == counts["future_order_ts"]
    assert len(orders) == n_clean + counts["refund_rows"] + counts["duplicated_rows"]


def test_refunds_follow_an_earlier_order_of_the_same_customer(shop):
    orders = shop["orders"]
    paid = orders[~orders["is_refund"]]
    for refund in orders[orders["is_refund"]].itertuples():
        earlier = paid[(paid["customer_id"] == refund.customer_id) & (paid["order_ts"] < refund.order_ts)]
        assert (earlier["amount"] == -refund.amount).any()


def test_clean_data_has_no_bad_rows(clean):
    orders = clean["orders"]
    assert orders.attrs["dirty_rows"] == dict.fromkeys(DIRTY_ROWS, 0)
    assert not orders["is_refund"].any() and (orders["status"] == "paid").all()
    assert not orders.duplicated("order_id").any()
    assert orders["customer_id"].notna().all()
    assert orders["order_ts"].between(START, END, inclusive="left").all()
    assert (orders["amount"] > 0).all()


# --- plausibility ------------------------------------------------------------------------------


def test_a_meaningful_share_of_buyers_repeat(clean):
    orders = clean["orders"]
    order_days = orders.groupby("customer_id")["order_ts"].agg(lambda ts: ts.dt.normalize().nunique())
    assert 0.2 <= (order_days >= 2).mean() <= 0.6
    assert 0.3 <= len(order_days) / len(clean["customers"]) <= 0.7  # share of signups who buy


def test_order_amount_is_the_sum_of_its_lines(clean):
    items = clean["order_items"]
    lines = pd.DataFrame({
        "n": items.groupby("order_id").size(),
        "value": (items["quantity"] * items["price"]).groupby(items["order_id"]).sum(),
    })  # fmt: skip
    orders = clean["orders"].set_index("order_id")
    assert set(lines.index) == set(orders.index)
    np.testing.assert_allclose(orders["amount"], lines.loc[orders.index, "value"], atol=1e-6)
    assert lines["n"].between(1, 5).all()
    assert not items.duplicated(["order_id", "product_id"]).any()
    assert (items["quantity"] >= 1).all() and (items["price"] > 0).all()


def test_catalogue_has_ten_categories_of_20_to_80_products_with_skewed_popularity(big_clean):
    items = big_clean["order_items"]
    per_category = items.drop_duplicates("product_id").groupby("category").size()
    assert len(per_category) == 10 and per_category.between(20, 80).all()
    units = items.groupby("product_id")["quantity"].sum().sort_values(ascending=False)
    assert units.head(len(units) // 10).sum() > 0.3 * units.sum()  # top 10% of products: > 30% of units


def test_planted_co_purchase_pairs_have_lift(big_clean):
    items = big_clean["order_items"]
    n_orders = items["order_id"].nunique()

    def lift(a: str, b: str) -> float:
        with_a = set(items.loc[items["product_name"] == a, "order_id"])
        with_b = set(items.loc[items["product_name"] == b, "order_id"])
        both = len(with_a & with_b) / n_orders
        return both / ((len(with_a) / n_orders) * (len(with_b) / n_orders))

    # Fans of a category buy its products together anyway (lift ~1.7): planting must add far more.
    for (a, b), (other_a, other_b) in [
        (("diapers (brand A)", "baby wipes (brand A)"), ("infant formula (brand A)", "baby wipes (brand A)")),
        (("shampoo (brand A)", "conditioner (brand A)"), ("face cream (brand A)", "conditioner (brand A)")),
    ]:
        planted = lift(a, b)
        assert planted > 1.5
        assert planted > 3 * lift(other_a, other_b)


def test_funnel_counts_decrease_at_every_step(shop):
    events = shop["events"]
    customers = [events.loc[events["event_name"] == step, "customer_id"].nunique() for step in FUNNEL]
    assert all(a > b for a, b in zip(customers, customers[1:])), customers
    day = events["event_ts"].dt.normalize()
    customer_days = [
        events.loc[events["event_name"] == step].assign(day=day).drop_duplicates(["customer_id", "day"]).shape[0]
        for step in FUNNEL
    ]
    assert all(a > b for a, b in zip(customer_days, customer_days[1:])), customer_days
    per_customer = len(events) / len(shop["customers"])
    assert 15 <= per_customer <= 60


def test_every_order_has_its_purchase_event_after_a_checkout(clean):
    orders, events = clean["orders"], clean["events"]
    purchases = events[events["event_name"] == "purchase"]
    key = ["customer_id", "order_ts"]
    assert purchases.rename(columns={"event_ts": "order_ts"})[key].sort_values(key, ignore_index=True).equals(
        orders[key].sort_values(key, ignore_index=True)
    )
    checkouts = events.loc[events["event_name"] == "checkout", ["customer_id", "event_ts"]]
    matched = pd.merge_asof(
        purchases.sort_values("event_ts")[["customer_id", "event_ts"]],
        checkouts.sort_values("event_ts").rename(columns={"event_ts": "checkout_ts"}),
        left_on="event_ts", right_on="checkout_ts", by="customer_id", tolerance=pd.Timedelta(hours=1),
    )  # fmt: skip
    assert matched["checkout_ts"].notna().all()
    assert (matched["checkout_ts"] < matched["event_ts"]).all()


def test_activity_happens_between_signup_and_window_end(clean):
    signup = clean["customers"].set_index("customer_id")["signup_ts"]
    assert signup.between(START, END, inclusive="left").all()
    assert signup.is_monotonic_increasing  # customer ids follow signup order
    for table, ts in [("orders", "order_ts"), ("events", "event_ts")]:
        rows = clean[table]
        assert (rows[ts] >= signup.loc[rows["customer_id"]].to_numpy()).all(), table
        assert (rows[ts] < END).all(), table


def test_referrers_are_earlier_buyers_with_a_heavy_tail_and_chains(clean):
    customers = clean["customers"].set_index("customer_id")
    first_order = clean["orders"].groupby("customer_id")["order_ts"].min()
    invited = customers[customers["referrer_id"].notna()]
    assert (invited["channel"] == "referral").all()
    assert (customers["channel"] == "referral").sum() == len(invited)
    assert invited["referrer_id"].isin(customers.index).all()
    assert (customers.loc[invited["referrer_id"], "signup_ts"].to_numpy() < invited["signup_ts"].to_numpy()).all()
    inviter_first_order = first_order.reindex(invited["referrer_id"]).to_numpy()
    assert (inviter_first_order < invited["signup_ts"].to_numpy()).all()  # NaT (non-buyer) would fail
    invites = invited["referrer_id"].value_counts()
    assert invites.max() >= 5 * invites.median()  # a few super-inviters
    assert customers.loc[invites.index, "referrer_id"].notna().any()  # chains A -> B -> C


def test_channels_differ_in_quality_and_cost(big_clean):
    customers, orders = big_clean["customers"], big_clean["orders"]
    buyer_share = customers["customer_id"].isin(orders["customer_id"]).groupby(customers["channel"]).mean()
    assert buyer_share["referral"] > buyer_share["organic"] > buyer_share["social"]
    costs = big_clean["channel_costs"].set_index("channel")["cost"]
    assert set(costs.index) == set(customers["channel"])
    assert costs["organic"] == 0 and (costs.drop("organic") > 0).all()


def test_first_orders_use_coupons_more_and_coupon_buyers_repeat_less(big_clean):
    orders = big_clean["orders"].sort_values("order_ts")
    has_coupon = orders["coupon"] != ""
    is_first = ~orders["customer_id"].duplicated()
    assert has_coupon[is_first].mean() > has_coupon[~is_first].mean() + 0.15
    repeats = orders.groupby("customer_id").size() > 1
    first_coupon = has_coupon[is_first].set_axis(orders.loc[is_first, "customer_id"])
    assert repeats[first_coupon[first_coupon].index].mean() < repeats[first_coupon[~first_coupon].index].mean()


def test_campaigns_with_control_group_show_a_lift(big_clean):
    campaigns = big_clean["campaigns"].set_index("campaign_id")
    assignments, orders = big_clean["campaign_assignments"], big_clean["orders"]
    with_control = set(assignments.loc[assignments["group"] == "control", "campaign_id"])
    assert len(with_control) >= 2
    assert len(set(campaigns.index) - set(assignments["campaign_id"])) >= 1  # a mass campaign
    assert set(assignments["group"]) == {"treatment", "control"}
    for campaign_id in with_control:
        first, last = campaigns.loc[campaign_id, ["start", "end"]]
        during = orders[(orders["order_ts"] >= first) & (orders["order_ts"] < last + pd.Timedelta(days=1))]
        group = assignments[assignments["campaign_id"] == campaign_id]
        converted = group["customer_id"].isin(during["customer_id"]).groupby(group["group"]).mean()
        assert converted["treatment"] > converted["control"], campaign_id
        assert group["group"].eq("control").mean() == pytest.approx(
            next(p.control_share for p in CAMPAIGN_PLANS if p.campaign_id == campaign_id), abs=0.05
        )
    attributed = orders["campaign_id"].dropna()
    assert set(attributed) == set(campaigns.index)
    assert (campaigns["cost"] > 0).all() and (campaigns["start"] <= campaigns["end"]).all()


def test_tier_history_agrees_with_member_tier(clean):
    customers = clean["customers"].set_index("customer_id")
    history = clean["tier_history"]
    assert set(history["tier"]) <= set(TIERS) and set(customers["member_tier"]) <= set(TIERS)
    assert history["tier"].ne("").any() and customers["member_tier"].ne("").any()
    last = history.sort_values("valid_from").groupby("customer_id")["tier"].last()
    current = customers["member_tier"]
    pd.testing.assert_series_equal(current.loc[last.index], last, check_names=False)
    assert (current.drop(last.index) == "").all()
    assert (history["valid_from"].dt.day == 1).all() and (history["valid_from"] == history["valid_from"].dt.normalize()).all()
    assert history["valid_from"].between(START, END, inclusive="left").all()
    ordered = history.sort_values(["customer_id", "valid_from"])
    same_customer = ordered["customer_id"].eq(ordered["customer_id"].shift())
    assert not (same_customer & ordered["tier"].eq(ordered["tier"].shift())).any()  # every row is a change
    assert not ordered.duplicated(["customer_id", "valid_from"]).any()


def test_customer_profile_columns(clean):
    customers = clean["customers"]
    assert 0.05 < customers["birth_year"].isna().mean() < 0.2
    assert customers["age"].notna().sum() > 0 and customers.loc[customers["age"].notna(), "birth_year"].isna().all()
    assert customers["city"].value_counts(normalize=True).iloc[0] > 0.1  # skewed towards the big cities
    tags = customers["interest_tags"].dropna().str.split("|").explode()
    assert set(tags) <= set(clean["order_items"]["category"])


# --- experience: fulfilment, community, surveys, tickets -----------------------------------------


def _shipping_hours(orders: pd.DataFrame) -> pd.Series:
    return (orders["shipped_ts"] - orders["paid_ts"]) / pd.Timedelta(hours=1)


def test_fulfilment_steps_happen_in_order_inside_the_window(clean):
    orders = clean["orders"]
    steps = ["order_ts", *FULFILMENT_COLUMNS]
    for before, after in zip(steps, steps[1:]):
        both = orders[[before, after]].dropna()
        assert len(both) > 0, after
        assert (both[after] >= both[before]).all(), (before, after)
        assert orders[after].isna().sum() >= orders[before].isna().sum()  # a missing step stays missing
    assert (orders[list(FULFILMENT_COLUMNS)].stack().dropna() < END).all()
    assert ((orders["paid_ts"] - orders["order_ts"]) < pd.Timedelta(hours=1)).mean() > 0.99
    delivery = (orders["delivered_ts"] - orders["shipped_ts"]).dropna()
    assert delivery.between(pd.Timedelta(days=1), pd.Timedelta(days=5)).all()
    assert orders["shipped_ts"].notna().mean() > 0.95  # only the last days' orders are not shipped yet


def test_most_orders_ship_within_the_promise_with_a_late_tail_worse_at_double_11(big_clean):
    orders = big_clean["orders"].dropna(subset=["shipped_ts"])
    late = _shipping_hours(orders) > SHIPPING_PROMISE_HOURS
    assert 0.70 <= 1 - late.mean() <= 0.97
    double_11 = (orders["order_ts"].dt.month == 11) & (orders["order_ts"].dt.day <= 15)
    assert late[double_11].mean() > 2 * late[~double_11].mean()


def test_after_sales_share_and_open_cases(big_clean):
    orders = big_clean["orders"]
    requested = orders["aftersales_request_ts"].notna()
    assert 0.04 <= requested.mean() <= 0.10
    still_open = requested & orders["aftersales_closed_ts"].isna()
    assert 0 < still_open.sum() < 0.2 * requested.sum()
    days = (orders["aftersales_closed_ts"] - orders["aftersales_request_ts"]).dropna()
    assert days.between(pd.Timedelta(days=1), pd.Timedelta(days=10)).all()


def test_refund_and_future_rows_have_no_fulfilment(shop):
    orders = shop["orders"]
    bad = orders["is_refund"] | (orders["order_ts"] >= END)
    assert bad.sum() == sum(shop["orders"].attrs["dirty_rows"][k] for k in ("refund_rows", "future_order_ts"))
    assert orders.loc[bad, list(FULFILMENT_COLUMNS)].isna().all().all()


def test_buyers_whose_first_order_went_badly_repurchase_less(big_clean):
    orders = big_clean["orders"].sort_values("order_ts")
    first = orders.drop_duplicates("customer_id")
    first = first[first["order_ts"] < END - pd.Timedelta(days=90)]  # time left to come back
    repeated = first["customer_id"].map(orders["customer_id"].value_counts()) > 1
    bad = (_shipping_hours(first) > SHIPPING_PROMISE_HOURS) | first["aftersales_request_ts"].notna()
    assert bad.sum() >= 100
    assert repeated[bad].mean() < repeated[~bad].mean() - 0.1


def test_community_roles_are_rare_and_given_to_buyers(big_clean):
    customers = big_clean["customers"]
    shares = customers["community_role"].value_counts(normalize=True)
    assert set(shares.index) == {"", "kol", "expert"}
    assert 0.001 <= shares["kol"] <= 0.004 and 0.005 <= shares["expert"] <= 0.02
    assert customers.loc[customers["community_role"] != "", "customer_id"].isin(big_clean["orders"]["customer_id"]).all()


def test_five_layer_community_pyramid_is_populated(shop):
    # Layers from the top, each customer in the highest one that fits: kol, expert, contributors
    # (post / review / answer), active (>= 3 likes / comments / shares), ordinary.
    customers, events = shop["customers"].set_index("customer_id"), shop["events"]
    role = customers["community_role"]
    contributors = set(events.loc[events["event_name"].isin(["post", "review", "answer"]), "customer_id"])
    interactions = events[events["event_name"].isin(["like", "comment", "share"])].groupby("customer_id").size()
    kol, expert = set(role.index[role == "kol"]), set(role.index[role == "expert"])
    contributors -= kol | expert
    active = set(interactions.index[interactions >= 3]) - kol - expert - contributors
    ordinary = set(customers.index) - kol - expert - contributors - active
    layers = [kol, expert, contributors, active, ordinary]
    assert all(layers), [len(x) for x in layers]
    assert len(kol) < len(expert) < len(contributors) < len(ordinary)
    posts = events[events["event_name"].isin(["post", "answer"])].groupby("customer_id").size()
    leaders = posts.reindex(sorted(kol | expert), fill_value=0)
    assert leaders.mean() > 20 * posts.reindex(sorted(contributors | active), fill_value=0).mean()


def test_community_reviews_follow_a_delivery(shop):
    events, orders = shop["events"], shop["orders"]
    reviews = events[events["event_name"] == "review"]
    first_delivery = orders.groupby("customer_id")["delivered_ts"].min()
    after = reviews["event_ts"].to_numpy() > first_delivery.reindex(reviews["customer_id"]).to_numpy()
    assert after.mean() > 0.8


def test_nps_waves_scores_and_response_rate(shop):
    surveys = shop["surveys"]
    nps = surveys[surveys["question"] == "nps"]
    waves = sorted(nps["survey_id"].unique())
    assert waves == ["nps-2025-h1", "nps-2025-h2"]
    assert not nps.duplicated(["customer_id", "survey_id"]).any()
    scores = nps["score"].dropna()
    assert scores.between(0, 10).all() and (scores == scores.round()).all()
    for wave in waves:
        assert 0.15 <= nps.loc[nps["survey_id"] == wave, "score"].notna().mean() <= 0.35, wave
    assert nps["answer"].isna().all()
    why = surveys[surveys["question"] == "why"]
    assert set(why["answer"]) <= set(WHY_ANSWERS) and why["score"].isna().all()
    answered = nps.dropna(subset=["score"])[["customer_id", "survey_id"]]
    assert why[["customer_id", "survey_id"]].merge(answered).shape[0] == len(why)  # only respondents say why


def test_nps_invitees_are_recent_buyers(shop, clean):
    # orders without dirty rows: a planted null customer id can blank an invitee's only order
    surveys, orders = shop["surveys"], clean["orders"]
    nps = surveys[surveys["question"] == "nps"]
    assert nps["customer_id"].isin(orders["customer_id"]).all()
    assert nps["ts"].between(START, END, inclusive="left").all()


def test_late_delivery_customers_give_lower_nps(big_clean):
    surveys, orders = big_clean["surveys"], big_clean["orders"]
    scores = surveys[(surveys["question"] == "nps") & surveys["score"].notna()]
    late = set(orders.loc[_shipping_hours(orders) > SHIPPING_PROMISE_HOURS, "customer_id"])
    had_late = scores["customer_id"].isin(late)
    assert had_late.sum() >= 50
    assert scores.loc[had_late, "score"].mean() < scores.loc[~had_late, "score"].mean() - 1


def test_csat_follows_closed_after_sales_cases(shop):
    surveys, orders = shop["surveys"], shop["orders"]
    csat = surveys[surveys["question"] == "csat"]
    assert len(csat) > 0 and csat["survey_id"].str.startswith("csat-O").all()
    assert csat["score"].dropna().between(1, 5).all() and 0.2 < csat["score"].notna().mean() < 0.7
    cases = orders.dropna(subset=["aftersales_closed_ts"]).set_index("order_id")
    closed = cases["aftersales_closed_ts"].reindex(csat["survey_id"].str.removeprefix("csat-"))
    assert (csat["ts"].to_numpy() > closed.to_numpy()).all()  # also fails on NaT: every case exists


def test_tickets_are_resolved_after_they_open(shop):
    tickets = shop["tickets"]
    assert set(tickets["type"]) == {"complaint", "question", "return"}
    resolved = tickets.dropna(subset=["resolved_ts"])
    assert (resolved["resolved_ts"] > resolved["ts"]).all()
    assert 0 < tickets["resolved_ts"].isna().sum() < 0.15 * len(tickets)
    assert tickets["ts"].between(START, END, inclusive="left").all() and (resolved["resolved_ts"] < END).all()
    assert tickets["ticket_id"].is_unique and tickets["ts"].is_monotonic_increasing
    assert tickets["customer_id"].isin(shop["customers"]["customer_id"]).all()


def test_late_deliveries_bring_complaints(big_clean):
    tickets, orders = big_clean["tickets"], big_clean["orders"]
    late = set(orders.loc[_shipping_hours(orders) > SHIPPING_PROMISE_HOURS, "customer_id"])
    buyers = orders["customer_id"].drop_duplicates()
    complained = buyers.isin(tickets.loc[tickets["type"] == "complaint", "customer_id"])
    assert complained[buyers.isin(late)].mean() > 3 * complained[~buyers.isin(late)].mean()


# --- files and command line --------------------------------------------------------------------


def test_write_demo_round_trips_through_parquet(tmp_path):
    params = dict(n_customers=300, days=120, seed=3)
    folder = write_demo(tmp_path / "demo", **params)
    tables = generate_demo(**params)
    for name, table in tables.items():
        back = pd.read_parquet(folder / f"{name}.parquet")
        pd.testing.assert_frame_equal(back, table, obj=name)
    readme = (folder / "README.txt").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme and "seed=3" in readme
    write_demo(folder, events=False, **params)  # a later run without events drops the stale log
    assert not (folder / "events.parquet").exists()


def test_command_line_writes_the_files(tmp_path, capsys):
    assert main(["--customers", "200", "--out", str(tmp_path), "--seed", "5", "--days", "90", "--clean"]) == 0
    assert {p.name for p in tmp_path.glob("*.parquet")} == {f"{name}.parquet" for name in CONTRACT}
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize(
    "params",
    [dict(n_customers=10), dict(days=7), dict(seed=-1), dict(start="not a date"), dict(start="2024-01-01T00:00+08:00")],
)
def test_bad_parameters_raise_parameter_error(params):
    with pytest.raises(ParameterError):
        generate_demo(**params)


# --- blocks and streaming ----------------------------------------------------------------------


def _read_folder(folder) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}


def test_the_files_are_the_same_whatever_the_chunk_size(tmp_path):
    """3,500 customers in four blocks (1,000 x 3 and 500): written one block at a time and three
    blocks at a time, read back equal to each other and to generate_demo's tables, with ids and
    numbers running on across the blocks."""
    params = dict(n_customers=3_500, seed=5, block_customers=1_000)
    one = write_demo(tmp_path / "one", chunk_customers=1_000, **params)
    three = write_demo(tmp_path / "three", chunk_customers=2_500, **params)  # rounded up to 3 blocks
    by_one, by_three, in_memory = _read_folder(one), _read_folder(three), generate_demo(**params)
    assert set(by_one) == set(by_three) == set(in_memory) == set(CONTRACT)
    for name, table in in_memory.items():
        pd.testing.assert_frame_equal(by_one[name], by_three[name], obj=name)
        pd.testing.assert_frame_equal(by_one[name], table, obj=name)
    assert (one / "README.txt").read_text() == (three / "README.txt").read_text()
    orders, customers = in_memory["orders"], in_memory["customers"]
    assert customers["customer_id"].is_unique and customers["customer_id"].iloc[-1] == "C003500"
    paid = orders[~orders["is_refund"]]
    assert paid["order_id"].duplicated().sum() == in_memory["orders"].attrs["dirty_rows"]["duplicated_rows"]
    assert orders.loc[orders["is_refund"], "order_id"].is_unique and in_memory["tickets"]["ticket_id"].is_unique
    # every block has its own planted rows: 4 blocks x 5 missing customer ids (DIRTY_ROWS)
    assert orders.attrs["dirty_rows"]["null_customer_id"] == 4 * DIRTY_ROWS["null_customer_id"]
    assert pd.read_parquet(one / "orders.parquet").attrs == orders.attrs


def test_a_customer_rows_do_not_depend_on_later_blocks():
    """Customers of the first two blocks get the same rows in a shop of 2 and of 4 blocks."""
    small = generate_demo(n_customers=2_000, seed=5, block_customers=1_000, events=False)
    large = generate_demo(n_customers=4_000, seed=5, block_customers=1_000, events=False)
    for name in ("customers", "campaign_assignments", "tier_history"):
        kept = large[name][large[name]["customer_id"].isin(small["customers"]["customer_id"])]
        pd.testing.assert_frame_equal(kept.reset_index(drop=True), small[name], obj=name)
    signups = lambda tables: pd.Series(tables["customers"]["channel"]).value_counts()  # noqa: E731
    costs = large["channel_costs"].set_index("channel")["cost"]
    assert costs["paid_search"] == signups(large)["paid_search"] * CHANNELS["paid_search"].cac  # summed over blocks


def test_a_small_remainder_joins_the_last_block():
    from userops_lib.demo.generate import _blocks

    assert _blocks(20_000, 100_000) == [(0, 20_000)]
    assert _blocks(149_999, 100_000) == [(0, 149_999)]
    assert _blocks(250_000, 100_000) == [(0, 100_000), (100_000, 100_000), (200_000, 50_000)]
    assert _blocks(10_000_000, 100_000)[-1] == (9_900_000, 100_000)


def test_each_block_is_a_whole_small_shop():
    """Referrers are picked within a block, and every block has its kol and experts."""
    tables = generate_demo(n_customers=3_000, seed=5, block_customers=1_000, events=False)
    customers = tables["customers"]
    block = (customers["customer_id"].str[1:].astype(int) - 1) // 1_000
    number = customers["customer_id"].str[1:].astype(int)
    invited = customers["referrer_id"].notna()
    referrer_block = (customers.loc[invited, "referrer_id"].str[1:].astype(int) - 1) // 1_000
    assert invited.sum() > 100 and (referrer_block == block[invited]).all()
    assert number.is_monotonic_increasing
    roles = customers[customers["community_role"] != ""].groupby(block[customers["community_role"] != ""])
    assert (roles["community_role"].apply(lambda r: set(r)) == {"kol", "expert"}).all()
