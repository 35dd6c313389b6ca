"""The screening queue's fast path equals its event path and the heap reference, bit for bit.

``simulate_day`` (the fast path, outside the event loop) and ``simulate_day_events``
(``tests/queue_reference.py``,
one SimPy process per visitor, a ``simpy.Resource`` with one slot per lane) play the
same day on the same streams and draws; ``lanes_heap`` is the plain recursion both
are checked against. Times must agree exactly (``np.array_equal``), including ties in
arrival times and zero or tiny service times, and so must the day's summary.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from queue_reference import _lanes_events, lanes_heap, simulate_day_events

from vtsim.model import queue as queue_model
from vtsim.model.caches import Caches
from vtsim.model.queue import QueueDay, _lanes, simulate_day
from vtsim.model.streams import Streams
from vtsim.scenario.screening import ScreeningQueue


def _peak_reference(day: QueueDay) -> int:
    """The definition: a running count over arrivals (+1) and entries (-1) in time order,
    an arrival before an entry at the same time."""
    n = day.visitors
    if not n:
        return 0
    times = np.concatenate([day.arrivals_min, day.entered_min])
    steps = np.concatenate([np.ones(n), -np.ones(n)])
    order = np.lexsort((-steps, times))
    return int(np.cumsum(steps[order]).max())


def _outside_reference(day: QueueDay, t: float) -> int:
    arrived = sum(1 for a in day.arrivals_min.tolist() if a <= t)
    return arrived - sum(1 for e in day.entered_min.tolist() if e <= t)


def _assert_same_day(fast: QueueDay, slow: QueueDay) -> None:
    assert np.array_equal(fast.arrivals_min, slow.arrivals_min)
    assert np.array_equal(fast.entered_min, slow.entered_min)
    assert fast.attack_at_min == slow.attack_at_min
    assert fast.outside_at(fast.attack_at_min) == slow.outside_at(slow.attack_at_min)
    assert fast.peak_outside == slow.peak_outside == _peak_reference(fast)
    assert fast.delay_min_total == slow.delay_min_total


def _festival_queue(festival, screening: bool = False) -> tuple[str, str, ScreeningQueue]:
    site = festival.sites[0]
    zone = next(z for z in site.zones if z.queue is not None)
    queue = zone.queue
    if screening:  # the entrance-screening measure: 8 more lanes, 2.5 times slower
        queue = queue.model_copy(
            update={"lanes": queue.lanes + 8, "service_s": queue.service_s.scaled(2.5)}
        )
    return site.id, zone.id, queue


@pytest.mark.parametrize(
    ("seed", "replication", "screening"),
    [(1, 0, False), (7, 3, False), (20261128, 11, False), (5, 2, True)],
)
def test_fast_path_equals_event_path_on_the_festival_queue(festival, seed, replication, screening):
    site_id, zone_id, queue = _festival_queue(festival, screening)
    fast = simulate_day(queue, Streams(seed, replication), site_id, zone_id)
    played = simulate_day_events(queue, Streams(seed, replication), site_id, zone_id)
    assert fast.visitors > 5000
    _assert_same_day(fast, played.day)
    assert played.peak_outside == fast.peak_outside  # tallied while the events happened
    # each visitor: process start, arrival, lane granted, service end, release, process end
    assert played.events == 6 * fast.visitors


def test_fast_path_equals_the_heap_reference_on_the_festival_queue(festival):
    site_id, zone_id, queue = _festival_queue(festival)
    for replication in range(5):
        streams = Streams(3, replication)
        arrivals, service_min, _ = queue_model.draws(queue, streams, site_id, zone_id)
        fast = simulate_day(queue, Streams(3, replication), site_id, zone_id)
        assert np.array_equal(fast.entered_min, lanes_heap(arrivals, service_min, queue.lanes))


def test_the_cached_summary_is_the_event_path_s(festival):
    site_id, zone_id, queue = _festival_queue(festival)
    caches = Caches()
    day = simulate_day_events(queue, Streams(9, 4), site_id, zone_id).day
    for _ in range(2):  # computed, then looked up: the same numbers
        got = queue_model.summary(queue, Streams(9, 4), site_id, zone_id, caches)
        assert got.outside_at_attack == day.outside_at(day.attack_at_min)
        assert got.peak_outside == day.peak_outside
        assert got.delay_min_total == day.delay_min_total


# Times on a coarse grid (quarters of a minute) tie often; service times include zero,
# the smallest subnormal and values too small to move a time of order 1 (a + s == a).
_grid_times = st.integers(0, 40).map(lambda k: k / 4)
_any_times = st.floats(0, 10, allow_nan=False, allow_infinity=False)
_services = st.one_of(
    st.sampled_from([0.0, 5e-324, 1e-17, 0.25, 1.0]),
    st.floats(0, 3, allow_nan=False, allow_infinity=False),
)


@st.composite
def _visitors(draw):
    n = draw(st.integers(0, 40))
    times = draw(st.lists(st.one_of(_grid_times, _any_times), min_size=n, max_size=n))
    # a slow lane makes the queue overloaded, a fast one leaves it idle
    scale = draw(st.sampled_from([0.01, 0.3, 1.0, 4.0]))
    services = [s * scale for s in draw(st.lists(_services, min_size=n, max_size=n))]
    lanes = draw(st.integers(1, 4))
    return np.array(sorted(times), dtype=float), np.array(services, dtype=float), lanes


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(_visitors())
def test_fast_path_equals_event_path_and_heap_on_small_queues(visitors):
    arrivals, service_min, lanes = visitors
    reference = lanes_heap(arrivals, service_min, lanes)
    fast = _lanes(arrivals, service_min, lanes)
    played, events, peak = _lanes_events(arrivals, service_min, lanes)
    assert np.array_equal(fast, reference)
    assert np.array_equal(played, reference)
    assert events == 6 * len(arrivals)

    day = QueueDay(arrivals, fast, attack_at_min=2.5)
    assert day.peak_outside == peak == _peak_reference(day)
    for t in [*arrivals.tolist(), *fast.tolist(), 2.5, -1.0, 1e9]:
        assert day.outside_at(t) == _outside_reference(day, t)


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(_visitors(), st.sampled_from([-10.0, -0.0]))
def test_peak_with_negative_or_negative_zero_times(visitors, shift):
    """QueueDay is a plain container: times below +0.0 (never from simulate_day) still
    give the defined peak (they take the argsort branch)."""
    arrivals, service_min, lanes = visitors
    entered = lanes_heap(arrivals, service_min, lanes)
    if shift == -0.0:  # -0.0 for every zero time, the rest unchanged
        arrivals = np.where(arrivals == 0, -0.0, arrivals)
        entered = np.where(entered == 0, -0.0, entered)
    else:
        arrivals, entered = arrivals + shift, entered + shift
    day = QueueDay(arrivals, entered, attack_at_min=0.0)
    assert day.peak_outside == _peak_reference(day)


_periods = st.lists(
    st.tuples(st.floats(1, 20), st.sampled_from([0.0, 0.5, 2.0, 6.0])), min_size=1, max_size=3
)
_service_dists = st.sampled_from(
    [
        0.0,
        {"dist": "fixed", "value": 10.0},
        {"dist": "lognormal", "mean": 9, "sd": 4},
        {"dist": "exponential", "mean": 40.0},
        {"dist": "uniform", "low": 0, "high": 1e-12},
    ]
)


@settings(max_examples=60, deadline=None)
@given(_periods, st.integers(1, 4), _service_dists, st.integers(0, 2**32), st.integers(0, 50))
def test_simulated_days_agree_on_random_small_queues(periods, lanes, service_s, seed, replication):
    until, arrivals = 0.0, []
    for length, per_min in periods:
        until += length
        arrivals.append({"until_min": until, "per_min": per_min})
    queue = ScreeningQueue(
        arrivals=arrivals,
        lanes=lanes,
        service_s=service_s,
        attack_at_min={"dist": "uniform", "low": 0, "high": until},
    )
    fast = simulate_day(queue, Streams(seed, replication), "site", "zone")
    played = simulate_day_events(queue, Streams(seed, replication), "site", "zone")
    _assert_same_day(fast, played.day)
    assert played.peak_outside == fast.peak_outside
    assert np.array_equal(
        fast.entered_min,
        lanes_heap(
            fast.arrivals_min,
            queue.service_s.sample_many(
                Streams(seed, replication).get("queue-service", "site", "zone"), fast.visitors
            )
            / 60.0,
            lanes,
        ),
    )
