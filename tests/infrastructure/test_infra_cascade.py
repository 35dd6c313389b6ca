"""Cascade in simulated time: outages spread only as autonomy runs out; redundancy holds."""

from __future__ import annotations

import pytest
from infra_builders import power_and_hospital, tiny_city

import vtsim


def _times(outcome, kind: str) -> dict[str, float]:
    """First time (hours after the attack) each facility had a happening of ``kind``."""
    out: dict[str, float] = {}
    for event in outcome.trace:
        if event.kind == kind and event.data["facility"] not in out:
            out[event.data["facility"]] = event.t_min / 60.0
    return out


@pytest.mark.parametrize("backup_hours", [0.0, 3.0, 10.0, 36.0])
def test_outage_reaches_a_dependant_only_when_its_backup_runs_out(build, backup_hours):
    scenario = build(tiny_city(power_and_hospital(backup_hours=backup_hours)))
    outcome = vtsim.simulate(scenario, seed=3, replication=0, trace=True)
    down = _times(outcome, "facility_down")
    assert down["sub-a"] == pytest.approx(0.0)
    assert down["hospital"] == pytest.approx(backup_hours)
    assert "sub-b" not in down  # another branch of the same network keeps service


def test_a_dependant_whose_supply_returns_before_its_backup_runs_out_never_drops(build):
    # The substation is repaired after 5 h; the hospital's generator lasts 10 h.
    scenario = build(tiny_city(power_and_hospital(backup_hours=10, repair_hours=5)))
    outcome = vtsim.simulate(scenario, seed=3, replication=0, trace=True)
    assert "hospital" not in _times(outcome, "facility_down")
    assert _times(outcome, "facility_up")["sub-a"] == pytest.approx(5.0)
    assert outcome.metrics["critical_facilities_lost"] == 0


def test_a_redundant_supplier_in_service_prevents_the_outage(build):
    infra = power_and_hospital(backup_hours=0)
    infra["dependencies"] = [{"facility": "hospital", "needs": ["sub-a", "sub-b"]}]
    outcome = vtsim.simulate(build(tiny_city(infra)), seed=3, replication=0, trace=True)
    assert set(_times(outcome, "facility_down")) == {"sub-a"}
    assert outcome.metrics["customer_hours_lost_health"] == 0


def test_a_redundant_feed_added_as_a_second_dependency_counts_as_redundant(build):
    infra = power_and_hospital(backup_hours=0)
    infra["dependencies"].append({"facility": "hospital", "needs": ["sub-b"]})
    outcome = vtsim.simulate(build(tiny_city(infra)), seed=3, replication=0, trace=True)
    assert "hospital" not in _times(outcome, "facility_down")


def test_needs_of_different_sectors_must_all_be_met(build):
    infra = power_and_hospital(backup_hours=0)
    infra["facilities"].append({"id": "works", "sector": "water", "population_served": 50})
    infra["dependencies"].append({"facility": "hospital", "needs": ["works"]})
    infra["dependencies"].append({"facility": "works", "needs": ["sub-b"]})
    # Damage sub-b: the hospital still has power (sub-a) but loses water via the works.
    data = tiny_city(infra, threat={"facility": "sub-b"})
    outcome = vtsim.simulate(build(data), seed=3, replication=0, trace=True)
    assert set(_times(outcome, "facility_down")) == {"sub-b", "works", "hospital"}


def test_losing_a_link_path_cuts_everything_beyond_it_at_once(build):
    infra = power_and_hospital()
    infra["facilities"].append({"id": "sub-c", "sector": "power", "population_served": 40})
    infra["links"].append({"between": ["sub-a", "sub-c"]})
    outcome = vtsim.simulate(build(tiny_city(infra)), seed=3, replication=0, trace=True)
    down = _times(outcome, "facility_down")
    assert down["sub-c"] == pytest.approx(0.0)  # within a sector there is no autonomy
    assert outcome.metrics["customer_hours_lost_power"] == pytest.approx(140 * 100)


def test_hospitals_and_sites_hear_of_the_outage_through_facility_events(build):
    scenario = build(tiny_city(power_and_hospital(backup_hours=2, repair_hours=6)))
    outcome = vtsim.simulate(scenario, seed=3, replication=0, trace=True)
    events = [(e.kind, e.data) for e in outcome.trace if e.kind in ("facility_down", "facility_up")]
    assert ("facility_down", {"facility": "hospital", "sector": "health"}) in events
    assert ("facility_up", {"facility": "hospital", "sector": "health"}) in events


def test_the_site_reopens_only_when_its_facility_is_back_in_service(build):
    infra = power_and_hospital(repair_hours=48)
    infra["facilities"][1]["site"] = "yard"
    outcome = vtsim.simulate(build(tiny_city(infra)), seed=3, replication=0)
    assert outcome.metrics["site_closed_days"] == pytest.approx(2.0)
