"""How people are harmed: the shared harm profiles and the one way to add casualties.

Threat modes use these in their ``harm`` process (:mod:`vtsim.model.modes`):

- :func:`rate`: casualties arrive as a Poisson process whose rate is
  ``casualties_per_1000_per_min * people_still_exposed / 1000``. It is simulated by
  thinning a process at the rate for everyone exposed at harm onset, accepting a
  candidate with probability ``still_exposed / exposed_at_onset``. The candidates do not
  depend on evacuation, so on common random numbers an earlier evacuation or an earlier
  end of the attack can only remove casualties, never add them.
- :func:`instant`: a binomial share of those exposed, at once; the attack is then over.
- :class:`Triage` and :func:`harm_one`: a casualty's triage class from the threat's split
  and the bookkeeping (crowd, incident, happenings) every mode shares.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vtsim.model.incident import TRIAGE_CLASSES, Casualty

if TYPE_CHECKING:
    from vtsim.model.crowd import Crowd
    from vtsim.model.incident import Incident


class Triage:
    """The triage class of a casualty from one uniform draw and the threat's split."""

    def __init__(self, split: tuple[float, ...]):
        total, edges = 0.0, []
        for p in split:
            total += p
            edges.append(total)
        self.edges = tuple(edges)

    def __call__(self, u: float) -> str:
        for name, edge in zip(TRIAGE_CLASSES, self.edges):
            if u < edge:
                return name
        return TRIAGE_CLASSES[-1]

    @classmethod
    def of(cls, incident: Incident) -> Triage:
        return cls(incident.threat.harm.triage.as_tuple())


def harm_one(incident: Incident, crowd: Crowd, triage: str) -> Casualty:
    """One person of the crowd is harmed now: counted, and a ``casualty`` happening."""
    crowd.casualties += 1
    return incident.add_casualty(triage)


def onset(incident: Incident, crowd: Crowd, why: str):
    """Harm starts: the crowd is warned and counted; the harm and triage streams."""
    crowd.warn(why)
    threat = incident.threat
    at_onset = crowd.remaining(incident.now())
    crowd.exposed_at_onset = at_onset
    return (
        incident.streams.get("harm", threat.id),
        incident.streams.get("triage", threat.id),
        Triage.of(incident),
        at_onset,
    )


def instant(incident: Incident, crowd: Crowd, why: str):
    """Profile ``instant``: a share ``fraction_harmed`` of those exposed, at once."""
    rng, triage_rng, triage, at_onset = onset(incident, crowd, why)
    fraction = incident.threat.harm.fraction_harmed
    n = int(rng.binomial(at_onset, fraction)) if at_onset else 0
    for _ in range(n):
        harm_one(incident, crowd, triage(triage_rng.random()))
    incident.end_attack("completed")
    return
    yield  # a SimPy process, even though nothing here waits


def rate(incident: Incident, crowd: Crowd, why: str):
    """Profile ``rate``: casualties while the attack goes on, thinned by who is still there.

    With ``max_casualties_per_min`` (the attacker's capacity) the rate is
    ``min(cap, casualties_per_1000_per_min * still_exposed / 1000)``: candidates come at
    that rate for the crowd at onset and are accepted with the ratio of the current rate
    to it, which never grows as people leave, so evacuation still only removes casualties.
    """
    rng, triage_rng, triage, at_onset = onset(incident, crowd, why)
    harm = incident.threat.harm
    per_person = harm.casualties_per_1000_per_min / 1000.0
    cap = harm.max_casualties_per_min
    candidate_rate = per_person * at_onset if cap is None else min(cap, per_person * at_onset)
    if candidate_rate <= 0:
        return
    env_timeout = incident.env.timeout
    mean_gap = 1.0 / candidate_rate
    while not incident.ended:
        yield env_timeout(mean_gap * rng.standard_exponential())
        accept_draw = rng.random()
        if incident.ended:
            return
        still = crowd.remaining(incident.now())
        if still <= 0:
            return
        if cap is None:
            accepted = accept_draw * at_onset < still
        else:
            accepted = accept_draw * candidate_rate < min(cap, per_person * still)
        if accepted:
            harm_one(incident, crowd, triage(triage_rng.random()))
