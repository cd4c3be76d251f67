"""Membership: tiers set at every month start from the trailing-12-month spend. Table ``tier_history``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import ShopCalendar, labels, timestamps
from .story import TIERS

__all__ = ["tier_history", "tier_history_table"]


def tier_history(orders: pd.DataFrame, n: int, cal: ShopCalendar):
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


def tier_history_table(tiers, customer_id, start) -> pd.DataFrame:
    tiers = tiers.sort_values(["cust", "day"], kind="stable")
    return pd.DataFrame({
        "customer_id": labels(customer_id, tiers["cust"].to_numpy(int)),
        "valid_from": timestamps(start, tiers["day"].to_numpy(float)),
        "tier": labels(list(TIERS), tiers["tier"].to_numpy(int)),
    })  # fmt: skip
