"""The Dask executor: an existing scheduler or a LocalCluster started for the run.

Same contract as the executors in :mod:`vtsim.analysis.executors` (it runs the same
:func:`~vtsim.analysis.executors.run_task` on the workers), so results are identical.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import CancelledError
from typing import TYPE_CHECKING

from vtsim.analysis.executors import WORKER_MODULES, _freeze_heap, run_task
from vtsim.errors import VtsimError
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


NO_HTTP: dict[str, list] = {
    "distributed.scheduler.http.routes": [],
    "distributed.worker.http.routes": [],
}
"""A LocalCluster started by vtsim serves no HTTP route (no dashboard, no JSON or
Prometheus endpoints, no API): only its TLS connections, with its credentials."""


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


class ClusterLost(VtsimError):
    """The Dask cluster cannot run the work: no worker, or the last one was lost. What
    finished before is kept; a batch run resumes with ``--resume``."""


class DaskExecutor:
    """Dask distributed: an existing scheduler (``tcp://host:port``, or ``tls://`` with
    ``tls`` = ``{"ca_file", "cert", "key"}``) or a LocalCluster of ``workers`` processes on
    loopback (127.0.0.1, TLS with temporary credentials, no dashboard), closed on exit.

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
        tls: Mapping[str, str | None] | None = None,
    ):
        self.scheduler, self.workers = scheduler, workers
        self.preload = tuple(preload)
        self.tls = dict(tls) if tls else None
        self.security = None  # distributed.Security of the connection, once made
        self._client: Client | None = None
        self._cluster: LocalCluster | None = None
        self._connect_timeout = "20s"
        self._futures: dict = {}
        self.worker_timeout = 30.0  # seconds to wait for a first worker of a scheduler

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
            security = self._scheduler_security()
            try:
                self._client = Client(
                    self.scheduler, timeout=self._connect_timeout, security=security
                )
            except (OSError, TimeoutError, ValueError) as exc:
                raise VtsimError(
                    f"cannot reach the Dask scheduler at {self.scheduler} ({exc}); "
                    "expected an address like tcp://host:8786 (or tls://host:8786 with "
                    "--tls-ca-file, --tls-cert and --tls-key) of a running scheduler."
                ) from None
            try:
                self._client.wait_for_workers(1, timeout=self.worker_timeout)
            except (TimeoutError, OSError):
                self.close()
                raise ClusterLost(
                    f"the Dask scheduler at {self.scheduler} has no worker (waited "
                    f"{self.worker_timeout:g} s); start workers with `dask worker "
                    f"{self.scheduler}` and run again."
                ) from None
        else:
            import dask

            try:  # only processes given these credentials can connect (or run code)
                from distributed.security import Security

                security = Security.temporary()
            except ImportError:
                raise VtsimError(
                    "a local Dask cluster needs the 'cryptography' package for its temporary "
                    "TLS credentials: pip install 'vtsim[batch]' (or pip install cryptography)."
                ) from None
            self.security = security
            # Workers created here inherit this configuration (the nanny hands it over).
            with dask.config.set({**QUIET_WORKERS, **NO_HTTP}):
                self._cluster = LocalCluster(
                    n_workers=max(1, self.workers or os.cpu_count() or 1),
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    protocol="tls://",
                    security=security,
                    dashboard_address=None,
                    # Dask's HTTP server always listens (8787 by default): on a free
                    # loopback port here, serving nothing (NO_HTTP).
                    scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                    silence_logs=40,
                )
            self._client = Client(self._cluster, security=security)
        self._warm_up(self._client, VtsimError)
        return self._client

    def _scheduler_security(self):
        if not self.tls:
            return None
        from distributed.security import Security

        tls = self.tls
        self.security = Security(
            tls_ca_file=tls.get("ca_file"),
            tls_client_cert=tls.get("cert"),
            tls_client_key=tls.get("key") or None,
            require_encryption=True,
        )
        return self.security

    @property
    def address(self) -> str | None:
        """The scheduler's address (of the LocalCluster once started)."""
        if self._cluster is not None:
            return self._cluster.scheduler_address
        return self.scheduler

    def _warm_up(self, client: Client, error) -> None:
        # Every worker imports the simulation now, as part of connecting, rather than in
        # its first task (~0.2 s each); a worker without vtsim is reported here, clearly.
        if self._cluster is not None:
            # Ctrl-C in the terminal reaches our workers too (same process group): it is
            # this process's to handle, as for a process pool.
            client.run(_ignore_sigint)
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
        try:
            [shared] = client.scatter([variants], broadcast=True, hash=False, timeout=60)
        except (TimeoutError, OSError) as exc:
            raise ClusterLost(self._lost_message(exc)) from None
        limit = 2 * self.jobs
        tasks = iter(tasks)
        futures: dict = {}
        self._futures = futures

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
                try:
                    rows = future.result()
                except VtsimError:
                    raise
                except (CancelledError, TimeoutError, OSError) as exc:
                    raise ClusterLost(self._lost_message(exc)) from None
                except Exception as exc:
                    if type(exc).__name__ in LOST:
                        raise ClusterLost(self._lost_message(exc)) from None
                    raise
                future.release()
                yield task, rows
                before = set(futures)
                if submit():
                    pending.update(set(futures) - before)
        except KeyboardInterrupt:
            raise  # futures stay for drain()
        except BaseException:
            for future in futures:
                future.cancel()
            self._futures = {}
            raise

    def drain(self, grace: float = 5.0) -> Iterator[tuple]:
        """After an interruption of :meth:`run`: the chunks in flight that finish within
        ``grace`` seconds; the others are cancelled."""
        futures, self._futures = self._futures, {}
        if not futures:
            return
        from distributed import wait

        try:
            wait(list(futures), timeout=grace)
        except (TimeoutError, OSError, CancelledError):
            pass
        for future, task in futures.items():
            if future.status == "finished":
                try:
                    rows = future.result(timeout=1)
                except Exception:  # noqa: BLE001 - a chunk that failed is simply not kept
                    continue
                yield task, rows
            else:
                future.cancel()

    def _lost_message(self, exc) -> str:
        where = (
            "the local Dask cluster"
            if self._cluster is not None
            else (f"the Dask scheduler at {self.scheduler}")
        )
        return (
            f"{where} lost its workers before the run finished ({type(exc).__name__}); "
            "the chunks finished so far are kept."
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        import contextlib
        import logging

        self._futures = {}
        # Closing a cluster whose workers are busy or gone logs warnings and tracebacks
        # that say nothing to the user: they are silenced for the close.
        loggers = [logging.getLogger(n) for n in ("distributed", "tornado", "asyncio")]
        levels = [lg.level for lg in loggers]
        for lg in loggers:
            lg.setLevel(logging.CRITICAL + 1)
        try:
            if self._client is not None:
                with contextlib.suppress(Exception):
                    self._client.close(timeout=10)
                self._client = None
            if self._cluster is not None:
                with contextlib.suppress(Exception):
                    self._cluster.close(timeout=10)
                self._cluster = None
        finally:
            for lg, level in zip(loggers, levels):
                lg.setLevel(level)


LOST = {"FutureCancelledError", "KilledWorker", "CommClosedError", "FutureLostError"}
"""Dask's exceptions for work lost with its workers (matched by name: their modules move
between versions)."""


def _ignore_sigint() -> None:
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
