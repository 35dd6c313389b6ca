"""Determinism and common random numbers: what makes comparisons fair."""

from __future__ import annotations

import pandas as pd
import pytest

import vtsim
from vtsim.analysis.executors import Task, run_chunk
from vtsim.resources import bundled_scenarios


@pytest.mark.slow
def test_same_seed_gives_identical_results_for_any_number_of_jobs(festival):
    serial = vtsim.run(festival, replications=60, seed=9, jobs=1, progress=False).frame
    pooled = vtsim.run(festival, replications=60, seed=9, jobs=2, progress=False).frame
    pd.testing.assert_frame_equal(serial, pooled)


@pytest.mark.slow
def test_different_seeds_give_different_storylines(festival):
    a = vtsim.run(festival, replications=30, seed=1, packages=["baseline"], progress=False).frame
    b = vtsim.run(festival, replications=30, seed=2, packages=["baseline"], progress=False).frame
    assert not a["casualties_total"].equals(b["casualties_total"])


def test_chunking_does_not_change_results(festival):
    whole = run_chunk(festival, 4, Task("baseline", 0, 20))
    parts = run_chunk(festival, 4, Task("baseline", 0, 7)) + run_chunk(
        festival, 4, Task("baseline", 7, 20)
    )
    assert pd.DataFrame(whole).equals(pd.DataFrame(parts))


@pytest.mark.slow
def test_packages_see_the_same_threats_and_crowds(festival):
    frame = vtsim.run(festival, replications=80, seed=3, progress=False).frame
    by_package = {p: f.set_index("replication") for p, f in frame.groupby("package")}
    base = by_package["baseline"]
    for data in by_package.values():
        assert (data["threat"] == base["threat"]).all()
        assert (data["prevented"] == base["prevented"]).all()
    # Barriers only act on vehicles: every other storyline is untouched, draw for draw.
    barriers = by_package["barriers"]
    not_vehicle = base["threat"] != "vehicle-ramming"
    cols = [c for c in base.columns if c not in ("measure_cost", "package")]
    pd.testing.assert_frame_equal(barriers.loc[not_vehicle, cols], base.loc[not_vehicle, cols])


@pytest.mark.slow
def test_interrupted_run_keeps_whole_paired_blocks(festival):
    from vtsim.analysis.executors import SerialExecutor

    class Interrupted(SerialExecutor):
        jobs = 1

        def run(self, variants, seed, tasks, threat=None):
            for i, item in enumerate(super().run(variants, seed, tasks, threat)):
                if i == 6:
                    raise KeyboardInterrupt
                yield item

    with pytest.warns(UserWarning, match="Interrupted"):
        results = vtsim.run(
            festival, replications=100, seed=1, executor=Interrupted(), progress=False
        )
    assert not results.complete
    counts = results.frame.groupby("package")["replication"].apply(sorted)
    assert len({tuple(c) for c in counts}) == 1  # the same replications for every package
    assert 0 < len(counts.iloc[0]) < 100


@pytest.mark.slow
@pytest.mark.parametrize("path", bundled_scenarios(), ids=lambda p: p.stem)
def test_every_bundled_scenario_is_identical_for_one_or_two_jobs(path):
    scenario = vtsim.load_scenario(path)
    serial = vtsim.run(scenario, replications=8, seed=13, jobs=1, progress=False).frame
    pooled = vtsim.run(scenario, replications=8, seed=13, jobs=2, progress=False).frame
    pd.testing.assert_frame_equal(serial, pooled)
    again = vtsim.run(scenario, replications=8, seed=13, jobs=1, progress=False).frame
    pd.testing.assert_frame_equal(serial, again)


@pytest.mark.slow
@pytest.mark.parametrize("path", bundled_scenarios(), ids=lambda p: p.stem)
def test_every_replication_reports_the_same_metrics_in_the_same_order(path):
    """Interdicted or not, attacked or not: one outcome's metric names, in one order, so a
    table's columns never depend on which replication a worker happened to finish first."""
    scenario = vtsim.load_scenario(path)
    for package in ["baseline", *(p.id for p in scenario.packages)]:
        variant = vtsim.apply_package(scenario, package)
        outcomes = [vtsim.simulate(variant, seed=9, replication=r) for r in range(30)]
        assert len({tuple(o.metrics) for o in outcomes}) == 1, package
        assert {o.ended_by for o in outcomes} - {"interdicted"}, "no attack reached the site"
