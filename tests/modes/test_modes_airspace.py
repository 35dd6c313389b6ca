"""The unmanned_aircraft mode: counter-drone detection and interdiction on the airspace path."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import modified
from stats_power import (
    assert_mean_positive,
    assert_proportion_matches,
    n_for_proportion_shift,
)

import vtsim
from vtsim.analysis.reference import p_drone_interdiction
from vtsim.errors import VtsimError
from vtsim.scenario.loader import validate_data
from vtsim.scenario.transforms import apply_package

REPS = 160


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
    return [vtsim.simulate(scenario, seed, r, threat=threat) for r in range(reps)]


def _one_drone(airspace: dict, flight_min):
    """The least an aircraft needs: one site, one zone, its airspace, one threat."""
    return validate_data(
        {
            "name": "one drone",
            "sites": [
                {
                    "id": "hub",
                    "name": "Hub",
                    "kind": "transport_hub",
                    "zones": [{"id": "forecourt", "occupancy": 100}],
                    "airspace": airspace,
                }
            ],
            "threats": [
                {
                    "id": "drone",
                    "mode": "unmanned_aircraft",
                    "site": "hub",
                    "zone": "forecourt",
                    "planning_window_days": 1,
                    "flight_min": flight_min,
                    "harm": {
                        "profile": "instant",
                        "fraction_harmed": 0.01,
                        "triage": {"killed_outright": 0.05, "t1": 0.15, "t2": 0.30, "t3": 0.50},
                    },
                }
            ],
        },
        "<test>",
    )


def test_drone_threats_run_and_keep_everyone_accounted_for(hub):
    for outcome in _outcomes(apply_package(hub, "detection-warning"), reps=60):
        m = outcome.metrics
        assert m["exposed"] == m["casualties_total"] + m["evacuated"] + m["unharmed"]
        assert m["drone_detected"] in (0.0, 1.0)
        assert m["casualties_total"] == sum(m[k] for k in ("killed_outright", "t1", "t2", "t3"))


UNIFORM_0_2 = {"dist": "uniform", "low": 0, "high": 2}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("detect_delay", "interdict", "flight", "p_in_time"),
    [
        (0.5, 1.0, 3.0, 1.0),  # fixed delays shorter than the flight
        # D + I for D, I ~ U(0, 2) is triangular on [0, 4]: P(D + I < 2.5) = 1 - 1.5^2 / 8
        (UNIFORM_0_2, UNIFORM_0_2, 2.5, 1 - 1.5**2 / 8),
    ],
    ids=["fixed-delays", "uniform-delays"],
)
def test_interdicted_share_agrees_with_the_closed_form(detect_delay, interdict, flight, p_in_time):
    """P(stopped) = p_detect * p_interdict * P(detect_delay + interdict < flight) by a
    two-sided z test at false-alarm rate alpha = 1e-4, n sized (binomial variance) so that
    an absolute error of 0.04 in P(stopped) is caught with power >= 0.99: n = 5,856 for
    p = 0.40 and 5,086 for p = 0.29 (~1.2 s each, on a one-site scenario)."""
    scenario = _one_drone(
        {
            "p_detect": 0.8,
            "p_interdict": 0.5,
            "detect_delay_min": detect_delay,
            "interdict_min": interdict,
        },
        flight,
    )
    expected = p_drone_interdiction(0.8, 0.5, p_in_time)
    n = n_for_proportion_shift(expected, 0.04)
    stopped = sum(o.ended_by == "stopped" for o in _outcomes(scenario, reps=n, seed=11))
    assert_proportion_matches(stopped, n, expected, what="P(stopped)")


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
    """Monotone on every replication (common random numbers); and the effect is real: a
    paired one-sided t test (no capability minus full, alpha = 1e-4) that 160
    replications pass with power >= 0.99 for a drop of 0.25 in P(attack succeeds)
    (seen: 0.29 for p_detect, 0.32 for p_interdict)."""
    base = _airspace(hub, p_detect=0.5, p_interdict=0.5)
    levels = [0.0, 0.3, 0.6, 1.0]
    runs = [_outcomes(_airspace(base, **{field: p})) for p in levels]
    for weaker, stronger in zip(runs, runs[1:]):
        for a, b in zip(weaker, stronger):  # the same replication: common random numbers
            assert b.metrics["attack_succeeded"] <= a.metrics["attack_succeeded"]
            assert b.metrics["casualties_total"] <= a.metrics["casualties_total"]
    drop = [
        a.metrics["attack_succeeded"] - b.metrics["attack_succeeded"]
        for a, b in zip(runs[0], runs[-1])
    ]
    assert_mean_positive(drop, detect=0.25, what=f"drop in P(success), {field} 0 -> 1")


def test_faster_interdiction_never_increases_successful_attacks(hub):
    """Monotone on every replication; and faster interdiction stops more aircraft: a
    paired one-sided t test (alpha = 1e-4) that 160 replications pass with power >= 0.99
    for a rise of 0.22 in P(stopped) (seen: 0.24)."""
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
    more_stopped = [
        (b.ended_by == "stopped") - (a.ended_by == "stopped") for a, b in zip(slow_runs, fast_runs)
    ]
    assert_mean_positive(more_stopped, detect=0.22, what="rise in P(stopped)")


@pytest.mark.slow
def test_each_drone_measure_makes_a_measurable_difference(hub):
    """Paired one-sided t tests on common random numbers, each at false-alarm rate
    alpha = 1e-4 (a measure with no effect passes with chance <= 1e-4); 320 replications
    catch, with power >= 0.99: a rise of 0.2 in P(detected), responders 1.5 min sooner,
    P(stopped before harm) of 0.4 or more (tested against 0.2), and 2 casualties fewer
    with the warning (seen: +0.65, 2.7 min sooner, 0.42 stopped, 3.5 casualties fewer of 8.4)."""
    outcomes = {
        package: _outcomes(hub if package is None else apply_package(hub, package), reps=320)
        for package in (None, "detection", "detection-interdiction", "detection-warning")
    }

    def metric(package, name):
        return np.array([o.metrics[name] for o in outcomes[package]])

    # Detection: earlier alarms, so responders come sooner (nothing stops the aircraft yet).
    more_detected = metric("detection", "drone_detected") - metric(None, "drone_detected")
    assert_mean_positive(more_detected, detect=0.2, what="rise in P(detected)")
    sooner = metric(None, "min_to_first_responder") - metric("detection", "min_to_first_responder")
    assert_mean_positive(sooner[~np.isnan(sooner)], detect=1.5, what="responders sooner")
    # Interdiction: aircraft stopped before harm.
    stopped = metric("detection-interdiction", "stopped_before_harm")
    assert_mean_positive(stopped - 0.2, detect=0.2, what="P(stopped before harm) - 0.2")
    assert (metric(None, "stopped_before_harm") == 0.0).all()
    # Public warning: people move out before the aircraft arrives.
    fewer = metric("detection", "casualties_total") - metric(
        "detection-warning", "casualties_total"
    )
    assert_mean_positive(fewer, detect=2.0, what="casualties fewer with the warning")


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
    # Not a statistical check: every one of 400 pilot replications had casualties (6 on average).
    assert sum(o.metrics["casualties_total"] for o in outcomes) > 0


def test_a_drone_threat_needs_its_flight_time(hub):
    data = hub.model_dump(mode="json")
    data["threats"][0]["flight_min"] = None
    with pytest.raises(VtsimError, match=r"hub\.yaml: at threats\[drone-forecourt\]\.flight_min"):
        validate_data(data, "hub.yaml")
