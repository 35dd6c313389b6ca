"""Scenario inputs that a calibration target constrains directly (not outcomes).

Hirshberg et al. (2005): a trauma hospital absorbs about 4.6 critical patients an hour with
the staff at hand and 7.1 with its full disaster plan. In vtsim a hospital's rate for T1
patients is its emergency places times 60 over the mean T1 treatment time, so the bundled
scenarios with trauma threats must not give a hospital more than the full-plan rate, with
every surge place open and every package's measures applied.
"""

from __future__ import annotations

import pytest

import vtsim
from vtsim.resources import bundled_scenarios
from vtsim.scenario.transforms import apply_measures

TRAUMA = {"armed_assault", "explosive_device", "vehicle_ramming"}
FULL_PLAN_PER_H = 7.1


def _mean(dist) -> float:
    return float(getattr(dist, "mean", None) or dist.value)


def _rates(scenario):
    medical = scenario.medical
    minutes = _mean(medical.hospital_treatment_min.t1)
    for h in medical.hospitals:
        if "t1" in h.accepts:
            yield (
                h.id,
                h.capacity * 60 / minutes,
                (h.capacity + h.surge.extra_capacity) * 60 / minutes,
            )


def _trauma_scenarios():
    for path in bundled_scenarios():
        scenario = vtsim.load_scenario(path)
        if scenario.medical is not None and {t.mode for t in scenario.threats} & TRAUMA:
            yield path.stem


@pytest.mark.parametrize("name", list(_trauma_scenarios()))
def test_no_hospital_absorbs_more_critical_patients_than_the_record(name):
    scenario = vtsim.load_scenario(name)
    variants = [scenario] + [
        apply_measures(scenario, [scenario.measure(m) for m in package.measures])
        for package in scenario.packages
    ]
    for variant in variants:
        for hospital, base, full in _rates(variant):
            assert base <= FULL_PLAN_PER_H, (name, hospital, base)
            assert full <= FULL_PLAN_PER_H, (name, hospital, full)


def test_the_default_scenarios_general_hospital_starts_at_the_staff_at_hand_rate():
    rates = {h: base for h, base, _ in _rates(vtsim.load_scenario("harbour-festival"))}
    assert rates["porto-alba-general"] == pytest.approx(4.6, abs=0.1)
