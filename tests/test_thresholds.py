"""Shared thresholds: the minimum group size is one number (``thresholds.MIN_GROUP``), so a table's
"small" flag and the sentence about it always agree."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import userops_lib
from userops_lib.thresholds import MIN_GROUP

LIB = Path(userops_lib.__file__).resolve().parent
#: Parameters that mean "the fewest customers / answers a share or rate is read from".
GROUP_PARAMS = re.compile(r"^(min_(users|base|scores|group|eligible)|small_pack)$")


def _group_parameters():
    """(module, function, parameter, default node) for every group-size parameter with a default."""
    for path in sorted(LIB.rglob("*.py")):
        module = ".".join(path.relative_to(LIB.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                args = node.args.args + node.args.kwonlyargs
                defaults = [None] * (len(node.args.args) - len(node.args.defaults)) + node.args.defaults \
                    + node.args.kw_defaults
                for arg, default in zip(args, defaults):
                    if default is not None and GROUP_PARAMS.match(arg.arg):
                        yield module, node.name, arg.arg, default


def test_every_minimum_group_default_is_the_shared_threshold():
    found = list(_group_parameters())
    # the metrics (notable moves, first-product repeat) and the report sentences (channels, funnel
    # steps, breakdowns, NPS segments, KPI moves, audience packs) all read groups this way
    assert len(found) >= 10
    for module, function, param, default in found:
        assert not isinstance(default, ast.Constant), f"{module}.{function}({param}=...) writes the number again"
        value = inspect.signature(getattr(importlib.import_module(module), function)).parameters[param].default
        assert value == MIN_GROUP, f"{module}.{function}({param}={value})"


def test_the_audience_pack_minimum_is_the_same_number():
    from userops_lib.metrics.audiences import SMALL_PACK
    from userops_lib.report.narrative.strategy import MIN_GROUP as STRATEGY_MIN_GROUP

    assert SMALL_PACK == STRATEGY_MIN_GROUP == MIN_GROUP == 30
