"""The screening queue: visitors waiting outside the perimeter for screening lanes.

A queue zone (``zone.queue``) declares a piecewise-constant arrival rate from
the moment the gates open (a time-varying Poisson process), a number of
screening lanes and the time to screen one visitor. One replication simulates
the whole opening period once per queue zone:

- arrivals: per period, a Poisson count, then uniform arrival times inside the
  period (the standard construction of a Poisson process), stream
  ``("queue-arrivals", site, zone)``;
- screening: each visitor takes one draw of ``service_s`` in arrival order,
  stream ``("queue-service", site, zone)``; the lanes are identical servers
  taken first come, first served, computed exactly with the lane-free-time
  recursion (Kiefer-Wolfowitz): start = max(arrival, earliest free lane);
- the attack moment ``attack_at_min``, stream ``("queue-attack", site, zone)``.

The day is computed outside the SimPy event loop (``simulate_day``, the fast path).
``simulate_day_events`` plays the same day as SimPy processes (one per visitor, a
``simpy.Resource`` with one slot per lane) on the same draws: it gives the very same
floats and says how many SimPy events the fast path stands for (tests and benchmarks).

People counted outside are those who have arrived and are not yet through
screening. Their number at the attack moment is the zone's exposed crowd
(the occupancy the crowd model uses); the day's peak is ``queue_peak_outside``
and the summed time from arrival to entry is ``visitor_delay_min_total``.
Because the arrivals and the per-visitor draws do not depend on the lanes or
on a scaling of the service time, a measure adding lanes can only shorten every
visitor's delay on common random numbers, and slower screening only lengthen it.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import simpy

from vtsim.model.incident import Incident
from vtsim.scenario.screening import ScreeningQueue


@dataclass(frozen=True)
class QueueDay:
    """One simulated opening period of one screening queue (times in minutes after opening)."""

    arrivals_min: np.ndarray
    entered_min: np.ndarray  # when each visitor is through screening
    attack_at_min: float

    @property
    def visitors(self) -> int:
        return len(self.arrivals_min)

    def outside_at(self, t_min: float) -> int:
        """People arrived and not yet through screening at ``t_min``."""
        arrived = int(np.searchsorted(self.arrivals_min, t_min, side="right"))
        entered = int(np.count_nonzero(self.entered_min <= t_min))
        return arrived - entered

    @property
    def peak_outside(self) -> int:
        """Most people outside at once; at equal times an arrival counts before an entry.

        Put all arrivals and entries in time order, arrivals first at equal times. The
        count only rises at arrivals, so the peak is just after one: the ``j``-th arrival
        in that order, at position ``pos[j]``, has ``j`` arrivals and ``pos[j] - j``
        entries before it, so ``j + 1 - (pos[j] - j)`` people are outside after it. Integer
        counts: the same number as the running sum over the lexsorted +1/-1 steps (the
        reference in ``tests/test_queue_paths.py``), in a third of the time.
        """
        n = self.visitors
        if not n:
            return 0
        times = np.concatenate([self.arrivals_min, self.entered_min])
        if np.signbit(times).any():
            # Negative or -0.0 times (never from simulate_day): the trick below needs
            # times >= +0.0, so order them by a stable argsort (arrivals come first).
            arrival_in_order = np.argsort(times, kind="stable") < n
        else:
            # The bits of doubles >= +0.0, read as unsigned integers, sort as the numbers
            # do, and their top bit is 0: shift left one bit and mark entries with the low
            # bit, so a plain sort of the keys puts an arrival before an entry at the same
            # time. Sorting plain integers is twice as fast as an argsort.
            keys = times.view(np.uint64) << np.uint64(1)
            keys[n:] |= np.uint64(1)
            keys.sort()
            arrival_in_order = (keys & np.uint64(1)) == 0
        pos = np.flatnonzero(arrival_in_order)
        return int((2 * np.arange(n) + 1 - pos).max())

    @property
    def delay_min_total(self) -> float:
        return float(np.sum(self.entered_min - self.arrivals_min))


def _draws(
    queue: ScreeningQueue, streams, site_id: str, zone_id: str
) -> tuple[np.ndarray, np.ndarray, float]:
    """The day's random inputs: arrival times, service minutes, attack moment."""
    rng = streams.get("queue-arrivals", site_id, zone_id)
    chunks, start = [], 0.0
    for period in queue.arrivals:
        length = period.until_min - start
        count = int(rng.poisson(period.per_min * length)) if period.per_min > 0 else 0
        chunks.append(np.sort(start + length * rng.random(count)))
        start = period.until_min
    arrivals = np.concatenate(chunks) if chunks else np.empty(0)
    service_min = (
        queue.service_s.sample_many(streams.get("queue-service", site_id, zone_id), len(arrivals))
        / 60.0
    )
    attack_at = queue.attack_at_min.sample(streams.get("queue-attack", site_id, zone_id))
    return arrivals, service_min, attack_at


