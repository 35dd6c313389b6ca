"""The Dask executor: an existing scheduler or a LocalCluster started for the run.

Same contract as the executors in :mod:`vtsim.analysis.executors` (it runs the same
:func:`~vtsim.analysis.executors.run_task` on the workers), so results are identical.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from vtsim.analysis.executors import WORKER_MODULES, _freeze_heap, run_task
from vtsim.scenario.schema import Scenario

if TYPE_CHECKING:  # dask is in the batch extra, imported when a run needs it
    from distributed import Client, LocalCluster

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


def _import_vtsim(preload: tuple[str, ...] = WORKER_MODULES) -> str:
    """Import what a worker simulates with (the modules ``preload``); the installed vtsim
    version (run on every worker)."""
    from importlib import import_module, metadata

    for module in preload:
        import_module(module)
    try:
        return metadata.version("vtsim")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0+source"  # as vtsim.__version__


class DaskExecutor:
    """Dask distributed: an existing scheduler (``tcp://host:port``) or a LocalCluster of
    ``workers`` processes on loopback (127.0.0.1, no dashboard), closed on exit.

    The variants mapping is scattered to every worker once; each task then carries only
    its chunk. At most ``2 * workers`` tasks are in flight, so the scheduler and this
    process hold a bounded amount of work whatever the sweep's size. ``preload``: the
    modules every worker imports as it connects (default
    :data:`~vtsim.analysis.executors.WORKER_MODULES`).
    """

    def __init__(
        self,
        scheduler: str | None = None,
        workers: int | None = None,
        preload: Iterable[str] = WORKER_MODULES,
    ):
        self.scheduler, self.workers = scheduler, workers
        self.preload = tuple(preload)
        self._client: Client | None = None
        self._cluster: LocalCluster | None = None
        self._connect_timeout = "20s"

    @property
    def jobs(self) -> int:
        if self._client is not None:
            return max(1, len(self._client.scheduler_info()["workers"]))
        return max(1, self.workers or 1)

    def _connect(self) -> Client:
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
        self._warm_up(self._client, VtsimError)
        return self._client

    def _warm_up(self, client: Client, error) -> None:
        # Every worker imports the simulation now, as part of connecting, rather than in
        # its first task (~0.2 s each); a worker without vtsim is reported here, clearly.
        try:
            versions = client.run(_import_vtsim, self.preload)
        except ImportError as exc:
            self.close()
            raise error(
                f"a Dask worker cannot import vtsim ({exc}); expected vtsim installed in "
                "the Python environment of every worker of the cluster."
            ) from None
        if self._cluster is not None:  # our own workers (not those of a cluster of yours)
            client.run(_freeze_heap)
        mine = _import_vtsim(self.preload)
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
