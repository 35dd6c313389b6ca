"""Executors: where chunks of replications run. The runner does not care which.

Every executor takes the same tasks and yields ``(task, rows)`` as chunks
complete; results never depend on the executor because each row is a pure
function of (scenario variant, seed, replication). A bounded number of tasks is
in flight at once, so memory holds only finished rows and a few chunks.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass

from vtsim.scenario.schema import Scenario


@dataclass(frozen=True)
class Task:
    """Replications ``start .. stop-1`` of one variant (a package, a sweep point)."""

    variant: str
    start: int
    stop: int


def run_chunk(scenario: Scenario, seed: int, task: Task, threat: str | None = None) -> list[dict]:
    """Simulate one chunk; rows are plain dicts (cheap to pickle)."""
    from vtsim.model.world import simulate

    rows = []
    for replication in range(task.start, task.stop):
        outcome = simulate(scenario, seed, replication, threat=threat)
        rows.append({"replication": replication, **outcome.as_row()})
    return rows


class SerialExecutor:
    """Everything in this process: simplest, and what notebooks and tests use by default."""

    def run(
        self,
        variants: dict[str, Scenario],
        seed: int,
        tasks: Iterable[Task],
        threat: str | None = None,
    ) -> Iterator[tuple[Task, list[dict]]]:
        for task in tasks:
            yield task, run_chunk(variants[task.variant], seed, task, threat)

    def close(self) -> None:
        pass


# Worker-side state: the scenario variants, sent once per worker by the initializer
# rather than with every task.
_WORKER_VARIANTS: dict[str, Scenario] = {}


def _init_worker(variants: dict[str, Scenario]) -> None:
    _WORKER_VARIANTS.clear()
    _WORKER_VARIANTS.update(variants)


def _run_in_worker(seed: int, task: Task, threat: str | None) -> list[dict]:
    return run_chunk(_WORKER_VARIANTS[task.variant], seed, task, threat)


def _context():
    # forkserver: workers start from a clean, preloaded server (no inherited threads or
    # locks from the parent, as fork would), and faster than spawn.
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["vtsim.model.world"])
        return ctx
    return multiprocessing.get_context("spawn")


class PoolExecutor:
    """A local process pool with at most ``2 * jobs`` chunks in flight."""

    def __init__(self, jobs: int):
        self.jobs = max(1, int(jobs))
        self._pool: ProcessPoolExecutor | None = None

    def run(
        self,
        variants: dict[str, Scenario],
        seed: int,
        tasks: Iterable[Task],
        threat: str | None = None,
    ) -> Iterator[tuple[Task, list[dict]]]:
        self._pool = ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=_context(),
            initializer=_init_worker,
            initargs=(variants,),
        )
        pending: dict[Future, Task] = {}
        tasks = iter(tasks)
        limit = 2 * self.jobs
        exhausted = False
        while True:
            while not exhausted and len(pending) < limit:
                task = next(tasks, None)
                if task is None:
                    exhausted = True
                    break
                pending[self._pool.submit(_run_in_worker, seed, task, threat)] = task
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield pending.pop(future), future.result()
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def make_executor(jobs: int | None):
    """Serial for one job, else a process pool (``jobs=0``: one per CPU)."""
    if jobs is None or jobs == 1:
        return SerialExecutor()
    if jobs <= 0:
        jobs = os.cpu_count() or 1
    return PoolExecutor(jobs)


def chunk_tasks(variants: list[str], replications: int, jobs: int) -> list[Task]:
    """Replication blocks, outer; variants, inner: an interrupted run has whole blocks
    for every variant, so paired comparisons stay paired."""
    size = max(10, min(250, -(-replications // max(1, 4 * jobs))))
    tasks = []
    for start in range(0, replications, size):
        stop = min(replications, start + size)
        tasks.extend(Task(v, start, stop) for v in variants)
    return tasks
