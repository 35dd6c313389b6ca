"""Recover (site level): an attack that caused harm closes the site for a while
(investigation, repair, reopening). Infrastructure recovery is its own component."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from vtsim.model.component import Column, Component
from vtsim.model.infrastructure import Grid

if TYPE_CHECKING:
    from vtsim.scenario.schema import Scenario


class SiteRecovery(Component):
    """Days the site stays closed after an attack that caused harm."""

    name: ClassVar[str] = "recover"

    @classmethod
    def columns(cls, scenario: Scenario) -> list[Column]:
        return [
            Column(
                "site_closed_days",
                "days",
                "Days the site stays closed (investigation, repair, its own facility back).",
                0.0,
            )
        ]

    closure_days = 0.0

    def finish(self, t_end: float) -> None:
        # Drawn at the end, from the scenario as it is then: an exercise decision on
        # reopening taken during the incident counts.
        incident = self.incident
        rng = incident.streams.get("recovery", incident.site.id)
        days = incident.site.recovery.closure_days.sample(rng)
        days = days if incident.harm_start is not None else 0.0
        grid = incident.find(Grid)
        if grid is not None:
            # The site reopens only once its own facility (if it is one) is back in service.
            days = max(days, grid.site_outage_days(incident.site.id))
        self.closure_days = days

    def metrics(self) -> dict[str, float]:
        return {"site_closed_days": self.closure_days}
