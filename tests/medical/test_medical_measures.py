"""Each medical measure changes parameters only, and shows a measurable difference on
common random numbers (same seed, same replications, paired)."""

from __future__ import annotations

import pytest

import vtsim
from vtsim.analysis.stats import paired_difference
from vtsim.scenario.transforms import apply_measures

REPLICATIONS = 40


def _metric(scenario, metric: str, threat: str) -> list[float]:
    return [
        vtsim.simulate(scenario, seed=9, replication=r, threat=threat).metrics[metric]
        for r in range(REPLICATIONS)
    ]


@pytest.mark.parametrize(
    ("measure", "metric", "threat"),
    [
        ("rescue-task-force", "min_to_first_ems_contact", "armed-assault"),
        ("bleeding-control-kits", "preventable_deaths", "armed-assault"),
        ("mutual-aid-ambulances", "min_to_last_hospital_arrival", "armed-assault"),
        # hospitals are saturated by a bombing's casualties, rarely by an assault's
        ("hospital-surge-plan", "hospital_overload_min", "explosive-device"),
        ("triage-training", "mistriaged", "armed-assault"),
    ],
)
@pytest.mark.slow
def test_each_medical_measure_of_the_default_scenario_improves_what_it_targets(
    harbour, measure, metric, threat
):
    changed = apply_measures(harbour, [harbour.measure(measure)])
    assert all(e.path.startswith("medical.") for e in harbour.measure(measure).effects)
    base = _metric(harbour, metric, threat)
    after = _metric(changed, metric, threat)
    diff = paired_difference(after, base, better="lower")
    assert diff.diff < 0 and diff.distinguishable, diff


def test_medical_measures_leave_the_attack_and_the_crowd_unchanged(harbour):
    changed = vtsim.apply_package(harbour, "medical-response")
    for r in range(10):
        a = vtsim.simulate(harbour, seed=9, replication=r).metrics
        b = vtsim.simulate(changed, seed=9, replication=r).metrics
        for key in ("casualties_total", "killed_outright", "t1", "min_attack_active"):
            assert a[key] == b[key] or (a[key] != a[key] and b[key] != b[key])


def test_the_medical_package_cuts_preventable_deaths(harbour):
    results = vtsim.run(
        harbour,
        replications=REPLICATIONS,
        seed=9,
        packages=["medical-response"],
        threat="armed-assault",
        progress=False,
    )
    row = results.compare("preventable_deaths").iloc[0]
    assert row["diff"] < 0 and row["distinguishable"]


@pytest.mark.slow
def test_museum_packages_contrast_medical_strategies(museum):
    results = vtsim.run(museum, replications=30, seed=2, progress=False)
    means = results.summary()
    # Load balancing spreads patients over more hospitals than "nearest" does.
    assert (
        means.loc["load-balancing", "patients_max_hospital"]
        < means.loc["baseline", "patients_max_hospital"]
    )
    # Stay-and-play holds ambulances on scene: T1 patients reach hospital later.
    assert (
        means.loc["stay-and-play", "min_to_hospital_t1"]
        > means.loc["baseline", "min_to_hospital_t1"]
    )
    # Early care on scene saves lives.
    early = results.compare("preventable_deaths")
    assert early.set_index("package").loc["early-care", "distinguishable"]
    card = results.scorecard()
    assert set(card.loc[card["phase"] == "respond", "metric"]) == {"preventable_deaths"}
