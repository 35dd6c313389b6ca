"""Wiring the sub-models into one replication: ``simulate()`` and ``World``.

``simulate`` is a pure function of (scenario, seed, replication): it builds a
SimPy environment, draws which threat this replication plays, runs the planning
window, wires the sub-models when the attack starts, runs to the horizon and
returns a flat :class:`Outcome`. No globals, no shared generator, no I/O.

A sub-model is a module with ``install(incident)`` (called when the attack
starts: it registers SimPy processes and listeners) and ``metrics(incident)``
(called at the end: a dict of scalars). Adding a sub-model is adding it to
``SUBMODELS``; the order of metrics in the outcome follows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import simpy

from vtsim.model import (
    airspace,
    cbrn,
    crowd,
    infrastructure,
    medical,
    prevent,
    protect,
    queue,
    recover,
    response,
)
from vtsim.model.incident import Incident, TraceEvent
from vtsim.model.streams import Streams
from vtsim.scenario.schema import Scenario, Threat

SUBMODELS = [response, crowd, recover, queue, medical, infrastructure, airspace, cbrn]
"""Installed at attack start, in this order (protect's approach is started last)."""


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
    ):
        self.streams = Streams(seed, replication)
        chosen = (
            next(t for t in scenario.threats if t.id == threat)
            if threat is not None
            else choose_threat(scenario, self.streams)
        )
        self.env = simpy.Environment()
        self.incident = Incident(self.env, scenario, chosen, self.streams, trace=trace)
        self.env.process(prevent.plan(self.incident))
        self.env.process(_attack(self.incident))
        self._interdicted = _interdicted(self.incident)

    @property
    def horizon(self) -> float | None:
        """SimPy time at which the replication ends (None until the attack starts)."""
        incident = self.incident
        if not incident.reached_site:
            return None
        # Infrastructure recovery runs for days after the incident's minutes.
        return incident.t0 + max(
            incident.scenario.horizon_min, infrastructure.horizon_min(incident)
        )

    @property
    def done(self) -> bool:
        if self.incident.prevented:
            return True
        return self.horizon is not None and self.env.now >= self.horizon

    def run_until(self, t_min: float | None = None, event: simpy.Event | None = None) -> bool:
        """Advance to ``t_min`` minutes after the attack start, or until ``event`` fires,
        whichever comes first (the horizon at the latest). Returns False when finished."""
        if not self.incident.reached_site:
            self.env.run(until=self.incident.attack_started | self._interdicted)
        if self.done:
            return False
        horizon = self.horizon
        stop = horizon if t_min is None else min(horizon, self.incident.t0 + t_min)
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
        return Outcome(
            threat=incident.threat.id,
            ended_by=_ended_by(incident),
            metrics=collect_metrics(incident),
            trace=incident.trace,
        )


def simulate(
    scenario: Scenario,
    seed: int = 0,
    replication: int = 0,
    *,
    trace: bool = False,
    threat: str | None = None,
) -> Outcome:
    """Simulate one replication of a scenario (a pure function of its arguments).

    ``threat`` forces a threat by id (an exercise storyline, a sweep factor);
    otherwise the replication draws one by weight.

    >>> from vtsim import load_scenario
    >>> outcome = simulate(load_scenario("harbour-festival"), seed=1, replication=0)
    >>> outcome.metrics["casualties_total"] >= 0
    True
    """
    return World(scenario, seed, replication, trace=trace, threat=threat).finish()


def _interdicted(incident: Incident) -> simpy.Event:
    event = incident.env.event()
    incident.on("interdicted", lambda **_: event.succeed())
    return event


def _attack(incident: Incident):
    yield incident.attack_started
    for submodel in SUBMODELS:
        submodel.install(incident)
    incident.env.process(protect.approach(incident))


def _ended_by(incident: Incident) -> str:
    if incident.prevented:
        return "interdicted"
    return incident.ended_by or "ongoing at horizon"


def collect_metrics(incident: Incident) -> dict[str, float]:
    out: dict[str, float] = {
        "prevented": float(incident.prevented),
        "days_to_interdiction": incident.days_to_interdiction,
    }
    for submodel in SUBMODELS:
        out.update(submodel.metrics(incident))
    return out
