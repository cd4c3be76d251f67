"""The charts of the Value-uplift report (03), every title, axis, legend and category label in the report's language.

Each function draws one figure from one library result and shows it. Call
:func:`~.display.setup_charts` first.
"""

from __future__ import annotations

import pandas as pd

from .charts import _BLUE, _ORANGE, _count_axis, _plt, _share_axis
from .formatting import NumberStyle
from .i18n import tr
from .narrative.value import pack_names, tier_names

__all__ = ["migration_chart", "overlap_chart", "pack_sizes_chart", "revenue_chart", "tier_chart"]


def tier_chart(dist: pd.DataFrame, style: NumberStyle) -> None:
    """Members by tier at each month end (stacked areas; non-members left out)."""
    from ..metrics.membership import NON_MEMBER

    plt, lang = _plt(), style.lang
    wide = dist[dist["tier"] != NON_MEMBER].pivot_table(index="period_end", columns="tier", values="customers",
                                                        observed=True, aggfunc="sum")
    wide.columns = tier_names(wide.columns, lang)
    ax = wide.plot.area(stacked=True, figsize=(9, 4), alpha=0.85)
    _count_axis(ax.yaxis, style)
    ax.set(title=tr("Members by tier at each month end", lang), xlabel="", ylabel=tr("members", lang))
    ax.legend(title=tr("Membership tier", lang))
    plt.show()


def migration_chart(shares: pd.DataFrame, start, end, style: NumberStyle) -> None:
    """Share of each starting tier (rows) in each tier at the end (columns)."""
    import seaborn as sns

    plt, lang = _plt(), style.lang
    grid = shares.copy()
    grid.index, grid.columns = tier_names(grid.index, lang), tier_names(grid.columns, lang)
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    sns.heatmap(grid, annot=True, fmt=".0%", cmap="Blues", vmin=0, vmax=1, cbar=False, ax=ax)
    ax.set(title=tr("Tier on {start} (rows) → tier on {end} (columns)", lang, start=style.date(start),
                    end=style.date(end)), xlabel="", ylabel="")
    plt.show()


def revenue_chart(rbt: pd.DataFrame, lang: str) -> None:
    """Share of customers against share of the last 12 months' revenue, per tier."""
    plt = _plt()
    frame = pd.DataFrame({tr("Share of customers", lang): rbt["customer_share"].to_numpy(),
                          tr("Share of revenue", lang): rbt["revenue_share"].to_numpy()},
                         index=tier_names(rbt["tier"], lang))
    fig, ax = plt.subplots(figsize=(8, 3.8))
    frame.plot.bar(ax=ax, rot=0, color=[_BLUE, _ORANGE])
    _share_axis(ax.yaxis)
    ax.set(title=tr("Share of customers vs share of the last 12 months' revenue", lang), xlabel="", ylabel="")
    plt.show()


def pack_sizes_chart(sizes: pd.DataFrame, style: NumberStyle) -> None:
    """Customers per pack, the largest at the top."""
    plt, lang = _plt(), style.lang
    ordered = sizes.sort_values("customers")
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(ordered) + 1.5))
    ax.barh(pack_names(ordered["pack"], lang), ordered["customers"], color=_BLUE)
    _count_axis(ax.xaxis, style)
    ax.set(title=tr("Customers per pack", lang), xlabel=tr("customers", lang), ylabel="")
    plt.show()


def overlap_chart(overlap: pd.DataFrame, packs: list[str], small_pack: int, lang: str) -> None:
    """Share of the row pack also in the column pack, for ``packs`` (nothing drawn for fewer than two)."""
    if len(packs) < 2:
        return
    import seaborn as sns

    plt = _plt()
    grid = overlap.loc[packs, packs].astype(float)
    grid.index = grid.columns = pack_names(packs, lang)
    fig, ax = plt.subplots(figsize=(7.5, 5))
    sns.heatmap(grid, annot=True, fmt=".0%", cmap="Oranges", vmin=0, vmax=1, cbar=False, ax=ax)
    ax.set(title=tr("Share of the row pack also in the column pack (packs of {n}+ customers)", lang, n=small_pack),
           xlabel="", ylabel="")
    plt.show()
