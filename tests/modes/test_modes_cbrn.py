"""The cbrn_release mode: exposure until detection and evacuation, delayed onset,
decontamination capacity. Abstract: rates, delays, probabilities, counts."""

from __future__ import annotations

import math

import pytest
from helpers import modified

import vtsim
from vtsim.analysis.reference import decontamination_complete_min
from vtsim.errors import VtsimError
from vtsim.model.world import simulate
from vtsim.scenario.loader import validate_data
from vtsim.scenario.transforms import apply_package

REPS = 60


@pytest.fixture(scope="module")
def metro():
    """The metro scenario with a smaller crowd (fast tests) and prevention off."""

    def edit(d):
        d["prevent"]["detection_rate_per_day"] = 0.0
        d["sites"][0]["zones"][0]["occupancy"] = {"dist": "normal", "mean": 400, "sd": 60}

    return modified(vtsim.load_scenario("metro-cbrn"), edit)


def _cbrn(scenario, **values):
    return modified(scenario, lambda d: d["sites"][0]["cbrn"].update(values))


def _detected_at(metrics) -> float:
    """Minutes from the release to its detection; never detected counts as latest."""
    value = metrics["cbrn_min_to_detection"]
    return math.inf if math.isnan(value) else value


def _runs(scenario, reps=REPS, seed=3):
    return [simulate(scenario, seed, r) for r in range(reps)]


def test_a_release_runs_and_keeps_everyone_accounted_for(metro):
    for package in ("baseline", "sensors", "procedure", "decontamination", "all-three"):
        scenario = metro if package == "baseline" else apply_package(metro, package)
        for outcome in _runs(scenario, reps=25):
            m = outcome.metrics
            assert m["exposed"] == m["casualties_total"] + m["evacuated"] + m["unharmed"]
            assert m["casualties_total"] >= 0 and m["unharmed"] >= 0
            # Onsets within the horizon: every casualty has shown symptoms and has a class.
            assert m["cbrn_onset_pending"] == 0
            assert m["casualties_total"] == sum(m[k] for k in ("killed_outright", "t1", "t2", "t3"))


def test_a_release_ends_when_the_zone_is_clear_not_by_engagement(metro):
    for outcome in _runs(metro, reps=30):
        assert outcome.ended_by == "evacuated"
        assert outcome.metrics["unharmed"] == 0
        # Noticed after the release, or never (everyone was out before anyone was harmed).
        assert not outcome.metrics["cbrn_min_to_detection"] <= 0


def test_casualties_show_symptoms_after_the_onset_delay(metro):
    delayed = modified(metro, lambda d: d["threats"][0]["harm"].update(onset_min=12.0))
    outcome = simulate(delayed, 2, 0, trace=True)
    release = outcome.metrics["min_to_harm"]
    injured = [e.data["casualty"].t_injured for e in outcome.trace if e.kind == "casualty"]
    assert injured and min(injured) >= release + 12.0
    detected = next(e for e in outcome.trace if e.kind == "release_detected")
    assert detected.data["how"] == "symptoms" and detected.t_min == pytest.approx(min(injured))


@pytest.mark.slow
@pytest.mark.parametrize(
    "weaker, stronger",
    [
        ({"p_sensor_detect": 0.0}, {"p_sensor_detect": 0.5}),
        ({"p_sensor_detect": 0.5}, {"p_sensor_detect": 1.0}),
        (
            {"p_sensor_detect": 1.0, "sensor_delay_min": {"dist": "lognormal", "mean": 6, "sd": 3}},
            {"p_sensor_detect": 1.0, "sensor_delay_min": {"dist": "lognormal", "mean": 2, "sd": 1}},
        ),
        ({"ventilation_factor": 1.0}, {"ventilation_factor": 0.4}),
    ],
)
def test_earlier_detection_or_ventilation_never_increases_exposure(metro, weaker, stronger):
    pairs = zip(_runs(_cbrn(metro, **weaker)), _runs(_cbrn(metro, **stronger)))
    improved = 0
    for a, b in pairs:  # the same replication on common random numbers
        ma, mb = a.metrics, b.metrics
        assert mb["cbrn_exposure_person_min"] <= ma["cbrn_exposure_person_min"] + 1e-9
        assert mb["casualties_total"] <= ma["casualties_total"]
        if "ventilation_factor" not in weaker:
            assert _detected_at(mb) <= _detected_at(ma) + 1e-9
        improved += mb["casualties_total"] < ma["casualties_total"]
    assert improved > 0


