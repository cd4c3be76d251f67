"""The runner: ``userops run`` executes the stage notebooks with papermill and publishes the HTML.

- :mod:`.cli`: the ``userops`` command (sub-commands ``run``, ``index``, ``demo``).
- :mod:`.params`: which notebooks and datasets, and the parameters each run gets.
- :mod:`.run`: execute one notebook, export HTML, publish it atomically, record ``status.json``.
- :mod:`.index`: the ``reports/index.html`` listing every run.
"""
