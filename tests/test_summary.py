"""Per-customer purchase summary and calibration/holdout split.

Reference values: hand counts of the small table below; ``lifetimes`` 0.11.3 called on the same
random transactions (peer library, ``oracle``); the published CDNOW answer key shipped in
``userops_lib/data/cdnow`` (``cdnow_customers_summary.csv`` and
``cdnow_customers_summary_with_transactions.csv``, the 2,357-customer sample of Fader, Hardie & Lee
2005, calibration ending 1997-09-30, in weeks).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from oracle import lifetimes, needs_lifetimes

from userops_lib.data.bundled import cdnow_file
from userops_lib.data.load import load_dataset
from userops_lib.exceptions import ContractError, ParameterError
from userops_lib.clv.summary import calibration_holdout_split, rfm_summary

LIFETIMES_COLUMNS = ["frequency", "recency", "T", "monetary_value"]


def _hand_orders() -> pd.DataFrame:
    """15 orders of 6 customers in January 2024 (two in February)."""
    rows = [
        ("a", "2024-01-01", 10.0), ("a", "2024-01-01", 5.0), ("a", "2024-01-03", 20.0),
        ("a", "2024-01-10", 30.0), ("a", "2024-01-10", 10.0),
        ("b", "2024-01-05", 8.0),
        ("c", "2024-01-02", 100.0), ("c", "2024-01-02", 50.0), ("c", "2024-01-02", 50.0),
        ("d", "2024-01-15", 12.0), ("d", "2024-01-20", 0.0), ("d", "2024-01-31", 6.0),
        ("e", "2024-01-25", 9.0), ("e", "2024-02-03", 11.0),
        ("f", "2024-02-02", 7.0),
    ]
    df = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    df["order_date"] = pd.to_datetime(df["order_date"])
    df.insert(0, "order_id", [f"o{i}" for i in range(len(df))])
    return df


def _random_orders(seed: int, n: int = 4000, customers: int = 400) -> pd.DataFrame:
    """Random log with many same-day repeats: 400 customers, 4,000 orders over ~200 days."""
    rng = np.random.default_rng(seed)
    cust = rng.integers(0, customers, n)
    start = rng.integers(0, 150, customers)  # a per-customer start day, so first purchases differ
    day = start[cust] + rng.geometric(0.08, n) - 1
    return pd.DataFrame({
        "customer_id": pd.Series(cust).map("c{:04d}".format),
        "order_date": pd.Timestamp("2023-03-01") + pd.to_timedelta(day, unit="D"),
        "amount": rng.gamma(2.0, 20.0, n).round(2),
    })


def _lifetimes_summary(df, end):
    ref = lifetimes.utils.summary_data_from_transaction_data(df, "customer_id", "order_date", monetary_value_col="amount",
                                                             observation_period_end=end, freq="D")
    ref.index = ref.index.astype(str).rename("customer_id")
    return ref.sort_index()


def _ours(out: pd.DataFrame, columns) -> pd.DataFrame:
    return out.set_index("customer_id")[columns].astype(float).sort_index()


# ---------------------------------------------------------------------------- hand-counted table
def test_hand_counted_summary():
    out = rfm_summary(_hand_orders(), observation_end="2024-01-31").set_index("customer_id")
    # Hand count, observation end 2024-01-31 (f's only order is after it, e loses one order):
    # a: days 01-01 (10+5), 01-03 (20), 01-10 (30+10) -> frequency 2, recency 9, T 30,
    #    monetary (20 + 40) / 2 = 30, total 75 (first day included)
    # b: one day 01-05 -> 0, 0, T 26, monetary 0
    # c: three orders on 01-02 -> one purchase day: frequency 0, monetary 0 (first day excluded)
    # d: 01-15, 01-20 ($0), 01-31 -> frequency 2, recency 16, T 16, monetary (0 + 6) / 2 = 3
    # e: 01-25 only (02-03 is after the end) -> 0, 0, T 6
    assert list(out.index) == ["a", "b", "c", "d", "e"]
    assert out.frequency.tolist() == [2, 0, 0, 2, 0]
    assert out.recency.tolist() == [9, 0, 0, 16, 0]
    assert out["T"].tolist() == [30, 26, 29, 16, 6]
    assert out.monetary_value.tolist() == pytest.approx([30.0, 0.0, 0.0, 3.0, 0.0])
    assert out.total_amount.tolist() == pytest.approx([75.0, 8.0, 200.0, 18.0, 9.0])
    assert out.loc["a", "first_purchase"] == pd.Timestamp("2024-01-01")
    assert out.loc["d", "last_purchase"] == pd.Timestamp("2024-01-31")
    # nothing silent: e's 02-03 order and f's 02-02 order are counted
    assert out.attrs["excluded_rows"] == 2
    assert out.attrs["excluded_by_reason"] == {"after the observation end": 2}


def test_weeks_and_months_divide_day_counts_without_merging_same_week_days():
    days = rfm_summary(_hand_orders(), observation_end="2024-01-31")
    weeks = rfm_summary(_hand_orders(), observation_end="2024-01-31", time_unit="W")
    months = rfm_summary(_hand_orders(), observation_end="2024-01-31", time_unit="M")
    # a bought on 01-01 and 01-03 (same week): still 2 repeat purchase days in weeks
    assert weeks.frequency.tolist() == days.frequency.tolist()
    np.testing.assert_allclose(weeks.recency, days.recency / 7)
    np.testing.assert_allclose(months["T"], days["T"] / 30.4375)


def test_default_end_is_the_last_order_day_and_dataset_as_of():
    out = rfm_summary(_hand_orders())
    # last order 2024-02-03: f appears (T 1), e has two purchase days 01-25 and 02-03 (recency 9)
    assert out.attrs["observation_end"] == "2024-02-03"
    assert out.attrs["excluded_rows"] == 0
    e = out.set_index("customer_id").loc["e"]
    assert (e.frequency, e.recency, e["T"]) == (1, 9, 9)
    data = load_dataset({"orders": _hand_orders().assign(order_ts=lambda d: d.order_date + pd.Timedelta("10h"))},
                        as_of="2024-01-31")
    from_data = rfm_summary(data)
    assert from_data.attrs["observation_end"] == "2024-01-31"
    pd.testing.assert_frame_equal(from_data[LIFETIMES_COLUMNS],
                                  rfm_summary(_hand_orders(), observation_end="2024-01-31")[LIFETIMES_COLUMNS])
    with pytest.raises(ParameterError, match="after the data's as-of date 2024-01-31"):
        rfm_summary(data, observation_end="2024-02-15")


def test_timestamp_column_is_reduced_to_its_day():
    df = _hand_orders()
    df["order_ts"] = df.order_date + pd.to_timedelta(np.arange(len(df)), unit="h")
    by_ts = rfm_summary(df, observation_end="2024-01-31", date_col="order_ts")
    by_date = rfm_summary(df, observation_end="2024-01-31")
    pd.testing.assert_frame_equal(by_ts, by_date)


def test_bad_parameters_and_columns_are_named():
    with pytest.raises(ParameterError, match="time_unit='Y'"):
        rfm_summary(_hand_orders(), time_unit="Y")
    with pytest.raises(ContractError, match="column 'spend'"):
        rfm_summary(_hand_orders(), amount_col="spend")
    with pytest.raises(ParameterError, match="not a date"):
        rfm_summary(_hand_orders(), observation_end="end of January")


def test_null_values_are_counted_not_dropped_silently():
    df = _hand_orders()
    df.loc[0, "customer_id"] = None  # a's 10.00 on 01-01
    df.loc[5, "amount"] = np.nan     # b's only order
    out = rfm_summary(df, observation_end="2024-01-31")
    assert out.attrs["excluded_by_reason"] == {"null customer_id": 1, "null amount": 1,
                                               "after the observation end": 2}
    assert "b" not in set(out.customer_id)
    assert out.set_index("customer_id").loc["a", "total_amount"] == pytest.approx(65.0)



def test_default_end_is_the_last_day_with_a_usable_order():
    # hand count: the last order (e, 2024-02-03) has no amount, so the end is f's 2024-02-02;
    # e keeps one purchase day 01-25 (T 8) and the 02-03 row is counted, not dropped
    df = _hand_orders()
    df.loc[df.order_date == "2024-02-03", "amount"] = np.nan
    out = rfm_summary(df)
    assert out.attrs["observation_end"] == "2024-02-02"
    assert out.attrs["excluded_by_reason"] == {"null amount": 1}
    e = out.set_index("customer_id").loc["e"]
    assert (e.frequency, e["T"]) == (0, 8)
    with pytest.raises(ContractError, match="no order has a customer id, a date and an amount"):
        rfm_summary(df.assign(amount=np.nan))

# ------------------------------------------------------------------------------ against lifetimes
@needs_lifetimes
@pytest.mark.parametrize("seed,end", [(1, None), (2, "2023-06-30"), (3, "2023-08-15"), (4, "2023-04-10")])
def test_identical_to_lifetimes_on_random_data(seed, end):
    df = _random_orders(seed)
    assert df.duplicated(["customer_id", "order_date"]).sum() > 100  # the same-day rule is exercised
    ref = _lifetimes_summary(df, end)
    out = rfm_summary(df, observation_end=end)
    ours = _ours(out, LIFETIMES_COLUMNS)
    pd.testing.assert_index_equal(ours.index, ref.index)
    pd.testing.assert_frame_equal(ours[["frequency", "recency", "T"]], ref[["frequency", "recency", "T"]],
                                  check_exact=True)
    pd.testing.assert_frame_equal(ours, ref, rtol=1e-9)
    after = int((df.order_date > pd.Timestamp(end)).sum()) if end else 0
    assert out.attrs["excluded_rows"] == after


def test_identical_to_the_published_cdnow_summary():
    data = load_dataset("cdnow_sample")
    out = rfm_summary(data, observation_end="1997-09-30", time_unit="W")
    out["ID"] = out.customer_id.astype(int)  # the CSV's ID is the sample id as an integer
    with cdnow_file("cdnow_customers_summary.csv").open() as fh:
        key = pd.read_csv(fh)
    with cdnow_file("cdnow_customers_summary_with_transactions.csv").open() as fh:
        key_x = pd.read_csv(fh)
    assert len(key) == len(out) == 2357
    m = key.merge(out, on="ID", suffixes=("_key", ""), validate="one_to_one")
    assert len(m) == 2357
    assert (m.frequency_key == m.frequency).all()
    # the CSVs are rounded to 2 decimals
    np.testing.assert_array_equal(m.recency_key, m.recency.round(2))
    np.testing.assert_array_equal(m.T_key, m["T"].round(2))
    m = key_x.merge(out, on="ID", suffixes=("_key", ""), validate="one_to_one")
    assert (m.x == m.frequency).all()
    np.testing.assert_array_equal(m.t_x, m.recency.round(2))
    # zbar (mean spend of repeat purchase days) is rounded half up: 22.345 -> 22.35
    np.testing.assert_allclose(m.zbar, np.floor(m.monetary_value * 100 + 0.5 + 1e-9) / 100, atol=1e-9)


# --------------------------------------------------------------------------- calibration / holdout
def test_hand_counted_calibration_holdout(tmp_path):
    out = calibration_holdout_split(_hand_orders(), "2024-01-09", "2024-01-31").set_index("customer_id")
    # Hand count, calibration to 01-09, holdout 01-10..01-31 (22 days):
    # a: calibration days 01-01 (15), 01-03 (20): frequency 1, recency 2, T 8, monetary 20;
    #    holdout day 01-10 (30+10): 1 purchase day, mean daily spend 40
    # b: 01-05 only: 0, 0, T 4; c: 01-02 only: 0, 0, T 7; neither buys in the holdout
    # d and e first buy in the holdout: no calibration row, their 3 + 1 holdout orders are counted,
    # and e's 02-03 and f's 02-02 orders are after the observation end
    assert list(out.index) == ["a", "b", "c"]
    assert out.frequency_cal.tolist() == [1, 0, 0]
    assert out.recency_cal.tolist() == [2, 0, 0]
    assert out.T_cal.tolist() == [8, 4, 7]
    assert out.monetary_value_cal.tolist() == pytest.approx([20.0, 0.0, 0.0])
    assert out.frequency_holdout.tolist() == [1, 0, 0]
    assert out.monetary_value_holdout.tolist() == pytest.approx([40.0, 0.0, 0.0])
    assert out.duration_holdout.tolist() == [22, 22, 22]
    assert out.attrs["excluded_by_reason"] == {"after the observation end": 2,
                                               "holdout orders of customers first seen in the holdout": 4}
    assert out.attrs["new_in_holdout"] == 2
    out.to_parquet(tmp_path / "split.parquet")  # attrs hold JSON types only
    with pytest.raises(ParameterError, match="calibration_end=2024-01-31"):
        calibration_holdout_split(_hand_orders(), "2024-01-31", "2024-01-31")


@needs_lifetimes
@pytest.mark.parametrize("seed,cal,end", [(5, "2023-05-31", None), (6, "2023-06-15", "2023-08-01")])
def test_calibration_holdout_matches_lifetimes(seed, cal, end):
    df = _random_orders(seed)
    # pandas 3: lifetimes fails without a monetary column, so one is always passed
    ref = lifetimes.utils.calibration_and_holdout_data(df, "customer_id", "order_date", cal, end, freq="D",
                                                       monetary_value_col="amount")
    ref.index = ref.index.astype(str).rename("customer_id")
    out = calibration_holdout_split(df, cal, end)
    same = ["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal", "frequency_holdout", "duration_holdout"]
    pd.testing.assert_frame_equal(_ours(out, same), ref[same].sort_index(), rtol=1e-9)
    # lifetimes averages holdout spend over orders, not purchase days (its calibration value uses
    # daily totals); fed daily totals, lifetimes gives our holdout value exactly
    daily = df.groupby(["customer_id", "order_date"], as_index=False)["amount"].sum()
    ref_daily = lifetimes.utils.calibration_and_holdout_data(daily, "customer_id", "order_date", cal, end, freq="D",
                                                             monetary_value_col="amount")
    ref_daily.index = ref_daily.index.astype(str).rename("customer_id")
    pd.testing.assert_series_equal(_ours(out, ["monetary_value_holdout"]).monetary_value_holdout,
                                   ref_daily.monetary_value_holdout.sort_index(), rtol=1e-9)
    differs = ~np.isclose(_ours(out, ["monetary_value_holdout"]).monetary_value_holdout,
                          ref.monetary_value_holdout.sort_index())
    assert differs.any()  # the documented difference is real on data with same-day repeats


def test_demo_shop_every_kept_order_is_summarised(demo_data):
    # invariant, not a hand count: each clean order belongs to exactly one customer and purchase day
    out = rfm_summary(demo_data)
    orders = demo_data.orders
    purchase_days = orders.select("customer_id", "order_date").distinct().count().to_pyarrow().as_py()
    assert (out.frequency + 1).sum() == purchase_days
    assert out.total_amount.sum() == pytest.approx(orders.amount.sum().to_pyarrow().as_py(), rel=1e-12)
    assert len(out) == orders.customer_id.nunique().to_pyarrow().as_py()
    assert out.attrs["excluded_rows"] == 0  # the Dataset's as-of date is the default end
    assert (out.recency <= out["T"]).all() and (out.frequency >= 0).all()
