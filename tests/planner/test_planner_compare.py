"""Paired comparisons: what a planner reads from `vtsim.compare`."""

from __future__ import annotations

import math
import re

import pytest

import vtsim
from vtsim.errors import VtsimError
from vtsim.report.planner_figures import pareto_front


@pytest.fixture(scope="module")
def comparison(festival_planner):
    return vtsim.compare(festival_planner, replications=40, seed=3, progress=False)


def test_one_row_per_package_and_phase_with_a_verdict(comparison):
    frame = comparison.frame
    assert {"screening", "barriers", "command-alerting"} <= set(frame["package"])
    assert len(frame) == frame["package"].nunique() * frame["phase"].nunique()
    for _, row in frame.iterrows():
        assert row["verdict"] in {"better", "worse", "no change on any replication"} or (
            row["verdict"].startswith("not distinguishable from zero")
        )
        if row["verdict"] == "better":
            assert row["diff_lo"] > 0 or row["diff_hi"] < 0


@pytest.mark.slow
def test_undistinguishable_differences_say_how_many_replications_would_tell(comparison):
    unclear = comparison.frame[comparison.frame["verdict"].str.startswith("not distinguishable")]
    assert len(unclear), "40 replications leave some phase undecided in this scenario"
    for _, row in unclear.iterrows():
        if row["replications_needed"] and not math.isnan(row["replications_needed"]):
            needed = int(re.search(r"about (\d+) replications would tell", row["verdict"])[1])
            assert needed > comparison.results.replications
            assert f"({needed - comparison.results.replications} more)" in row["verdict"]
    assert "NOT DISTINGUISHABLE FROM ZERO" in comparison.text()


def test_cost_per_casualty_avoided_is_cost_over_casualties_avoided(festival_planner, comparison):
    for _, p in comparison.packages_frame.iterrows():
        measures = festival_planner.package(p["package"]).measures
        cost = sum(festival_planner.measure(m).cost.annualised() for m in measures)
        assert p["cost_annualised"] == pytest.approx(cost)
        if p["casualties_avoided"] > 0:
            # attacks a year from the scenario's valuation (harbour-festival: mean 0.05)
            yearly = p["casualties_avoided"] * comparison.attacks_per_year
            assert p["cost_per_casualty_avoided"] == pytest.approx(cost / yearly)
        else:
            assert math.isinf(p["cost_per_casualty_avoided"])


def test_screening_reports_its_burden_on_visitors(comparison):
    row = comparison.packages_frame.set_index("package").loc["screening"]
    assert row["visitor_delay_min_total_change"] > 0
    assert row["visitor_delay_s_declared"] == 40


def test_measures_from_the_catalogue_form_one_package(festival_planner):
    c = vtsim.compare(
        festival_planner,
        measures="public-warning-app,business-continuity-plans",
        replications=15,
        seed=1,
        progress=False,
    )
    assert list(c.packages_frame["package"]) == ["public-warning-app_business-continuity-plans"]
    recover = c.frame[c.frame["phase"] == "recover"].iloc[0]
    assert recover["diff"] <= 0  # shorter closures, never longer, on common random numbers


def test_the_same_seed_gives_the_same_comparison_whatever_the_jobs(festival_planner):
    a = vtsim.compare(
        festival_planner, packages=["barriers"], replications=12, seed=8, jobs=1, progress=False
    )
    b = vtsim.compare(
        festival_planner, packages=["barriers"], replications=12, seed=8, jobs=2, progress=False
    )
    assert a.results.frame.equals(b.results.frame)


def test_an_unknown_package_is_a_clear_error(festival_planner):
    with pytest.raises(VtsimError, match="Unknown package 'nope'"):
        vtsim.compare(festival_planner, packages=["nope"], replications=2, progress=False)


def test_pareto_front_keeps_only_options_nothing_cheaper_beats():
    cost = [0, 10, 20, 30, 40]
    gain = [0, 5, 3, 8, 8]
    assert pareto_front(cost, gain) == [0, 1, 3]


def test_figures_and_html_render(comparison):
    for fig in (
        comparison.plot_distributions(),
        comparison.plot_cost_effect(),
        comparison.plot_timeline("barriers"),
    ):
        assert fig.axes
    assert "<table" in comparison._repr_html_()
