"""Numbers, money and dates as a manager reads them, formatted in one place per language.

A Chinese report writes ¥174.1万 where an English one writes $1.74M or CNY 1.74M; percentages
keep one decimal; a change of a rate is said in percentage points (上升 2.3 个百分点); months
read 2025年12月 in sentences and 2025-12 in tables (``../shared/glossary.md``, "Numbers").
Babel's CLDR data does the locale work (the 万/亿 and K/M/B compact forms, separators), so the
rules here are only the precision choices a report needs.

Every report formats through one :class:`NumberStyle` (its ``lang`` and ``currency``
parameters); nothing else in the library formats a number for a reader.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from babel.dates import format_date
from babel.numbers import format_compact_currency, format_compact_decimal, format_currency, format_decimal

from ..data.periods import parse_date

__all__ = ["LANGUAGES", "NumberStyle", "default_currency", "MISSING"]

#: Report languages and the Babel locale each one formats with.
LANGUAGES = {"zh": "zh_CN", "en": "en_US"}

#: What a missing value reads as, per language.
MISSING = {"zh": "—", "en": "n/a"}

#: Second, minute, hour and day as a duration reads them, per language.
_DURATION_UNITS = {"zh": ("秒", "分钟", "小时", "天"), "en": ("s", "min", "h", "d")}

_QUARTERS_ZH = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


def default_currency(lang: str) -> str:
    """The currency a report in ``lang`` shows when none is given: CNY for ``zh``, USD for ``en``."""
    return "CNY" if lang == "zh" else "USD"


def _missing(x) -> bool:
    """None, NaN, NaT and pandas' NA: the values a table cell shows as missing."""
    return x is None or (pd.api.types.is_scalar(x) and bool(pd.isna(x)))


