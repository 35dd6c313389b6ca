"""Running many replications of a scenario and its packages: ``vtsim.run()``.

The runner owns replication, seeding, parallelism and the streaming of finished
rows. The same runner serves the CLI, notebooks and batch sweeps; only the
executor changes.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pandas as pd

from vtsim.analysis.executors import drain, iter_chunk_tasks, make_executor, start_executor
from vtsim.analysis.results import Results
from vtsim.errors import VtsimError
from vtsim.scenario.loader import load_scenario
from vtsim.scenario.schema import Scenario
from vtsim.scenario.transforms import apply_package, package_cost

GRACE = 5.0
"""Seconds an interrupted run waits for the chunks in flight (kept if they finish)."""


def _progress_bar(total: int, enabled: bool | None, desc: str):
    from tqdm.auto import tqdm

    class Bar(tqdm):
        # No monitor thread: ours are updated on every chunk, and a thread left running
        # after the bar would make the next process pool start its workers the slow way.
        monitor_interval = 0

    if enabled is None:
        enabled = sys.stderr.isatty()
    return Bar(
        total=total,
        disable=not enabled,
        desc=desc,
        unit="rep",
        file=sys.stderr,
        dynamic_ncols=True,
        smoothing=0.1,
    )


def run(
    scenario: Scenario | str | Path,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = 1,
    packages: list[str] | None = None,
    *,
    threat: str | None = None,
    progress: bool | None = None,
    executor=None,
    first_replication: int = 0,
) -> Results:
    """Run the baseline and packages of a scenario on common random numbers.

    ``replications`` and ``seed`` default to the scenario's ``run`` section;
    ``packages`` to the baseline and every package of the scenario; ``jobs``
    worker processes (``0``: one per CPU). The same seed gives identical results
    whatever ``jobs`` is. An interruption (Ctrl-C) returns what has finished,
    whole replication blocks for every package, with ``results.complete`` False.

    ``first_replication``: run replications ``first_replication ..
    first_replication + replications - 1`` (replication r is the same whichever run it
    is part of, so a later run can extend an earlier one: concatenate the frames).

    >>> results = run("harbour-festival", replications=20, seed=1, progress=False)
    >>> results.frame.shape[0]
    80
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    replications = replications or scenario.run.replications
    seed = scenario.run.seed if seed is None else seed
    if replications < 1:
        raise VtsimError(f"replications must be at least 1; got {replications}.")
    if first_replication < 0:
        raise VtsimError(f"first_replication must be at least 0; got {first_replication}.")
    package_ids = packages or ["baseline", *(p.id for p in scenario.packages)]
    if "baseline" not in package_ids:
        package_ids = ["baseline", *package_ids]
    variants = {pid: apply_package(scenario, pid) for pid in package_ids}
    costs = {pid: package_cost(scenario, pid) for pid in package_ids}
    if threat is not None and threat not in {t.id for t in scenario.threats}:
        raise VtsimError(
            f"Unknown threat '{threat}'; expected one of: "
            f"{', '.join(t.id for t in scenario.threats)}."
        )

    owned = executor is None
    executor = executor or make_executor(jobs)
    tasks = iter_chunk_tasks(
        package_ids, replications, getattr(executor, "jobs", 1), first=first_replication
    )
    chunks: list[tuple] = []
    complete = True
    start_executor(executor, variants)  # before the progress bar starts its thread
    bar = _progress_bar(replications * len(package_ids), progress, scenario.name)
    try:
        for task, rows in executor.run(variants, seed, tasks, threat):
            for row in rows:
                row["package"] = task.variant
            chunks.append((task, rows))
            bar.update(task.stop - task.start)
    except KeyboardInterrupt:
        complete = False
        try:  # chunks in flight that finish within a short grace are kept too
            for task, rows in drain(executor, GRACE):
                for row in rows:
                    row["package"] = task.variant
                chunks.append((task, rows))
        except KeyboardInterrupt:  # a second Ctrl-C: stop waiting
            pass
        executor.close()
        warnings.warn(
            "Interrupted: keeping the replications finished for every package.", stacklevel=2
        )
    finally:
        bar.close()
        if owned:
            executor.close()

    frame = _assemble(chunks, package_ids, costs)
    if not complete:
        frame = _whole_blocks(frame, package_ids)
    return Results(
        frame,
        scenario=scenario,
        packages=package_ids,
        seed=seed,
        replications=replications,
        complete=complete,
    )


def _assemble(chunks, package_ids: list[str], costs: dict[str, float]) -> pd.DataFrame:
    rows = [row for _, chunk in chunks for row in chunk]
    if not rows:
        return pd.DataFrame(columns=["package", "replication"])
    # In package and replication order before the frame is made, whatever order the chunks
    # finished in: the columns follow the rows' keys, first seen first.
    order = {p: i for i, p in enumerate(package_ids)}
    rows.sort(key=lambda row: (order[row["package"]], row["replication"]))
    frame = pd.DataFrame.from_records(rows)
    frame["measure_cost"] = frame["package"].map(costs).astype(float)
    front = ["package", "replication", "threat", "ended_by"]
    frame = frame[front + [c for c in frame.columns if c not in front]]
    return frame.reset_index(drop=True)


def _whole_blocks(frame: pd.DataFrame, package_ids: list[str]) -> pd.DataFrame:
    """Keep only replications finished for every package (so pairs stay paired)."""
    if frame.empty:
        return frame
    counts = frame.groupby("replication")["package"].nunique()
    keep = counts[counts == len(package_ids)].index
    return frame[frame["replication"].isin(keep)].reset_index(drop=True)
