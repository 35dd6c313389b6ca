"""Respond: the alert chain, units on the road, and the end of the attack.

An alarm from the layers goes to the site's ``alarm_to`` agency; once harm
starts, emergency calls reach ``calls_to`` after ``call_delay_min``. An alerted
agency alerts the next ones along the coordination graph (each edge with its
own delay; an agency acts on its earliest alert) and sends its units: dispatch
delay, then travel at a drawn speed over the base's distance. Units of agencies
with an ``engagement`` engage on arrival: each engagement takes
``engagement_min`` and ends the attack with probability ``p_neutralise``; they
repeat until the attack ends. An attack also ends by itself after
``active_duration_min`` of harm.

A site with a ``response_force`` (EASI-compatible mode) is answered by that one
force instead, arriving ``time_min`` after the first alarm or call.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar

from vtsim.model.component import Column, Component, minutes
from vtsim.model.incident import Incident
from vtsim.scenario.schema import Engagement

if TYPE_CHECKING:
    from vtsim.scenario.schema import Scenario


def _flag(name: str, meaning: str) -> Column:
    return Column(name, "0/1", meaning)


class Response(Component):
    """The alert chain and the units of the agencies that are not run elsewhere."""

    name: ClassVar[str] = "response"

    @classmethod
    def columns(cls, scenario: Scenario) -> list[Column]:
        return [
            _flag("detected_before_target", "A layer detected the threat before harm."),
            _flag("interrupted", "Armed responders arrived before harm started."),
            _flag("neutralised_before_harm", "Responders ended the attack before harm."),
            _flag("stopped_by_layer", "A layer stopped the threat outright (e.g. barriers)."),
            Column("attack_succeeded", "0/1", "Harm started.", 0.0),
            _flag("stopped_before_harm", "The attack ended before harm started."),
            minutes("min_to_harm", "From the attack start to harm onset."),
            minutes("min_to_first_responder", "From the attack start to the first engagement."),
            minutes("min_to_neutralisation", "From the attack start to its neutralisation."),
            minutes("min_attack_active", "From harm onset to the end of the attack."),
        ]

    def __init__(self, incident: Incident):
        super().__init__(incident)
        # Alert edges and units already started, so a decision mid-incident starts only new
        # ones.
        self.started: set[tuple] = set()
        env, alarm_to = incident.env, incident.site.alarm_to
        incident.on("alarm", lambda **data: _on_alarm(incident, **data))
        if alarm_to is not None:
            incident.on(
                "alarm",
                lambda source, **_: (
                    alert(incident, alarm_to, "alarm") if source == "detection" else None
                ),
            )
        env.process(_calls(incident))
        env.process(_self_termination(incident))
        incident.on("scenario_changed", lambda **_: _follow_changes(incident))

    def metrics(self) -> dict[str, float]:
        return _metrics(self.incident)


def _on_alarm(incident: Incident, **data) -> None:
    if incident.alarm_time is None:
        incident.alarm_time = incident.now()
        force = incident.site.response_force
        if force is not None:
            incident.env.process(_response_force(incident, force))


def _calls(incident: Incident):
    """Once harm starts, emergency calls come in (a second route for the alarm), unless
    the mode's harm is unseen at first (a release: its module calls once symptoms show)."""
    yield incident.harm_started
    if incident.mode.calls_when_harm_starts:
        yield from emergency_calls(incident)


def emergency_calls(incident: Incident):
    """SimPy process: the first emergency call is answered after ``call_delay_min``; it
    raises the alarm and alerts the site's ``calls_to`` agency."""
    rng = incident.streams.get("calls", incident.site.id)
    yield incident.env.timeout(incident.site.call_delay_min.sample(rng))
    incident.emit("alarm", source="emergency call")
    if incident.site.calls_to is not None:
        alert(incident, incident.site.calls_to, "emergency call")


def _self_termination(incident: Incident):
    yield incident.harm_started
    duration = incident.mode.active_duration(incident.threat)
    if duration is None:
        return
    rng = incident.streams.get("duration", incident.threat.id)
    yield incident.env.timeout(duration.sample(rng))
    incident.end_attack("self_terminated")


def alert(incident: Incident, agency_id: str, via: str) -> None:
    """Alert an agency (once: its earliest alert counts) and start what it does."""
    if agency_id in incident.alerted:
        return
    incident.alerted[agency_id] = incident.now()
    incident.emit("agency_alerted", agency=agency_id, via=via)
    _start(incident, incident.scenario.agency(agency_id))


