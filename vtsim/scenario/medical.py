"""Scenario section ``medical``: casualty care from the first casualty to the hospital bed.

Units are in the field names (``_min`` minutes after the attack starts, ``_km``,
``_kmh``); care factors are multipliers on the speed of deterioration (1 =
untreated, 0 = deterioration stopped). Defaults cite public aggregate sources
or say "illustrative"; see ``docs/medical.md`` for the model and its sources.

A minimal section names the hospitals; everything else has a default::

    medical:
      hospitals:
        - {id: general, distance_km: 4, capacity: 4}
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field

from vtsim.scenario.distributions import Dist, Fixed, LogNormal, Triangular
from vtsim.scenario.schema_base import Model, Text, at_most

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
PLACES = at_most(10_000, "places", "a larger hospital is outside what the model was built for")
SEATS = at_most(100, "seats", "an ambulance carries a few patients")
Factor = Annotated[float, Field(ge=0.0, le=1.0)]
Identifier = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
CareClass = Literal["t1", "t2", "t3"]
_ALL_CARE_CLASSES: tuple[CareClass, ...] = ("t1", "t2", "t3")


def _tri(low: float, mode: float, high: float) -> Triangular:
    return Triangular(low=low, mode=mode, high=high)


class SimedisIss(Model):
    """SIMEDIS-style deterioration (Debacker et al. 2016; Benhassine et al. 2023, open access).

    Each casualty draws an injury severity score (ISS) by triage class; untreated,
    it dies after ``coefficient_min * ISS ** -exponent`` minutes (about 43,500 *
    ISS^-1.95: ISS 16 -> 196 min, ISS 25 -> 82 min, ISS 50 -> 21 min, ISS 9 -> 599
    min), times a lognormal factor (``spread_sd_log``). Care slows the clock by its
    factor. The class follows the time left: below ``t1_below_min`` of untreated time
    left a casualty is T1 (so a T2 can worsen to T1).

    T1 are the critically injured as the mass-casualty series count them (ISS >= 16,
    "major trauma"; Frykberg & Tepas 1988, Aylwin et al. 2006), most of them at the low end
    of the scale: ISS 16-66, mode 25 (illustrative shape). T2: ISS 9-15; T3: ISS 1-8.
    """

    model: Literal["simedis-iss"] = "simedis-iss"
    coefficient_min: float = Field(43500.0, gt=0)
    exponent: float = Field(1.95, gt=0)
    iss_t1: Dist = Field(_tri(16, 25, 66), description="ISS of T1 casualties (ISS >= 16).")
    iss_t2: Dist = Field(_tri(9, 11, 15), description="ISS of T2 casualties (ISS 9-15).")
    iss_t3: Dist = Field(_tri(1, 3, 8), description="ISS of T3 casualties (ISS < 9).")
    spread_sd_log: float = Field(
        0.5,
        ge=0,
        le=3,
        description="Casualties with the same ISS do not die at the same instant: the untreated "
        "time to death is the SIMEDIS time times a lognormal factor with median 1 and this sd "
        "of its logarithm (0.5, illustrative: half to twice the SIMEDIS time for the middle "
        "two thirds; 0: deterministic, as in SIMEDIS).",
    )
    t1_below_min: float = Field(
        196.0, gt=0, description="T1 below this untreated time left (ISS 16)."
    )
    t2_below_min: float = Field(600.0, gt=0, description="T2 below this untreated time left.")


class ExponentialSurvival(Model):
    """A survival-versus-time curve per class: untreated time to death is exponential
    with the class's mean (an alternative to SIMEDIS, e.g. fitted to Sacco's RPM table)."""

    model: Literal["exponential"] = "exponential"
    mean_t1_min: float = Field(60.0, gt=0)
    mean_t2_min: float = Field(400.0, gt=0)
    mean_t3_min: float = Field(5000.0, gt=0)
    t1_below_min: float = Field(60.0, gt=0)
    t2_below_min: float = Field(400.0, gt=0)


Deterioration = Annotated[Union[SimedisIss, ExponentialSurvival], Field(discriminator="model")]  # noqa: UP007


class Care(Model):
    """Care factors: how fast health runs down under each kind of care (1 = untreated)."""

    first_aid: Factor = Field(0.6, description="Bystander or staff first aid before EMS.")
    ems_on_scene: Factor = Field(0.5, description="EMS care at the casualty collection point.")
    stabilised: Factor = Field(0.2, description="After on-site treatment (stay-and-play).")
    transport_unstabilised: Factor = Field(0.5, description="In transport without treatment.")
    hospital_waiting: Factor = Field(0.3, description="At hospital, waiting for treatment.")
    hospital_treatment: Factor = Field(
        0.0,
        description="During emergency treatment at hospital (resuscitation, surgery) until it "
        "is complete; then deterioration stops. 0: it stops when treatment starts (SIMEDIS). "
        "Above 0, a casualty who arrives with less untreated time left than its treatment "
        "uses dies in treatment, as some critically injured do despite care.",
    )


class FirstAid(Model):
    """Bystander and staff first aid (e.g. bleeding-control kits) once the attack is over."""

    p_receive: Probability = Field(0.15, description="Share of casualties who receive it.")
    delay_min: Dist = Field(
        LogNormal(mean=6.0, sd=3.0), description="From the end of the attack to first aid."
    )


class SelfPresentation(Model):
    """The walking wounded leave the scene on their own and present at a hospital, without
    EMS or an ambulance: in mass-casualty incidents most casualties reach hospital this way
    (Auf der Heide, Ann Emerg Med 2006;47:34-49, "casualties will be transported by
    ambulance" among the planning assumptions field studies contradict; Tokyo 1995: most
    of St Luke's 640 patients came on foot or by taxi, Okumura et al., Ann Emerg Med 1996)."""

    p_t3: Probability = Field(
        0.0, description="Share of T3 (minor) casualties who leave and self-present (0: none)."
    )
    p_t2: Probability = Field(
        0.0, description="Share of T2 (urgent) casualties who leave and self-present."
    )
    travel_min: Dist = Field(
        _tri(15, 30, 60),
        description="From the end of the attack to arriving at the nearest accepting hospital "
        "(on foot, by taxi or private car; illustrative).",
    )


class SceneAccess(Model):
    """When medical teams may reach casualties."""

    sweep_min: Dist = Field(
        LogNormal(mean=30.0, sd=15.0),
        description="After an armed assault (or any mode without its own clearance below): from "
        "the end of the attack until police declare the zone safe after a sweep "
        "(illustrative).",
    )
    secondary_device_check_min: Dist = Field(
        _tri(5, 10, 20),
        description="After an explosion: from the blast until the scene is declared clear of "
        "secondary devices and medical teams go in (illustrative; minutes, not an assault's "
        "building sweep).",
    )
    vehicle_secured_min: Dist = Field(
        _tri(1, 3, 6),
        description="After a ramming: from the vehicle stopping until it and its occupants are "
        "secured and medical teams go in (illustrative).",
    )
    rescue_task_force: bool = Field(
        False,
        description="Medics enter the warm zone under police cover, without waiting for the sweep.",
    )
    rtf_form_up_min: Dist = Field(
        Fixed(value=5.0), description="From EMS on scene (and attack ended) to a task force inside."
    )
    extraction_min: Dist = Field(
        _tri(2, 6, 20), description="Per casualty: from access to the collection point."
    )
    rescue_teams: int | None = Field(
        None,
        ge=1,
        le=10_000,
        description="Teams carrying casualties who cannot walk (T1, T2) to the collection "
        "point, one casualty at a time, the most urgent first; walking (T3) casualties make "
        "their own way. None: as many teams as casualties.",
    )


class Triage(Model):
    """Triage at the casualty collection point; mis-triage shifts the label one class."""

    triage_min: Dist = Field(Fixed(value=1.0), description="Per casualty (START/SALT ~1 min).")
    under_triage: Probability = Field(
        0.15, description="P(T1 labelled T2, T2 labelled T3); McKee et al. 2019 report more."
    )
    over_triage: Probability = Field(0.2, description="P(T2 labelled T1, T3 labelled T2).")


class ClassTimes(Model):
    t1: Dist
    t2: Dist
    t3: Dist


class MutualAid(Model):
    agencies: list[Identifier] = Field(
        default_factory=list, description="EMS agencies asked for help (not on the alert graph)."
    )
    request_delay_min: Dist = Field(
        Fixed(value=15.0), description="From the first EMS alert to the mutual-aid request."
    )


class Ems(Model):
    agencies: list[Identifier] | None = Field(
        None, description="EMS agencies whose ambulances this model runs (default: role ems)."
    )
    strategy: Literal["scoop_and_run", "stay_and_play"] = "scoop_and_run"
    load_min: Dist = Field(Fixed(value=3.0), description="Scoop-and-run: loading on scene.")
    treatment_min: ClassTimes = Field(
        default_factory=lambda: ClassTimes(
            t1=_tri(8, 15, 30), t2=_tri(5, 10, 20), t3=Fixed(value=3.0)
        ),
        description="Stay-and-play: on-site treatment before transport (illustrative).",
    )
    seats_per_vehicle: Annotated[int, SEATS] = Field(
        2, ge=1, description="Patients an ambulance carries."
    )
    seats_t1: Annotated[int, SEATS] = Field(
        2, ge=1, description="Seats a patient labelled T1 takes."
    )
    handover_min: Dist = Field(Fixed(value=5.0), description="At the hospital door.")
    mutual_aid: MutualAid = Field(default_factory=MutualAid)


class Surge(Model):
    extra_capacity: Annotated[int, PLACES] = Field(
        0, ge=0, description="Treatment places the surge plan adds."
    )
    activation_min: Dist = Field(
        Fixed(value=90.0), description="From the first EMS alert to the extra places open."
    )


class Hospital(Model):
    id: Identifier
    name: Text = ""
    distance_km: float = Field(ge=0, description="Road distance from the site.")
    capacity: Annotated[int, PLACES] = Field(
        ge=1,
        description="Patients in emergency treatment at once (Hirshberg et al. 2005: about "
        "4.6 critical patients an hour with the staff at hand).",
    )
    accepts: list[CareClass] = Field(default_factory=lambda: list(_ALL_CARE_CLASSES))
    areas: dict[CareClass, Annotated[int, Field(ge=1), PLACES]] = Field(
        default_factory=dict,
        description="Places in separate treatment areas by class, e.g. {t3: 20} for a "
        "minor-injuries area (major-incident plans stream patients by priority); classes "
        "not listed share the emergency places of `capacity`, which count the overload.",
    )
    surge: Surge = Field(default_factory=Surge)
    depends_on: list[Identifier] = Field(
        default_factory=list, description="Facilities (infrastructure ids) it needs."
    )
    capacity_lost_when_down: Probability = Field(
        0.5, description="Share of places lost while a facility it depends on is down."
    )


class Medical(Model):
    """Casualty care: deterioration, scene access, first aid, EMS, hospitals."""

    deterioration: Deterioration = Field(default_factory=SimedisIss)
    care: Care = Field(default_factory=Care)
    first_aid: FirstAid = Field(default_factory=FirstAid)
    scene: SceneAccess = Field(default_factory=SceneAccess)
    self_presentation: SelfPresentation = Field(default_factory=SelfPresentation)
    triage: Triage = Field(default_factory=Triage)
    ems: Ems = Field(default_factory=Ems)
    hospitals: list[Hospital] = Field(min_length=1)
    destination: Literal["nearest", "balanced"] = Field(
        "nearest",
        description="nearest accepting hospital, or the one with the fewest patients per place.",
    )
    hospital_treatment_min: ClassTimes = Field(
        default_factory=lambda: ClassTimes(
            t1=LogNormal(mean=45.0, sd=20.0), t2=LogNormal(mean=25.0, sd=10.0), t3=Fixed(value=10.0)
        ),
        description="Time a patient holds a treatment place (emergency phase; illustrative).",
    )


def check_medical(scenario) -> list[tuple[tuple, str]]:
    """Cross-references of the medical section, as ``(location, message)`` problems."""
    medical = scenario.medical
    if medical is None:
        return []
    problems: list[tuple[tuple, str]] = []
    agencies = {a.id: a for a in scenario.agencies}
    ids = ", ".join(agencies) or "none defined"
    for key, names in (
        ("agencies", medical.ems.agencies or []),
        ("mutual_aid", medical.ems.mutual_aid.agencies),
    ):
        for k, name in enumerate(names):
            loc = (
                ("medical", "ems", key, k)
                if key == "agencies"
                else ("medical", "ems", "mutual_aid", "agencies", k)
            )
            if name not in agencies:
                problems.append(
                    (loc, f"expected the id of an agency (one of: {ids}); got '{name}'.")
                )
            elif not agencies[name].bases:
                problems.append((loc, f"agency '{name}' has no bases, so no ambulances."))
    seen = set()
    for i, hospital in enumerate(medical.hospitals):
        if hospital.id in seen:
            problems.append(
                (("medical", "hospitals", i, "id"), f"hospital id '{hospital.id}' is used twice.")
            )
        seen.add(hospital.id)
    # Without an infrastructure section a hospital's needs are never cut (nothing to check).
    infra = scenario.infrastructure
    facilities = [f.id for f in infra.facilities] if infra and infra.network_files is None else []
    for i, hospital in enumerate(medical.hospitals if facilities else []):
        for k, facility in enumerate(hospital.depends_on):
            if facility not in facilities:
                problems.append(
                    (
                        ("medical", "hospitals", i, "depends_on", k),
                        "expected the id of an infrastructure facility (one of: "
                        f"{', '.join(facilities[:12]) or 'none defined'}); got '{facility}'.",
                    )
                )
    for cls in ("t1", "t2", "t3"):
        if not any(cls in h.accepts for h in medical.hospitals):
            problems.append(
                (("medical", "hospitals"), f"no hospital accepts {cls.upper()} patients.")
            )
    if medical.ems.seats_t1 > medical.ems.seats_per_vehicle:
        problems.append(
            (("medical", "ems", "seats_t1"), "expected at most seats_per_vehicle seats.")
        )
    if not any(a.role.value == "ems" for a in scenario.agencies) and not medical.ems.agencies:
        problems.append((("medical", "ems"), "no EMS agency (role ems) to send ambulances."))
    return problems
