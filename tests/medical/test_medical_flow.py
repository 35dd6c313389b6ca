"""Casualties from the scene to the hospital bed: conservation, determinism, scene access."""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vtsim
from vtsim.model.incident import Incident
from vtsim.model.medical import Medical
from vtsim.model.medical_metrics import metric_names
from vtsim.model.patient import FINAL_STATES
from vtsim.model.streams import Streams
from vtsim.report.medical_figures import casualty_flow
from vtsim.scenario.loader import validate_data

DEATHS = ("killed_outright", "died_on_scene", "died_in_transport", "died_at_hospital")


def _finals(metrics: dict) -> dict:
    return {s: metrics[f"casualties_{s}"] for s in FINAL_STATES}


def _check_conservation(metrics: dict) -> None:
    finals = _finals(metrics)
    assert sum(finals.values()) == metrics["casualties_total"]
    assert finals["killed_outright"] == metrics["killed_outright"]
    assert metrics["deaths_total"] == sum(finals[s] for s in DEATHS)
    assert metrics["preventable_deaths"] <= metrics["deaths_total"] - metrics["killed_outright"]
    assert metrics["patients_to_hospital"] == sum(
        finals[s]
        for s in ("died_at_hospital", "treated_at_hospital", "waiting_at_hospital_at_horizon")
    )


@settings(max_examples=25, deadline=None)
@given(replication=st.integers(0, 10_000), scenario_name=st.sampled_from(["harbour", "museum"]))
def test_every_casualty_ends_in_exactly_one_final_state(
    replication, scenario_name, harbour, museum
):
    scenario = harbour if scenario_name == "harbour" else museum
    _check_conservation(vtsim.simulate(scenario, seed=5, replication=replication).metrics)


def test_no_casualty_is_lost_or_counted_twice_in_the_flow(museum):
    outcome = vtsim.simulate(museum, seed=1, replication=2, trace=True)
    event = next(e for e in outcome.trace if e.kind == "casualty_flow")
    ids = {cid for _, cid, _ in event.data["transitions"]}
    assert ids == set(range(int(outcome.metrics["casualties_total"])))
    flow = casualty_flow(outcome.trace)
    injured = [e.t_min for e in outcome.trace if e.kind == "casualty"]
    for t in (5.0, 30.0, 90.0, 200.0):
        assert flow.loc[t].sum() == sum(1 for x in injured if x <= t)
    assert flow.iloc[-1]["dead"] == outcome.metrics["deaths_total"]


def test_same_seed_gives_the_same_medical_outcome(museum):
    a = vtsim.simulate(museum, seed=3, replication=7).metrics
    b = vtsim.simulate(museum, seed=3, replication=7).metrics
    assert {k: v for k, v in a.items() if not math.isnan(v)} == {
        k: v for k, v in b.items() if not math.isnan(v)
    }


def test_no_ems_contact_before_the_zone_is_safe_without_a_task_force(museum):
    outcome = vtsim.simulate(museum, seed=2, replication=1, trace=True)
    opened = next(e.t_min for e in outcome.trace if e.kind == "scene_open")
    ended = next(e.t_min for e in outcome.trace if e.kind == "attack_ended")
    assert opened > ended
    assert outcome.metrics["min_to_first_ems_contact"] >= opened


def test_scenarios_without_a_medical_section_get_no_medical_columns(easi_scenario):
    outcome = vtsim.simulate(easi_scenario, seed=1, replication=0)
    assert not set(metric_names(vtsim.load_scenario("museum-siege"))) & set(outcome.metrics)


def test_an_interdicted_plot_has_no_deaths_and_no_times(museum):
    data = copy.deepcopy(museum.model_dump(mode="json"))
    data["prevent"]["detection_rate_per_day"] = 10.0
    certain = validate_data(data, "<test>")
    metrics = vtsim.simulate(certain, seed=1, replication=0).metrics
    assert metrics["prevented"] == 1.0
    assert metrics["deaths_total"] == 0 and metrics["preventable_deaths"] == 0
    assert math.isnan(metrics["min_to_first_ems_contact"])
    assert set(metric_names(certain)) <= set(metrics)


def test_t2_casualties_can_worsen_to_t1(museum):
    worsened = sum(
        vtsim.simulate(museum, seed=4, replication=r).metrics["t2_worsened_to_t1"]
        for r in range(30)
    )
    assert worsened > 0


