"""Wiring the sub-models into one replication: ``simulate()``.

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

from vtsim.model import crowd, prevent, protect, recover, response
from vtsim.model.incident import Incident, TraceEvent
from vtsim.model.streams import Streams
from vtsim.scenario.schema import Scenario, Threat

SUBMODELS = [response, crowd, recover]
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


def simulate(
    scenario: Scenario,
    seed: int = 0,
    replication: int = 0,
    *,
    trace: bool = False,
    threat: str | None = None,
) -> Outcome:
    """Simulate one replication of a scenario.

    ``threat`` forces a threat by id (an exercise storyline, a sweep factor);
    otherwise the replication draws one by weight.

    >>> from vtsim import load_scenario
    >>> outcome = simulate(load_scenario("harbour-festival"), seed=1, replication=0)
    >>> sorted(outcome.metrics)[:3]
    ['attack_succeeded', 'casualties_total', 'days_to_interdiction']
    """
    streams = Streams(seed, replication)
    chosen = (
        next(t for t in scenario.threats if t.id == threat)
        if threat is not None
        else choose_threat(scenario, streams)
    )
    env = simpy.Environment()
    incident = Incident(env, scenario, chosen, streams, trace=trace)
    env.process(prevent.plan(incident))
    env.process(_attack(incident))
    env.run(until=incident.attack_started | _interdicted(incident))
    if incident.reached_site:
        env.run(until=incident.t0 + scenario.horizon_min)
    return Outcome(
        threat=chosen.id,
        ended_by=_ended_by(incident),
        metrics=collect_metrics(incident),
        trace=incident.trace,
    )


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
