"""``armed_assault``: An armed assault: attackers cross the site's ground layers and harm
people at a rate while the attack goes on, until neutralised or it ends by itself.

Abstract (MODEL.md): categories, probabilities, delays, rates and counts. The default
behaviour of :class:`~vtsim.model.modes.base.AttackOnPeople` applies: the ground
layers, then a ``rate`` or ``instant`` harm (:mod:`vtsim.model.harm`).

The ``rate`` harm is bounded by the attacker, not proportional to the whole crowd:
``harm.max_casualties_per_min`` (the attacker's capacity) caps it whatever the crowd, and
``harm.reach_m2`` (with the zone's ``area_m2``) makes it follow the density near the
attacker (:func:`vtsim.model.harm.rate_per_min`; ``docs/modes.md``). Both are optional:
without them the rate is proportional to the people in the zone.
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
