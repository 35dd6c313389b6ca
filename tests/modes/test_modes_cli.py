"""`vtsim run` on the two threat-mode scenarios, end to end."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from vtsim.cli import main
from vtsim.resources import scenarios_dir


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, packages, headlines",
    [
        (
            "transit-hub-drone",
            ["detection", "detection-interdiction", "detection-warning"],
            {"protect": "stopped_before_harm", "mitigate": "casualties_total"},
        ),
        (
            "metro-cbrn",
            [
                "sensors",
                "procedure",
                "decontamination",
                "all-three",
                "scoop-and-run-hospital-decon",
                "stay-and-play-onsite-decon",
                "antidote",
            ],
            # with a medical section the respond headline is preventable deaths
            {"mitigate": "casualties_total", "respond": "preventable_deaths"},
        ),
    ],
)
def test_run_a_threat_mode_scenario_by_name(tmp_path, name, packages, headlines):
    out = tmp_path / name
    args = ["run", name, "-n", "16", "-s", "3", "-j", "2", "-o", str(out), "--no-progress"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    for phase in ("PREVENT", "PROTECT", "MITIGATE", "RESPOND", "RECOVER"):
        assert phase in result.output
    for package in ["baseline", *packages]:
        assert package in result.output
    assert "nan" not in result.output.lower().replace("n/a", "")
    frame = pd.read_csv(out / "replications.csv")
    assert len(frame) == 16 * (1 + len(packages))
    saved = json.loads((out / "scorecard.json").read_text())
    card = {row["phase"]: row["metric"] for row in saved["scorecard"]}
    for phase, metric in headlines.items():
        assert card[phase] == metric
    assert (out / "scorecard.png").stat().st_size > 10_000


@pytest.mark.slow
def test_a_scenario_file_runs_the_same_with_any_number_of_jobs(tmp_path):
    frames = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}"
        args = ["run", str(scenarios_dir() / "metro-cbrn.yaml"), "-n", "8", "-s", "5", "-j", jobs]
        result = CliRunner().invoke(main, [*args, "-o", str(out), "--no-figures", "--no-progress"])
        assert result.exit_code == 0, result.output
        frames.append(pd.read_csv(out / "replications.csv"))
    pd.testing.assert_frame_equal(frames[0], frames[1])
