"""Scenario section ``sites[].zones[].queue``: a screening queue outside the perimeter.

Instead of a fixed ``occupancy``, a queue zone declares how visitors arrive
(a piecewise-constant rate: a time-varying Poisson process from the moment the
gates open), how many screening lanes there are and how long screening one
visitor takes. :mod:`vtsim.model.queue` simulates the day: the people waiting
when the attack starts are the zone's occupancy (an exposed crowd outside the
perimeter), and the total delay of all visitors is the burden of screening.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from vtsim.scenario.distributions import Dist
from vtsim.scenario.schema_base import Model


class ArrivalPeriod(Model):
    """Visitors arrive at ``per_min`` (Poisson) until ``until_min`` after the gates open."""

    until_min: float = Field(gt=0, description="End of this period, minutes after opening.")
    per_min: float = Field(ge=0, description="Mean visitor arrivals per minute in this period.")


class ScreeningQueue(Model):
    """Visitors queueing for screening lanes before they enter the perimeter."""

    arrivals: list[ArrivalPeriod] = Field(
        min_length=1, description="Arrival rate profile, in time order (until_min increasing)."
    )
    lanes: int = Field(ge=1, description="Screening lanes open (servers, first come first served).")
    service_s: Dist = Field(description="Seconds to screen one visitor in one lane.")
    attack_at_min: Dist = Field(
        description="When, in minutes after the gates open, an attack on this zone would start."
    )

    @model_validator(mode="after")
    def _in_time_order(self):
        ends = [p.until_min for p in self.arrivals]
        if any(b <= a for a, b in zip(ends, ends[1:])):
            raise ValueError("expected arrival periods in time order (until_min increasing)")
        return self

    @property
    def open_min(self) -> float:
        """Minutes from opening to the end of the last arrival period."""
        return self.arrivals[-1].until_min
