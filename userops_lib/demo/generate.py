"""Seeded synthetic shop: every table of the data contract, for demos, tests and benchmarks.

The data tells the story of a plausible online shop in China (amounts in CNY):

* **customers** sign up over the window (signups grow ~2.5x, weekends and shopping festivals are
  busier) through acquisition channels of different quality: ``organic``, ``paid_search``,
  ``social``, ``affiliate`` and ``referral`` (see :data:`CHANNELS`);
* **orders** follow the BG/NBD story: a share of signups makes a first purchase, then every buyer
  purchases at a personal rate λ ~ Gamma(r, α) and, after each purchase, drops out with a personal
  probability p ~ Beta(a, b). Basket value varies by customer and does not depend on how often the
  customer buys (the Gamma-Gamma assumption). First orders often use the new-customer coupon
  ``NEW20``, and those coupon-acquired buyers drop out more often;
* **order_items** come from a fixed catalogue of 10 categories (20-80 products each, Zipf-like
  popularity) with planted co-purchase pairs (:data:`CO_PURCHASE`: diapers -> baby wipes,
  smartphone -> phone case, ...). An order's amount is the sum of quantity x price of its lines;
* **referrals**: referral customers were invited by an earlier buyer, usually days after that
  buyer's first purchase; a few super-inviters bring many customers, and chains A -> B -> C occur;
* **membership**: at every month start the tier is set from the trailing-12-month spend
  (:data:`TIERS`): upgrades at once, downgrades one step per month;
* **campaigns** (:data:`CAMPAIGN_PLANS`): three targeted campaigns with a random control group and a
  real lift for the treatment group, two mass festival sales (618, Double 11) without control group;
* **events**: a behaviour log with a visit > product_view > add_to_cart > checkout > purchase funnel
  (every order has its purchase event), browsing-only sessions, and share / review / invite events;
* **channel_costs**: acquisition spend per channel (organic is free);
* **fulfilment** (``orders.paid_ts`` .. ``aftersales_closed_ts``): paid minutes after the order,
  shipped mostly within the 48 h promise (:data:`SHIPPING_PROMISE_HOURS`) with a late tail that
  swells in the Double 11 fortnight and the Spring Festival week, delivered 1-5 days later; ~7% of
  orders get an after-sales request days after delivery, closed 1-10 days later (5% still open).
  Steps after the window end are empty, as are refund and future rows. The orders exist before
  their experience, so the experience -> churn link is planted backwards: the order after which a
  buyer never came back (with 60+ days left) is late / in after-sales :data:`LOST_BUYER_FACTOR`
  times more often, which gives the correlation an analyst sees in real data (not a causal effect);
* **community**: ``customers.community_role`` 'kol' (~0.2%) or 'expert' (~1%), picked among heavy
  buyers, '' otherwise; ``events`` gains post / answer / like / comment / share rows (kol and experts
  post and answer far more, other buyers like and comment by engagement) and reviews after delivery;
* **surveys**: two NPS waves (mid-June and mid-December, ``nps-YYYY-h1/h2``) sent to the buyers of
  the last 180 days, ~22% answering (score 0-10, lower after a late shipment or after-sales), 70% of
  them also answering ``why`` (:data:`WHY_ANSWERS`); a ``csat`` question (1-5) after every closed
  after-sales case (``survey_id`` ``csat-<order_id>``, slower cases score lower). Invitations without
  response are rows with neither answer nor score;
* **tickets**: complaints / questions chasing late parcels, returns / complaints for after-sales
  cases (resolved when the case closes), everyday questions; resolved hours to days later, a few open;
* ``dirty=True`` plants a documented handful of bad order rows (:data:`DIRTY_ROWS`).

Time runs in *days since the window start* inside the module; all timestamps are naive,
business-local wall-clock times with whole seconds. Every random draw comes from a generator derived
from ``seed`` and the behaviour it drives, so ``dirty=False`` or ``events=False`` leaves the other
tables unchanged.

Examples
--------
>>> from userops_lib.demo.generate import generate_demo
>>> tables = generate_demo(n_customers=1_000, days=365, seed=1)
>>> tables["orders"].columns.tolist()[:4]
['order_id', 'customer_id', 'order_ts', 'amount']

From the command line::

    python -m userops_lib.demo.generate --customers 20000 --out data/demo
"""

from __future__ import annotations

import argparse
import functools
import pathlib
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import ParameterError

__all__ = [
    "generate_demo",
    "write_demo",
    "main",
    "CHANNELS",
    "CO_PURCHASE",
    "TIERS",
    "CAMPAIGN_PLANS",
    "DIRTY_ROWS",
    "SHIPPING_PROMISE_HOURS",
    "COMMUNITY_ROLES",
    "WHY_ANSWERS",
    "FULFILMENT_COLUMNS",
    "ChannelProfile",
    "CampaignPlan",
]


# --------------------------------------------------------------------------------------------
# The shop's parameters
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelProfile:
    """How customers acquired through one channel behave.

    Attributes
    ----------
    share : float
        Share of signups coming through the channel.
    buyer_share : float
        Share of signups who ever make a first purchase.
    first_buy_days : float
        Mean delay (days) from signup to first purchase, for those who do not buy on signup.
    first_coupon : float
        Share of first orders placed with the new-customer coupon.
    r, alpha : float
        Purchase rate λ ~ Gamma(shape r, rate alpha), in purchases per (average) day.
    a, b : float
        Drop-out probability after each purchase p ~ Beta(a, b).
    cac : float
        Acquisition cost per signup (CNY).
    """

    share: float
    buyer_share: float
    first_buy_days: float
    first_coupon: float
    r: float
    alpha: float
    a: float
    b: float
    cac: float


#: Acquisition channels. Referral and organic customers buy more and stay longer; social and
#: affiliate customers are cheap-ish but convert less and drop out sooner.
CHANNELS: dict[str, ChannelProfile] = {
    "organic": ChannelProfile(0.34, 0.55, 6.0, 0.35, 0.90, 55.0, 1.2, 2.4, 0.0),
    "paid_search": ChannelProfile(0.24, 0.45, 4.0, 0.45, 0.80, 60.0, 1.4, 2.1, 38.0),
    "social": ChannelProfile(0.18, 0.30, 8.0, 0.55, 0.70, 75.0, 1.6, 1.7, 22.0),
    "affiliate": ChannelProfile(0.12, 0.40, 3.0, 0.75, 0.70, 70.0, 1.8, 1.7, 26.0),
    "referral": ChannelProfile(0.12, 0.62, 4.0, 0.50, 1.00, 50.0, 1.0, 2.6, 15.0),
}

#: Buyers whose first order used the new-customer coupon drop out this much more often.
COUPON_DROPOUT_FACTOR = 1.3
NEW_CUSTOMER_COUPON = "NEW20"
EVERYDAY_COUPONS = ("FULL199-20", "FULL299-40", "FREESHIP")
EVERYDAY_COUPON_SHARE = 0.12  # repeat orders placed with an everyday coupon
SIGNUP_GROWTH = 2.5  # daily signups at the end of the window / at the start
MAX_PURCHASE_RATE = 0.25  # purchases per day: caps the Gamma tail (nobody buys every day)

PLATFORMS = ("app", "mini_program", "web")
PLATFORM_SHARE = (0.55, 0.30, 0.15)
GENDERS = ("F", "M", None)
GENDER_SHARE = (0.55, 0.41, 0.04)

# Chinese cities (pinyin) by rough e-commerce weight: a Zipf-like long tail.
CITIES = (
    "Shanghai", "Beijing", "Shenzhen", "Guangzhou", "Hangzhou", "Chengdu", "Chongqing", "Wuhan",
    "Suzhou", "Nanjing", "Xi'an", "Tianjin", "Changsha", "Zhengzhou", "Dongguan", "Qingdao",
    "Ningbo", "Foshan", "Hefei", "Xiamen", "Kunming", "Fuzhou", "Jinan", "Shenyang", "Dalian",
    "Wuxi", "Harbin", "Nanning", "Shijiazhuang", "Guiyang",
)  # fmt: skip

