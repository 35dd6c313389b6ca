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
``tests/queue_reference.py`` plays the same day as SimPy processes (one per visitor, a
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
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from vtsim.model.component import Column, Component
from vtsim.scenario.schema import Group, groups_of
from vtsim.scenario.screening import ScreeningQueue

if TYPE_CHECKING:
    from vtsim.model.incident import Incident
    from vtsim.scenario.schema import Scenario


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


def draws(
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
    arrivals, service_min, attack_at = draws(queue, streams, site_id, zone_id)
    return QueueDay(arrivals, _lanes(arrivals, service_min, queue.lanes), attack_at)


def _lanes(arrivals: np.ndarray, service_min: np.ndarray, lanes: int) -> np.ndarray:
    """Times through screening: the lane recursion of ``tests/queue_reference.py``, faster.

    On the harbour festival (7 lanes, ~7,500 visitors a day, 70 % of whom wait) this
    loop is most of the queue's cost, so it is kept tight: iterating memoryviews (the
    arrays' ``.data``) yields the same Python floats as ``tolist`` without building two
    lists, and an ``array('d')`` wrapped by ``frombuffer`` is cheaper than an array built
    from a list.
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
        for a, s in zip(arrivals.data, service_min.data):
            free = (a if a > free else free) + s
            append(free)
    else:
        # The earliest free time is kept out of the heap of the other lanes: the visitor
        # takes it, and heappushpop puts the lane's new free time in and takes the new
        # earliest out, returning at once without touching the heap when that is the
        # same lane again. The same free times as heapreplace, one lookup fewer.
        earliest, heap = 0.0, [0.0] * (lanes - 1)
        pushpop = heapq.heappushpop
        for a, s in zip(arrivals.data, service_min.data):
            done = (a if a > earliest else earliest) + s
            earliest = pushpop(heap, done)
            append(done)
    return np.frombuffer(out, dtype=np.float64)


@dataclass(frozen=True)
class GroupDay:
    """One population group's share of a queue day (zones that declare ``groups``)."""

    visitors: int
    delay_min_total: float
    peak_outside: int
    outside_at_attack: int
    outside_at_peak: int  # of the whole queue's densest moment


@dataclass(frozen=True)
class QueueSummary:
    """What the rest of the model needs of a queue day: three numbers (and, for a zone with
    population groups, each group's share of them)."""

    outside_at_attack: int
    peak_outside: int
    delay_min_total: float
    groups: dict[str, GroupDay] | None = None


def summarise(day: QueueDay) -> QueueSummary:
    return QueueSummary(day.outside_at(day.attack_at_min), day.peak_outside, day.delay_min_total)


def simulate_group_day(
    queue: ScreeningQueue, groups: list[Group], streams, site_id: str, zone_id: str
) -> QueueSummary:
    """A queue day with population groups: the same arrivals and service draws as without
    them; each visitor's group is drawn on its own stream ``("queue-groups", site, zone)``
    (by the groups' shares); their service time is scaled by their group's
    ``screening.service_factor``; a group with lane ``own`` is served only by its own lanes
    (taken from the queue's), the others share the rest."""
    arrivals, service_min, attack_at = draws(queue, streams, site_id, zone_id)
    n = len(arrivals)
    u = streams.get("queue-groups", site_id, zone_id).random(n)
    edges = np.cumsum([g.share for g in groups])
    member = np.minimum(np.searchsorted(edges / edges[-1], u, side="right"), len(groups) - 1)
    factors = np.array([g.screening.service_factor for g in groups])
    service_min = service_min * factors[member]
    entered = np.empty(n)
    own_lanes = 0
    shared = np.ones(n, dtype=bool)
    for k, g in enumerate(groups):
        if g.screening.lane == "own":
            mine = member == k
            shared &= ~mine
            own_lanes += g.screening.lanes
            entered[mine] = _lanes(arrivals[mine], service_min[mine], g.screening.lanes)
    if shared.any():
        entered[shared] = _lanes(arrivals[shared], service_min[shared], queue.lanes - own_lanes)
    day = QueueDay(arrivals, entered, attack_at)
    # The densest moment: just after the arrival that makes the peak (arrivals first at ties).
    times = np.concatenate([arrivals, entered])
    is_arrival = np.arange(2 * n) < n
    order = np.lexsort((~is_arrival, times))
    running = np.cumsum(np.where(is_arrival[order], 1, -1))
    t_peak = float(times[order][int(np.argmax(running))]) if n else 0.0
    found = {}
    for k, g in enumerate(groups):
        mine = member == k
        sub = QueueDay(arrivals[mine], entered[mine], attack_at)
        found[g.id] = GroupDay(
            visitors=sub.visitors,
            delay_min_total=sub.delay_min_total,
            peak_outside=sub.peak_outside,
            outside_at_attack=sub.outside_at(attack_at),
            outside_at_peak=sub.outside_at(t_peak),
        )
    return QueueSummary(
        day.outside_at(attack_at), day.peak_outside, day.delay_min_total, groups=found
    )


def summary(
    queue: ScreeningQueue,
    streams,
    site_id: str,
    zone_id: str,
    caches=None,
    groups: list[Group] | None = None,
):
    """A queue day's summary. The day is a pure function of (seed, replication, site, zone,
    queue parameters) drawn from its own streams, so every package that leaves the queue
    alone replays the very same day: a runner's :class:`~vtsim.model.caches.Caches`
    (``caches``) remembers it. With population ``groups``: :func:`simulate_group_day`."""
    if groups:
        chosen = groups

        def compute() -> QueueSummary:
            return simulate_group_day(queue, chosen, streams, site_id, zone_id)
    else:

        def compute() -> QueueSummary:
            return summarise(simulate_day(queue, streams, site_id, zone_id))

    if caches is None:
        return compute()
    key: tuple = (streams.seed, streams.replication, site_id, zone_id, queue.model_dump_json())
    if groups:
        key += tuple(g.model_dump_json() for g in groups)
    return caches.queue_day(key, compute)


class ScreeningQueues(Component):
    """Every screening queue of the scenario over its opening period. The day happens
    whether or not an attack does, so it is set up before the attack (and reported for
    interdicted plots too); the crowd of an attack on a queue is the people in it then."""

    name: ClassVar[str] = "screening queue"
    runs_before_attack: ClassVar[bool] = True

    @classmethod
    def columns(cls, scenario: Scenario) -> list[Column]:
        return [
            Column(
                "visitor_delay_min_total",
                "person-min",
                "Visitors' summed time from arrival to the end of screening over the day.",
            ),
            Column("queue_peak_outside", "people", "Most people queueing outside at once."),
        ]

    def __init__(self, incident: Incident):
        super().__init__(incident)
        self.days = {
            (site.id, zone.id): summary(
                zone.queue,
                incident.streams,
                site.id,
                zone.id,
                incident.caches,
                groups_of(site, zone) or None,
            )
            for site in incident.scenario.sites
            for zone in site.zones
            if zone.queue is not None
        }

    def outside_at_attack(self, site_id: str, zone_id: str) -> int:
        """People queueing in a zone when the attack starts."""
        return self.days[(site_id, zone_id)].outside_at_attack

    def peak_outside(self, site_id: str, zone_id: str) -> int:
        """The most people queueing in a zone at once that day (the densest moment)."""
        return self.days[(site_id, zone_id)].peak_outside

    def groups_at_attack(self, site_id: str, zone_id: str, densest: bool) -> dict[str, int]:
        """People of each population group queueing in a zone when the attack starts (at
        the day's densest moment with ``densest``); empty without groups."""
        found = self.days[(site_id, zone_id)].groups or {}
        return {
            gid: (g.outside_at_peak if densest else g.outside_at_attack) for gid, g in found.items()
        }

    def group_days(self) -> dict[str, list[GroupDay]]:
        """Each population group's share of every queue day (by group id)."""
        out: dict[str, list[GroupDay]] = {}
        for day in self.days.values():
            for gid, g in (day.groups or {}).items():
                out.setdefault(gid, []).append(g)
        return out

    def metrics(self) -> dict[str, float]:
        """The burden of screening over the opening period."""
        found = self.days
        if not found:
            return {"visitor_delay_min_total": math.nan, "queue_peak_outside": math.nan}
        return {
            "visitor_delay_min_total": sum(d.delay_min_total for d in found.values()),
            "queue_peak_outside": float(max(d.peak_outside for d in found.values())),
        }
