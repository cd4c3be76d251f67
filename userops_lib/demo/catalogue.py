"""The product catalogue (the same for every seed) and how customers pick products from it."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .common import text_ids
from .story import ANY_CATEGORY, BRANDS, CATALOGUE, CATEGORIES, CO_PURCHASE

__all__ = ["Catalogue", "catalogue", "pick_products"]


@dataclass(frozen=True)
class Catalogue:
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
def catalogue() -> Catalogue:
    """The product catalogue, the same for every seed."""
    rng = np.random.default_rng(20240101)
    names, cats, prices, bulks, weights, base_of = [], [], [], [], [], []
    for c, (category, (variants, bulk, products)) in enumerate(CATALOGUE.items()):
        for rank, (base, price) in enumerate(products):
            for v in range(variants):
                names.append(f"{base} (brand {BRANDS[v]})")
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
    return Catalogue(
        product_id=text_ids("P", np.arange(1, len(cats) + 1), 4),
        name=np.array(names, dtype=object),
        category=cats,
        price=_shop_price(np.array(prices)),
        bulk=np.array(bulks),
        cdf=cdf,
        companion=companion,
        attach=attach,
    )


def pick_products(who: np.ndarray, cust: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Products a customer buys or looks at: mostly from the favourite categories."""
    u = rng.random(len(who))
    anything = rng.choice(len(CATEGORIES), len(who), p=ANY_CATEGORY)
    category = np.where(
        u < 0.5, cust["favourite"].to_numpy()[who], np.where(u < 0.7, cust["second"].to_numpy()[who], anything)
    )
    return catalogue().draw(category, rng)
