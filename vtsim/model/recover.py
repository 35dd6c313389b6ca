"""Recover (site level): an attack that caused harm closes the site for a while
(investigation, repair, reopening). Infrastructure recovery is its own sub-model."""

from __future__ import annotations

from vtsim.model.incident import Incident


def install(incident: Incident) -> None:
    pass  # nothing happens in incident time; the closure is drawn at the end


def metrics(incident: Incident) -> dict[str, float]:
    rng = incident.streams.get("recovery", incident.site.id)
    days = incident.site.recovery.closure_days.sample(rng)
    days = days if incident.harm_start is not None else 0.0
    grid = getattr(incident, "infrastructure", None)  # set by the infrastructure sub-model
    if grid is not None:
        # The site reopens only once its own facility (if it is one) is back in service.
        days = max(days, grid.site_outage_days(incident.site.id))
    return {"site_closed_days": days}
