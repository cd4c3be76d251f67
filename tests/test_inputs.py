"""One way in for data (``userops_lib.data.inputs``) and one date parser (``periods.parse_date``).

Every public metric and CLV function is called with each kind of input an analyst has: a Dataset
from ``load_dataset``, an ibis table and a pandas DataFrame in the contract's column names (only the
contract's columns: no derived ``order_date``), or a dict of them for a function that reads several
tables. The table and frame answers must equal the Dataset's, which the metric's own test file checks
against hand-counted values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pytest

import userops_lib as u
from userops_lib.data import engine
from userops_lib.data.contract import CONTRACT
from userops_lib.data.inputs import dataset_of, orders_of, table_of
from userops_lib.data.periods import parse_date
from userops_lib.exceptions import ContractError, MissingTableError, ParameterError
from userops_lib.metrics import (basket, categories, drivers, dropouts, membership, pyramid, referral, rfm,
                                 segment_moves, voice)


# ------------------------------------------------------------------------------------ the resolver
ORDERS = pd.DataFrame({
    "order_id": ["o1", "o2", "o3", "o4"],
    "customer_id": ["a", "a", "b", "c"],
    "order_ts": pd.to_datetime(["2025-01-01 23:30", "2025-01-05 08:00", "2025-01-03 12:00", "2025-01-09 00:10"]),
    "amount": [10.0, 20.0, 5.0, 7.5],
    "coupon": ["SPRING", "", None, "0"],
})


def test_a_frame_in_contract_columns_gets_its_local_dates_and_as_of():
    data = dataset_of(ORDERS)
    got = engine.execute(data.table("orders")).sort_values("order_id")
    # order_date is the calendar date of the naive (business-local) order_ts, as load_dataset makes it
    assert [str(d)[:10] for d in got["order_date"]] == ["2025-01-01", "2025-01-05", "2025-01-03", "2025-01-09"]
    assert list(got["used_coupon"]) == [True, False, False, False]  # '', None and '0' are no coupon
    assert data.as_of == dt.date(2025, 1, 9)  # the last order's date (o4)
    assert dataset_of(ORDERS, as_of="2025-01-31").as_of == dt.date(2025, 1, 31)


def test_text_timestamps_are_read_too():
    frame = ORDERS.assign(order_ts=ORDERS["order_ts"].astype(str))
    got = engine.execute(orders_of(frame)).sort_values("order_id")
    assert str(got["order_date"].iloc[0])[:10] == "2025-01-01"


def test_rows_sorted_in_arrow_come_in_the_order_and_index_of_a_pandas_sort():
    # execute(sort_by=) sorts the Arrow result before pandas sees it: the frame must equal
    # sort_values on the unsorted frame, text ids in code-point order ("B" < "a" < "ä")
    ids = ["b", "a", "ä", "B", "a10", "a2"]
    t = ibis.memtable({"customer_id": ids, "n": list(range(len(ids)))})
    got = engine.execute(t, via_arrow=True, sort_by="customer_id")
    expected = engine.execute(t, via_arrow=True).sort_values("customer_id", ignore_index=True)
    pd.testing.assert_frame_equal(got, expected)
    assert list(got["customer_id"]) == ["B", "a", "a10", "a2", "b", "ä"]
    with pytest.raises(ValueError, match="via_arrow"):
        engine.execute(t, sort_by="customer_id")


def test_a_dataset_is_used_as_it_is():
    data = u.load_dataset({"orders": ORDERS})
    assert dataset_of(data) is data and table_of(data, "orders") is data.table("orders")


def test_a_missing_column_is_one_line_naming_table_column_and_rows():
    with pytest.raises(ContractError) as err:
        orders_of(ORDERS.drop(columns="customer_id"))
    assert str(err.value).startswith("table 'orders', column 'customer_id': missing column")
    assert str(err.value).endswith("(4 rows)") and "\n" not in str(err.value)


def test_other_inputs_and_absent_tables_are_named():
    with pytest.raises(ParameterError, match="orders: expected a Dataset, an ibis table or a pandas DataFrame"):
        orders_of([1, 2, 3])
    with pytest.raises(MissingTableError, match="'customers'"):
        table_of({"orders": ORDERS}, "customers")


def test_rfm_summary_reads_the_contracts_order_ts():
    # issue 15: rfm_summary(orders_df) said "column 'order_date' not found" for a frame with order_ts.
    # By hand: a bought on 2025-01-01 and 01-05 (frequency 1, recency 4 days, T to 01-09 8 days, value 20)
    got = u.rfm_summary(ORDERS, observation_end="2025-01-09").set_index("customer_id")
    assert (got.loc["a", "frequency"], got.loc["a", "recency"], got.loc["a", "T"]) == (1, 4.0, 8.0)
    assert got.loc["a", "monetary_value"] == 20.0 and got.loc["b", "frequency"] == 0


# ------------------------------------------------------------------------------------ the date parser
@pytest.mark.parametrize("value", [
    "2025-06-30", " 2025-06-30 ", "2025-06-30 18:45", "2025-06-30T23:59:59", dt.date(2025, 6, 30),
    dt.datetime(2025, 6, 30, 23, 59), pd.Timestamp("2025-06-30 23:00", tz="Asia/Shanghai"),
    np.datetime64("2025-06-30"),
])
def test_parse_date_accepts_dates_timestamps_and_text(value):
    assert parse_date(value, "at") == dt.date(2025, 6, 30)  # a timestamp's own calendar date, no zone shift


def test_parse_date_reads_a_month_as_its_first_day():
    assert parse_date("2025-06", "from_period") == dt.date(2025, 6, 1)


@pytest.mark.parametrize("value", ["2025-02-30", "", "soon", None, 20250630, 1.5, True, pd.NaT])
def test_parse_date_refuses_anything_else_in_one_line(value):
    with pytest.raises(ParameterError) as err:
        parse_date(value, "as_of")
    assert str(err.value) == f"as_of={value!r} is not a date (use 'YYYY-MM-DD')"


#: (parameter, a call that gives it the unreadable date "soon"): every date parameter reads through parse_date
BAD_DATES = [
    ("as_of", lambda x: u.load_dataset({"orders": ORDERS}, as_of="soon")),
    ("as_of", lambda x: u.period_kpis(x, as_of="soon")),
    ("as_of", lambda x: u.second_purchase_conversion(x, as_of="soon")),
    ("as_of", lambda x: u.customer_features(x, as_of="soon", model_features=False)),
    ("as_of", lambda x: u.rfm_segments(x, as_of="soon")),
    ("observation_end", lambda x: u.rfm_summary(x, observation_end="soon")),
    ("calibration_end", lambda x: u.calibration_holdout_split(x, "soon")),
    ("at", lambda x: u.customer_stage(x, at="soon")),
    ("from_period", lambda x: u.stage_transitions(x, "soon", "2025-11")),
    ("from_period", lambda x: u.pyramid_flows(x, "soon", "2025-11")),
    ("end", lambda x: u.stickiness_distribution(x, end="soon")),
    ("at", lambda x: drivers.driver_tree(x, at="soon")),
    ("start", lambda x: segment_moves.segment_migration(x, "soon")),
    ("start", lambda x: u.tier_migration(x, "soon", "2025-12-31")),
    ("end", lambda x: categories.category_repurchase(x, end="soon")),
]


@pytest.mark.parametrize("name, call", BAD_DATES, ids=[f"{i}-{n}" for i, (n, _) in enumerate(BAD_DATES)])
def test_every_date_parameter_says_the_same_line(shop, name, call):
    with pytest.raises(ParameterError) as err:
        call(shop)
    assert str(err.value) == f"{name}='soon' is not a date (use 'YYYY-MM-DD')"


# ------------------------------------------------------------------------------------ every public function
@pytest.fixture(scope="module")
def shop():
    from userops_lib.demo import generate_demo

    return u.load_dataset(generate_demo(300, seed=3))


@pytest.fixture(scope="module")
def expected_of():
    return {}


def _contract_frame(data, name: str) -> pd.DataFrame:
    """Table ``name`` of the Dataset in the contract's columns only, as an analyst would have it."""
    frame = engine.execute(data.table(name))
    return frame[[c for c in CONTRACT[name].names if c in frame.columns]]