# Hourly share of shop traffic (0h..23h): quiet nights, a lunch bump, the evening peak.
_HOURLY = np.array([0.9, 0.5, 0.3, 0.2, 0.15, 0.15, 0.3, 0.6, 1.0, 1.3, 1.5, 1.6,
                    1.8, 1.6, 1.4, 1.4, 1.4, 1.5, 1.6, 1.9, 2.3, 2.6, 2.4, 1.6])  # fmt: skip
_HOURLY = _HOURLY / _HOURLY.sum()

# Shopping festivals: (month, day, ramp-up days, peak busyness). Traffic builds up to the day.
_FESTIVALS = ((6, 18, 14, 2.0), (11, 11, 10, 3.5), (12, 12, 5, 1.6))
# Spring Festival (Chinese New Year): couriers pause, the shop is quiet for about two weeks.
_SPRING_FESTIVAL = ("2022-02-01", "2023-01-22", "2024-02-10", "2025-01-29", "2026-02-17",
                    "2027-02-06", "2028-01-26", "2029-02-13", "2030-02-03")  # fmt: skip

# --- catalogue ------------------------------------------------------------------------------
# category: (variants per base product, units bought at once (extra Poisson mean), base products
# (name, typical price) in order of popularity). Every base product comes in a few brands.
_CATALOGUE = {
    "beauty": (6, 0.10, [("shampoo", 59), ("conditioner", 59), ("face cream", 199), ("serum", 299),
                         ("facial cleanser", 89), ("sunscreen", 129), ("lipstick", 189),
                         ("sheet masks (10)", 99), ("body lotion", 79), ("perfume", 399)]),
    "baby": (5, 0.60, [("diapers", 129), ("baby wipes", 39), ("infant formula", 268),
                       ("baby bottle", 89), ("baby lotion", 59), ("teething toy", 39),
                       ("baby clothes set", 129), ("stroller", 899)]),
    "food": (8, 0.60, [("coffee beans", 89), ("milk (12 x 250ml)", 59), ("mixed nuts", 69),
                       ("instant noodles (5)", 19), ("green tea", 129), ("chocolate", 49),
                       ("rice 5kg", 49), ("cooking oil", 69), ("snack gift box", 99),
                       ("sparkling water (24)", 59)]),
    "apparel": (8, 0.10, [("T-shirt", 99), ("jeans", 259), ("sneakers", 399), ("hoodie", 199),
                          ("dress", 299), ("socks (5 pairs)", 39), ("down jacket", 699),
                          ("underwear set", 89)]),
    "electronics": (4, 0.02, [("phone case", 49), ("charging cable", 39), ("screen protector", 29),
                              ("power bank", 129), ("wireless earbuds", 399), ("smartphone", 2999),
                              ("wireless mouse", 99), ("smart watch", 999), ("laptop", 5499)]),
    "home": (5, 0.40, [("laundry detergent", 49), ("fabric softener", 39), ("tissue paper (pack)", 39),
                       ("towel set", 59), ("storage box", 49), ("bed sheet set", 199), ("desk lamp", 129),
                       ("non-stick pan", 199), ("kitchen knife set", 159), ("air purifier", 1299)]),
    "sports": (4, 0.10, [("yoga mat", 129), ("yoga block", 39), ("running shoes", 499),
                         ("sports socks", 29), ("badminton racket", 199), ("shuttlecocks", 59),
                         ("dumbbells", 199), ("resistance band", 49), ("protein powder", 299),
                         ("cycling helmet", 259)]),
    "books": (8, 0.15, [("novel", 45), ("picture book", 39), ("cookbook", 59), ("business book", 55),
                        ("textbook", 69), ("comic", 35), ("notebook", 15), ("pen set", 25)]),
    "pets": (4, 0.60, [("cat food", 129), ("cat litter", 59), ("dog food", 159), ("pet toy", 29),
                       ("pet shampoo", 49), ("cat scratcher", 79)]),
    "health": (4, 0.50, [("vitamin C", 89), ("fish oil", 159), ("medical masks (50)", 29),
                         ("probiotics", 199), ("thermometer", 59), ("hand sanitizer", 19),
                         ("calcium tablets", 99)]),
}  # fmt: skip
CATEGORIES = tuple(_CATALOGUE)
_BRANDS = "ABCDEFGH"

#: Planted co-purchase pairs: an order with the first product gets the second one (same brand)
#: with this probability, so association rules find these pairs with a lift well above 1.
CO_PURCHASE: dict[str, tuple[str, float]] = {
    "diapers": ("baby wipes", 0.50),
    "smartphone": ("phone case", 0.60),
    "laptop": ("wireless mouse", 0.45),
    "shampoo": ("conditioner", 0.55),
    "yoga mat": ("yoga block", 0.45),
    "badminton racket": ("shuttlecocks", 0.60),
    "cat food": ("cat litter", 0.50),
    "coffee beans": ("milk (12 x 250ml)", 0.35),
    "laundry detergent": ("fabric softener", 0.40),
}

# Favourite category by gender (F, M, unknown), in CATEGORIES order.
_FAVOURITE = np.array([
    [0.22, 0.14, 0.12, 0.16, 0.03, 0.10, 0.05, 0.05, 0.05, 0.08],
    [0.05, 0.06, 0.15, 0.13, 0.18, 0.10, 0.15, 0.07, 0.05, 0.06],
])  # fmt: skip
_FAVOURITE = np.vstack([_FAVOURITE, _FAVOURITE.mean(axis=0)])  # gender unknown: in between
_ANY_CATEGORY = _FAVOURITE[2]  # category of a line not driven by the customer's favourites

#: Membership tiers ("" = not a member) and the trailing-12-month spend (CNY) each one needs.
TIERS: dict[str, float] = {"": 0.0, "silver": 1000.0, "gold": 3000.0, "platinum": 8000.0}


@dataclass(frozen=True)
class CampaignPlan:
    """One marketing campaign of the demo shop.

    Attributes
    ----------
    campaign_id, name : str
        Identifier and name.
    at : float
        Start, as a fraction of the window.
    days : int
        Duration in days.
    audience : str or None
        Who is targeted: ``"new_signups"`` (signed up in the last 60 days, no order yet),
        ``"lapsed_buyers"`` (no order for 90+ days), ``"repeat_buyers"`` (2+ orders, one in the
        last 180 days), or ``None`` for a mass campaign without control group.
    control_share : float
        Share of the audience randomly held out as control group.
    lift : float
        Extra probability that a treated customer orders during the campaign.
    coupon : str
        Coupon code of the campaign's orders.
    cost_per_customer : float
        Cost (CNY) per treated customer, or per customer of the shop for mass campaigns.
    festival : tuple of int, optional
        (month, day) on which the campaign ends; it is placed on the last such day that fits in the
        window, falling back to ``at``.
    """

    campaign_id: str
    name: str
    at: float
    days: int
    audience: str | None
    control_share: float
    lift: float
    coupon: str
    cost_per_customer: float
    festival: tuple[int, int] | None = None


#: The campaigns. Targeted ones also claim 50% of the organic orders their treated customers place
#: during the campaign (coupon used on a purchase that would have happened anyway), so attributed
#: revenue overstates the lift measured against the control group. Mass ones claim 40% of all orders.
CAMPAIGN_PLANS: tuple[CampaignPlan, ...] = (
    CampaignPlan("CMP01", "New-customer welcome pack", 0.33, 14, "new_signups", 0.20, 0.10, "WELCOME30", 3.0),
    CampaignPlan("CMP02", "Win-back coupon for lapsed buyers", 0.58, 21, "lapsed_buyers", 0.15, 0.06, "COMEBACK50", 2.0),
    CampaignPlan("CMP03", "618 mid-year sale", 0.71, 18, None, 0.0, 0.0, "MID618", 0.6, festival=(6, 18)),
    CampaignPlan("CMP04", "Member day for repeat buyers", 0.80, 5, "repeat_buyers", 0.10, 0.05, "VIPDAY", 4.0),
    CampaignPlan("CMP05", "Double 11 mega sale", 0.92, 11, None, 0.0, 0.0, "D11", 1.0, festival=(11, 11)),
)  # fmt: skip
_ATTRIBUTED_SHARE_TARGETED = 0.5
_ATTRIBUTED_SHARE_MASS = 0.4

