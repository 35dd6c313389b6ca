"""`vtsim calibrate` end to end on a small scenario: the table, the files, determinism."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from vtsim.cli import main


def calibrate(out, *extra):
    args = ["calibrate", "museum-siege", "-n", "20", "-s", "4", "-o", str(out), *extra]
    return CliRunner().invoke(main, args)


@pytest.mark.slow
def test_calibrate_prints_the_table_and_writes_csv_and_figure(tmp_path):
    out = tmp_path / "cal"
    result = calibrate(out)
    assert result.exit_code == 0, result.output
    for text in ("published", "simulated [95 % CI]", "assault-ends-within-5-min", "museum-siege"):
        assert text in result.output
    table = pd.read_csv(out / "calibration.csv")
    assert set(table["scenario"]) == {"museum-siege"}
    assert set(table["verdict"]) <= {"inside", "outside", "not comparable"}
    row = table.set_index("target").loc["assault-ends-within-5-min"]
    assert row["interval"] == "Wilson" and row["ci_low"] <= row["value"] <= row["ci_high"]
    assert (row["replications"], row["seed"]) == (20, 4)
    surge = table.set_index("target").loc["hospital-surge-capacity"]
    assert surge["verdict"] == "not comparable" and "scenario input" in surge["reason"]
    assert (out / "calibration.png").stat().st_size > 10_000
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*"))


@pytest.mark.slow
def test_same_seed_gives_the_same_csv_whatever_the_jobs(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert calibrate(first, "--no-figures").exit_code == 0
    assert calibrate(second, "--no-figures", "-j", "2").exit_code == 0
    assert (first / "calibration.csv").read_bytes() == (second / "calibration.csv").read_bytes()
    assert not (first / "calibration.png").exists()
