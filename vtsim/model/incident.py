"""The shared incident state through which the sub-models talk.

Sub-models never call each other's internals: they wait on the incident's SimPy
events (``harm_started``, ``attack_ended``), and publish or subscribe to named
happenings with :meth:`Incident.emit` / :meth:`Incident.on` (``"detection"``,
``"alarm"``, ``"agency_alerted"``, ``"unit_arrived"``, ``"casualty"``...). Emitted
happenings are also the optional trace (the storyline of one replication) that
figures and the exercise mode read.

Times: the SimPy clock runs in minutes from the start of planning; ``t0`` is
the moment the attack starts at the site, and everything reported is relative
to it (:meth:`Incident.now`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import simpy

from vtsim.model.streams import Streams
from vtsim.scenario.schema import Scenario, Site, Threat, Zone

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
    ):
        self.env = env
        self.scenario = scenario
        self.threat = threat
        self.site: Site = scenario.site(threat.site)
        self.zone: Zone = next(z for z in self.site.zones if z.id == threat.zone)
        self.streams = streams
        self.trace: list[TraceEvent] | None = [] if trace else None
        self._listeners: dict[str, list[Callable]] = defaultdict(list)

        self.t0: float | None = None  # attack start, minutes on the SimPy clock
        self.prevented = False
        self.days_to_interdiction = NAN
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
        # Alert edges and units already started, so a decision mid-incident starts only new ones.
        self.response_started: set[tuple] = set()
        self.queue_days: dict | None = None  # screening-queue summaries (model.queue)
        self.casualties: list[Casualty] = []
        self.crowd = None  # set by the crowd sub-model when the attack starts
        self.exposed_at_onset = 0

        self.attack_started = env.event()
        self.harm_started = env.event()
        self.attack_ended = env.event()

    # -- time -------------------------------------------------------------------------
    def now(self) -> float:
        """Minutes since the attack started (negative during planning)."""
        return self.env.now - (self.t0 if self.t0 is not None else self.env.now)

    @property
    def reached_site(self) -> bool:
        return self.t0 is not None

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
        self.t0 = self.env.now
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
