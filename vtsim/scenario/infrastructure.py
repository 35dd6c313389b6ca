"""Scenario section ``infrastructure``: a city's interdependent networks, outages and repair.

Facilities belong to a sector (power, water, telecom, health...). Within a sector,
service reaches a facility only if it is connected through working ``links`` to a
working ``source`` of that sector (a sector without any source, such as hospitals,
serves itself). Across sectors, a ``dependency`` says a facility needs another
sector's service: its suppliers of one sector are redundant (any one in service
is enough), and when all are lost the facility runs on backup for
``backup_hours`` before it drops out. Damaged facilities wait for a repair crew.

The network can be written inline or as a node/edge CSV pair next to the scenario
file (``network_files``), read once when the scenario is loaded
(:func:`vtsim.scenario.network_files.read_network_files`); nothing downstream reads files.

Units: hours of outage and repair time (``_hours``), days for the horizon.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated, Literal

from pydantic import Field, model_validator

from vtsim.scenario.distributions import Dist, Fixed
from vtsim.scenario.schema_base import Model, Text, at_least, at_most

Ident = str  # validated as an Identifier in the fields below

_ID = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class Facility(Model):
    """One facility: a plant, substation, pumping station, exchange, hospital..."""

    id: Ident = _ID
    name: Text = ""
    sector: Ident = Field(min_length=1, description="power, water, telecom, health, ...")
    population_served: Annotated[
        float, at_most(100_000_000, "people", "a facility serves a city, not a continent")
    ] = Field(0.0, ge=0, description="People (customers) who lose this sector's service with it.")
    source: bool = Field(False, description="Produces its sector's service (plant, headworks).")
    critical: bool = Field(
        False, description="A critical customer (hospital, emergency centre): first in a plan."
    )
    backup_hours: float = Field(
        0.0,
        ge=0,
        description="Autonomy when a needed service from another sector is lost "
        "(generator fuel, water tank, batteries), hours.",
    )
    repair_hours: Dist = Field(
        Fixed(value=24.0), description="On-site repair time once a crew is there, hours."
    )
    reset_hours: Dist = Field(
        Fixed(value=1.0),
        description="On-site time to reset it by hand after it was tripped remotely, hours.",
    )
    controls: list[Ident] = Field(
        default_factory=list,
        description="Facilities this one operates remotely (a control centre): a cyber "
        "intrusion that takes it down trips them too, each needing a crew visit to reset.",
    )
    site: Ident | None = Field(
        None, description="The scenario site this facility is (reopens when it is in service)."
    )
    x: float | None = Field(None, description="Map position for figures (any unit).")
    y: float | None = None


class Link(Model):
    """A working connection within one sector (a line, a main, a fibre), both ways."""

    id: Ident | None = None
    between: list[Ident] = Field(min_length=2, max_length=2)


class Dependency(Model):
    """``facility`` needs the service of ``needs`` (facilities of another sector).

    Suppliers of the same sector are redundant: one in service is enough. A facility
    may need several sectors (several dependencies)."""

    id: Ident | None = None
    facility: Ident = _ID
    needs: list[Ident] = Field(min_length=1)
    backup_hours: float | None = Field(
        None, ge=0, description="Autonomy for this need; the facility's backup_hours if omitted."
    )


class Crew(Model):
    """Repair crews of one organisation: each unit repairs one facility at a time."""

    id: Ident = _ID
    name: Text = ""
    count: Annotated[int, at_most(10_000, "crew units")] = Field(1, ge=0, description="Crew units.")
    sectors: list[Ident] | None = Field(None, description="Sectors it can repair; all if omitted.")
    travel_hours: Dist = Field(Fixed(value=1.0), description="Travel to each job, hours.")
    available_after_hours: float = Field(
        0.0, ge=0, description="Hours after the attack before it can start (mutual aid: later)."
    )


class ManualOperation(Model):
    """Facilities tripped remotely are put back by hand, each by its own team, all at once.

    After the control-system intrusion of 23 December 2015 the Ukrainian distribution
    companies sent staff to every tripped substation and ran them by hand; power was back
    within 1-6 hours (E-ISAC and SANS ICS 2016). Restoration is then parallel, one team
    per tripped facility, not a queue for the repair crews: each is back in service
    ``dispatch_hours`` + its ``reset_hours`` after the trip (once its needs are met).
    Damaged facilities still wait for a crew."""

    dispatch_hours: Dist = Field(
        Fixed(value=1.0),
        description="From the trip to a team on site at a tripped facility (call-out and "
        "travel), hours; drawn for each facility.",
    )
    sectors: list[Ident] | None = Field(
        None, description="Sectors whose tripped facilities are run by hand; all if omitted."
    )


class Restoration(Model):
    """Which job a free crew takes next, and who resets facilities tripped remotely."""

    rule: Literal["population", "critical_first", "order"] = Field(
        "population",
        description="population: most people cut off by the facility (directly or through the "
        "network) first; critical_first: those cutting off a critical customer first, then by "
        "population; order: the given order, then by population.",
    )
    order: list[Ident] = Field(default_factory=list)
    manual_operation: ManualOperation | None = Field(
        None,
        description="Tripped facilities are reset by hand, one team each, in parallel (as "
        "in Ukraine, 2015); omitted: they wait for a repair crew like damaged ones.",
    )


class NetworkFiles(Model):
    nodes: str = Field(description="CSV of facilities, relative to the scenario file.")
    edges: str | None = Field(None, description="CSV of links and dependencies.")


class Infrastructure(Model):
    """Interdependent infrastructure of the scenario's city."""

    horizon_days: Annotated[
        float, at_most(365, "days", "the recovery model covers days and weeks, not years")
    ] = Field(14.0, gt=0, description="Recovery window simulated, days.")
    curve_step_hours: Annotated[
        float,
        at_least(0.1, "hours (6 minutes)", "finer steps make the service curves too long to keep"),
    ] = Field(6.0, description="Step of the service curves Q(t) kept per replication, hours.")
    cyber_detection_hours: Dist | None = Field(
        None,
        description="Time for the defenders to detect an intrusion, hours; an intrusion "
        "detected before its dwell time ends does no harm. Never detected if omitted.",
    )
    facilities: list[Facility] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    dependencies: list[Dependency] = Field(default_factory=list)
    crews: list[Crew] = Field(default_factory=list)
    restoration: Restoration = Field(default_factory=Restoration)
    network_files: NetworkFiles | None = Field(
        None, description="Node/edge CSV pair, merged into facilities/links/dependencies at load."
    )

    @model_validator(mode="after")
    def _curve_points(self):
        points = self.horizon_days * 24 / self.curve_step_hours
        if points > 100_000:
            raise ValueError(
                f"expected at most 100,000 points on a service curve (horizon_days x 24 / "
                f"curve_step_hours); got {points:,.0f}: use a longer curve_step_hours"
            )
        return self

    def facility(self, facility_id: str) -> Facility:
        return next(f for f in self.facilities if f.id == facility_id)


