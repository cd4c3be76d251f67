"""The behaviour log: purchase and browsing sessions (the funnel), social and community events.

Table ``events``, sorted by time within a block.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .catalogue import catalogue, pick_products
from .common import at_time_of_day, first_per_group, labels, timestamps
from .story import EVENT_NAMES, PLATFORMS

__all__ = ["event_log", "events_table"]

_VISIT, _VIEW, _CART, _CHECKOUT, _PURCHASE, _SHARE, _REVIEW, _INVITE, _POST, _ANSWER, _LIKE, _COMMENT = range(12)
_SECOND = 1 / 86_400


def _sessions(anchor, ends_at_anchor, views, carts, checkout, purchase, rng) -> pd.DataFrame:
    """Event rows of sessions, steps in funnel order a few seconds to minutes apart.

    ``views`` and ``carts`` are (session, product) pairs; ``checkout`` and ``purchase`` are session
    numbers. A session starts at its ``anchor`` or, if ``ends_at_anchor``, ends exactly at it.
    """
    n = len(anchor)
    no_product = lambda sessions: np.full(len(sessions), -1)  # noqa: E731
    parts = [  # (session of each row, step, product of each row)
        (np.arange(n), _VISIT, no_product(np.arange(n))),
        (views[0], _VIEW, views[1]),
        (carts[0], _CART, carts[1]),
        (checkout, _CHECKOUT, no_product(checkout)),
        (purchase, _PURCHASE, no_product(purchase)),
    ]
    session = np.concatenate([rows for rows, _, _ in parts])
    step = np.concatenate([np.full(len(rows), code) for rows, code, _ in parts])
    product = np.concatenate([products for _, _, products in parts])
    order = np.lexsort((step, session))
    session, step, product = session[order], step[order], product[order]
    size = np.bincount(session, minlength=n)
    first_row = np.cumsum(size) - size
    gap = (5 + rng.exponential(40, len(session))) * _SECOND
    gap[first_row] = 0
    elapsed = np.cumsum(gap)
    elapsed -= np.repeat(elapsed[first_row], size)
    duration = elapsed[first_row + size - 1]
    shift = np.where(ends_at_anchor, duration, 0.0)
    return pd.DataFrame({
        "session": session, "t": anchor[session] + (elapsed - shift[session]), "event": step, "product": product
    })  # fmt: skip


def _purchase_sessions(orders, lines, cust, rng) -> pd.DataFrame:
    """One session per order ending with its purchase event: views, carts, checkout, purchase."""
    n = len(orders)
    extra = np.repeat(np.arange(n), rng.poisson(1.2, n))  # products looked at but not bought
    extra_product = pick_products(orders["cust"].to_numpy()[extra], cust, rng)
    line_order, line_product = lines["order"].to_numpy(), lines["product"].to_numpy()
    views = (np.concatenate([line_order, extra]), np.concatenate([line_product, extra_product]))
    rows = _sessions(orders["t"].to_numpy(), True, views, (line_order, line_product),
                     np.arange(n), np.arange(n), rng)  # fmt: skip
    rows["cust"] = orders["cust"].to_numpy()[rows["session"]]
    rows["platform"] = orders["platform"].to_numpy()[rows["session"]]
    return rows


def _browsing_sessions(cust, orders, cal, rng) -> pd.DataFrame:
    """Sessions without purchase: one at signup, more while the customer is active.

    Non-buyers come back a few times while interest fades (~25 days); buyers browse about
    2.5 times as often as they buy, until ~45 days after their last order.
    """
    n, signup = len(cust), cust["signup"].to_numpy()
    who, t = orders["cust"].to_numpy(), orders["t"].to_numpy()
    n_orders = np.bincount(who, minlength=n)
    first, last = np.full(n, np.inf), np.full(n, -np.inf)
    np.minimum.at(first, who, t)
    np.maximum.at(last, who, t)
    buyer = n_orders > 0
    active_until = np.where(buyer, np.minimum(last + rng.exponential(45, n), cal.days), 0.0)
    span = np.maximum(active_until - signup, 0)
    rate = np.where(buyer, 2.5 * n_orders / np.maximum(last - first, 30) + 0.01, 0.0)
    later = np.where(buyer, rng.poisson(rate * span), rng.poisson(2.5, n))
    owner = np.repeat(np.arange(n), later)
    when = np.where(
        buyer[owner],
        signup[owner] + rng.random(len(owner)) * span[owner],
        signup[owner] + rng.exponential(25, len(owner)),
    )
    when = at_time_of_day(when, signup[owner], rng)
    keep = when < cal.days
    owner = np.concatenate([np.arange(n), owner[keep]])
    anchor = np.concatenate([signup, when[keep]])

    s = len(owner)
    viewed = rng.random(s) < 0.72
    view_session = np.repeat(np.arange(s), viewed * (1 + rng.poisson(1.3, s)))
    view_product = pick_products(owner[view_session], cust, rng)
    first_view = first_per_group(view_session)
    carted = first_view & (rng.random(len(view_session)) < 0.28)
    cart_session = view_session[carted]
    checkout = cart_session[rng.random(len(cart_session)) < 0.35]
    rows = _sessions(anchor, False, (view_session, view_product), (cart_session, view_product[carted]),
                     checkout, np.array([], int), rng)  # fmt: skip
    rows["cust"] = owner[rows["session"]]
    platform = cust["platform"].to_numpy()[owner]
    platform = np.where(rng.random(s) < 0.8, platform, rng.integers(0, len(PLATFORMS), s))
    rows["platform"] = platform[rows["session"]]
    return rows[rows["t"] < cal.days]  # a session running past the export is cut


def _social_events(cust, orders, lines, referrer, cal, rng) -> pd.DataFrame:
    """Shares right after some orders, reviews days later, invites before each referral signup."""
    order_product = lines.drop_duplicates("order")["product"].to_numpy()  # first line of each order
    t, who = orders["t"].to_numpy(), orders["cust"].to_numpy()
    shared = rng.random(len(t)) < 0.06
    reviewed = rng.random(len(t)) < 0.15
    review_t = t[reviewed] + 2 + rng.exponential(5, reviewed.sum())
    invitee = np.flatnonzero(referrer >= 0)
    invites = np.repeat(invitee, 1 + rng.poisson(2, len(invitee)))  # most invitations are ignored
    inviter = referrer[invites]
    signup = cust["signup"].to_numpy()
    first = np.full(len(cust), np.inf)
    np.minimum.at(first, who, t)
    invite_t = np.clip(signup[invites] - rng.uniform(0.003, 3, len(invites)), first[inviter], signup[invites])
    rows = pd.DataFrame({
        "cust": np.concatenate([who[shared], who[reviewed], inviter]),
        "t": np.concatenate([t[shared] + rng.exponential(10, shared.sum()) / 1440, review_t, invite_t]),
        "event": np.repeat([_SHARE, _REVIEW, _INVITE], [shared.sum(), reviewed.sum(), len(invites)]),
        "product": np.concatenate([order_product[shared], order_product[reviewed], np.full(len(invites), -1)]),
    })  # fmt: skip
    rows["platform"] = cust["platform"].to_numpy()[rows["cust"]]
    return rows[rows["t"] < cal.days]


def behaviour_log(cust, orders, lines, referrer, cal, rng) -> pd.DataFrame:
    """The behaviour log, sorted by time."""
    parts = [
        _purchase_sessions(orders, lines, cust, rng),
        _browsing_sessions(cust, orders, cal, rng),
        _social_events(cust, orders, lines, referrer, cal, rng),
    ]
    events = pd.concat([p[["cust", "t", "event", "platform", "product"]] for p in parts], ignore_index=True)
    # A purchase minutes after signup can have its first steps a bit before the signup: move them.
    events["t"] = np.maximum(events["t"].to_numpy(), cust["signup"].to_numpy()[events["cust"]])
    order = np.lexsort((events["event"].to_numpy(), events["cust"].to_numpy(), events["t"].to_numpy()))
    return events.iloc[order].reset_index(drop=True)


# Community actions per day of community life: (kol, expert, other buyer per unit of engagement).
_COMMUNITY_RATES = {
    _POST: (0.25, 0.10, 0.0005),
    _ANSWER: (0.10, 0.20, 0.0003),
    _LIKE: (0.40, 0.30, 0.040),
    _COMMENT: (0.20, 0.15, 0.010),
    _SHARE: (0.10, 0.05, 0.002),
}


def community_events(cust, orders, lines, fulfil, role, cal, rng) -> pd.DataFrame:
    """Posts, answers, likes, comments and shares in the community, and reviews after delivery.

    A buyer takes part from the first order until a while after the last one; kol and experts post
    and answer far more; other buyers like and comment in proportion to a personal engagement level.
    """
    n = len(cust)
    t, who = orders["t"].to_numpy(), orders["cust"].to_numpy()
    n_orders = np.bincount(who, minlength=n)
    first, last = np.full(n, np.inf), np.full(n, -np.inf)
    np.minimum.at(first, who, t)
    np.maximum.at(last, who, t)
    buyer = n_orders > 0
    until = np.minimum(last + 60 + rng.exponential(60, n), cal.days)
    span = np.where(buyer, np.maximum(until - first, 0), 0.0)
    engagement = rng.gamma(0.8, 1.0, n) * np.minimum(n_orders, 4)
    parts = []
    for event, (kol, expert, other) in _COMMUNITY_RATES.items():
        rate = np.select([role == 0, role == 1], [kol, expert], other * engagement)
        owner = np.repeat(np.arange(n), rng.poisson(rate * span))
        when = first[owner] + rng.random(len(owner)) * span[owner]
        parts.append((owner, at_time_of_day(when, first[owner], rng), np.full(len(owner), event)))
    delivered = fulfil["delivered"].to_numpy()
    p_review = np.where(role[who] >= 0, 0.5, 0.05)
    reviewed = np.flatnonzero(~np.isnan(delivered) & (rng.random(len(t)) < p_review))
    parts.append((who[reviewed], delivered[reviewed] + rng.exponential(3, len(reviewed)),
                  np.full(len(reviewed), _REVIEW)))  # fmt: skip
    owner = np.concatenate([p[0] for p in parts])
    event = np.concatenate([p[2] for p in parts])
    order_product = np.full(len(t), -1)
    order_product[lines["order"].to_numpy()[::-1]] = lines["product"].to_numpy()[::-1]  # first line of each order
    product = np.full(len(owner), -1)
    is_review = event == _REVIEW
    product[is_review] = order_product[reviewed]
    is_post = event == _POST
    product[is_post] = np.where(rng.random(is_post.sum()) < 0.6, pick_products(owner[is_post], cust, rng), -1)
    rows = pd.DataFrame({
        "cust": owner, "t": np.concatenate([p[1] for p in parts]), "event": event,
        "platform": cust["platform"].to_numpy()[owner], "product": product,
    })  # fmt: skip
    return rows[rows["t"] < cal.days]


def events_table(log, customer_id, start) -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": labels(customer_id, log["cust"].to_numpy()),
        "event_ts": timestamps(start, log["t"].to_numpy()),
        "event_name": labels(EVENT_NAMES, log["event"].to_numpy()),
        "platform": labels(PLATFORMS, log["platform"].to_numpy()),
        "product_id": labels(catalogue().product_id, log["product"].to_numpy()),
    })  # fmt: skip


def event_log(cust, orders, lines, referrer, fulfil, role, cal, rng, community_rng) -> pd.DataFrame:
    """Every event of the block: sessions and social events, then the community's, sorted by time.

    Two generators (the ``events`` and ``community_events`` streams): the community events were
    added later, and their own stream left the older events unchanged.
    """
    log = behaviour_log(cust, orders, lines, referrer, cal, rng)
    community = community_events(cust, orders, lines, fulfil, role, cal, community_rng)
    log = pd.concat([log, community[log.columns]], ignore_index=True)
    # np.lexsort is stable: the older events keep their order among themselves.
    return log.iloc[np.lexsort((log["event"].to_numpy(), log["cust"].to_numpy(), log["t"].to_numpy()))]
