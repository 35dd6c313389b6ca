"""Sweep analysis: sensitivity, regret and PRIM on outcomes with a known answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from vtsim.batch.analysis import BatchResults, prim
from vtsim.cli import main


def _synthetic(n_points=200, reps=4, seed=0) -> BatchResults:
    rng = np.random.default_rng(seed)
    design = pd.DataFrame(
        {"x1": rng.random(n_points), "x2": rng.random(n_points), "x3": rng.random(n_points)}
    )
    design.index.name = "point"
    rows = []
    for p, (x1, x2, _) in design.iterrows():
        for r in range(reps):
            # "a" is good unless x1 is high; "b" costs a flat 1.0
            rows.append({"point": p, "package": "a", "replication": r, "y": 3 * x1 + x2})
            rows.append({"point": p, "package": "b", "replication": r, "y": 1.0 + 0 * x2})
    manifest = {"packages": ["a", "b"], "sweep": {"outcomes": ["y"]}}
    return BatchResults(pd.DataFrame(rows), design, manifest)


def test_src_ranks_factors_by_their_linear_effect():
    src = _synthetic().sensitivity("y").set_index("package")
    a = src.loc["a"]
    assert a["x1"] > 0.9 and 0.2 < a["x2"] < 0.4 and abs(a["x3"]) < 0.05
    assert a["r2"] == pytest.approx(1.0)
    assert np.isnan(src.loc["b", "x1"])  # no variation: no sensitivity


def test_regret_is_zero_for_the_best_package_and_never_negative():
    res = _synthetic()
    table = res.regret_table("y")
    assert (table >= 0).all().all()
    assert (table.min(axis=1) == 0).all()
    summary = res.regret("y").set_index("package")
    assert summary["share_best"].sum() == pytest.approx(1.0)
    expected_max = (3 * res.design["x1"] + res.design["x2"] - 1).clip(lower=0).max()
    assert summary.loc["a", "max_regret"] == pytest.approx(expected_max)


def test_prim_finds_the_box_where_a_package_fails():
    found = _synthetic(n_points=400).discover("a", "y")
    box = found["box"].set_index("factor")
    # "a" fails (is worse than "b") when 3 x1 + x2 > 1, i.e. mostly x1 > 1/3
    assert box.loc["x1", "restricted"] and box.loc["x1", "low"] > 0.15
    assert found["density"] > 0.9 and found["coverage"] >= 0.5
    assert not box.loc["x3", "restricted"] or box.loc["x3", "high"] - box.loc["x3", "low"] > 0.7


def test_prim_with_no_failures_returns_the_whole_box():
    x = pd.DataFrame({"u": np.linspace(0, 1, 20)})
    found = prim(x, np.zeros(20))
    assert found["support"] == 1.0 and not found["box"]["restricted"].any()


@pytest.mark.slow
def test_summary_has_intervals_that_contain_the_mean(tiny_sweep, tmp_path):
    from vtsim.batch.runner import run_sweep

    res = run_sweep(tiny_sweep, tmp_path / "out", jobs=1, progress=False)
    summary = res.summary("casualties_total")
    assert len(summary) == 4 * 2
    ok = summary["lo"].notna()
    assert (summary.loc[ok, "lo"] <= summary.loc[ok, "mean"]).all()
    assert (summary.loc[ok, "mean"] <= summary.loc[ok, "hi"]).all()
    assert {"police_speed_scale", "screening_p_detect"} <= set(summary.columns)
    fig = res.plot_discovery("baseline")
    assert fig.axes


@pytest.mark.slow
def test_cli_batch_end_to_end(tiny_sweep, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["batch", str(tiny_sweep), "-o", str(out), "-j", "1", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert "Regret in casualties_total" in result.output
    for name in (
        "manifest.json",
        "design.csv",
        "results.csv",
        "summary.csv",
        "sensitivity.csv",
        "regret.csv",
        "sensitivity.png",
        "regret.png",
        "robustness.png",
        "discovery.png",
    ):
        assert (out / name).exists(), name
    chunks = pd.concat(pd.read_csv(f) for f in sorted((out / "chunks").glob("*.csv")))
    assert len(chunks) == 24 and chunks[["point", "package", "replication"]].notna().all().all()
