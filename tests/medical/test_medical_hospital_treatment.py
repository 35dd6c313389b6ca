"""Hospital treatment and areas: the options issue 12 added to reach the public record."""

from __future__ import annotations

import copy

import pytest
import simpy

import vtsim
from vtsim.model.hospital import HospitalUnit
from vtsim.scenario.loader import validate_data

REPLICATIONS = 30


def _with(scenario, **care):
    data = copy.deepcopy(scenario.model_dump(mode="json"))
    data["medical"]["care"].update(care)
    return validate_data(data, "<test>")


def _sum(scenario, metric: str, threat: str) -> float:
    return sum(
        vtsim.simulate(scenario, seed=3, replication=r, threat=threat).metrics[metric]
        for r in range(REPLICATIONS)
    )


@pytest.mark.slow
def test_deterioration_in_treatment_never_saves_more_lives_at_hospital(harbour):
    """A slower stop of deterioration in treatment (0 -> 0.3 -> 1) never lowers the deaths
    at hospital on the same random numbers, and changes nothing before the hospital."""
    died = []
    for factor in (0.0, 0.3, 1.0):
        scenario = _with(harbour, hospital_treatment=factor)
        died.append(_sum(scenario, "t1_died_at_hospital", "explosive-device"))
        assert _sum(scenario, "t1_at_hospital", "explosive-device") == _sum(
            harbour, "t1_at_hospital", "explosive-device"
        )
    assert died[0] <= died[1] <= died[2]
    assert died[2] > died[0]


def test_every_casualty_ends_in_one_state_with_deaths_in_treatment(harbour):
    scenario = _with(harbour, hospital_treatment=0.5)
    for r in range(10):
        m = vtsim.simulate(scenario, seed=5, replication=r, threat="explosive-device").metrics
        states = sum(
            v
            for k, v in m.items()
            # per-group columns (casualties_total__<group>) are a split, not a state
            if k.startswith("casualties_") and k != "casualties_total" and "__" not in k
        )
        assert states == m["casualties_total"]


def test_a_separate_area_takes_its_class_off_the_emergency_places():
    """Minor injuries (priority 2) in their own area: a T1 arriving behind them is treated
    at once, and their waiting is not emergency overload."""
    env = simpy.Environment()
    unit = HospitalUnit(env, "h", capacity=1, most=1, areas={2: 1})
    started = {}

    def patient(name, priority, at, minutes):
        yield env.timeout(at)
        yield from unit.treat(priority, minutes, lambda: started.setdefault(name, env.now) >= 0)

    env.process(patient("minor-1", 2, 0, 30))
    env.process(patient("minor-2", 2, 0, 30))  # waits for the minor-injuries place
    env.process(patient("critical", 0, 1, 60))
    env.run()
    assert started == {"minor-1": 0, "minor-2": 30, "critical": 1}
    assert unit.overload_until(env.now) == 0.0


@pytest.mark.slow
def test_an_antidote_before_decontamination_saves_lives():
    """metro-cbrn's antidote: on the same random numbers, the release harms the same
    people and fewer of them die (a casualty kept alive longer may take an ambulance seat
    another needed, so single replications are not compared)."""
    metro = vtsim.load_scenario("metro-cbrn")
    antidote = vtsim.apply_package(metro, "antidote")
    total = {"base": 0.0, "antidote": 0.0}
    for r in range(REPLICATIONS):
        base = vtsim.simulate(metro, seed=2, replication=r).metrics
        given = vtsim.simulate(antidote, seed=2, replication=r).metrics
        assert given["casualties_total"] == base["casualties_total"]
        total["base"] += base["deaths_total"]
        total["antidote"] += given["deaths_total"]
    assert total["antidote"] < total["base"]