@dataclass(frozen=True)
class NumberStyle:
    """How one report writes numbers.

    Parameters
    ----------
    lang : {"zh", "en"}
        Report language.
    currency : str, optional
        ISO 4217 code of the shop's money (default: CNY for ``zh``, USD for ``en``).
    """

    lang: str = "zh"
    currency: str | None = None

    def __post_init__(self):
        if self.lang not in LANGUAGES:
            raise ValueError(f"lang must be one of {sorted(LANGUAGES)}, got {self.lang!r}")
        if self.currency is None:
            object.__setattr__(self, "currency", default_currency(self.lang))

    @property
    def locale(self) -> str:
        return LANGUAGES[self.lang]

    @property
    def missing(self) -> str:
        return MISSING[self.lang]

    # ------------------------------------------------------------------------------- money
    def money(self, x, compact: bool = True) -> str:
        """An amount of money: compact for sentences and headlines, exact for tables.

        Compact keeps three to four significant digits: ¥174.1万 (1,740,705.10), ¥55.15万,
        ¥2.35亿, and two decimals below 10,000 (客单价 ¥382.46); in English $1.74M, $551.51K.
        ``compact=False`` gives the exact amount with separators (¥1,740,705.10).
        """
        if _missing(x):
            return self.missing
        x = float(x)
        if not compact or abs(x) < 10_000:
            return format_currency(x, self.currency, locale=self.locale)
        return format_compact_currency(x, self.currency, locale=self.locale, fraction_digits=self._compact_digits(x))

    def price(self, x) -> str:
        """A price point such as a band edge: a whole amount without decimals (¥180, $450), any other as
        :meth:`money` (¥876.29), so "¥180.00, ¥280.00" does not read as an exact bill."""
        if _missing(x):
            return self.missing
        if float(x).is_integer() and abs(float(x)) < 10_000:
            return format_currency(float(x), self.currency, locale=self.locale, format="¤#,##0", currency_digits=False)
        return self.money(x)

    def amount(self, x) -> str:
        """An amount in a table cell: always exact (¥23,200.00, ¥6,154.90), so a column never mixes
        ¥2.32万 with ¥6,154.90; sentences and headlines use :meth:`money` (compact)."""
        return self.money(x, compact=False)

    def _compact_digits(self, x: float) -> int:
        # 万 (10^4) units: 174.1万 needs one decimal, 5.52万 two; 亿 (10^8): 2.35亿.
        # K/M/B units of English work alike: $551.51K, $1.74M.
        if self.lang == "zh":
            return 1 if 1e6 <= abs(x) < 1e8 else 2
        return 2

    # ------------------------------------------------------------------------------- counts
    def count(self, n, compact: bool = False) -> str:
        """A count of customers, orders...: 12,345 (or 1.23万 / 12.35K when ``compact``)."""
        if _missing(n):
            return self.missing
        if compact and abs(float(n)) >= 10_000:
            return format_compact_decimal(float(n), locale=self.locale, fraction_digits=self._compact_digits(float(n)))
        return format_decimal(n, locale=self.locale)

    def number(self, x, digits: int = 2) -> str:
        """A plain measure (orders per buyer, lift): ``digits`` decimals, separators."""
        if _missing(x):
            return self.missing
        return format_decimal(round(float(x), digits), format=f"#,##0.{'0' * digits}" if digits else "#,##0",
                              locale=self.locale)

    def ratio(self, x, digits: int = 2) -> str:
        """A multiple with its unit, as a return on spend reads: 6.93 倍 / 6.93×."""
        if _missing(x):
            return self.missing
        return f"{self.number(x, digits)} 倍" if self.lang == "zh" else f"{self.number(x, digits)}×"

    # ------------------------------------------------------------------------------- shares
    def percent(self, x, digits: int = 1) -> str:
        """``0.1234`` → ``12.3%``; a share too small to show reads ``<0.1%``, never ``0.0%``."""
        if _missing(x):
            return self.missing
        x = float(x)
        smallest = 10.0 ** -digits
        if 0 < abs(100 * x) < smallest / 2:
            return f"{'<' if x > 0 else '>-'}{smallest:.{digits}f}%"
        return f"{100 * x:.{digits}f}%"

    def change(self, x, points: bool = False, digits: int = 1) -> str:
        """A signed change: relative (``+14.5%``) or, for a rate, in percentage points
        (``+2.3 个百分点`` / ``+2.3 pp``); ``x`` is a fraction either way (0.023)."""
        if _missing(x):
            return self.missing
        value = f"{100 * float(x):+.{digits}f}"
        if not points:
            return value + "%"
        return value + (" 个百分点" if self.lang == "zh" else " pp")

    def trend(self, x, points: bool = False, digits: int = 1) -> str:
        """A change said in words where Chinese says it so: 增长 70.5% / 下降 14.5% / 上升 2.3 个百分点 /
        持平, for a sentence such as "GMV …，下降 14.5%" (not "变化 -14.5%"); English keeps :meth:`change`
        (+70.5%), its sentences say "changed by"."""
        if self.lang != "zh" or _missing(x):
            return self.change(x, points, digits)
        shown = self.change(abs(float(x)), points, digits).lstrip("+")
        if float(shown.split()[0].rstrip("%")) == 0:
            return "持平"
        return ("下降 " if x < 0 else "上升 " if points else "增长 ") + shown

    def move(self, before, now, rate: bool = False, digits: int = 1) -> str:
        """How a value moved from ``before`` to ``now``, the one rule for every change a report shows:
        a rate (a share of customers or visitors: conversion, repurchase, retention) in percentage
        points of ``now − before`` (22.6% → 25.6%: ``+3.0 个百分点`` / ``+3.0 pp``, never ``+13.0%``),
        any other value relative to ``before`` (``(now − before) / |before|``)."""
        if _missing(before) or _missing(now):
            return self.missing
        before, now = float(before), float(now)
        if rate:
            return self.change(now - before, points=True, digits=digits)
        return self.missing if before == 0 else self.change((now - before) / abs(before), digits=digits)

    # ------------------------------------------------------------------------------- durations
    def duration(self, x) -> str:
        """A time span in the unit a reader expects: ``x`` a Timedelta or a number of hours.
        Seconds below a minute, minutes below an hour, hours up to two days, then days; one decimal,
        a whole number without it: 44 秒, 2.4 分钟, 20.5 小时, 48 小时, 2.4 天 (44 s, 2.4 min, 20.5 h, 2.4 d),
        never 0.04 小时."""
        if _missing(x):
            return self.missing
        seconds = pd.Timedelta(x).total_seconds() if isinstance(x, (dt.timedelta, np.timedelta64)) else float(x) * 3600
        units = _DURATION_UNITS[self.lang]
        for size, upto, unit in ((1, 60, units[0]), (60, 3600, units[1]), (3600, 48 * 3600 + 1, units[2]),
                                 (86400, float("inf"), units[3])):
            if abs(seconds) < upto or size == 86400:
                value = round(seconds / size, 1 if size > 1 else 0)
                return f"{format_decimal(value, format='#,##0.#', locale=self.locale)} {unit}"

    # ------------------------------------------------------------------------------- dates
    def month(self, day, in_sentence: bool = True) -> str:
        """2025年12月 / Dec 2025 in sentences; 2025-12 in tables and axes."""
        if _missing(day):
            return self.missing
        day = parse_date(day)
        if not in_sentence:
            return f"{day.year}-{day.month:02d}"
        return format_date(day, "yyyy年M月" if self.lang == "zh" else "MMM yyyy", locale=self.locale)

    def quarter(self, day, in_sentence: bool = True) -> str:
        """2025年第四季度 / Q4 2025 in sentences; 2025-Q4 in tables."""
        if _missing(day):
            return self.missing
        day = parse_date(day)
        q = (day.month - 1) // 3 + 1
        if not in_sentence:
            return f"{day.year}-Q{q}"
        return f"{day.year}年{_QUARTERS_ZH[q]}" if self.lang == "zh" else f"Q{q} {day.year}"

    def date(self, day) -> str:
        """2025年12月31日 / Dec 31, 2025."""
        if _missing(day):
            return self.missing
        return format_date(parse_date(day), "yyyy年M月d日" if self.lang == "zh" else "MMM d, yyyy", locale=self.locale)

