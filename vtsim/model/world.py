"""Wiring the sub-models into one replication: ``simulate()`` and ``World``.

``simulate`` is a pure function of (scenario, seed, replication): it builds a
SimPy environment, draws which threat this replication plays and its planning
window, sets up the sub-models when the attack starts (time 0), runs to the horizon and
returns a flat :class:`Outcome`. No globals, no shared generator, no I/O; a
runner may pass its :class:`~vtsim.model.caches.Caches` to save work.

Sub-models are components (:mod:`vtsim.model.component`): :data:`COMPONENTS`, then
the components of the threat modes the scenario has (:mod:`vtsim.model.modes`), in
that order, which is the order of the columns. Each is set up on the incident when
the attack starts (or before it: the screening queues' day happens anyway), closes
its books at the horizon and reports its metrics; a component that did not run in a
replication (an interdicted plot, another mode's component) gets its declared values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import simpy

from vtsim.model import prevent, protect
from vtsim.model.caches import Caches
from vtsim.model.component import Column, Component
from vtsim.model.crowd import Crowd
from vtsim.model.groups import GroupOutcomes
from vtsim.model.incident import Incident, TraceEvent
from vtsim.model.infrastructure import Grid, horizon_min
from vtsim.model.medical import Medical
from vtsim.model.modes import modes
from vtsim.model.protect import Displacement
from vtsim.model.queue import ScreeningQueues
from vtsim.model.recover import SiteRecovery
from vtsim.model.response import Response
from vtsim.model.streams import Streams
from vtsim.scenario.schema import Scenario, Threat

COMPONENTS: tuple[type[Component], ...] = (
    Response,
    Crowd,
    Displacement,  # only where a threat declares a `fallback` (applies_to)
    SiteRecovery,
    ScreeningQueues,
    Medical,
    Grid,
    GroupOutcomes,  # only where the scenario declares population groups
)
"""The core components, in column order (the mode's own come after them)."""


def components_for(scenario: Scenario) -> list[type[Component]]:
    """The components of a scenario's model, in column order: the core ones it has, then
    those of the threat modes it has (in the order the modes were registered)."""
    present = {t.mode for t in scenario.threats}
    found = [c for c in COMPONENTS if c.applies_to(scenario)]
    for name, mode in modes().items():
        if name in present:
            found += [c for c in mode.components if c not in found]
    return found


def columns_for(scenario: Scenario) -> list[Column]:
    """Every outcome column of a scenario (name, unit, meaning), in table order after
    ``threat`` and ``ended_by``."""
    head = [
        Column("prevented", "0/1", "The plot was interdicted before the attack.", 1.0),
        Column("days_to_interdiction", "days", "From the plot's start to its interdiction."),
    ]
    return head + [c for cls in components_for(scenario) for c in cls.columns(scenario)]


@dataclass
class Outcome:
    """One replication: a flat record of metrics, and the storyline when traced."""

    threat: str
    ended_by: str
    metrics: dict[str, float]
    trace: list[TraceEvent] | None = field(default=None, repr=False)

    def as_row(self) -> dict:
        return {"threat": self.threat, "ended_by": self.ended_by, **self.metrics}


def choose_threat(scenario: Scenario, streams: Streams) -> Threat:
    """Each replication plays one threat, drawn by weight (the same for every package)."""
    threats = scenario.threats
    if len(threats) == 1:
        return threats[0]
    u = streams.get("threat-choice").random() * sum(t.weight for t in threats)
    for threat in threats:
        u -= threat.weight
        if u < 0:
            return threat
    return threats[-1]


class World:
    """One replication that can be advanced step by step: what exercise mode drives.

    ``simulate()`` is ``World(...).finish()``. A facilitator's session instead calls
    ``run_until(...)`` to stop at an inject or decision point, ``apply(measures)`` to
    change the scenario from that moment on (a decision), and ``finish()`` at the end.
    Replaying the same decisions at the same moments gives the same outcome, because
    every draw comes from the replication's named streams.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int = 0,
        replication: int = 0,
        *,
        trace: bool = False,
        threat: str | None = None,
        caches: Caches | None = None,
    ):
        self.streams = Streams(seed, replication)
        chosen = (
            scenario.threat(threat) if threat is not None else choose_threat(scenario, self.streams)
        )
        self.env = simpy.Environment()
        incident = Incident(self.env, scenario, chosen, self.streams, trace=trace, caches=caches)
        self.incident = incident
        self.components = components_for(scenario)
        for cls in self.components:
            if cls.runs_before_attack:
                incident.add_component(cls.create(incident), cls)
        prevent.plan(incident)
        if not incident.prevented:
            self.env.process(_attack(incident, self.components))

    @property
    def horizon(self) -> float | None:
        """SimPy time at which the replication ends (None until the attack starts)."""
        incident = self.incident
        if not incident.reached_site:
            return None
        # Infrastructure recovery runs for days after the incident's minutes.
        return max(incident.scenario.horizon_min, horizon_min(incident))

    @property
    def done(self) -> bool:
        if self.incident.prevented:
            return True
        return self.horizon is not None and self.env.now >= self.horizon

    def run_until(self, t_min: float | None = None, event: simpy.Event | None = None) -> bool:
        """Advance to ``t_min`` minutes after the attack start, or until ``event`` fires,
        whichever comes first (the horizon at the latest). Returns False when finished."""
        if self.incident.prevented:
            return False
        if not self.incident.reached_site:
            self.env.run(until=self.incident.attack_started)
        if self.done:
            return False
        horizon = self.horizon
        assert horizon is not None  # the attack has started (the run above waited for it)
        stop = horizon if t_min is None else min(horizon, t_min)
        if stop > self.env.now:
            deadline = self.env.timeout(stop - self.env.now)
            self.env.run(until=deadline if event is None else deadline | event)
        return not self.done

    def apply(self, scenario: Scenario) -> None:
        """From now on, the incident follows ``scenario`` (e.g. the baseline with a decision's
        measures applied). Sub-models read parameters when they use them, so what is already
        under way keeps its course and everything after this moment follows the change."""
        incident = self.incident
        incident.scenario = scenario
        incident.site = scenario.site(incident.site.id)
        incident.zone = next(z for z in incident.site.zones if z.id == incident.zone.id)
        incident.threat = next(t for t in scenario.threats if t.id == incident.threat.id)
        incident.emit("scenario_changed")

    def finish(self) -> Outcome:
        """Run to the horizon and return the outcome."""
        while self.run_until():
            pass
        incident = self.incident
        t_end = incident.now()
        found = [incident.find(cls) for cls in self.components]
        for component in found:
            if component is not None:
                component.finish(t_end)
        metrics: dict[str, float] = {
            "prevented": float(incident.prevented),
            "days_to_interdiction": incident.days_to_interdiction,
        }
        for cls, component in zip(self.components, found):
            metrics.update(
                component.metrics() if component is not None else cls.interdicted_metrics(incident)
            )
        return Outcome(
            threat=incident.threat.id,
            ended_by=_ended_by(incident),
            metrics=metrics,
            trace=incident.trace,
        )


def simulate(
    scenario: Scenario,
    seed: int = 0,
    replication: int = 0,
    *,
    trace: bool = False,
    threat: str | None = None,
    caches: Caches | None = None,
) -> Outcome:
    """Simulate one replication of a scenario (a pure function of its arguments).

    ``threat`` forces a threat by id (an exercise storyline, a sweep factor);
    otherwise the replication draws one by weight. ``caches``: a runner's
    :class:`~vtsim.model.caches.Caches`, to reuse work between replications (never
    changes the outcome).

    >>> from vtsim import load_scenario
    >>> outcome = simulate(load_scenario("harbour-festival"), seed=1, replication=0)
    >>> outcome.metrics["casualties_total"] >= 0
    True
    """
    return World(scenario, seed, replication, trace=trace, threat=threat, caches=caches).finish()


def _attack(incident: Incident, components: list[type[Component]]):
    """The attack starts at time 0: the attacker picks the moment and zone (as its
    ``timing`` says; by default the declared zone at the drawn moment), the components are
    set up, then the approach begins."""
    protect.choose_moment_and_zone(incident)
    incident.start_attack()
    yield incident.attack_started
    own = set(incident.mode.components)
    for cls in components:
        if cls.runs_before_attack:
            continue
        if cls in own or cls in COMPONENTS:
            incident.add_component(cls.create(incident), cls)
    incident.env.process(protect.approach(incident))


def _ended_by(incident: Incident) -> str:
    if incident.prevented:
        return "interdicted"
    return incident.ended_by or "ongoing at horizon"