#: What ``dirty=True`` plants in ``orders``; the counts actually planted are in
#: ``orders.attrs["dirty_rows"]`` (same keys). Shares are of the clean orders, at least 1 each.
DIRTY_ROWS: dict[str, float] = {
    "refund_rows": 0.005,  # extra rows: status 'refunded', is_refund, minus the amount of an earlier order
    "duplicated_rows": 0.001,  # orders exported twice: exact copies with the same order_id
    "null_customer_id": 5,  # orders whose customer_id is missing (a lost join key)
    "future_order_ts": 3,  # orders with a mistyped year (20xx -> 29xx): in the future whenever the demo is run
}

#: Fulfilment: the shipping promise (hours after payment), the share of orders shipped later than
#: that on ordinary days and in peaks (Double 11 fortnight, Spring Festival week), and the share of
#: orders with an after-sales request (x3 after a late shipment).
SHIPPING_PROMISE_HOURS = 48
LATE_SHIPMENT_SHARE = 0.06
PEAK_LATE_SHIPMENT_SHARE = 0.30
AFTERSALES_SHARE = 0.035
#: The order after which a buyer never came back is this much more often late / in after-sales.
LOST_BUYER_FACTOR = 2.5

#: Share of customers with a community role (picked among buyers, heavy buyers first).
COMMUNITY_ROLES: dict[str, float] = {"kol": 0.002, "expert": 0.01}

#: Answer categories of the NPS 'why' question, and their shares for promoters, passives, detractors.
WHY_ANSWERS = ("fast delivery", "price", "product quality", "customer service", "late delivery", "product range")
_WHY_SHARE = np.array([
    [0.35, 0.20, 0.30, 0.10, 0.00, 0.05],
    [0.15, 0.35, 0.25, 0.05, 0.10, 0.10],
    [0.00, 0.30, 0.35, 0.15, 0.15, 0.05],
])  # fmt: skip

# New streams go at the end: a stream's number seeds its generator, so the earlier tables stay put.
_STREAMS = ("customers", "orders", "campaigns", "referrals", "items", "platforms", "events", "dirty",
            "fulfilment", "community", "community_events", "surveys", "tickets")  # fmt: skip

# Event names in funnel order, then the social events, then the community events.
EVENT_NAMES = ("visit", "product_view", "add_to_cart", "checkout", "purchase", "share", "review", "invite",
               "post", "answer", "like", "comment")  # fmt: skip
_VISIT, _VIEW, _CART, _CHECKOUT, _PURCHASE, _SHARE, _REVIEW, _INVITE, _POST, _ANSWER, _LIKE, _COMMENT = range(12)
_SECOND = 1 / 86_400


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _rng(seed: int, stream: str) -> np.random.Generator:
    """Random generator for one behaviour, so changing one part leaves the others unchanged."""
    return np.random.default_rng([seed, _STREAMS.index(stream)])


def _clock(rng: np.random.Generator, n: int) -> np.ndarray:
    """Fraction of the day at which ``n`` actions happen, following the shop's hourly traffic."""
    return (rng.choice(24, size=n, p=_HOURLY) + rng.random(n)) / 24


