"""What a runner may keep between replications to save work, never changing a result.

The model core keeps no state between calls: ``simulate(scenario, seed, replication)``
is a pure function. A runner or executor that plays many replications in one process
makes one :class:`Caches` and passes it in (``simulate(..., caches=...)``); the model
then looks up what it would otherwise recompute:

- a screening-queue day, a pure function of (seed, replication, site, zone, queue
  parameters) drawn from its own streams, so every package that leaves the queue alone
  replays the very same day;
- the network of a (frozen) infrastructure section.

Both are bounded (least recently used entries are dropped).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class _Bounded:
    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key, compute: Callable[[], T]) -> T:
        entries = self.entries
        found = entries.get(key)
        if found is not None:
            entries.move_to_end(key)
            return found
        found = compute()
        entries[key] = found
        if len(entries) > self.size:
            entries.popitem(last=False)
        return found


class Caches:
    """Per-process caches owned by a runner (see the module docstring)."""

    def __init__(self, queue_days: int = 4096, networks: int = 32):
        self._queue_days = _Bounded(queue_days)
        self._networks = _Bounded(networks)

    def queue_day(self, key: tuple, compute: Callable[[], T]) -> T:
        """A screening-queue day's summary, by (seed, replication, site, zone, queue)."""
        return self._queue_days.get(key, compute)

    def network(self, infra, build: Callable[[], T]) -> T:
        """The network of an infrastructure section (by identity: sections are frozen)."""
        hit = self._networks.get(id(infra), lambda: (infra, build()))
        if hit[0] is not infra:  # the id of a section since freed, reused by a new one
            hit = (infra, build())
            self._networks.entries[id(infra)] = hit
        return hit[1]

    def clear(self) -> None:
        self._queue_days.entries.clear()
        self._networks.entries.clear()
