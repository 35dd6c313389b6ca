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
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

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
        if not self.visitors:
            return 0
        times = np.concatenate([self.arrivals_min, self.entered_min])
        steps = np.concatenate([np.ones(self.visitors), -np.ones(self.visitors)])
        order = np.lexsort((-steps, times))  # at equal times count the arrival first
        return int(np.cumsum(steps[order]).max())

    @property
    def delay_min_total(self) -> float:
        return float(np.sum(self.entered_min - self.arrivals_min))


def simulate_day(queue: ScreeningQueue, streams, site_id: str, zone_id: str) -> QueueDay:
    """Simulate one opening period of a screening queue on its own named streams."""
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
    entered = _lanes(arrivals, service_min, queue.lanes)
    attack_at = queue.attack_at_min.sample(streams.get("queue-attack", site_id, zone_id))
    return QueueDay(arrivals, entered, attack_at)


def _lanes(arrivals: np.ndarray, service_min: np.ndarray, lanes: int) -> np.ndarray:
    """Times through screening with ``lanes`` identical lanes, first come first served.

    ``free`` is a heap of the times each lane next becomes free; a visitor takes the
    earliest one (heapreplace pops it and pushes the lane's new free time at once).
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
