"""Recover (site level): an attack that caused harm closes the site for a while
(investigation, repair, reopening). Infrastructure recovery is its own sub-model."""

from __future__ import annotations

from vtsim.model.incident import Incident


def install(incident: Incident) -> None:
    pass  # nothing happens in incident time; the closure is drawn at the end


def metrics(incident: Incident) -> dict[str, float]:
    rng = incident.streams.get("recovery", incident.site.id)
    days = incident.site.recovery.closure_days.sample(rng)
    return {"site_closed_days": days if incident.harm_start is not None else 0.0}
