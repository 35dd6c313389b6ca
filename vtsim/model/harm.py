"""How people are harmed: the shared harm profiles and the one way to add casualties.

Threat modes use these in their ``harm`` process (:mod:`vtsim.model.modes`):

- :func:`rate`: casualties arrive as a Poisson process whose rate is
  :func:`rate_per_min` of the people still in the zone: ``casualties_per_1000_per_min *
  people_within_reach / 1000``, at most ``max_casualties_per_min`` (the attacker's
  capacity). The people within reach are everyone still there or, with ``reach_m2``, the
  zone's density (still there / ``area_m2``) times that ground. It is simulated by
  thinning a process at the rate for the crowd at harm onset, accepting a candidate with
  the ratio of the current rate to it. The candidates do not depend on evacuation, so on
  common random numbers an earlier evacuation or an earlier end of the attack can only
  remove casualties, never add them.
- :func:`instant`: a binomial share of those exposed, at once; the attack is then over.
- :class:`Triage` and :func:`harm_one`: a casualty's triage class from the threat's split
  and the bookkeeping (crowd, incident, happenings) every mode shares.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from vtsim.model.incident import TRIAGE_CLASSES, Casualty
from vtsim.scenario.checks import register_check

if TYPE_CHECKING:
    from vtsim.model.crowd import Crowd
    from vtsim.model.incident import Incident
    from vtsim.scenario.schema import Scenario, Zone
    from vtsim.scenario.threats import Harm, Problem


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
    """One person of the crowd is harmed now: counted, and a ``casualty`` happening.

    With population groups, the person's group is drawn first, on its own stream
    ``("harm-group", threat)`` (so no other draw moves), in proportion to the people of
    each group still there times its ``vulnerability_factor``."""
    split = crowd.split
    k = None
    if split is not None:
        u = incident.streams.get("harm-group", incident.threat.id).random()
        k = split.choose(crowd.group_remaining(incident.now()), u)
        split.casualties[k] += 1
    crowd.casualties += 1
    casualty = incident.add_casualty(triage)
    if split is not None and k is not None:
        split.casualty_group[casualty.id] = k
    return casualty


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


def _reach_needs_an_area(scenario: Scenario) -> Iterator[Problem]:
    """A harm with ``reach_m2`` follows the density of its zone, so it needs the zone's
    area; and only the ``rate`` profile has a reach."""
    for i, threat in enumerate(scenario.threats):
        harm = threat.harm
        if getattr(harm, "reach_m2", None) is None:
            continue
        if harm.profile != "rate":
            yield (
                ("threats", i, "harm", "reach_m2"),
                f"applies to the 'rate' harm profile only; this harm is '{harm.profile}'.",
            )
            continue
        site = next((s for s in scenario.sites if s.id == threat.site), None)
        zone = next((z for z in site.zones if z.id == threat.zone), None) if site else None
        if zone is not None and zone.area_m2 is None:
            yield (
                ("threats", i, "harm", "reach_m2"),
                (
                    f"needs the target zone '{zone.id}' to give `area_m2` (its crowd's "
                    "ground, m²): the people within reach follow the crowd density."
                ),
            )


register_check(_reach_needs_an_area)


def reach_share(harm: Harm, zone: Zone) -> float:
    """The share of the people in the zone within the attacker's reach: ``reach_m2 /
    area_m2`` (the zone's density times the ground in reach, over the people there), at
    most 1; 1 without ``reach_m2`` (everyone in the zone is exposed)."""
    if harm.reach_m2 is None:
        return 1.0
    if zone.area_m2 is None:  # rejected at load: _reach_needs_an_area
        raise ValueError(f"zone '{zone.id}' has no area_m2 for the harm's reach_m2")
    return min(1.0, harm.reach_m2 / zone.area_m2)


def rate_per_min(people: float, harm: Harm, share: float = 1.0) -> float:
    """Casualties per minute of a ``rate`` harm with ``people`` still in the zone, ``share``
    of them within reach (:func:`reach_share`): ``casualties_per_1000_per_min / 1000 *
    people * share``, at most ``max_casualties_per_min``. Never decreases with ``people``
    and never exceeds the cap, whatever the crowd."""
    linear = harm.casualties_per_1000_per_min / 1000.0 * (people * share)
    cap = harm.max_casualties_per_min
    return linear if cap is None else min(cap, linear)


def rate(incident: Incident, crowd: Crowd, why: str):
    """Profile ``rate``: casualties while the attack goes on, thinned by who is still there.

    The rate is :func:`rate_per_min` of the people still in the zone: with
    ``max_casualties_per_min`` (the attacker's capacity) it is bounded whatever the crowd,
    and with ``reach_m2`` it follows the zone's density rather than its whole crowd.
    Candidates come at the rate for the crowd at onset and are accepted with the ratio of
    the current rate to it, which never grows as people leave, so evacuation still only
    removes casualties.
    """
    rng, triage_rng, triage, at_onset = onset(incident, crowd, why)
    harm = incident.threat.harm
    share = reach_share(harm, incident.zone)
    candidate_rate = rate_per_min(at_onset, harm, share)
    if candidate_rate <= 0:
        return
    capped = harm.max_casualties_per_min is not None
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
        if not capped:  # linear: the ratio of rates is the ratio of people
            accepted = accept_draw * at_onset < still
        else:
            accepted = accept_draw * candidate_rate < rate_per_min(still, harm, share)
        if accepted:
            harm_one(incident, crowd, triage(triage_rng.random()))
