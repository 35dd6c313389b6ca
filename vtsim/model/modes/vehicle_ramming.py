"""``vehicle_ramming``: a vehicle driven into a crowd, abstractly.

The vehicle approaches through the site's ground layers; a layer with ``p_stop`` (vehicle
barriers, stand-off) stops it outright. Harm, profile ``path``: the vehicle drives
``drive.path_m`` metres through the target zone at ``drive.speed_kmh`` and meets the
people standing in a strip ``drive.swept_width_m`` wide: their number is Poisson with
mean ``density * path * width`` (density = people in the zone / ``zone.area_m2``, capped
at the people there), and each of them is harmed with ``harm.fraction_harmed``; the
casualties happen over the drive, after which the vehicle has stopped. With ``moment:
densest`` the attacker strikes a screening queue at its densest moment of the day. The
older ``rate`` and ``instant`` profiles remain for scenarios written before.

Abstract (MODEL.md): counts, densities, distances and probabilities; nothing about any
vehicle or how it is used.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Annotated, Literal, cast

from pydantic import Field

from vtsim.model import harm as harm_api
from vtsim.model.crowd import Crowd
from vtsim.model.incident import Incident
from vtsim.model.modes.base import AttackOnPeople, register
from vtsim.scenario.checks import register_check
from vtsim.scenario.distributions import Dist, dist_bounds
from vtsim.scenario.medical import SceneAccess
from vtsim.scenario.schema_base import Model
from vtsim.scenario.threats import AttackOnPeopleThreat, Harm, Problem


class RammingHarm(Harm):
    profile: Literal["path", "rate", "instant"] = Field(
        description="'path': harm set by the crowd density along the vehicle's path (see "
        "`drive`); 'rate' or 'instant': the older crowd-wide profiles."
    )


class Drive(Model):
    """How far and how fast the vehicle goes through the target zone."""

    path_m: Annotated[Dist, dist_bounds("metres", high=100_000)] = Field(
        description="Metres driven through the crowd before it stops."
    )
    speed_kmh: Annotated[
        Dist, dist_bounds("km/h", positive="at zero speed the vehicle never moves", high=500)
    ] = Field(description="Speed through the crowd, km/h.")
    swept_width_m: float = Field(
        3.0, gt=0, le=20, description="Width of the strip of people the vehicle meets, m."
    )


class VehicleRammingThreat(AttackOnPeopleThreat):
    mode: Literal["vehicle_ramming"]
    harm: RammingHarm  # type: ignore[assignment]  # the ground modes' harm, plus 'path'
    drive: Drive | None = Field(None, description="The 'path' profile's drive.")
    moment: Literal["drawn", "densest"] = Field(
        "drawn",
        description="When a screening queue is struck: at its drawn attack moment, or at its "
        "densest moment of the day (the attacker's choice).",
    )

    def problems(self) -> Iterator[Problem]:
        if self.harm.profile != "path":
            yield from super().problems()
            return
        if self.drive is None:
            yield ("drive",), "is required for the 'path' harm profile (path_m, speed_kmh)."
        if self.harm.fraction_harmed == 0:
            yield (
                ("harm", "fraction_harmed"),
                ("expected a positive share of the people in the vehicle's path harmed."),
            )


def _zones_need_an_area(scenario) -> Iterator[Problem]:
    """A 'path' ramming needs the density of its target zone, so the zone's area."""
    for i, threat in enumerate(scenario.threats):
        if threat.mode != "vehicle_ramming" or threat.harm.profile != "path":
            continue
        site = next((s for s in scenario.sites if s.id == threat.site), None)
        zone = next((z for z in site.zones if z.id == threat.zone), None) if site else None
        if zone is not None and zone.area_m2 is None:
            yield (
                ("threats", i, "zone"),
                (
                    f"zone '{zone.id}' needs `area_m2` (its crowd's ground, m²) for a 'path' "
                    "ramming: the harm follows the crowd density."
                ),
            )


register_check(_zones_need_an_area)


def drive_through(incident: Incident, crowd: Crowd):
    """Harm profile ``path`` (see the module docstring)."""
    threat = cast(VehicleRammingThreat, incident.threat)
    drive = threat.drive
    assert drive is not None  # required with the 'path' profile (problems above)
    rng, triage_rng, triage, at_onset = harm_api.onset(incident, crowd, "vehicle in the crowd")
    path_m = max(drive.path_m.sample(rng), 0.0)
    speed_m_per_min = max(drive.speed_kmh.sample(rng), 1e-6) * 1000.0 / 60.0
    area = incident.zone.area_m2 or math.inf
    in_path = min(at_onset, int(rng.poisson(at_onset / area * path_m * drive.swept_width_m)))
    harmed = int(rng.binomial(in_path, threat.harm.fraction_harmed)) if in_path else 0
    duration = path_m / speed_m_per_min
    when = sorted(rng.random(harmed) * duration)
    elapsed = 0.0
    for t in when:  # people are reached one after another along the path
        if t > elapsed:
            yield incident.env.timeout(t - elapsed)
            elapsed = t
        if incident.ended:
            return
        harm_api.harm_one(incident, crowd, triage(triage_rng.random()))
    if duration > elapsed:
        yield incident.env.timeout(duration - elapsed)
    incident.end_attack("completed", zone=incident.zone.id)


@register
class VehicleRamming(AttackOnPeople):
    schema = VehicleRammingThreat

    def harm(self, incident: Incident, crowd: Crowd):
        if incident.threat.harm.profile == "path":
            yield from drive_through(incident, crowd)
        else:
            yield from super().harm(incident, crowd)

    def strikes_at_densest(self, threat) -> bool:
        return cast(VehicleRammingThreat, threat).moment == "densest"

    def scene_clearance(self, scene: SceneAccess) -> Dist:
        """Medical teams go in once the stopped vehicle and its occupants are secured."""
        return scene.vehicle_secured_min