def _at_time_of_day(t: np.ndarray, not_before: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Move each action to a realistic time on its day, but never before ``not_before``."""
    day = np.floor(t)
    t = day + _clock(rng, len(t))
    early = t <= not_before
    rest_of_day = np.floor(not_before[early]) + 1 - not_before[early]
    t[early] = not_before[early] + rng.uniform(0.05, 0.95, early.sum()) * rest_of_day
    return t


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Text ids such as ``C000123``, as an object array."""
    digits = np.asarray(numbers).astype(np.dtypes.StringDType())
    return np.strings.add(prefix, np.strings.zfill(digits, width)).astype(object)


def _text(values: np.ndarray) -> pd.Series:
    """Text column (pandas ``str`` dtype, None -> missing)."""
    return pd.Series(values, dtype="str")


def _timestamps(start: pd.Timestamp, t: np.ndarray) -> np.ndarray:
    """Days since ``start`` -> naive timestamps, to the second (NaN -> NaT)."""
    t = np.asarray(t, dtype=float)
    missing = np.isnan(t)
    seconds = np.floor(np.where(missing, 0, t) * 86_400).astype("int64").astype("timedelta64[s]")
    stamps = (np.datetime64(start, "s") + seconds).astype("datetime64[us]")
    stamps[missing] = np.datetime64("NaT")
    return stamps


def _first_per_group(group: np.ndarray) -> np.ndarray:
    """Boolean mask of the first row of each group (rows need not be sorted)."""
    first = np.zeros(len(group), bool)
    first[np.unique(group, return_index=True)[1]] = True
    return first


class _ShopCalendar:
    """How busy the shop is on each day: weekends, shopping festivals, the Spring Festival lull.

    ``busy time`` is the cumulative busyness; a purchase process that is uniform in busy time has
    more orders on busy days, which puts the festival peaks into the BG/NBD purchases.
    """

    def __init__(self, start: pd.Timestamp, days: int):
        dates = pd.date_range(start, periods=days, freq="D")
        day = np.arange(days)
        weight = np.where(dates.day_of_week >= 5, 1.12, 1.0)
        for month, dom, ramp, peak in _FESTIVALS:
            for year in range(dates[0].year, dates[-1].year + 1):
                to_peak = day - (pd.Timestamp(year, month, dom) - dates[0]).days
                build_up = np.clip(1 + to_peak / ramp, 0, 1) ** 2 * (to_peak <= 0)
                weight = weight * (1 + (peak - 1) * build_up)
        for new_year in pd.to_datetime(list(_SPRING_FESTIVAL)):
            weight = weight * np.where(np.abs(day - (new_year - dates[0]).days) <= 7, 0.6, 1.0)
        self.days = days
        self.dates = dates
        self.weight = weight / weight.mean()
        self._busy = np.concatenate([[0.0], np.cumsum(self.weight)])
        self.total_busy = self._busy[-1]

    def to_busy(self, t: np.ndarray) -> np.ndarray:
        return np.interp(t, np.arange(self.days + 1), self._busy)

    def from_busy(self, busy: np.ndarray) -> np.ndarray:
        return np.interp(busy, self._busy, np.arange(self.days + 1))


@dataclass(frozen=True)
class _Catalogue:
    product_id: np.ndarray  # object array of text ids
    name: np.ndarray
    category: np.ndarray  # index into CATEGORIES
    price: np.ndarray
    bulk: np.ndarray  # extra units per line (Poisson mean)
    cdf: np.ndarray  # category + cumulative popularity within the category, see ``draw``
    companion: np.ndarray  # planted co-purchase partner, -1 for none
    attach: np.ndarray  # probability that the partner is added

    def draw(self, category: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One product per entry of ``category``, by popularity within the category."""
        return np.searchsorted(self.cdf, category + rng.random(len(category)), side="right")


def _shop_price(x: np.ndarray) -> np.ndarray:
    """Round to shop prices: 59, 129, 2999 ... (14.9 below 20)."""
    return np.where(x >= 20, np.round(x / 10) * 10 - 1, np.round(x) - 0.1)


@functools.cache
def _catalogue() -> _Catalogue:
    """The product catalogue, the same for every seed."""
    rng = np.random.default_rng(20240101)
    names, cats, prices, bulks, weights, base_of = [], [], [], [], [], []
    for c, (category, (variants, bulk, products)) in enumerate(_CATALOGUE.items()):
        for rank, (base, price) in enumerate(products):
            for v in range(variants):
                names.append(f"{base} (brand {_BRANDS[v]})")
                cats.append(c)
                prices.append(price * (1.0 if v == 0 else rng.lognormal(0, 0.25)))
                bulks.append(bulk)
                weights.append((rank + 1) ** -0.8 * (v + 1) ** -1.3)  # Zipf by product and brand
                base_of.append((base, v))
    cats, weights = np.array(cats), np.array(weights)
    cdf = np.empty(len(cats))
    for c in range(len(CATEGORIES)):
        idx = np.flatnonzero(cats == c)
        cdf[idx] = c + np.cumsum(weights[idx]) / weights[idx].sum()
        cdf[idx[-1]] = c + 1.0
    position = {key: i for i, key in enumerate(base_of)}
    companion = np.full(len(cats), -1)
    attach = np.zeros(len(cats))
    for i, (base, v) in enumerate(base_of):
        if base in CO_PURCHASE:
            partner, probability = CO_PURCHASE[base]
            companion[i] = position[(partner, v)]
            attach[i] = probability
    return _Catalogue(
        product_id=_ids("P", np.arange(1, len(cats) + 1), 4),
        name=np.array(names, dtype=object),
        category=cats,
        price=_shop_price(np.array(prices)),
        bulk=np.array(bulks),
        cdf=cdf,
        companion=companion,
        attach=attach,
    )


def _channel_param(channel: np.ndarray, field: str) -> np.ndarray:
    return np.array([getattr(p, field) for p in CHANNELS.values()])[channel]


# --------------------------------------------------------------------------------------------
# One behaviour per function. Internally customers and products are row numbers, times are days.
# --------------------------------------------------------------------------------------------


def _customers(n: int, cal: _ShopCalendar, rng: np.random.Generator) -> pd.DataFrame:
    """Signups with their channel, profile and (hidden) shopping preferences, by signup time."""
    days = cal.days
    growth = SIGNUP_GROWTH ** (np.arange(days) / days)
    per_day = growth * np.sqrt(cal.weight)  # festivals bring signups too, less than orders
    signup = np.sort(rng.choice(days, size=n, p=per_day / per_day.sum()) + _clock(rng, n))
    shares = np.array([p.share for p in CHANNELS.values()])
    gender = rng.choice(3, size=n, p=GENDER_SHARE)
    favourite, second = np.empty(n, int), np.empty(n, int)
    for g in range(3):
        mine = gender == g
        favourite[mine] = rng.choice(len(CATEGORIES), mine.sum(), p=_FAVOURITE[g])
        second[mine] = rng.choice(len(CATEGORIES), mine.sum(), p=_FAVOURITE[g])
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


def _bgnbd_orders(cust: pd.DataFrame, cal: _ShopCalendar, rng: np.random.Generator) -> pd.DataFrame:
    """Organic orders: a first purchase after signup, then the BG/NBD process until drop-out."""
    n, ch, signup = len(cust), cust["channel"].to_numpy(), cust["signup"].to_numpy()
    buys = rng.random(n) < _channel_param(ch, "buyer_share")
    in_signup_session = rng.random(n) < 0.4
    first = np.where(
        in_signup_session,
        signup + (20 + rng.exponential(25, n)) / 1440,
        _at_time_of_day(signup + rng.exponential(_channel_param(ch, "first_buy_days")), signup + 1 / 48, rng),
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
    repeat_t = _at_time_of_day(cal.from_busy(busy[keep]), first[owner], rng)

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


def _campaign_window(plan: CampaignPlan, cal: _ShopCalendar) -> tuple[int, int]:
    """First day and day after the last day (days since window start) of a campaign."""
    if plan.festival:
        for year in range(cal.dates[-1].year, cal.dates[0].year - 1, -1):
            last = (pd.Timestamp(year, *plan.festival) - cal.dates[0]).days
            if last - plan.days + 1 >= 0 and last < cal.days:
                return last - plan.days + 1, last + 1
    first = int(plan.at * cal.days)
    return first, min(first + plan.days, cal.days)


def _audience(plan: CampaignPlan, cust: pd.DataFrame, orders: pd.DataFrame, day: int) -> np.ndarray:
    """Customers a targeted campaign starting on ``day`` is aimed at."""
    n = len(cust)
    before = orders["t"].to_numpy() < day
    who, when = orders["cust"].to_numpy()[before], orders["t"].to_numpy()[before]
    n_orders = np.bincount(who, minlength=n)
    last = np.full(n, -np.inf)
    np.maximum.at(last, who, when)
    signup = cust["signup"].to_numpy()
    if plan.audience == "new_signups":
        return np.flatnonzero((signup >= day - 60) & (signup < day) & (n_orders == 0))
    if plan.audience == "lapsed_buyers":
        return np.flatnonzero((n_orders >= 1) & (last < day - 90))
    if plan.audience == "repeat_buyers":
        return np.flatnonzero((n_orders >= 2) & (last >= day - 180))
    raise ValueError(f"unknown audience {plan.audience!r}")


def _mass_campaign(k, plan, orders, first, stop, n_customers, rng) -> float:
    """A festival sale: it claims a share of all orders in its window. Returns its cost."""
    t = orders["t"].to_numpy()
    in_window = (t >= first) & (t < stop) & (orders["campaign"].to_numpy() < 0)
    claimed = in_window & (rng.random(len(t)) < _ATTRIBUTED_SHARE_MASS)
    orders.loc[claimed, ["campaign", "coupon"]] = [k, plan.coupon]
    return plan.cost_per_customer * n_customers


def _targeted_campaign(k, plan, cust, orders, first, stop, rng):
    """A campaign with a random control group; the treated customers get the real lift.

    Returns the orders with the incremental campaign orders added, the assignments and the cost.
    """
    audience = _audience(plan, cust, orders, first)
    control = rng.random(len(audience)) < plan.control_share
    treated = audience[~control]
    # Treated customers who would have bought anyway use the coupon on half of those orders.
    t = orders["t"].to_numpy()
    in_window = (t >= first) & (t < stop) & (orders["campaign"].to_numpy() < 0)
    claimed = in_window & np.isin(orders["cust"].to_numpy(), treated)
    claimed &= rng.random(len(t)) < _ATTRIBUTED_SHARE_TARGETED
    orders.loc[claimed, ["campaign", "coupon"]] = [k, plan.coupon]
    # The incremental orders: the lift the control group lets an analyst measure.
    converted = treated[rng.random(len(treated)) < plan.lift]
    day = first + rng.random(len(converted)) * (stop - first)
    extra = pd.DataFrame({
        "cust": converted, "t": _at_time_of_day(day, np.full(len(day), float(first)), rng),
        "coupon": plan.coupon, "campaign": k,
    })  # fmt: skip
    assignments = pd.DataFrame({"campaign": k, "cust": audience, "control": control})
    return pd.concat([orders, extra], ignore_index=True), assignments, plan.cost_per_customer * len(treated)


def _campaigns(cust: pd.DataFrame, orders: pd.DataFrame, cal: _ShopCalendar, rng: np.random.Generator):
    """Run the campaigns in :data:`CAMPAIGN_PLANS` one after the other.

    Returns the orders (campaign orders added, attributed orders marked), the campaigns
    (campaign, first, stop, cost) and the assignments (campaign, cust, control).
    """
    campaigns, assignments = [], [pd.DataFrame({"campaign": [], "cust": [], "control": []}, dtype=int)]
    for k, plan in enumerate(CAMPAIGN_PLANS):
        first, stop = _campaign_window(plan, cal)
        if plan.audience is None:
            cost = _mass_campaign(k, plan, orders, first, stop, len(cust), rng)
        else:
            orders, assigned, cost = _targeted_campaign(k, plan, cust, orders, first, stop, rng)
            assignments.append(assigned)
        campaigns.append((k, first, stop, round(cost, 2)))
    campaigns = pd.DataFrame(campaigns, columns=["campaign", "first", "stop", "cost"])
    return orders.sort_values(["t", "cust"], ignore_index=True), campaigns, pd.concat(assignments, ignore_index=True)


def _referrers(cust: pd.DataFrame, orders: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
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


def _pick_products(who: np.ndarray, cust: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Products a customer buys or looks at: mostly from the favourite categories."""
    u = rng.random(len(who))
    anything = rng.choice(len(CATEGORIES), len(who), p=_ANY_CATEGORY)
    category = np.where(
        u < 0.5, cust["favourite"].to_numpy()[who], np.where(u < 0.7, cust["second"].to_numpy()[who], anything)
    )
    return _catalogue().draw(category, rng)


def _order_lines(orders: pd.DataFrame, cust: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """1-4 picked products per order, plus the planted co-purchase partner; one line per product."""
    cat = _catalogue()
    who = orders["cust"].to_numpy()
    order = np.repeat(np.arange(len(orders)), 1 + rng.binomial(3, cust["basket"].to_numpy()[who]))
    product = _pick_products(who[order], cust, rng)
    # The first anchor product of an order may pull in its partner (so at most 5 lines).
    anchors = np.flatnonzero(cat.companion[product] >= 0)
    anchors = anchors[_first_per_group(order[anchors])]
    pulled = anchors[rng.random(len(anchors)) < cat.attach[product[anchors]]]
    order = np.concatenate([order, order[pulled]])
    product = np.concatenate([product, cat.companion[product[pulled]]])
    # The same product picked twice is one line with a higher quantity.
    line, picks = np.unique(order * len(cat.price) + product, return_counts=True)
    order, product = line // len(cat.price), line % len(cat.price)
    quantity = picks + np.minimum(rng.poisson(cat.bulk[product]), 5)
    return pd.DataFrame({"order": order, "product": product, "quantity": quantity})


def _order_amounts(lines: pd.DataFrame, n_orders: int) -> np.ndarray:
    """Order value = sum of quantity x price of its lines."""
    value = lines["quantity"].to_numpy() * _catalogue().price[lines["product"].to_numpy()]
    return np.round(np.bincount(lines["order"].to_numpy(), weights=value, minlength=n_orders), 2)


def _order_platforms(orders: pd.DataFrame, cust: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Where each order is placed: mostly on the customer's usual platform."""
    usual = cust["platform"].to_numpy()[orders["cust"].to_numpy()]
    return np.where(rng.random(len(orders)) < 0.75, usual, rng.integers(0, len(PLATFORMS), len(orders)))


def _tier_history(orders: pd.DataFrame, n: int, cal: _ShopCalendar):
    """Membership tiers set at every month start from the trailing-12-month spend.

    Upgrades take effect at once; a customer whose spend no longer earns the tier goes down one
    step per month (a grace period). Returns the changes (customer, day, tier) and the final tier.
    """
    month = (cal.dates.year - cal.dates[0].year) * 12 + cal.dates.month - cal.dates[0].month
    month = np.asarray(month)
    n_months = month[-1] + 1
    month_start = np.searchsorted(month, np.arange(n_months))  # first day of each month in the window
    buyers, row = np.unique(orders["cust"].to_numpy(), return_inverse=True)
    order_month = month[np.floor(orders["t"].to_numpy()).astype(int)]
    cell = row * n_months + order_month  # (buyer, month) as one number, for a fast bincount
    spend = np.bincount(cell, weights=orders["amount"].to_numpy(), minlength=len(buyers) * n_months)
    spent_before = np.cumsum(spend.reshape(len(buyers), n_months), axis=1)
    spent_before = np.hstack([np.zeros((len(buyers), 1)), spent_before])  # [:, j] = spend in months < j

    thresholds = np.array(list(TIERS.values()))
    tier = np.zeros(len(buyers), int)
    changes = []
    for j in range(1, n_months):
        trailing = spent_before[:, j] - spent_before[:, max(0, j - 12)]
        earned = np.searchsorted(thresholds, trailing, side="right") - 1
        new = np.where(earned > tier, earned, np.where(earned < tier, tier - 1, tier))
        changed = np.flatnonzero(new != tier)
        changes.append(pd.DataFrame({"cust": buyers[changed], "day": month_start[j], "tier": new[changed]}))
        tier = new
    final = np.zeros(n, int)
    final[buyers] = tier
    history = pd.concat(changes, ignore_index=True) if changes else pd.DataFrame(columns=["cust", "day", "tier"])
    return history, final


# --- events ---------------------------------------------------------------------------------


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
    extra_product = _pick_products(orders["cust"].to_numpy()[extra], cust, rng)
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
    when = _at_time_of_day(when, signup[owner], rng)
    keep = when < cal.days
    owner = np.concatenate([np.arange(n), owner[keep]])
    anchor = np.concatenate([signup, when[keep]])

    s = len(owner)
    viewed = rng.random(s) < 0.72
    view_session = np.repeat(np.arange(s), viewed * (1 + rng.poisson(1.3, s)))
    view_product = _pick_products(owner[view_session], cust, rng)
    first_view = _first_per_group(view_session)
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


def _events(cust, orders, lines, referrer, cal, rng) -> pd.DataFrame:
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


# --- experience: fulfilment, community, voice of the customer -----------------------------


def _peak_days(cal: _ShopCalendar) -> np.ndarray:
    """Days on which couriers are overwhelmed: the Double 11 fortnight and the Spring Festival week."""
    dates = cal.dates
    peak = np.asarray((dates.month == 11) & (dates.day <= 15))
    for new_year in pd.to_datetime(list(_SPRING_FESTIVAL)):
        peak |= np.abs(np.arange(cal.days) - (new_year - dates[0]).days) <= 3
    return peak


def _fulfilment(orders: pd.DataFrame, n_customers: int, cal: _ShopCalendar, rng: np.random.Generator) -> pd.DataFrame:
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


def _community_roles(cust: pd.DataFrame, orders: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
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


# Community actions per day of community life: (kol, expert, other buyer per unit of engagement).
_COMMUNITY_RATES = {
    _POST: (0.25, 0.10, 0.0005),
    _ANSWER: (0.10, 0.20, 0.0003),
    _LIKE: (0.40, 0.30, 0.040),
    _COMMENT: (0.20, 0.15, 0.010),
    _SHARE: (0.10, 0.05, 0.002),
}


def _community_events(cust, orders, lines, fulfil, role, cal, rng) -> pd.DataFrame:
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
        parts.append((owner, _at_time_of_day(when, first[owner], rng), np.full(len(owner), event)))
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
    product[is_post] = np.where(rng.random(is_post.sum()) < 0.6, _pick_products(owner[is_post], cust, rng), -1)
    rows = pd.DataFrame({
        "cust": owner, "t": np.concatenate([p[1] for p in parts]), "event": event,
        "platform": cust["platform"].to_numpy()[owner], "product": product,
    })  # fmt: skip
    return rows[rows["t"] < cal.days]


def _nps_waves(cal: _ShopCalendar) -> list[tuple[str, float]]:
    """(survey_id, invitation day) of the two NPS waves: the last mid-June and mid-December in the window."""
    days = [(pd.Timestamp(y, m, 15) - cal.dates[0]).days
            for y in range(cal.dates[0].year, cal.dates[-1].year + 1) for m in (6, 12)]  # fmt: skip
    days = [d for d in days if 60 <= d < cal.days - 15][-2:]
    if len(days) == 2:
        return [(f"nps-{cal.dates[d].year}-h{1 if cal.dates[d].month <= 6 else 2}", d + 10 / 24) for d in days]
    days = [int(cal.days * 0.5), int(cal.days * 0.9)]  # short window: two waves named by month
    return [(f"nps-{cal.dates[d]:%Y-%m}", d + 10 / 24) for d in days]


def _why_answers(score, late, aftersales, rng) -> np.ndarray:
    """The 'why' category of each respondent: driven by the score band and what happened."""
    band = np.where(score >= 9, 0, np.where(score >= 7, 1, 2))  # promoter, passive, detractor
    answer = np.empty(len(score), dtype=object)
    for b in range(3):
        mine = band == b
        answer[mine] = rng.choice(WHY_ANSWERS, mine.sum(), p=_WHY_SHARE[b])
    unhappy = band == 2
    answer[unhappy & late & (rng.random(len(score)) < 0.6)] = "late delivery"
    answer[unhappy & aftersales & (rng.random(len(score)) < 0.5)] = "customer service"
    return answer


def _nps_wave(survey_id, day, cust, orders, fulfil, role, mood, cal, rng) -> pd.DataFrame:
    """One NPS wave: every buyer of the last 180 days is invited; a quarter answers."""
    n = len(cust)
    t, who = orders["t"].to_numpy(), orders["cust"].to_numpy()
    recent = (t >= day - 180) & (t < day)
    n_recent = np.bincount(who[recent], minlength=n)
    seen = lambda ts: np.bincount(who[recent & (fulfil[ts].to_numpy() < day)], minlength=n) > 0  # noqa: E731
    late = np.bincount(who[recent & fulfil["late"].to_numpy() & (fulfil["shipped"].to_numpy() < day)], minlength=n) > 0
    aftersales = seen("requested")
    invited = np.flatnonzero(n_recent > 0)
    p_answer = 0.20 + 0.15 * (role[invited] >= 0) + 0.03 * np.minimum(n_recent[invited] - 1, 3)
    answered = rng.random(len(invited)) < p_answer
    answer_t = day + rng.exponential(1.5, len(invited))
    answered &= answer_t < cal.days
    latent = 8.4 + mood[invited] + rng.normal(0, 0.8, len(invited)) - 3.0 * late[invited] - 2.5 * aftersales[invited]
    score = np.clip(np.round(latent), 0, 10)
    why = answered & (rng.random(len(invited)) < 0.7)
    why_answer = _why_answers(score[why], late[invited][why], aftersales[invited][why], rng)
    return pd.DataFrame({
        "cust": np.concatenate([invited, invited[why]]),
        "survey": survey_id,
        "question": np.repeat(["nps", "why"], [len(invited), why.sum()]),
        "answer": np.concatenate([np.full(len(invited), None, dtype=object), why_answer]),
        "score": np.concatenate([np.where(answered, score, np.nan), np.full(why.sum(), np.nan)]),
        "t": np.concatenate([np.where(answered, answer_t, day), answer_t[why]]),
    })  # fmt: skip


def _csat(orders, fulfil, order_id, cal, rng) -> pd.DataFrame:
    """A CSAT question after every closed after-sales case; slow cases score lower."""
    closed, requested = fulfil["closed"].to_numpy(), fulfil["requested"].to_numpy()
    case = np.flatnonzero(~np.isnan(closed))
    invite_t = closed[case] + 2 / 24
    case, invite_t = case[invite_t < cal.days], invite_t[invite_t < cal.days]
    answer_t = invite_t + rng.exponential(1, len(case))
    answered = (rng.random(len(case)) < 0.45) & (answer_t < cal.days)
    latent = 5.0 - 0.3 * (closed[case] - requested[case]) + rng.normal(0, 0.7, len(case))
    return pd.DataFrame({
        "cust": orders["cust"].to_numpy()[case],
        "survey": np.strings.add("csat-", order_id[case].astype(np.dtypes.StringDType())).astype(object),
        "question": "csat",
        "answer": None,
        "score": np.where(answered, np.clip(np.round(latent), 1, 5), np.nan),
        "t": np.where(answered, answer_t, invite_t),
    })  # fmt: skip


def _surveys(cust, orders, fulfil, role, order_id, cal, rng) -> pd.DataFrame:
    """Two NPS waves with a 'why' question, and CSAT after after-sales cases."""
    mood = rng.normal(0, 1.5, len(cust))  # a customer's lasting satisfaction, the same in every wave
    parts = [_nps_wave(sid, day, cust, orders, fulfil, role, mood, cal, rng) for sid, day in _nps_waves(cal)]
    parts.append(_csat(orders, fulfil, order_id, cal, rng))
    surveys = pd.concat(parts, ignore_index=True)
    return surveys.iloc[np.lexsort((surveys["cust"].to_numpy(), surveys["t"].to_numpy()))]


def _tickets(orders, fulfil, cal, rng) -> pd.DataFrame:
    """Service tickets: chasers of late parcels, after-sales cases, and everyday questions."""
    who = orders["cust"].to_numpy()
    paid, shipped = fulfil["paid"].to_numpy(), fulfil["shipped"].to_numpy()
    requested, closed = fulfil["requested"].to_numpy(), fulfil["closed"].to_numpy()
    n = len(who)
    chased = np.flatnonzero(fulfil["late"].to_numpy() & (rng.random(n) < 0.35))
    chase_t = paid[chased] + 2 + rng.random(len(chased)) * (shipped[chased] - paid[chased] - 2)
    case = np.flatnonzero(~np.isnan(requested) & (rng.random(n) < 0.7))
    asked = np.flatnonzero(~np.isnan(paid) & (rng.random(n) < 0.03))
    ask_t = paid[asked] + rng.exponential(1, len(asked))
    kind = np.concatenate([
        np.where(rng.random(len(chased)) < 0.6, "complaint", "question"),
        np.where(rng.random(len(case)) < 0.6, "return", "complaint"),
        np.full(len(asked), "question"),
    ]).astype(object)  # fmt: skip
    opened = np.concatenate([chase_t, requested[case], ask_t])
    hours = np.where(kind == "question", rng.lognormal(np.log(4), 1.0, len(kind)), rng.lognormal(np.log(30), 0.8, len(kind)))
    resolved = opened + hours / 24
    resolved[len(chased) : len(chased) + len(case)] = closed[case]  # the after-sales case's own closing
    resolved[rng.random(len(kind)) < 0.03] = np.nan  # forgotten tickets
    resolved[resolved >= cal.days] = np.nan
    tickets = pd.DataFrame({"cust": who[np.concatenate([chased, case, asked])], "t": opened,
                            "type": kind, "resolved": resolved})  # fmt: skip
    tickets = tickets[tickets["t"] < cal.days]
    return tickets.iloc[np.lexsort((tickets["cust"].to_numpy(), tickets["t"].to_numpy()))].reset_index(drop=True)


# --- dirty rows -----------------------------------------------------------------------------


def _inject_dirty_rows(orders: pd.DataFrame, end: pd.Timestamp, rng: np.random.Generator):
    """Plant the bad rows of :data:`DIRTY_ROWS` in the final ``orders``; return it and the counts."""
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
        order_id=_ids("R", np.arange(1, len(refunded) + 1), 7),
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


def _labels(names, codes: np.ndarray) -> pd.Series:
    """Text column from codes into ``names``; code -1 gives a missing value."""
    return _text(np.append(np.asarray(names, dtype=object), None)[codes])


def _tag_text() -> np.ndarray:
    """Interest-tag text for every bit mask of categories: 5 -> 'beauty|food'."""
    tags = ["|".join(c for i, c in enumerate(CATEGORIES) if mask >> i & 1) for mask in range(1 << len(CATEGORIES))]
    return np.array([t or None for t in tags], dtype=object)


#: Fulfilment columns of ``orders`` and the internal column each comes from.
FULFILMENT_COLUMNS = {"paid_ts": "paid", "shipped_ts": "shipped", "delivered_ts": "delivered",
                      "aftersales_request_ts": "requested", "aftersales_closed_ts": "closed"}  # fmt: skip


def _orders_table(orders, fulfil, order_id, customer_id, start) -> pd.DataFrame:
    table = pd.DataFrame({
        "order_id": _text(order_id),
        "customer_id": _labels(customer_id, orders["cust"].to_numpy()),
        "order_ts": _timestamps(start, orders["t"].to_numpy()),
        "amount": orders["amount"].to_numpy(),
        "status": _text(np.full(len(orders), "paid", dtype=object)),
        "is_refund": np.zeros(len(orders), bool),
        "channel": _labels(PLATFORMS, orders["platform"].to_numpy()),
        "campaign_id": _labels([p.campaign_id for p in CAMPAIGN_PLANS], orders["campaign"].to_numpy()),
        "coupon": _text(orders["coupon"].to_numpy()),
    })  # fmt: skip
    for column, source in FULFILMENT_COLUMNS.items():
        table[column] = _timestamps(start, fulfil[source].to_numpy())
    return table


def _order_items_table(lines, order_id) -> pd.DataFrame:
    cat, product = _catalogue(), lines["product"].to_numpy()
    return pd.DataFrame({
        "order_id": _labels(order_id, lines["order"].to_numpy()),
        "product_id": _labels(cat.product_id, product),
        "product_name": _labels(cat.name, product),
        "category": _labels(CATEGORIES, cat.category[product]),
        "quantity": lines["quantity"].to_numpy().astype("int64"),
        "price": cat.price[product],
    })  # fmt: skip


def _customers_table(cust, customer_id, referrer, member_tier, role, start) -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": _text(customer_id),
        "signup_ts": _timestamps(start, cust["signup"].to_numpy()),
        "channel": _labels(list(CHANNELS), cust["channel"].to_numpy()),
        "gender": _labels(GENDERS, cust["gender"].to_numpy()),
        "birth_year": pd.array(cust["birth_year"].to_numpy(), dtype="Int64"),
        "age": pd.array(cust["age"].to_numpy(), dtype="Int64"),
        "city": _labels(CITIES, cust["city"].to_numpy()),
        "member_tier": _labels(list(TIERS), member_tier),
        "referrer_id": _labels(customer_id, referrer),
        "interest_tags": _text(_tag_text()[cust["tags"].to_numpy()]),
        "community_role": _text(np.array([*COMMUNITY_ROLES, ""], dtype=object)[role]),  # -1 -> ""
    })  # fmt: skip


def _events_table(log, customer_id, start) -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": _labels(customer_id, log["cust"].to_numpy()),
        "event_ts": _timestamps(start, log["t"].to_numpy()),
        "event_name": _labels(EVENT_NAMES, log["event"].to_numpy()),
        "platform": _labels(PLATFORMS, log["platform"].to_numpy()),
        "product_id": _labels(_catalogue().product_id, log["product"].to_numpy()),
    })  # fmt: skip


def _campaign_tables(campaigns, assignments, customer_id, start) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = [p.campaign_id for p in CAMPAIGN_PLANS]
    k = campaigns["campaign"].to_numpy()
    table = pd.DataFrame({
        "campaign_id": _labels(ids, k),
        "name": _labels([p.name for p in CAMPAIGN_PLANS], k),
        "start": _timestamps(start, campaigns["first"].to_numpy()),
        "end": _timestamps(start, campaigns["stop"].to_numpy() - 1),  # last day
        "cost": campaigns["cost"].to_numpy(dtype=float),
    })  # fmt: skip
    groups = pd.DataFrame({
        "campaign_id": _labels(ids, assignments["campaign"].to_numpy(int)),
        "customer_id": _labels(customer_id, assignments["cust"].to_numpy(int)),
        "group": _labels(["treatment", "control"], assignments["control"].to_numpy(int)),
    })  # fmt: skip
    return table, groups


def _tier_history_table(tiers, customer_id, start) -> pd.DataFrame:
    tiers = tiers.sort_values(["cust", "day"], kind="stable")
    return pd.DataFrame({
        "customer_id": _labels(customer_id, tiers["cust"].to_numpy(int)),
        "valid_from": _timestamps(start, tiers["day"].to_numpy(float)),
        "tier": _labels(list(TIERS), tiers["tier"].to_numpy(int)),
    })  # fmt: skip


def _surveys_table(surveys, customer_id, start) -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": _labels(customer_id, surveys["cust"].to_numpy()),
        "survey_id": _text(surveys["survey"].to_numpy()),
        "question": _text(surveys["question"].to_numpy()),
        "answer": _text(surveys["answer"].to_numpy()),
        "score": surveys["score"].to_numpy(dtype=float),
        "ts": _timestamps(start, surveys["t"].to_numpy()),
    })  # fmt: skip


