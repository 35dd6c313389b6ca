"""``vehicle_ramming``: A vehicle ramming: the vehicle approaches through the ground layers
(barriers can stop it outright) and harms people at a rate for a short time.

Abstract (MODEL.md): categories, probabilities, delays, rates and counts. The default
behaviour of :class:`~vtsim.model.modes.base.AttackOnPeople` applies: the ground
layers, then a ``rate`` or ``instant`` harm (:mod:`vtsim.model.harm`).
"""

from __future__ import annotations

from typing import Literal

from vtsim.model.modes.base import AttackOnPeople, register
from vtsim.scenario.distributions import Dist
from vtsim.scenario.medical import SceneAccess
from vtsim.scenario.threats import AttackOnPeopleThreat


class VehicleRammingThreat(AttackOnPeopleThreat):
    mode: Literal["vehicle_ramming"]


@register
class VehicleRamming(AttackOnPeople):
    schema = VehicleRammingThreat

    def scene_clearance(self, scene: SceneAccess) -> Dist:
        """Medical teams go in once the stopped vehicle and its occupants are secured."""
        return scene.vehicle_secured_min
