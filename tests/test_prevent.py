"""Prevent: interdiction follows 1 - exp(-rate * window) for a fixed window."""

from __future__ import annotations

import math

import pytest
from helpers import modified

import vtsim


@pytest.mark.parametrize(("rate", "window"), [(0.01, 30.0), (0.05, 20.0)])
def test_interdiction_probability_matches_closed_form(festival, rate, window):
    def edit(data):
        data["prevent"]["detection_rate_per_day"] = rate
        for threat in data["threats"]:
            threat["planning_window_days"] = window
            threat["detectability"] = 1.0

    scenario = modified(festival, edit)
    n = 3000
    frame = vtsim.run(
        scenario, replications=n, seed=42, packages=["baseline"], progress=False
    ).frame
    p = 1 - math.exp(-rate * window)
    p_hat = frame["prevented"].mean()
    assert abs(p_hat - p) < 4 * math.sqrt(p * (1 - p) / n)
    interdicted = frame[frame["prevented"] == 1]
    assert (interdicted["days_to_interdiction"] < window).all()
    assert (interdicted["casualties_total"] == 0).all()
    assert (interdicted["ended_by"] == "interdicted").all()


def test_no_prevention_capability_interdicts_nothing(festival):
    scenario = modified(festival, lambda d: d["prevent"].update(detection_rate_per_day=0.0))
    frame = vtsim.run(
        scenario, replications=100, seed=1, packages=["baseline"], progress=False
    ).frame
    assert frame["prevented"].sum() == 0