def _tickets_table(tickets, customer_id, start) -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": _labels(customer_id, tickets["cust"].to_numpy()),
        "ts": _timestamps(start, tickets["t"].to_numpy()),
        "type": _text(tickets["type"].to_numpy()),
        "resolved_ts": _timestamps(start, tickets["resolved"].to_numpy()),
        "ticket_id": _text(_ids("T", np.arange(1, len(tickets) + 1), max(7, len(str(len(tickets)))))),
    })  # fmt: skip


def _channel_costs_table(cust) -> pd.DataFrame:
    signups = np.bincount(cust["channel"].to_numpy(), minlength=len(CHANNELS))
    cost_per_signup = np.array([p.cac for p in CHANNELS.values()])
    return pd.DataFrame({"channel": _text(np.array(list(CHANNELS), dtype=object)),
                         "cost": np.round(signups * cost_per_signup, 2)})  # fmt: skip


def _check_parameters(n_customers, start, days, seed) -> pd.Timestamp:
    if not isinstance(n_customers, (int, np.integer)) or n_customers < 100:
        raise ParameterError(f"n_customers must be a whole number >= 100, got {n_customers!r}")
    if not isinstance(days, (int, np.integer)) or days < 60:
        raise ParameterError(f"days must be a whole number >= 60, got {days!r}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be a whole number >= 0, got {seed!r}")
    try:
        start = pd.Timestamp(start)
    except (TypeError, ValueError) as err:
        raise ParameterError(f"start must be a date such as '2024-01-01', got {start!r}") from err
    if start.tzinfo is not None:
        raise ParameterError(f"start must be a naive (business-local) date, got {start!r}")
    return start.normalize()


