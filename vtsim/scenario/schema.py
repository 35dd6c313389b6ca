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
from typing import Literal

from pydantic import Field, model_validator

from vtsim.scenario.distributions import Dist, Fixed
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
from vtsim.scenario.schema_base import Identifier, Model, Probability
from vtsim.scenario.screening import ScreeningQueue


class Mode(str, Enum):
    """Threat modes of MODEL.md, abstractly; see ``MODELLED_MODES`` for what simulates today."""

    armed_assault = "armed_assault"
    vehicle_ramming = "vehicle_ramming"
    explosive_device = "explosive_device"
    unmanned_aircraft = "unmanned_aircraft"
    cbrn_release = "cbrn_release"
    cyber_intrusion = "cyber_intrusion"


MODELLED_MODES = {
    Mode.armed_assault,
    Mode.vehicle_ramming,
    Mode.explosive_device,
    Mode.cyber_intrusion,  # on an infrastructure facility (vtsim.model.infrastructure)
    Mode.unmanned_aircraft,  # the airspace path (vtsim.model.airspace)
    Mode.cbrn_release,  # accumulating exposure, decontamination (vtsim.model.cbrn)
}
"""Modes with a sub-model; a scenario using another mode is rejected as not yet modelled."""

GROUND_MODES = {Mode.armed_assault, Mode.vehicle_ramming, Mode.explosive_device, Mode.cbrn_release}
"""Modes whose path crosses the site's ground protection layers."""

AIRSPACE_MODES = {Mode.unmanned_aircraft}
"""Modes whose path is the site's airspace: counter-drone detection and interdiction."""


class SiteKind(str, Enum):
    tourist_venue = "tourist_venue"
    urban_centre = "urban_centre"
    public_event = "public_event"
    place_of_worship = "place_of_worship"
    transport_hub = "transport_hub"
    museum = "museum"
    infrastructure = "infrastructure"
    other = "other"


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


class Zone(Model):
    id: Identifier
    name: str = ""
    inside_perimeter: bool = Field(
        True,
        description="False for a public zone outside the perimeter (e.g. a screening "
        "queue): threats aimed there do not cross the site's layers.",
    )
    occupancy: Dist | None = Field(
        None,
        description="People in the zone when an attack starts (give this or a `queue`).",
    )
    queue: ScreeningQueue | None = Field(
        None,
        description="A screening queue: its occupancy comes from simulated arrivals and lanes.",
    )
    exits: list[Exit] = Field(default_factory=list)

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
    name: str = ""
    p_detect: Probability = Field(description="Probability the layer detects the threat.")
    delay_min: Dist = Field(description="Time the threat needs to cross the layer, minutes.")
    location: Literal["begin", "middle", "end"] = Field(
        "begin", description="Where in the layer's delay a detection happens."
    )
    p_stop: Probability = Field(
        0.0, description="Probability the layer stops the threat outright (e.g. vehicle barriers)."
    )
    modes: list[Mode] | None = Field(
        None, description="Threat modes this layer acts on; all ground modes if omitted."
    )
    zones: list[Identifier | Literal["*"]] | None = Field(
        None,
        description="Target zones this layer protects; all zones inside the perimeter if "
        "omitted; ['*'] for every zone of the site, outside ones too (catalogue measures).",
    )


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
    name: str = ""
    kind: SiteKind = SiteKind.other
    zones: list[Zone] = Field(min_length=1)
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


# --------------------------------------------------------------------------- threat


class Triage(Model):
    """Split of casualties by triage class; fractions sum to 1."""

    killed_outright: Probability
    t1: Probability
    t2: Probability
    t3: Probability

    @model_validator(mode="after")
    def _sums_to_one(self):
        total = self.killed_outright + self.t1 + self.t2 + self.t3
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"expected the four fractions to sum to 1, they sum to {total:g}")
        return self

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.killed_outright, self.t1, self.t2, self.t3)


class Harm(Model):
    """Harm profile. ``rate``: casualties accrue while the attack is active in proportion to
    the people exposed. ``instant``: a fraction of those exposed is harmed at once.
    ``accumulating`` (cbrn_release): exposure accumulates while people stay in the zone,
    casualties show after ``onset_min``. ``disruption`` (unmanned_aircraft): no direct harm,
    an evacuation is forced on the zone. See vtsim.model.cbrn and vtsim.model.airspace."""

    profile: Literal["rate", "instant", "accumulating", "disruption"]
    casualties_per_1000_per_min: float = Field(
        0.0, ge=0, description="rate profile: casualties per minute per 1,000 people exposed."
    )
    fraction_harmed: Probability = Field(
        0.0,
        description="instant profile: fraction of the exposed harmed at once; disruption "
        "profile: fraction of those evacuating injured in the rush.",
    )
    onset_min: Dist = Field(
        Fixed(value=0.0),
        description="accumulating profile: from harmful exposure to symptoms, minutes (the "
        "casualty appears, and can be noticed, then).",
    )
    triage: Triage


