"""``python -m userops_lib run ...`` is the same as the ``userops`` command."""

from .runner.entry import main

raise SystemExit(main())
