"""Valuation in the open: every criterion and the composite, per threat, side effects,
cost-effectiveness and the frontier over combinations (issue 13)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import vtsim
from vtsim.analysis.frontier import on_frontier
from vtsim.analysis.valuation import (
    ALL,
    annuity,
    differences,
    load_valuation,
    resolve_valuation,
    valued,
)
from vtsim.errors import VtsimError

# Every test here runs comparisons: they run in CI (the whole suite), not in the fast subset.
pytestmark = pytest.mark.slow

N = 60


@pytest.fixture(scope="module")
def festival_comparison():
    return vtsim.compare(
        "harbour-festival",
        packages=["screening", "barriers", "medical-response"],
        replications=N,
        seed=3,
        jobs=1,
        progress=False,
    )


def test_the_default_valuation_cites_every_value():
    rule = load_valuation()
    assert {c.id for c in rule.criteria} >= {"deaths", "critical_injuries", "queueing"}
    for c in rule.criteria:
        assert c.value >= 0 and c.source
    assert rule.criterion("deaths").value == 4_300_000


def test_the_composite_is_the_sum_of_its_criteria(festival_comparison):
    rule = festival_comparison.valuation
    frame = valued(festival_comparison.results.frame, rule)
    harm = [c for c in rule.criteria if c.kind != "burden" and f"v_{c.id}" in frame]
    total = sum(frame[f"v_{c.id}"] for c in harm)
    assert (frame["valued_per_attack"] - total).abs().max() < 1e-6
    diffs = festival_comparison.valuation_frame
    overall = diffs[(diffs["threat"] == ALL) & (diffs["package"] == "barriers")]
    parts = overall[overall["kind"].isin(["harm", "loss"])]["valued_diff"].sum()
    composite = overall.set_index("criterion").loc["valued_per_attack", "diff"]
    assert composite == pytest.approx(parts, rel=1e-9)


@pytest.mark.slow
def test_screening_shows_its_side_effect_on_ramming(festival_comparison):
    effects = festival_comparison.side_effects
    ramming = effects[
        (effects["package"] == "screening") & (effects["threat"] == "vehicle-ramming")
    ]
    assert "deaths" in set(ramming["criterion"])
    row = festival_comparison.packages_frame.set_index("package").loc["screening"]
    assert "vehicle-ramming" in row["side_effects"]
    assert "SIDE EFFECTS" in festival_comparison.text()


def test_saving_lives_is_not_flagged_as_more_injured_survivors(festival_comparison):
    effects = festival_comparison.side_effects
    assert effects[effects["package"] == "medical-response"].empty


def test_every_threat_gets_its_own_rows(festival_comparison):
    threats = set(festival_comparison.results.frame["threat"])
    assert set(festival_comparison.by_threat["threat"]) == threats
    assert set(festival_comparison.valuation_frame["threat"]) == threats | {ALL}
    data = festival_comparison.to_dict()
    assert {"by_threat", "criteria", "side_effects", "valuation"} <= set(data)


def test_overrides_from_the_scenario_and_the_call():
    festival = vtsim.load_scenario("harbour-festival")
    rule = resolve_valuation(festival)
    assert rule.event_days_per_year == 3  # the scenario's valuation section
    called = resolve_valuation(festival, {"values": {"deaths": 1.0}})
    assert called.criterion("deaths").value == 1.0
    with pytest.raises(VtsimError, match="no criterion 'lives'.*deaths"):
        resolve_valuation(festival, {"values": {"lives": 1.0}})
    dollars = load_valuation().model_copy(update={"currency": "USD"})
    with pytest.raises(VtsimError, match="USD.*EUR"):
        resolve_valuation(festival, dollars)


def test_cost_effectiveness_follows_the_annuity(festival_comparison):
    rule = festival_comparison.valuation
    r, n = rule.discount_rate, rule.horizon_years
    assert annuity(rule) == pytest.approx((1 - (1 + r) ** -n) / r)
    row = festival_comparison.packages_frame.set_index("package").loc["barriers"]
    assert row["benefit_cost_ratio"] == pytest.approx(
        row["annual_benefit"] / row["cost_annualised"]
    )
    assert row["pv_cost"] == pytest.approx(row["cost_annualised"] * annuity(rule))
    assert row["annual_benefit_lo"] <= row["annual_benefit"] <= row["annual_benefit_hi"]


def test_a_package_with_no_effect_has_no_valued_difference():
    frame = pd.DataFrame(
        {
            "package": ["baseline"] * 3 + ["same"] * 3,
            "replication": [0, 1, 2] * 2,
            "threat": ["a"] * 6,
            "killed_outright": [1, 0, 2] * 2,
            "t1": [1, 1, 0] * 2,
            "t2": [0, 2, 1] * 2,
            "t3": [3, 1, 0] * 2,
        }
    )
    diffs = differences(frame, load_valuation(), ["baseline", "same"])
    assert (diffs["diff"] == 0).all() and not diffs["worse"].any()
    # without a medical section deaths fall back to the killed outright
    assert "deaths" in set(diffs["criterion"])


def test_the_frontier_keeps_only_undominated_combinations():
    frame = pd.DataFrame(
        {
            "cost_annualised": [10, 20, 30, 40],
            "annual_benefit": [5, 4, 9, 9],
        }
    )
    assert list(on_frontier(frame)) == [True, False, True, False]


@pytest.mark.slow
def test_the_exact_frontier_evaluates_every_combination():
    from vtsim.analysis.frontier import frontier

    result = frontier(
        "harbour-festival",
        measures=["vehicle-barriers", "joint-command", "entrance-screening"],
        replications=20,
        seed=1,
        progress=False,
    )
    assert result.method == "exact" and len(result.frame) == 7
    best = result.frame[result.frame["on_frontier"]]
    assert not best.empty and math.isfinite(best["annual_benefit"].max())


def _portfolio(tmp_path, **extra):
    import yaml

    path = tmp_path / "p.yaml"
    data = {
        "name": "Valued test portfolio",
        "budget": 200000,
        "replications": 12,
        "seed": 4,
        "targets": [{"scenario": "harbour-festival", "weight": 1}],
        "candidates": ["entrance-screening", "business-continuity-plans", "joint-command"],
        **extra,
    }
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_valued_roadmap_lets_recovery_measures_compete(tmp_path):
    """With the default metric (the valuation) a recovery measure has a gain: days closed
    are valued; with casualties it could only score 0."""
    from vtsim.analysis.portfolio import PortfolioModel, load_portfolio

    portfolio, scenarios = load_portfolio(_portfolio(tmp_path))
    assert portfolio.metric == "valued"
    model = PortfolioModel(portfolio, scenarios, progress=False)
    (gain,) = model.gains([frozenset({"business-continuity-plans"})])
    assert gain > 0
    counted, scenarios = load_portfolio(_portfolio(tmp_path, metric="casualties_total"))
    (zero,) = PortfolioModel(counted, scenarios, progress=False).gains(
        [frozenset({"business-continuity-plans"})]
    )
    assert zero == 0


@pytest.mark.slow
def test_a_constraint_keeps_a_burdensome_measure_out_of_the_roadmap(tmp_path):
    path = _portfolio(tmp_path, constraints=[{"criterion": "queueing", "max_increase": 50}])
    plan = vtsim.roadmap(path, method="greedy", progress=False)
    assert "entrance-screening" not in set(plan.frame["measure"])
    assert "queueing" in plan.text()
    assert any("queueing" in v[0] for v in plan.model.violations.values())
    # per target and threat, the shares of the last step add up to its gain (no burden here)
    split = plan.by_threat
    last = split[split["step"] == split["step"].max()]
    assert last["cumulative_gain"].sum() == pytest.approx(plan.frame["cumulative_gain"].iloc[-1])


@pytest.mark.slow
def test_compare_json_reports_both_measures_per_threat_with_the_side_effect():
    """The issue's check: two -m, JSON with the composite, each criterion, per threat,
    and screening's harm to the queue flagged."""
    import json

    from click.testing import CliRunner

    from vtsim.cli import main

    args = ["compare", "harbour-festival", "-m", "entrance-screening", "-m", "vehicle-barriers"]
    result = CliRunner().invoke(main, [*args, "-n", "60", "-s", "3", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    measures = {p["measures"] for p in data["packages"]}
    assert measures == {"entrance-screening", "vehicle-barriers"}
    criteria = {(r["criterion"], r["threat"]) for r in data["criteria"]}
    assert ("valued_annual", "all") in criteria and ("deaths", "vehicle-ramming") in criteria
    assert {r["threat"] for r in data["by_threat"]} == {
        "armed-assault",
        "explosive-device",
        "vehicle-ramming",
    }
    ramming = [e for e in data["side_effects"] if e["threat"] == "vehicle-ramming"]
    assert any(e["criterion"] == "deaths" for e in ramming)
    assert all("benefit_cost_ratio" in p for p in data["packages"])


@pytest.mark.slow
def test_frontier_command_writes_its_table_and_figure(tmp_path):
    from click.testing import CliRunner

    from vtsim.cli import main

    args = ["frontier", "harbour-festival", "-m", "vehicle-barriers", "-m", "joint-command"]
    out = tmp_path / "front"
    result = CliRunner().invoke(main, [*args, "-n", "10", "-s", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out / "frontier.csv")
    assert len(frame) == 3 and frame["on_frontier"].any()
    assert (out / "frontier.png").stat().st_size > 10_000
    assert "exact" in result.output
