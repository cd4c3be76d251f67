"""The data layer: the contract, loading and cleaning, the engine, calendar periods, id masking.

Everything above this layer (clv, metrics, report, runner) reads data through a
:class:`~userops_lib.data.load.Dataset`; nothing here imports from those layers.

- :mod:`.contract`: the tables and columns the playbook understands.
- :mod:`.load`: read a folder, a database or DataFrames, validate, clean, count what was left out.
- :mod:`.inputs`: the one way in for metric functions: a Dataset, an ibis table or a DataFrame -> Dataset.
- :mod:`.databases`: open a database URL without creating files; stream its tables into the engine.
- :mod:`.snapshot`: the cleaned Dataset kept in a DuckDB file, so a run's notebooks clean once.
- :mod:`.engine`: the ibis backend (DuckDB embedded, Spark for scale) and small helpers to execute.
- :mod:`.periods`: day / week / month / quarter / year calendars, computed in the engine; ``parse_date``.
- :mod:`.ids`: the keyed hash that masks customer ids in reports and exports.
- :mod:`.yamlfile`: reading the YAML files analysts write (targets, audience packs, parameters).
"""

from .load import Dataset, load_cdnow, load_dataset

__all__ = ["Dataset", "load_dataset", "load_cdnow"]
