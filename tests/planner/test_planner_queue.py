"""The screening queue: closed form, conservation, monotone lanes, the screening trade-off."""

from __future__ import annotations

import numpy as np
import pytest
from stats_power import assert_mean_matches, assert_mean_positive, n_for_mean_shift

import vtsim
from vtsim.analysis.reference import erlang_c
from vtsim.model.queue import simulate_day
from vtsim.model.streams import Streams
from vtsim.scenario.screening import ScreeningQueue


def _queue(lanes=3, rate=2.5, service_s=None, minutes=6000.0):
    return ScreeningQueue(
        arrivals=[{"until_min": minutes, "per_min": rate}],
        lanes=lanes,
        service_s=service_s or {"dist": "exponential", "mean": 60.0},
        attack_at_min=minutes / 2,
    )


# Sd of one day's mean time through screening (below), from a 300-day pilot (seed 7):
# 0.0886 min. The test sizes n for an sd 15 % larger, so that the power check on the
# spread it actually sees passes.
PILOT_SD_MIN = 0.0886
WARM_UP_MIN = 300.0


@pytest.mark.slow
def test_long_run_wait_matches_erlang_c():
    """M/M/3 (rho = 0.83): the mean time through screening (wait + service) of a long day
    against Erlang C's Wq + 1/mu, by a two-sided t test over independent days at
    false-alarm rate alpha = 1e-4; n days (179, ~2.4 s) chosen so that a bias of 2 % of
    that mean (0.048 min) is caught with power >= 0.99. Visitors arriving in the first
    300 min are left out: the queue starts empty, and 300 min is ~7 relaxation times of
    this queue (1 / (c mu (1 - sqrt(rho))^2) ~ 44 min), so the start-up bias is nil."""
    q = _queue(lanes=3, rate=2.5, minutes=20_000.0)  # mu = 1 per minute per lane
    expected = erlang_c(2.5, 1.0, 3).mean_wait + 1.0
    detect = 0.02 * expected
    n = n_for_mean_shift(1.15 * PILOT_SD_MIN, detect)
    day_means = []
    for rep in range(n):
        day = simulate_day(q, Streams(11, rep), "site", "zone")
        steady = day.arrivals_min >= WARM_UP_MIN
        day_means.append((day.entered_min - day.arrivals_min)[steady].mean())
    assert_mean_matches(day_means, expected, detect=detect, what="mean time through screening")


def test_every_visitor_enters_after_arriving_and_counts_never_go_negative():
    q = _queue(lanes=2, rate=1.5, minutes=600)
    day = simulate_day(q, Streams(3, 0), "s", "z")
    assert np.all(day.entered_min > day.arrivals_min)
    for t in np.linspace(0, 700, 71):
        assert 0 <= day.outside_at(t) <= day.peak_outside
    assert day.outside_at(1e9) == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_another_lane_never_delays_any_visitor(seed):
    fewer = simulate_day(_queue(lanes=2, rate=1.8, minutes=300), Streams(seed, 0), "s", "z")
    more = simulate_day(_queue(lanes=3, rate=1.8, minutes=300), Streams(seed, 0), "s", "z")
    assert np.array_equal(fewer.arrivals_min, more.arrivals_min)  # common random numbers
    assert np.all(more.entered_min <= fewer.entered_min + 1e-9)
    assert more.delay_min_total <= fewer.delay_min_total


def test_screening_lengthens_the_queue_outside_the_fence(festival_planner):
    """Paired one-sided t tests on common random numbers (screening minus baseline, per
    replication): a model in which screening changes nothing passes with chance <= 1e-4;
    20 replications catch, with power >= 0.99, a rise of 25 % of the baseline's total
    visitor delay and of 5 % of its peak queue (pilot: +190 % and +80 %, paired sd 12 %
    and 2 % of the baseline)."""
    frame = vtsim.run(
        festival_planner, replications=20, seed=5, packages=["screening"], progress=False
    ).frame
    by = {p: rows.set_index("replication") for p, rows in frame.groupby("package")}
    for column, share in (("visitor_delay_min_total", 0.25), ("queue_peak_outside", 0.05)):
        baseline = by["baseline"][column]
        assert_mean_positive(
            by["screening"][column] - baseline, detect=share * baseline.mean(), what=column
        )


def test_the_queue_is_the_exposed_crowd_of_an_attack_on_it(festival_planner):
    for rep in range(5):
        out = vtsim.simulate(festival_planner, 9, rep, threat="vehicle-ramming", trace=True)
        assert out.metrics["exposed"] <= out.metrics["queue_peak_outside"]


def test_queue_metrics_are_reported_even_when_the_plot_is_interdicted(festival_planner):
    # P(interdicted) is ~0.23 in the festival's baseline (400-replication pilot): 40
    # replications hold no interdicted plot with chance 0.77^40 ~ 3e-5.
    rows = vtsim.run(
        festival_planner, replications=40, seed=2, packages=["baseline"], progress=False
    ).frame
    interdicted = rows[rows["prevented"] == 1]
    assert len(interdicted) and interdicted["visitor_delay_min_total"].notna().all()
