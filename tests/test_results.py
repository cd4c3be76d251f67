"""The result convention (userops_lib/results.py): a function's facts are declared, stated and read in one way.

(a) every declared kind of facts is stated, complete and of its declared types, by its function on the demo;
(b) the report layer and the notebooks read facts through ``facts(frame, Kind)``, never ``.attrs`` directly;
and a table that lost its facts (merge, concat) fails with one line naming the function and the facts.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import numbers
import re
import types
import typing
from pathlib import Path

import pandas as pd
import pytest

import userops_lib
from userops_lib.exceptions import MissingFactsError
from userops_lib.clv import summary, timing, value
from userops_lib.metrics import (basket, categories, drivers, engagement, funnel, kpi_review, kpis, membership, profile,
                                 referral, rfm, voice)
from userops_lib.metrics.conversion import RepurchaseCycleFacts, SecondPurchaseConversionFacts, repurchase_cycle
from userops_lib.results import Facts, facts, kinds

LIB = Path(userops_lib.__file__).resolve().parent
NOTEBOOKS = LIB.parent / "notebooks"

# every module that declares facts is imported, so kinds() lists them all
for _path in sorted((LIB / "metrics").glob("*.py")) + sorted((LIB / "clv").glob("*.py")):
    importlib.import_module(f"userops_lib.{_path.parent.name}.{_path.stem}")

def _model_and_summary(d):
    summary = userops_lib.rfm_summary(d)
    return userops_lib.fit_purchase_model(summary), summary


def _values(d):
    purchases, summary = _model_and_summary(d)
    return value.customer_value_table(purchases, userops_lib.fit_spend_model(summary), summary)


#: kind -> how its function is called on the demo Dataset (the producer named in the kind)
CALLS = {
    SecondPurchaseConversionFacts: lambda d: userops_lib.second_purchase_conversion(d, by="channel"),
    RepurchaseCycleFacts: lambda d: repurchase_cycle(d),
    rfm.RfmSegmentsFacts: lambda d: rfm.rfm_segments(d),
    rfm.SegmentProfileFacts: lambda d: rfm.segment_profile(rfm.rfm_segments(d), d),
    categories.RepurchaseCyclesFacts: lambda d: categories.repurchase_cycles(d),
    basket.AssociationRulesFacts: lambda d: basket.association_rules(d),
    referral.ReferralVsChannelsFacts: lambda d: referral.referral_vs_channels(d),
    categories.CategorySalesFacts: lambda d: categories.category_sales(d),
    categories.CategoryRepurchaseFacts: lambda d: categories.category_repurchase(d),
    categories.CategoryReportFacts: lambda d: categories.category_report(d),
    drivers.HeadlineComparisonFacts: lambda d: drivers.headline_comparison(d),
    drivers.DriverTreeFacts: lambda d: drivers.driver_tree(d, compare="last_year"),
    kpi_review.KpiScorecardFacts: lambda d: kpi_review.kpi_scorecard(d, kpi_review.EXAMPLE_TARGETS, "2025-Q4"),
    kpis.ChannelConversionFacts: lambda d: kpis.channel_conversion(d),
    profile.UserProfileFacts: lambda d: profile.user_profile(d),
    funnel.FunnelFacts: lambda d: funnel.funnel(d, by="platform"),
    funnel.FunnelTrendFacts: lambda d: funnel.funnel_trend(d),
    engagement.StickinessDistributionFacts: lambda d: engagement.stickiness_distribution(d),
    engagement.ActivityIndexFacts: lambda d: engagement.activity_index(d),
    voice.TopAnswersFacts: lambda d: voice.top_answers(d, "why"),
    voice.ComplaintBacklogFacts: lambda d: voice.complaint_backlog(d),
    membership.MembersVsNonmembersFacts: lambda d: membership.members_vs_nonmembers(d),
    membership.TimeToJoinFacts: lambda d: membership.time_to_join(d),
    summary.RfmSummaryFacts: lambda d: summary.rfm_summary(d),
    value.AtRiskHighValueFacts: lambda d: value.at_risk_high_value(_values(d)),
    timing.NextPurchaseTableFacts: lambda d: timing.next_purchase_table(*_model_and_summary(d)),
    # the demo's example targets: GMV missed in Q4 2025, so two trees (against Q3 and against Q4 2024)
    kpi_review.ResultDriversFacts: lambda d: kpi_review.result_drivers(
        d, kpi_review.kpi_scorecard(d, kpi_review.EXAMPLE_TARGETS, "2025-Q4")),
}

#: kind -> the other kinds its function's table carries too (it states those functions' facts as well)
ALSO: dict[type[Facts], list[type[Facts]]] = {categories.CategoryReportFacts: [categories.CategorySalesFacts],
                                              # the value table keeps the summary's columns and facts
                                              value.AtRiskHighValueFacts: [summary.RfmSummaryFacts]}


def _fits(value, hint) -> bool:
    """Whether ``value`` is of the declared type ``hint`` (unions, generics by their origin; numbers by kind)."""
    origin = typing.get_origin(hint)
    if hint is typing.Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is not None:
        return isinstance(value, origin)
    if hint is float:
        return isinstance(value, numbers.Real) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    return isinstance(value, hint)


def test_every_declared_kind_of_facts_has_a_demo_call():
    assert set(kinds()) == set(CALLS), "add a demo call for each new kind of facts to CALLS"


@pytest.mark.parametrize("kind", list(CALLS), ids=lambda k: k.__name__)
def test_each_function_states_exactly_its_declared_facts_of_their_declared_types(kind, demo_data):
    frame = CALLS[kind](demo_data)
    stated = facts(frame, kind)
    # nothing else rides on the table: every fact a reader can use is declared
    declared = set(kind.names()).union(*(k.names() for k in ALSO.get(kind, [])))
    assert set(frame.attrs) == declared
    hints = typing.get_type_hints(kind)
    wrong = {name: type(getattr(stated, name)).__name__ for name in kind.names()
             if not _fits(getattr(stated, name), hints[name])}
    assert not wrong, f"{kind.producer}: facts not of their declared type: {wrong}"
    assert kind.producer and kind.__name__.lower().startswith(kind.producer.replace("_", ""))


def test_a_table_that_lost_its_facts_says_which_function_and_which_facts(demo_data):
    cycle = repurchase_cycle(demo_data)
    # merging with a table of other attrs (here none) keeps none (pandas); reading the facts then fails
    # with one line, not a KeyError later
    merged = cycle.merge(pd.DataFrame({"days": [1, 2], "note": ["a", "b"]}), on="days")
    with pytest.raises(MissingFactsError) as err:
        facts(merged, RepurchaseCycleFacts)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("this table lacks repurchase_cycle's facts first_buyers, repeat_buyers,")
    assert facts(cycle, RepurchaseCycleFacts).p80_day >= facts(cycle, RepurchaseCycleFacts).p50_day


def test_facts_are_frozen_and_typed_attribute_access():
    kind = facts(pd.DataFrame().pipe(lambda f: f.attrs.update(
        as_of=dt.date(2025, 1, 1), windows=[30], by=None, censored={30: 0}) or f), SecondPurchaseConversionFacts)
    assert kind.windows == [30]
    with pytest.raises(AttributeError):
        kind.windows = [60]


_DIRECT = re.compile(r"\.attrs\b")

#: still to move to facts(frame, Kind), one metric family at a time; this list only shrinks
NOT_YET: set[str] = set()


def _report_modules() -> list[Path]:
    return sorted((LIB / "report").rglob("*.py"))


def _notebook_code(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


@pytest.mark.parametrize("path", _report_modules() + sorted(NOTEBOOKS.glob("*.ipynb")),
                         ids=lambda p: p.name)
def test_reports_and_notebooks_read_facts_not_attrs(path):
    code = _notebook_code(path) if path.suffix == ".ipynb" else path.read_text(encoding="utf-8")
    lines = [line.strip() for line in code.splitlines() if _DIRECT.search(line)]
    if path.name in NOT_YET:
        assert lines, f"{path.name} reads no .attrs any more: take it off NOT_YET"
        return
    assert not lines, f"{path.name} reads .attrs directly (use facts(frame, Kind)): {lines[:3]}"


def test_the_attrs_rule_catches_a_direct_read():
    assert _DIRECT.search('period = card.attrs["period"]')
    assert not _DIRECT.search("period = facts(card, KpiScorecardFacts).period")
