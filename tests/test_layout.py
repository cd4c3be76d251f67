"""The shape of the library: the public names stay where users import them, and layers import downwards only.

The layers, lowest first (ARCHITECTURE.md draws them):
base (exceptions, locations, thresholds) < demo < data < clv < metrics < report < runner.
A module may import its own layer and the layers below it, never one above: a metric that needs a
report helper means the helper belongs lower (as masking moved to ``data.ids``).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import userops_lib

LIB = Path(userops_lib.__file__).resolve().parent

LAYERS = ["base", "demo", "data", "clv", "metrics", "report", "runner"]

# Pinned: every name a notebook or a user imports from ``userops_lib``. Adding a name is fine (add it
# here too); removing or renaming one breaks user code, so this test must be changed on purpose.
PUBLIC = """
Dataset load_dataset load_cdnow generate_demo write_demo
period_kpis active_users stickiness channel_conversion cohort_retention n_day_retention user_profile funnel
time_to_convert funnel_trend stickiness_distribution
second_purchase_conversion repurchase_cycle returning_buyers rfm_segments segment_profile association_rules
cross_sell_table referral_overview top_inviters campaign_results campaign_funnel
tier_distribution tier_migration members_vs_nonmembers customer_features build_audiences export_audiences
rfm_summary calibration_holdout_split fit_purchase_model fit_spend_model customer_lifetime_value
lifecycle_stages customer_stage stage_transitions step_durations repurchase_by_experience activity_index
pyramid_layers pyramid_flows layer_value nps csat top_answers complaint_rate
load_targets kpi_scorecard
UseropsError ContractError MissingTableError ModelFitError ParameterError
facts
""".split()


def layer_of(module: str) -> str:
    """``userops_lib.metrics.kpis`` -> ``metrics``; top-level modules are the base layer."""
    parts = module.split(".")
    if len(parts) < 2 or parts[1] in ("__init__", "__main__"):
        return "runner" if parts[-1] == "__main__" else "base"
    return parts[1] if parts[1] in LAYERS else "base"


def imports_of(path: Path, lib: Path = LIB) -> list[tuple[int, str]]:
    """(line, absolute module) for every ``userops_lib`` import in a file, relative ones resolved."""
    rel = path.relative_to(lib.parent).with_suffix("")
    package = list(rel.parts[:-1]) if rel.name != "__init__" else list(rel.parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
            else:
                names = [node.module or ""]
            found += [(node.lineno, n) for n in names if n.startswith("userops_lib")]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("userops_lib")]
    return found


def test_the_public_names_are_importable_from_the_package():
    assert sorted(userops_lib.__all__) == sorted(PUBLIC)
    for name in PUBLIC:
        assert getattr(userops_lib, name) is not None, name
    # the function, not the module of the same family, answers to ``userops_lib.funnel``
    assert callable(userops_lib.funnel)


def test_the_library_is_drawn_in_layer_subpackages():
    top = sorted(p.name for p in LIB.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists())
    assert top == ["__init__.py", "__main__.py", "clv", "data", "demo", "exceptions.py", "locations.py", "metrics",
                   "report", "results.py", "runner", "thresholds.py"]


def upward_imports(path: Path, lib: Path = LIB) -> list[str]:
    """The imports of ``path`` that reach a higher layer than its own, as readable lines."""
    own = layer_of(".".join(path.relative_to(lib.parent).with_suffix("").parts))
    return [f"line {line}: {target} is in layer '{layer_of(target)}', above '{own}'"
            for line, target in imports_of(path, lib) if LAYERS.index(layer_of(target)) > LAYERS.index(own)]


@pytest.mark.parametrize("path", sorted(LIB.rglob("*.py")), ids=lambda p: str(p.relative_to(LIB)))
def test_no_module_imports_a_higher_layer(path):
    wrong = upward_imports(path)
    assert not wrong, f"{path.relative_to(LIB)}: " + "; ".join(wrong)


def test_the_layer_rule_catches_an_upward_import(tmp_path):
    # the checker itself can fail: a data module importing the report layer is reported, a report
    # module importing the data layer is not
    (tmp_path / "userops_lib" / "data").mkdir(parents=True)
    (tmp_path / "userops_lib" / "report").mkdir()
    bad = tmp_path / "userops_lib" / "data" / "probe.py"
    bad.write_text("from ..report.display import show\n", encoding="utf-8")
    good = tmp_path / "userops_lib" / "report" / "probe.py"
    good.write_text("from ..data import engine\nfrom userops_lib.metrics.kpis import period_kpis\n", encoding="utf-8")
    assert upward_imports(bad, tmp_path / "userops_lib") == [
        "line 1: userops_lib.report.display is in layer 'report', above 'data'"]
    assert upward_imports(good, tmp_path / "userops_lib") == []


def test_fitting_a_model_does_not_load_plotting():
    code = ("import sys; from userops_lib.clv import fit_purchase_model; "
            "print('matplotlib' in sys.modules)")
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_every_subpackage_module_imports():
    for path in sorted(LIB.rglob("*.py")):
        module = ".".join(path.relative_to(LIB.parent).with_suffix("").parts).removesuffix(".__init__")
        if module.endswith("__main__"):
            continue
        importlib.import_module(module)
