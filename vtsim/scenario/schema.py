"""The scenario: plain, validated, frozen data (pydantic models).

Units are in the field names: ``_min`` minutes of incident time, ``_days`` days
of the planning window, ``_km``, ``_kmh``, ``p_`` probabilities, ``_per_min``
rates. Unknown keys are rejected, so a typo never silently becomes a default.

Cross-references (a threat's site and zone, a package's measures, an alert
edge's agency) are checked in :mod:`vtsim.scenario.checks`, which names the
exact field path of each problem.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from vtsim.scenario.distributions import Dist, Fixed, dist_bounds
from vtsim.scenario.measures import (  # measures are part of the schema: re-exported here
    Burden,  # noqa: F401
    Cost,  # noqa: F401
    Effect,  # noqa: F401
    Measure,
    Package,
    Phase,  # noqa: F401
    Pillar,  # noqa: F401
)
from vtsim.scenario.modes import Airspace, CbrnPreparedness
from vtsim.scenario.schema_base import Identifier, Model, Probability, Text, at_most
from vtsim.scenario.screening import GroupScreening, ScreeningQueue
from vtsim.scenario.threats import (  # re-exported: the threat schema lives there
    Harm,  # noqa: F401
    Threat,
    ThreatUnion,
    Triage,  # noqa: F401
    on_registry_change,
)


class SiteKind(str, Enum):
    tourist_venue = "tourist_venue"
    urban_centre = "urban_centre"
    public_event = "public_event"
    place_of_worship = "place_of_worship"
    transport_hub = "transport_hub"
    museum = "museum"
    infrastructure = "infrastructure"
    other = "other"


class Setting(str, Enum):
    """Where a zone's crowd is: which catalogue measures fit there (glazing film indoors,
    vehicle barriers outdoors)."""

    indoor = "indoor"
    outdoor = "outdoor"


class Role(str, Enum):
    security = "security"
    police = "police"
    tactical = "tactical"
    ems = "ems"
    fire_rescue = "fire_rescue"
    hospital = "hospital"
    operator = "operator"
    coordination = "coordination"
    public_alert = "public_alert"


MAX_PEOPLE = dist_bounds(
    "people",
    high=1_000_000,
    why="larger crowds are outside what the model was built and tested for "
    "(each person is simulated)",
)
SPEED = dist_bounds("km/h", positive="at zero speed its units never arrive", high=1_000)

# --------------------------------------------------------------------------- prevent


class Prevent(Model):
    """Prevention capability: intelligence, suspicious-activity reporting, regulation..."""

    detection_rate_per_day: float = Field(
        0.0,
        ge=0,
        description="Hazard of a plot being detected and interdicted, per day of planning. "
        "P(interdicted) = 1 - exp(-rate * window) for a fixed window.",
    )


# --------------------------------------------------------------------------- site


class Exit(Model):
    id: Identifier
    flow_per_min: float = Field(gt=0, description="People per minute through this exit.")


class Group(Model):
    """One population group of a zone's crowd (e.g. an age band, people with reduced
    mobility): its share of the people and what differs for it. Outcomes are then also
    reported per group, in columns ``<metric>__<group id>`` (see docs/people.md)."""

    id: Identifier
    name: Text = ""
    share: float = Field(gt=0, le=1, description="Share of the zone's people in this group.")
    walking_speed_factor: Annotated[float, at_most(10, "times the average speed")] = Field(
        1.0,
        gt=0,
        description="Walking speed relative to the crowd's average (1: the same). At a given "
        "density the exit flow of people scales with their speed, so each of this group's "
        "people takes 1/factor of an average person's share of the exits' flow; slower groups "
        "pass the exits after faster ones.",
    )
    vulnerability_factor: Annotated[float, at_most(100, "times the average")] = Field(
        1.0,
        gt=0,
        description="Relative chance that one of this group still in the zone is the one "
        "harmed when the attack harms someone (1: the same as anyone else there).",
    )
    screening: GroupScreening = Field(
        default_factory=GroupScreening, description="How this group is screened in a queue."
    )


def _check_groups(groups: list[Group] | None, where: str) -> None:
    if groups is None:
        return
    if not groups:
        raise ValueError(f"expected at least one group in `{where}` (or leave it out)")
    ids = [g.id for g in groups]
    if len(set(ids)) != len(ids):
        raise ValueError(f"expected distinct group ids in `{where}`; got {ids}")
    total = sum(g.share for g in groups)
    if abs(total - 1.0) > 1e-6:
        raise ValueError(
            f"expected the shares of `{where}` to sum to 1 (every person is in one group); "
            f"they sum to {total:g} ({', '.join(f'{g.id}: {g.share:g}' for g in groups)})"
        )


def _check_own_lanes(zone: Zone, groups: list[Group] | None) -> None:
    """Groups screened in lanes of their own must leave a lane for the others."""
    own = sum(g.screening.lanes for g in groups or [] if g.screening.lane == "own")
    shared = any(g.screening.lane == "any" for g in groups or [])
    if zone.queue is not None and own and own + (1 if shared else 0) > zone.queue.lanes:
        raise ValueError(
            f"expected the groups' own lanes ({own}) to leave at least one of zone "
            f"'{zone.id}''s {zone.queue.lanes} screening lanes for the other groups"
        )


def groups_of(site: Site, zone: Zone) -> list[Group]:
    """The groups of a zone's crowd: the zone's own, else its site's, else none."""
    if zone.groups is not None:
        return zone.groups
    return site.groups or []


