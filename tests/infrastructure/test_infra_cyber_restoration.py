"""Restoration after a control-system intrusion: by hand, one team per tripped facility.

With ``infrastructure.restoration.manual_operation`` every facility the intruded control
centre trips gets its own team at once (as in Ukraine, 2015): facility *i* is repaired
``dispatch_i + reset_i`` after the trip, whatever else is out and whoever the crews are.
Without it (the default) tripped facilities queue for the repair crews as before.
"""

from __future__ import annotations

import copy

import pytest
from infra_builders import TRIAGE, tiny_city

import vtsim
from vtsim.errors import ScenarioError
from vtsim.model.infrastructure_metrics import curve_metrics
from vtsim.model.streams import Streams
from vtsim.scenario.loader import validate_data

SUBS = {"sub-x": 300, "sub-y": 100, "sub-z": 200}
DWELL_H = 2.0


def city(manual: dict | None = None, crews: int = 1, threat: dict | None = None) -> dict:
    """A control centre that trips three substations (1 h reset each); a hospital with no
    generator needs sub-y. The intrusion takes effect ``DWELL_H`` after the attack."""
    facilities = [
        {"id": "plant", "sector": "power", "source": True},
        {"id": "scada", "sector": "control", "controls": list(SUBS), "repair_hours": 500},
        {"id": "hospital", "sector": "health", "population_served": 50, "critical": True},
    ]
    facilities += [
        {"id": s, "sector": "power", "population_served": p, "reset_hours": 1, "repair_hours": 5}
        for s, p in SUBS.items()
    ]
    restoration: dict = {"rule": "population"}
    if manual is not None:
        restoration["manual_operation"] = manual
    cyber = {
        "mode": "cyber_intrusion",
        "site": "control",
        "zone": "room",
        "facility": "scada",
        "dwell_hours": DWELL_H,
        "harm": {"profile": "instant", "fraction_harmed": 0.0, "triage": TRIAGE},
    }
    infrastructure = {
        "horizon_days": 2,
        "curve_step_hours": 1,
        "facilities": facilities,
        "links": [{"between": ["plant", s]} for s in SUBS],
        "dependencies": [{"facility": "hospital", "needs": ["sub-y"]}],
        "crews": [{"id": "crew", "count": crews, "travel_hours": 1, "sectors": ["power"]}],
        "restoration": restoration,
    }
    data = tiny_city(infrastructure, cyber)
    if threat is not None:
        data["threats"] = [threat]
    data["name"] = "Control centre city"
    return data


def build(data: dict):
    return validate_data(copy.deepcopy(data), "<test>")


def repaired(outcome) -> dict[str, float]:
    """Facility -> hours after the attack start when its crew or team finished."""
    return {
        e.data["facility"]: e.t_min / 60.0 for e in outcome.trace if e.kind == "facility_repaired"
    }


def test_by_hand_every_substation_is_back_dispatch_plus_reset_after_the_trip():
    # No crew at all: the teams of the operator restore every substation in parallel.
    data = city({"dispatch_hours": 1.5}, crews=0)
    outcome = vtsim.simulate(build(data), seed=1, replication=0, trace=True)
    back = DWELL_H + 1.5 + 1.0
    assert repaired(outcome) == pytest.approx({s: back for s in SUBS})
    m = outcome.metrics
    assert m["customer_hours_lost_power"] == pytest.approx(sum(SUBS.values()) * 2.5)
    assert m["customer_hours_lost_health"] == pytest.approx(50 * 2.5)
    assert m["days_to_95pct_service_power"] == pytest.approx(2.5 / 24)
    assert m["days_to_95pct_service"] == pytest.approx(2.5 / 24)
    # The control centre itself is damaged, not tripped: it waits for a crew (none here).
    assert "scada" not in repaired(outcome)


