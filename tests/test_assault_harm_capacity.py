"""An armed assault's harm rate is bounded by the attacker's capacity and follows the density
near the attacker, not the whole crowd (``harm.max_casualties_per_min``, ``harm.reach_m2``;
:func:`vtsim.model.harm.rate_per_min`)."""

from __future__ import annotations

import math

import pytest

import vtsim
from vtsim.errors import ScenarioError
from vtsim.model.harm import rate_per_min
from vtsim.scenario.loader import validate_data
from vtsim.scenario.measures import Measure
from vtsim.scenario.threats import Harm
from vtsim.scenario.transforms import apply_measures

TRIAGE = {"killed_outright": 0.2, "t1": 0.2, "t2": 0.3, "t3": 0.3}


def _harm(k: float = 10.0, cap: float | None = None, reach: float | None = None) -> dict:
    harm: dict = {"profile": "rate", "casualties_per_1000_per_min": k, "triage": TRIAGE}
    if cap is not None:
        harm["max_casualties_per_min"] = cap
    if reach is not None:
        harm["reach_m2"] = reach
    return harm


def _assault(occupancy: int, area: float | None = None, duration: float = 5.0, **harm) -> dict:
    """One zone without exits (nobody leaves), no responders: the attack goes on exactly
    ``duration`` minutes."""
    zone: dict = {"id": "hall", "occupancy": occupancy}
    if area is not None:
        zone["area_m2"] = area
    return {
        "name": "Assault",
        "horizon_min": 60,
        "sites": [{"id": "venue", "zones": [zone]}],
        "threats": [
            {
                "id": "assault",
                "mode": "armed_assault",
                "site": "venue",
                "zone": "hall",
                "planning_window_days": 1,
                "active_duration_min": duration,
                "harm": _harm(**harm),
            }
        ],
    }


def _casualties(data: dict, n: int, seed: int = 11):
    scenario = validate_data(data, "<test>")
    frame = vtsim.run(scenario, replications=n, seed=seed, progress=False).frame
    return frame["casualties_total"].to_numpy()


def test_the_rate_never_exceeds_the_cap_and_never_falls_with_the_crowd():
    """The rate function the simulation thins with: for every crowd from 0 to a million, at
    most the cap, and never lower for more people (with or without a reach)."""
    for reach_share in (1.0, 0.05):
        harm = Harm.model_validate(_harm(k=4.0, cap=1.8))
        rates = [rate_per_min(n, harm, reach_share) for n in range(0, 1_000_001, 97)]
        assert max(rates) == pytest.approx(1.8)
        assert all(r <= 1.8 for r in rates)
        assert all(b >= a for a, b in zip(rates, rates[1:]))
    # below the cap the rate is linear in the people within reach
    harm = Harm.model_validate(_harm(k=4.0, cap=1.8))
    assert rate_per_min(100, harm) == pytest.approx(0.4)
    assert rate_per_min(100, harm, 0.5) == pytest.approx(0.2)
    uncapped = Harm.model_validate(_harm(k=4.0))
    assert rate_per_min(1_000_000, uncapped) == pytest.approx(4000.0)


def test_a_bigger_crowd_never_means_fewer_casualties_and_not_more_once_capped():
    """On common random numbers, every replication: with a crowd large enough for the cap
    to bind (k * people >= cap throughout), the candidates are the same and a bigger crowd
    accepts at least as many; the casualties then do not grow with the crowd at all."""
    counts = {n: _casualties(_assault(n, k=10.0, cap=6.0), n=60) for n in (1000, 4000, 16000)}
    assert (counts[4000] >= counts[1000]).all()
    assert (counts[16000] >= counts[4000]).all()
    # capped throughout (1,000 people harmed at most ~60: k * 940 = 9.4 > 6), hence equal
    assert (counts[16000] == counts[1000]).all()


def test_a_bigger_crowd_never_means_fewer_casualties_on_average():
    """Across the regimes (below the cap, at it, above it) the mean casualties never fall as
    the crowd grows: each mean is compared with the next within 4 standard errors of the
    difference (false alarm < 1e-4 each)."""
    means, ses = [], []
    for n in (100, 300, 600, 1200, 4800):
        x = _casualties(_assault(n, k=10.0, cap=6.0), n=200)
        means.append(x.mean())
        ses.append(x.std(ddof=1) / math.sqrt(len(x)))
    for i in range(len(means) - 1):
        assert means[i + 1] >= means[i] - 4 * math.hypot(ses[i], ses[i + 1])