def _given(data, kind: str, tables: tuple[str, ...]):
    if kind == "dataset":
        return data
    frames = {n: _contract_frame(data, n) for n in tables}
    if kind == "ibis":
        frames = {n: ibis.memtable(f) for n, f in frames.items()}
    return frames[tables[0]] if len(tables) == 1 else frames


def _as_frames(result):
    """The frames of a result (a DataFrame, a dataclass of frames, a tuple) to compare."""
    if isinstance(result, pd.DataFrame):
        return [result.reset_index(drop=True)]
    if dataclasses.is_dataclass(result):
        return [v.reset_index(drop=True) for v in vars(result).values() if isinstance(v, pd.DataFrame)]
    if isinstance(result, tuple):
        return [f for r in result for f in _as_frames(r)]
    raise TypeError(type(result))


#: Every table of the demo shop, for the functions that use whichever tables are there
ALL = ("orders", "order_items", "customers", "events", "campaigns", "campaign_assignments", "tier_history",
       "surveys", "tickets", "channel_costs")

#: (public function, the call, the tables it reads; the first is the one a single table stands for)
CALLS = [
    ("period_kpis", lambda x: u.period_kpis(x, "month"), ("orders", "customers")),
    ("cohort_retention", lambda x: u.cohort_retention(x, "month"), ("orders",)),
    ("n_day_retention", lambda x: u.n_day_retention(x), ("orders",)),
    ("second_purchase_conversion", lambda x: u.second_purchase_conversion(x), ("orders",)),
    ("repurchase_cycle", lambda x: u.repurchase_cycle(x), ("orders",)),
    ("returning_buyers", lambda x: u.returning_buyers(x), ("orders", "order_items")),
    ("rfm_segments", lambda x: u.rfm_segments(x), ("orders",)),
    ("rfm_summary", lambda x: u.rfm_summary(x, observation_end="2025-12-31"), ("orders",)),
    ("calibration_holdout_split", lambda x: u.calibration_holdout_split(x, "2025-06-30", "2025-12-31"), ("orders",)),
    ("lifecycle_stages", lambda x: u.lifecycle_stages(x), ("orders",)),
    ("customer_stage", lambda x: u.customer_stage(x, at="2025-11-15"), ("orders",)),
    ("stage_transitions", lambda x: u.stage_transitions(x, "2025-10", "2025-11"), ("orders",)),
    ("step_durations", lambda x: u.step_durations(x), ("orders",)),
    ("repurchase_by_experience", lambda x: u.repurchase_by_experience(x), ("orders",)),
    ("pyramid_layers", lambda x: u.pyramid_layers(x), ("events", "customers", "orders")),
    ("pyramid_flows", lambda x: u.pyramid_flows(x, "2025-10", "2025-11"), ("events", "customers", "orders")),
    ("layer_value", lambda x: u.layer_value(x, at="2025-11-15"), ("events", "customers", "orders")),
    ("customer_features", lambda x: u.customer_features(x, model_features=False), ALL),
    ("active_users", lambda x: u.active_users(x, "month"), ("events",)),
    ("stickiness", lambda x: u.stickiness(x), ("events",)),
    ("stickiness_distribution", lambda x: u.stickiness_distribution(x), ("events",)),
    ("activity_index", lambda x: u.activity_index(x), ALL),
    ("funnel", lambda x: u.funnel(x), ("events",)),
    ("time_to_convert", lambda x: u.time_to_convert(x), ("events",)),
    # windows still open at the end of the data are known only for a Dataset's cleaned events
    ("funnel_trend", lambda x: u.funnel_trend(x).drop(columns="users_with_open_window"), ("events",)),
    ("association_rules", lambda x: u.association_rules(x, min_support=0.01), ("order_items", "orders")),
    ("nps", lambda x: u.nps(x), ("surveys",)),
    ("csat", lambda x: u.csat(x), ("surveys",)),
    ("top_answers", lambda x: u.top_answers(x, "why"), ("surveys",)),
    ("complaint_rate", lambda x: u.complaint_rate(x), ("tickets", "orders")),
    ("tier_distribution", lambda x: u.tier_distribution(x), ("tier_history", "customers", "orders")),
    ("tier_migration", lambda x: u.tier_migration(x, "2025-06-30", "2025-12-31"), ("tier_history", "customers", "orders")),
    ("members_vs_nonmembers", lambda x: u.members_vs_nonmembers(x), ("customers", "orders")),
    ("referral_overview", lambda x: u.referral_overview(x), ("customers", "orders")),
    ("top_inviters", lambda x: u.top_inviters(x), ("customers", "orders")),
    ("user_profile", lambda x: u.user_profile(x), ("customers", "orders")),
    ("channel_conversion", lambda x: u.channel_conversion(x), ("customers", "orders", "channel_costs")),
    ("campaign_results", lambda x: u.campaign_results(x), ("orders", "campaigns", "campaign_assignments")),
    ("campaign_funnel", lambda x: u.campaign_funnel(x), ("events", "campaigns", "campaign_assignments", "orders")),
    # public functions of the metric modules that the notebooks call
    ("rfm_table", lambda x: rfm.rfm_table(x), ("orders",)),
    ("segment_profile", lambda x: u.segment_profile(u.rfm_segments(x), x), ("orders",)),
    ("segment_migration", lambda x: segment_moves.segment_migration(x, "2025-06-30"), ("orders",)),
    ("category_sales", lambda x: categories.category_sales(x), ("orders", "order_items")),
    ("repurchase_cycles", lambda x: categories.repurchase_cycles(x), ("orders", "order_items")),
    ("category_repurchase", lambda x: categories.category_repurchase(x), ("orders", "order_items")),
    ("first_product_repeat", lambda x: categories.first_product_repeat(x), ("orders", "order_items")),
    # itemsets of equal support come in the engine's order: compared sorted by itemset
    ("frequent_itemsets", lambda x: basket.frequent_itemsets(x, min_support=0.01).sort_values("itemset"),
     ("order_items", "orders")),
    ("basket_overview", lambda x: basket.basket_overview(x), ("order_items", "orders")),
    ("headline_comparison", lambda x: drivers.headline_comparison(x), ALL),
    ("driver_tree", lambda x: drivers.driver_tree(x), ALL),
    ("dropout_pack", lambda x: dropouts.dropout_pack(x, "add_to_cart"), ("events", "customers", "orders")),
    ("complaint_backlog", lambda x: voice.complaint_backlog(x), ("tickets", "orders")),
    ("survey_rounds", lambda x: voice.survey_rounds(x), ("surveys",)),
    ("nps_by_segment", lambda x: voice.nps_by_segment(x), ALL),
    ("current_tiers", lambda x: membership.current_tiers(x), ("customers", "tier_history", "orders")),
    ("tiers_at", lambda x: membership.tiers_at(x, ["2025-06-30"]), ("tier_history", "orders")),
    ("time_to_join", lambda x: membership.time_to_join(x), ("tier_history", "customers", "orders")),
    ("revenue_by_tier", lambda x: membership.revenue_by_tier(x), ("customers", "tier_history", "orders")),
    ("customer_layers", lambda x: pyramid.customer_layers(x), ("events", "customers", "orders")),
    ("referral_vs_channels", lambda x: referral.referral_vs_channels(x), ("customers", "orders")),
    ("referral_chains", lambda x: referral.referral_chains(x), ("customers", "orders")),
]


@pytest.mark.parametrize("kind", ["ibis", "pandas"])
@pytest.mark.parametrize("name, call, tables", CALLS, ids=[c[0] for c in CALLS])
def test_every_public_function_takes_a_table_or_frame_like_a_dataset(shop, name, call, tables, kind, expected_of):
    if name not in expected_of:  # the Dataset's answer, computed once for both kinds
        expected_of[name] = _as_frames(call(shop))
    expected = expected_of[name]
    got = _as_frames(call(_given(shop, kind, tables)))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        pd.testing.assert_frame_equal(g, e, check_dtype=False)
