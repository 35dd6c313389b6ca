"""Robustness that respects noise: paired intervals, satisficing, PRIM with qp-values, CART."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vtsim.batch.analysis import BatchResults
from vtsim.batch.robustness import (
    NOT_DISTINGUISHABLE,
    DiscoveryWarning,
    cart_box,
    prim_box,
    quasi_p_values,
)

REPS = 12


def _paired(n_points=20) -> BatchResults:
    """At points 0..9 "a" beats "b" by 1 under a large common noise (separate intervals
    overlap, the paired one does not); at points 10..19 they are equal up to a zero-mean
    wobble (not distinguishable). "c" is always clearly worst."""
    rng = np.random.Generator(np.random.PCG64(3))
    design = pd.DataFrame({"u": np.linspace(0, 1, n_points)})
    design.index.name = "point"
    wobble = np.tile([0.25, -0.25], REPS // 2)  # exact in binary: equal means are equal
    rows = []
    for p in range(n_points):
        common = rng.integers(0, 20, REPS).astype(float)
        gap = 1.0 if p < n_points // 2 else 0.0
        for r in range(REPS):
            a = common[r]
            b = common[r] + gap + wobble[r]
            rows += [
                {"point": p, "package": "a", "replication": r, "y": a},
                {"point": p, "package": "b", "replication": r, "y": b},
                {"point": p, "package": "c", "replication": r, "y": a + 5},
            ]
    manifest = {"packages": ["a", "b", "c"], "sweep": {"outcomes": ["y"]}}
    return BatchResults(pd.DataFrame(rows), design, manifest)


def test_paired_intervals_and_the_not_distinguishable_class():
    res = _paired()
    best = res.best("y").set_index("point")
    assert (best["best"] == "a").all() and (best["runner_up"] == "b").all()
    clear, tied = best.loc[:9], best.loc[10:]
    assert (clear["verdict"] == "a").all() and clear["distinguishable"].all()
    assert (clear["lo"] > 0).all() and (clear["gap"] - 1).abs().max() < 1e-9
    assert (tied["verdict"] == NOT_DISTINGUISHABLE).all()
    assert (tied["lo"] <= 0).all() and (tied["hi"] >= 0).all()
    assert (tied["tied"] == "a, b").all()
    # unpaired intervals would overlap at the clear points: the pairing is what tells
    summary = res.summary("y").set_index(["point", "package"])
    assert summary.loc[(0, "b"), "lo"] < summary.loc[(0, "a"), "hi"]


def test_regret_reports_clear_and_possible_shares_with_an_interval():
    table = res_regret = _paired().regret("y").set_index("package")
    assert table.loc["a", "share_best"] == 1.0
    assert table.loc["a", "share_clear_best"] == pytest.approx(0.5)
    assert table.loc["b", "share_possibly_best"] == pytest.approx(0.5)
    assert table.loc["c", "share_possibly_best"] == 0.0
    assert table.loc["b", "mean_regret"] == pytest.approx(0.5)
    lo, hi = res_regret.loc["b", ["mean_regret_lo", "mean_regret_hi"]]
    assert lo <= 0.5 <= hi
    assert table.loc["c", "mean_regret"] == pytest.approx(5.0)
    intervals = _paired().regret_intervals("y")
    assert (intervals["regret"] >= -1e-12).all()
    c = intervals[intervals["package"] == "c"]
    assert c["clearly_worse"].all()


def test_satisficing_share_with_wilson_intervals_and_noise():
    design = pd.DataFrame({"u": np.arange(30.0)})
    design.index.name = "point"
    rows = []
    for p in range(30):
        # 10 points clearly below 5, 10 clearly above, 10 straddling it (mean 4.9)
        centre = 2.0 if p < 10 else 8.0 if p < 20 else 4.9
        for r, e in enumerate([-1.0, 1.0, -1.0, 1.0]):
            rows.append({"point": p, "package": "a", "replication": r, "y": centre + e})
    res = BatchResults(
        pd.DataFrame(rows), design, {"packages": ["a"], "sweep": {"outcomes": ["y"]}}
    )
    row = res.satisficing(5.0, "y").iloc[0]
    assert row["rule"] == "y <= 5"
    assert row["share"] == pytest.approx(20 / 30)
    assert row["share_sure"] == pytest.approx(10 / 30)
    assert row["share_possible"] == pytest.approx(20 / 30)
    assert row["share_lo"] < row["share"] < row["share_hi"]
    assert row["share_sure_lo"] < row["share_sure"] < row["share_sure_hi"]


def _box_data(n=300, seed=0, flip=0.1):
    rng = np.random.Generator(np.random.PCG64(seed))
    x = pd.DataFrame(rng.random((n, 3)), columns=["x1", "x2", "x3"])
    y = ((x.x1 > 0.7) & (x.x2 < 0.3)).to_numpy(float)
    return x, np.where(rng.random(n) < flip, 1 - y, y)


def test_prim_finds_the_known_box_and_drops_x3_by_qp_value():
    x, y = _box_data()
    loose = prim_box(x, y, min_coverage=0.3, min_support=0.05, qp_max=None)
    assert loose["box"].set_index("factor").loc["x3", "restricted"]  # overfit to noise
    found = prim_box(x, y, min_coverage=0.3, min_support=0.05)
    box = found["box"].set_index("factor")
    assert box.loc["x1", "restricted"] and 0.6 < box.loc["x1", "low"] < 0.8
    assert box.loc["x2", "restricted"] and 0.2 < box.loc["x2", "high"] < 0.4
    assert not box.loc["x3", "restricted"] and np.isnan(box.loc["x3", "qp"])
    assert box.loc["x1", "qp"] < 1e-3 and box.loc["x2", "qp"] < 1e-3
    assert list(found["dropped"]["factor"]) == ["x3"] and found["dropped"]["qp"].iloc[0] > 0.05
    assert found["support"] >= 0.05 and found["density"] > 0.8


def test_quasi_p_value_of_a_spurious_restriction_is_large():
    x, y = _box_data(n=1000, seed=1, flip=0.0)
    full = np.array([[x[c].min(), x[c].max()] for c in x.columns])
    limits = full.copy()
    limits[0, 0], limits[1, 1], limits[2, 1] = 0.7, 0.3, 0.6  # x3 <= 0.6 is spurious
    qp = quasi_p_values(x.to_numpy(), y, limits, full)
    assert qp[0] < 1e-6 and qp[1] < 1e-6 and qp[2] > 0.05


def test_pasting_and_the_minimum_mass():
    x, y = _box_data(n=400, seed=2, flip=0.0)
    found = prim_box(x, y, alpha=0.2, min_support=0.2)
    assert found["support"] >= 0.2 - 1e-9  # never below the minimum mass
    pasted = prim_box(x, y, alpha=0.2, min_support=0.05)
    unpasted = prim_box(x, y, alpha=0.2, min_support=0.05, paste=False)
    assert pasted["coverage"] >= unpasted["coverage"]
    assert pasted["density"] >= unpasted["density"] - 1e-12


@pytest.mark.parametrize("value", [0.0, 1.0])
def test_a_warning_when_every_or_no_point_is_a_case(value):
    x = pd.DataFrame({"u": np.linspace(0, 1, 20)})
    with pytest.warns(DiscoveryWarning, match="nothing to explain"):
        found = prim_box(x, np.full(20, value))
    assert found["warning"] and found["support"] == 1.0
    assert not found["box"]["restricted"].any()


def test_discover_warns_through_batch_results_and_respects_noise():
    res = _paired()
    with pytest.warns(DiscoveryWarning, match="every point is a case"):
        res.discover("c", "y")  # "c" is never the best
    # beyond noise, "b" fails (is clearly not the best) only at the first ten points
    found = res.discover("b", "y", noise=True)
    assert found["rule"] == "clearly not the best package"
    assert list(found["failed"][found["failed"]].index) == list(range(10))
    box = found["box"].set_index("factor")
    assert box.loc["u", "restricted"] and box.loc["u", "high"] < res.design.loc[10, "u"]


def test_cart_finds_the_same_split():
    pytest.importorskip("sklearn")
    x, y = _box_data(n=1000, seed=1, flip=0.0)
    found = cart_box(x, y, max_depth=2, min_support=0.05)  # the box holds 9 % of points
    box = found["box"].set_index("factor")
    assert abs(box.loc["x1", "low"] - 0.7) < 0.03 and abs(box.loc["x2", "high"] - 0.3) < 0.03
    assert not box.loc["x3", "restricted"] and found["density"] == 1.0
    assert "x1" in found["rules"]
    res_box = prim_box(x, y, min_support=0.05)["box"].set_index("factor")
    assert abs(res_box.loc["x1", "low"] - box.loc["x1", "low"]) < 0.05
