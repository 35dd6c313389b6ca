"""Executors: where chunks of replications run. The runner does not care which.

Every executor takes the same tasks and yields ``(task, rows)`` as chunks
complete; results never depend on the executor because each row is a pure
function of (scenario variant, seed, replication). A bounded number of tasks is
in flight at once, so memory holds only finished rows and a few chunks.
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass

from vtsim.scenario.schema import Scenario


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


def run_task(variants: Mapping[str, Scenario], seed: int, task, threat: str | None = None):
    """Rows of a :class:`Task` or a :class:`Batch` (variants: any mapping, e.g. lazy);
    none for a :class:`Check` (building a variant raises VtsimError if it is invalid)."""
    if isinstance(task, Check):
        for key in task.variants:
            variants[key]
        return []
    if isinstance(task, Batch):
        rows = []
        for sub in task.tasks:
            for row in run_chunk(variants[sub.variant], seed, sub, threat):
                row["variant"] = sub.variant
                rows.append(row)
        return rows
    return run_chunk(variants[task.variant], seed, task, threat)


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
            yield task, run_task(variants, seed, task, threat)

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
    _WORKER_VARIANTS["current"] = variants
    _freeze_heap()


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


def _context():
    # forkserver: workers start from a clean, preloaded server (no inherited threads or
    # locks from the parent, as fork would), and faster than spawn.
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["vtsim.model.world", "vtsim.batch.sweep"])
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
    once per session) begins as soon as the executor is made.
    """

    def __init__(self, jobs: int):
        self.jobs = max(1, int(jobs))
        self._pool: ProcessPoolExecutor | None = None
        self._variants = None
        if not _fork_is_safe():
            self._context = _context()
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
            self._context = multiprocessing.get_context("fork") if _fork_is_safe() else _context()
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
        # The workers stay up for the next run on the same variants; close() ends them.

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            self._variants = None


# Dask's housekeeping in every worker competes with the simulation for the GIL: a
# statistical profiler samples the task thread's stack every 10 ms, the event loop checks
# its own health every 20 ms and memory every 100 ms. A LocalCluster started by vtsim runs
# short CPU-bound tasks and nobody looks at its dashboard, so these are turned off or
# slowed (workers on a cluster of your own keep their configuration; the same keys can be
# set there, e.g. DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False).
QUIET_WORKERS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.worker.memory.monitor-interval": "1s",
    # The nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536 so that memory goes back
    # to the system promptly; for short-lived arrays (a queue day, ~60 kB) that means a
    # trim at almost every free, ~7 % more time per replication. glibc's default instead.
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
}


def _import_vtsim() -> str:
    """Import what a worker simulates with; the vtsim version (run on every worker)."""
    import vtsim
    import vtsim.batch.sweep  # noqa: F401
    import vtsim.model.world  # noqa: F401

    return vtsim.__version__


class DaskExecutor:
    """Dask distributed: an existing scheduler (``tcp://host:port``) or a LocalCluster of
    ``workers`` processes on loopback (127.0.0.1, no dashboard), closed on exit.

    The variants mapping is scattered to every worker once; each task then carries only
    its chunk. At most ``2 * workers`` tasks are in flight, so the scheduler and this
    process hold a bounded amount of work whatever the sweep's size.
    """

    def __init__(self, scheduler: str | None = None, workers: int | None = None):
        self.scheduler, self.workers = scheduler, workers
        self._client = None
        self._cluster = None
        self._connect_timeout = "20s"

    @property
    def jobs(self) -> int:
        if self._client is not None:
            return max(1, len(self._client.scheduler_info()["workers"]))
        return max(1, self.workers or 1)

    def _connect(self):
        from vtsim.errors import VtsimError

        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - dask is in the batch extra
            raise VtsimError("Dask is not installed: pip install 'vtsim[batch]'.") from None
        if self.scheduler is not None:
            try:
                self._client = Client(self.scheduler, timeout=self._connect_timeout)
            except (OSError, TimeoutError) as exc:
                raise VtsimError(
                    f"cannot reach the Dask scheduler at {self.scheduler} ({exc}); "
                    "expected an address like tcp://host:8786 of a running scheduler."
                ) from None
        else:
            import dask

            # Workers created here inherit this configuration (the nanny hands it over).
            with dask.config.set(QUIET_WORKERS):
                self._cluster = LocalCluster(
                    n_workers=max(1, self.workers or os.cpu_count() or 1),
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=40,
                )
            self._client = Client(self._cluster)
        self._warm_up(VtsimError)
        return self._client

    def _warm_up(self, error) -> None:
        # Every worker imports the simulation now, as part of connecting, rather than in
        # its first task (~0.2 s each); a worker without vtsim is reported here, clearly.
        try:
            versions = self._client.run(_import_vtsim)
        except ImportError as exc:
            self.close()
            raise error(
                f"a Dask worker cannot import vtsim ({exc}); expected vtsim installed in "
                "the Python environment of every worker of the cluster."
            ) from None
        if self._cluster is not None:  # our own workers (not those of a cluster of yours)
            self._client.run(_freeze_heap)
        mine = _import_vtsim()
        other = sorted({v for v in versions.values() if v != mine})
        if other:
            warnings.warn(
                f"Dask workers run vtsim {', '.join(other)}, this process {mine}: results "
                "may not match a local run.",
                stacklevel=3,
            )

    def start(self, variants) -> None:
        """Nothing here: the cluster is reached (or started) on the first run."""

    def run(
        self,
        variants: Mapping[str, Scenario],
        seed: int,
        tasks: Iterable,
        threat: str | None = None,
    ) -> Iterator[tuple]:
        from distributed import as_completed

        client = self._client or self._connect()
        [shared] = client.scatter([variants], broadcast=True, hash=False)
        limit = 2 * self.jobs
        tasks = iter(tasks)
        futures = {}

        def submit() -> bool:
            task = next(tasks, None)
            if task is None:
                return False
            future = client.submit(run_task, shared, seed, task, threat, pure=False)
            futures[future] = task
            return True

        pending = as_completed()
        for _ in range(limit):
            if not submit():
                break
        pending.update(futures)
        try:
            for future in pending:
                task = futures.pop(future)
                rows = future.result()
                future.release()
                yield task, rows
                before = set(futures)
                if submit():
                    pending.update(set(futures) - before)
        finally:
            for future in futures:
                future.cancel()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def make_executor(jobs: int | None, scheduler: str | None = None, dask_local: int | None = None):
    """Serial for one job, else a process pool (``jobs=0``: one per CPU); Dask when a
    ``scheduler`` address or a number of ``dask_local`` workers is given."""
    if scheduler is not None or dask_local is not None:
        return DaskExecutor(scheduler=scheduler, workers=dask_local)
    if jobs is None or jobs == 1:
        return SerialExecutor()
    if jobs <= 0:
        jobs = os.cpu_count() or 1
    return PoolExecutor(jobs)


def start_executor(executor, variants) -> None:
    """Let ``executor`` start its workers, if it has a ``start`` (executors of your own
    need only ``run`` and ``close``)."""
    start = getattr(executor, "start", None)
    if start is not None:
        start(variants)


def chunk_tasks(variants: list[str], replications: int, jobs: int) -> list[Task]:
    """Replication blocks, outer; variants, inner: an interrupted run has whole blocks
    for every variant, so paired comparisons stay paired."""
    size = max(10, min(250, -(-replications // max(1, 4 * jobs))))
    tasks = []
    for start in range(0, replications, size):
        stop = min(replications, start + size)
        tasks.extend(Task(v, start, stop) for v in variants)
    return tasks