def generate_demo(
    n_customers: int = 20_000,
    start: str | pd.Timestamp = "2024-01-01",
    days: int = 731,
    seed: int = 7,
    dirty: bool = True,
    events: bool = True,
) -> dict[str, pd.DataFrame]:
    """Generate the synthetic shop: one DataFrame per table of the data contract.

    Parameters
    ----------
    n_customers : int, default 20_000
        Number of signed-up customers (at least 100).
    start : str or Timestamp, default "2024-01-01"
        First day of the window (naive, business-local).
    days : int, default 731
        Length of the window in days (at least 60); the window ends before ``start + days``
        (the default window is the two calendar years 2024-01-01 .. 2025-12-31; 2024 has 366 days).
    seed : int, default 7
        Random seed: the same seed and parameters give identical tables.
    dirty : bool, default True
        Plant the bad order rows of :data:`DIRTY_ROWS` (refunds, duplicates, missing customer ids,
        future timestamps). The counts are in ``tables["orders"].attrs["dirty_rows"]``.
    events : bool, default True
        Generate the behaviour log (the largest table, ~38 rows per customer). Leave it out for very
        large shops; the other tables do not change.

    Returns
    -------
    dict of str to DataFrame
        ``orders``, ``order_items``, ``customers``, ``events`` (if ``events``), ``campaigns``,
        ``campaign_assignments``, ``tier_history``, ``surveys``, ``tickets``, ``channel_costs``,
        with the contract's columns
        (``order_items`` also has ``product_name``). Ids are text, timestamps naive.

    Raises
    ------
    ParameterError
        If a parameter is out of range.
    """
    start = _check_parameters(n_customers, start, days, seed)
    cal = _ShopCalendar(start, days)
    cust = _customers(n_customers, cal, _rng(seed, "customers"))
    orders = _bgnbd_orders(cust, cal, _rng(seed, "orders"))
    orders, campaigns, assignments = _campaigns(cust, orders, cal, _rng(seed, "campaigns"))
    referrer = _referrers(cust, orders, _rng(seed, "referrals"))
    lines = _order_lines(orders, cust, _rng(seed, "items"))
    orders["amount"] = _order_amounts(lines, len(orders))
    orders["platform"] = _order_platforms(orders, cust, _rng(seed, "platforms"))
    tiers, member_tier = _tier_history(orders, n_customers, cal)
    fulfil = _fulfilment(orders, n_customers, cal, _rng(seed, "fulfilment"))
    role = _community_roles(cust, orders, _rng(seed, "community"))

    customer_id = _ids("C", np.arange(1, n_customers + 1), max(6, len(str(n_customers))))
    order_id = _ids("O", np.arange(1, len(orders) + 1), max(7, len(str(len(orders)))))
    tables = {
        "orders": _orders_table(orders, fulfil, order_id, customer_id, start),
        "order_items": _order_items_table(lines, order_id),
        "customers": _customers_table(cust, customer_id, referrer, member_tier, role, start),
    }
    if events:
        log = _events(cust, orders, lines, referrer, cal, _rng(seed, "events"))
        community = _community_events(cust, orders, lines, fulfil, role, cal, _rng(seed, "community_events"))
        log = pd.concat([log, community[log.columns]], ignore_index=True)
        # np.lexsort is stable: the older events keep their order among themselves.
        log = log.iloc[np.lexsort((log["event"].to_numpy(), log["cust"].to_numpy(), log["t"].to_numpy()))]
        tables["events"] = _events_table(log, customer_id, start)
    tables["campaigns"], tables["campaign_assignments"] = _campaign_tables(campaigns, assignments, customer_id, start)
    tables["tier_history"] = _tier_history_table(tiers, customer_id, start)
    surveys = _surveys(cust, orders, fulfil, role, order_id, cal, _rng(seed, "surveys"))
    tables["surveys"] = _surveys_table(surveys, customer_id, start)
    tables["tickets"] = _tickets_table(_tickets(orders, fulfil, cal, _rng(seed, "tickets")), customer_id, start)
    tables["channel_costs"] = _channel_costs_table(cust)

    counts = dict.fromkeys(DIRTY_ROWS, 0)
    if dirty:
        end = start + pd.Timedelta(days=days)
        tables["orders"], counts = _inject_dirty_rows(tables["orders"], end, _rng(seed, "dirty"))
    tables["orders"].attrs["dirty_rows"] = counts
    return tables


