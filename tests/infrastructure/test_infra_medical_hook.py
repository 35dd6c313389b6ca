"""Hospitals of the medical model lose places while a facility they depend on is down."""

from __future__ import annotations

import copy

from vtsim.model.medical import Medical
from vtsim.model.world import World
from vtsim.scenario.loader import validate_data


def _festival_with_grid(festival, depends: bool):
    data = copy.deepcopy(festival.model_dump(mode="json"))
    data["infrastructure"] = {
        "horizon_days": 1,
        "facilities": [
            {"id": "plant", "sector": "power", "source": True},
            {"id": "quay-sub", "sector": "power", "population_served": 5000, "repair_hours": 100},
            {"id": "uni-building", "sector": "health", "population_served": 1000},
        ],
        "links": [{"between": ["plant", "quay-sub"]}],
        "dependencies": [{"facility": "uni-building", "needs": ["quay-sub"]}],
    }
    for threat in data["threats"]:
        threat["facility"] = "quay-sub"  # harm at the quay also cuts the local substation
    if depends:
        for hospital in data["medical"]["hospitals"]:
            if hospital["id"] == "university-hospital":
                hospital["depends_on"] = ["uni-building"]
    return validate_data(data, "<test>")


def _run(scenario):
    world = World(scenario, seed=2, replication=0, threat="armed-assault", trace=True)
    outcome = world.finish()
    return world.incident, outcome


def test_a_hospital_depending_on_a_failed_facility_closes_places(festival):
    incident, outcome = _run(_festival_with_grid(festival, depends=True))
    downs = [e.data for e in outcome.trace if e.kind == "facility_down"]
    assert {"facility": "uni-building", "sector": "health"} in downs
    assert incident.component(Medical).closed_for_dependency["university-hospital"] > 0
    assert incident.component(Medical).closed_for_dependency["porto-alba-general"] == 0


def test_a_hospital_without_the_dependency_keeps_its_places(festival):
    incident, _ = _run(_festival_with_grid(festival, depends=False))
    assert incident.component(Medical).closed_for_dependency["university-hospital"] == 0