@pytest.mark.parametrize(
    ("occupancy", "k", "cap", "duration"),
    [
        (2000, 10.0, 6.0, 5.0),  # capped throughout: Poisson(cap * T), mean 30
        (5000, 4.0, 1.8, 3.0),  # the bundled assaults' cap, crowd like the museum's: 5.4
        (200, 10.0, 6.0, 5.0),  # k * N = 2 < cap: never binds, N * (1 - exp(-k T)) = 9.75
    ],
)
def test_expected_casualties_for_a_fixed_duration_follow_the_closed_form(
    occupancy, k, cap, duration
):
    """No exits, a fixed duration T, per-person rate k per minute, cap c. Capped throughout
    (the crowd stays above c / k): a Poisson process at c, E = c * T (variance c * T).
    Never capped: each person is harmed at k independently, E = N * (1 - exp(-k T))
    (binomial). n = 1,000: 4 standard errors of the mean (false alarm < 1e-4) catch a bias
    of 8 % of these means with power above 0.9 (the largest standard error, 0.073 for the
    mean 5.4: 5.3 standard errors are 0.39, 7 %)."""
    per_person = k / 1000.0
    if per_person * occupancy >= cap:
        assert per_person * (occupancy - 3 * cap * duration) > cap  # capped throughout
        expected, variance = cap * duration, cap * duration
    else:
        p = 1.0 - math.exp(-per_person * duration)
        expected, variance = occupancy * p, occupancy * p * (1 - p)
    x = _casualties(_assault(occupancy, k=k, cap=cap, duration=duration), n=1000)
    assert abs(x.mean() - expected) < 4 * math.sqrt(variance / 1000)


def test_with_a_reach_the_harm_follows_the_density_not_the_whole_crowd():
    """``reach_m2``: the people exposed are density * reach. 2,000 people on 4,000 m², reach
    200 m²: 100 within reach, per-person rate k * 200 / 4000, so E = N * (1 - exp(-k T
    reach / area)) = 2000 * (1 - exp(-0.0025)) = 4.99 for k = 10/1000, T = 5. Twice the
    crowd on twice the ground (the same density) gives about the same, not twice (closed
    form 4.997); twice the crowd on the same ground, twice (9.98). n = 300, 4 standard
    errors of the binomial mean each."""

    def check(occupancy: int, area: float) -> float:
        p = 1.0 - math.exp(-0.01 * 5.0 * 200.0 / area)
        expected = occupancy * p
        x = _casualties(_assault(occupancy, area=area, k=10.0, reach=200.0), n=300)
        assert abs(x.mean() - expected) < 4 * math.sqrt(occupancy * p * (1 - p) / 300)
        return x.mean()

    same_density = check(2000, 4000.0), check(4000, 8000.0)
    denser = check(4000, 4000.0)
    assert abs(same_density[1] - same_density[0]) < 0.2 * same_density[0]
    assert denser > 1.5 * same_density[0]


def test_a_reach_needs_the_zone_s_area_and_a_rate_profile():
    data = _assault(1000, reach=200.0)  # no area_m2 on the zone
    with pytest.raises(ScenarioError) as caught:
        validate_data(data, "<test>")
    assert "area_m2" in str(caught.value) and "reach_m2" in str(caught.value)
    data = _assault(1000, area=2000.0, reach=200.0)
    data["threats"][0]["harm"] = {
        "profile": "instant",
        "fraction_harmed": 0.1,
        "reach_m2": 200.0,
        "triage": TRIAGE,
    }
    with pytest.raises(ScenarioError) as caught:
        validate_data(data, "<test>")
    assert "'rate' harm profile only" in str(caught.value)


@pytest.mark.parametrize("name", ["museum-siege", "old-town-worship"])
def test_the_bundled_assaults_do_not_multiply_harm_with_the_crowd(name):
    """The bundled non-crowd assaults are capacity-bound: on common random numbers twice
    the crowd never gives fewer casualties, and at most a few per cent more on average
    (uncapped, twice the crowd would give about twice the casualties)."""
    scenario = vtsim.load_scenario(name)
    threat = next(t for t in scenario.threats if t.mode == "armed_assault")
    assert threat.harm.max_casualties_per_min is not None
    path = f"sites.{threat.site}.zones.{threat.zone}.occupancy"
    twice = Measure.model_validate(
        {
            "id": "twice-the-crowd",
            "name": "Twice the crowd",
            "phase": "protect",
            "pillar": "operational",
            "effects": [{"path": path, "op": "scale", "value": 2}],
        }
    )
    doubled = apply_measures(scenario, [twice])

    def frame(s):
        f = vtsim.run(s, replications=60, packages=["baseline"], progress=False).frame
        return f[f["threat"] == threat.id]["casualties_total"].to_numpy()

    base, big = frame(scenario), frame(doubled)
    assert (big >= base).all()
    assert big.mean() <= 1.05 * base.mean()
