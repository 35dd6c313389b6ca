"""``cyber_intrusion``: an intrusion into a facility's control system, abstractly.

It does not cross the site's ground layers and harms no one on site directly. It stays
hidden for its dwell time (``dwell_hours``) and then takes the facility down, and with
it every facility it ``controls`` (tripped remotely, each needing a reset on site);
if the defenders detect it first (``infrastructure.cyber_detection_hours``) it does
nothing. The service curves start at the first disruption (the end of the dwell).
Tripped facilities wait for the repair crews, or, with
``infrastructure.restoration.manual_operation``, are run by hand, each by its own team
at once (see :mod:`vtsim.model.infrastructure`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal, cast

from pydantic import Field

from vtsim.model.infrastructure import MIN_PER_HOUR, Grid, Strike
from vtsim.model.modes.base import ThreatMode, register
from vtsim.scenario.distributions import Dist
from vtsim.scenario.schema_base import Identifier
from vtsim.scenario.threats import Harm, Threat

if TYPE_CHECKING:
    from vtsim.model.incident import Incident


class IntrusionHarm(Harm):
    profile: Literal["instant"] = Field(
        description="'instant' with fraction_harmed 0: an intrusion harms no one on site."
    )


class CyberIntrusionThreat(Threat):
    mode: Literal["cyber_intrusion"]
    harm: IntrusionHarm
    facility: Identifier = Field(
        description="The infrastructure facility whose control system is intruded."
    )
    dwell_hours: Dist | None = Field(
        None,
        description="Undetected time from intrusion to effect, hours (cut short if the "
        "defenders detect it first).",
    )


@register
class CyberIntrusion(ThreatMode):
    schema = CyberIntrusionThreat
    crosses_ground_layers = False

    def strike_facility(self, incident: Incident) -> Strike:
        threat = cast(CyberIntrusionThreat, incident.threat)  # this mode's threat
        dwell_dist = threat.dwell_hours
        infra = incident.scenario.infrastructure
        assert infra is not None  # asked by the infrastructure component, which needs one
        detection = infra.cyber_detection_hours
        # Each from its own stream.
        dwell = dwell_dist.sample(incident.streams.get("dwell", threat.id)) if dwell_dist else 0.0
        detect = (
            detection.sample(incident.streams.get("cyber-detection", threat.id))
            if detection is not None
            else math.inf
        )

        def intrusion(grid: Grid, facility: int):
            if detect < dwell:
                yield grid.env.timeout(detect * MIN_PER_HOUR)
                incident.emit("intrusion_detected", facility=grid.net.ids[facility])
                return
            yield grid.env.timeout(dwell * MIN_PER_HOUR)
            grid.take_down(facility, "repair")
            for other in grid.net.controls[facility]:
                grid.take_down(other, "reset")
            grid.recompute()

        delay = dwell * MIN_PER_HOUR if detect >= dwell else 0.0
        return Strike(intrusion, delay_min=delay, detected=float(detect < dwell))
