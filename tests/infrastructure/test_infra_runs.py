"""The coastal city end to end: CLI, figures, common random numbers, determinism."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import vtsim
from vtsim.cli import main
from vtsim.report.infra_figures import service_curves_figure


def test_vtsim_network_prints_the_ranking_and_writes_its_figure(tmp_path):
    result = CliRunner().invoke(main, ["network", "coastal-city-grid", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "N-1" in result.output and "N-2" in result.output and "tx-south" in result.output
    for name in ("criticality.csv", "pairs.csv", "criticality.png"):
        assert (tmp_path / name).stat().st_size > 0
    table = pd.read_csv(tmp_path / "criticality.csv")
    assert {"n1_population_cut", "betweenness"} <= set(table.columns)


def test_vtsim_network_on_a_scenario_without_infrastructure_says_so(tmp_path):
    result = CliRunner().invoke(main, ["network", "harbour-festival", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "no infrastructure section" in result.output


@pytest.mark.slow
def test_vtsim_run_reports_recover_for_each_package_with_service_curves(tmp_path):
    result = CliRunner().invoke(
        main,
        ["run", "coastal-city-grid", "-n", "20", "-o", str(tmp_path), "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output[: result.output.rindex("}") + 1])
    recover = [r for r in printed["scorecard"] if r["phase"] == "recover"]
    assert {r["package"] for r in recover} == {"baseline", "hardening", "readiness"}
    assert all(r["metric"] == "resilience_loss" for r in recover)
    assert (tmp_path / "service_curves.png").stat().st_size > 0


@pytest.mark.slow
def test_hardening_never_loses_more_service_on_common_random_numbers():
    results = vtsim.run("coastal-city-grid", replications=60, seed=4, progress=False)
    frame = results.frame.set_index(["package", "replication"])
    base = frame.loc["baseline"]
    hard = frame.loc["hardening"]
    assert (hard["customer_hours_lost"] <= base["customer_hours_lost"] + 1e-6).all()
    assert hard["resilience_loss"].mean() < base["resilience_loss"].mean()
    # Cyber monitoring: detected in time at least as often, replication by replication.
    ready = frame.loc["readiness"]
    cyber = base["threat"] == "grid-intrusion"
    b, r = (
        base.loc[cyber, "intrusion_detected_in_time"],
        ready.loc[cyber, "intrusion_detected_in_time"],
    )
    assert ((r >= b) | b.isna()).all()
    fig = service_curves_figure(results)
    assert len(fig.axes) == 2 * 5  # two threats x (all + four sectors)


@pytest.mark.slow
def test_same_seed_same_results_whatever_the_jobs():
    one = vtsim.run("coastal-city-grid", replications=12, seed=9, jobs=1, progress=False).frame
    two = vtsim.run("coastal-city-grid", replications=12, seed=9, jobs=2, progress=False).frame
    pd.testing.assert_frame_equal(one, two)
    numbers = one.select_dtypes("number")
    assert np.isfinite(numbers["resilience_loss"]).all()
