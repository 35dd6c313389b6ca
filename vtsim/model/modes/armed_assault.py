"""``armed_assault``: An armed assault: attackers cross the site's ground layers and harm
people at a rate while the attack goes on, until neutralised or it ends by itself.

Abstract (MODEL.md): categories, probabilities, delays, rates and counts. The default
behaviour of :class:`~vtsim.model.modes.base.AttackOnPeople` applies: the ground
layers, then a ``rate`` or ``instant`` harm (:mod:`vtsim.model.harm`).
"""

from __future__ import annotations

from typing import Literal

from vtsim.model.modes.base import AttackOnPeople, register
from vtsim.scenario.threats import AttackOnPeopleThreat


class ArmedAssaultThreat(AttackOnPeopleThreat):
    mode: Literal["armed_assault"]


@register
class ArmedAssault(AttackOnPeople):
    schema = ArmedAssaultThreat
