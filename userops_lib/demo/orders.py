"""Orders: the BG/NBD purchases, their lines and amounts, where they were placed, their fulfilment,
and the bad rows ``dirty=True`` plants. Tables ``orders`` and ``order_items``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .catalogue import catalogue, pick_products
from .common import ShopCalendar, at_time_of_day, first_per_group, labels, text_column, text_ids, timestamps
from .story import (AFTERSALES_SHARE, CAMPAIGN_PLANS, CATEGORIES, CHANNELS, COUPON_DROPOUT_FACTOR, DIRTY_ROWS,
                    EVERYDAY_COUPON_SHARE, EVERYDAY_COUPONS, FULFILMENT_COLUMNS, LATE_SHIPMENT_SHARE,
                    LOST_BUYER_FACTOR, MAX_PURCHASE_RATE, NEW_CUSTOMER_COUPON, PEAK_LATE_SHIPMENT_SHARE, PLATFORMS,
                    SHIPPING_PROMISE_HOURS, SPRING_FESTIVALS)

__all__ = ["bgnbd_orders", "order_lines", "order_amounts", "order_platforms", "fulfilment", "orders_table",
           "order_items_table", "inject_dirty_rows"]


def _channel_param(channel: np.ndarray, field: str) -> np.ndarray:
    return np.array([getattr(p, field) for p in CHANNELS.values()])[channel]


def bgnbd_orders(cust: pd.DataFrame, cal: ShopCalendar, rng: np.random.Generator) -> pd.DataFrame:
    """Organic orders: a first purchase after signup, then the BG/NBD process until drop-out."""
    n, ch, signup = len(cust), cust["channel"].to_numpy(), cust["signup"].to_numpy()
    buys = rng.random(n) < _channel_param(ch, "buyer_share")
    in_signup_session = rng.random(n) < 0.4
    first = np.where(
        in_signup_session,
        signup + (20 + rng.exponential(25, n)) / 1440,
        at_time_of_day(signup + rng.exponential(_channel_param(ch, "first_buy_days")), signup + 1 / 48, rng),
    )
    buys &= first < cal.days
    first_coupon = rng.random(n) < _channel_param(ch, "first_coupon")

    rate = np.minimum(rng.gamma(_channel_param(ch, "r"), 1 / _channel_param(ch, "alpha")), MAX_PURCHASE_RATE)
    dropout = rng.beta(_channel_param(ch, "a"), _channel_param(ch, "b"))
    dropout = np.clip(np.where(first_coupon, dropout * COUPON_DROPOUT_FACTOR, dropout), 1e-4, 1)
    repeats_before_dropout = rng.geometric(dropout) - 1
    # Purchase opportunities form a Poisson process (rate λ in busy time) after the first order; the
    # customer takes them until dropping out after ``repeats_before_dropout`` of them. Given their
    # number N, Poisson points are N sorted uniform times: keep the first min(N, repeats) of them.
    busy_first = cal.to_busy(first)
    chances = np.where(buys, rng.poisson(rate * np.maximum(cal.total_busy - busy_first, 0)), 0)
    repeats = np.minimum(repeats_before_dropout, chances)
    owner = np.repeat(np.arange(n), chances)
    busy = busy_first[owner] + rng.random(len(owner)) * (cal.total_busy - busy_first)[owner]
    order = np.lexsort((busy, owner))
    owner, busy = owner[order], busy[order]
    rank = np.arange(len(owner)) - np.repeat(np.cumsum(chances) - chances, chances)
    keep = rank < repeats[owner]
    owner = owner[keep]
    repeat_t = at_time_of_day(cal.from_busy(busy[keep]), first[owner], rng)

    buyers = np.flatnonzero(buys)
    everyday = np.array(EVERYDAY_COUPONS, dtype=object)[rng.integers(0, len(EVERYDAY_COUPONS), len(owner))]
    return pd.DataFrame({
        "cust": np.concatenate([buyers, owner]),
        "t": np.concatenate([first[buyers], repeat_t]),
        "coupon": np.concatenate([
            np.where(first_coupon[buyers], NEW_CUSTOMER_COUPON, ""),
            np.where(rng.random(len(owner)) < EVERYDAY_COUPON_SHARE, everyday, ""),
        ]),
        "campaign": -1,
    })  # fmt: skip


def order_lines(orders: pd.DataFrame, cust: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """1-4 picked products per order, plus the planted co-purchase partner; one line per product."""
    cat = catalogue()
    who = orders["cust"].to_numpy()
    order = np.repeat(np.arange(len(orders)), 1 + rng.binomial(3, cust["basket"].to_numpy()[who]))
    product = pick_products(who[order], cust, rng)
    # The first anchor product of an order may pull in its partner (so at most 5 lines).
    anchors = np.flatnonzero(cat.companion[product] >= 0)
    anchors = anchors[first_per_group(order[anchors])]
    pulled = anchors[rng.random(len(anchors)) < cat.attach[product[anchors]]]
    order = np.concatenate([order, order[pulled]])
    product = np.concatenate([product, cat.companion[product[pulled]]])
    # The same product picked twice is one line with a higher quantity.
    line, picks = np.unique(order * len(cat.price) + product, return_counts=True)
    order, product = line // len(cat.price), line % len(cat.price)
    quantity = picks + np.minimum(rng.poisson(cat.bulk[product]), 5)
    return pd.DataFrame({"order": order, "product": product, "quantity": quantity})


def order_amounts(lines: pd.DataFrame, n_orders: int) -> np.ndarray:
    """Order value = sum of quantity x price of its lines."""
    value = lines["quantity"].to_numpy() * catalogue().price[lines["product"].to_numpy()]
    return np.round(np.bincount(lines["order"].to_numpy(), weights=value, minlength=n_orders), 2)


def order_platforms(orders: pd.DataFrame, cust: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Where each order is placed: mostly on the customer's usual platform."""
    usual = cust["platform"].to_numpy()[orders["cust"].to_numpy()]
    return np.where(rng.random(len(orders)) < 0.75, usual, rng.integers(0, len(PLATFORMS), len(orders)))


