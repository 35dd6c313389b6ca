"""The PRIM figure shows the factors PRIM restricted, not the design's first two."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

from vtsim.batch.analysis import BatchResults
from vtsim.batch.figures import discovery_figure, restricted_factors
from vtsim.model.streams import Streams

matplotlib.use("Agg")


def _design(n=200, factors=("x1", "x2", "x3", "x4"), seed=0) -> pd.DataFrame:
    rng = Streams(seed, 0).get("design")
    design = pd.DataFrame({f: rng.random(n) for f in factors})
    design.index.name = "point"
    return design


def _found(design: pd.DataFrame, limits: dict, failed: pd.Series) -> dict:
    """A PRIM result as ``discover`` returns it, with the box given by hand."""
    rows = []
    for f in design.columns:
        lo, hi = float(design[f].min()), float(design[f].max())
        low, high = limits.get(f, (lo, hi))
        rows.append(
            {
                "factor": f,
                "low": low,
                "high": high,
                "restricted": f in limits,
                "kept": (high - low) / (hi - lo),
            }
        )
    return {
        "box": pd.DataFrame(rows),
        "coverage": 0.8,
        "density": 0.9,
        "support": 0.3,
        "failure_rate": float(failed.mean()),
        "failed": failed,
        "rule": "not the best package",
    }


def _box_patch(ax):
    return next(p for p in ax.patches if p.get_label().startswith("PRIM box"))


def test_axes_are_the_two_factors_prim_restricted_most():
    design = _design()
    failed = (design["x3"] > 0.6) & (design["x4"] < 0.5)
    # x2 is restricted a little, x3 and x4 much more; x1 (the first column) not at all
    found = _found(design, {"x2": (0.05, 0.95), "x3": (0.6, 0.95), "x4": (0.02, 0.5)}, failed)
    assert restricted_factors(found["box"]) == ["x3", "x4", "x2"]
    ax = discovery_figure(found, design, "a", "y").axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x3", "x4")
    box = _box_patch(ax)
    assert (box.get_x(), box.get_y()) == pytest.approx((0.6, 0.02))
    assert (box.get_width(), box.get_height()) == pytest.approx((0.35, 0.48))
    title = ax.get_title()
    assert "restricted x3 and x4" in title and "x2" in title  # the third one is named


def test_one_restricted_factor_is_shown_alone_with_its_range():
    design = _design()
    failed = design["x2"] > 0.7
    found = _found(design, {"x2": (0.7, float(design["x2"].max()))}, failed)
    ax = discovery_figure(found, design, "a", "y").axes[0]
    assert ax.get_xlabel() == "x2"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["package holds", "package fails"]
    band = _box_patch(ax).get_extents()  # a band over the box's range of x2
    assert band.width > 0
    assert "PRIM restricted x2" in ax.get_title() and "x1" not in ax.get_title()


def test_no_restricted_factor_is_said_on_the_figure():
    design = _design()
    failed = pd.Series(False, index=design.index)
    found = _found(design, {}, failed)
    ax = discovery_figure(found, design, "a", "y").axes[0]
    assert "PRIM restricted no factor" in ax.get_title()
    assert not [p for p in ax.patches if p.get_label().startswith("PRIM box")]


def test_plot_discovery_shows_where_prim_cut():
    design = _design(n=300, factors=("x1", "x2", "x3"), seed=1)
    rows = []
    for p, (_, x2, x3) in design.iterrows():
        # "a" beats the flat "b" unless both x2 and x3 are high: x1 plays no part
        y = 2.0 if (x2 > 0.5 and x3 > 0.5) else 0.0
        rows += [
            {"point": p, "package": "a", "replication": 0, "y": y},
            {"point": p, "package": "b", "replication": 0, "y": 1.0},
        ]
    manifest = {"packages": ["a", "b"], "sweep": {"outcomes": ["y"]}}
    res = BatchResults(pd.DataFrame(rows), design, manifest)
    box = res.discover("a", "y")["box"].set_index("factor")
    assert box.loc["x2", "restricted"] and box.loc["x3", "restricted"]
    assert box.loc["x2", "kept"] < 1 and box.loc["x1", "kept"] == 1.0
    ax = res.plot_discovery("a", "y").axes[0]
    assert {ax.get_xlabel(), ax.get_ylabel()} == {"x2", "x3"}
