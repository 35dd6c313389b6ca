"""An adaptive attacker across targets: payoffs from the simulation, the game on them,
`vtsim games` and `vtsim roadmap --adversary adaptive`."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

import vtsim
from vtsim.analysis.adversary import (
    AdversaryModel,
    adaptive_roadmap,
    payoff_table,
    respond,
    security_game,
    solve,
    static_coverage,
)
from vtsim.analysis.portfolio import Portfolio, PortfolioModel, Resource, Target
from vtsim.cli import main
from vtsim.errors import VtsimError
from vtsim.model.streams import Streams
from vtsim.scenario.schema import Effect, Measure

PATROL = {"id": "patrol-team", "measures": ["armed-patrols-nearby"], "count": 1}


@pytest.fixture(scope="module")
def small_portfolio(tmp_path_factory):
    path = tmp_path_factory.mktemp("adversary") / "small.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "Small adversary portfolio",
                "budget": 150000,
                "replications": 8,
                "seed": 3,
                "targets": [
                    {"scenario": "harbour-festival", "weight": 2, "name": "Festival"},
                    {"scenario": "old-town-worship", "weight": 1, "name": "Worship"},
                ],
                "candidates": ["public-warning-app", "vehicle-barriers"],
                "resources": [PATROL],
            }
        )
    )
    return path


def _placebo() -> Measure:
    return Measure(
        id="placebo",
        name="Placebo",
        phase="protect",
        pillar="operational",
        effects=[Effect(path="sites.festival.evacuation.alert_to_move_min", op="scale", value=1.0)],
    )


def test_payoffs_share_random_numbers_so_a_measure_with_no_effect_changes_nothing(
    festival_planner,
):
    scenario = festival_planner.model_copy(
        update={"measures": [*festival_planner.measures, _placebo()]}
    )
    portfolio = Portfolio(
        name="placebo",
        targets=[Target(scenario="harbour-festival", name="Festival")],
        candidates=["public-warning-app"],
        resources=[Resource(id="nothing", measures=["placebo"])],
        replications=6,
        seed=11,
    )
    model = PortfolioModel(portfolio, [scenario], progress=False)
    (outcomes,) = AdversaryModel(model).outcomes([frozenset()])
    assert outcomes.shape == (1, 6, 4)
    assert np.array_equal(outcomes[:, :, 0], outcomes[:, :, 1])  # loss: protected = not
    assert np.array_equal(outcomes[:, :, 2], outcomes[:, :, 3])  # gain likewise
    table = payoff_table(outcomes)
    assert table[0, 0] == table[0, 1] and table[0, 2] == table[0, 3]


def test_one_resource_and_two_identical_targets_are_covered_half_each(festival_planner):
    portfolio = Portfolio(
        name="twins",
        targets=[
            Target(scenario="harbour-festival", name="North"),
            Target(scenario="harbour-festival", name="South"),
        ],
        candidates=["public-warning-app"],
        resources=[Resource(**PATROL)],
        replications=8,
        seed=5,
    )
    game = security_game(
        portfolio, scenarios=[festival_planner, festival_planner], bootstrap=0, progress=False
    )
    table = game.table
    assert np.array_equal(table[0], table[1])  # same scenario, same seed: same payoffs
    assert table[0, 1] < table[0, 0]  # the patrol lowers the loss
    assert game.response.coverage == pytest.approx([0.5, 0.5], abs=1e-9)


def test_the_equilibrium_loss_is_the_least_any_allocation_expects_against_an_adaptive_attacker(
    small_portfolio,
):
    game = security_game(small_portfolio, bootstrap=0, progress=False, resources=1)
    table = game.table
    best = solve(table, 1).loss
    weights = game.adversary.weights
    static = respond(table, static_coverage(table, weights, 1)).loss
    assert best <= static + 1e-9 * abs(static)
    rng = Streams(0, 0).get("test-random-coverage")
    for _ in range(50):
        c = rng.dirichlet(np.ones(len(table) + 1))[: len(table)]
        assert best <= respond(table, c).loss + 1e-9 * abs(best)


@pytest.mark.slow
def test_intervals_come_from_paired_resamples_on_a_fixed_stream(small_portfolio):
    a = security_game(small_portfolio, bootstrap=30, progress=False)
    b = security_game(small_portfolio, bootstrap=30, progress=False)
    assert a.frame.equals(b.frame)
    f = a.frame
    assert (f["coverage_lo"] <= f["coverage"] + 1e-9).all()
    assert (f["coverage"] <= f["coverage_hi"] + 1e-9).all()
    assert f["attack_frequency"].sum() == pytest.approx(1.0)
    lo, hi = a.loss_interval
    assert lo <= a.response.loss <= hi


def test_unknown_resource_or_measure_is_a_clear_error(small_portfolio):
    with pytest.raises(VtsimError, match="no resource 'drones'"):
        security_game(small_portfolio, protection="drones", bootstrap=0, progress=False)
    with pytest.raises(VtsimError, match="not a candidate measure"):
        security_game(small_portfolio, measures=["no-such"], bootstrap=0, progress=False)


@pytest.mark.slow
def test_vtsim_games_prints_coverage_choice_and_payoffs(small_portfolio):
    result = CliRunner().invoke(
        main, ["games", str(small_portfolio), "-n", "6", "--bootstrap", "10", "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    assert "coverage" in result.output
    assert "The attacker chooses" in result.output
    assert "Festival" in result.output and "Worship" in result.output
    quantal = CliRunner().invoke(
        main,
        ["games", str(small_portfolio), "-n", "6", "--bootstrap", "0", "--quantal", "1e-7"],
    )
    assert quantal.exit_code == 0, quantal.output
    assert "quantal-response" in quantal.output


@pytest.mark.slow
def test_adaptive_roadmap_never_expects_more_than_the_static_plan(small_portfolio):
    static = vtsim.roadmap(small_portfolio, replications=8, sensitivity=False, progress=False)
    result = adaptive_roadmap(static, bootstrap=20)
    s = result.summary
    assert s["loss_adaptive"] <= s["loss_static"] + 1e-9 * abs(s["loss_static"])
    assert s["saving"] >= -1e-9 * abs(s["loss_static"])
    assert set(result.steps["plan"]) == {"static", "adaptive"}
    assert result.steps[result.steps["plan"] == "static"]["step"].max() == len(static.steps)
    assert "Where the risk moves" in result.text()


@pytest.mark.slow
def test_roadmap_adversary_static_is_the_default_output(small_portfolio, tmp_path):
    args = ["roadmap", str(small_portfolio), "-n", "6", "--no-sensitivity", "--no-progress"]
    default = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "a")])
    static = CliRunner().invoke(main, [*args, "--adversary", "static", "-o", str(tmp_path / "b")])
    assert default.exit_code == 0 and static.exit_code == 0, default.output + static.output
    assert default.output.replace(str(tmp_path / "a"), "X") == static.output.replace(
        str(tmp_path / "b"), "X"
    )
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert not [n for n in names if n.startswith("adaptive")]
    for name in ("roadmap.csv", "roadmap_by_threat.csv"):
        assert (tmp_path / "a" / name).read_text() == (tmp_path / "b" / name).read_text()


@pytest.mark.slow
def test_roadmap_adversary_adaptive_writes_its_table_and_figure(small_portfolio, tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "roadmap",
            str(small_portfolio),
            "-n",
            "6",
            "--no-sensitivity",
            "--adversary",
            "adaptive",
            "-o",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Adaptive roadmap" in result.output and "saves" in result.output
    for name in ("adaptive_roadmap.csv", "adaptive_targets.csv", "adaptive.png"):
        assert (tmp_path / name).stat().st_size > 0
