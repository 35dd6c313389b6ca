"""Protect: the EASI closed form, and the simulation converging to it."""

from __future__ import annotations

import math

import numpy as np
import pytest

import vtsim
from vtsim.analysis.reference import easi, easi_for_site

ISSUE_LAYERS = [  # (p_detect, delay mean in s, location); sd = 30 % of the mean
    (0.30, 60, "begin"),
    (0.50, 30, "middle"),
    (0.70, 45, "begin"),
    (0.20, 40, "begin"),
    (0.00, 20, "end"),
]


def _layers(scale=1.0):
    return [
        {"p_detect": p, "delay_mean": m * scale, "delay_sd": 0.3 * m * scale, "location": loc}
        for p, m, loc in ISSUE_LAYERS
    ]


def test_single_layer_matches_hand_computation():
    # P_I = P_D * Phi((mu - mu_R) / sqrt(sd^2 + sd_R^2)): here Phi(1) = 0.841345
    layer = {"p_detect": 0.8, "delay_mean": 10.0, "delay_sd": 3.0, "location": "begin"}
    assert easi([layer], response_mean=5.0, response_sd=4.0) == pytest.approx(0.8 * 0.8413447)


def test_detection_in_the_middle_counts_half_the_layer_with_w_squared_variance():
    layer = {"p_detect": 1.0, "delay_mean": 10.0, "delay_sd": 4.0, "location": "middle"}
    # remaining mean 5, variance (0.5 * 4)^2 = 4; response N(5, 0): Phi(0) = 0.5
    assert easi([layer], response_mean=5.0, response_sd=0.0) == pytest.approx(0.5)
    end = {**layer, "location": "end"}
    assert easi([end], response_mean=0.1, response_sd=0.0) == 0.0


def test_units_do_not_matter_seconds_or_minutes():
    seconds = easi(_layers(), 180, 60, 0.95)
    minutes = easi(_layers(1 / 60), 3, 1, 0.95)
    assert seconds == pytest.approx(minutes)
    assert 0.0 < seconds < 1.0


def test_communication_probability_scales_interruption():
    assert easi(_layers(), 180, 60, 0.5) == pytest.approx(0.5 * easi(_layers(), 180, 60, 1.0))


def test_more_detection_never_lowers_easi():
    base = easi(_layers(), 180, 60, 0.95)
    for i in range(len(ISSUE_LAYERS) - 1):
        better = _layers()
        better[i]["p_detect"] = min(1.0, better[i]["p_detect"] + 0.2)
        # Only true when detection moves earlier on the path, which raising p_detect does.
        assert easi(better, 180, 60, 0.95) >= base - 1e-12


def test_validation_scenario_is_the_issue_path(easi_scenario):
    expected = easi(_layers(), 180, 60, 0.95)
    assert easi_for_site(easi_scenario, "venue") == pytest.approx(expected, rel=1e-5)


@pytest.mark.slow
def test_simulated_interruption_converges_to_easi(easi_scenario):
    n = 4000
    results = vtsim.run(easi_scenario, replications=n, seed=1977, progress=False)
    interrupted = results.frame["interrupted"].to_numpy()
    p_hat = interrupted.mean()
    p = easi_for_site(easi_scenario, "venue")
    se = math.sqrt(p * (1 - p) / n)
    assert abs(p_hat - p) < 4 * se, (p_hat, p, se)


def test_no_detection_means_no_interruption(easi_scenario):
    from helpers import modified

    def blind(data):
        for layer in data["sites"][0]["layers"]:
            layer["p_detect"] = 0.0

    scenario = modified(easi_scenario, blind)
    frame = vtsim.run(scenario, replications=200, seed=1, progress=False).frame
    assert np.all(frame["interrupted"] == 0.0)
    assert easi_for_site(scenario, "venue") == 0.0
