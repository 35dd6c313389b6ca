"""The bundled scenarios against the public record (issue 12's "done when").

One run of every bundled scenario (300 replications each, their own seeds, as the README
table): every target that applies is inside its published range or says why it cannot be
compared; the default scenario's three headline checks are inside; and the sarin
strategies come out in the published order with a paired interval that excludes zero.
"""

from __future__ import annotations

import pandas as pd
import pytest

from vtsim.analysis.calibration import calibrate
from vtsim.analysis.stats import paired_difference

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def calibration():
    return calibrate(replications=300, jobs=2, progress=False)


def test_every_applicable_target_is_inside_or_says_why_not(calibration):
    table = calibration.table
    outside = table[table["verdict"] == "outside"]
    assert outside.empty, outside[["target", "scenario", "value", "ci_low", "ci_high"]]
    reasons = table.loc[table["verdict"] == "not comparable", "reason"]
    assert reasons.str.len().gt(10).all()
    # every comparable scenario-target pair has a simulated interval
    inside = table[table["verdict"] == "inside"]
    assert inside["value"].notna().all()


@pytest.mark.parametrize(
    "target",
    ["bombing-deaths-at-scene", "assault-ends-within-5-min", "bombing-critical-mortality"],
)
def test_the_default_scenarios_headline_checks_are_inside(calibration, target):
    table = calibration.table.set_index(["target", "scenario"])
    assert table.loc[(target, "harbour-festival"), "verdict"] == "inside"


def test_stay_and_play_with_onsite_decontamination_kills_more_than_scoop_and_run(calibration):
    frame = calibration.results["metro-cbrn"].frame

    def deaths(package: str) -> pd.Series:
        rows = frame[frame["package"] == package].sort_values("replication")
        return rows["deaths_total"].to_numpy()

    diff = paired_difference(
        deaths("stay-and-play-onsite-decon"), deaths("scoop-and-run-hospital-decon")
    )
    assert diff.diff > 0 and diff.lo > 0, diff
