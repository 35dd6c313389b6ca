"""``explosive_device``: An explosive device: carried through the ground layers (screening
can detect it), harming a share of the people exposed at once.

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


class ExplosiveDeviceThreat(AttackOnPeopleThreat):
    mode: Literal["explosive_device"]


@register
class ExplosiveDevice(AttackOnPeople):
    schema = ExplosiveDeviceThreat

    def scene_clearance(self, scene: SceneAccess) -> Dist:
        """Medical teams go in once the scene is checked for secondary devices (not swept
        like a building after an assault)."""
        return scene.secondary_device_check_min
