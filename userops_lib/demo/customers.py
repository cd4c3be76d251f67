"""Customers: who signs up when and through which channel, who invited whom, the community roles.

Also the channel costs, which follow from the signups per channel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import ShopCalendar, clock, labels, text_column, timestamps
from .story import (CATEGORIES, CHANNELS, CITIES, COMMUNITY_ROLES, FAVOURITE, GENDER_SHARE, GENDERS, PLATFORM_SHARE,
                    PLATFORMS, SIGNUP_GROWTH, TIERS)

__all__ = ["draw_customers", "referrers", "community_roles", "customers_table", "channel_signups",
           "channel_costs_table"]


def draw_customers(n: int, cal: ShopCalendar, rng: np.random.Generator) -> pd.DataFrame:
    """Signups with their channel, profile and (hidden) shopping preferences, by signup time."""
    days = cal.days
    growth = SIGNUP_GROWTH ** (np.arange(days) / days)
    per_day = growth * np.sqrt(cal.weight)  # festivals bring signups too, less than orders
    signup = np.sort(rng.choice(days, size=n, p=per_day / per_day.sum()) + clock(rng, n))
    shares = np.array([p.share for p in CHANNELS.values()])
    gender = rng.choice(3, size=n, p=GENDER_SHARE)
    favourite, second = np.empty(n, int), np.empty(n, int)
    for g in range(3):
        mine = gender == g
        favourite[mine] = rng.choice(len(CATEGORIES), mine.sum(), p=FAVOURITE[g])
        second[mine] = rng.choice(len(CATEGORIES), mine.sum(), p=FAVOURITE[g])
    clash = second == favourite
    second[clash] = (favourite[clash] + rng.integers(1, len(CATEGORIES), clash.sum())) % len(CATEGORIES)
    birth_year = np.round(rng.normal(cal.dates[0].year - 31, 8.5, n)).clip(1950, cal.dates[0].year - 16)
    # 12% never gave a birth year; half of them gave an age instead (taken as the age at the window end).
    unknown = rng.random(n) < 0.12
    age = np.where(unknown & (rng.random(n) < 0.5), cal.dates[-1].year - birth_year, np.nan)
    birth_year[unknown] = np.nan
    city_weight = 1 / np.arange(1, len(CITIES) + 1) ** 0.9
    # Interest tags the customer ticked at signup: mostly the categories they actually buy.
    tags = (
        (rng.random(n) < 0.85) * (1 << favourite)
        | (rng.random(n) < 0.5) * (1 << second)
        | (rng.random(n) < 0.2) * (1 << rng.integers(0, len(CATEGORIES), n))
    )
    return pd.DataFrame({
        "signup": signup,
        "channel": rng.choice(len(CHANNELS), size=n, p=shares),
        "gender": gender,
        "birth_year": birth_year,
        "age": age,
        "city": rng.choice(len(CITIES), size=n, p=city_weight / city_weight.sum()),
        "tags": tags,
        "favourite": favourite,
        "second": second,
        "platform": rng.choice(len(PLATFORMS), size=n, p=PLATFORM_SHARE),
        "basket": rng.beta(1.6, 4.5, n),  # how many lines a basket has: the customer's spend level
        "influence": rng.pareto(1.2, n) + 1,  # how much the customer invites: heavy-tailed
    })  # fmt: skip


def referrers(cust: pd.DataFrame, orders: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Who invited each referral customer (-1 for others).

    The inviter is a buyer whose first purchase happened a few days (log-normal, median 5) before
    the invitee's signup, chosen in proportion to a heavy-tailed ``influence``, so a few
    super-inviters bring many customers. Referral customers without any earlier buyer become organic.
    """
    n = len(cust)
    first_order = np.full(n, np.inf)
    np.minimum.at(first_order, orders["cust"].to_numpy(), orders["t"].to_numpy())
    referrer = np.full(n, -1)
    invitees = np.flatnonzero(cust["channel"].to_numpy() == list(CHANNELS).index("referral"))
    buyers = np.flatnonzero(np.isfinite(first_order))
    buyers = buyers[np.argsort(first_order[buyers], kind="stable")]
    bought_at = first_order[buyers]
    weight = np.concatenate([[0.0], np.cumsum(cust["influence"].to_numpy()[buyers])])

    signup = cust["signup"].to_numpy()[invitees]
    target = signup - np.clip(rng.lognormal(np.log(5), 1.0, len(invitees)), 0.02, 180)
    hi = np.searchsorted(bought_at, target, side="right")  # candidates: first purchase in the 14 days
    lo = np.searchsorted(bought_at, target - 14, side="left")  # up to ``target``
    fallback = lo >= hi  # nobody in that fortnight: any earlier buyer
    hi[fallback] = np.searchsorted(bought_at, signup[fallback], side="left")
    lo[fallback] = 0
    ok = hi > lo
    pick = np.searchsorted(weight, weight[lo] + rng.random(len(invitees)) * (weight[hi] - weight[lo]), side="right") - 1
    referrer[invitees[ok]] = buyers[np.clip(pick, lo, hi - 1)[ok]]
    cust.loc[invitees[~ok], "channel"] = list(CHANNELS).index("organic")
    return referrer


