"""The screening queue: closed form, conservation, monotone lanes, the screening trade-off."""

from __future__ import annotations

import numpy as np
import pytest

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


def test_long_run_wait_matches_erlang_c():
    q = _queue(lanes=3, rate=2.5)  # mu = 1 per minute per lane, rho = 0.83
    waits = []
    for rep in range(4):
        day = simulate_day(q, Streams(11, rep), "site", "zone")
        in_system = day.entered_min - day.arrivals_min
        waits.append(in_system.mean())
    expected = erlang_c(2.5, 1.0, 3).mean_wait + 1.0
    assert np.mean(waits) == pytest.approx(expected, rel=0.1)


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
    results = vtsim.run(
        festival_planner, replications=30, seed=5, packages=["screening"], progress=False
    )
    means = results.frame.groupby("package")[
        ["visitor_delay_min_total", "queue_peak_outside"]
    ].mean()
    assert (
        means.loc["screening", "visitor_delay_min_total"]
        > means.loc["baseline", "visitor_delay_min_total"]
    )
    assert (
        means.loc["screening", "queue_peak_outside"] > means.loc["baseline", "queue_peak_outside"]
    )


def test_the_queue_is_the_exposed_crowd_of_an_attack_on_it(festival_planner):
    for rep in range(5):
        out = vtsim.simulate(festival_planner, 9, rep, threat="vehicle-ramming", trace=True)
        assert out.metrics["exposed"] <= out.metrics["queue_peak_outside"]


def test_queue_metrics_are_reported_even_when_the_plot_is_interdicted(festival_planner):
    rows = vtsim.run(
        festival_planner, replications=40, seed=2, packages=["baseline"], progress=False
    ).frame
    interdicted = rows[rows["prevented"] == 1]
    assert len(interdicted) and interdicted["visitor_delay_min_total"].notna().all()