def _readme(tables: dict[str, pd.DataFrame], params: dict) -> str:
    start = pd.Timestamp(params["start"])
    last_day = start + pd.Timedelta(days=params["days"] - 1)
    counts = tables["orders"].attrs.get("dirty_rows", {})
    flags = ("" if params["dirty"] else " --clean") + ("" if params["events"] else " --no-events")
    return "\n".join([
        "SYNTHETIC DATA - generated by userops_lib.demo.generate. No real customer, order or person is in it.",
        "",
        "Parameters: " + ", ".join(f"{k}={v!r}" for k, v in params.items()),
        f"Reproduce:  python -m userops_lib.demo.generate --customers {params['n_customers']} --seed {params['seed']} "
        f"--days {params['days']} --start {params['start']}{flags} --out <folder>",
        f"Window:     {start.date()} .. {last_day.date()} (naive business-local timestamps, amounts in CNY)",
        "",
        "Tables (rows):",
        *(f"  {name + '.parquet':28s} {len(df):>12,}" for name, df in tables.items()),
        "",
        "Planted patterns:",
        "  - BG/NBD purchases, channel quality: referral > organic > paid_search > affiliate/social",
        "  - buyers whose first order used the NEW20 coupon drop out more often",
        "  - co-purchase pairs: " + ", ".join(f"{a} -> {b}" for a, (b, _) in CO_PURCHASE.items()),
        "  - referral chains, a few super-inviters",
        "  - membership tiers set monthly from the trailing-12-month spend: "
        + ", ".join(f"{t} >= {v:,.0f}" for t, v in TIERS.items() if t),
        "  - campaigns with a random control group and a real lift: "
        + ", ".join(p.campaign_id for p in CAMPAIGN_PLANS if p.audience)
        + "; without control group: " + ", ".join(p.campaign_id for p in CAMPAIGN_PLANS if not p.audience),
        f"  - fulfilment: shipping promise {SHIPPING_PROMISE_HOURS} h, late tail worse around Double 11 and"
        " the Spring Festival; ~7% of orders with an after-sales case",
        f"  - the order after which a buyer never came back is late / in after-sales {LOST_BUYER_FACTOR}x"
        " more often (planted correlation, not causal)",
        "  - community roles kol / expert; community events post, answer, like, comment, share, review",
        "  - surveys: two NPS waves (lower after late shipment / after-sales), 'why' answers, CSAT"
        " (survey_id csat-<order_id>) after after-sales; rows without answer and score = no response",
        "  - tickets: late-parcel chasers, after-sales returns / complaints, everyday questions; a few open",
        "Bad order rows injected (dirty=True): "
        + (", ".join(f"{k}={v}" for k, v in counts.items()) if any(counts.values()) else "none"),
        "  refund_rows: status 'refunded', is_refund, negative amount of an earlier order; order_id R...",
        "  duplicated_rows: exact copies of orders (same order_id)",
        "  null_customer_id: orders without customer_id",
        "  future_order_ts: orders with a mistyped year (900 years ahead), in the future",
        "  refund and future rows have empty fulfilment timestamps",
        "",
    ])  # fmt: skip


