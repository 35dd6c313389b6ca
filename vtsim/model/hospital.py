"""A hospital's emergency treatment places as a SimPy ``PriorityResource``.

Capacity that changes over time (a surge plan opening places, a failed power
supply closing them) is modelled with *blockers*: the resource is built with
every place it can ever have, and places not open are held by blocker requests
of top priority. Opening a place releases a blocker; closing one queues a
blocker, which takes the next place a patient frees (nobody is thrown out of
treatment). Patients queue by priority (0 = T1 first), first come first served
within a priority: with one priority and exponential times it is an M/M/c queue,
which the tests check against Erlang C and Little's law.

Overload is measured as the minutes during which at least one patient waits.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy

_BLOCKER = -1  # served before any patient


class HospitalUnit:
    """Treatment places of one hospital, with waiting, overload and Little's-law tallies."""

    def __init__(
        self,
        env: simpy.Environment,
        hospital_id: str,
        capacity: int,
        most: int,
        areas: dict[int, int] | None = None,
    ):
        self.env = env
        self.id = hospital_id
        self.places = simpy.PriorityResource(env, capacity=max(capacity, most))
        # Separate areas (e.g. minor injuries) by priority: patients of that class never
        # queue for, nor count in the overload of, the emergency places.
        self.areas = {k: simpy.Resource(env, capacity=n) for k, n in (areas or {}).items()}
        self.blockers: list = [
            self.places.request(priority=_BLOCKER) for _ in range(max(0, most - capacity))
        ]
        self.open_places = capacity
        self.waiting = 0
        self.in_system = 0
        self.admitted = 0
        self.overload_min = 0.0
        self._overload_since: float | None = None
        self._area = 0.0  # integral of patients in system (waiting + treated) over time
        self._last = env.now
        self.on_full: Callable[[], None] | None = None

    # -- capacity ----------------------------------------------------------------------
    def open(self, n: int) -> None:
        """Open ``n`` more places (a surge plan, a facility back up)."""
        for _ in range(min(n, len(self.blockers))):
            blocker = self.blockers.pop()
            blocker.cancel()
            self.places.release(blocker)
            self.open_places += 1

    def close(self, n: int) -> None:
        """Close ``n`` places as patients free them (a facility it depends on is down)."""
        n = min(n, self.open_places)
        for _ in range(n):
            self.blockers.append(self.places.request(priority=_BLOCKER))
            self.open_places -= 1

    # -- patients ----------------------------------------------------------------------
    def treat(self, priority: int, treatment_min: float, still_needed: Callable[[], bool]):
        """SimPy process: queue for a place, then hold it for ``treatment_min``.

        ``still_needed()`` is asked when a place is granted (a patient who died
        waiting gives it back at once). Returns the minutes waited.
        """
        arrived = self.env.now
        self._tally(+1)
        self.admitted += 1
        area = self.areas.get(priority)
        resource = self.places if area is None else area
        request = self.places.request(priority=priority) if area is None else area.request()
        if not request.triggered:
            if area is None:
                self._waiting(+1)
            yield request
            if area is None:
                self._waiting(-1)
        waited = self.env.now - arrived
        try:
            if still_needed():
                yield self.env.timeout(treatment_min)
        finally:
            resource.release(request)
            self._tally(-1)
        return waited

    def _waiting(self, delta: int) -> None:
        now = self.env.now
        if delta > 0 and self.waiting == 0:
            self._overload_since = now
            if self.on_full is not None:
                self.on_full()
        self.waiting += delta
        if self.waiting == 0 and self._overload_since is not None:
            self.overload_min += now - self._overload_since
            self._overload_since = None

    def _tally(self, delta: int) -> None:
        now = self.env.now
        self._area += self.in_system * (now - self._last)
        self._last = now
        self.in_system += delta

    # -- reading -----------------------------------------------------------------------
    def overload_until(self, t: float) -> float:
        """Minutes with patients waiting, counting an episode still open at ``t``."""
        if self._overload_since is None:
            return self.overload_min
        return self.overload_min + max(0.0, t - self._overload_since)

    def mean_in_system(self, t_start: float, t_end: float) -> float:
        """Time-average patients in the hospital over [t_start, t_end] (t_start: creation)."""
        area = self._area + self.in_system * (t_end - self._last)
        return area / (t_end - t_start)


# --------------------------------------------------------------------------- destination


def _accepting(cfg, label: str) -> list:
    """The hospitals of a medical section that accept ``label`` (all, if none does)."""
    return [h for h in cfg.hospitals if label in h.accepts] or cfg.hospitals


def nearest(cfg, label: str) -> str:
    """The nearest hospital that accepts ``label`` (where the walking wounded go)."""
    return min(_accepting(cfg, label), key=lambda h: h.distance_km).id


def destination(cfg, label: str, received: dict, units: dict) -> str:
    """Where an ambulance takes a patient labelled ``label``: the nearest accepting
    hospital, or with ``destination: balanced`` the one with the fewest patients received
    per open place (then the nearest)."""
    if cfg.destination == "balanced":
        return min(
            _accepting(cfg, label),
            key=lambda h: (received[h.id] / max(1, units[h.id].open_places), h.distance_km),
        ).id
    return nearest(cfg, label)
