"""Budgeted roadmaps across a portfolio, and the sensitivity of the ranking."""

from __future__ import annotations

import pytest
import yaml

import vtsim
from vtsim.analysis.portfolio import PortfolioModel, load_portfolio
from vtsim.analysis.roadmap import _exact, _greedy
from vtsim.analysis.sensitivity import perturb
from vtsim.errors import VtsimError
from vtsim.scenario.schema import Effect, Measure

CANDIDATES = ["public-warning-app", "joint-command", "blast-mitigation", "vehicle-barriers"]


@pytest.fixture(scope="module")
def small_portfolio(tmp_path_factory):
    folder = tmp_path_factory.mktemp("portfolio")
    path = folder / "small.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "Small test portfolio",
                "budget": 120000,
                "replications": 12,
                "seed": 4,
                "targets": [
                    {"scenario": "harbour-festival", "weight": 2},
                    {"scenario": "old-town-worship", "weight": 1},
                ],
                "candidates": CANDIDATES,
            }
        )
    )
    return path


@pytest.mark.slow
def test_greedy_roadmap_stays_within_budget_and_gains_add_up(small_portfolio):
    plan = vtsim.roadmap(small_portfolio, budget=100000, method="greedy", progress=False)
    frame = plan.frame
    assert len(frame) >= 1
    assert frame["cumulative_cost"].iloc[-1] <= 100000
    assert frame["gain"].sum() == pytest.approx(frame["cumulative_gain"].iloc[-1])
    assert (frame["gain"] > 0).all()
    assert list(plan.table()["pillar"].astype(str)) == sorted(
        plan.table()["pillar"].astype(str),
        key=["legislative", "institutional", "operational"].index,
    )


@pytest.mark.slow
def test_exact_enumeration_is_never_worse_than_greedy(small_portfolio):
    portfolio, scenarios = load_portfolio(small_portfolio)
    model = PortfolioModel(portfolio, scenarios, progress=False)
    for budget in (40000, 90000, 150000):
        greedy = _greedy(model, budget)
        greedy_gain = greedy[-1]["cumulative_gain"] if greedy else 0.0
        best = _exact(model, budget)
        assert model.cost(best) <= budget
        assert model.gains([best])[0] >= greedy_gain - 1e-9


@pytest.mark.slow
def test_more_budget_never_buys_less_protection_with_exact(small_portfolio):
    gains = []
    for budget in (30000, 80000, 200000):
        plan = vtsim.roadmap(small_portfolio, budget=budget, method="exact", progress=False)
        gains.append(plan.frame["cumulative_gain"].iloc[-1] if len(plan.frame) else 0.0)
    assert gains == sorted(gains)


@pytest.mark.slow
def test_sensitivity_says_which_conclusions_survive(small_portfolio):
    plan = vtsim.roadmap(small_portfolio, budget=120000, sensitivity=True, progress=False)
    sens = plan.sensitivity
    assert set(sens.frame["measure"]) == set(CANDIDATES)
    assert (sens.frame["gain_low"] <= sens.frame["gain_high"] + 1e-9).all()
    statements = sens.conclusions()
    assert statements[0][0].endswith("gives the most protection per unit of cost")
    assert "survive" in sens.text()
    assert plan.plot_tornado().axes and plan.plot_steps().axes


def test_perturbation_scales_the_size_of_each_effect(festival_planner):
    m = Measure(
        id="m",
        name="m",
        phase="protect",
        pillar="operational",
        effects=[
            Effect(path="sites.festival.evacuation.alert_to_move_min", op="scale", value=0.6),
            Effect(path="sites.festival.zones.queue.queue.lanes", op="add", value=8),
            Effect(path="sites.festival.p_communication", op="set", value=1.0),
        ],
    )
    weak = perturb(m, 0.5, festival_planner)
    assert [e.value for e in weak.effects] == pytest.approx([0.8, 4, 0.9])
    strong = perturb(m, 1.5, festival_planner)
    assert [e.value for e in strong.effects] == pytest.approx([0.4, 12, 1.0])


def test_a_roadmap_needs_a_budget(small_portfolio, tmp_path):
    data = yaml.safe_load(small_portfolio.read_text())
    del data["budget"]
    path = tmp_path / "nobudget.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(VtsimError, match="budget"):
        vtsim.roadmap(path, progress=False)
