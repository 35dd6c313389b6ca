"""Sweep files: designs, validation messages, common random numbers."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from vtsim.batch.runner import plan_chunks, run_sweep
from vtsim.batch.sweep import Sweep, design_table, load_sweep
from vtsim.cli import main
from vtsim.errors import ScenarioError, VtsimError
from vtsim.resources import scenarios_dir


def _sweep(**design) -> Sweep:
    return Sweep.model_validate(
        {
            "scenario": "harbour-festival",
            "seed": 3,
            "design": design,
            "factors": [
                {
                    "id": "a",
                    "path": "prevent.detection_rate_per_day",
                    "values": [0.001, 0.002, 0.004],
                },
                {"id": "b", "path": "horizon_min", "low": 100, "high": 300, "levels": 2},
            ],
        }
    )


def test_full_factorial_crosses_every_level():
    table = design_table(_sweep(kind="full_factorial"))
    assert len(table) == 6
    assert sorted(set(table["a"])) == [0.001, 0.002, 0.004]
    assert sorted(set(table["b"])) == [100.0, 300.0]
    assert not table.duplicated().any()


def test_one_at_a_time_moves_one_factor_from_the_centre():
    table = design_table(_sweep(kind="one_at_a_time"))
    centre = table.iloc[0]
    assert centre.to_dict() == {"a": 0.002, "b": 200.0}
    for _, row in table.iloc[1:].iterrows():
        assert (row != centre).sum() == 1
    assert len(table) == 1 + 2 + 2


def test_latin_hypercube_is_stratified_and_seeded():
    sweep = _sweep(kind="latin_hypercube", points=10)
    table = design_table(sweep)
    strata = np.floor((table["b"] - 100) / 200 * 10).astype(int)
    assert sorted(strata) == list(range(10))  # one point per stratum
    assert table.equals(design_table(sweep))
    other = design_table(sweep.model_copy(update={"seed": 4}))
    assert not table.equals(other)


def test_chunk_plan_does_not_depend_on_workers_and_covers_everything():
    for reps in (3, 250, 1000):
        plan = plan_chunks(7, ["baseline", "x"], reps, chunk=400)
        covered = sorted(
            (t.variant, r) for b in plan for t in b.tasks for r in range(t.start, t.stop)
        )
        expected = sorted(
            (f"{p}/{k}", r) for p in range(7) for k in ("baseline", "x") for r in range(reps)
        )
        assert covered == expected
        assert [b.id for b in plan] == list(range(len(plan)))


def test_default_chunks_balance_small_sweeps_and_cap_large_ones():
    from vtsim.batch.runner import auto_chunk

    assert len(plan_chunks(1000, ["baseline"], 1, auto_chunk(1000))) >= 16
    assert auto_chunk(10**6) == 400 and auto_chunk(10) == 50


def test_bundled_example_sweep_loads():
    sweep, base = load_sweep(scenarios_dir() / "sweeps" / "harbour-festival-sweep.yaml")
    assert base.name == "Harbour Festival"
    assert len(design_table(sweep)) == sweep.design.points


def test_malformed_sweep_names_file_line_and_field(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "scenario: harbour-festival\n"
        "factors:\n"
        "  - id: a\n"
        "    path: prevent.detection_rate_per_day\n"
        "    lowest: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    text = str(info.value)
    assert "bad.yaml" in text and "line 5" in text and "factors[a].lowest" in text


def test_factor_path_that_does_not_exist_is_rejected_with_choices(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "scenario: harbour-festival\n"
        "factors:\n"
        "  - {id: a, path: prevent.detection_rate, values: [1, 2]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    text = str(info.value)
    assert "line 3" in text and "detection_rate_per_day" in text


def test_factor_value_that_makes_the_scenario_invalid_is_rejected(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "scenario: harbour-festival\n"
        "factors:\n"
        "  - {id: p, path: sites.festival.p_communication, low: 0.5, high: 1.5}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    assert "p_communication" in str(info.value) and "1.5" in str(info.value)


def test_cli_rejects_malformed_sweep_with_exit_2(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("scenario: harbour-festival\nfactors: []\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "bad.yaml" in result.output and "factors" in result.output
    assert "Traceback" not in result.output


def test_common_random_numbers_across_points(tiny_sweep, tmp_path):
    """Police speed cannot change whether a plot is interdicted, nor who the crowd is:
    every point plays the same replications."""
    frame = run_sweep(tiny_sweep, tmp_path / "out", jobs=1, progress=False).frame
    base = frame[frame["package"] == "baseline"]
    by_rep = base.groupby("replication")
    assert (by_rep["prevented"].nunique() == 1).all()
    assert (by_rep["threat"].nunique() == 1).all()
    # faster police never lets an attack last longer on the same replication
    slow = base[base["police_speed_scale"] == 0.5].set_index(["screening_p_detect", "replication"])
    fast = base[base["police_speed_scale"] == 1.5].set_index(["screening_p_detect", "replication"])
    both = slow["min_attack_active"].notna() & fast["min_attack_active"].notna()
    assert (fast["min_attack_active"][both] <= slow["min_attack_active"][both] + 1e-9).all()


@pytest.mark.parametrize("jobs", [1, 2])
def test_points_valid_alone_but_not_together_fail_before_anything_is_written(tmp_path, jobs):
    """Each factor's extremes are fine on the base scenario, but one combination makes a
    triangular distribution with mode > high: the run stops with the point and the field
    named, checked on the workers, before the manifest or any chunk is written."""
    duration = "threats.vehicle-ramming.drive.path_m"
    sweep = Sweep.model_validate(
        {
            "scenario": "harbour-festival",
            "replications": 2,
            "packages": ["baseline"],
            "design": {"kind": "full_factorial"},
            "factors": [
                {"id": "mode", "path": f"{duration}.mode", "values": [50.0, 100.0]},
                {"id": "high", "path": f"{duration}.high", "values": [150.0, 80.0]},
            ],
        }
    )
    out = tmp_path / "out"
    with pytest.raises(VtsimError) as info:
        run_sweep(sweep, out, jobs=jobs, progress=False)
    text = str(info.value)
    assert "sweep point 3" in text and "path_m" in text
    assert not (out / "manifest.json").exists() and not (out / "chunks").exists()