class Threat(Model):
    """One abstract attack on one site: categories, probabilities, delays, rates, counts."""

    id: Identifier
    name: str = ""
    mode: Mode
    site: Identifier
    zone: Identifier
    weight: float = Field(
        1.0,
        gt=0,
        description="Relative likelihood of this threat among the scenario's threats; "
        "each replication draws one threat.",
    )
    planning_window_days: Dist = Field(description="Days from decision to attack.")
    detectability: float = Field(
        1.0, ge=0, description="Multiplier on the prevention detection rate for this threat."
    )
    task_min: Dist = Field(
        Fixed(value=0.0), description="Time at the target after the last layer before harm."
    )
    active_duration_min: Dist | None = Field(
        None,
        description="rate profile: how long the attack goes on by itself once harm starts "
        "(self-termination), unless it is neutralised first.",
    )
    harm: Harm
    facility: Identifier | None = Field(
        None,
        description="Infrastructure facility the attack damages when harm starts (or, for a "
        "cyber_intrusion, takes down after its dwell time); see the infrastructure section.",
    )
    flight_min: Dist | None = Field(
        None,
        description="unmanned_aircraft: minutes in the site's monitored airspace before "
        "reaching the target zone.",
    )
    dwell_hours: Dist | None = Field(
        None,
        description="cyber_intrusion: undetected time from intrusion to effect, hours "
        "(cut short if the defenders detect it first).",
    )


# --------------------------------------------------------------------------- agencies


class AlertEdge(Model):
    to: Identifier
    delay_min: Dist = Field(description="Time for this agency to alert the next, minutes.")


class UnitBase(Model):
    id: Identifier
    distance_km: float = Field(ge=0, description="Road distance from the base to the site.")
    units: int = Field(1, ge=0, description="Units sent from this base when the agency is alerted.")


class Agency(Model):
    id: Identifier
    name: str = ""
    role: Role
    alerts: list[AlertEdge] = Field(
        default_factory=list, description="Whom it alerts, and how fast."
    )
    dispatch_delay_min: Dist = Field(Fixed(value=0.0), description="From alert to unit rolling.")
    speed_kmh: Dist = Field(Fixed(value=40.0), description="Travel speed of its units.")
    bases: list[UnitBase] = Field(default_factory=list)
    engagement: Engagement | None = Field(
        None, description="Given for agencies whose units can end an attack (police, tactical)."
    )


# --------------------------------------------------------------------------- scenario

from vtsim.scenario.exercise import Exercise  # noqa: E402
from vtsim.scenario.infrastructure import Infrastructure  # noqa: E402
from vtsim.scenario.medical import Medical  # noqa: E402


class Source(Model):
    id: Identifier
    text: str


class RunDefaults(Model):
    replications: int = Field(500, ge=1)
    seed: int = Field(20261128, ge=0)


class Scenario(Model):
    """A whole scenario: sites, threats, agencies, and the measures and packages to compare."""

    name: str
    description: str = ""
    currency: str = "EUR"
    sources: list[Source] = Field(default_factory=list)
    run: RunDefaults = Field(default_factory=RunDefaults)
    horizon_min: float = Field(
        720.0, gt=0, description="Simulated incident time after the attack starts, minutes."
    )
    prevent: Prevent = Field(default_factory=Prevent)
    sites: list[Site] = Field(min_length=1)
    threats: list[Threat] = Field(min_length=1)
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

    # Lookups by id (cheap: scenarios are small; called at wiring time, not per event).
    def site(self, site_id: str) -> Site:
        return next(s for s in self.sites if s.id == site_id)

    def agency(self, agency_id: str) -> Agency:
        return next(a for a in self.agencies if a.id == agency_id)

    def measure(self, measure_id: str) -> Measure:
        return next(m for m in self.measures if m.id == measure_id)

    def package(self, package_id: str) -> Package:
        return next(p for p in self.packages if p.id == package_id)
