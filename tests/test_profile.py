"""User profile distributions on a hand-counted table of six customers (three of them buyers)."""

from __future__ import annotations

import pandas as pd
import pytest

from userops_lib.data.load import load_dataset
from userops_lib.exceptions import MissingTableError
from userops_lib.metrics.profile import user_profile

# as-of 2024-06-30, so age = 2024 - birth_year: a 14, b 24, c 25, d unknown, e 54, f 134 (impossible).
CUSTOMERS = pd.DataFrame({
    "customer_id": ["a", "b", "c", "d", "e", "f"],
    "birth_year": [2010, 2000, 1999, None, 1970, 1890],
    "gender": ["F", "M", "F", None, "F", "M"],
    "city": ["Shanghai", "Shanghai", "Beijing", "Beijing", "Hangzhou", ""],
    "member_tier": ["gold", None, "silver", "", "gold", None],
    "interest_tags": ["sports|music", "music, books", "", None, "sports|sports", "books"],
})
ORDERS = pd.DataFrame({"order_id": ["o1", "o2", "o3", "o4"], "customer_id": ["a", "b", "c", "a"],
                       "order_ts": pd.to_datetime(["2024-06-01", "2024-06-02", "2024-06-03", "2024-06-04"]),
                       "amount": [1.0, 2.0, 3.0, 4.0]})


@pytest.fixture(scope="module")
def profile():
    data = load_dataset({"orders": ORDERS, "customers": CUSTOMERS}, as_of="2024-06-30")
    return user_profile(data, top_cities=1)


def _dim(profile, name):
    return profile[profile.dimension == name].set_index("value")


def test_age_bands_count_unknown_and_impossible_ages(profile):
    age = _dim(profile, "age_band")
    assert list(age.index) == ["<18", "18–24", "25–29", "30–34", "35–39", "40–49", "50+", "unknown"]
    # a <18, b 18-24, c 25-29, e 50+; d (no birth year) and f (age 134) unknown.
    assert age.customers.tolist() == [1, 1, 1, 0, 0, 0, 1, 2]
    assert age.buyers.tolist() == [1, 1, 1, 0, 0, 0, 0, 0]  # buyers a, b, c
    assert age.customers.sum() == 6 and age.customer_share.sum() == pytest.approx(1.0)


def test_gender_city_and_tier(profile):
    gender = _dim(profile, "gender")
    assert gender.customers.to_dict() == {"F": 3, "M": 2, "unknown": 1}
    assert gender.loc["F", "buyer_share"] == pytest.approx(2 / 3)  # a, c of the buyers a, b, c
    city = _dim(profile, "city")
    # Beijing and Shanghai both have 2: the tie goes to the name first in order (Beijing);
    # Shanghai + Hangzhou make "other" (3, buyers a, b); f's empty city is unknown.
    assert city.customers.to_dict() == {"Beijing": 2, "other": 3, "unknown": 1}
    assert city.loc["other", "buyers"] == 2
    tier = _dim(profile, "member_tier")
    assert tier.customers.to_dict() == {"gold": 2, "silver": 1, "not a member": 3}


def test_interest_tags_split_on_bar_and_comma(profile):
    tags = _dim(profile, "interest_tag")
    # sports: a, e (e's duplicate tag counted once); music: a, b; books: b, f; no tags: c (''), d (null).
    assert tags.customers.to_dict() == {"books": 2, "music": 2, "sports": 2, "(no tags)": 2}
    assert tags.buyers.to_dict() == {"books": 1, "music": 2, "sports": 1, "(no tags)": 1}
    assert tags.loc["music", "customer_share"] == pytest.approx(2 / 6)
    assert profile.attrs["customers"] == 6 and profile.attrs["buyers"] == 3


def test_profile_needs_customers():
    with pytest.raises(MissingTableError, match="customers"):
        user_profile(load_dataset({"orders": ORDERS}))


def test_absent_columns_are_listed_not_guessed():
    data = load_dataset({"orders": ORDERS, "customers": CUSTOMERS[["customer_id", "gender"]]})
    prof = user_profile(data)
    assert set(prof.dimension) == {"gender"}
    assert sorted(prof.attrs["missing_columns"]) == ["age", "city", "interest_tags", "member_tier"]
