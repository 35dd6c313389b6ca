"""`vtsim run` end to end: the main job a new user runs first."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

import vtsim
from vtsim.cli import main


@pytest.mark.slow
def test_run_default_scenario_prints_scorecard_and_writes_results(tmp_path):
    out = tmp_path / "results"
    result = CliRunner().invoke(main, ["run", "-n", "40", "-s", "7", "-o", str(out)])
    assert result.exit_code == 0, result.output
    for phase in ("PREVENT", "PROTECT", "MITIGATE", "RESPOND", "RECOVER"):
        assert phase in result.output
    for package in ("baseline", "screening", "barriers", "command-alerting"):
        assert package in result.output
    frame = pd.read_csv(out / "replications.csv")
    assert list(frame.columns[:4]) == ["package", "replication", "threat", "ended_by"]
    packages = 1 + len(vtsim.load_scenario("harbour-festival").packages)
    assert packages >= 4
    assert len(frame) == packages * 40
    for column in (
        "prevented",
        "detected_before_target",
        "interrupted",
        "casualties_total",
        "killed_outright",
        "t1",
        "t2",
        "t3",
        "min_to_first_responder",
        "min_to_neutralisation",
        "evacuated_fraction",
        "measure_cost",
    ):
        assert column in frame.columns
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 7 and manifest["replications"] == 40
    assert manifest["scenario"]["name"] == "Harbour Festival"
    assert manifest["versions"]["simpy"]
    assert manifest["command"].startswith("vtsim")
    saved = json.loads((out / "scorecard.json").read_text())
    card = saved["scorecard"]
    assert {row["threat"] for row in saved["by_threat"]} == set(frame["threat"])
    assert {row["phase"] for row in card} == {
        "prevent",
        "protect",
        "mitigate",
        "respond",
        "recover",
    }
    assert (out / "scorecard.png").stat().st_size > 10_000
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*"))


@pytest.mark.slow
def test_run_twice_with_the_same_seed_writes_identical_tables(tmp_path):
    runner = CliRunner()
    for name, jobs in (("a", "1"), ("b", "2")):
        result = runner.invoke(
            main,
            ["run", "-n", "30", "-s", "3", "-j", jobs, "--no-figures", "-o", str(tmp_path / name)],
        )
        assert result.exit_code == 0, result.output
    a = (tmp_path / "a" / "replications.csv").read_bytes()
    assert a == (tmp_path / "b" / "replications.csv").read_bytes()


@pytest.mark.slow
def test_json_format_prints_the_scorecard_as_json(tmp_path):
    result = CliRunner().invoke(
        main, ["run", "-n", "20", "--format", "json", "--no-figures", "-o", str(tmp_path)]
    )
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    assert {"package", "phase", "value", "lo", "hi"} <= set(printed["scorecard"][0])
    assert {"threat", "package", "phase", "diff"} <= set(printed["by_threat"][-1])


def test_run_a_bundled_scenario_by_name_with_one_package(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "run",
            "harbour-festival",
            "-n",
            "20",
            "-p",
            "barriers",
            "--threat",
            "vehicle-ramming",
            "--no-figures",
            "-o",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(tmp_path / "replications.csv")
    assert set(frame["package"]) == {"baseline", "barriers"}
    assert set(frame["threat"]) == {"vehicle-ramming"}


def test_scenarios_command_lists_the_library():
    result = CliRunner().invoke(main, ["scenarios"])
    assert result.exit_code == 0
    assert "harbour-festival" in result.output


@pytest.mark.slow
def test_run_on_a_local_dask_cluster_equals_the_serial_run(tmp_path):
    pytest.importorskip("distributed")
    runner = CliRunner()
    for name, extra in (("serial", ["-j", "1"]), ("dask", ["--dask-local", "2"])):
        result = runner.invoke(
            main, ["run", "-n", "20", "-s", "5", "--no-figures", "-o", str(tmp_path / name), *extra]
        )
        assert result.exit_code == 0, result.output
    serial = (tmp_path / "serial" / "replications.csv").read_bytes()
    assert serial == (tmp_path / "dask" / "replications.csv").read_bytes()
