"""Restoration: crews follow the priority rule; repaired and in service are distinct."""

from __future__ import annotations

import pytest
from infra_builders import power_and_hospital, tiny_city

import vtsim

SUBS = {"sub-x": 300, "sub-y": 100, "sub-z": 200}


def control_centre_city(rule: str, order: list[str] | None = None, crews: int = 1) -> dict:
    """A control centre that trips three substations; the hospital needs sub-y."""
    facilities = [
        {"id": "plant", "sector": "power", "source": True},
        {"id": "scada", "sector": "control", "controls": list(SUBS), "repair_hours": 500},
        {"id": "hospital", "sector": "health", "population_served": 50, "critical": True},
    ]
    facilities += [
        {"id": s, "sector": "power", "population_served": p, "reset_hours": 1}
        for s, p in SUBS.items()
    ]
    return {
        "horizon_days": 3,
        "facilities": facilities,
        "links": [{"between": ["plant", s]} for s in SUBS],
        "dependencies": [{"facility": "hospital", "needs": ["sub-y"]}],
        "crews": [
            {"id": "crew", "count": crews, "travel_hours": 1, "sectors": ["power"]},
        ],
        "restoration": {"rule": rule, "order": order or []},
    }


def _cyber(rule, **kw):
    return tiny_city(
        control_centre_city(rule, **kw),
        threat={
            "mode": "cyber_intrusion",
            "site": "control",
            "zone": "room",
            "facility": "scada",
            "dwell_hours": 2,
            "harm": {
                "profile": "instant",
                "fraction_harmed": 0.0,
                "triage": {"killed_outright": 0.0, "t1": 0.0, "t2": 0.0, "t3": 1.0},
            },
        },
    )


def _repaired(outcome) -> list[tuple[str, float]]:
    return [
        (e.data["facility"], e.t_min / 60.0) for e in outcome.trace if e.kind == "facility_repaired"
    ]


@pytest.mark.parametrize(
    ("rule", "order", "expected"),
    [
        ("population", None, ["sub-x", "sub-z", "sub-y"]),
        ("critical_first", None, ["sub-y", "sub-x", "sub-z"]),
        ("order", ["sub-z", "sub-y"], ["sub-z", "sub-y", "sub-x"]),
    ],
)
def test_one_crew_restores_in_the_order_of_the_priority_rule(build, rule, order, expected):
    outcome = vtsim.simulate(build(_cyber(rule, order=order)), seed=1, replication=0, trace=True)
    repaired = _repaired(outcome)
    assert [f for f, _ in repaired] == expected
    # Each job: 1 h travel + 1 h reset, one after another, from the effect at 2 h.
    assert [t for _, t in repaired] == pytest.approx([4.0, 6.0, 8.0])


def test_more_crews_restore_sooner_and_never_lose_more(build):
    one = vtsim.simulate(build(_cyber("population")), seed=1, replication=0)
    three = vtsim.simulate(build(_cyber("population", crews=3)), seed=1, replication=0)
    assert three.metrics["customer_hours_lost"] < one.metrics["customer_hours_lost"]
    # Three crews reset all three substations 2 h after the effect.
    assert three.metrics["customer_hours_lost_power"] == pytest.approx(600 * 2)


def test_an_intrusion_detected_before_its_dwell_ends_does_nothing(build):
    data = _cyber("population")
    data["infrastructure"]["cyber_detection_hours"] = 1  # dwell is 2 h
    outcome = vtsim.simulate(build(data), seed=1, replication=0, trace=True)
    assert outcome.metrics["intrusion_detected_in_time"] == 1
    assert outcome.metrics["customer_hours_lost"] == 0
    assert not _repaired(outcome)


def test_repaired_is_not_in_service_while_a_need_is_still_missing(build):
    infra = control_centre_city("population")
    # The hospital also needs the control network, which stays down (500 h repair).
    infra["dependencies"].append({"facility": "hospital", "needs": ["scada"]})
    infra["crews"][0]["sectors"] = None
    outcome = vtsim.simulate(
        build(_cyber("population") | {"infrastructure": infra}), seed=1, replication=0, trace=True
    )
    up = {e.data["facility"] for e in outcome.trace if e.kind == "facility_up"}
    repaired = {f for f, _ in _repaired(outcome)}
    assert "sub-y" in repaired and "sub-y" in up
    assert "hospital" not in up


def test_mutual_aid_starts_its_delay_when_the_outage_begins(build):
    data = _cyber("population")
    data["infrastructure"]["crews"] = [
        {"id": "local", "count": 0},
        {"id": "aid", "count": 1, "travel_hours": 1, "available_after_hours": 5},
    ]
    outcome = vtsim.simulate(build(data), seed=1, replication=0, trace=True)
    # Effect at 2 h; aid available at 7 h; each job 1 h travel + 1 h reset.
    assert [t for _, t in _repaired(outcome)][:3] == pytest.approx([9.0, 11.0, 13.0])


def test_a_decision_during_the_incident_changes_what_follows(build):
    from vtsim.model.world import World
    from vtsim.scenario.schema import Measure
    from vtsim.scenario.transforms import apply_measures

    scenario = build(tiny_city(power_and_hospital(backup_hours=0)))
    transfer = Measure(
        id="transfer",
        name="Switch the hospital to sub-b",
        phase="recover",
        pillar="operational",
        effects=[
            {
                "path": "infrastructure.dependencies",
                "op": "append",
                "value": {"facility": "hospital", "needs": ["sub-b"]},
            },
        ],
    )
    world = World(scenario, seed=1, replication=0, trace=True)
    world.run_until(t_min=120)
    world.apply(apply_measures(scenario, [transfer]))
    outcome = world.finish()
    up = [(e.t_min, e.data["facility"]) for e in outcome.trace if e.kind == "facility_up"]
    assert up[0] == (pytest.approx(120.0), "hospital")
    assert outcome.metrics["customer_hours_lost_health"] == pytest.approx(1000 * 2.0)
