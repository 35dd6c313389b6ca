"""Executors: where chunks of replications run. The runner does not care which.

Every executor takes the same tasks and yields ``(task, rows)`` as chunks
complete; results never depend on the executor because each row is a pure
function of (scenario variant, seed, replication). A bounded number of tasks is
in flight at once, so memory holds only finished rows and a few chunks.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass

from vtsim.model.caches import Caches
from vtsim.scenario.schema import Scenario

WORKER_MODULES: tuple[str, ...] = ("vtsim.model.world",)
"""What a worker imports before its first task (the forkserver preloads them, a Dask
worker imports them as it connects). A caller whose variants need more passes its own
list as ``preload``: a sweep adds the module of its lazy variants, ``vtsim.batch.sweep``
(this layer does not know the layers above it)."""


@dataclass(frozen=True)
class Task:
    """Replications ``start .. stop-1`` of one variant (a package, a sweep point)."""

    variant: str
    start: int
    stop: int


@dataclass(frozen=True)
class Batch:
    """Several small tasks run as one unit of work (a sweep chunk: many points, few
    replications each), so per-task overhead is paid once. Its rows carry ``variant``."""

    id: int
    tasks: tuple[Task, ...]

    @property
    def size(self) -> int:
        return sum(t.stop - t.start for t in self.tasks)


@dataclass(frozen=True)
class Check:
    """Build these variants without simulating them: a sweep checks that every point makes
    a valid scenario, spread over the workers, before it writes anything."""

    id: int
    variants: tuple[str, ...]
    size = 0  # replications


_PROCESS_CACHES: list[Caches] = []


def process_caches() -> Caches:
    """This worker process's caches (pool or Dask worker): made on first use and kept
    for the life of the process, so its replications share queue days and networks."""
    if not _PROCESS_CACHES:
        _PROCESS_CACHES.append(Caches())
    return _PROCESS_CACHES[0]


def run_task(
    variants: Mapping[str, Scenario],
    seed: int,
    task,
    threat: str | None = None,
    caches: Caches | None = None,
):
    """Rows of a :class:`Task` or a :class:`Batch` (variants: any mapping, e.g. lazy);
    none for a :class:`Check` (building a variant raises VtsimError if it is invalid).
    ``caches``: the executor's (default: this process's, :func:`process_caches`)."""
    if caches is None:
        caches = process_caches()
    if isinstance(task, Check):
        for key in task.variants:
            variants[key]
        return []
    if isinstance(task, Batch):
        rows = []
        for sub in task.tasks:
            for row in run_chunk(variants[sub.variant], seed, sub, threat, caches):
                row["variant"] = sub.variant
                rows.append(row)
        return rows
    return run_chunk(variants[task.variant], seed, task, threat, caches)


def run_chunk(
    scenario: Scenario,
    seed: int,
    task: Task,
    threat: str | None = None,
    caches: Caches | None = None,
) -> list[dict]:
    """Simulate one chunk; rows are plain dicts (cheap to pickle)."""
    from vtsim.model.world import simulate

    rows = []
    for replication in range(task.start, task.stop):
        outcome = simulate(scenario, seed, replication, threat=threat, caches=caches)
        rows.append({"replication": replication, **outcome.as_row()})
    return rows


class SerialExecutor:
    """Everything in this process: simplest, and what notebooks and tests use by default."""

    caches: Caches | None = None  # this executor's, made on its first run, dropped with it

    def run(
        self,
        variants: dict[str, Scenario],
        seed: int,
        tasks: Iterable[Task],
        threat: str | None = None,
    ) -> Iterator[tuple[Task, list[dict]]]:
        if self.caches is None:
            self.caches = Caches()
        for task in tasks:
            yield task, run_task(variants, seed, task, threat, self.caches)

    def start(self, variants) -> None:
        """Nothing to start (the runners call this on every executor)."""

    def close(self) -> None:
        pass


# Worker-side state: the scenario variants, sent once per worker by the initializer
# rather than with every task.
_WORKER_VARIANTS: dict[str, Mapping[str, Scenario]] = {}


def _init_worker(variants: Mapping[str, Scenario]) -> None:
    # Ctrl-C is the parent's to handle (it keeps finished chunks); a worker that died of
    # it would break the pool instead.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_with_parent()
    _WORKER_VARIANTS["current"] = variants
    _freeze_heap()


PR_SET_PDEATHSIG = 1


def exit_with_parent(poll: float = 1.0) -> None:
    """End this (worker) process when its parent dies, however it dies (SIGKILL too).

    Linux: the kernel sends SIGKILL when the parent exits (``prctl(PR_SET_PDEATHSIG)``);
    a forkserver's workers die with the forkserver, which exits when its own parent does.
    Elsewhere (or if prctl is unavailable): a daemon thread polls the parent's id every
    ``poll`` seconds and exits when it changes (the orphan was adopted)."""
    import signal
    import sys

    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0:
                if os.getppid() != parent:  # the parent died before the call
                    os._exit(1)
                return
        except (OSError, AttributeError):  # pragma: no cover - no usable libc
            pass
    import threading

    def watch() -> None:  # pragma: no cover - the non-Linux fallback
        import time

        while True:
            time.sleep(poll)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="vtsim-parent-watch", daemon=True).start()


def _freeze_heap() -> None:
    """Leave what a worker has loaded (modules, the scenarios) out of garbage collection:
    the collector then only walks the simulation's own objects, ~6 % less time per
    replication. A worker process lives for one set of variants, so little is kept alive
    that would have been freed; no collection first, which in a forked worker would write
    to (and so copy) every page it shares with its parent."""
    import gc

    gc.freeze()


def _run_in_worker(seed: int, task, threat: str | None) -> list[dict]:
    return run_task(_WORKER_VARIANTS["current"], seed, task, threat)


def _context(preload: Iterable[str] = WORKER_MODULES):
    # forkserver: workers start from a clean, preloaded server (no inherited threads or
    # locks from the parent, as fork would), and faster than spawn. The server is started
    # once per session, with the modules of the first pool that needs it.
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(list(preload))
        return ctx
    return multiprocessing.get_context("spawn")


def _fork_is_safe() -> bool:
    """fork starts a worker in milliseconds with everything already imported, but is only
    safe in a process with a single thread (a lock held by another thread at the moment of
    the fork stays locked forever in the child). Notebooks, Dask clients and progress-bar
    monitors all run threads; then workers come from the forkserver instead."""
    import sys
    import threading

    return (
        sys.platform.startswith("linux")
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    )


class PoolExecutor:
    """A local process pool with at most ``2 * jobs`` chunks in flight.

    Workers start in :meth:`start`, which the runners call before anything else that may
    start a thread (the progress bar does): on Linux they are then forked from this
    process, which takes milliseconds; otherwise (other threads running, other systems)
    they come from multiprocessing's forkserver, whose start-up (importing vtsim, ~0.2 s,
    once per session) begins as soon as the executor is made. ``preload``: the modules the
    forkserver imports (default :data:`WORKER_MODULES`).
    """

    def __init__(self, jobs: int, preload: Iterable[str] = WORKER_MODULES):
        self.jobs = max(1, int(jobs))
        self.preload = tuple(preload)
        self._pool: ProcessPoolExecutor | None = None
        self._pending: dict[Future, Task] = {}
        self._variants: Mapping[str, Scenario] | None = None
        if not _fork_is_safe():
            self._context = _context(self.preload)
            if self._context.get_start_method() == "forkserver":
                from multiprocessing import forkserver

                forkserver.ensure_running()
        else:
            self._context = None  # decided in start(): fork if still single-threaded

    @property
    def start_method(self) -> str | None:
        """How workers were (or will be) started: 'fork', 'forkserver' or 'spawn'."""
        return None if self._context is None else self._context.get_start_method()

    def start(self, variants: Mapping[str, Scenario]) -> None:
        """Start the workers now, each holding ``variants`` (sent once per worker)."""
        if self._pool is not None and self._variants is variants:
            return
        self.close()
        if self._context is None or self._context.get_start_method() == "fork":
            self._context = (
                multiprocessing.get_context("fork") if _fork_is_safe() else _context(self.preload)
            )
        self._pool = ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=self._context,
            initializer=_init_worker,
            initargs=(variants,),
        )
        self._variants = variants
        # Workers are launched by the first submissions (all of them at once under fork):
        # do it here, before the caller starts a progress bar's thread. Python >= 3.12
        # warns about any fork in a process with several OS threads; numpy's OpenBLAS
        # always has some, idle, and like Arrow's pools it re-initialises them in the child
        # (pthread_atfork). The threads that matter, Python's, were checked above.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", r".*multi-threaded.*fork", DeprecationWarning)
            for _ in range(self.jobs):
                self._pool.submit(int)

    def run(
        self,
        variants: dict[str, Scenario],
        seed: int,
        tasks: Iterable[Task],
        threat: str | None = None,
    ) -> Iterator[tuple[Task, list[dict]]]:
        self.start(variants)
        # start() just made the pool (or kept the one it made for these variants).
        assert self._pool is not None
        pending: dict[Future, Task] = {}
        self._pending = pending  # for drain() after an interruption
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
        # The workers stay up for the next run on the same variants; close() ends them.

    def drain(self, grace: float = 5.0) -> Iterator[tuple[Task, list[dict]]]:
        """After an interruption of :meth:`run`: the chunks that were in flight and finish
        within ``grace`` seconds; the others are cancelled."""
        pending, self._pending = self._pending, {}
        if pending:
            done, _ = wait(pending, timeout=grace)
            for future in done:
                if not future.cancelled() and future.exception() is None:
                    yield pending[future], future.result()
        running = [f for f in pending if not f.done()]
        for future in pending:
            future.cancel()
        if running:  # chunks still running after the grace: their workers are stopped
            self._terminate()

    def _terminate(self) -> None:
        pool, self._pool, self._variants = self._pool, None, None
        if pool is None:
            return
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            with contextlib.suppress(Exception):
                process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self._pending = {}
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            self._variants = None


def make_executor(
    jobs: int | None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    preload: Iterable[str] = WORKER_MODULES,
    tls: Mapping[str, str | None] | None = None,
):
    """Serial for one job, else a process pool (``jobs=0``: one per CPU); Dask when a
    ``scheduler`` address or a number of ``dask_local`` workers is given. ``preload``: the
    modules every worker imports before its first task. ``tls``: the ``ca_file``, ``cert``
    and ``key`` files for a ``tls://`` scheduler."""
    if scheduler is not None or dask_local is not None:
        from vtsim.analysis.dask_executor import DaskExecutor

        return DaskExecutor(scheduler=scheduler, workers=dask_local, preload=preload, tls=tls)
    if jobs is None or jobs == 1:
        return SerialExecutor()
    if jobs <= 0:
        jobs = os.cpu_count() or 1
    return PoolExecutor(jobs, preload=preload)


