"""The shared incident state through which the sub-models talk.

Sub-models never call each other's internals: they wait on the incident's SimPy
events (``harm_started``, ``attack_ended``), and publish or subscribe to named
happenings with :meth:`Incident.emit` / :meth:`Incident.on` (``"detection"``,
``"alarm"``, ``"agency_alerted"``, ``"unit_arrived"``, ``"casualty"``...). Emitted
happenings are also the optional trace (the storyline of one replication) that
figures and the exercise mode read.

Times: the SimPy clock runs in minutes from the moment the attack starts at the
site (time 0). The planning window before it is drawn, not simulated on the same
clock (:mod:`vtsim.model.prevent`), so no time is a difference of large numbers.

Sub-models are components (:mod:`vtsim.model.component`): each is found by type,
``incident.component(Medical)``, not hung on the incident as an attribute. The threat's
mode (:mod:`vtsim.model.modes`) is ``incident.mode``: core sub-models ask it what differs
between modes and never test a mode by name.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import simpy

from vtsim.model.streams import Streams
from vtsim.scenario.schema import Scenario, Site, Threat, Zone

if TYPE_CHECKING:
    from vtsim.model.caches import Caches
    from vtsim.model.component import Component
    from vtsim.model.modes import ThreatMode

C = TypeVar("C", bound="Component")

NAN = math.nan

TRIAGE_CLASSES = ("killed_outright", "t1", "t2", "t3")


@dataclass(slots=True)
class Casualty:
    """One harmed person: when (minutes after attack start) and with which triage class."""

    id: int
    t_injured: float
    triage: str
    zone: str


@dataclass(slots=True)
class TraceEvent:
    t_min: float
    kind: str
    data: dict = field(default_factory=dict)


class Incident:
    """State of one replication: the threat, what has happened, and when."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        threat: Threat,
        streams: Streams,
        trace: bool = False,
        caches: Caches | None = None,
    ):
        from vtsim.model.modes import mode_of

        self.env = env
        self.scenario = scenario
        self.threat = threat
        self.mode: ThreatMode = mode_of(threat)
        self.caches = caches  # owned by the runner (vtsim.model.caches); None: no reuse
        self.site: Site = scenario.site(threat.site)
        self.zone: Zone = next(z for z in self.site.zones if z.id == threat.zone)
        self.streams = streams
        self.trace: list[TraceEvent] | None = [] if trace else None
        self._listeners: dict[str, list[Callable]] = defaultdict(list)

        self.reached_site = False  # the attack started (the plot was not interdicted)
        self.prevented = False
        self.days_to_interdiction = NAN
        # The adaptive attacker (vtsim.model.protect): the zone struck is the threat's zone
        # unless the attacker picked the densest (``at_densest``: a queue at its peak) or fell
        # back after a layer (``displaced_from``: that layer's id; ``zone`` is then the
        # fallback zone).
        self.at_densest = False
        self.displaced_from: str | None = None
        self.first_detection: float | None = None
        self.detection_layer: str | None = None
        self.alarm_time: float | None = None
        self.harm_start: float | None = None
        self.end_time: float | None = None
        self.ended_by: str | None = None
        self.first_responder: float | None = None
        self.alerted: dict[str, float] = {}
        # Agencies whose units another sub-model runs (EMS: the medical model's ambulances).
        self.units_handled_elsewhere: set[str] = set()
        self.casualties: list[Casualty] = []
        self._components: dict[type, Any] = {}

        self.attack_started = env.event()
        self.harm_started = env.event()
        self.attack_ended = env.event()

    # -- time -------------------------------------------------------------------------
    def now(self) -> float:
        """Minutes since the attack started."""
        return self.env.now

    # -- components -------------------------------------------------------------------
    def add_component(self, component: Component, kind: type | None = None) -> None:
        """Set up ``component``, found later by ``kind`` (default: its own class)."""
        self._components[kind or type(component)] = component

    def component(self, kind: type[C]) -> C:
        """The component of type ``kind`` (or a subclass) set up on this incident; raises
        ``LookupError`` if the scenario does not have it or the attack never started."""
        found = self._components.get(kind)
        if found is None:
            found = next((c for c in self._components.values() if isinstance(c, kind)), None)
            if found is None:
                raise LookupError(f"no {kind.__name__} component in this replication")
        return found

    def find(self, kind: type[C]) -> C | None:
        """The component of type ``kind``, or None (an optional sub-model, an interdicted
        plot)."""
        try:
            return self.component(kind)
        except LookupError:
            return None

    @property
    def ended(self) -> bool:
        return self.end_time is not None

    # -- happenings -------------------------------------------------------------------
    def on(self, kind: str, callback: Callable[..., None]) -> None:
        """Call ``callback(**data)`` whenever ``kind`` is emitted."""
        self._listeners[kind].append(callback)

    def emit(self, kind: str, **data) -> None:
        """Record a happening in the trace and tell its subscribers."""
        if self.trace is not None:
            self.trace.append(TraceEvent(self.now(), kind, data))
        for callback in self._listeners.get(kind, ()):
            callback(**data)

    # -- the lifecycle ----------------------------------------------------------------
    def start_attack(self) -> None:
        self.reached_site = True
        self.emit("attack_started", threat=self.threat.id, site=self.site.id, zone=self.zone.id)
        self.attack_started.succeed()

    def start_harm(self) -> None:
        self.harm_start = self.now()
        self.emit("harm_started")
        self.harm_started.succeed()

    def end_attack(self, how: str, **data) -> None:
        """End the attack once: ``neutralised``, ``stopped``, ``self_terminated``, ``completed``."""
        if self.ended:
            return
        self.end_time = self.now()
        self.ended_by = how
        self.emit("attack_ended", how=how, **data)
        self.attack_ended.succeed(how)

    def add_casualty(self, triage: str) -> Casualty:
        casualty = Casualty(len(self.casualties), self.now(), triage, self.zone.id)
        self.casualties.append(casualty)
        self.emit("casualty", casualty=casualty)
        return casualty
