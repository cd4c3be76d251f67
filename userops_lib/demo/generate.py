"""Seeded synthetic shop: every table of the data contract, for demos, tests and benchmarks.

The data tells the story of a plausible online shop in China (amounts in CNY):

* **customers** sign up over the window (signups grow ~2.5x, weekends and shopping festivals are
  busier) through acquisition channels of different quality: ``organic``, ``paid_search``,
  ``social``, ``affiliate`` and ``referral`` (see :data:`CHANNELS`);
* **orders** follow the BG/NBD story: a share of signups makes a first purchase, then every buyer
  purchases at a personal rate λ ~ Gamma(r, α) and, after each purchase, drops out with a personal
  probability p ~ Beta(a, b). Basket value varies by customer and does not depend on how often the
  customer buys (the Gamma-Gamma assumption). First orders often use the new-customer coupon
  ``NEW20``, and those coupon-acquired buyers drop out more often;
* **order_items** come from a fixed catalogue of 10 categories (20-80 products each, Zipf-like
  popularity) with planted co-purchase pairs (:data:`CO_PURCHASE`: diapers -> baby wipes,
  smartphone -> phone case, ...). An order's amount is the sum of quantity x price of its lines;
* **referrals**: referral customers were invited by an earlier buyer, usually days after that
  buyer's first purchase; a few super-inviters bring many customers, and chains A -> B -> C occur;
* **membership**: at every month start the tier is set from the trailing-12-month spend
  (:data:`TIERS`): upgrades at once, downgrades one step per month;
* **campaigns** (:data:`CAMPAIGN_PLANS`): three targeted campaigns with a random control group and a
  real lift for the treatment group, two mass festival sales (618, Double 11) without control group;
* **events**: a behaviour log with a visit > product_view > add_to_cart > checkout > purchase funnel
  (every order has its purchase event), browsing-only sessions, and share / review / invite events;
* **channel_costs**: acquisition spend per channel (organic is free);
* **fulfilment** (``orders.paid_ts`` .. ``aftersales_closed_ts``): paid minutes after the order,
  shipped mostly within the 48 h promise (:data:`SHIPPING_PROMISE_HOURS`) with a late tail that
  swells in the Double 11 fortnight and the Spring Festival week, delivered 1-5 days later; ~7% of
  orders get an after-sales request days after delivery, closed 1-10 days later (5% still open).
  Steps after the window end are empty, as are refund and future rows. The orders exist before
  their experience, so the experience -> churn link is planted backwards: the order after which a
  buyer never came back (with 60+ days left) is late / in after-sales :data:`LOST_BUYER_FACTOR`
  times more often, which gives the correlation an analyst sees in real data (not a causal effect);
* **community**: ``customers.community_role`` 'kol' (~0.2%) or 'expert' (~1%), picked among heavy
  buyers, '' otherwise; ``events`` gains post / answer / like / comment / share rows (kol and experts
  post and answer far more, other buyers like and comment by engagement) and reviews after delivery;
* **surveys**: two NPS waves (mid-June and mid-December, ``nps-YYYY-h1/h2``) sent to the buyers of
  the last 180 days, ~22% answering (score 0-10, lower after a late shipment or after-sales), 70% of
  them also answering ``why`` (:data:`WHY_ANSWERS`); a ``csat`` question (1-5) after every closed
  after-sales case (``survey_id`` ``csat-<order_id>``, slower cases score lower). Invitations without
  response are rows with neither answer nor score;
* **tickets**: complaints / questions chasing late parcels, returns / complaints for after-sales
  cases (resolved when the case closes), everyday questions; resolved hours to days later, a few open;
* ``dirty=True`` plants a documented handful of bad order rows (:data:`DIRTY_ROWS`).

Time runs in *days since the window start* inside the package; all timestamps are naive,
business-local wall-clock times with whole seconds. Every random draw comes from a generator derived
from ``seed``, the behaviour it drives and the block of customers, so ``dirty=False`` or
``events=False`` leaves the other tables unchanged.

Layout: the story's numbers live in :mod:`.story`; one module per table family draws the rows
(:mod:`.customers`, :mod:`.orders`, :mod:`.campaigns`, :mod:`.membership`, :mod:`.events`,
:mod:`.voice`; shared helpers in :mod:`.common` and :mod:`.catalogue`); this module assembles them.

Blocks and chunks
-----------------
Customers are generated in **blocks** of :data:`BLOCK_CUSTOMERS` (100,000): each block is a
complete small shop with its own random generators (referrers and community roles are picked
within the block, the dirty rows are planted in each), ids and numbers continue across blocks, and
the shop-wide tables (``campaigns``, ``channel_costs``) add the blocks up; a remainder of under
half a block joins the last block. A shop of one block (every shop of fewer than 150,000
customers, the default demo included) is exactly what the generator gave before it worked in
blocks. :func:`write_demo` holds ``chunk_customers`` customers (whole blocks) in memory at a time
and appends them to the Parquet files, so 10 million customers need about as much memory as one
chunk; the files are the same whatever the chunk size.

Examples
--------
>>> from userops_lib.demo.generate import generate_demo
>>> tables = generate_demo(n_customers=1_000, days=365, seed=1)
>>> tables["orders"].columns.tolist()[:4]
['order_id', 'customer_id', 'order_ts', 'amount']

From the command line::

    python -m userops_lib.demo.generate --customers 20000 --out data/demo
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..exceptions import ParameterError
from .campaigns import assignments_table, campaigns_table, run_campaigns
from .common import ShopCalendar, rng_for, text_ids
from .customers import (channel_costs_table, channel_signups, community_roles, customers_table, draw_customers,
                        referrers)
from .events import event_log, events_table
from .membership import tier_history, tier_history_table
from .orders import (bgnbd_orders, fulfilment, inject_dirty_rows, order_amounts, order_items_table, order_lines,
                     order_platforms, orders_table)
from .story import (CAMPAIGN_PLANS, CHANNELS, CO_PURCHASE, COMMUNITY_ROLES, DIRTY_ROWS, FULFILMENT_COLUMNS,
                    LOST_BUYER_FACTOR, SHIPPING_PROMISE_HOURS, TIERS, WHY_ANSWERS, CampaignPlan, ChannelProfile)
from .voice import surveys, surveys_table, tickets, tickets_table

__all__ = [
    "generate_demo",
    "write_demo",
    "main",
    "BLOCK_CUSTOMERS",
    "CHANNELS",
    "CO_PURCHASE",
    "TIERS",
    "CAMPAIGN_PLANS",
    "DIRTY_ROWS",
    "SHIPPING_PROMISE_HOURS",
    "COMMUNITY_ROLES",
    "WHY_ANSWERS",
    "FULFILMENT_COLUMNS",
    "ChannelProfile",
    "CampaignPlan",
]

#: Customers per block, the unit of randomness (see "Blocks and chunks" above). Part of what a
#: seed means, like ``days``: changing it changes the shops larger than one block.
BLOCK_CUSTOMERS = 100_000
#: The tables, in the order they are returned and written.
TABLES = ("orders", "order_items", "customers", "events", "campaigns", "campaign_assignments", "tier_history",
          "surveys", "tickets", "channel_costs")  # fmt: skip


@dataclass(frozen=True)
class _Shop:
    """The parameters every block shares."""

    n_customers: int
    start: pd.Timestamp
    days: int
    seed: int
    dirty: bool
    events: bool
    cal: ShopCalendar

    @property
    def end(self) -> pd.Timestamp:
        return self.start + pd.Timedelta(days=self.days)

    # Id widths are fixed before the first block is drawn (the numbers run across blocks); a shop
    # has about 1.05 orders and 0.13 tickets per customer, so these widths hold every id.
    @property
    def customer_width(self) -> int:
        return max(6, len(str(self.n_customers)))

    @property
    def order_width(self) -> int:
        return max(7, len(str(2 * self.n_customers)))

    @property
    def ticket_width(self) -> int:
        return max(7, len(str(self.n_customers)))


@dataclass
class _Totals:
    """What the blocks add up to so far: where the numbering goes on, and the shop-wide tables."""

    orders: int = 0
    tickets: int = 0
    campaigns: pd.DataFrame | None = None  # campaign, first, stop, cost (summed)
    signups: np.ndarray = field(default_factory=lambda: np.zeros(len(CHANNELS), dtype=np.int64))
    dirty: dict = field(default_factory=lambda: dict.fromkeys(DIRTY_ROWS, 0))
    rows: dict = field(default_factory=lambda: dict.fromkeys(TABLES, 0))

    def add(self, tables: dict[str, pd.DataFrame], n_orders: int, n_tickets: int, campaigns: pd.DataFrame,
            signups: np.ndarray, dirty: dict) -> None:
        self.orders += n_orders
        self.tickets += n_tickets
        if self.campaigns is None:
            self.campaigns = campaigns.copy()
        else:
            self.campaigns["cost"] += campaigns["cost"].to_numpy()
        self.signups += signups
        for key, n in dirty.items():
            self.dirty[key] += n
        for name, table in tables.items():
            self.rows[name] += len(table)

    def shop_wide(self, start: pd.Timestamp) -> dict[str, pd.DataFrame]:
        tables = {"campaigns": campaigns_table(self.campaigns, start), "channel_costs": channel_costs_table(self.signups)}
        for name, table in tables.items():
            self.rows[name] = len(table)
        return tables


def _blocks(n_customers: int, block_customers: int) -> list[tuple[int, int]]:
    """(first customer, size) of each block: whole blocks, a remainder under half a block joins the last."""
    n_blocks = max(1, math.floor(n_customers / block_customers + 0.5))
    firsts = [k * block_customers for k in range(n_blocks)]
    return [(first, (firsts[k + 1] if k + 1 < n_blocks else n_customers) - first) for k, first in enumerate(firsts)]


def _block(shop: _Shop, block: int, first: int, size: int, totals: _Totals) -> dict[str, pd.DataFrame]:
    """Every per-customer table of one block of ``size`` customers (the first is customer ``first``)."""
    rng = lambda stream: rng_for(shop.seed, stream, block)  # noqa: E731
    cal, start = shop.cal, shop.start
    cust = draw_customers(size, cal, rng("customers"))
    orders = bgnbd_orders(cust, cal, rng("orders"))
    orders, campaigns, assignments = run_campaigns(cust, orders, cal, rng("campaigns"))
    referrer = referrers(cust, orders, rng("referrals"))
    lines = order_lines(orders, cust, rng("items"))
    orders["amount"] = order_amounts(lines, len(orders))
    orders["platform"] = order_platforms(orders, cust, rng("platforms"))
    tiers, member_tier = tier_history(orders, size, cal)
    fulfil = fulfilment(orders, size, cal, rng("fulfilment"))
    role = community_roles(cust, orders, rng("community"))

    customer_id = text_ids("C", np.arange(first + 1, first + size + 1), shop.customer_width)
    order_id = text_ids("O", np.arange(totals.orders + 1, totals.orders + len(orders) + 1), shop.order_width)
    tables = {
        "orders": orders_table(orders, fulfil, order_id, customer_id, start),
        "order_items": order_items_table(lines, order_id),
        "customers": customers_table(cust, customer_id, referrer, member_tier, role, start),
    }
    if shop.events:
        log = event_log(cust, orders, lines, referrer, fulfil, role, cal, rng("events"), rng("community_events"))
        tables["events"] = events_table(log, customer_id, start)
    tables["campaign_assignments"] = assignments_table(assignments, customer_id)
    tables["tier_history"] = tier_history_table(tiers, customer_id, start)
    tables["surveys"] = surveys_table(surveys(cust, orders, fulfil, role, order_id, cal, rng("surveys")),
                                      customer_id, start)
    service = tickets(orders, fulfil, cal, rng("tickets"))
    tables["tickets"] = tickets_table(service, customer_id, start, totals.tickets, shop.ticket_width)
    dirty = dict.fromkeys(DIRTY_ROWS, 0)
    if shop.dirty:
        tables["orders"], dirty = inject_dirty_rows(tables["orders"], shop.end, rng("dirty"),
                                                    totals.dirty["refund_rows"])
    totals.add(tables, len(orders), len(service), campaigns, channel_signups(cust), dirty)
    return tables


def _check_parameters(n_customers, start, days, seed, block_customers=BLOCK_CUSTOMERS) -> pd.Timestamp:
    if not isinstance(n_customers, (int, np.integer)) or n_customers < 100:
        raise ParameterError(f"n_customers must be a whole number >= 100, got {n_customers!r}")
    if not isinstance(days, (int, np.integer)) or days < 60:
        raise ParameterError(f"days must be a whole number >= 60, got {days!r}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be a whole number >= 0, got {seed!r}")
    if not isinstance(block_customers, (int, np.integer)) or block_customers < 1_000:
        raise ParameterError(f"block_customers must be a whole number >= 1000, got {block_customers!r}")
    try:
        start = pd.Timestamp(start)
    except (TypeError, ValueError) as err:
        raise ParameterError(f"start must be a date such as '2024-01-01', got {start!r}") from err
    if start.tzinfo is not None:
        raise ParameterError(f"start must be a naive (business-local) date, got {start!r}")
    return start.normalize()


def _shop(n_customers, start, days, seed, dirty, events, block_customers) -> _Shop:
    start = _check_parameters(n_customers, start, days, seed, block_customers)
    return _Shop(int(n_customers), start, int(days), int(seed), bool(dirty), bool(events), ShopCalendar(start, days))


def generate_demo(
    n_customers: int = 20_000,
    start: str | pd.Timestamp = "2024-01-01",
    days: int = 731,
    seed: int = 7,
    dirty: bool = True,
    events: bool = True,
    *,
    block_customers: int = BLOCK_CUSTOMERS,
) -> dict[str, pd.DataFrame]:
    """Generate the synthetic shop: one DataFrame per table of the data contract.

    Parameters
    ----------
    n_customers : int, default 20_000
        Number of signed-up customers (at least 100).
    start : str or Timestamp, default "2024-01-01"
        First day of the window (naive, business-local).
    days : int, default 731
        Length of the window in days (at least 60); the window ends before ``start + days``
        (the default window is the two calendar years 2024-01-01 .. 2025-12-31; 2024 has 366 days).
    seed : int, default 7
        Random seed: the same seed and parameters give identical tables.
    dirty : bool, default True
        Plant the bad order rows of :data:`DIRTY_ROWS` (refunds, duplicates, missing customer ids,
        future timestamps) in every block. The counts are in ``tables["orders"].attrs["dirty_rows"]``.
    events : bool, default True
        Generate the behaviour log (the largest table, ~38 rows per customer). Leave it out for very
        large shops; the other tables do not change.
    block_customers : int, default :data:`BLOCK_CUSTOMERS`
        Customers per block (at least 1,000), the unit of randomness; see the module docstring.
        Tests use small blocks; a real shop keeps the default.

    Returns
    -------
    dict of str to DataFrame
        ``orders``, ``order_items``, ``customers``, ``events`` (if ``events``), ``campaigns``,
        ``campaign_assignments``, ``tier_history``, ``surveys``, ``tickets``, ``channel_costs``,
        with the contract's columns
        (``order_items`` also has ``product_name``). Ids are text, timestamps naive. Every table
        is held in memory: for millions of customers use :func:`write_demo`, which streams.

    Raises
    ------
    ParameterError
        If a parameter is out of range.
    """
    shop = _shop(n_customers, start, days, seed, dirty, events, block_customers)
    totals = _Totals()
    parts = [_block(shop, k, first, size, totals) for k, (first, size) in enumerate(_blocks(shop.n_customers,
                                                                                         block_customers))]
    tables = {name: parts[0][name] if len(parts) == 1 else pd.concat([p[name] for p in parts], ignore_index=True)
              for name in parts[0]}
    tables.update(totals.shop_wide(shop.start))
    tables = {name: tables[name] for name in TABLES if name in tables}
    tables["orders"].attrs["dirty_rows"] = dict(totals.dirty)
    return tables


class _ParquetFiles:
    """One Parquet file per table, appended to chunk by chunk under a temporary name, moved into
    place only when every chunk is written (a failed run leaves the previous files as they were)."""

    def __init__(self, folder: pathlib.Path):
        self.folder = folder
        self.writers: dict[str, pq.ParquetWriter] = {}

    def _tmp(self, name: str) -> pathlib.Path:
        return self.folder / f".{name}.parquet.tmp"

    def append(self, name: str, frame: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        writer = self.writers.get(name)
        if writer is None:
            writer = self.writers[name] = pq.ParquetWriter(self._tmp(name), table.schema)
        elif not table.schema.equals(writer.schema, check_metadata=False):
            table = table.cast(writer.schema)  # e.g. a column without any value in this chunk
        writer.write_table(table)

    def finish(self, attrs: dict[str, dict]) -> None:
        """Close every file and move it into place; ``attrs[name]`` is stored the way
        ``DataFrame.to_parquet`` stores ``DataFrame.attrs``."""
        for writer in self.writers.values():
            writer.close()
        for name, values in attrs.items():
            self._set_attrs(name, values)
        for name in self.writers:
            os.replace(self._tmp(name), self.folder / f"{name}.parquet")

    def _set_attrs(self, name: str, values: dict) -> None:
        """Copy a written file batch by batch into one whose schema carries ``values`` (they are
        totals over the chunks, known only at the end; a Parquet file's schema is fixed when the
        first chunk is written)."""
        source = pq.ParquetFile(self._tmp(name))
        schema = source.schema_arrow
        pandas_meta = {**json.loads(schema.metadata[b"pandas"]), "attributes": values}
        schema = schema.with_metadata({**schema.metadata, b"pandas": json.dumps(pandas_meta).encode(),
                                       b"PANDAS_ATTRS": json.dumps(values).encode()})
        copy = self._tmp(name).with_suffix(".attrs")
        with pq.ParquetWriter(copy, schema) as writer:
            for group in range(source.num_row_groups):
                writer.write_table(source.read_row_group(group).replace_schema_metadata(schema.metadata))
        source.close()
        os.replace(copy, self._tmp(name))

    def discard(self) -> None:
        for name, writer in self.writers.items():
            writer.close()
            self._tmp(name).unlink(missing_ok=True)


def write_demo(
    folder: str | pathlib.Path,
    n_customers: int = 20_000,
    start: str | pd.Timestamp = "2024-01-01",
    days: int = 731,
    seed: int = 7,
    dirty: bool = True,
    events: bool = True,
    *,
    block_customers: int = BLOCK_CUSTOMERS,
    chunk_customers: int | None = None,
) -> pathlib.Path:
    """Generate the demo shop and write one Parquet file per table plus a ``README.txt``, chunk by chunk.

    Parameters
    ----------
    folder : str or Path
        Where to write; created if needed. A contract table's Parquet file left over from an
        earlier run but not generated now (``events.parquet`` with ``events=False``) is removed.
    n_customers, start, days, seed, dirty, events, block_customers
        As for :func:`generate_demo`; the files hold the same rows as its tables.
    chunk_customers : int, optional
        Customers generated and held in memory at a time, rounded up to whole blocks (default: one
        block). Only memory depends on it: the files are the same whatever the chunk size. One
        block of 100,000 customers needs about 1 GB.

    Returns
    -------
    Path
        The folder.
    """
    folder = pathlib.Path(folder)
    shop = _shop(n_customers, start, days, seed, dirty, events, block_customers)
    if chunk_customers is not None and (not isinstance(chunk_customers, (int, np.integer)) or chunk_customers < 1):
        raise ParameterError(f"chunk_customers must be a whole number >= 1, got {chunk_customers!r}")
    per_chunk = max(1, math.ceil((chunk_customers or block_customers) / block_customers))
    blocks = _blocks(shop.n_customers, block_customers)
    folder.mkdir(parents=True, exist_ok=True)
    files, totals = _ParquetFiles(folder), _Totals()
    try:
        for c in range(0, len(blocks), per_chunk):
            parts = [_block(shop, k, *blocks[k], totals) for k in range(c, min(c + per_chunk, len(blocks)))]
            for name in parts[0]:
                files.append(name, pd.concat([p[name] for p in parts], ignore_index=True) if len(parts) > 1
                             else parts[0][name])
            del parts
        for name, table in totals.shop_wide(shop.start).items():
            files.append(name, table)
    except BaseException:
        files.discard()
        raise
    files.finish({"orders": {"dirty_rows": dict(totals.dirty)}})
    for name in TABLES:
        if name not in files.writers:
            (folder / f"{name}.parquet").unlink(missing_ok=True)
    params = dict(n_customers=n_customers, start=str(shop.start.date()), days=days, seed=seed, dirty=dirty,
                  events=events)
    if block_customers != BLOCK_CUSTOMERS:
        params["block_customers"] = block_customers
    rows = {name: totals.rows[name] for name in TABLES if name in files.writers}
    (folder / "README.txt").write_text(_readme(rows, totals.dirty, params), encoding="utf-8")
    return folder


def _readme(rows: dict[str, int], counts: dict[str, int], params: dict) -> str:
    """The README of a written shop: parameters, how to reproduce it, row counts, the planted story."""
    start = pd.Timestamp(params["start"])
    last_day = start + pd.Timedelta(days=params["days"] - 1)
    flags = ("" if params["dirty"] else " --clean") + ("" if params["events"] else " --no-events")
    if "block_customers" in params:
        flags += f" --block-customers {params['block_customers']}"
    return "\n".join([
        "SYNTHETIC DATA - generated by userops_lib.demo.generate. No real customer, order or person is in it.",
        "",
        "Parameters: " + ", ".join(f"{k}={v!r}" for k, v in params.items()),
        f"Reproduce:  python -m userops_lib.demo.generate --customers {params['n_customers']} --seed {params['seed']} "
        f"--days {params['days']} --start {params['start']}{flags} --out <folder>",
        f"Window:     {start.date()} .. {last_day.date()} (naive business-local timestamps, amounts in CNY)",
        "",
        "Tables (rows):",
        *(f"  {name + '.parquet':28s} {n:>12,}" for name, n in rows.items()),
        "",
        "Planted patterns:",
        "  - BG/NBD purchases, channel quality: referral > organic > paid_search > affiliate/social",
        "  - buyers whose first order used the NEW20 coupon drop out more often",
        "  - co-purchase pairs: " + ", ".join(f"{a} -> {b}" for a, (b, _) in CO_PURCHASE.items()),
        "  - referral chains, a few super-inviters",
        "  - membership tiers set monthly from the trailing-12-month spend: "
        + ", ".join(f"{t} >= {v:,.0f}" for t, v in TIERS.items() if t),
        "  - campaigns with a random control group and a real lift: "
        + ", ".join(p.campaign_id for p in CAMPAIGN_PLANS if p.audience)
        + "; without control group: " + ", ".join(p.campaign_id for p in CAMPAIGN_PLANS if not p.audience),
        f"  - fulfilment: shipping promise {SHIPPING_PROMISE_HOURS} h, late tail worse around Double 11 and"
        " the Spring Festival; ~7% of orders with an after-sales case",
        f"  - the order after which a buyer never came back is late / in after-sales {LOST_BUYER_FACTOR}x"
        " more often (planted correlation, not causal)",
        "  - community roles kol / expert; community events post, answer, like, comment, share, review",
        "  - surveys: two NPS waves (lower after late shipment / after-sales), 'why' answers, CSAT"
        " (survey_id csat-<order_id>) after after-sales; rows without answer and score = no response",
        "  - tickets: late-parcel chasers, after-sales returns / complaints, everyday questions; a few open",
        "Bad order rows injected (dirty=True): "
        + (", ".join(f"{k}={v}" for k, v in counts.items()) if any(counts.values()) else "none"),
        "  refund_rows: status 'refunded', is_refund, negative amount of an earlier order; order_id R...",
        "  duplicated_rows: exact copies of orders (same order_id)",
        "  null_customer_id: orders without customer_id",
        "  future_order_ts: orders with a mistyped year (900 years ahead), in the future",
        "  refund and future rows have empty fulfilment timestamps",
        "",
    ])  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m userops_lib.demo.generate --customers N --out DIR [--seed S] [--days D]``."""
    parser = argparse.ArgumentParser(
        prog="python -m userops_lib.demo.generate",
        description="Write the seeded synthetic demo shop as Parquet files (one per table).",
    )
    parser.add_argument("--customers", type=int, default=20_000, help="number of customers (default 20000)")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--days", type=int, default=731,
                        help="window length in days (default 731: 2024-01-01 .. 2025-12-31)")
    parser.add_argument("--start", default="2024-01-01", help="first day of the window (default 2024-01-01)")
    parser.add_argument("--no-events", action="store_true", help="skip the behaviour log (for huge sizes)")
    parser.add_argument("--clean", action="store_true", help="do not inject bad order rows")
    parser.add_argument("--block-customers", type=int, default=BLOCK_CUSTOMERS,
                        help=f"customers per block, the unit of randomness (default {BLOCK_CUSTOMERS})")
    parser.add_argument("--chunk-customers", type=int,
                        help="customers held in memory at a time, whole blocks (default one block); "
                             "the files do not depend on it")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    try:
        folder = write_demo(args.out, n_customers=args.customers, start=args.start, days=args.days,
                            seed=args.seed, dirty=not args.clean, events=not args.no_events,
                            block_customers=args.block_customers, chunk_customers=args.chunk_customers)  # fmt: skip
    except ParameterError as err:
        parser.error(str(err))
    print(f"wrote {folder} in {time.perf_counter() - began:.1f}s")
    print((folder / "README.txt").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