def _start(incident: Incident, agency) -> None:
    """Pass the agency's alerts and send its units, each once (see _follow_changes)."""
    started = incident.component(Response).started
    for edge in agency.alerts:
        if ("alert", agency.id, edge.to) not in started:
            started.add(("alert", agency.id, edge.to))
            incident.env.process(_pass_alert(incident, agency.id, edge))
    if agency.id in incident.units_handled_elsewhere:
        return  # e.g. ambulances: the medical model dispatches them
    for base in agency.bases:
        for k in range(base.units):
            if ("unit", agency.id, base.id, k) not in started:
                started.add(("unit", agency.id, base.id, k))
                incident.env.process(_unit(incident, agency, base, k))


def _follow_changes(incident: Incident) -> None:
    """A decision during the incident (``World.apply``): agencies already alerted pass
    alerts along new edges and send units from new or reinforced bases; what is
    already under way keeps its course."""
    for agency_id in list(incident.alerted):
        _start(incident, incident.scenario.agency(agency_id))


def _pass_alert(incident: Incident, source: str, edge):
    # The current edge: a decision may have changed it since the alert (World.apply).
    current = incident.scenario.agency(source).alerts
    edge = next((e for e in current if e.to == edge.to), edge)
    rng = incident.streams.get("alert", source, edge.to)
    yield incident.env.timeout(edge.delay_min.sample(rng))
    alert(incident, edge.to, source)


def _unit(incident: Incident, agency, base, k: int):
    unit_id = f"{agency.id}/{base.id}/{k}"
    agency = incident.scenario.agency(agency.id)  # current: a decision may have changed it
    dispatch, speed_kmh = departure(agency, incident.streams.get("unit", unit_id))
    yield incident.env.timeout(dispatch + travel_min(base.distance_km, speed_kmh))
    incident.emit("unit_arrived", unit=unit_id, agency=agency.id, role=agency.role.value)
    if agency.engagement is not None:
        yield from _engage(incident, agency.engagement, unit_id)


def departure(agency, rng) -> tuple[float, float]:
    """A unit's dispatch delay (minutes) and road speed (km/h), drawn in that order from
    its own stream: every agency's units, the police's and the ambulances', leave this way."""
    dispatch = agency.dispatch_delay_min.sample(rng)
    speed_kmh = max(agency.speed_kmh.sample(rng), 1e-6)
    return dispatch, speed_kmh


def travel_min(distance_km: float, speed_kmh: float) -> float:
    """Minutes to drive ``distance_km`` at ``speed_kmh``."""
    return distance_km / speed_kmh * 60.0


def _response_force(incident: Incident, force):
    rng = incident.streams.get("response-force", incident.site.id)
    yield incident.env.timeout(force.time_min.sample(rng))
    incident.emit("unit_arrived", unit="response-force", agency="response-force", role="police")
    yield from _engage(incident, force.engagement, "response-force")


def _engage(incident: Incident, engagement: Engagement, unit_id: str):
    """Engage until the attack ends: each engagement neutralises with p_neutralise."""
    if incident.ended:
        return
    if incident.first_responder is None:
        incident.first_responder = incident.now()
    rng = incident.streams.get("engage", unit_id)
    while not incident.ended and engagement_can_end(incident):
        yield incident.env.timeout(engagement.engagement_min.sample(rng))
        success = rng.random() < engagement.p_neutralise
        if incident.ended or not engagement_can_end(incident):
            return
        if success:
            incident.end_attack("neutralised", unit=unit_id)


def engagement_can_end(incident: Incident) -> bool:
    """Whether ground responders can end the attack now: the mode says (not an aircraft in
    flight, nor a release or a disruption once under way: those end by evacuation)."""
    return incident.mode.responders_can_end(incident)


def _metrics(incident: Incident) -> dict[str, float]:
    nan = math.nan
    reached = incident.reached_site
    harm = incident.harm_start
    responder = incident.first_responder
    end = incident.end_time  # None while the attack goes on
    ended_before_harm = end is not None and (harm is None or end < harm)
    return {
        "detected_before_target": float(incident.first_detection is not None) if reached else nan,
        "interrupted": (
            float(responder is not None and (harm is None or responder < harm)) if reached else nan
        ),
        "neutralised_before_harm": (
            float(ended_before_harm and incident.ended_by == "neutralised") if reached else nan
        ),
        "stopped_by_layer": float(incident.ended_by == "stopped") if reached else nan,
        "attack_succeeded": float(harm is not None),
        "stopped_before_harm": float(harm is None) if reached else nan,
        "min_to_harm": harm if harm is not None else nan,
        "min_to_first_responder": responder if responder is not None else nan,
        "min_to_neutralisation": (
            end if end is not None and incident.ended_by == "neutralised" else nan
        ),
        "min_attack_active": (
            (end if end is not None else incident.now()) - harm
            if harm is not None
            else (0.0 if reached else nan)
        ),
    }
