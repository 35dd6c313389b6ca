"""Site sections that the ``unmanned_aircraft`` and ``cbrn_release`` modes read.

The threats' own schemas live with their modes (``vtsim.model.modes``).

Both are modelled abstractly (see ``docs/modes.md``): categories, probabilities,
delays, rates and counts; nothing about any aircraft, agent or device.

- ``Site.airspace``: the counter-drone capability over a site. An
  ``unmanned_aircraft`` threat does not cross the ground layers; it spends its
  ``flight_min`` in the site's monitored airspace, where it is detected with
  ``p_detect`` after ``detect_delay_min`` and, once detected, stopped with
  ``p_interdict`` if the interdiction (``interdict_min`` after detection) comes
  before the aircraft reaches the target zone.
- ``Site.cbrn``: preparedness of an enclosed site for a hazardous release:
  sensors (``p_sensor_detect`` after ``sensor_delay_min``), a ventilation
  procedure once the release is known (a multiplier on the exposure rate), and
  decontamination capacity (stations, minutes per person, set-up time).

Units are in the field names; every default is illustrative (0 or 1 where it
switches a capability off).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from vtsim.scenario.distributions import Dist, Fixed
from vtsim.scenario.schema_base import Model, at_most

Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class Airspace(Model):
    """Counter-drone detection and interdiction over a site (the path of an
    ``unmanned_aircraft`` threat, instead of the ground layers)."""

    p_detect: Probability = Field(
        0.0, description="Probability the counter-drone detection layer detects the aircraft."
    )
    detect_delay_min: Dist = Field(
        Fixed(value=0.5),
        description="From the aircraft entering the monitored airspace to its detection, minutes.",
    )
    p_interdict: Probability = Field(
        0.0,
        description="Probability that an interdiction, once detected in time, stops the "
        "aircraft before the target zone (0: no interdiction capability).",
    )
    interdict_min: Dist = Field(
        Fixed(value=1.0), description="From detection to the interdiction taking effect, minutes."
    )


class Decontamination(Model):
    """Decontamination capacity: stations working in parallel (a SimPy resource)."""

    stations: Annotated[int, at_most(1_000, "stations")] = Field(
        0, ge=0, description="Decontamination lines working in parallel (0: none on site)."
    )
    minutes_per_person: float = Field(
        3.0, gt=0, description="Minutes one person occupies a station (throughput = 1 / this)."
    )
    setup_min: Dist = Field(
        Fixed(value=20.0),
        description="From the release being detected to the first stations working, minutes.",
    )
    evacuees: bool = Field(
        True,
        description="Whether people who left the contaminated zone unharmed are decontaminated "
        "too.",
    )
    casualties_at: Literal["on_site", "hospital"] = Field(
        "on_site",
        description="Where casualties are decontaminated: on site, before EMS care (care waits "
        "for it), or at the receiving hospital, before a treatment place (they are taken "
        "there at once; SIMEDIS sarin study, De Rouck et al.).",
    )
    hospital_minutes_per_person: float = Field(
        10.0,
        gt=0,
        description="At the hospital: minutes a casualty spends in decontamination before a "
        "treatment place (illustrative).",
    )
    pre_triage: bool = Field(
        False,
        description="Casualties enter on-site decontamination by severity (T1 first) rather "
        "than in the order they arrive.",
    )


class Antidote(Model):
    """An antidote given to release casualties where they lie, before decontamination (for
    nerve agents, autoinjectors carried by responders in protective equipment)."""

    given: bool = Field(False, description="Whether responders carry and give it.")
    delay_min: Dist = Field(
        Fixed(value=10.0),
        description="From the first ambulance on scene to a casualty receiving it, minutes "
        "(illustrative).",
    )
    care_factor: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Speed of deterioration once given (1: no effect; illustrative).",
    )


class CbrnPreparedness(Model):
    """How an enclosed site detects a hazardous release, limits exposure, and decontaminates."""

    p_sensor_detect: Probability = Field(
        0.0, description="Probability the site's sensors detect a release (0: no sensors)."
    )
    sensor_delay_min: Dist = Field(
        Fixed(value=2.0), description="From the release to a sensor alarm, minutes."
    )
    sensor_alerts_crowd: bool = Field(
        True,
        description="A sensor alarm starts the evacuation of the zone at once (otherwise only "
        "through the agencies in evacuation.alerted_by).",
    )
    ventilation_factor: float = Field(
        1.0,
        gt=0,
        le=1,
        description="Multiplier on the exposure rate once the release is detected (a "
        "ventilation procedure; 1 = none).",
    )
    decontamination: Decontamination = Field(default_factory=Decontamination)
    antidote: Antidote = Field(default_factory=Antidote)