def test_by_hand_with_drawn_times_follows_the_closed_form_stream_by_stream():
    data = city({"dispatch_hours": {"dist": "lognormal", "mean": 1.5, "sd": 0.75}}, crews=2)
    data["infrastructure"]["facilities"][3]["reset_hours"] = {
        "dist": "uniform",
        "low": 0.5,
        "high": 1.5,
    }
    scenario = build(data)
    manual = scenario.infrastructure.restoration.manual_operation
    for replication in range(5):
        outcome = vtsim.simulate(scenario, seed=3, replication=replication, trace=True)
        streams = Streams(3, replication)
        expected = {}
        for facility in scenario.infrastructure.facilities:
            if facility.id not in SUBS:
                continue
            reset = facility.reset_hours.sample(streams.get("reset", facility.id))
            dispatch = manual.dispatch_hours.sample(streams.get("manual-dispatch", facility.id))
            expected[facility.id] = DWELL_H + dispatch + reset
        assert repaired(outcome) == pytest.approx(expected, rel=1e-12)
        # Power is back to 95 % (all three substations, 600 people) with the last of them.
        last = max(expected.values()) - DWELL_H
        assert outcome.metrics["days_to_95pct_service_power"] == pytest.approx(last / 24)


def test_by_default_tripped_substations_still_queue_for_the_crews():
    outcome = vtsim.simulate(build(city()), seed=1, replication=0, trace=True)
    # One crew, 1 h travel + 1 h reset each, by population, from the effect at 2 h.
    assert repaired(outcome) == pytest.approx({"sub-x": 4.0, "sub-z": 6.0, "sub-y": 8.0})
    # Manual operation limited to another sector changes nothing, replication by replication.
    other = city({"dispatch_hours": 0.5, "sectors": ["control"]})
    for replication in range(3):
        a = vtsim.simulate(build(city()), seed=2, replication=replication)
        b = vtsim.simulate(build(other), seed=2, replication=replication)
        assert a.metrics == b.metrics


def test_damaged_facilities_still_wait_for_a_crew_with_manual_operation():
    bomb = {
        "id": "attack",
        "mode": "explosive_device",
        "site": "yard",
        "zone": "z",
        "facility": "sub-x",
        "planning_window_days": 1,
        "harm": {"profile": "instant", "fraction_harmed": 0.5, "triage": TRIAGE},
    }
    outcome = vtsim.simulate(
        build(city({"dispatch_hours": 0.1}, threat=bomb)), seed=1, replication=0, trace=True
    )
    assert repaired(outcome) == pytest.approx({"sub-x": 1.0 + 5.0})  # travel + repair


def test_manual_operation_is_deterministic_and_faster_than_two_crews():
    manual = build(city({"dispatch_hours": {"dist": "lognormal", "mean": 1.5, "sd": 0.75}}, 2))
    crews = build(city(crews=2))
    for replication in range(3):
        one = vtsim.simulate(manual, seed=5, replication=replication)
        two = vtsim.simulate(manual, seed=5, replication=replication)
        assert one.metrics == two.metrics
    first = vtsim.simulate(manual, seed=5, replication=0).metrics
    queued = vtsim.simulate(crews, seed=5, replication=0).metrics
    assert first["customer_hours_lost_power"] < queued["customer_hours_lost_power"]


def test_an_unknown_sector_for_manual_operation_is_refused_with_its_path():
    with pytest.raises(ScenarioError) as err:
        build(city({"sectors": ["powr"]}))
    text = str(err.value)
    assert "manual_operation" in text and "powr" in text


def test_days_to_95pct_per_sector_is_each_sector_alone():
    # Power: 1 of 8 units out for a day (87.5 %); water full. Overall 15/16 = 93.75 %.
    history = [(0.0, {"power": 7.0, "water": 8.0}), (1440.0, {"power": 8.0, "water": 8.0})]
    m = curve_metrics(history, {"power": 8.0, "water": 8.0}, 2880.0, 1440.0)
    assert m["days_to_95pct_service_power"] == pytest.approx(1.0)
    assert m["days_to_95pct_service_water"] == 0.0
    assert m["days_to_95pct_service"] == pytest.approx(1.0)


def test_the_coastal_city_restores_its_substations_by_hand_after_the_intrusion():
    scenario = vtsim.load_scenario("coastal-city-grid")
    manual = scenario.infrastructure.restoration.manual_operation
    assert manual is not None and manual.sectors == ["power"]
