"""Mass decontamination after a release: a line served by stations (``cbrn_release``).

The line is a SimPy ``PriorityStore`` served by ``stations`` station processes that open
``setup_min`` after the release is detected: the same as a resource of that capacity,
without re-sorting a long queue on every request. Casualties come before people who
walked out; among casualties, by severity with ``pre_triage``, else first come first
served. Each person takes ``minutes_per_person``; a casualty's :meth:`Line.done` event
fires (and a ``decontaminated`` happening is emitted) when it leaves.
"""

from __future__ import annotations

import simpy

from vtsim.model.incident import TRIAGE_CLASSES, Casualty, Incident


class Line:
    """The decontamination line of one release."""

    def __init__(self, incident: Incident):
        self.incident = incident
        self.waiting = simpy.PriorityStore(incident.env)  # people waiting, casualties first
        self.joined = 0
        self.served = 0
        self.waits: list[float] = []
        self.last: float | None = None
        self._done: dict[int, simpy.Event] = {}

    def done(self, casualty_id: int) -> simpy.Event:
        """The event of casualty ``casualty_id`` leaving decontamination."""
        found = self._done.get(casualty_id)
        if found is None:
            found = self._done[casualty_id] = self.incident.env.event()
        return found

    def join(self, casualty: Casualty | None) -> None:
        """Join the line: a casualty, or (None) a person who walked out unharmed."""
        incident = self.incident
        self.joined += 1
        if casualty is None:
            priority: tuple = (1, 0, self.joined)
        elif incident.site.cbrn.decontamination.pre_triage:  # by severity, then arrival
            priority = (0, TRIAGE_CLASSES.index(casualty.triage), self.joined)
        else:
            priority = (0, 0, self.joined)
        self.waiting.put(simpy.PriorityItem(priority, (incident.now(), casualty)))

    def open(self):
        """SimPy process: the stations open ``setup_min`` after detection."""
        incident = self.incident
        rng = incident.streams.get("decontamination", incident.site.id)
        setup = incident.site.cbrn.decontamination.setup_min.sample(rng)
        yield incident.env.timeout(max(setup, 0.0))
        decon = incident.site.cbrn.decontamination  # as of now: a decision may have changed it
        for _ in range(decon.stations):
            incident.env.process(self._station(decon.minutes_per_person))

    def _station(self, minutes_per_person: float):
        incident = self.incident
        while True:
            item = yield self.waiting.get()
            arrived, casualty = item.item
            self.waits.append(incident.now() - arrived)
            yield incident.env.timeout(minutes_per_person)
            self.served += 1
            self.last = incident.now()
            if casualty is not None:
                self.done(casualty.id).succeed()
                incident.emit("decontaminated", casualty=casualty)