def simulate_day(queue: ScreeningQueue, streams, site_id: str, zone_id: str) -> QueueDay:
    """Simulate one opening period of a screening queue on its own named streams."""
    arrivals, service_min, attack_at = _draws(queue, streams, site_id, zone_id)
    return QueueDay(arrivals, _lanes(arrivals, service_min, queue.lanes), attack_at)


def _lanes(arrivals: np.ndarray, service_min: np.ndarray, lanes: int) -> np.ndarray:
    """Times through screening: :func:`_lanes_heap`'s recursion, the same floats, faster.

    On the harbour festival (7 lanes, ~7,500 visitors a day, 70 % of whom wait) this
    loop is most of the queue's cost, so it is kept tight: iterating memoryviews yields
    the same Python floats as ``tolist`` without building two lists, and an
    ``array('d')`` wrapped by ``frombuffer`` is cheaper than an array built from a list.
    One lane needs no heap: its free time is the previous visitor's entry.

    A hybrid (numpy for stretches where nobody waits, this loop for busy ones) was tried
    and lost: both bundled queues are busy most of the day, and numpy's per-call cost
    outweighs the visitors it saves; it only won on a nearly idle queue.
    """
    arrivals = np.ascontiguousarray(arrivals, dtype=np.float64)
    service_min = np.ascontiguousarray(service_min, dtype=np.float64)
    out = array("d")
    append = out.append
    if lanes == 1:
        free = 0.0
        for a, s in zip(memoryview(arrivals), memoryview(service_min)):
            free = (a if a > free else free) + s
            append(free)
    else:
        # The earliest free time is kept out of the heap of the other lanes: the visitor
        # takes it, and heappushpop puts the lane's new free time in and takes the new
        # earliest out, returning at once without touching the heap when that is the
        # same lane again. The same free times as heapreplace, one lookup fewer.
        earliest, heap = 0.0, [0.0] * (lanes - 1)
        pushpop = heapq.heappushpop
        for a, s in zip(memoryview(arrivals), memoryview(service_min)):
            done = (a if a > earliest else earliest) + s
            earliest = pushpop(heap, done)
            append(done)
    return np.frombuffer(out, dtype=np.float64)


def _lanes_heap(arrivals: np.ndarray, service_min: np.ndarray, lanes: int) -> np.ndarray:
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
    arrivals, service_min, attack_at = _draws(queue, streams, site_id, zone_id)
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


@dataclass(frozen=True)
class QueueSummary:
    """What the rest of the model needs of a queue day: three numbers."""

    outside_at_attack: int
    peak_outside: int
    delay_min_total: float


_SUMMARIES: OrderedDict[tuple, QueueSummary] = OrderedDict()
_SUMMARIES_KEPT = 4096


def summary(queue: ScreeningQueue, streams, site_id: str, zone_id: str) -> QueueSummary:
    """A queue day's summary, remembered in this process.

    The day is a pure function of (seed, replication, site, zone, queue parameters) and
    draws only from its own streams, so every package that leaves the queue alone would
    replay the very same day: it is simulated once and looked up after that (the cache
    holds a few numbers per day, a few thousand days at most).
    """
    key = (streams.seed, streams.replication, site_id, zone_id, queue.model_dump_json())
    found = _SUMMARIES.get(key)
    if found is not None:
        _SUMMARIES.move_to_end(key)
        return found
    day = simulate_day(queue, streams, site_id, zone_id)
    found = QueueSummary(day.outside_at(day.attack_at_min), day.peak_outside, day.delay_min_total)
    _SUMMARIES[key] = found
    if len(_SUMMARIES) > _SUMMARIES_KEPT:
        _SUMMARIES.popitem(last=False)
    return found


def clear_cache() -> None:
    """Forget remembered queue days (benchmarks time the simulation, not the lookup)."""
    _SUMMARIES.clear()


def days(incident: Incident) -> dict[tuple[str, str], QueueSummary]:
    """Every queue zone's day in this replication, summarised (computed once, then kept)."""
    cached = incident.queue_days
    if cached is None:
        cached = {
            (site.id, zone.id): summary(zone.queue, incident.streams, site.id, zone.id)
            for site in incident.scenario.sites
            for zone in site.zones
            if zone.queue is not None
        }
        incident.queue_days = cached
    return cached


def occupancy(incident: Incident) -> int:
    """People queueing in the attacked zone when the attack starts."""
    return days(incident)[(incident.site.id, incident.zone.id)].outside_at_attack


def install(incident: Incident) -> None:
    """Nothing to wire: the queue is simulated on demand (crowd occupancy, metrics)."""


def metrics(incident: Incident) -> dict[str, float]:
    """The burden of screening over the opening period, whether or not an attack happened."""
    found = days(incident)
    if not found:
        return {"visitor_delay_min_total": math.nan, "queue_peak_outside": math.nan}
    return {
        "visitor_delay_min_total": sum(d.delay_min_total for d in found.values()),
        "queue_peak_outside": float(max(d.peak_outside for d in found.values())),
    }
