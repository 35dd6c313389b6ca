"""The unmanned_aircraft mode: counter-drone detection and interdiction on the airspace path."""

from __future__ import annotations

import math

import pytest
from helpers import modified

import vtsim
from vtsim.analysis.reference import p_drone_interdiction
from vtsim.errors import VtsimError
from vtsim.model.world import simulate
from vtsim.scenario.loader import validate_data
from vtsim.scenario.transforms import apply_package

REPS = 120


@pytest.fixture(scope="module")
def hub():
    """The transit hub, with prevention off so that every replication reaches the site."""
    return modified(
        vtsim.load_scenario("transit-hub-drone"),
        lambda d: d["prevent"].update(detection_rate_per_day=0.0),
    )


def _airspace(scenario, **values):
    return modified(scenario, lambda d: d["sites"][0]["airspace"].update(values))


def _outcomes(scenario, reps=REPS, seed=5, threat=None):
    return [simulate(scenario, seed, r, threat=threat) for r in range(reps)]


def test_drone_threats_run_and_keep_everyone_accounted_for(hub):
    for outcome in _outcomes(apply_package(hub, "detection-warning"), reps=60):
        m = outcome.metrics
        assert m["exposed"] == m["casualties_total"] + m["evacuated"] + m["unharmed"]
        assert m["drone_detected"] in (0.0, 1.0)
        assert m["casualties_total"] == sum(m[k] for k in ("killed_outright", "t1", "t2", "t3"))


def test_interdicted_share_agrees_with_the_closed_form(hub):
    # Fixed delays shorter than the flight: P(stopped) = p_detect * p_interdict.
    fixed = modified(
        _airspace(hub, p_detect=0.8, p_interdict=0.5, detect_delay_min=0.5, interdict_min=1.0),
        lambda d: [t.update(flight_min=3.0) for t in d["threats"]],
    )
    n = 400
    stopped = sum(o.ended_by == "stopped" for o in _outcomes(fixed, reps=n, seed=11))
    expected = p_drone_interdiction(0.8, 0.5)
    sd = math.sqrt(expected * (1 - expected) / n)
    assert abs(stopped / n - expected) < 4 * sd


def test_an_aircraft_detected_too_late_is_never_stopped(hub):
    late = modified(
        _airspace(hub, p_detect=1.0, p_interdict=1.0, detect_delay_min=2.0, interdict_min=2.0),
        lambda d: [t.update(flight_min=3.0) for t in d["threats"]],
    )
    outcomes = _outcomes(late, reps=40)
    assert all(o.metrics["drone_detected"] == 1.0 for o in outcomes)
    assert not any(o.ended_by == "stopped" for o in outcomes)


@pytest.mark.parametrize("field", ["p_detect", "p_interdict"])
def test_more_counter_drone_capability_never_increases_successful_attacks(hub, field):
    base = _airspace(hub, p_detect=0.5, p_interdict=0.5)
    levels = [0.0, 0.3, 0.6, 1.0]
    runs = [_outcomes(_airspace(base, **{field: p})) for p in levels]
    for weaker, stronger in zip(runs, runs[1:]):
        for a, b in zip(weaker, stronger):  # the same replication: common random numbers
            assert b.metrics["attack_succeeded"] <= a.metrics["attack_succeeded"]
            assert b.metrics["casualties_total"] <= a.metrics["casualties_total"]
    succeeded = [sum(o.metrics["attack_succeeded"] for o in run) for run in runs]
    assert succeeded[-1] < succeeded[0]  # and the effect is real


def test_faster_interdiction_never_increases_successful_attacks(hub):
    base = _airspace(
        hub, p_detect=0.9, p_interdict=0.9, interdict_min={"dist": "lognormal", "mean": 3, "sd": 2}
    )
    fast = modified(
        base,
        lambda d: d["sites"][0]["airspace"].update(
            interdict_min={"dist": "lognormal", "mean": 1.5, "sd": 1}
        ),
    )
    slow_runs, fast_runs = _outcomes(base), _outcomes(fast)
    for a, b in zip(slow_runs, fast_runs):
        assert b.metrics["attack_succeeded"] <= a.metrics["attack_succeeded"]
    assert sum(o.ended_by == "stopped" for o in fast_runs) > sum(
        o.ended_by == "stopped" for o in slow_runs
    )


def test_each_drone_measure_makes_a_measurable_difference(hub):
    def metric(package, name):
        scenario = hub if package is None else apply_package(hub, package)
        return [o.metrics[name] for o in _outcomes(scenario, reps=80)]

    def mean(xs):
        xs = [x for x in xs if not math.isnan(x)]
        return sum(xs) / len(xs)

    # Detection: earlier alarms, so responders come sooner (nothing stops the aircraft yet).
    assert mean(metric("detection", "drone_detected")) > mean(metric(None, "drone_detected"))
    assert mean(metric("detection", "min_to_first_responder")) < mean(
        metric(None, "min_to_first_responder")
    )
    # Interdiction: aircraft stopped before harm.
    assert mean(metric("detection-interdiction", "stopped_before_harm")) > 0.2
    assert mean(metric(None, "stopped_before_harm")) == 0.0
    # Public warning: people move out before the aircraft arrives.
    assert mean(metric("detection-warning", "casualties_total")) < mean(
        metric("detection", "casualties_total")
    )


def test_ground_responders_cannot_end_a_drone_attack(hub):
    for outcome in _outcomes(apply_package(hub, "detection"), reps=60):
        assert outcome.ended_by != "neutralised"


def test_disruption_evacuates_the_zone_and_is_over_when_it_is_clear(hub):
    outcomes = _outcomes(hub, reps=40, threat="drone-disruption")
    for outcome in outcomes:
        m = outcome.metrics
        assert outcome.ended_by == "completed"
        assert m["unharmed"] == 0  # everyone out: evacuated or hurt in the rush
        assert m["evacuated"] + m["casualties_total"] == m["exposed"]
        assert m["killed_outright"] == 0  # the scenario's triage of the rush has no deaths
    assert sum(o.metrics["casualties_total"] for o in outcomes) > 0


def test_a_drone_threat_needs_its_flight_time(hub):
    data = hub.model_dump(mode="json")
    data["threats"][0]["flight_min"] = None
    with pytest.raises(VtsimError, match=r"hub\.yaml: at threats\[drone-forecourt\]\.flight_min"):
        validate_data(data, "hub.yaml")
