"""Recover (infrastructure): outages, their cascade as backups run out, and restoration.

The story of one replication, in simulated time (minutes on the SimPy clock):

1. The attack hits a facility (``threat.facility``). A physical attack damages it
   when harm starts. A ``cyber_intrusion`` stays hidden for its dwell time
   (``threat.dwell_hours``) and then takes the facility down, and with it every
   facility it ``controls`` (tripped remotely); if the defenders detect it first
   (``infrastructure.cyber_detection_hours``) it does nothing.
2. Service is recomputed only when something changes (a facility goes down or
   comes back, a backup runs out): dependants of a lost service keep going on
   backup for their autonomy, then drop out, and so on down the chain. Every
   change emits ``facility_down`` / ``facility_up`` (facility, sector), which
   hospitals and sites that depend on a facility listen to.
3. Repair crews (each unit a SimPy process, a resource that serves one job at a
   time) take the waiting job that comes first by the restoration rule, travel,
   repair or reset it on site; mutual-aid crews become available later. With
   ``restoration.manual_operation``, facilities tripped remotely skip the queue:
   each gets its own team, all at once, and is back ``dispatch_hours`` + its
   ``reset_hours`` after the trip (the 2015 Ukrainian grid was restored so). A
   facility is *repaired* when its crew (or team) finishes, and *in service*
   only when what it needs is back too.

Metrics (per replication, see :mod:`vtsim.model.infrastructure_metrics`):
customer hours lost per sector and in total, days to 95 % service, resilience
loss (days of full service lost, population weighted) and the service curves
Q(t) on a grid, from which the figures draw median and 10-90 % bands.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from vtsim.errors import VtsimError
from vtsim.model.component import Column, Component
from vtsim.model.incident import Incident
from vtsim.model.infrastructure_metrics import Q_COLUMN, curve_metrics
from vtsim.model.infrastructure_network import Network
from vtsim.scenario.infrastructure import Crew, Infrastructure

if TYPE_CHECKING:
    from vtsim.model.caches import Caches
    from vtsim.scenario.schema import Scenario

MIN_PER_HOUR = 60.0
MIN_PER_DAY = 1440.0


def network_for(infra: Infrastructure, caches: Caches | None = None) -> Network:
    """The network of a (frozen) infrastructure section; a runner's caches keep it."""
    if caches is None:
        return Network(infra)
    return caches.network(infra, lambda: Network(infra))


def horizon_min(incident: Incident) -> float:
    """Minutes after the attack start that the infrastructure needs simulated (0 without
    one): the recovery window counts from the first disruption (for a cyber intrusion,
    the end of its dwell time), known once the component is set up."""
    infra = incident.scenario.infrastructure
    if infra is None:
        return 0.0
    grid = incident.find(Grid)
    offset = grid.origin if grid is not None else 0.0
    return offset + infra.horizon_days * MIN_PER_DAY


@dataclass(frozen=True)
class Strike:
    """What an attack does to the facility it names (asked of the threat's mode):
    ``process(grid, facility)`` is the SimPy process that takes it down, ``delay_min``
    when the service curves start (the first disruption), and ``detected`` whether the
    defenders detected it in time (NaN where that does not apply)."""

    process: Callable[[Grid, int], Generator]
    delay_min: float = 0.0
    detected: float = math.nan


def physical_strike(grid: Grid, facility: int):
    """A physical attack damages its facility when harm starts."""
    yield grid.incident.harm_started
    grid.take_down(facility, "repair")
    grid.recompute()


@dataclass(slots=True)
class Job:
    facility: int
    kind: str  # "repair" (damaged) or "reset" (tripped remotely)
    duration_min: float
    seq: int


