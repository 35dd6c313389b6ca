"""Protect: the threat crosses the site's layers in order (adversary sequence).

Each layer has a detection probability, a delay, and where along the delay a
detection happens (begin, middle, end). The first detection raises the alarm,
which is communicated with probability ``p_communication`` (one draw per attack,
as in EASI, where only the first detection counts). A layer may also stop the
threat outright (``p_stop``, e.g. vehicle barriers). After the last layer the
threat spends ``task_min`` at the target, then harm starts. The threat is
*interrupted* if responders arrive before harm starts.

Threats aimed at a zone outside the perimeter cross only the layers that list
that zone (by default: none). A mode whose path is not the ground layers (the
airspace of ``unmanned_aircraft``) says so and approaches its own way
(:mod:`vtsim.model.modes`); :func:`raise_detection` is the one way any path raises
the alarm.
"""

from __future__ import annotations

from vtsim.model.incident import Incident
from vtsim.scenario.schema import Layer, Site, Threat

_FRACTION_BEFORE_DETECTION = {"begin": 0.0, "middle": 0.5, "end": 1.0}


def path_layers_for(site: Site, threat: Threat) -> list[Layer]:
    """The layers a threat crosses on its way to its target zone, in order."""
    from vtsim.model.modes import mode_of  # the registry imports this module

    if not mode_of(threat).crosses_ground_layers:
        return []
    inside = [z.id for z in site.zones if z.inside_perimeter]
    layers = []
    for layer in site.layers:
        zones = layer.zones if layer.zones is not None else inside
        if "*" in zones:  # every zone of the site, those outside the perimeter too
            zones = [z.id for z in site.zones]
        if threat.zone not in zones:
            continue
        if not layer.acts_on(threat.mode):
            continue
        layers.append(layer)
    return layers


def approach(incident: Incident):
    """SimPy process: the threat's way to harm, as its mode says."""
    yield from incident.mode.approach(incident)


def ground_approach(incident: Incident):
    """SimPy process: cross the layers, do the task, then start harm (unless ended first)."""
    env, threat = incident.env, incident.threat
    comm_draw = incident.streams.get("communication", threat.id).random()
    for layer in path_layers_for(incident.site, threat):
        # One stream per (threat, layer), drawn in a fixed order: detect, delay, stop.
        rng = incident.streams.get("layer", threat.id, layer.id)
        detects = rng.random() < layer.p_detect
        delay = layer.delay_min.sample(rng)
        stops = rng.random() < layer.p_stop
        if detects and incident.first_detection is None:
            before = delay * _FRACTION_BEFORE_DETECTION[layer.location]
            yield env.timeout(before)
            if incident.ended:
                return
            raise_detection(incident, layer.id, comm_draw)
            yield env.timeout(delay - before)
        else:
            yield env.timeout(delay)
        if incident.ended:
            return
        if stops:
            incident.end_attack("stopped", layer=layer.id)
            return
    task = threat.task_min.sample(incident.streams.get("task", threat.id))
    yield env.timeout(task)
    if not incident.ended:
        incident.start_harm()


def raise_detection(incident: Incident, layer_id: str, comm_draw: float) -> None:
    """The first detection, by the layer ``layer_id``: its alarm is communicated if
    ``comm_draw`` (one uniform draw per attack) falls under ``p_communication``."""
    incident.first_detection = incident.now()
    incident.detection_layer = layer_id
    communicated = comm_draw < incident.site.p_communication
    incident.emit("detection", layer=layer_id, communicated=communicated)
    if communicated:
        incident.emit("alarm", source="detection", layer=layer_id)
