"""Campaigns: targeted ones with a random control group and a real lift, mass festival sales.

Tables ``campaigns`` and ``campaign_assignments``; the campaigns also add and mark orders.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import ShopCalendar, at_time_of_day, labels, timestamps
from .story import ATTRIBUTED_SHARE_MASS, ATTRIBUTED_SHARE_TARGETED, CAMPAIGN_PLANS, CampaignPlan

__all__ = ["run_campaigns", "campaigns_table", "assignments_table"]


def _campaign_window(plan: CampaignPlan, cal: ShopCalendar) -> tuple[int, int]:
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
    claimed = in_window & (rng.random(len(t)) < ATTRIBUTED_SHARE_MASS)
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
    claimed &= rng.random(len(t)) < ATTRIBUTED_SHARE_TARGETED
    orders.loc[claimed, ["campaign", "coupon"]] = [k, plan.coupon]
    # The incremental orders: the lift the control group lets an analyst measure.
    converted = treated[rng.random(len(treated)) < plan.lift]
    day = first + rng.random(len(converted)) * (stop - first)
    extra = pd.DataFrame({
        "cust": converted, "t": at_time_of_day(day, np.full(len(day), float(first)), rng),
        "coupon": plan.coupon, "campaign": k,
    })  # fmt: skip
    assignments = pd.DataFrame({"campaign": k, "cust": audience, "control": control})
    return pd.concat([orders, extra], ignore_index=True), assignments, plan.cost_per_customer * len(treated)


def run_campaigns(cust: pd.DataFrame, orders: pd.DataFrame, cal: ShopCalendar, rng: np.random.Generator):
    """Run the campaigns in :data:`CAMPAIGN_PLANS` one after the other.

    Returns the orders (campaign orders added, attributed orders marked), the campaigns
    (campaign, first, stop, cost; the cost of this block's customers, not rounded: the blocks'
    costs are added up before :func:`campaigns_table` rounds them) and the assignments
    (campaign, cust, control).
    """
    campaigns, assignments = [], [pd.DataFrame({"campaign": [], "cust": [], "control": []}, dtype=int)]
    for k, plan in enumerate(CAMPAIGN_PLANS):
        first, stop = _campaign_window(plan, cal)
        if plan.audience is None:
            cost = _mass_campaign(k, plan, orders, first, stop, len(cust), rng)
        else:
            orders, assigned, cost = _targeted_campaign(k, plan, cust, orders, first, stop, rng)
            assignments.append(assigned)
        campaigns.append((k, first, stop, cost))
    campaigns = pd.DataFrame(campaigns, columns=["campaign", "first", "stop", "cost"])
    return orders.sort_values(["t", "cust"], ignore_index=True), campaigns, pd.concat(assignments, ignore_index=True)


def campaigns_table(campaigns: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame:
    """The ``campaigns`` table from the (campaign, first, stop, cost) rows, cost rounded to cents."""
    k = campaigns["campaign"].to_numpy()
    return pd.DataFrame({
        "campaign_id": labels([p.campaign_id for p in CAMPAIGN_PLANS], k),
        "name": labels([p.name for p in CAMPAIGN_PLANS], k),
        "start": timestamps(start, campaigns["first"].to_numpy()),
        "end": timestamps(start, campaigns["stop"].to_numpy() - 1),  # last day
        "cost": np.array([round(float(c), 2) for c in campaigns["cost"]], dtype=float),
    })  # fmt: skip


def assignments_table(assignments: pd.DataFrame, customer_id: np.ndarray) -> pd.DataFrame:
    """The ``campaign_assignments`` table: who was treated and who held out, per campaign."""
    return pd.DataFrame({
        "campaign_id": labels([p.campaign_id for p in CAMPAIGN_PLANS], assignments["campaign"].to_numpy(int)),
        "customer_id": labels(customer_id, assignments["cust"].to_numpy(int)),
        "group": labels(["treatment", "control"], assignments["control"].to_numpy(int)),
    })  # fmt: skip
