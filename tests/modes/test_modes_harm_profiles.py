"""Harm profiles: a ramming's harm follows the crowd density along its path; an attacker's
capacity bounds a rate."""

from __future__ import annotations

import math

import pytest

import vtsim
from vtsim.errors import ScenarioError
from vtsim.scenario.loader import validate_data


def _scenario(occupancy=800, area=4000.0, path=100.0, fraction=0.5, **threat) -> dict:
    return {
        "name": "Ramming",
        "horizon_min": 60,
        "sites": [
            {
                "id": "promenade",
                "zones": [{"id": "walk", "occupancy": occupancy, "area_m2": area}],
            }
        ],
        "threats": [
            {
                "id": "ramming",
                "mode": "vehicle_ramming",
                "site": "promenade",
                "zone": "walk",
                "planning_window_days": 1,
                "drive": {"path_m": path, "speed_kmh": 30, "swept_width_m": 3},
                "harm": {
                    "profile": "path",
                    "fraction_harmed": fraction,
                    "triage": {"killed_outright": 0.1, "t1": 0.2, "t2": 0.3, "t3": 0.4},
                },
                **threat,
            }
        ],
    }


def test_casualties_follow_density_times_the_swept_strip():
    """E[casualties] = fraction * density * path * width (= 0.5 * 0.2 * 100 * 3 = 30 here,
    far from the cap of 800 people). n = 400: the standard error of the mean is about
    sqrt(30 * (1 + 0.5)) / 20 = 0.34 (Poisson thinned, then binomial); 4 standard errors
    is a false-alarm rate under 1e-4 and catches a 5 % bias with power above 0.9."""
    scenario = validate_data(_scenario(), "<test>")
    frame = vtsim.run(scenario, replications=400, seed=4, progress=False).frame
    assert (frame["exposed"] == 800).all()
    mean = frame["casualties_total"].mean()
    assert abs(mean - 30.0) < 4 * math.sqrt(30 * 1.5) / 20
    # the drive lasts path / speed: 100 m at 30 km/h is 0.2 minutes
    assert frame["min_attack_active"].max() == pytest.approx(0.2)
    assert (
        frame["exposed"] == frame["casualties_total"] + frame["evacuated"] + frame["unharmed"]
    ).all()


def test_a_denser_crowd_or_a_longer_path_never_means_fewer_casualties():
    """On common random numbers the Poisson and binomial draws are monotone in their
    means, so every replication is at least as bad with more people or a longer path."""
    base = vtsim.run(validate_data(_scenario(), "<t>"), replications=60, seed=2, progress=False)
    for change in ({"occupancy": 1600}, {"path": 200.0}, {"area": 2000.0}):
        worse = vtsim.run(
            validate_data(_scenario(**change), "<t>"), replications=60, seed=2, progress=False
        )
        diff = worse.frame["casualties_total"] - base.frame["casualties_total"]
        assert (diff >= 0).all() and diff.sum() > 0, change


def test_a_path_ramming_needs_the_zone_s_area_and_its_drive():
    data = _scenario()
    del data["sites"][0]["zones"][0]["area_m2"]
    with pytest.raises(ScenarioError) as caught:
        validate_data(data, "<test>")
    assert "area_m2" in str(caught.value)
    data = _scenario()
    del data["threats"][0]["drive"]
    with pytest.raises(ScenarioError) as caught:
        validate_data(data, "<test>")
    assert "threats[ramming].drive" in str(caught.value)


def test_the_densest_moment_strikes_the_queue_at_its_peak(festival):
    threat = next(t for t in festival.threats if t.mode == "vehicle_ramming")
    for r in range(5):
        world = vtsim.model.world.World(festival, 3, r, threat=threat.id)
        world.finish()
        queues = world.incident.component(vtsim.model.queue.ScreeningQueues)
        crowd = world.incident.find(vtsim.model.crowd.Crowd)
        if crowd is None:
            continue  # interdicted
        expected = (
            queues.peak_outside(threat.site, threat.zone)
            if threat.moment == "densest"
            else queues.outside_at_attack(threat.site, threat.zone)
        )
        assert crowd.exposed == expected


def _assault(occupancy: int, cap: float | None) -> dict:
    data = _scenario(occupancy=occupancy)
    threat = data["threats"][0]
    threat.update(mode="armed_assault", active_duration_min=5)
    del threat["drive"]
    threat["harm"] = {
        "profile": "rate",
        "casualties_per_1000_per_min": 10,
        "triage": threat["harm"]["triage"],
    }
    if cap is not None:
        threat["harm"]["max_casualties_per_min"] = cap
    return data


def test_an_attacker_s_capacity_bounds_the_rate_whatever_the_crowd():
    """Rate 10 per 1,000 per minute: 20 per minute for 2,000 people, 40 for 4,000; with a
    capacity of 6 per minute both give 6 * 5 = 30 casualties over the 5 minutes (nobody
    leaves: no exits), while uncapped 2,000 people give about 97.5. n = 200 each: the
    Poisson mean 30 has a standard error of 0.39; 4 standard errors (false alarm < 1e-4)
    catch a 6 % bias with power > 0.9."""
    means = {}
    for occupancy in (2000, 4000):
        scenario = validate_data(_assault(occupancy, cap=6.0), "<t>")
        frame = vtsim.run(scenario, replications=200, seed=8, progress=False).frame
        means[occupancy] = frame["casualties_total"].mean()
        assert abs(means[occupancy] - 30.0) < 4 * math.sqrt(30 / 200)
    uncapped = validate_data(_assault(2000, cap=None), "<t>")
    frame = vtsim.run(uncapped, replications=200, seed=8, progress=False).frame
    # uncapped, the crowd thins as people are harmed: 2000 * (1 - exp(-0.01 * 5)) = 97.5
    expected = 2000 * (1 - math.exp(-0.05))
    assert abs(frame["casualties_total"].mean() - expected) < 4 * math.sqrt(expected / 200)
