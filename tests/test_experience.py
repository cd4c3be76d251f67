"""Shopping-experience map on 8 hand-made orders of 5 customers; every expected value is counted by
hand from the table below (durations in hours worked out in the comment next to each row)."""

import pandas as pd
import pytest

from userops_lib.data.load import load_dataset
from userops_lib.exceptions import ContractError, ParameterError
from userops_lib.metrics.experience import (
    parse_duration,
    repurchase_by_experience,
    step_durations,
)

T = pd.Timestamp
N = None
# order, customer, order_ts, paid, shipped, delivered, after-sales request, closed
ROWS = [
    ("o1", "c1", "2024-01-01 00:00", "01-01 01:00", "01-02 01:00", "01-04 01:00", N, N),  # 1, 24, 48
    ("o2", "c1", "2024-01-10 00:00", "01-10 00:30", "01-13 00:30", "01-20 00:30", "01-21 00:30", "01-23 00:30"),
    # o2: 0.5, 72, 168, 24, 48
    ("o3", "c2", "2024-01-02 00:00", "01-02 02:00", "01-03 02:00", "01-09 02:00", "01-10 02:00", N),  # 2, 24, 144, 24
    ("o4", "c3", "2024-01-03 00:00", N, N, N, N, N),  # never paid
    ("o5", "c4", "2024-01-04 00:00", "01-04 00:00", "01-06 12:00", N, N, N),  # 0, 60, shipped not delivered
    ("o6", "c4", "2024-01-04 18:00", "01-04 19:00", "01-05 19:00", "01-07 19:00", N, N),  # 1, 24, 48 (same day as o5)
    ("o7", "c5", "2024-01-05 00:00", "01-05 01:00", "01-05 00:30", "01-07 00:30", N, N),  # 1, -0.5 (!), 48
    ("o8", "c5", "2024-02-01 00:00", "02-01 01:00", "02-02 01:00", "02-03 01:00", N, N),  # 1, 24, 24
]


def _ts(text):
    return pd.NaT if not isinstance(text, str) else T(text if text.startswith("20") else "2024-" + text)


@pytest.fixture(scope="module")
def orders():
    cols = ["order_id", "customer_id", "order_ts", "paid_ts", "shipped_ts", "delivered_ts",
            "aftersales_request_ts", "aftersales_closed_ts"]
    df = pd.DataFrame(ROWS, columns=cols)
    for c in cols[2:]:
        df[c] = df[c].map(_ts).astype("datetime64[us]")
    return df.assign(amount=10.0)


@pytest.fixture(scope="module")
def data(orders):
    return load_dataset({"orders": orders})


def test_step_counts_and_quantiles(data):
    df = step_durations(data, promises={"paid_to_shipped": "48h", "shipped_to_delivered": "5d"}).set_index("step")
    assert list(df.index) == ["order_to_paid", "paid_to_shipped", "shipped_to_delivered",
                              "delivered_to_aftersales", "aftersales_to_closed"]
    assert (df["orders"] == 8).all()  # every order counted in every step
    # reached / not reached / inconsistent, counted from the comments above
    assert df.loc["order_to_paid", ["reached", "not_reached", "inconsistent"]].tolist() == [7, 1, 0]
    assert df.loc["paid_to_shipped", ["reached", "not_reached", "inconsistent"]].tolist() == [6, 1, 1]
    assert df.loc["shipped_to_delivered", ["reached", "not_reached", "inconsistent"]].tolist() == [6, 2, 0]
    assert df.loc["delivered_to_aftersales", ["reached", "not_reached"]].tolist() == [2, 6]
    assert df.loc["aftersales_to_closed", ["reached", "not_reached"]].tolist() == [1, 7]
    # order_to_paid sorted: 0, 0.5, 1, 1, 1, 1, 2 -> median 1
    assert df.loc["order_to_paid", "median_hours"] == pytest.approx(1.0)
    # paid_to_shipped sorted: 24, 24, 24, 24, 60, 72; p80 at position 0.8 * 5 = 4 -> 60 (linear, as numpy)
    assert df.loc["paid_to_shipped", "median_hours"] == pytest.approx(24.0)
    assert df.loc["paid_to_shipped", "p80_hours"] == pytest.approx(60.0)
    # shipped_to_delivered sorted: 24, 48, 48, 48, 144, 168: mean 480 / 6 = 80
    assert df.loc["shipped_to_delivered", "mean_hours"] == pytest.approx(80.0)


def test_breach_shares(data):
    df = step_durations(data, promises={"paid_to_shipped": "48h", "shipped_to_delivered": "5d"}).set_index("step")
    # paid_to_shipped over 48h: 60 and 72 -> 2 of 6 reached (the inconsistent -0.5h is not judged)
    assert df.loc["paid_to_shipped", "breached"] == 2
    assert df.loc["paid_to_shipped", "breach_share"] == pytest.approx(2 / 6)
    # shipped_to_delivered over 120h: 144 and 168 -> 2 of 6
    assert df.loc["shipped_to_delivered", "promise_hours"] == 120
    assert df.loc["shipped_to_delivered", "breach_share"] == pytest.approx(2 / 6)
    assert pd.isna(df.loc["order_to_paid", "breach_share"])  # no promise given