def _peak_days(cal: ShopCalendar) -> np.ndarray:
    """Days on which couriers are overwhelmed: the Double 11 fortnight and the Spring Festival week."""
    dates = cal.dates
    peak = np.asarray((dates.month == 11) & (dates.day <= 15))
    for new_year in pd.to_datetime(list(SPRING_FESTIVALS)):
        peak |= np.abs(np.arange(cal.days) - (new_year - dates[0]).days) <= 3
    return peak


def fulfilment(orders: pd.DataFrame, n_customers: int, cal: ShopCalendar, rng: np.random.Generator) -> pd.DataFrame:
    """Payment, shipping, delivery and after-sales times of each order (days; NaN = none or not yet).

    The orders are drawn before their experience, so the link between a bad experience and churn is
    planted the other way round: the order after which a buyer never came back (with 60+ days of
    window left to do so) is shipped late and needs after-sales more often. The observed correlation
    is what an analyst would see in real data; it is not a causal effect.
    """
    t, who = orders["t"].to_numpy(), orders["cust"].to_numpy()
    n = len(t)
    last = np.full(n_customers, -np.inf)
    np.maximum.at(last, who, t)
    lost = (t == last[who]) & (t < cal.days - 60)
    peak = _peak_days(cal)[np.floor(t).astype(int)]
    p_late = np.where(peak, PEAK_LATE_SHIPMENT_SHARE, LATE_SHIPMENT_SHARE) * np.where(lost, LOST_BUYER_FACTOR, 1.0)
    late = rng.random(n) < p_late
    paid = t + (0.5 + rng.exponential(3, n)) / 1440
    hours = np.where(
        late,
        SHIPPING_PROMISE_HOURS + rng.exponential(30, n),
        3 + rng.lognormal(np.log(16), 0.45, n) + 6 * peak,  # busy warehouses are a bit slower
    )
    shipped = paid + hours / 24
    delivered = shipped + 1 + 4 * rng.beta(1.5, 2.5, n)
    late = hours > SHIPPING_PROMISE_HOURS
    p_aftersales = AFTERSALES_SHARE * np.where(late, 3.0, 1.0) * np.where(lost, LOST_BUYER_FACTOR, 1.0)
    requested = np.where(rng.random(n) < p_aftersales, delivered + 0.5 + rng.exponential(4, n), np.nan)
    still_open = rng.random(n) < 0.05
    closed = np.where(still_open, np.nan, requested + rng.uniform(1, 10, n))
    frame = pd.DataFrame({"paid": paid, "shipped": shipped, "delivered": delivered,
                          "requested": requested, "closed": closed})  # fmt: skip
    frame = frame.where(frame < cal.days)  # a step after the export has not happened yet
    frame["late"] = late & frame["shipped"].notna().to_numpy()
    return frame


