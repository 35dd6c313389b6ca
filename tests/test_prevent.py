"""Prevent: interdiction follows 1 - exp(-rate * window) for a fixed window."""

from __future__ import annotations

import math

import pytest
from stats_power import assert_proportion_matches, n_for_proportion_shift

import vtsim
from vtsim.scenario.loader import validate_data

DETECT = 0.02  # absolute error in P(interdicted) the closed-form test is sized to catch


def plot_scenario(rate: float, window_days: float):
    """The least a plot needs: one site with one zone, one threat with a fixed planning
    window, a prevention hazard; no agencies, layers or measures."""
    return validate_data(
        {
            "name": "prevention only",
            "prevent": {"detection_rate_per_day": rate},
            "sites": [
                {
                    "id": "venue",
                    "name": "Venue",
                    "kind": "public_event",
                    "zones": [{"id": "square", "occupancy": 100}],
                }
            ],
            "threats": [
                {
                    "id": "plot",
                    "mode": "armed_assault",
                    "site": "venue",
                    "zone": "square",
                    "planning_window_days": window_days,
                    "detectability": 1.0,
                    "active_duration_min": 1,
                    "harm": {
                        "profile": "rate",
                        "casualties_per_1000_per_min": 1.0,
                        "triage": {"killed_outright": 0.25, "t1": 0.25, "t2": 0.25, "t3": 0.25},
                    },
                }
            ],
        },
        "<test>",
    )


@pytest.mark.slow
@pytest.mark.parametrize(("rate", "window"), [(0.01, 30.0), (0.05, 20.0)])
def test_interdiction_probability_matches_closed_form(rate, window):
    """A two-sided z test of the interdicted share against p = 1 - exp(-rate * window),
    false-alarm rate alpha = 1e-4, n sized (binomial variance) so that an absolute error of
    0.02 in P(interdicted) is caught with power >= 0.99: n = 18,876 for p = 0.26 and
    22,649 for p = 0.63 (~3 s each)."""
    scenario = plot_scenario(rate, window)
    p = 1 - math.exp(-rate * window)
    n = n_for_proportion_shift(p, DETECT)
    outcomes = [vtsim.simulate(scenario, 42, r) for r in range(n)]
    interdicted = [o for o in outcomes if o.metrics["prevented"] == 1]
    assert_proportion_matches(len(interdicted), n, p, what="P(interdicted)")
    for o in interdicted:
        assert o.metrics["days_to_interdiction"] < window
        assert o.metrics["casualties_total"] == 0
        assert o.ended_by == "interdicted"


def test_no_prevention_capability_interdicts_nothing():
    scenario = plot_scenario(0.0, 30.0)
    assert not any(vtsim.simulate(scenario, 1, r).metrics["prevented"] for r in range(100))