def test_missing_columns_drop_steps(orders):
    df = step_durations(orders[["order_id", "customer_id", "order_ts", "amount", "paid_ts", "shipped_ts"]])
    assert df["step"].tolist() == ["order_to_paid", "paid_to_shipped"]
    with pytest.raises(ContractError, match="paid_ts"):
        step_durations(orders[["order_id", "customer_id", "order_ts", "amount"]])


def test_bad_promises(data):
    with pytest.raises(ParameterError, match="unknown step 'ship'"):
        step_durations(data, promises={"ship": "2d"})
    with pytest.raises(ParameterError, match="promises"):
        step_durations(data, promises={"paid_to_shipped": "two days"})
    assert parse_duration("90min") == pytest.approx(1.5)
    assert parse_duration("2w") == 336


def test_repurchase_by_first_order_experience(data):
    df = repurchase_by_experience(data, delivery_promise="5d").set_index(["experience", "group"])
    # first orders: c1 o1 73h on time, bought again 01-10; c2 o3 170h late, no repeat; c3 o4 not delivered;
    # c4 o5 not delivered (o6 is the same day: not a repurchase); c5 o7 48.5h on time, bought again 02-01
    assert df.loc[("delivery", "on time"), ["customers", "repurchased"]].tolist() == [2, 2]
    assert df.loc[("delivery", "late"), ["customers", "repurchased"]].tolist() == [1, 0]
    assert df.loc[("delivery", "not delivered"), ["customers", "repurchased"]].tolist() == [2, 0]
    # after-sales on the first order: only c2 (o3); the other four: c1 and c5 bought again -> 2 of 4
    assert df.loc[("after-sales", "after-sales request"), ["customers", "repurchased"]].tolist() == [1, 0]
    assert df.loc[("after-sales", "no after-sales request"), "repurchase_rate"] == pytest.approx(0.5)


def test_repurchase_window(data):
    # 20 days: c1 came back after 9 days (counts), c5 after 27 days (does not); as-of 02-01, cut-off 01-12
    df = repurchase_by_experience(data, window_days=20).set_index(["experience", "group"])
    assert df.loc[("delivery", "on time"), ["customers", "repurchased"]].tolist() == [2, 1]
    assert df.attrs["too_recent"] == 0
    # 28 days: cut-off 01-04, so c5 (first order 01-05) cannot be judged and is counted, not dropped silently
    df = repurchase_by_experience(data, window_days=28)
    assert df.attrs["too_recent"] == 1
    assert df[df["experience"] == "delivery"]["customers"].sum() == 4


def test_durations_across_daylight_saving_changes_are_elapsed_hours():
    # Europe/Berlin: clocks go 02:00 -> 03:00 on 2024-03-31 and 03:00 -> 02:00 on 2024-10-27.
    # Hand count of elapsed time, from the UTC instants the rows are given in:
    #   s1 paid 00:30Z (01:30 CET), shipped 01:30Z (03:30 CEST): 1 h (wall clock says 2)
    #   s2 paid 23:00Z 03-30 (00:00 CET), shipped 02:00Z (04:00 CEST): 3 h (wall clock 4)
    #   f1 paid 00:30Z 10-27 (02:30 CEST, first 02:30), shipped 02:30Z (03:30 CET): 2 h (wall clock 1)
    #   n1 no change in between: 10:00Z -> 12:00Z on 06-01: 2 h
    utc = lambda text: pd.Timestamp(text, tz="UTC")  # noqa: E731
    rows = [("s1", "2024-03-31 00:00", "2024-03-31 00:30", "2024-03-31 01:30"),
            ("s2", "2024-03-30 22:00", "2024-03-30 23:00", "2024-03-31 02:00"),
            ("f1", "2024-10-27 00:00", "2024-10-27 00:30", "2024-10-27 02:30"),
            ("n1", "2024-06-01 09:00", "2024-06-01 10:00", "2024-06-01 12:00")]
    orders = pd.DataFrame([(o, "c" + o, utc(a), utc(b), utc(c), 10.0) for o, a, b, c in rows],
                          columns=["order_id", "customer_id", "order_ts", "paid_ts", "shipped_ts", "amount"])
    berlin = step_durations(load_dataset({"orders": orders}, time_zone="Europe/Berlin"))
    shipped = berlin.set_index("step").loc["paid_to_shipped"]
    assert (shipped.reached, shipped.inconsistent) == (4, 0)
    assert shipped.mean_hours == pytest.approx((1 + 3 + 2 + 2) / 4)
    assert shipped.median_hours == pytest.approx(2.0)
    # the same instants in a zone without daylight saving give the same elapsed hours
    shanghai = step_durations(load_dataset({"orders": orders}, time_zone="Asia/Shanghai"))
    assert shanghai.set_index("step").loc["paid_to_shipped", "mean_hours"] == pytest.approx(2.0)
