"""Reference (slow) implementations of the screening-queue day, kept for tests and the
event-count benchmark: the plain lane recursion with a heap, and the same day played as
SimPy processes. ``vtsim.model.queue.simulate_day`` must equal both, bit for bit.
"""

from __future__ import annotations

import heapq
from typing import NamedTuple

import numpy as np
import simpy

from vtsim.model.queue import QueueDay, draws
from vtsim.scenario.screening import ScreeningQueue


def lanes_heap(arrivals: np.ndarray, service_min: np.ndarray, lanes: int) -> np.ndarray:
    """Times through screening with ``lanes`` identical lanes, first come first served.

    The reference recursion (kept as written, for tests): ``free`` is a heap of the
    times each lane next becomes free; a visitor takes the earliest one (heapreplace
    pops it and pushes the lane's new free time at once).
    """
    free = [0.0] * lanes
    entered = [0.0] * len(arrivals)
    replace = heapq.heapreplace
    for i, (a, s) in enumerate(zip(arrivals.tolist(), service_min.tolist())):
        earliest = free[0]
        done = (a if a > earliest else earliest) + s
        replace(free, done)
        entered[i] = done
    return np.asarray(entered)


class EventDay(NamedTuple):
    """A queue day played as SimPy events (:func:`simulate_day_events`)."""

    day: QueueDay
    events: int  # SimPy events processed: calls to ``Environment.step``
    peak_outside: int  # most people outside, counted as the events happened


def simulate_day_events(queue: ScreeningQueue, streams, site_id: str, zone_id: str) -> EventDay:
    """The same day as :func:`simulate_day`, played in SimPy on the same streams and draws."""
    arrivals, service_min, attack_at = draws(queue, streams, site_id, zone_id)
    entered, events, peak = _lanes_events(arrivals, service_min, queue.lanes)
    return EventDay(QueueDay(arrivals, entered, attack_at), events, peak)


def _lanes_events(
    arrivals: np.ndarray, service_min: np.ndarray, lanes: int
) -> tuple[np.ndarray, int, int]:
    """Each visitor a process: wait for its arrival, take a lane, hold it for its service.

    Arrivals are timeouts from time 0, so ``env.now`` is the arrival float itself, and
    the entry is ``start + service`` as in the recursion. Visitors arriving at the same
    time request a lane in index order (their timeouts were scheduled in that order) and
    ``simpy.Resource`` serves requests first come, first served. Returns the entry
    times, the number of events processed (one ``env.step`` each) and the peak count
    outside, tallied as arrivals and entries happen. At equal times SimPy takes events
    in the order they were scheduled; every arrival was scheduled at time 0, before any
    entry, so an arrival is counted before an entry at the same time, as
    :attr:`QueueDay.peak_outside` counts.
    """
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=lanes)
    entered = [0.0] * len(arrivals)
    tally = {"outside": 0, "peak": 0}

    def visitor(i: int, a: float, s: float):
        yield env.timeout(a)
        tally["outside"] += 1
        tally["peak"] = max(tally["peak"], tally["outside"])
        with desk.request() as lane:
            yield lane
            yield env.timeout(s)
        entered[i] = env.now
        tally["outside"] -= 1

    for i, (a, s) in enumerate(zip(arrivals.tolist(), service_min.tolist())):
        env.process(visitor(i, a, s))
    events = 0
    try:
        while True:
            env.step()
            events += 1
    except simpy.core.EmptySchedule:
        pass
    return np.asarray(entered, dtype=np.float64), events, tally["peak"]