class Grid(Component):
    """The city's infrastructure during one replication."""

    name: ClassVar[str] = "infrastructure"

    @classmethod
    def applies_to(cls, scenario: Scenario) -> bool:
        return scenario.infrastructure is not None

    @classmethod
    def columns(cls, scenario: Scenario) -> list[Column]:
        infra = scenario.infrastructure
        if infra is None:
            return []
        return [
            Column(name, *_describe(name))
            for name in _metrics(Network(infra), infra, None, math.nan)
        ]

    @classmethod
    def interdicted_metrics(cls, incident: Incident) -> dict[str, float]:
        """An interdicted plot: the city never loses service."""
        infra = incident.scenario.infrastructure
        assert infra is not None  # the component applies only with an infrastructure section
        return _metrics(network_for(infra, incident.caches), infra, None, math.nan)

    def __init__(self, incident: Incident):
        super().__init__(incident)
        infra = incident.scenario.infrastructure
        assert infra is not None  # the component applies only with an infrastructure section
        strike = incident.mode.strike_facility(incident)
        self.env = incident.env
        self.infra: Infrastructure = infra
        self.net = net = network_for(infra, incident.caches)
        self.origin = self.env.now + strike.delay_min  # t = 0 of the service curves
        self.disrupted = self.env.event()  # the first facility taken down
        self.up = [True] * len(net)
        self.lost_since: list[float | None] = [None] * len(net.needs)
        self.in_service = net.service(self.up, self.lost_since, self.env.now)
        self.history: list[tuple[float, dict[str, float]]] = [(0.0, self._served())]
        self.jobs: list[Job] = []
        self.job_posted = self.env.event()
        self._seq = 0
        self._wakeups: set[float] = set()
        self.ever_out: set[int] = set()
        self.restored_at: dict[int, float] = {}  # facility -> minutes after the origin
        self.repaired: list[tuple[str, float]] = []  # (facility id, minutes after the origin)
        self.intrusion_detected: float = strike.detected
        self._priority = _priority_key(net, infra)
        self._units: dict[str, int] = {}  # crew id -> units started
        if incident.threat.facility is not None:
            target = net.index[incident.threat.facility]
            incident.env.process(strike.process(self, target))
        self.call_out_crews()
        incident.on("scenario_changed", lambda **_: self.follow(incident.scenario.infrastructure))

    def metrics(self) -> dict[str, float]:
        return _metrics(self.net, self.infra, self, self.intrusion_detected)

    # ------------------------------------------------------------------ state changes
    def _served(self) -> dict[str, float]:
        net = self.net
        return {
            s: sum(net.population[i] for i in net.members[s] if self.in_service[i])
            for s in net.sectors
        }

    def recompute(self) -> None:
        net, now = self.net, self.env.now
        new = net.service(self.up, self.lost_since, now)
        changed = [i for i, (a, b) in enumerate(zip(self.in_service, new, strict=True)) if a != b]
        self.in_service = new
        t = now - self.origin
        for i in changed:
            kind = "facility_up" if new[i] else "facility_down"
            if new[i]:
                self.restored_at[i] = t
            else:
                self.ever_out.add(i)
            self.incident.emit(kind, facility=net.ids[i], sector=net.sector[i])
        if changed:
            if self.history[-1][0] == t:
                self.history.pop()
            self.history.append((t, self._served()))
        for when in net.expiries(self.lost_since, now):
            if when not in self._wakeups:
                self._wakeups.add(when)
                self.env.process(self._wake(when - now))

    def _wake(self, delay_min: float):
        yield self.env.timeout(delay_min)
        self.recompute()

    def take_down(self, i: int, kind: str) -> None:
        """A facility stops (damaged or tripped) and waits for a crew."""
        if not self.up[i]:
            return
        self.up[i] = False
        fid = self.net.ids[i]
        facility = self.infra.facilities[i]
        dist = facility.repair_hours if kind == "repair" else facility.reset_hours
        duration = dist.sample(self.incident.streams.get(kind, fid)) * MIN_PER_HOUR
        job = Job(i, kind, max(0.0, duration), self._seq)
        self._seq += 1
        self.incident.emit(
            "facility_" + ("damaged" if kind == "repair" else "tripped"), facility=fid
        )
        manual = self.infra.restoration.manual_operation
        if kind == "reset" and manual is not None and _by_hand(manual.sectors, self.net, i):
            # Its own team, at once: no crew, no queue (the 2015 Ukrainian restoration).
            dispatch = manual.dispatch_hours.sample(
                self.incident.streams.get("manual-dispatch", fid)
            )
            self.env.process(_operate_by_hand(self, job, max(0.0, dispatch) * MIN_PER_HOUR))
        else:
            self.jobs.append(job)
            posted, self.job_posted = self.job_posted, self.env.event()
            posted.succeed()
        if not self.disrupted.triggered:
            self.disrupted.succeed()

    def job_done(self, job: Job) -> None:
        self.up[job.facility] = True
        fid = self.net.ids[job.facility]
        self.repaired.append((fid, self.env.now - self.origin))
        self.incident.emit("facility_repaired", facility=fid, sector=self.net.sector[job.facility])
        self.recompute()

    def next_job(self, crew: Crew) -> Job | None:
        eligible = [
            j
            for j in self.jobs
            if crew.sectors is None or self.net.sector[j.facility] in crew.sectors
        ]
        if not eligible:
            return None
        job = min(eligible, key=self._priority)
        self.jobs.remove(job)
        return job

    def call_out_crews(self) -> None:
        """Start a process for every crew unit not yet started (more after a decision)."""
        for crew in self.infra.crews:
            for unit in range(self._units.get(crew.id, 0), crew.count):
                self.env.process(_crew_unit(self, crew, unit))
            self._units[crew.id] = max(crew.count, self._units.get(crew.id, 0))

    def follow(self, infra: Infrastructure | None) -> None:
        """An exercise decision changed the scenario: from now on follow its infrastructure
        (backup autonomy, redundant feeds, restoration rule, more crews or mutual aid).
        What is under way keeps its course; the facilities themselves cannot change."""
        if infra is None or infra is self.infra:
            return
        net = network_for(infra, self.incident.caches)
        if net.ids != self.net.ids:
            raise VtsimError(
                "An exercise decision cannot add or remove infrastructure facilities during "
                "an incident; change their parameters, dependencies or crews instead."
            )
        lost = {(n.facility, n.sector): self.lost_since[n.index] for n in self.net.needs}
        self.lost_since = [lost.get((n.facility, n.sector)) for n in net.needs]
        self.infra, self.net = infra, net
        self._priority = _priority_key(net, infra)
        self.call_out_crews()
        self.recompute()

    # ------------------------------------------------------------------ questions
    def site_outage_days(self, site_id: str) -> float:
        """Days from the attack until the site's own facilities are back in service."""
        horizon = self.infra.horizon_days
        days = 0.0
        for i, facility in enumerate(self.infra.facilities):
            if facility.site != site_id or i not in self.ever_out:
                continue
            if not self.in_service[i]:
                return horizon
            days = max(days, self.restored_at[i] / MIN_PER_DAY)
        return min(days, horizon)


