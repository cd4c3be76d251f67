"""Run the benchmarks: ``python -m bench`` runs every ``bench/bench_*.py``; ``python -m bench NAME
[ARGS...]`` runs ``bench_NAME.main(ARGS)`` only (e.g. ``python -m bench summary --rows 1000000``).

Each benchmark module has a ``main(argv) -> int`` returning its exit status (non-zero when a
target is missed). The exit status here is non-zero when any benchmark failed.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    """Names of the benchmark modules (``bench_<name>.py``)."""
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def run(name: str, argv: list[str]) -> int:
    module = importlib.import_module(f"bench.bench_{name}")
    print(f"== bench {name} {' '.join(argv)}".rstrip(), flush=True)
    return int(module.main(argv) or 0)


def main(argv: list[str]) -> int:
    names = available()
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip() + f"\n\nBenchmarks: {', '.join(names)}")
        return 0
    if argv and not argv[0].startswith("-"):
        if argv[0] not in names:
            print(f"unknown benchmark {argv[0]!r}; available: {', '.join(names)}", file=sys.stderr)
            return 2
        return run(argv[0], argv[1:])
    failed = [name for name in names if run(name, argv) != 0]
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
