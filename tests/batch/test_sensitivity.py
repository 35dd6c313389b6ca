"""Global sensitivity with intervals, through the code path that analyses a sweep: a
design built from a sweep spec, values per point, BatchResults.sensitivity_indices."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from vtsim.batch.analysis import BatchResults
from vtsim.batch.sensitivity import noise
from vtsim.batch.sweep import Sweep, design_table
from vtsim.errors import VtsimError
from vtsim.model.streams import Streams

PATH = "prevent.detection_rate_per_day"  # any path: the design never touches the scenario


def _sweep(design: dict, k: int = 3, low=-math.pi, high=math.pi, seed: int = 7) -> Sweep:
    factors = [{"id": f"x{i + 1}", "path": PATH, "low": low, "high": high} for i in range(k)]
    return Sweep.model_validate(
        {"scenario": "x", "seed": seed, "design": design, "factors": factors, "outcomes": ["y"]}
    )


def _results(sweep: Sweep, f, replications: int = 1, noise_sd: float = 0.0) -> BatchResults:
    """What `vtsim batch` would give back: rows (point, package, replication, y)."""
    design = design_table(sweep)
    y = np.asarray(f(design), dtype=float)
    rng = Streams(0, 0).get("noise")
    frame = pd.DataFrame(
        [
            {"point": p, "package": "baseline", "replication": r, "y": y[p] + noise_sd * e}
            for r in range(replications)
            for p, e in zip(design.index, rng.standard_normal(len(design)))
        ]
    )
    manifest = {"sweep": sweep.model_dump(mode="json"), "packages": ["baseline"]}
    return BatchResults(frame, design, manifest)


def ishigami(d: pd.DataFrame, a: float = 7.0, b: float = 0.1):
    x1, x2, x3 = d["x1"], d["x2"], d["x3"]
    return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)


ISHIGAMI = {  # published values (Saltelli et al. 2008; Sobol' & Levitan 1999)
    "S1": {"x1": 0.3139, "x2": 0.4424, "x3": 0.0},
    "ST": {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437},
}


def test_ishigami_sobol_indices_within_their_bootstrap_intervals():
    res = _results(_sweep({"kind": "sobol", "n": 1024}), ishigami)
    table = res.sensitivity_indices("y")
    assert set(table["method"]) == {"sobol"} and set(table["index"]) == {"S1", "ST"}
    for row in table.itertuples():
        expected = ISHIGAMI[row.index][row.factor]
        assert row.lo <= expected <= row.hi, (row.factor, row.index, row.value, row.lo, row.hi)
        assert row.hi - row.lo < 0.25  # informative intervals, not everything-goes


def test_indices_figure_has_a_panel_per_index_with_whiskers():
    res = _results(_sweep({"kind": "sobol", "n": 64}), ishigami)
    fig = res.plot_sensitivity_indices("y")
    assert [ax.get_xlabel() for ax in fig.axes] == ["first-order index S1", "total index ST"]
    assert all(ax.lines or ax.collections for ax in fig.axes)  # the interval whiskers


def test_fast_ranks_ishigami_factors():
    res = _results(_sweep({"kind": "fast", "n": 257}), ishigami)
    table = res.sensitivity_indices("y").set_index(["index", "factor"])
    s1 = table.loc["S1", "value"]
    assert s1["x2"] > s1["x1"] > s1["x3"]
    assert abs(s1["x1"] - 0.3139) < 0.05 and abs(s1["x2"] - 0.4424) < 0.05
    assert (table["lo"] <= table["value"]).all() and (table["value"] <= table["hi"]).all()


def test_morris_ranks_a_dominant_factor_first():
    sweep = _sweep({"kind": "morris", "trajectories": 20}, k=4, low=0.0, high=1.0)
    res = _results(sweep, lambda d: 10 * d["x3"] + d["x1"] + 0.1 * d["x2"] * d["x4"])
    table = res.sensitivity_indices("y")
    mu_star = table[table["index"] == "mu_star"].set_index("factor")
    assert mu_star["value"].idxmax() == "x3"
    assert mu_star.loc["x3", "value"] == pytest.approx(10, rel=1e-6)
    assert mu_star.loc["x3", "lo"] > mu_star.drop("x3")["hi"].max()  # clearly first
    sigma = table[table["index"] == "sigma"].set_index("factor")
    assert sigma[["lo", "hi"]].notna().all().all()


def test_src_has_intervals_and_p_values():
    sweep = _sweep({"kind": "hypercube", "n": 60}, k=3, low=0.0, high=1.0)
    res = _results(sweep, lambda d: 3 * d["x1"] + d["x2"], replications=4, noise_sd=0.1)
    table = res.sensitivity_indices("y").set_index(["index", "factor"])
    src = table.loc["SRC"]
    assert src.loc["x1", "value"] > src.loc["x2", "value"] > 0
    assert src.loc["x1", "p_value"] < 1e-6 and src.loc["x3", "p_value"] > 0.01
    assert src.loc["x3", "lo"] < 0 < src.loc["x3", "hi"]
    assert table.loc[("R2", "*"), "value"] > 0.9
    # the Monte Carlo share is reported beside the indices
    assert 0 < table["noise_share"].iloc[0] < 0.2
    assert 0 < table["noise_in_means"].iloc[0] < table["noise_share"].iloc[0]


def test_src_refused_for_one_at_a_time_and_sobol():
    res = _results(_sweep({"kind": "one_at_a_time"}), ishigami)
    with pytest.raises(VtsimError, match="one-at-a-time"):
        res.sensitivity_indices("y")
    with pytest.raises(VtsimError, match="SRC is refused for a one_at_a_time"):
        res.sensitivity_indices("y", method="src")
    sobol = _results(_sweep({"kind": "sobol", "n": 8}), ishigami)
    with pytest.raises(VtsimError, match="SRC is refused for a sobol"):
        sobol.sensitivity_indices("y", method="src")
    with pytest.raises(VtsimError, match="need a morris design"):
        sobol.sensitivity_indices("y", method="morris")


def test_src_refused_for_a_factorial_with_too_few_points():
    sweep = Sweep.model_validate(
        {
            "scenario": "x",
            "design": {"kind": "full_factorial"},
            "factors": [{"id": "x1", "path": PATH, "values": [0, 1]}],
        }
    )
    res = _results(sweep, lambda d: d["x1"])
    with pytest.raises(VtsimError, match="at least k \\+ 2 = 3 points"):
        res.sensitivity_indices("y")


def test_constant_outcome_gets_a_clear_message():
    res = _results(_sweep({"kind": "sobol", "n": 8}), lambda d: np.full(len(d), 2.0))
    with pytest.raises(VtsimError, match="constant \\(2\\).*no sensitivity index"):
        res.sensitivity_indices("y")


def test_noise_split_respects_common_random_numbers():
    """A replication effect shared by every point does not count as noise in the means."""
    points, reps = 40, 6
    rng = Streams(1, 0).get("crn")
    x = rng.random(points)
    shared = rng.normal(0, 5, reps)  # common random numbers: the same at every point
    rows = [
        {"point": p, "package": "a", "replication": r, "y": x[p] + shared[r]}
        for p in range(points)
        for r in range(reps)
    ]
    out = noise(pd.DataFrame(rows), "y")
    assert out["noise_share"] > 0.9  # replication to replication, mostly noise
    assert out["noise_in_means"] < 1e-9  # but none of it blurs the comparison of points
