"""Proof that a threat mode is one module: a toy mode defined entirely in this file.

Its schema, its approach, its harm and an outcome column of its own are declared here
and registered; a scenario using it is validated and run through ``vtsim.run`` with no
change to any file under ``vtsim/`` (see docs/developing.md, "Add a threat mode"). The
toy is abstract on purpose: after a fixed lead time it harms a fixed number of people
at once, and responders cannot end it.
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

import pytest
from pydantic import Field

import vtsim
from vtsim.errors import ScenarioError
from vtsim.model import harm as harm_api
from vtsim.model.component import Column, Component
from vtsim.model.modes import ThreatMode, register, unregister
from vtsim.scenario.loader import validate_data
from vtsim.scenario.threats import Harm, Threat


class ToyHarm(Harm):
    profile: Literal["instant"]


class ToyThreat(Threat):
    mode: Literal["toy_burst"]
    harm: ToyHarm
    lead_min: float = Field(ge=0, description="Minutes from the attack start to the burst.")
    people_harmed: int = Field(ge=0, description="People harmed at once by the burst.")


class ToyLead(Component):
    name: ClassVar[str] = "toy lead"

    @classmethod
    def columns(cls, scenario):
        return [Column("toy_lead_min", "min", "From the attack start to the burst.")]

    def metrics(self):
        return {"toy_lead_min": self.incident.harm_start}


class ToyBurst(ThreatMode):
    schema = ToyThreat
    crosses_ground_layers = False
    components = (ToyLead,)

    def approach(self, incident):
        yield incident.env.timeout(incident.threat.lead_min)
        if not incident.ended:
            incident.start_harm()

    def harm(self, incident, crowd):
        crowd.warn("the burst")
        crowd.exposed_at_onset = crowd.remaining(incident.now())
        triage = harm_api.Triage.of(incident)
        rng = incident.streams.get("triage", incident.threat.id)
        for _ in range(min(incident.threat.people_harmed, crowd.exposed_at_onset)):
            harm_api.harm_one(incident, crowd, triage(rng.random()))
        incident.end_attack("completed")
        yield from ()

    def responders_can_end(self, incident):
        return False


def _scenario(**threat) -> dict:
    return {
        "name": "Toy",
        "horizon_min": 60,
        "prevent": {"detection_rate_per_day": 0.05},
        "sites": [{"id": "plaza", "zones": [{"id": "square", "occupancy": 40}]}],
        "threats": [
            {
                "id": "toy",
                "mode": "toy_burst",
                "site": "plaza",
                "zone": "square",
                "planning_window_days": 10,
                "lead_min": 2.5,
                "people_harmed": 7,
                "harm": {
                    "profile": "instant",
                    "triage": {"killed_outright": 0.1, "t1": 0.2, "t2": 0.3, "t3": 0.4},
                },
                **threat,
            }
        ],
    }


@pytest.fixture
def toy_mode():
    register(ToyBurst)
    yield ToyBurst
    unregister("toy_burst")


def test_a_mode_defined_outside_vtsim_runs_through_vtsim_run(toy_mode):
    scenario = validate_data(_scenario(), "<toy>")
    frame = vtsim.run(scenario, replications=200, seed=3, progress=False).frame
    reached = frame[frame["prevented"] == 0]
    interdicted = frame[frame["prevented"] == 1]
    # P(interdicted) = 1 - exp(-0.05 * 10) = 0.39: both kinds occur in 200 replications.
    assert len(reached) and len(interdicted)
    assert (reached["casualties_total"] == 7).all()
    assert (reached["min_to_harm"] == 2.5).all() and (reached["toy_lead_min"] == 2.5).all()
    assert interdicted["toy_lead_min"].isna().all()
    assert (
        frame["exposed"] == frame["casualties_total"] + frame["evacuated"] + frame["unharmed"]
    ).all()
    assert (reached["ended_by"] == "completed").all()
    assert math.isclose(reached["attack_succeeded"].mean(), 1.0)


def test_the_toy_mode_s_fields_are_validated_like_any_other(toy_mode):
    with pytest.raises(ScenarioError) as caught:
        validate_data(_scenario(flight_min=3), "<toy>")
    assert "flight_min: unknown key" in str(caught.value)
    with pytest.raises(ScenarioError) as caught:
        validate_data(_scenario(people_harmed=-1), "<toy>")
    assert "people_harmed" in str(caught.value)


def test_an_unregistered_mode_is_an_error_naming_the_known_ones():
    with pytest.raises(ScenarioError) as caught:
        validate_data(_scenario(), "<toy>")
    message = str(caught.value)
    assert "toy_burst" in message and "armed_assault" in message
