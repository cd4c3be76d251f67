"""One period vocabulary: day / week / month / quarter / year everywhere, the old one-letter
spellings read (with a DeprecationWarning) in one place, ``periods.check_period``."""

from __future__ import annotations

import datetime as dt
import inspect
import warnings

import ibis
import pandas as pd
import pytest

import userops_lib as u
from userops_lib.clv import clv_by_cohort
from userops_lib.data import engine
from userops_lib.data.periods import PERIOD_ALIASES, PERIODS, check_period, period_truncate, start_of
from userops_lib.exceptions import ParameterError
from userops_lib.metrics.conversion import second_purchase_conversion


@pytest.mark.parametrize("old, name", sorted(PERIOD_ALIASES.items()))
def test_an_old_spelling_is_read_as_its_name_with_a_warning(old, name):
    with pytest.warns(DeprecationWarning, match=f"period='{old}' is the old spelling of '{name}'"):
        assert check_period(old) == name


def test_names_pass_silently_and_anything_else_is_named():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [check_period(p) for p in PERIODS] == list(PERIODS)
    with pytest.raises(ParameterError, match="period must be one of week, month; got 'fortnight'"):
        check_period("fortnight", ("week", "month"))
    with pytest.warns(DeprecationWarning), pytest.raises(ParameterError, match="got 'day'"):
        check_period("D", ("week", "month"))  # the alias is read first, then checked like the name


def test_no_public_function_defaults_to_a_one_letter_period():
    for name in u.__all__:
        obj = getattr(u, name)
        if callable(obj) and not isinstance(obj, type):
            default = inspect.signature(obj).parameters.get("period")
            if default is not None and isinstance(default.default, str):
                assert default.default in PERIODS, name


DATES = [dt.date(2024, 1, 3), dt.date(2024, 5, 19), dt.date(2023, 12, 31), dt.date(2024, 2, 29)]


def test_start_of_by_hand():
    # 2024-01-03 is a Wednesday, 2024-05-19 a Sunday, 2023-12-31 a Sunday, 2024-02-29 a Thursday
    week = ["2024-01-01", "2024-05-13", "2023-12-25", "2024-02-26"]
    quarter = ["2024-01-01", "2024-04-01", "2023-10-01", "2024-01-01"]
    assert [str(d.date()) for d in start_of(DATES, "week")] == week
    assert [str(d.date()) for d in start_of(DATES, "quarter")] == quarter
    assert [str(d.date()) for d in start_of(DATES, "month")] == ["2024-01-01", "2024-05-01", "2023-12-01", "2024-02-01"]
    assert [str(d.date()) for d in start_of(DATES, "year")] == ["2024-01-01", "2024-01-01", "2023-01-01", "2024-01-01"]


@pytest.mark.parametrize("period", PERIODS)
def test_the_engine_truncates_like_python(period):
    days = pd.date_range("2023-12-20", "2024-04-10", freq="D")
    t = ibis.memtable(pd.DataFrame({"d": days.date}))
    got = engine.execute(t.select(s=period_truncate(t.d.cast("date"), period)).order_by("s"))["s"]
    assert list(pd.to_datetime(got)) == sorted(start_of(days, period))


def test_old_spellings_give_the_same_results():
    orders = pd.DataFrame({"order_id": ["1", "2", "3", "4"], "customer_id": ["a", "a", "b", "c"],
                           "order_ts": pd.to_datetime(["2024-01-03", "2024-01-20", "2024-02-05", "2024-04-01"]),
                           "amount": [10.0, 20.0, 30.0, 40.0]})
    with pytest.warns(DeprecationWarning):
        old = second_purchase_conversion(orders, windows=[30], by="cohort", period="M")
    new = second_purchase_conversion(orders, windows=[30], by="cohort", period="month")
    pd.testing.assert_frame_equal(old, new)
    assert list(new["group"]) == ["2024-01", "2024-02", "2024-04"]  # a's first order in Jan, b Feb, c Apr
    values = pd.DataFrame({"clv": [1.0, 2.0], "first_purchase": [dt.date(2024, 1, 3), dt.date(2024, 5, 19)]})
    with pytest.warns(DeprecationWarning):
        old = clv_by_cohort(values, "Q")
    pd.testing.assert_frame_equal(old, clv_by_cohort(values, "quarter"))
    with pytest.warns(DeprecationWarning):
        old = u.period_kpis(orders, "W")
    pd.testing.assert_frame_equal(old, u.period_kpis(orders, "week"))