# --------------------------------------------------------------------------- checks


def check_infrastructure(scenario) -> Iterator[tuple[tuple, str]]:
    """Cross-reference problems of the infrastructure section and of threats on facilities."""
    infra: Infrastructure | None = scenario.infrastructure
    loc = ("infrastructure",)
    for i, threat in enumerate(scenario.threats):
        if threat.facility is None:
            continue
        if infra is None:
            yield (
                ("threats", i, "facility"),
                "names a facility, but the scenario has no infrastructure section.",
            )
        elif threat.facility not in {f.id for f in infra.facilities}:
            yield from _known(threat.facility, infra, ("threats", i, "facility"))
    if infra is None:
        return
    if infra.network_files is not None:
        yield (
            (*loc, "network_files"),
            "is read only when a scenario is loaded from a file (paths are relative to it); "
            "use load_scenario(path).",
        )
    ids = {f.id: f for f in infra.facilities}
    site_ids = [s.id for s in scenario.sites]
    groups: tuple[tuple[str, Sequence[Facility | Crew]], ...] = (
        ("facilities", infra.facilities),
        ("crews", infra.crews),
    )
    for key, items in groups:
        seen: set[str] = set()
        for j, item in enumerate(items):
            if item.id in seen:
                yield (*loc, key, j, "id"), f"id '{item.id}' is used twice; ids must be unique."
            seen.add(item.id)
    for j, facility in enumerate(infra.facilities):
        for k, other in enumerate(facility.controls):
            yield from _known(other, infra, (*loc, "facilities", j, "controls", k))
        if facility.site is not None and facility.site not in site_ids:
            yield (
                (*loc, "facilities", j, "site"),
                f"expected the id of a site (one of: {', '.join(site_ids)}); "
                f"got '{facility.site}'.",
            )
    for j, link in enumerate(infra.links):
        a, b = link.between
        bad = [x for x in (a, b) if x not in ids]
        for k, x in enumerate(link.between):
            if x in bad:
                yield from _known(x, infra, (*loc, "links", j, "between", k))
        if bad:
            continue
        if a == b:
            yield (*loc, "links", j, "between"), f"links '{a}' to itself."
        elif ids[a].sector != ids[b].sector:
            yield (
                (*loc, "links", j, "between"),
                f"joins '{a}' ({ids[a].sector}) and '{b}' ({ids[b].sector}); a link stays within "
                "one sector: write a dependency for a need across sectors.",
            )
    for j, dep in enumerate(infra.dependencies):
        if dep.facility not in ids:
            yield from _known(dep.facility, infra, (*loc, "dependencies", j, "facility"))
            continue
        for k, supplier in enumerate(dep.needs):
            if supplier not in ids:
                yield from _known(supplier, infra, (*loc, "dependencies", j, "needs", k))
            elif ids[supplier].sector == ids[dep.facility].sector:
                yield (
                    (*loc, "dependencies", j, "needs", k),
                    f"'{supplier}' is in the same sector as '{dep.facility}' "
                    f"({ids[supplier].sector}); within a sector write a link.",
                )
    for k, facility_id in enumerate(infra.restoration.order):
        yield from _known(facility_id, infra, (*loc, "restoration", "order", k))
    manual = infra.restoration.manual_operation
    sectors = list(dict.fromkeys(f.sector for f in infra.facilities))
    manual_sectors = (manual.sectors or []) if manual is not None else []
    for k, sector in enumerate(manual_sectors):
        if sector not in sectors:
            yield (
                (*loc, "restoration", "manual_operation", "sectors", k),
                f"expected a sector of the facilities (one of: {', '.join(sectors)}); "
                f"got '{sector}'.",
            )


def _known(value: str, infra: Infrastructure, loc: tuple) -> Iterator[tuple[tuple, str]]:
    ids = [f.id for f in infra.facilities]
    if value not in ids:
        shown = ", ".join(ids[:12]) + (", ..." if len(ids) > 12 else "")
        yield (
            loc,
            f"expected the id of a facility (one of: {shown or 'none defined'}); got '{value}'.",
        )
