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


def test_roadmap_shows_who_bears_the_harm_and_flags_a_widening_step(tmp_path):
    """At a target with population groups the roadmap reports each disparity after each
    step, with its interval, and flags a step that widens it (issue 19): searches at the
    worship door (same-sex searching, one lane of two for women) widen the queueing gap."""
    from vtsim.analysis.roadmap import Roadmap, _group_lines

    path = tmp_path / "worship.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "Worship only",
                "budget": 1_000_000,
                "replications": 30,
                "seed": 4,
                "metric": "casualties_total",
                "targets": [{"scenario": "old-town-worship", "weight": 1, "name": "Worship"}],
                "candidates": ["entrance-screening"],
            }
        )
    )
    portfolio, scenarios = load_portfolio(path)
    model = PortfolioModel(portfolio, scenarios, progress=False)
    chosen = frozenset({"entrance-screening"})
    model.gains([chosen])
    step = {"step": 1, "measure": "entrance-screening"}
    plan = Roadmap(model=model, budget=1_000_000, steps=[step], method="greedy")
    found = plan.by_group
    assert set(found["measure_of_disparity"]) == {"harm", "queue_burden"}
    assert (found["target"] == "Worship").all()
    assert ((found["lo"] <= found["value"]) & (found["value"] <= found["hi"])).all()
    queue = found[found["measure_of_disparity"] == "queue_burden"].iloc[0]
    assert bool(queue["worse"]) and queue["diff_lo"] > 0
    assert queue["worst_group_name"] != queue["worst_group"]  # a name, not an id
    text = "\n".join(_group_lines(found))
    assert "WIDENED after step 1 (entrance-screening)" in text
    assert "Worship, queueing time per visitor" in text
