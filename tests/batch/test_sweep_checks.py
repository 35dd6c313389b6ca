"""Sweep checks (issue 17, item 5): everything a sweep can get wrong is found before
anything runs, and the rows say what was actually simulated."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from vtsim.batch.runner import run_sweep
from vtsim.batch.sweep import MAX_POINTS, design_size, load_sweep
from vtsim.cli import main
from vtsim.errors import ScenarioError, VtsimError

BASE = """\
name: checks
scenario: harbour-festival
seed: 3
replications: 1
packages: [baseline, command-alerting]
design: {kind: full_factorial}
factors:
  - id: p_comm
    path: sites.festival.p_communication
    values: [0.5, 0.7]
outcomes: [casualties_total, attack_succeeded]
"""


def _write(tmp_path: Path, text: str, name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_typo_in_outcomes_is_refused_before_running(tmp_path):
    sweep = _write(tmp_path, BASE.replace("attack_succeeded]", "attack_suceeded]"))
    with pytest.raises(ScenarioError, match="did you mean 'attack_succeeded'"):
        load_sweep(sweep)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(sweep), "-o", str(out), "-j", "1"])
    assert result.exit_code == 2, result.output
    assert "attack_suceeded" in result.output and "line 11" in result.output
    assert not (out / "manifest.json").exists()


def test_the_design_size_is_guarded_before_anything_is_built(tmp_path):
    huge = BASE.replace(
        "design: {kind: full_factorial}", "design: {kind: latin_hypercube, points: 10000000}"
    )
    start = time.perf_counter()
    with pytest.raises(ScenarioError, match="at most 200,000"):
        load_sweep(_write(tmp_path, huge))
    assert time.perf_counter() - start < 5
    grid = BASE.replace(
        "    values: [0.5, 0.7]",
        "    low: 0.1\n    high: 0.9\n    levels: 1000\n"
        "  - id: speed\n    path: agencies.police-dispatch.speed_kmh\n    op: scale\n"
        "    low: 0.5\n    high: 1.5\n    levels: 1000",
    )
    with pytest.raises(ScenarioError, match="1,000,000 points"):
        load_sweep(_write(tmp_path, grid, "grid.yaml"))
    assert MAX_POINTS < 1_000_000


def test_design_size_counts_without_building():
    from vtsim.batch.sweep import Sweep

    sweep = Sweep.model_validate(
        {
            "scenario": "harbour-festival",
            "design": {"kind": "one_at_a_time"},
            "factors": [
                {"id": "a", "path": "x", "values": [1, 2, 3]},
                {"id": "b", "path": "y", "low": 0, "high": 1, "levels": 4},
            ],
        }
    )
    assert design_size(sweep) == 1 + 3 + 4  # an upper bound: the centre and every level


def test_validate_accepts_a_sweep_file(tmp_path):
    result = CliRunner().invoke(main, ["validate", str(_write(tmp_path, BASE))])
    assert result.exit_code == 0, result.output
    assert "ok:" in result.output and "every point checked" in result.output
    bad = _write(tmp_path, BASE.replace("casualties_total,", "casualties,"), "bad.yaml")
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "'casualties' is not an outcome" in result.output


def test_resume_refusal_lists_what_changed(tmp_path):
    out = tmp_path / "out"
    run_sweep(_write(tmp_path, BASE), out, jobs=1, progress=False, fmt="csv")
    changed = _write(tmp_path, BASE.replace("[0.5, 0.7]", "[0.5, 0.8]"), "changed.yaml")
    with pytest.raises(VtsimError) as err:
        run_sweep(changed, out, jobs=1, progress=False, fmt="csv", resume=True)
    assert "sweep.factors.0.values.1 0.7 -> 0.8" in str(err.value)


def test_rows_report_the_value_a_package_simulated(tmp_path):
    out = tmp_path / "out"
    results = run_sweep(_write(tmp_path, BASE), out, jobs=1, progress=False, fmt="csv")
    frame = results.frame
    base = frame[frame["package"] == "baseline"]
    assert sorted(base["p_comm"].unique()) == [0.5, 0.7]
    # command-alerting's joint command sets p_communication to 0.95 at every point
    overridden = frame[frame["package"] == "command-alerting"]
    assert set(overridden["p_comm"].unique()) == {0.95}
    assert results.manifest["overridden"] == {"command-alerting": ["p_comm"]}


def test_force_starts_a_batch_folder_again_and_foreign_folders_are_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(VtsimError, match="not empty"):
        run_sweep(_write(tmp_path, BASE), out, jobs=1, progress=False)
    assert not (out / "manifest.json").exists()
