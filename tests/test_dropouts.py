"""Funnel drop-outs as an audience pack (加购未购 / browsed but did not buy), counted by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from userops_lib.data.load import load_dataset
from userops_lib.exceptions import ParameterError
from userops_lib.metrics.audiences import export_audiences
from userops_lib.metrics.dropouts import dropout_pack
from userops_lib.metrics.funnel import funnel

STEPS = ["visit", "product_view", "add_to_cart", "purchase"]


def _shop():
    # as-of 2025-06-30 (the last order). Funnel entrants of the last 30 days (2025-06-01..30):
    #   a: visit, view, cart (06-10)                    -> stopped at add_to_cart
    #   b: visit, view, cart, purchase (06-12)          -> completed
    #   c: visit, view (06-20)                          -> stopped at product_view
    #   d: visit, view, cart (06-25), purchase 06-29: 4 days after entering, inside 7d -> completed
    #   e: visit, view, cart 06-02, purchase 06-20 (18 days later, outside 7d) -> stopped at add_to_cart
    #   f: visit, view, cart on 05-20 (entered before the 30 days)            -> not an entrant
    #   g: cart on 05-25, then visit at 06-01 00:00 and view 06-01 00:05 (the first of the 30 days):
    #      the cart came before its entry and never counts             -> stopped at product_view
    # hand count: dropped after add_to_cart = a, e (2); after product_view = c, g (2)
    rows = [("a", "visit", "2025-06-10 10:00"), ("a", "product_view", "2025-06-10 10:01"),
            ("a", "add_to_cart", "2025-06-10 10:02"),
            ("b", "visit", "2025-06-12 09:00"), ("b", "product_view", "2025-06-12 09:01"),
            ("b", "add_to_cart", "2025-06-12 09:02"), ("b", "purchase", "2025-06-12 09:05"),
            ("c", "visit", "2025-06-20 12:00"), ("c", "product_view", "2025-06-20 12:03"),
            ("d", "visit", "2025-06-25 08:00"), ("d", "product_view", "2025-06-25 08:02"),
            ("d", "add_to_cart", "2025-06-25 08:03"), ("d", "purchase", "2025-06-29 08:00"),
            ("e", "visit", "2025-06-02 20:00"), ("e", "product_view", "2025-06-02 20:01"),
            ("e", "add_to_cart", "2025-06-02 20:02"), ("e", "purchase", "2025-06-20 20:00"),
            ("f", "visit", "2025-05-20 10:00"), ("f", "product_view", "2025-05-20 10:01"),
            ("f", "add_to_cart", "2025-05-20 10:02"),
            ("g", "add_to_cart", "2025-05-25 10:00"), ("g", "visit", "2025-06-01 00:00"),
            ("g", "product_view", "2025-06-01 00:05")]
    events = pd.DataFrame(rows, columns=["customer_id", "event_name", "event_ts"])
    events["event_ts"] = pd.to_datetime(events["event_ts"])
    orders = pd.DataFrame({"order_id": ["o1", "o2"], "customer_id": ["b", "d"],
                           "order_ts": pd.to_datetime(["2025-06-12 09:05", "2025-06-30 08:00"]),
                           "amount": [10.0, 20.0]})
    return load_dataset({"orders": orders, "events": events})


def test_abandoned_cart_pack_holds_who_reached_the_cart_but_did_not_buy():
    data = _shop()
    pack = dropout_pack(data, "add_to_cart", STEPS, window="7d", days=30)
    members = pack.members.loc[pack.members["pack"] == "dropped_after_add_to_cart", "customer_id"]
    assert sorted(members) == ["a", "e"]
    # the entrants and the last step each reached: f entered before the 30 days and is not one of them
    assert pack.features.set_index("customer_id")["last_step"].to_dict() == {
        "a": "add_to_cart", "b": "purchase", "c": "product_view", "d": "purchase", "e": "add_to_cart",
        "g": "product_view"}
    assert pack.sizes["customers"].tolist() == [2]
    # the same funnel over those days drops 2 between add_to_cart and purchase
    fun = funnel(data, STEPS, window="7d", start="2025-06-01", end="2025-06-30")
    assert int(fun.loc[fun.step == "purchase", "dropped_from_previous"].iloc[0]) == 2
    browsed = dropout_pack(data, "product_view", STEPS, window="7d", days=30)
    assert browsed.members["customer_id"].tolist() == ["c", "g"]


def test_dropout_pack_is_exported_like_the_other_packs(tmp_path):
    pack = dropout_pack(_shop(), "add_to_cart", STEPS, days=30)
    export_audiences(pack, tmp_path, salt="s3cret")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dropped_after_add_to_cart.csv", "manifest.json"]
    lines = (tmp_path / "dropped_after_add_to_cart.csv").read_text().split()
    # a and e, each as a 64-hex-digit HMAC-SHA256, never the id itself
    assert lines[0] == "customer_id_hmac_sha256" and len(lines) == 3
    assert all(len(h) == 64 and set(h) <= set("0123456789abcdef") for h in lines[1:])


def test_the_last_step_has_no_drop_out():
    with pytest.raises(ParameterError, match="before the last one"):
        dropout_pack(_shop(), "purchase", STEPS)


def test_the_packs_of_one_funnel_share_one_pass(monkeypatch):
    # 03 builds 浏览未购 and 加购未购 from the same funnel: the entrants' last steps are computed once
    # per Dataset (same members as computed alone, see the hand count above); other tables, other pass
    from userops_lib.metrics import dropouts

    data, passes = _shop(), []
    real = dropouts._last_steps
    monkeypatch.setattr(dropouts, "_last_steps", lambda *args: passes.append(args[2:]) or real(*args))
    carts = dropout_pack(data, "add_to_cart", STEPS, window="7d", days=30)
    views = dropout_pack(data, "product_view", STEPS, window="7d", days=30)
    assert len(passes) == 1
    assert sorted(carts.members["customer_id"]) == ["a", "e"] and views.members["customer_id"].tolist() == ["c", "g"]
    dropout_pack(data, "add_to_cart", STEPS, window="1d", days=30)  # another window: its own pass
    dropout_pack(data.with_tables(events=data.table("events").filter(lambda t: t.customer_id != "a")),
                 "add_to_cart", STEPS, window="7d", days=30)
    assert len(passes) == 3
