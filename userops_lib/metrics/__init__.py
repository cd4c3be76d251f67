"""The metric families, one module each (flat: funnels, RFM and retention serve several stages).

Every function takes a :class:`~userops_lib.data.load.Dataset` (or its tables) and answers with a
pandas table whose columns its docstring lists. The names an analyst calls most are re-exported
from :mod:`userops_lib` itself.
"""