class Zone(Model):
    id: Identifier
    name: Text = ""
    inside_perimeter: bool = Field(
        True,
        description="False for a public zone outside the perimeter (e.g. a screening "
        "queue): threats aimed there do not cross the site's layers.",
    )
    occupancy: Annotated[Dist, MAX_PEOPLE] | None = Field(
        None,
        description="People in the zone when an attack starts (give this or a `queue`).",
    )
    queue: ScreeningQueue | None = Field(
        None,
        description="A screening queue: its occupancy comes from simulated arrivals and lanes.",
    )
    exits: list[Exit] = Field(default_factory=list)
    setting: Setting | None = Field(
        None,
        description="indoor or outdoor (open air); default: the site's `setting`. Catalogue "
        "measures that fit only one setting are refused where it is the other.",
    )
    area_m2: float | None = Field(
        None,
        gt=0,
        description="Ground the zone's crowd stands on, square metres: the crowd density is "
        "the people there divided by it (what a vehicle driving through meets).",
    )
    groups: list[Group] | None = Field(
        None,
        description="Population groups of the crowd (shares summing to 1); default: the "
        "site's `groups`, else none (outcomes are totals only).",
    )

    @model_validator(mode="after")
    def _groups_add_up(self):
        _check_groups(self.groups, "groups")
        _check_own_lanes(self, self.groups)
        return self

    @model_validator(mode="after")
    def _occupancy_or_queue(self):
        if (self.occupancy is None) == (self.queue is None):
            raise ValueError(
                "expected either `occupancy` (a distribution) or `queue` (arrivals and "
                "screening lanes), exactly one of them"
            )
        return self


class Layer(Model):
    """One protection layer on the threat's path, in path order (adversary sequence)."""

    id: Identifier
    name: Text = ""
    p_detect: Probability = Field(description="Probability the layer detects the threat.")
    delay_min: Dist = Field(description="Time the threat needs to cross the layer, minutes.")
    location: Literal["begin", "middle", "end"] = Field(
        "begin", description="Where in the layer's delay a detection happens."
    )
    p_stop: Probability = Field(
        0.0, description="Probability the layer stops the threat outright (e.g. vehicle barriers)."
    )
    modes: list[Identifier] | None = Field(
        None,
        description="Threat modes this layer acts on; every mode that crosses ground layers "
        "if omitted.",
    )
    zones: list[Identifier | Literal["*"]] | None = Field(
        None,
        description="Target zones this layer protects; all zones inside the perimeter if "
        "omitted; ['*'] for every zone of the site, outside ones too (catalogue measures).",
    )

    def acts_on(self, mode: str) -> bool:
        """Whether this layer acts on threats of ``mode`` (``modes``, or every mode)."""
        return self.modes is None or mode in self.modes


class Engagement(Model):
    """How an armed response ends an attack: repeated engagements, each neutralising w.p. p."""

    p_neutralise: Probability = Field(description="Probability one engagement ends the attack.")
    engagement_min: Dist = Field(description="Duration of one engagement, minutes.")


class ResponseForce(Model):
    """EASI-compatible response: one response force whose time from alarm to arrival is
    given directly (assessment, communication, dispatch and travel together)."""

    time_min: Dist
    engagement: Engagement


