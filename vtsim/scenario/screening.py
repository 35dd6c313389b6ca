"""Scenario section ``sites[].zones[].queue``: a screening queue outside the perimeter.

Instead of a fixed ``occupancy``, a queue zone declares how visitors arrive
(a piecewise-constant rate: a time-varying Poisson process from the moment the
gates open), how many screening lanes there are and how long screening one
visitor takes. :mod:`vtsim.model.queue` simulates the day: the people waiting
when the attack starts are the zone's occupancy (an exposed crowd outside the
perimeter), and the total delay of all visitors is the burden of screening.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from vtsim.scenario.distributions import Dist
from vtsim.scenario.schema_base import Model, at_most

MAX_VISITORS = 1_000_000


class ArrivalPeriod(Model):
    """Visitors arrive at ``per_min`` (Poisson) until ``until_min`` after the gates open."""

    until_min: Annotated[
        float, at_most(43_200, "minutes (30 days)", "a queue is simulated for one event or season")
    ] = Field(gt=0, description="End of this period, minutes after opening.")
    per_min: Annotated[float, at_most(10_000, "arrivals a minute", "each visitor is simulated")] = (
        Field(ge=0, description="Mean visitor arrivals per minute in this period.")
    )


class ScreeningQueue(Model):
    """Visitors queueing for screening lanes before they enter the perimeter."""

    arrivals: list[ArrivalPeriod] = Field(
        min_length=1, description="Arrival rate profile, in time order (until_min increasing)."
    )
    lanes: Annotated[int, at_most(1_000, "lanes")] = Field(
        ge=1, description="Screening lanes open (servers, first come first served)."
    )
    service_s: Dist = Field(description="Seconds to screen one visitor in one lane.")
    attack_at_min: Dist = Field(
        description="When, in minutes after the gates open, an attack on this zone would start."
    )

    @model_validator(mode="after")
    def _in_time_order(self):
        ends = [p.until_min for p in self.arrivals]
        if any(b <= a for a, b in zip(ends, ends[1:])):
            raise ValueError("expected arrival periods in time order (until_min increasing)")
        visitors, start = 0.0, 0.0
        for period in self.arrivals:
            visitors += period.per_min * (period.until_min - start)
            start = period.until_min
        if visitors > MAX_VISITORS:
            raise ValueError(
                f"expected at most {MAX_VISITORS:,} visitors in the day (per_min x minutes, "
                f"added over the periods); got {visitors:,.0f}: each visitor is simulated, "
                "larger crowds are outside what the model was built and tested for"
            )
        return self

    @property
    def open_min(self) -> float:
        """Minutes from opening to the end of the last arrival period."""
        return self.arrivals[-1].until_min


class GroupScreening(Model):
    """How one population group is screened (``sites[].zones[].groups[].screening``): a
    group-dependent lane rule, e.g. visitors searched only by staff of their own sex."""

    service_factor: Annotated[float, at_most(100, "times the service time")] = Field(
        1.0,
        gt=0,
        description="Screening time of this group's visitors relative to the queue's "
        "`service_s` (1: the same; 1.5: half as long again).",
    )
    lane: Literal["any", "own"] = Field(
        "any",
        description="'any': the group uses the shared lanes; 'own': only its own `lanes` "
        "(taken from the queue's lanes) serve it, and they serve nobody else.",
    )
    lanes: Annotated[int, at_most(1_000, "lanes")] = Field(
        1, ge=1, description="With lane 'own': how many of the queue's lanes serve this group."
    )