def community_roles(cust: pd.DataFrame, orders: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Community role code per customer: 0 kol, 1 expert, -1 none; picked among buyers, heavy buyers first."""
    n = len(cust)
    n_orders = np.bincount(orders["cust"].to_numpy(), minlength=n)
    buyers = np.flatnonzero(n_orders > 0)
    n_kol = max(1, round(COMMUNITY_ROLES["kol"] * n))
    n_expert = max(2, round(COMMUNITY_ROLES["expert"] * n))
    weight = n_orders[buyers] ** 1.5
    chosen = rng.choice(buyers, size=min(n_kol + n_expert, len(buyers)), replace=False, p=weight / weight.sum())
    role = np.full(n, -1)
    role[chosen[:n_kol]] = 0
    role[chosen[n_kol:]] = 1
    return role


def _tag_text() -> np.ndarray:
    """Interest-tag text for every bit mask of categories: 5 -> 'beauty|food'."""
    tags = ["|".join(c for i, c in enumerate(CATEGORIES) if mask >> i & 1) for mask in range(1 << len(CATEGORIES))]
    return np.array([t or None for t in tags], dtype=object)


def customers_table(cust, customer_id, referrer, member_tier, role, start) -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": text_column(customer_id),
        "signup_ts": timestamps(start, cust["signup"].to_numpy()),
        "channel": labels(list(CHANNELS), cust["channel"].to_numpy()),
        "gender": labels(GENDERS, cust["gender"].to_numpy()),
        "birth_year": pd.array(cust["birth_year"].to_numpy(), dtype="Int64"),
        "age": pd.array(cust["age"].to_numpy(), dtype="Int64"),
        "city": labels(CITIES, cust["city"].to_numpy()),
        "member_tier": labels(list(TIERS), member_tier),
        "referrer_id": labels(customer_id, referrer),
        "interest_tags": text_column(_tag_text()[cust["tags"].to_numpy()]),
        "community_role": text_column(np.array([*COMMUNITY_ROLES, ""], dtype=object)[role]),  # -1 -> ""
    })  # fmt: skip


def channel_signups(cust: pd.DataFrame) -> np.ndarray:
    """Signups per channel, in :data:`CHANNELS` order (summed over blocks for ``channel_costs``)."""
    return np.bincount(cust["channel"].to_numpy(), minlength=len(CHANNELS))


def channel_costs_table(signups: np.ndarray) -> pd.DataFrame:
    cost_per_signup = np.array([p.cac for p in CHANNELS.values()])
    return pd.DataFrame({"channel": text_column(np.array(list(CHANNELS), dtype=object)),
                         "cost": np.round(signups * cost_per_signup, 2)})  # fmt: skip