def _priority_key(net: Network, infra: Infrastructure):
    """Sort key of waiting jobs under the scenario's restoration rule (smaller first)."""
    cuts = single_cuts(net)
    impact = [net.population_out(cut) for cut in cuts]
    critical = [any(net.critical[j] for j in cut) for cut in cuts]
    rule = infra.restoration.rule
    position = {fid: k for k, fid in enumerate(infra.restoration.order)}
    last = len(position)

    def key(job: Job):
        i = job.facility
        if rule == "critical_first":
            first = 0 if critical[i] else 1
        elif rule == "order":
            first = position.get(net.ids[i], last)
        else:
            first = 0
        return (first, -impact[i], job.seq)

    return key


def single_cuts(net: Network) -> list[set[int]]:
    """For each facility, who else is out in the long run if it fails alone (N-1), cached."""
    cached = getattr(net, "_single_cuts", None)
    if cached is None:
        base = net.base_down()
        cached = [net.out_of_service({i}) - base for i in range(len(net))]
        net._single_cuts = cached
    return cached


# ---------------------------------------------------------------------- SimPy processes


def _crew_unit(grid: Grid, crew: Crew, unit: int):
    env = grid.env
    travel_rng = grid.incident.streams.get("crew-travel", crew.id, unit)
    yield grid.disrupted  # crews are called out (and mutual aid requested) by the outage
    if crew.available_after_hours > 0:
        yield env.timeout(crew.available_after_hours * MIN_PER_HOUR)
    while True:
        job = grid.next_job(crew)
        if job is None:
            yield grid.job_posted
            continue
        grid.incident.emit(
            "crew_dispatched", crew=crew.id, unit=unit, facility=grid.net.ids[job.facility]
        )
        yield env.timeout(crew.travel_hours.sample(travel_rng) * MIN_PER_HOUR)
        yield env.timeout(job.duration_min)
        grid.job_done(job)


def _by_hand(sectors: list[str] | None, net: Network, facility: int) -> bool:
    return sectors is None or net.sector[facility] in sectors


def _operate_by_hand(grid: Grid, job: Job, dispatch_min: float):
    """A tripped facility run by hand: its team is on site ``dispatch_min`` after the trip
    and has it back ``job.duration_min`` (its ``reset_hours``) later, whatever else is out."""
    yield grid.env.timeout(dispatch_min + job.duration_min)
    grid.job_done(job)


def _metrics(net: Network, infra: Infrastructure, grid: Grid | None, detected: float):
    totals = {s: sum(net.population[i] for i in net.members[s]) for s in net.sectors}
    if grid is None:  # interdicted: the city never loses service
        history = [(0.0, dict(totals))]
        ever_out: set[int] = set()
    else:
        history, ever_out = grid.history, grid.ever_out
    out = curve_metrics(
        history, totals, infra.horizon_days * MIN_PER_DAY, infra.curve_step_hours * MIN_PER_HOUR
    )
    out["facilities_lost"] = float(len(ever_out))
    out["critical_facilities_lost"] = float(sum(net.critical[i] for i in ever_out))
    out["intrusion_detected_in_time"] = detected
    return out


_MEANINGS = [
    ("customer_hours_lost_", "customer-h", "Customer hours without service, sector {}."),
    ("customer_hours_lost", "customer-h", "Customer hours without service, all sectors."),
    ("resilience_loss", "service-days", "Days of full service lost, population weighted."),
    ("days_to_95pct_service_", "days", "From the first disruption to 95 % service, sector {}."),
    ("days_to_95pct_service", "days", "From the first disruption to 95 % service."),
    ("restored_95pct_within_horizon", "0/1", "Service back to 95 % within the horizon."),
    ("facilities_lost", "facilities", "Facilities out of service at some point."),
    ("critical_facilities_lost", "facilities", "Critical facilities out at some point."),
    ("intrusion_detected_in_time", "0/1", "A cyber intrusion was detected before its effect."),
]


def _describe(name: str) -> tuple[str, str]:
    match = Q_COLUMN.match(name)
    if match:
        return "share", f"Service Q(t), sector {match['sector']}, {match['hours']} h after."
    for prefix, unit, meaning in _MEANINGS:
        if name == prefix or (prefix.endswith("_") and name.startswith(prefix)):
            return unit, meaning.format(name[len(prefix) :])
    return "", name  # pragma: no cover - every column above has a meaning
