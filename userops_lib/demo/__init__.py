"""The synthetic demo shop: a seeded generator of every contract table (see ``data/README.md``).

- :mod:`.story`: every number of the shop's story (channels, catalogue, campaigns, tiers, ...).
- one module per table family: :mod:`.customers` (and channel costs), :mod:`.orders` (order
  lines, fulfilment, planted bad rows), :mod:`.campaigns`, :mod:`.membership`, :mod:`.events`,
  :mod:`.voice` (surveys, tickets); shared helpers in :mod:`.common` and :mod:`.catalogue`.
- :mod:`.generate`: :func:`generate_demo` (tables in memory) and :func:`write_demo` (Parquet
  files, written in chunks of whole blocks of customers, so ten million fit in a few GB).
"""

from .generate import generate_demo, write_demo

__all__ = ["generate_demo", "write_demo"]
