"""Core-user pyramid on a 10-customer hand-made community over two months; every layer below was
assigned by hand from the rules (first matching layer wins) and written next to the events."""

import pandas as pd
import pytest

from userops_lib.data.load import load_dataset
from userops_lib.exceptions import ParameterError
from userops_lib.metrics.pyramid import (
    LAYERS,
    customer_layers,
    layer_value,
    pyramid_flows,
    pyramid_layers,
)


def _ev(customer, names_days, month):
    return [(customer, f"2024-{month:02d}-{day:02d} 10:00", name) for name, day in names_days]


JAN = (
    _ev("k1", [("post", 2)], 1)                                     # kol who also posts -> kol
    + _ev("e1", [("visit", 3)], 1)                                  # expert
    + _ev("c1", [("post", 5)], 1)                                   # 1 contribution -> contributor
    + _ev("c2", [("review", 5), ("like", 5), ("like", 6), ("like", 7)], 1)  # contributor beats active
    + _ev("c3", [("like", 6), ("comment", 7), ("share", 8)], 1)     # 3 interactions -> active
    + _ev("c4", [("visit", d) for d in (1, 2, 3, 4)], 1)            # 4 active days -> active
    + _ev("c5", [("visit", 10), ("visit", 11), ("visit", 12), ("like", 10)], 1)  # 3 days, 1 like -> ordinary
    + _ev("c6", [("visit", 15)], 1)                                 # ordinary
    + _ev("c8", [(" Post ", 20)], 1)                                # name normalised -> contributor
)                                                                   # c7 absent in January
FEB = (
    _ev("e1", [("visit", 3)], 2)                                    # expert
    + _ev("c1", [("visit", 3)], 2)                                  # ordinary
    + _ev("c2", [("post", 4)], 2)                                   # contributor
    + _ev("c3", [("visit", d) for d in (1, 8, 15, 22)], 2)          # active (4 days)
    + _ev("c5", [("like", 1), ("like", 2), ("like", 3)], 2)         # active (3 interactions)
    + _ev("c6", [("visit", 9)], 2)                                  # ordinary
    + _ev("c7", [("answer", 9)], 2)                                 # contributor (was absent)
)                                                                   # k1, c4, c8 absent in February


@pytest.fixture(scope="module")
def data():
    events = pd.DataFrame(JAN + FEB, columns=["customer_id", "event_ts", "event_name"])
    ids = ["k1", "e1"] + [f"c{i}" for i in range(1, 9)]
    customers = pd.DataFrame({"customer_id": ids, "community_role": ["kol", "expert"] + [None] * 8})
    orders = pd.DataFrame({
        "order_id": ["o1", "o2", "o3", "o4", "o5", "o6"],
        "customer_id": ["c1", "c1", "c3", "k1", "c9", "c2"],
        "order_ts": ["2024-01-05", "2024-01-20", "2024-01-08", "2024-01-02", "2024-01-30", "2024-02-29"],
        "amount": [10.0, 20.0, 50.0, 100.0, 40.0, 5.0],
    })
    return load_dataset({"orders": orders, "customers": customers, "events": events})


def test_each_customer_gets_its_hand_assigned_layer(data):
    jan = customer_layers(data, at="2024-01-01").set_index("customer_id")["layer"].astype(str).to_dict()
    assert jan == {"k1": "kol", "e1": "expert", "c1": "contributor", "c2": "contributor", "c3": "active",
                   "c4": "active", "c5": "ordinary", "c6": "ordinary", "c8": "contributor"}
    feb = customer_layers(data).set_index("customer_id")["layer"].astype(str).to_dict()  # default: last complete
    assert feb == {"e1": "expert", "c1": "ordinary", "c2": "contributor", "c3": "active", "c5": "active",
                   "c6": "ordinary", "c7": "contributor"}


def test_rules_are_parameters(data):
    # two contributions needed: c1 and c8 (one post each) fall to ordinary, c2 (1 review + 3 likes) to active
    jan = customer_layers(data, at="2024-01-01", rules={"min_contributions": 2}).set_index("customer_id")["layer"]
    assert (jan["c1"], jan["c8"], jan["c2"]) == ("ordinary", "ordinary", "active")
    with pytest.raises(ParameterError, match="unknown rule 'min_posts'"):
        customer_layers(data, rules={"min_posts": 2})


def test_layer_sizes_per_month(data):
    df = pyramid_layers(data).set_index("period")
    # January 1/1/3/2/2 = 9 members, February 0/1/2/2/2 = 7 (counted from the lists above)
    assert df.loc["2024-01", list(LAYERS)].tolist() == [1, 1, 3, 2, 2]
    assert df.loc["2024-02", list(LAYERS)].tolist() == [0, 1, 2, 2, 2]
    assert df["members"].tolist() == [9, 7]
    assert df["complete"].all()  # as-of is 2024-02-29, the last order


def test_flows_between_months(data):
    df = pyramid_flows(data, "2024-01-01", "2024-02-01").set_index(["from_layer", "to_layer"])
    assert df.loc[("kol", "absent"), "customers"] == 1                  # k1
    assert df.loc[("expert", "expert"), "share"] == 1.0                # e1
    for to in ("ordinary", "contributor", "absent"):                     # c1, c2, c8
        assert df.loc[("contributor", to), "share"] == pytest.approx(1 / 3)
    assert df.loc[("active", "active"), "customers"] == 1               # c3 (c4 left)
    assert df.loc[("ordinary", "active"), "customers"] == 1             # c5
    assert df.loc[("absent", "contributor"), "customers"] == 1          # c7
    assert df["customers"].sum() == 10                                  # 9 in January + 1 newcomer
    assert ("absent", "absent") not in df.index


def test_layer_value(data):
    df = layer_value(data, at="2024-01-15").set_index("layer")
    # January orders: k1 100; c1 10 + 20; c3 50; c9 40 (no events in January)
    assert df.loc["kol", ["buyers", "gmv", "gmv_per_member"]].tolist() == [1, 100.0, 100.0]
    assert df.loc["contributor", ["members", "buyers", "orders", "gmv"]].tolist() == [3, 1, 2, 30.0]
    assert df.loc["contributor", "gmv_per_member"] == pytest.approx(10.0)
    assert df.loc["active", "gmv_per_buyer"] == pytest.approx(50.0)
    assert df.loc["expert", "buyers"] == 0
    assert df.loc["no community activity", "gmv"] == 40.0
    assert df["gmv"].sum() == pytest.approx(220.0)                     # the whole of January's GMV
