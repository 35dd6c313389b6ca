"""``unmanned_aircraft``: the airspace path, and the ``disruption`` harm.

Abstractly (MODEL.md): the aircraft does not cross the site's ground layers. It
spends ``flight_min`` in the site's monitored airspace before reaching the
target zone. The counter-drone detection layer detects it with ``p_detect``
``detect_delay_min`` after it enters, if that is before it reaches the zone; a
detection raises the alarm (communicated with ``p_communication``, like a
ground layer's). Once detected, an interdiction takes effect ``interdict_min``
later and stops the aircraft with ``p_interdict``, if that is still before it
reaches the zone. Otherwise harm starts when it reaches the zone::

    P(stopped) = p_detect * p_interdict * P(detect_delay + interdict < flight)

(``vtsim.analysis.reference.p_drone_interdiction``). Every draw is made up
front from the threat's streams, in a fixed order, so on common random numbers
a higher detection or interdiction probability, or shorter delays, can only
stop more aircraft, never fewer. Ground responders cannot end the attack
(:meth:`UnmannedAircraft.responders_can_end`); a warning routed to the
crowd (``evacuation.alerted_by``) moves people out before the aircraft arrives.

Harm: ``instant`` (the crowd module: a share of those still in a small zone at
once), or ``disruption``: no direct harm, but the zone must be evacuated; a
share ``fraction_harmed`` of those who evacuate then are injured in the rush
(mostly minor: the scenario's triage says so), and the attack is over when the
zone is clear.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar, Literal, cast

from pydantic import Field

from vtsim.model import harm as harm_api
from vtsim.model import protect
from vtsim.model.component import Column, Component
from vtsim.model.modes.base import ThreatMode, register
from vtsim.scenario.distributions import Dist
from vtsim.scenario.threats import Harm, Problem, Threat

if TYPE_CHECKING:
    from collections.abc import Iterator

    from vtsim.model.crowd import Crowd
    from vtsim.model.incident import Incident
    from vtsim.scenario.schema import Scenario

LAYER_ID = "counter-drone"
"""The ``layer`` named in detection, alarm and end-of-attack happenings."""


class AircraftHarm(Harm):
    profile: Literal["instant", "disruption"] = Field(
        description="'instant': harm at once in a small zone; 'disruption': an evacuation "
        "forced on the zone."
    )


class UnmannedAircraftThreat(Threat):
    mode: Literal["unmanned_aircraft"]
    harm: AircraftHarm
    flight_min: Dist = Field(
        description="Minutes in the site's monitored airspace before reaching the target zone."
    )

    def problems(self) -> Iterator[Problem]:
        if self.harm.profile == "instant" and self.harm.fraction_harmed == 0:
            yield (
                ("harm", "fraction_harmed"),
                ("expected a positive fraction for an 'instant' harm profile."),
            )


class CounterDrone(Component):
    """Counter-drone outcomes; NaN in replications playing another mode's threat."""

    name: ClassVar[str] = "counter-drone"

    @classmethod
    def columns(cls, scenario: Scenario) -> list[Column]:
        return [
            Column("drone_detected", "0/1", "The counter-drone layer detected the aircraft."),
            Column("drone_interdicted", "0/1", "The aircraft was stopped before the zone."),
            Column("drone_warning_min", "min", "From detection to the aircraft over the zone."),
        ]

    def metrics(self) -> dict[str, float]:
        incident = self.incident
        detected, harm = incident.first_detection, incident.harm_start
        return {
            "drone_detected": float(detected is not None),
            "drone_interdicted": float(incident.ended_by == "stopped"),
            "drone_warning_min": (
                harm - detected if detected is not None and harm is not None else math.nan
            ),
        }


@register
class UnmannedAircraft(ThreatMode):
    schema = UnmannedAircraftThreat
    crosses_ground_layers = False
    components = (CounterDrone,)

    def approach(self, incident: Incident):
        """The flight through the monitored airspace, its detection and interdiction, then
        harm (unless the aircraft was stopped or the attack ended)."""
        env, site = incident.env, incident.site
        threat = cast(UnmannedAircraftThreat, incident.threat)  # this mode's threat
        flight = max(threat.flight_min.sample(incident.streams.get("flight", threat.id)), 0.0)
        # One stream for the counter-drone layer, drawn in a fixed order whatever the outcome.
        rng = incident.streams.get("counter-drone", site.id, threat.id)
        detect_u = rng.random()
        detect_after = max(site.airspace.detect_delay_min.sample(rng), 0.0)
        interdict_u = rng.random()
        interdict_after = max(site.airspace.interdict_min.sample(rng), 0.0)
        comm_draw = incident.streams.get("communication", threat.id).random()

        if detect_u < site.airspace.p_detect and detect_after < flight:
            yield env.timeout(detect_after)
            if incident.ended:
                return
            protect.raise_detection(incident, LAYER_ID, comm_draw)
            airspace = incident.site.airspace  # as of now: a decision may have changed it
            if interdict_u < airspace.p_interdict and detect_after + interdict_after < flight:
                yield env.timeout(interdict_after)
                if not incident.ended:
                    incident.end_attack("stopped", layer=LAYER_ID)
                return
            yield env.timeout(flight - detect_after)
        else:
            yield env.timeout(flight)
        if not incident.ended:
            incident.start_harm()

    def harm(self, incident: Incident, crowd: Crowd):
        if incident.threat.harm.profile == "disruption":
            yield from disruption(incident, crowd)
        else:
            yield from harm_api.instant(incident, crowd, "harm in the zone")

    def responders_can_end(self, incident: Incident) -> bool:
        return False  # an aircraft in flight, or a disruption under way: not on the ground


def disruption(incident: Incident, crowd: Crowd):
    """Harm profile ``disruption``: the zone is evacuated; some of those who move out then
    are injured in the rush; over when the zone is clear."""
    crowd.warn("aircraft over the zone")
    crowd.exposed_at_onset = crowd.remaining(incident.now())
    moving_at = crowd.moving_at
    assert moving_at is not None  # warned just above
    if moving_at > incident.now():
        yield incident.env.timeout(moving_at - incident.now())
    threat = incident.threat
    moving = crowd.remaining(incident.now())
    rng = incident.streams.get("harm", threat.id)
    injured = int(rng.binomial(moving, threat.harm.fraction_harmed)) if moving else 0
    triage_rng = incident.streams.get("triage", threat.id)
    triage = harm_api.Triage.of(incident)
    for _ in range(injured):
        harm_api.harm_one(incident, crowd, triage(triage_rng.random()))
    if crowd.flow_per_min <= 0:
        return  # no exits: the zone never clears within the horizon
    # The last of those who were not harmed passes the exits: the zone is clear.
    clear_at = crowd.leaves_at(crowd.exposed - crowd.casualties - 1)
    if clear_at > incident.now():
        yield incident.env.timeout(clear_at - incident.now())
    incident.end_attack("completed", zone="cleared")
