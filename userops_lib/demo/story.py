"""The story of the demo shop: every number that shapes it, in one place.

Channels and their customers' behaviour, coupons, the calendar (hourly traffic, festivals, the
Spring Festival), the product catalogue and its planted co-purchase pairs, membership tiers,
campaigns, the bad rows ``dirty=True`` plants, fulfilment promises, community roles and survey
answers. The table-family modules (:mod:`.customers`, :mod:`.orders`, :mod:`.campaigns`,
:mod:`.membership`, :mod:`.events`, :mod:`.voice`) turn these into rows; :mod:`.generate`
assembles them. Change the story here, not in the modules that draw it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "ChannelProfile", "CHANNELS", "COUPON_DROPOUT_FACTOR", "NEW_CUSTOMER_COUPON", "EVERYDAY_COUPONS",
    "EVERYDAY_COUPON_SHARE", "SIGNUP_GROWTH", "MAX_PURCHASE_RATE", "PLATFORMS", "PLATFORM_SHARE", "GENDERS",
    "GENDER_SHARE", "CITIES", "HOURLY", "FESTIVALS", "SPRING_FESTIVALS", "CATALOGUE", "CATEGORIES", "BRANDS",
    "CO_PURCHASE", "FAVOURITE", "ANY_CATEGORY", "TIERS", "CampaignPlan", "CAMPAIGN_PLANS",
    "ATTRIBUTED_SHARE_TARGETED", "ATTRIBUTED_SHARE_MASS", "DIRTY_ROWS", "SHIPPING_PROMISE_HOURS",
    "LATE_SHIPMENT_SHARE", "PEAK_LATE_SHIPMENT_SHARE", "AFTERSALES_SHARE", "LOST_BUYER_FACTOR", "COMMUNITY_ROLES",
    "WHY_ANSWERS", "WHY_SHARE", "STREAMS", "EVENT_NAMES", "FULFILMENT_COLUMNS",
]  # fmt: skip


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
HOURLY = np.array([0.9, 0.5, 0.3, 0.2, 0.15, 0.15, 0.3, 0.6, 1.0, 1.3, 1.5, 1.6,
                    1.8, 1.6, 1.4, 1.4, 1.4, 1.5, 1.6, 1.9, 2.3, 2.6, 2.4, 1.6])  # fmt: skip
HOURLY = HOURLY / HOURLY.sum()

# Shopping festivals: (month, day, ramp-up days, peak busyness). Traffic builds up to the day.
FESTIVALS = ((6, 18, 14, 2.0), (11, 11, 10, 3.5), (12, 12, 5, 1.6))
# Spring Festival (Chinese New Year): couriers pause, the shop is quiet for about two weeks.
SPRING_FESTIVALS = ("2022-02-01", "2023-01-22", "2024-02-10", "2025-01-29", "2026-02-17",
                    "2027-02-06", "2028-01-26", "2029-02-13", "2030-02-03")  # fmt: skip

# --- catalogue ------------------------------------------------------------------------------
# category: (variants per base product, units bought at once (extra Poisson mean), base products
# (name, typical price) in order of popularity). Every base product comes in a few brands.
CATALOGUE = {
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
CATEGORIES = tuple(CATALOGUE)
BRANDS = "ABCDEFGH"

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
FAVOURITE = np.array([
    [0.22, 0.14, 0.12, 0.16, 0.03, 0.10, 0.05, 0.05, 0.05, 0.08],
    [0.05, 0.06, 0.15, 0.13, 0.18, 0.10, 0.15, 0.07, 0.05, 0.06],
])  # fmt: skip
FAVOURITE = np.vstack([FAVOURITE, FAVOURITE.mean(axis=0)])  # gender unknown: in between
ANY_CATEGORY = FAVOURITE[2]  # category of a line not driven by the customer's favourites

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
ATTRIBUTED_SHARE_TARGETED = 0.5
ATTRIBUTED_SHARE_MASS = 0.4

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
WHY_SHARE = np.array([
    [0.35, 0.20, 0.30, 0.10, 0.00, 0.05],
    [0.15, 0.35, 0.25, 0.05, 0.10, 0.10],
    [0.00, 0.30, 0.35, 0.15, 0.15, 0.05],
])  # fmt: skip

# New streams go at the end: a stream's number seeds its generator, so the earlier tables stay put.
STREAMS = ("customers", "orders", "campaigns", "referrals", "items", "platforms", "events", "dirty",
            "fulfilment", "community", "community_events", "surveys", "tickets")  # fmt: skip

# Event names in funnel order, then the social events, then the community events.
EVENT_NAMES = ("visit", "product_view", "add_to_cart", "checkout", "purchase", "share", "review", "invite",
               "post", "answer", "like", "comment")  # fmt: skip


#: Fulfilment columns of ``orders`` and the internal column each comes from.
FULFILMENT_COLUMNS = {"paid_ts": "paid", "shipped_ts": "shipped", "delivered_ts": "delivered",
                      "aftersales_request_ts": "requested", "aftersales_closed_ts": "closed"}  # fmt: skip