class Evacuation(Model):
    alert_to_move_min: Dist = Field(
        Fixed(value=1.0), description="Delay between people being alerted and moving, minutes."
    )
    alerted_by: list[Identifier] = Field(
        default_factory=list,
        description="Agencies whose alert tells the crowd to leave (venue PA, public warning). "
        "People in the target zone are also alerted when harm starts.",
    )


class Recovery(Model):
    closure_days: Dist = Field(
        Fixed(value=0.0),
        description="Days the site stays closed after an attack that caused "
        "harm (investigation, repair, reopening).",
    )


class Site(Model):
    id: Identifier
    name: Text = ""
    kind: SiteKind = SiteKind.other
    setting: Setting | None = Field(
        None,
        description="indoor or outdoor (open air): the setting of its zones that do not say "
        "(none: not declared, no catalogue measure is refused on its setting).",
    )
    zones: list[Zone] = Field(min_length=1)
    groups: list[Group] | None = Field(
        None,
        description="Population groups of the site's crowds (shares summing to 1), for "
        "its zones that do not declare their own.",
    )
    layers: list[Layer] = Field(default_factory=list, description="In path order.")
    p_communication: Probability = Field(
        1.0, description="Probability that the first detection's alarm is communicated."
    )
    alarm_to: Identifier | None = Field(
        None, description="Agency that receives alarms from the layers (e.g. a control room)."
    )
    calls_to: Identifier | None = Field(
        None, description="Agency that receives emergency calls once harm starts."
    )
    call_delay_min: Dist = Field(
        Fixed(value=1.0), description="From harm onset to the first emergency call answered."
    )
    response_force: ResponseForce | None = Field(
        None,
        description="If given, the response to an alarm is this single force with a "
        "direct time distribution (EASI-compatible), instead of the agencies' dispatch.",
    )
    evacuation: Evacuation = Field(default_factory=Evacuation)
    recovery: Recovery = Field(default_factory=Recovery)
    airspace: Airspace = Field(
        default_factory=Airspace, description="Counter-drone detection and interdiction."
    )
    cbrn: CbrnPreparedness = Field(
        default_factory=CbrnPreparedness,
        description="Release detection, ventilation procedure and decontamination capacity.",
    )

    @model_validator(mode="after")
    def _site_groups_add_up(self):
        _check_groups(self.groups, "groups")
        for zone in self.zones:
            if zone.groups is None:
                _check_own_lanes(zone, self.groups)
        return self


# --------------------------------------------------------------------------- agencies


class AlertEdge(Model):
    to: Identifier
    delay_min: Dist = Field(description="Time for this agency to alert the next, minutes.")


class UnitBase(Model):
    id: Identifier
    distance_km: float = Field(ge=0, description="Road distance from the base to the site.")
    units: Annotated[int, at_most(1_000, "units from one base")] = Field(
        1, ge=0, description="Units sent from this base when the agency is alerted."
    )


class Agency(Model):
    id: Identifier
    name: Text = ""
    role: Role
    alerts: list[AlertEdge] = Field(
        default_factory=list, description="Whom it alerts, and how fast."
    )
    dispatch_delay_min: Dist = Field(Fixed(value=0.0), description="From alert to unit rolling.")
    speed_kmh: Annotated[Dist, SPEED] = Field(
        Fixed(value=40.0), description="Travel speed of its units."
    )
    bases: list[UnitBase] = Field(default_factory=list)
    engagement: Engagement | None = Field(
        None, description="Given for agencies whose units can end an attack (police, tactical)."
    )


# --------------------------------------------------------------------------- scenario

from vtsim.scenario.exercise import Exercise  # noqa: E402
from vtsim.scenario.infrastructure import Infrastructure  # noqa: E402
from vtsim.scenario.medical import Medical  # noqa: E402
from vtsim.scenario.valuation import ValuationOverride  # noqa: E402


class Source(Model):
    id: Identifier
    text: str


class RunDefaults(Model):
    replications: Annotated[
        int, at_most(1_000_000, "replications", "more would run for days; split the run")
    ] = Field(500, ge=1)
    seed: int = Field(20261128, ge=0, le=2**63 - 1)