def start_executor(executor, variants) -> None:
    """Let ``executor`` start its workers, if it has a ``start`` (executors of your own
    need only ``run`` and ``close``)."""
    start = getattr(executor, "start", None)
    if start is not None:
        start(variants)


def chunk_tasks(variants: list[str], replications: int, jobs: int) -> list[Task]:
    """Replication blocks, outer; variants, inner: an interrupted run has whole blocks
    for every variant, so paired comparisons stay paired."""
    return list(iter_chunk_tasks(variants, replications, jobs))


def iter_chunk_tasks(
    variants: list[str], replications: int, jobs: int, first: int = 0
) -> Iterator[Task]:
    """:func:`chunk_tasks`, made as they are taken (replications ``first ..
    first + replications - 1``): however large ``replications``, the executor holds only
    the few in flight."""
    size = max(10, min(250, -(-replications // max(1, 4 * jobs))))
    for start in range(0, replications, size):
        stop = min(replications, start + size)
        for v in variants:
            yield Task(v, first + start, first + stop)


def drain(executor, grace: float = 5.0):
    """The chunks an interrupted executor still finishes within ``grace`` seconds (none if
    it cannot say: executors of your own need no ``drain``)."""
    method = getattr(executor, "drain", None)
    if method is None:
        return iter(())
    return method(grace)
