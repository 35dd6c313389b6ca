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

The adaptive attacker at the site (both optional, declared per threat; without them
nothing here draws a number or changes a result):

- **displacement** (``fallback``): a threat that a layer of ``fallback.after`` stops (or
  detects, with ``when: [detected]``) strikes ``fallback.zone`` instead, a crowd that layer
  does not protect, with ``fallback.probability``, after ``fallback.delay_min``
  (:func:`fall_back`). Its draws come from their own stream ``("fallback", threat,
  layer)``: one uniform for the choice, then the delay. The outcome columns
  ``displaced`` and ``displaced_casualties`` are the :class:`Displacement` component's.
- **the moment and the zone** (``timing``): with probability ``timing.weight`` (stream
  ``("timing", threat)``) the attacker picks, among the threat's zone and
  ``timing.zones``, the zone with the most people at its densest minute (a screening
  queue at its peak of the day; a zone given by an occupancy distribution has no
  minute-by-minute profile, so its drawn occupancy), otherwise the declared zone at the
  drawn moment (:func:`choose_moment_and_zone`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from vtsim.model.component import Column, Component, count
from vtsim.model.crowd import Crowd
from vtsim.model.incident import Incident
from vtsim.model.queue import ScreeningQueues
from vtsim.model.streams import Streams
from vtsim.scenario.checks import register_check
from vtsim.scenario.schema import Layer, Site, Threat, Zone

if TYPE_CHECKING:
    from vtsim.scenario.schema import Scenario
    from vtsim.scenario.threats import Fallback, Problem, Timing

_FRACTION_BEFORE_DETECTION = {"begin": 0.0, "middle": 0.5, "end": 1.0}


def protected_zones(site: Site, layer: Layer) -> list[str]:
    """The zones a layer protects (its ``zones``; by default those inside the perimeter)."""
    zones = (
        layer.zones if layer.zones is not None else [z.id for z in site.zones if z.inside_perimeter]
    )
    if "*" in zones:  # every zone of the site, those outside the perimeter too
        return [z.id for z in site.zones]
    return list(zones)


def path_layers_for(site: Site, threat: Threat, zone: str | None = None) -> list[Layer]:
    """The layers a threat crosses on its way to its target zone (``zone``: another zone
    the attacker chose, see :func:`choose_moment_and_zone`), in order."""
    from vtsim.model.modes import mode_of  # the registry imports this module

    if not mode_of(threat).crosses_ground_layers:
        return []
    target = threat.zone if zone is None else zone
    layers = []
    for layer in site.layers:
        if target not in protected_zones(site, layer):
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
    fallback: Fallback | None = getattr(threat, "fallback", None)
    for layer in path_layers_for(incident.site, threat, incident.zone.id):
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
        if fallback is not None and _falls_back(incident, fallback, layer, detects, stops):
            yield from fall_back(incident, fallback, layer)
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


# --------------------------------------------------------------------------- displacement


def _falls_back(
    incident: Incident, fallback: Fallback, layer: Layer, detects: bool, stops: bool
) -> bool:
    """Whether the threat, at the end of ``layer``, turns to its fallback zone: the layer
    is one of ``fallback.after``, it stopped or detected the threat as ``fallback.when``
    says, and the fallback stream's draw falls under ``fallback.probability``."""
    if fallback.after is not None and layer.id not in fallback.after:
        return False
    triggered = ("stopped" in fallback.when and stops) or ("detected" in fallback.when and detects)
    if not triggered:
        return False
    # Its own stream per (threat, layer): the choice, then the delay. Drawn only when a
    # layer triggers it, so no other draw moves.
    rng = incident.streams.get("fallback", incident.threat.id, layer.id)
    return bool(rng.random() < fallback.probability)


def fall_back(incident: Incident, fallback: Fallback, layer: Layer):
    """SimPy process: the threat turns to ``fallback.zone`` after ``layer`` (displacement).

    The target becomes the fallback zone: its crowd (the people there, drawn or queueing
    now) replaces the first target's as the people exposed, and harm starts there after
    ``fallback.delay_min`` unless responders end the attack first. No further layer is
    crossed: the fallback zone lies before the layer."""
    rng = incident.streams.get("fallback", incident.threat.id, layer.id)
    delay = max(fallback.delay_min.sample(rng), 0.0)
    incident.displaced_from = layer.id
    incident.at_densest = False  # the fallback zone is struck at this moment
    incident.zone = next(z for z in incident.site.zones if z.id == fallback.zone)
    crowd = Crowd.create(incident)
    incident.add_component(crowd, Crowd)
    incident.emit("displaced", layer=layer.id, zone=incident.zone.id, delay_min=delay)
    # People already told to leave by an agency that alerts the site leave here too.
    for agency in incident.site.evacuation.alerted_by:
        if agency in incident.alerted:
            crowd.warn(f"alerted by {agency}")
            break
    yield incident.env.timeout(delay)
    if not incident.ended:
        incident.start_harm()


class Displacement(Component):
    """Attacks displaced to a fallback target (in scenarios where a threat declares
    ``fallback``): whether this replication's attack was, and the casualties there."""

    name: ClassVar[str] = "displacement"

    @classmethod
    def applies_to(cls, scenario: Scenario) -> bool:
        return any(getattr(t, "fallback", None) is not None for t in scenario.threats)

    @classmethod
    def columns(cls, scenario: Scenario) -> list[Column]:
        return [
            Column(
                "displaced",
                "0/1",
                "A layer stopped or detected the threat and it turned to its fallback target "
                "(a zone outside that layer) instead.",
            ),
            count(
                "displaced_casualties",
                "Casualties at the fallback target of a displaced attack (0 otherwise; "
                "counted among all the casualties too).",
            ),
        ]

    def metrics(self) -> dict[str, float]:
        incident = self.incident
        displaced = incident.displaced_from is not None
        crowd = incident.find(Crowd)
        harmed = crowd.casualties if (displaced and crowd is not None) else 0
        return {"displaced": float(displaced), "displaced_casualties": float(harmed)}


# --------------------------------------------------------------------------- the moment


def densest_exposure(incident: Incident, zone: Zone) -> int:
    """The most people the attacker can find in ``zone``: a screening queue at its peak of
    the day; a zone given by an occupancy distribution has no minute-by-minute profile, so
    its drawn occupancy (read from a copy of the crowd's stream: nothing is consumed)."""
    if zone.queue is not None:
        return incident.component(ScreeningQueues).peak_outside(incident.site.id, zone.id)
    assert zone.occupancy is not None  # a zone has an occupancy or a queue
    streams = incident.streams
    peek = Streams(streams.seed, streams.replication).get("crowd", zone.id)
    return int(round(zone.occupancy.sample(peek)))


def choose_moment_and_zone(incident: Incident) -> None:
    """The attacker's choice of moment and zone, as the threat's ``timing`` says (see the
    module docstring). Without ``timing`` (or ``random``) nothing is drawn or changed."""
    threat = incident.threat
    timing: Timing | None = getattr(threat, "timing", None)
    if timing is None or timing.weight <= 0:
        return
    if timing.weight < 1 and incident.streams.get("timing", threat.id).random() >= timing.weight:
        return  # this time at random: the declared zone at the drawn moment
    zones = {z.id: z for z in incident.site.zones}
    candidates = [threat.zone, *(z for z in timing.zones if z != threat.zone)]
    best, most = zones[threat.zone], -1
    for zone_id in candidates:  # the first of equals wins: the declared zone first
        exposure = densest_exposure(incident, zones[zone_id])
        if exposure > most:
            best, most = zones[zone_id], exposure
    incident.zone = best
    incident.at_densest = True


# --------------------------------------------------------------------------- checks


def _adaptive_attacker_problems(scenario: Scenario) -> Iterator[Problem]:
    """A fallback zone exists, differs from the target and lies outside the layers it
    follows; those layers and the timing's zones exist; a zone harmed by density has an
    area."""
    for i, threat in enumerate(scenario.threats):
        fallback = getattr(threat, "fallback", None)
        timing = getattr(threat, "timing", None)
        if fallback is None and timing is None:
            continue
        site = next((s for s in scenario.sites if s.id == threat.site), None)
        if site is None:
            continue  # reported by the scenario checks
        zones = {z.id: z for z in site.zones}
        needs_area = threat.harm.profile == "path" or getattr(threat.harm, "reach_m2", None)
        if fallback is not None:
            loc = ("threats", i, "fallback")
            if fallback.zone not in zones:
                yield (
                    (*loc, "zone"),
                    f"expected a zone of site '{site.id}' (one of: {', '.join(zones)}); "
                    f"got '{fallback.zone}'.",
                )
                continue
            if fallback.zone == threat.zone:
                yield (*loc, "zone"), "expected a zone other than the threat's own target zone."
            layers = {layer.id: layer for layer in site.layers}
            if fallback.after is None:  # every layer on the path: none may cover the zone
                covering = [
                    layer.id
                    for layer in path_layers_for(site, threat)
                    if fallback.zone in protected_zones(site, layer)
                ]
                if covering:
                    yield (
                        loc,
                        f"layer '{covering[0]}' on the threat's path protects the fallback "
                        f"zone '{fallback.zone}' too: list in `after` the layers the fallback "
                        "follows (a fallback target lies outside them).",
                    )
            for k, layer_id in enumerate(fallback.after or []):
                if layer_id not in layers:
                    yield (
                        (*loc, "after", k),
                        f"expected a layer of site '{site.id}' (one of: "
                        f"{', '.join(layers) or 'none defined'}); got '{layer_id}'.",
                    )
                elif fallback.zone in protected_zones(site, layers[layer_id]):
                    yield (
                        (*loc, "after", k),
                        f"layer '{layer_id}' protects the fallback zone '{fallback.zone}' too: "
                        "a fallback target lies outside the layers it follows.",
                    )
            if needs_area and zones[fallback.zone].area_m2 is None:
                yield (
                    (*loc, "zone"),
                    f"zone '{fallback.zone}' needs `area_m2`: this threat's harm follows the "
                    "crowd density.",
                )
        if timing is not None:
            for k, zone_id in enumerate(timing.zones):
                where = ("threats", i, "timing", "zones", k)
                if zone_id not in zones:
                    yield (
                        where,
                        f"expected a zone of site '{site.id}' (one of: {', '.join(zones)}); "
                        f"got '{zone_id}'.",
                    )
                elif needs_area and zones[zone_id].area_m2 is None:
                    yield (
                        where,
                        f"zone '{zone_id}' needs `area_m2`: this threat's harm follows the "
                        "crowd density.",
                    )


register_check(_adaptive_attacker_problems)