@pytest.mark.slow
def test_a_faster_evacuation_never_increases_exposure(metro):
    slow = modified(metro, lambda d: d["sites"][0]["evacuation"].update(alert_to_move_min=4.0))
    fast = modified(metro, lambda d: d["sites"][0]["evacuation"].update(alert_to_move_min=1.0))
    for a, b in zip(_runs(slow), _runs(fast)):
        assert b.metrics["cbrn_exposure_person_min"] <= a.metrics["cbrn_exposure_person_min"]
        assert b.metrics["casualties_total"] <= a.metrics["casualties_total"]


@pytest.mark.slow
def test_each_cbrn_measure_makes_a_measurable_difference(metro):
    def mean(package, name):
        scenario = metro if package is None else apply_package(metro, package)
        values = [o.metrics[name] for o in _runs(scenario, reps=40)]
        values = [v for v in values if not math.isnan(v)]  # e.g. never detected
        return sum(values) / len(values)

    assert mean("sensors", "cbrn_min_to_detection") < mean(None, "cbrn_min_to_detection")
    assert mean("sensors", "casualties_total") < mean(None, "casualties_total")
    assert mean("procedure", "cbrn_exposure_person_min") < mean(None, "cbrn_exposure_person_min")
    assert mean("decontamination", "decon_min_to_complete") < 0.6 * mean(
        None, "decon_min_to_complete"
    )


def test_decontamination_agrees_with_the_closed_form(metro):
    """Everyone out before the stations open: a deterministic c-server queue."""

    def edit(d):
        site, harm = d["sites"][0], d["threats"][0]["harm"]
        site["zones"][0]["occupancy"] = 200
        site["zones"][0]["exits"] = [{"id": "wide", "flow_per_min": 1000}]
        site["evacuation"]["alert_to_move_min"] = 0.5
        site["cbrn"].update(p_sensor_detect=1.0, sensor_delay_min=1.0)
        site["cbrn"]["decontamination"] = {
            "stations": 4,
            "minutes_per_person": 2.0,
            "setup_min": 100.0,
            "evacuees": True,
        }
        harm["casualties_per_1000_per_min"] = 1e-9  # nobody harmed: only the queue matters

    outcome = simulate(modified(metro, edit), 1, 0)
    m = outcome.metrics
    assert m["casualties_total"] == 0 and m["decon_people"] == 200
    # Detected 1 min after the release, stations open 100 min later, 50 rounds of 2 min.
    expected = 1.0 + decontamination_complete_min(200, 4, 2.0, open_min=100.0)
    assert m["decon_min_to_complete"] == pytest.approx(expected)


def test_without_stations_nobody_is_decontaminated_on_site(metro):
    none = _cbrn(metro, decontamination={"stations": 0})
    m = simulate(none, 1, 0).metrics
    assert m["decon_people"] == 0 and m["decon_waiting_at_horizon"] > 0
    assert math.isnan(m["decon_wait_min_mean"])


def test_the_same_seed_gives_the_same_release(metro):
    a = simulate(apply_package(metro, "all-three"), 7, 3).metrics
    b = simulate(apply_package(metro, "all-three"), 7, 3).metrics
    assert a == pytest.approx(b, nan_ok=True)


