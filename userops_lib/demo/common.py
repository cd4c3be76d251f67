"""Helpers every table family uses: random streams, times of day, the shop calendar, text columns.

Inside the generator customers and products are row numbers and times are *days since the window
start* (floats); these helpers turn them into the shop's ids, texts and naive timestamps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .story import FESTIVALS, HOURLY, SPRING_FESTIVALS, STREAMS

__all__ = ["rng_for", "clock", "at_time_of_day", "text_ids", "text_column", "timestamps", "first_per_group",
           "labels", "ShopCalendar"]


def rng_for(seed: int, stream: str, block: int = 0) -> np.random.Generator:
    """Random generator for one behaviour of one block of customers.

    One generator per behaviour, so changing one part leaves the others unchanged; one per block
    (see :mod:`.generate`), so a customer's rows do not depend on how many customers are generated
    at once. Block 0 keeps the seeds the generator had before it worked in blocks, so a shop of
    one block (the default demo) is unchanged.
    """
    key = [seed, STREAMS.index(stream)] + ([block] if block else [])
    return np.random.default_rng(key)


def clock(rng: np.random.Generator, n: int) -> np.ndarray:
    """Fraction of the day at which ``n`` actions happen, following the shop's hourly traffic."""
    return (rng.choice(24, size=n, p=HOURLY) + rng.random(n)) / 24


def at_time_of_day(t: np.ndarray, not_before: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Move each action to a realistic time on its day, but never before ``not_before``."""
    day = np.floor(t)
    t = day + clock(rng, len(t))
    early = t <= not_before
    rest_of_day = np.floor(not_before[early]) + 1 - not_before[early]
    t[early] = not_before[early] + rng.uniform(0.05, 0.95, early.sum()) * rest_of_day
    return t


def text_ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Text ids such as ``C000123``, as an object array."""
    digits = np.asarray(numbers).astype(np.dtypes.StringDType())
    return np.strings.add(prefix, np.strings.zfill(digits, width)).astype(object)


def text_column(values: np.ndarray) -> pd.Series:
    """Text column (pandas ``str`` dtype, None -> missing)."""
    return pd.Series(values, dtype="str")


def timestamps(start: pd.Timestamp, t: np.ndarray) -> np.ndarray:
    """Days since ``start`` -> naive timestamps, to the second (NaN -> NaT)."""
    t = np.asarray(t, dtype=float)
    missing = np.isnan(t)
    seconds = np.floor(np.where(missing, 0, t) * 86_400).astype("int64").astype("timedelta64[s]")
    stamps = (np.datetime64(start, "s") + seconds).astype("datetime64[us]")
    stamps[missing] = np.datetime64("NaT", "us")  # a unitless NaT is deprecated from numpy 2.5 (Python 3.12+ pins)
    return stamps


def first_per_group(group: np.ndarray) -> np.ndarray:
    """Boolean mask of the first row of each group (rows need not be sorted)."""
    first = np.zeros(len(group), bool)
    first[np.unique(group, return_index=True)[1]] = True
    return first


class ShopCalendar:
    """How busy the shop is on each day: weekends, shopping festivals, the Spring Festival lull.

    ``busy time`` is the cumulative busyness; a purchase process that is uniform in busy time has
    more orders on busy days, which puts the festival peaks into the BG/NBD purchases.
    """

    def __init__(self, start: pd.Timestamp, days: int):
        dates = pd.date_range(start, periods=days, freq="D")
        day = np.arange(days)
        weight = np.where(dates.day_of_week >= 5, 1.12, 1.0)
        for month, dom, ramp, peak in FESTIVALS:
            for year in range(dates[0].year, dates[-1].year + 1):
                to_peak = day - (pd.Timestamp(year, month, dom) - dates[0]).days
                build_up = np.clip(1 + to_peak / ramp, 0, 1) ** 2 * (to_peak <= 0)
                weight = weight * (1 + (peak - 1) * build_up)
        for new_year in pd.to_datetime(list(SPRING_FESTIVALS)):
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


def labels(names, codes: np.ndarray) -> pd.Series:
    """Text column from codes into ``names``; code -1 gives a missing value."""
    return text_column(np.append(np.asarray(names, dtype=object), None)[codes])
