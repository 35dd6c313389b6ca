"""Designs for global sensitivity (Sobol, Morris, FAST), the correlation-controlled
hypercube, external tables, and the one-at-a-time design without duplicate centres."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vtsim.batch.designs import max_abs_correlation
from vtsim.batch.sweep import Sweep, design_size, design_table, fingerprint, load_sweep
from vtsim.errors import ScenarioError, VtsimError

FACTORS = [
    {"id": "a", "path": "prevent.detection_rate_per_day", "low": 0.001, "high": 0.008},
    {
        "id": "b",
        "path": "agencies.police-dispatch.speed_kmh",
        "op": "scale",
        "low": 0.5,
        "high": 1.3,
    },
    {"id": "c", "path": "measures.entrance-screening.effects.0.value", "low": 0.4, "high": 0.9},
    {
        "id": "d",
        "path": "sites.festival.zones.arena.occupancy",
        "op": "scale",
        "low": 0.7,
        "high": 1.3,
    },
]


def _sweep(design: dict, factors=FACTORS, seed: int = 3) -> Sweep:
    return Sweep.model_validate(
        {"scenario": "harbour-festival", "seed": seed, "design": design, "factors": factors}
    )


def _within_ranges(table: pd.DataFrame, factors=FACTORS) -> bool:
    return all(table[f["id"]].between(f["low"], f["high"]).all() for f in factors if "low" in f)


@pytest.mark.parametrize(
    "design, size",
    [
        ({"kind": "sobol", "n": 16}, 16 * (4 + 2)),
        ({"kind": "sobol", "n": 16, "calc_second_order": True}, 16 * (2 * 4 + 2)),
        ({"kind": "morris", "trajectories": 5}, 5 * (4 + 1)),
        ({"kind": "fast", "n": 65}, 65 * 4),
        ({"kind": "hypercube", "n": 24}, 24),
    ],
)
def test_global_designs_have_their_size_stay_in_range_and_are_seeded(design, size):
    sweep = _sweep(design)
    table = design_table(sweep)
    assert len(table) == size == design_size(sweep)
    assert list(table.columns) == ["a", "b", "c", "d"]
    assert _within_ranges(table)
    assert table.equals(design_table(sweep))  # a pure function of the sweep
    assert not table.equals(design_table(_sweep(design, seed=4)))


def test_design_fields_are_checked_per_kind():
    with pytest.raises(ValueError, match="power of 2"):
        _sweep({"kind": "sobol", "n": 100})
    with pytest.raises(ValueError, match="needs trajectories"):
        _sweep({"kind": "morris"})
    with pytest.raises(ValueError, match="does not take"):
        _sweep({"kind": "sobol", "n": 16, "trajectories": 4})
    with pytest.raises(ValueError, match="4 M"):
        _sweep({"kind": "fast", "n": 64})
    with pytest.raises(ValueError, match="even"):
        _sweep({"kind": "morris", "trajectories": 4, "levels": 3})


def test_old_design_records_are_unchanged():
    """New optional fields stay out of the record, so older manifests still match."""
    assert _sweep({"kind": "latin_hypercube", "points": 8}).model_dump()["design"] == {
        "kind": "latin_hypercube",
        "points": 8,
    }
    assert _sweep({"kind": "full_factorial"}).model_dump()["design"] == {
        "kind": "full_factorial",
        "points": None,
    }


def test_hypercube_keeps_correlations_below_the_bound():
    for bound in (0.1, 0.05):
        table = design_table(_sweep({"kind": "hypercube", "n": 24, "max_correlation": bound}))
        r = max_abs_correlation(table.to_numpy())
        assert r <= bound
        assert table.attrs["max_correlation"] == pytest.approx(r)
        # still a Latin hypercube: one point per stratum of every factor
        strata = np.floor((table["a"] - 0.001) / 0.007 * 24).clip(0, 23).astype(int)
        assert sorted(strata) == list(range(24))


def test_hypercube_refuses_a_bound_it_cannot_reach():
    with pytest.raises(VtsimError, match="max_correlation"):
        design_table(_sweep({"kind": "hypercube", "n": 4, "max_correlation": 0.01}))


def test_one_at_a_time_has_no_duplicate_centre_point():
    factors = [
        {"id": "a", "path": "prevent.detection_rate_per_day", "low": 0.02, "high": 0.3},
        {"id": "b", "path": "horizon_min", "low": 100, "high": 300},
    ]
    table = design_table(_sweep({"kind": "one_at_a_time"}, factors=factors))
    # the centre (0.02 + 0.3) / 2 = 0.16 and linspace's 0.15999999999999998 are one point
    assert len(table) == 1 + 2 + 2
    assert not table.round(12).duplicated().any()


def _table_sweep(tmp_path, rows: str, columns: str = "a,b,c,d") -> tuple:
    (tmp_path / "points.csv").write_text(f"{columns}\n{rows}", encoding="utf-8")
    text = (
        "scenario: harbour-festival\nseed: 1\nreplications: 2\npackages: [baseline]\n"
        "design: {kind: table, file: points.csv}\nfactors:\n"
        + "".join(
            f"  - {{id: {f['id']}, path: {f['path']}, op: {f.get('op', 'set')}, "
            f"low: {f['low']}, high: {f['high']}}}\n"
            for f in FACTORS
        )
    )
    path = tmp_path / "sweep.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_table_design_round_trip(tmp_path):
    source = design_table(_sweep({"kind": "hypercube", "n": 6}))
    (tmp_path / "sub").mkdir()
    path = _table_sweep(tmp_path / "sub", "")
    source.to_csv(tmp_path / "sub" / "points.csv")  # with its 'point' column
    sweep, base = load_sweep(path)
    table = design_table(sweep)
    pd.testing.assert_frame_equal(table, source, check_exact=True)
    before = fingerprint(sweep, base)
    source.iloc[::-1].to_csv(tmp_path / "sub" / "points.csv")
    assert fingerprint(sweep, base) != before  # the points are part of the run's identity


@pytest.mark.parametrize(
    "columns, rows, message",
    [
        ("a,b,c,e", "0.002,1,0.5,1\n", "unknown column.*e.*missing factor column.*d"),
        ("a,b,c,d", "0.02,1,0.5,1\n", "a: 0.02 in row 1 is outside its range"),
        ("a,b,c,d", "0.002,x,0.5,1\n", "b: non-numeric"),
    ],
)
def test_table_design_is_checked(tmp_path, columns, rows, message):
    path = _table_sweep(tmp_path, rows, columns)
    with pytest.raises(ScenarioError, match=message):
        load_sweep(path)
