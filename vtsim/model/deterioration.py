"""Casualty deterioration in closed form: no clock ticks, only the times care changes.

A casualty has an *untreated time to death* ``T`` (minutes). Its health runs down
at a rate set by the care it gets (1 untreated, e.g. 0.6 with first aid, 0 once in
hospital treatment): the untreated time it has used up is the integral of that
rate. It dies when the used-up time reaches ``T``. Between care changes the rate is
constant, so the time of death is a division, not a loop; the model only does work
when care changes (SIMEDIS does the same with its health score: Debacker et al.
2016, Benhassine et al. 2023).

Default: :class:`~vtsim.scenario.medical.SimedisIss`, ``T = 43,500 * ISS^-1.95``
minutes for an injury severity score ISS drawn by triage class, times a lognormal
factor (median 1) when ``spread_sd_log`` > 0: casualties with the same score do not all
die at the same instant. Other models
implement :class:`DeteriorationModel` and are registered in :data:`MODELS`.

>>> h = Health(untreated_ttd_min=40.0, t_injured=0.0)
>>> h.care(10.0, 0.5)           # first aid at 10 min halves the speed
>>> h.death_time()              # 10 used + 30 left at half speed
70.0
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from vtsim.scenario.medical import ExponentialSurvival, SimedisIss

RANK = {"t1": 0, "t2": 1, "t3": 2}
CLASSES = ("t1", "t2", "t3")


class DeteriorationModel(Protocol):
    """What a deterioration model provides (one draw per casualty, from its own stream)."""

    def untreated_ttd_min(self, triage: str, rng: np.random.Generator) -> float: ...

    def class_for(self, remaining_min: float, initial: str) -> str: ...


class _Thresholds:
    def __init__(self, t1_below: float, t2_below: float):
        self.t1_below, self.t2_below = t1_below, t2_below

    def class_for(self, remaining_min: float, initial: str) -> str:
        """The class now: the initial class, or worse when little untreated time is left."""
        by_time = (
            "t1"
            if remaining_min < self.t1_below
            else ("t2" if remaining_min < self.t2_below else "t3")
        )
        return by_time if RANK[by_time] < RANK[initial] else initial


class SimedisModel(_Thresholds):
    def __init__(self, cfg: SimedisIss):
        super().__init__(cfg.t1_below_min, cfg.t2_below_min)
        self.cfg = cfg
        self.iss = {"t1": cfg.iss_t1.sample, "t2": cfg.iss_t2.sample, "t3": cfg.iss_t3.sample}
        self.coefficient, self.power = cfg.coefficient_min, -cfg.exponent  # read once
        self.spread = cfg.spread_sd_log

    def untreated_ttd_min(self, triage: str, rng: np.random.Generator) -> float:
        iss = max(1.0, self.iss[triage](rng))
        ttd = self.coefficient * iss**self.power
        if self.spread > 0:  # one more draw only then: deterministic scenarios keep theirs
            ttd *= math.exp(self.spread * rng.standard_normal())
        return ttd


class ExponentialModel(_Thresholds):
    def __init__(self, cfg: ExponentialSurvival):
        super().__init__(cfg.t1_below_min, cfg.t2_below_min)
        self.mean = {"t1": cfg.mean_t1_min, "t2": cfg.mean_t2_min, "t3": cfg.mean_t3_min}

    def untreated_ttd_min(self, triage: str, rng: np.random.Generator) -> float:
        return self.mean[triage] * rng.standard_exponential()


MODELS = {"simedis-iss": SimedisModel, "exponential": ExponentialModel}
"""Deterioration models by the ``model`` tag of ``medical.deterioration``."""


def make_model(cfg) -> DeteriorationModel:
    return MODELS[cfg.model](cfg)


class Health:
    """Untreated time used up, piecewise linear in time with the care factor as slope."""

    __slots__ = ("ttd", "used", "rate", "since")

    def __init__(self, untreated_ttd_min: float, t_injured: float):
        self.ttd = untreated_ttd_min
        self.used = 0.0
        self.rate = 1.0
        self.since = t_injured

    def care(self, t: float, factor: float) -> None:
        """From ``t`` on, deteriorate at ``factor`` (care never makes it faster)."""
        if factor >= self.rate:
            return
        self.used += self.rate * (t - self.since)
        self.since = t
        self.rate = factor

    def death_time(self) -> float:
        """When it dies if care does not change again (inf when deterioration stopped)."""
        left = self.ttd - self.used
        if self.rate <= 0:
            return math.inf if left > 0 else self.since
        return self.since + left / self.rate

    def remaining_min(self, t: float) -> float:
        """Untreated time left at ``t`` (what the class thresholds read)."""
        return self.ttd - self.used - self.rate * (t - self.since)
