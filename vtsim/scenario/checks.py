"""Cross-reference checks that a schema alone cannot express.

Each check yields ``(location, message)`` with the location as a pydantic-style
tuple into the scenario data, so the loader can name the field path and line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from vtsim.errors import VtsimError
from vtsim.scenario.schema import Scenario
from vtsim.scenario.threats import threat_schemas

Problem = tuple[tuple, str]


def _unique(items, loc: tuple, what: str) -> Iterator[Problem]:
    seen = set()
    for i, item in enumerate(items):
        if item.id in seen:
            yield (*loc, i, "id"), f"{what} id '{item.id}' is used twice; ids must be unique."
        seen.add(item.id)


def _known(value: str, known: list[str], loc: tuple, what: str) -> Iterator[Problem]:
    if value not in known:
        yield (
            loc,
            f"expected the id of {what} (one of: {', '.join(known) or 'none defined'}); "
            f"got '{value}'.",
        )


_REGISTERED: list[Callable[[Scenario], Iterator[Problem]]] = []


def register_check(check: Callable[[Scenario], Iterator[Problem]]) -> None:
    """Run ``check`` on every scenario validated from now on. A check that needs a higher
    layer (the exercise script check needs ``vtsim.exercise``) lives there and registers
    here, so the scenario layer never imports upwards."""
    if check not in _REGISTERED:
        _REGISTERED.append(check)


def check_scenario(s: Scenario) -> list[Problem]:
    """All cross-reference problems of a scenario (empty when it is consistent)."""
    return list(_check(s))


def check_references(s: Scenario) -> list[Problem]:
    """The cross-reference problems of a scenario changed by measures (a facility, zone or
    agency its changes name must exist), without applying its measures again and without
    the checks registered by higher layers (which may apply measures themselves)."""
    return list(_check(s, measures=False))


def _check(s: Scenario, measures: bool = True) -> Iterator[Problem]:
    site_ids = [x.id for x in s.sites]
    agency_ids = [a.id for a in s.agencies]
    measure_ids = [m.id for m in s.measures]
    yield from _unique(s.sites, ("sites",), "site")
    yield from _unique(s.threats, ("threats",), "threat")
    yield from _unique(s.agencies, ("agencies",), "agency")
    yield from _unique(s.measures, ("measures",), "measure")
    yield from _unique(s.packages, ("packages",), "package")

    for i, site in enumerate(s.sites):
        loc = ("sites", i)
        zone_ids = [z.id for z in site.zones]
        yield from _unique(site.zones, (*loc, "zones"), "zone")
        yield from _unique(site.layers, (*loc, "layers"), "layer")
        modes = threat_schemas()
        for j, layer in enumerate(site.layers):
            for k, mode in enumerate(layer.modes or []):
                if mode not in modes:
                    yield (
                        (*loc, "layers", j, "modes", k),
                        f"expected a threat mode (one of: {', '.join(modes)}); got '{mode}'.",
                    )
            for k, zone in enumerate(layer.zones or []):
                if zone == "*":  # every zone of the site
                    continue
                yield from _known(
                    zone, zone_ids, (*loc, "layers", j, "zones", k), "a zone of this site"
                )
        for key in ("alarm_to", "calls_to"):
            value = getattr(site, key)
            if value is not None:
                yield from _known(value, agency_ids, (*loc, key), "an agency")
        for k, agency_id in enumerate(site.evacuation.alerted_by):
            yield from _known(
                agency_id, agency_ids, (*loc, "evacuation", "alerted_by", k), "an agency"
            )

    for i, threat in enumerate(s.threats):
        loc = ("threats", i)
        if threat.site not in site_ids:
            yield from _known(threat.site, site_ids, (*loc, "site"), "a site")
            continue
        zones = [z.id for z in s.site(threat.site).zones]
        yield from _known(threat.zone, zones, (*loc, "zone"), f"a zone of site '{threat.site}'")
        # What the threat's mode requires beyond its fields' types (vtsim.model.modes).
        for where, message in threat.problems():
            yield (*loc, *where), message

    for i, agency in enumerate(s.agencies):
        loc = ("agencies", i)
        yield from _unique(agency.bases, (*loc, "bases"), "base")
        for j, edge in enumerate(agency.alerts):
            yield from _known(edge.to, agency_ids, (*loc, "alerts", j, "to"), "an agency")

    for i, package in enumerate(s.packages):
        loc = ("packages", i)
        if package.id == "baseline":
            yield (*loc, "id"), "'baseline' is reserved for the scenario without measures."
        for j, measure_id in enumerate(package.measures):
            yield from _known(measure_id, measure_ids, (*loc, "measures", j), "a measure")

    from vtsim.scenario.medical import check_medical

    yield from check_medical(s)

    if measures:
        # Every measure and package must apply cleanly to this scenario.
        from vtsim.scenario.transforms import apply_measures, apply_package

        broken = set()
        for i, measure in enumerate(s.measures):
            try:
                apply_measures(s, [measure], f"measure '{measure.id}'")
            except VtsimError as exc:
                broken.add(measure.id)
                yield ("measures", i, "effects"), f"{exc} (scenario '{s.name}')"
        for i, package in enumerate(s.packages):
            if set(package.measures) & broken or not set(package.measures) <= set(measure_ids):
                continue
            try:
                apply_package(s, package.id)
            except VtsimError as exc:
                yield ("packages", i, "measures"), str(exc)

    # Infrastructure: facilities, links, dependencies, crews; threats on facilities.
    from vtsim.scenario.infrastructure import check_infrastructure

    yield from check_infrastructure(s)
    if not measures:
        return

    # Checks registered by higher layers (the exercise script of vtsim.exercise).
    for check in _REGISTERED:
        yield from check(s)