def write_demo(
    folder: str | pathlib.Path,
    n_customers: int = 20_000,
    start: str | pd.Timestamp = "2024-01-01",
    days: int = 731,
    seed: int = 7,
    dirty: bool = True,
    events: bool = True,
) -> pathlib.Path:
    """Generate the demo shop and write one Parquet file per table plus a ``README.txt``.

    Parameters
    ----------
    folder : str or Path
        Where to write; created if needed. A contract table's Parquet file left over from an
        earlier run but not generated now (``events.parquet`` with ``events=False``) is removed.
    n_customers, start, days, seed, dirty, events
        As for :func:`generate_demo`.

    Returns
    -------
    Path
        The folder.
    """
    folder = pathlib.Path(folder)
    params = dict(n_customers=n_customers, start=start, days=days, seed=seed, dirty=dirty, events=events)
    tables = generate_demo(**params)
    params["start"] = str(pd.Timestamp(start).date())
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("orders", "order_items", "customers", "events", "campaigns", "campaign_assignments",
                 "tier_history", "surveys", "tickets", "channel_costs"):  # fmt: skip
        path = folder / f"{name}.parquet"
        if name in tables:
            tables[name].to_parquet(path, index=False)
        else:
            path.unlink(missing_ok=True)
    (folder / "README.txt").write_text(_readme(tables, params), encoding="utf-8")
    return folder


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m userops_lib.demo.generate --customers N --out DIR [--seed S] [--days D]``."""
    parser = argparse.ArgumentParser(
        prog="python -m userops_lib.demo.generate",
        description="Write the seeded synthetic demo shop as Parquet files (one per table).",
    )
    parser.add_argument("--customers", type=int, default=20_000, help="number of customers (default 20000)")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--days", type=int, default=731,
                        help="window length in days (default 731: 2024-01-01 .. 2025-12-31)")
    parser.add_argument("--start", default="2024-01-01", help="first day of the window (default 2024-01-01)")
    parser.add_argument("--no-events", action="store_true", help="skip the behaviour log (for huge sizes)")
    parser.add_argument("--clean", action="store_true", help="do not inject bad order rows")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    try:
        folder = write_demo(args.out, n_customers=args.customers, start=args.start, days=args.days,
                            seed=args.seed, dirty=not args.clean, events=not args.no_events)  # fmt: skip
    except ParameterError as err:
        parser.error(str(err))
    print(f"wrote {folder} in {time.perf_counter() - began:.1f}s")
    print((folder / "README.txt").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