def orders_table(orders, fulfil, order_id, customer_id, start) -> pd.DataFrame:
    table = pd.DataFrame({
        "order_id": text_column(order_id),
        "customer_id": labels(customer_id, orders["cust"].to_numpy()),
        "order_ts": timestamps(start, orders["t"].to_numpy()),
        "amount": orders["amount"].to_numpy(),
        "status": text_column(np.full(len(orders), "paid", dtype=object)),
        "is_refund": np.zeros(len(orders), bool),
        "channel": labels(PLATFORMS, orders["platform"].to_numpy()),
        "campaign_id": labels([p.campaign_id for p in CAMPAIGN_PLANS], orders["campaign"].to_numpy()),
        "coupon": text_column(orders["coupon"].to_numpy()),
    })  # fmt: skip
    for column, source in FULFILMENT_COLUMNS.items():
        table[column] = timestamps(start, fulfil[source].to_numpy())
    return table


def order_items_table(lines, order_id) -> pd.DataFrame:
    cat, product = catalogue(), lines["product"].to_numpy()
    return pd.DataFrame({
        "order_id": labels(order_id, lines["order"].to_numpy()),
        "product_id": labels(cat.product_id, product),
        "product_name": labels(cat.name, product),
        "category": labels(CATEGORIES, cat.category[product]),
        "quantity": lines["quantity"].to_numpy().astype("int64"),
        "price": cat.price[product],
    })  # fmt: skip


def inject_dirty_rows(orders: pd.DataFrame, end: pd.Timestamp, rng: np.random.Generator, refunds_before: int = 0):
    """Plant the bad rows of :data:`DIRTY_ROWS` in the final ``orders``; return it and the counts.

    ``refunds_before`` refund rows were planted in earlier blocks: the refund ids continue after them.
    """
    n = len(orders)
    ts = orders["order_ts"]
    n_null = min(int(DIRTY_ROWS["null_customer_id"]), n // 10)
    n_dup = max(1, round(DIRTY_ROWS["duplicated_rows"] * n)) if n else 0
    n_refund = max(1, round(DIRTY_ROWS["refund_rows"] * n)) if n else 0
    recent = np.flatnonzero(ts >= end - pd.Timedelta(days=60))
    future = rng.choice(recent, min(int(DIRTY_ROWS["future_order_ts"]), len(recent)), replace=False)
    others = rng.permutation(np.setdiff1d(np.arange(n), future))
    null, duplicated = others[:n_null], others[n_null : n_null + n_dup]
    untouched = np.sort(others[n_null:])
    refundable = untouched[(ts.iloc[untouched] < end - pd.Timedelta(days=2)).to_numpy()]

    orders = orders.copy()
    orders.loc[null, "customer_id"] = np.nan
    # a typo in the century, not "one year ahead": the rows must stay in the future on any run date
    orders.loc[future, "order_ts"] = orders.loc[future, "order_ts"] + pd.DateOffset(years=900)
    fulfilment = [c for c in FULFILMENT_COLUMNS if c in orders.columns]
    orders.loc[future, fulfilment] = pd.NaT  # a mistyped row has no trustworthy fulfilment either
    refunded = orders.iloc[np.sort(rng.choice(refundable, min(n_refund, len(refundable)), replace=False))]
    delay = pd.to_timedelta(np.floor((1 / 24 + rng.exponential(4, len(refunded))) * 86_400), unit="s")
    refunds = refunded.assign(
        order_id=text_ids("R", np.arange(refunds_before + 1, refunds_before + len(refunded) + 1), 7),
        order_ts=(refunded["order_ts"] + delay.to_numpy()).clip(upper=end - pd.Timedelta(seconds=1)),
        amount=-refunded["amount"],
        status="refunded",
        is_refund=True,
        campaign_id=None,
        coupon="",
        **dict.fromkeys(fulfilment, pd.NaT),  # a refund row is not shipped again
    )
    orders = pd.concat([orders, orders.iloc[duplicated], refunds], ignore_index=True)
    orders = orders.sort_values("order_ts", kind="stable", ignore_index=True)
    text = ["order_id", "customer_id", "status", "channel", "campaign_id", "coupon"]
    orders[text] = orders[text].astype("str")
    orders[fulfilment] = orders[fulfilment].astype("datetime64[us]")
    counts = {
        "refund_rows": len(refunds),
        "duplicated_rows": len(duplicated),
        "null_customer_id": len(null),
        "future_order_ts": len(future),
    }
    return orders, counts


# --------------------------------------------------------------------------------------------
# Assembly
# --------------------------------------------------------------------------------------------
