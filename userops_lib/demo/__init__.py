"""The synthetic demo shop: a seeded generator of every contract table (see ``data/README.md``)."""

from .generate import generate_demo, write_demo

__all__ = ["generate_demo", "write_demo"]