def test_a_hospital_loses_places_while_a_facility_it_depends_on_is_down(museum):
    import simpy

    env = simpy.Environment()
    incident = Incident(env, museum, museum.threats[0], Streams(1, 0))
    medical = Medical(incident)  # sets itself up: listens for facilities going down
    trauma = medical.hospitals["central-trauma"]
    places = next(h.capacity for h in museum.medical.hospitals if h.id == "central-trauma")
    lost = math.ceil(places * 0.5)  # capacity_lost_when_down 0.5, rounded up
    assert trauma.open_places == places
    incident.emit("facility_down", facility="grid-central", sector="power")
    assert trauma.open_places == places - lost
    incident.emit("facility_down", facility="some-other-facility", sector="water")
    assert trauma.open_places == places - lost
    incident.emit("facility_up", facility="grid-central", sector="power")
    assert trauma.open_places == places


def test_a_full_hospital_is_announced(museum):
    kinds = set()
    for r in range(10):
        outcome = vtsim.simulate(museum, seed=1, replication=r, trace=True)
        kinds |= {e.kind for e in outcome.trace}
        if "hospital_at_capacity" in kinds:
            break
    assert "hospital_at_capacity" in kinds


def test_unknown_mutual_aid_agency_is_reported_with_its_field_path(museum):
    data = copy.deepcopy(museum.model_dump(mode="json"))
    data["medical"]["ems"]["mutual_aid"]["agencies"] = ["nobody"]
    with pytest.raises(vtsim.ScenarioError) as info:
        validate_data(data, "museum.yaml")
    assert "medical.ems.mutual_aid.agencies[0]" in str(info.value)
    assert "nobody" in str(info.value)


def _walking(scenario, p_t3: float, p_t2: float = 0.0):
    data = copy.deepcopy(scenario.model_dump(mode="json"))
    data["medical"]["self_presentation"] = {"p_t3": p_t3, "p_t2": p_t2}
    return validate_data(data, "<test>")


@pytest.mark.slow
def test_the_walking_wounded_reach_hospital_without_ems_or_an_ambulance(harbour):
    """With every T3 self-presenting, no T3 casualty meets EMS on scene, and every one
    alive at the horizon is at a hospital or on its way; the flow still adds up."""
    scenario = _walking(harbour, p_t3=1.0)
    seen = 0
    for replication in range(40):
        world = vtsim.model.world.World(scenario, 5, replication, threat="explosive-device")
        outcome = world.finish()
        _check_conservation(outcome.metrics)
        medical = world.incident.find(Medical)
        for p in medical.patients if medical is not None else []:
            if p.initial == "t3":
                seen += 1
                assert math.isnan(p.t_contact)
                assert p.final in (
                    "treated_at_hospital",
                    "waiting_at_hospital_at_horizon",
                    "in_transport_at_horizon",
                    "died_in_transport",
                )
    assert seen > 0


def test_a_task_force_reaches_casualties_in_the_warm_zone_while_the_attack_goes_on(museum):
    """With a rescue task force, medics go in once armed responders are engaging and an
    ambulance crew is on scene, without waiting for the end of the assault: some
    casualties meet EMS before the attack ends; never before an armed responder is there."""
    data = copy.deepcopy(museum.model_dump(mode="json"))
    data["medical"]["scene"]["rescue_task_force"] = True
    data["threats"][0]["active_duration_min"] = 40  # a long assault, hardly ever ended early
    for agency in data["agencies"]:
        if agency.get("engagement"):
            agency["engagement"]["p_neutralise"] = 0.02
    scenario = validate_data(data, "<test>")
    during = 0
    for replication in range(30):
        outcome = vtsim.simulate(scenario, seed=4, replication=replication)
        m = outcome.metrics
        _check_conservation(m)
        contact, responder = m["min_to_first_ems_contact"], m["min_to_first_responder"]
        if math.isnan(contact):
            continue
        assert math.isnan(responder) or contact >= responder
        end = m["min_to_harm"] + m["min_attack_active"]
        during += contact < end
    assert during > 0


@pytest.mark.slow
def test_few_rescue_teams_carry_the_non_walking_out_one_at_a_time(harbour):
    """With one rescue team, T1 and T2 casualties are carried out one after another, so on
    common random numbers critically injured casualties reach hospital later in some
    replications than with as many teams as casualties; the flow still adds up."""
    data = copy.deepcopy(harbour.model_dump(mode="json"))
    data["medical"]["scene"]["rescue_teams"] = 1
    one_team = validate_data(data, "<test>")
    later = 0
    for replication in range(20):
        free = vtsim.simulate(harbour, 6, replication, threat="explosive-device")
        few = vtsim.simulate(one_team, 6, replication, threat="explosive-device")
        _check_conservation(few.metrics)
        a, b = free.metrics["min_to_hospital_t1"], few.metrics["min_to_hospital_t1"]
        if not (math.isnan(a) or math.isnan(b)):
            later += b > a
    assert later > 0