class Scenario(Model):
    """A whole scenario: sites, threats, agencies, and the measures and packages to compare.

    Built when first used, and again whenever a threat mode registers its schema, so
    ``threats`` accepts every registered mode (:mod:`vtsim.scenario.threats`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: Text
    description: Text = ""
    currency: str = "EUR"
    sources: list[Source] = Field(default_factory=list)
    run: RunDefaults = Field(default_factory=RunDefaults)
    horizon_min: Annotated[
        float,
        at_most(
            43_200, "minutes (30 days)", "the incident model covers hours and days, not months"
        ),
    ] = Field(720.0, gt=0, description="Simulated incident time after the attack starts, minutes.")
    prevent: Prevent = Field(default_factory=Prevent)
    sites: list[Site] = Field(min_length=1)
    threats: list[ThreatUnion] = Field(
        min_length=1, description="One item per threat; its `mode` selects its schema."
    )
    agencies: list[Agency] = Field(default_factory=list)
    measures: list[Measure] = Field(default_factory=list)
    packages: list[Package] = Field(default_factory=list)
    uses: list[Identifier] = Field(
        default_factory=list,
        description="Measures taken from the catalogue by id (added to `measures` at load).",
    )
    catalogue: str | None = Field(
        None,
        description="Measure catalogue file for `uses`, relative to this scenario "
        "(default: the bundled scenarios/measures.yaml).",
    )
    medical: Medical | None = Field(None, description="Casualty care: EMS and hospitals.")
    infrastructure: Infrastructure | None = Field(
        None, description="Interdependent infrastructure networks, outages and repair."
    )
    exercise: Exercise | None = Field(None, description="Tabletop exercise script.")
    valuation: ValuationOverride | None = Field(
        None,
        description="Changes to the default valuation of outcomes (scenarios/valuation.yaml): "
        "values per criterion, attacks a year, event days, discount rate, horizon.",
    )

    # Lookups by id (cheap: scenarios are small; called at wiring time, not per event).
    def threat(self, threat_id: str) -> Threat:
        return next(t for t in self.threats if t.id == threat_id)

    def site(self, site_id: str) -> Site:
        return next(s for s in self.sites if s.id == site_id)

    def agency(self, agency_id: str) -> Agency:
        return next(a for a in self.agencies if a.id == agency_id)

    def measure(self, measure_id: str) -> Measure:
        return next(m for m in self.measures if m.id == measure_id)

    def package(self, package_id: str) -> Package:
        return next(p for p in self.packages if p.id == package_id)

    def localised(self, lang: str) -> Scenario:
        """This scenario with every people-facing text in ``lang`` (names, the exercise's
        texts): texts written as ``{en: ..., fr: ..., ar: ...}`` give their ``lang``
        version, a missing translation keeps the English. ``en`` returns this scenario."""
        if lang == "en":
            return self
        data = self.model_dump(mode="json", context={"lang": lang})
        # Texts inside measures' effect values (a layer a measure adds, with its name) are
        # plain data until the measure applies: pick their language here too.
        data["measures"] = [_pick_language(m, lang) for m in data.get("measures", [])]
        return Scenario.model_validate(data)

    def untranslated(self, lang: str) -> list[str]:
        """The exercise's texts (in English) that have no ``lang`` translation."""
        missing: list[str] = []
        if self.exercise is not None and lang != "en":
            self.exercise.model_dump(context={"lang": lang, "missing": missing})
        return missing

    def with_changes(self, changes: dict[str, object]) -> Scenario:
        """A new scenario with values set at field paths, validated like a file.

        ``scenario.with_changes({"sites.festival.layers.gate-check.p_detect": 0.7})``:
        paths as in measures' effects, values numbers, dicts (a distribution), lists or
        models. This scenario is not changed; a bad path or value raises ScenarioError
        naming the field path (:func:`vtsim.scenario.transforms.with_changes`).
        """
        from vtsim.scenario.transforms import with_changes

        return with_changes(self, changes)


def _pick_language(node: object, lang: str) -> object:
    """``node`` with every ``{en: ..., fr: ...}`` text in it replaced by its ``lang`` text."""
    from vtsim.scenario.schema_base import LANGUAGE_CODE

    if isinstance(node, dict):
        if node and all(
            isinstance(k, str) and LANGUAGE_CODE.match(k) and isinstance(v, str)
            for k, v in node.items()
        ):
            return node.get(lang) or node.get("en") or next(iter(node.values()))
        return {k: _pick_language(v, lang) for k, v in node.items()}
    if isinstance(node, list):
        return [_pick_language(v, lang) for v in node]
    return node


def _rebuild_scenario() -> None:
    Scenario.model_rebuild(force=True)


on_registry_change(_rebuild_scenario)