def test_a_release_needs_the_accumulating_profile(metro):
    data = metro.model_dump(mode="json")
    data["threats"][0]["harm"]["profile"] = "rate"
    data["threats"][0]["active_duration_min"] = 5.0
    with pytest.raises(
        VtsimError, match=r"harm\.profile: expected: input should be 'accumulating'"
    ):
        validate_data(data, "metro.yaml")


def test_a_ventilation_decision_during_the_incident_acts_from_that_moment(metro):
    """An exercise decision (World.apply) after detection lowers exposure from then on."""
    from vtsim.model.world import World

    baseline = simulate(metro, 4, 1, trace=True)
    detected = next(e.t_min for e in baseline.trace if e.kind == "release_detected")
    world = World(metro, 4, 1, trace=True)
    world.run_until(t_min=detected + 0.5)
    before = [(e.t_min, e.kind) for e in world.incident.trace]
    world.apply(_cbrn(metro, ventilation_factor=0.2))
    decided = world.finish()
    m, b = decided.metrics, baseline.metrics
    assert before == [(e.t_min, e.kind) for e in baseline.trace][: len(before)]
    assert m["cbrn_exposure_person_min"] < b["cbrn_exposure_person_min"]
    assert m["casualties_total"] <= b["casualties_total"]
    assert m["exposed"] == m["casualties_total"] + m["evacuated"] + m["unharmed"]


@pytest.mark.slow
def test_casualties_with_symptoms_pending_are_counted_in_their_triage_class(metro):
    """Stopped early (15 minutes), some harmed people have no symptoms yet: they are
    casualties, and the triage columns still add up to casualties_total."""
    data = metro.model_dump(mode="json")
    data["horizon_min"] = 15
    short = validate_data(data, "<test>")
    frame = vtsim.run(short, replications=30, seed=3, progress=False).frame
    assert frame["cbrn_onset_pending"].sum() > 0
    by_class = frame[["killed_outright", "t1", "t2", "t3"]].sum(axis=1)
    assert (by_class == frame["casualties_total"]).all()


def test_on_site_decontamination_comes_before_ems_care(metro):
    """With casualties decontaminated on site, none meets EMS before its decontamination;
    decontaminated at the hospital, they are taken without waiting for it."""
    from vtsim.model.medical import Medical
    from vtsim.model.world import World

    hospital = apply_package(metro, "scoop-and-run-hospital-decon")
    on_site = apply_package(metro, "stay-and-play-onsite-decon")
    checked = 0
    for replication in range(12):
        world = World(on_site, 4, replication, trace=True)
        outcome = world.finish()
        done = {
            e.data["casualty"].id: e.t_min
            for e in outcome.trace or ()
            if e.kind == "decontaminated"
        }
        medical = world.incident.find(Medical)
        for p in medical.patients if medical else []:
            if not math.isnan(p.t_contact):
                assert p.id in done and done[p.id] <= p.t_contact
                checked += 1
        hworld = World(hospital, 4, replication, trace=True)
        houtcome = hworld.finish()
        assert not any(e.kind == "decontaminated" for e in houtcome.trace or ())
    assert checked > 0


@pytest.mark.slow
def test_stay_and_play_with_on_site_decontamination_kills_more(metro):
    """The SIMEDIS sarin study's ordering (De Rouck et al.: 24 vs 14.7 mean deaths): on
    common random numbers the paired difference in deaths is positive; 300 replications,
    the mean minus 4 standard errors above zero (false alarm < 1e-4)."""
    frame = vtsim.run(
        metro,
        replications=300,
        seed=11,
        packages=["baseline", "scoop-and-run-hospital-decon", "stay-and-play-onsite-decon"],
        progress=False,
    ).frame
    by = frame.pivot(index="replication", columns="package", values="deaths_total")
    diff = by["stay-and-play-onsite-decon"] - by["scoop-and-run-hospital-decon"]
    assert diff.mean() - 4 * diff.std() / math.sqrt(len(diff)) > 0
