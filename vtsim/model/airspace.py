"""The airspace path of an ``unmanned_aircraft`` threat, and its ``disruption`` harm.

Abstractly (MODEL.md): the aircraft does not cross the site's ground layers. It
spends ``flight_min`` in the site's monitored airspace before reaching the
target zone. The counter-drone detection layer detects it with ``p_detect``
``detect_delay_min`` after it enters, if that is before it reaches the zone; a
detection raises the alarm (communicated with ``p_communication``, like a
ground layer's). Once detected, an interdiction takes effect ``interdict_min``
later and stops the aircraft with ``p_interdict``, if that is still before it
reaches the zone. Otherwise harm starts when it reaches the zone::

    P(stopped) = p_detect * p_interdict * P(detect_delay + interdict < flight)

(:func:`vtsim.analysis.reference.p_drone_interdiction`). Every draw is made up
front from the threat's streams, in a fixed order, so on common random numbers
a higher detection or interdiction probability, or shorter delays, can only
stop more aircraft, never fewer. Ground responders cannot end the attack
(:func:`vtsim.model.response.engagement_can_end`); a warning routed to the
crowd (``evacuation.alerted_by``) moves people out before the aircraft arrives.

Harm: ``instant`` (the crowd module: a share of those still in a small zone at
once), or ``disruption``: no direct harm, but the zone must be evacuated; a
share ``fraction_harmed`` of those who evacuate then are injured in the rush
(mostly minor: the scenario's triage says so), and the attack is over when the
zone is clear.
"""

from __future__ import annotations

import math

from vtsim.model import crowd as crowd_model
from vtsim.model.incident import Incident
from vtsim.scenario.schema import AIRSPACE_MODES

LAYER_ID = "counter-drone"
"""The ``layer`` named in detection, alarm and end-of-attack happenings."""


def approach(incident: Incident):
    """SimPy process: the flight through the monitored airspace, its detection and
    interdiction, then harm (unless the aircraft was stopped or the attack ended)."""
    env, threat, site = incident.env, incident.threat, incident.site
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
        _detect(incident, comm_draw)
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


def _detect(incident: Incident, comm_draw: float) -> None:
    incident.first_detection = incident.now()
    incident.detection_layer = LAYER_ID
    communicated = comm_draw < incident.site.p_communication
    incident.emit("detection", layer=LAYER_ID, communicated=communicated)
    if communicated:
        incident.emit("alarm", source="detection", layer=LAYER_ID)


def disruption(incident: Incident, crowd):
    """Harm profile ``disruption`` (delegated by the crowd module): the zone is evacuated;
    some of those who move out then are injured in the rush; over when the zone is clear."""
    crowd_model._alert(incident, crowd, "aircraft over the zone")
    incident.exposed_at_onset = crowd.remaining(incident.now())
    if crowd.moving_at > incident.now():
        yield incident.env.timeout(crowd.moving_at - incident.now())
    threat = incident.threat
    moving = crowd.remaining(incident.now())
    rng = incident.streams.get("harm", threat.id)
    injured = int(rng.binomial(moving, threat.harm.fraction_harmed)) if moving else 0
    triage_rng = incident.streams.get("triage", threat.id)
    cumulative = crowd_model._cumulative(threat.harm.triage.as_tuple())
    for _ in range(injured):
        crowd.casualties += 1
        incident.add_casualty(crowd_model._triage(triage_rng.random(), cumulative))
    if crowd.flow_per_min <= 0:
        return  # no exits: the zone never clears within the horizon
    left = crowd.exposed - crowd.casualties  # slots needed from the start of the movement
    # A moment after the last one is out: clock times far into the planning window round.
    clear_at = crowd.moving_at + left / crowd.flow_per_min + 1e-6
    if clear_at > incident.now():
        yield incident.env.timeout(clear_at - incident.now())
    incident.end_attack("completed", zone="cleared")


def metrics(incident: Incident) -> dict[str, float]:
    """Counter-drone outcomes; NaN for other modes and for plots interdicted earlier."""
    nan = math.nan
    if incident.threat.mode not in AIRSPACE_MODES or not incident.reached_site:
        return {"drone_detected": nan, "drone_interdicted": nan, "drone_warning_min": nan}
    detected, harm = incident.first_detection, incident.harm_start
    return {
        "drone_detected": float(detected is not None),
        "drone_interdicted": float(incident.ended_by == "stopped"),
        "drone_warning_min": harm - detected if detected is not None and harm is not None else nan,
    }


def install(incident: Incident) -> None:
    """Nothing to wire: the flight is protect's approach for airspace modes."""
