"""Returning buyers: preference, AOV bands and the matrix on the six-buyer shop of test_conversion.

Hand counts (see the tables in test_conversion): returning buyers (two or more purchase days) are
A, B, D, E; C bought once and F twice on one day.
  spend / orders = AOV:  A 120/3 = 40,  B 120/2 = 60,  D 100/2 = 50,  E 40/2 = 20
  item spend by category: A shoes 50, socks 10+20, bags 40      -> top shoes
                          B socks 30, shoes 90                   -> top shoes
                          D bags 20+60, socks 20                 -> top bags
                          E socks 10+30                          -> top socks
  totals: shoes 140, bags 120, socks 120 (of 380)
"""

from __future__ import annotations

import numpy as np
import pytest

from test_conversion import AS_OF, _customers, _items, _orders
from userops_lib.data.load import load_dataset
from userops_lib.exceptions import ParameterError
from userops_lib.metrics.returning import readable_edges, returning_buyers


@pytest.fixture(scope="module")
def shop():
    return load_dataset({"orders": _orders(), "order_items": _items(), "customers": _customers()}, as_of=AS_OF)


def test_summary_counts_returning_buyers_by_purchase_days(shop):
    s = returning_buyers(shop, aov_bands=[30, 50]).summary
    assert (s["buyers"], s["returning_buyers"]) == (6, 4)
    # all spend 530; returning 120 + 120 + 100 + 40 = 380
    assert s["returning_revenue"] == 380.0 and s["revenue_share"] == pytest.approx(380 / 530)
    assert s["no_items_buyers"] == 0


def test_given_bands_are_closed_on_the_left(shop):
    bands = returning_buyers(shop, aov_bands=[30, 50]).bands
    assert list(bands.band) == ["< 30", "30–50", "≥ 50"]
    # E (20) | A (40) | D (50, on the edge -> upper band), B (60)
    assert list(bands.buyers) == [1, 1, 2]
    assert list(bands.revenue) == [40.0, 120.0, 220.0]
    assert bands.revenue_share.sum() == pytest.approx(1.0)


def test_category_preference_shares_and_top_category(shop):
    pref = returning_buyers(shop, aov_bands=[30, 50]).preference
    assert list(pref.category) == ["shoes", "bags", "socks"]  # by spend, ties alphabetical
    assert list(pref.spend) == [140.0, 120.0, 120.0]
    assert pref.spend_share.tolist() == pytest.approx([140 / 380, 120 / 380, 120 / 380])
    assert list(pref.top_buyers) == [2, 1, 1]


def test_preference_by_power_matrix(shop):
    m = returning_buyers(shop, aov_bands=[30, 50]).matrix
    assert list(m.columns) == ["< 30", "30–50", "≥ 50"]
    assert m.loc["shoes"].tolist() == [0, 1, 1]  # A 40, B 60
    assert m.loc["bags"].tolist() == [0, 0, 1]  # D 50
    assert m.loc["socks"].tolist() == [1, 0, 0]  # E 20
    assert m.to_numpy().sum() == 4


def test_default_bands_are_rounded_quartiles(shop):
    r = returning_buyers(shop)
    # numpy (linear interpolation, as DuckDB's quantile_cont) is the peer for the raw quartiles
    raw = np.quantile([40, 60, 50, 20], [0.25, 0.5, 0.75])  # 35, 45, 52.5
    assert r.summary["edges"] == readable_edges(raw) and r.summary["edges_source"] == "quartiles"
    assert r.bands.buyers.sum() == 4


def test_readable_edges():
    # two significant digits; repeated and non-positive edges dropped
    assert readable_edges([37.4, 123.6, 1234.0]) == [37.0, 120.0, 1200.0]
    assert readable_edges([0.456, 101.0, 104.0, 0.0]) == [0.46, 100.0]


def test_orders_only_gives_bands_without_preference():
    r = returning_buyers(_orders(), aov_bands=[30, 50])
    assert r.preference is None and r.matrix is None
    assert list(r.bands.buyers) == [1, 1, 2]


def test_bad_edges_are_rejected():
    with pytest.raises(ParameterError, match="increasing"):
        returning_buyers(_orders(), aov_bands=[50, 30])
