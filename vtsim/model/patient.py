"""A casualty in the medical model: where it is, its health, and how its story ends.

Deaths are found when a casualty is next looked at (:meth:`Patient.alive_at`):
the time of death is computed in closed form from its health, so nothing polls.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

from vtsim.model.deterioration import RANK, Health

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np

    Sampler = Callable[[np.random.Generator], float]  # a distribution's ``sample``

FINAL_STATES = (
    "killed_outright",
    "died_on_scene",
    "died_in_transport",
    "died_at_hospital",
    "treated_at_hospital",
    "on_scene_at_horizon",
    "in_transport_at_horizon",
    "waiting_at_hospital_at_horizon",
)
"""Where a casualty ends; each casualty is counted in exactly one (``casualties_<state>``)."""

FLOW_STATES = ("on_scene", "in_treatment", "in_transport", "at_hospital", "dead")
"""Where a casualty is at a moment, for the casualty-flow figure."""

DIED_WHERE = {
    "on_scene": "died_on_scene",
    "in_treatment": "died_on_scene",
    "in_transport": "died_in_transport",
    "at_hospital": "died_at_hospital",
}
AT_HORIZON = {
    "on_scene": "on_scene_at_horizon",
    "in_treatment": "on_scene_at_horizon",
    "in_transport": "in_transport_at_horizon",
    "at_hospital": "waiting_at_hospital_at_horizon",
}


class Patient:
    """One casualty in the medical model."""

    __slots__ = (
        "id",
        "initial",
        "health",
        "where",
        "final",
        "t_injured",
        "t_death",
        "t_contact",
        "t_hospital",
        "label",
        "true_at_triage",
        "hospital",
        "first_aid_at",
        "first_aid_factor",
        "self_presented",
        "treating",
        "history",
    )

    def __init__(self, cid: int, initial: str, health: Health | None, t: float, history: bool):
        self.id, self.initial, self.health = cid, initial, health
        self.where = "on_scene"
        self.final: str | None = None
        self.t_injured = t
        self.t_death = math.nan
        self.t_contact = math.nan
        self.t_hospital = math.nan
        self.label: str | None = None
        self.true_at_triage: str | None = None
        self.hospital: str | None = None
        self.first_aid_at = math.inf
        self.first_aid_factor = 1.0
        self.self_presented = False
        self.treating = False  # in hospital treatment that has not yet stopped deterioration
        self.history: list | None = [(t, "on_scene")] if history else None

    def alive_at(self, t: float) -> bool:
        """Bring health up to ``t``; if it ran out before, record the death and say so."""
        if self.final is not None:
            return self.final == "treated_at_hospital"
        health = self.health
        assert health is not None  # only the killed outright have none, and they are final
        death = health.death_time()
        if self.first_aid_at <= t and self.first_aid_at < death:
            health.care(self.first_aid_at, self.first_aid_factor)
            self.first_aid_at = math.inf
            death = health.death_time()
        if death <= t:
            self.t_death = death
            self.final = DIED_WHERE[self.where]
            if self.history is not None:
                self.history.append((death, "dead"))
            return False
        return True

    def move(self, t: float, where: str) -> None:
        self.where = where
        if self.history is not None:
            self.history.append((t, where))


class CareTimes(NamedTuple):
    """A casualty's draws from its own stream, all made at injury, in this field order."""

    first_aid_u: float  # first aid given when below ``first_aid.p_receive``
    first_aid_delay: float
    extraction: float
    triage: float
    mistriage_u: float  # under- or over-triage (see ``Medical._label``)
    on_scene: float  # scoop and run: loading
    treatment: tuple[float, float, float]  # stay and play, by RANK (t1, t2, t3)
    handover: float
    hospital: tuple[float, float, float]  # treatment at the hospital, by RANK


class CareSamplers(NamedTuple):
    """The ``sample`` methods behind :class:`CareTimes` for one medical configuration,
    looked up once (not through pydantic attribute chains for every casualty)."""

    first_aid_delay: Sampler
    extraction: Sampler
    triage: Sampler
    on_scene: Sampler
    treatment: tuple
    handover: Sampler
    hospital: tuple

    @classmethod
    def of(cls, cfg) -> CareSamplers:
        ems, hospital = cfg.ems, cfg.hospital_treatment_min
        return cls(
            first_aid_delay=cfg.first_aid.delay_min.sample,
            extraction=cfg.scene.extraction_min.sample,
            triage=cfg.triage.triage_min.sample,
            on_scene=ems.load_min.sample,
            treatment=tuple(getattr(ems.treatment_min, c).sample for c in RANK),
            handover=ems.handover_min.sample,
            hospital=tuple(getattr(hospital, c).sample for c in RANK),
        )

    def draw(self, rng) -> CareTimes:
        """All of a casualty's draws; keyword arguments are evaluated in the order written,
        which is the order the values are taken from the stream."""
        random, treatment, hospital = rng.random, self.treatment, self.hospital
        return CareTimes(
            first_aid_u=random(),
            first_aid_delay=self.first_aid_delay(rng),
            extraction=self.extraction(rng),
            triage=self.triage(rng),
            mistriage_u=random(),
            on_scene=self.on_scene(rng),
            treatment=(treatment[0](rng), treatment[1](rng), treatment[2](rng)),
            handover=self.handover(rng),
            hospital=(hospital[0](rng), hospital[1](rng), hospital[2](rng)),
        )
