"""Cross-reference checks that a schema alone cannot express.

Each check yields ``(location, message)`` with the location as a pydantic-style
tuple into the scenario data, so the loader can name the field path and line.
"""

from __future__ import annotations

from collections.abc import Iterator

from vtsim.errors import VtsimError
from vtsim.scenario.schema import MODELLED_MODES, Scenario

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


def check_scenario(s: Scenario) -> list[Problem]:
    """All cross-reference problems of a scenario (empty when it is consistent)."""
    return list(_check(s))


def _check(s: Scenario) -> Iterator[Problem]:
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
        for j, layer in enumerate(site.layers):
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
        for k, agency in enumerate(site.evacuation.alerted_by):
            yield from _known(
                agency, agency_ids, (*loc, "evacuation", "alerted_by", k), "an agency"
            )

    for i, threat in enumerate(s.threats):
        loc = ("threats", i)
        if threat.mode not in MODELLED_MODES:
            modelled = ", ".join(sorted(m.value for m in MODELLED_MODES))
            yield (
                (*loc, "mode"),
                (
                    f"threat mode '{threat.mode.value}' is not yet modelled in this version "
                    "of vtsim "
                    f"(modelled: {modelled})."
                ),
            )
        if threat.site not in site_ids:
            yield from _known(threat.site, site_ids, (*loc, "site"), "a site")
            continue
        zones = [z.id for z in s.site(threat.site).zones]
        yield from _known(threat.zone, zones, (*loc, "zone"), f"a zone of site '{threat.site}'")
        if threat.harm.profile == "rate" and threat.harm.casualties_per_1000_per_min == 0:
            yield (
                (*loc, "harm", "casualties_per_1000_per_min"),
                ("expected a positive rate for a 'rate' harm profile."),
            )
        cyber = threat.mode.value == "cyber_intrusion"  # harms no one on site directly
        if threat.harm.profile == "instant" and threat.harm.fraction_harmed == 0 and not cyber:
            yield (
                (*loc, "harm", "fraction_harmed"),
                ("expected a positive fraction for an 'instant' harm profile."),
            )
        if threat.harm.profile == "rate" and threat.active_duration_min is None:
            yield (
                (*loc, "active_duration_min"),
                ("is required for a 'rate' harm profile (how long the attack goes on by itself)."),
            )

    for i, agency in enumerate(s.agencies):
        loc = ("agencies", i)
        yield from _unique(agency.bases, (*loc, "bases"), "base")
        for j, edge in enumerate(agency.alerts):
            yield from _known(edge.to, agency_ids, (*loc, "alerts", j, "to"), "an agency")

    for i, package in enumerate(s.packages):
        loc = ("packages", i)
        if package.id == "baseline":
            yield (*loc, "id"), "'baseline' is reserved for the scenario without measures."
        for j, measure in enumerate(package.measures):
            yield from _known(measure, measure_ids, (*loc, "measures", j), "a measure")

    from vtsim.scenario.medical import check_medical

    yield from check_medical(s)

    # unmanned_aircraft and cbrn_release threats (vtsim.model.airspace, vtsim.model.cbrn).
    from vtsim.scenario.modes import check_modes

    yield from check_modes(s)

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

    # The exercise script (modules, injects, decision points) of vtsim.exercise.
    from vtsim.exercise.checks import check_exercise

    yield from check_exercise(s)
