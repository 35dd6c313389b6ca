"""Parallel efficiency and Dask overhead on one machine, end to end (`run_sweep`, chunk
files written, worker start-up included).

A Latin-hypercube sweep of the harbour festival (prevention rate, police speed, the
screening effect size) is run four ways with the same seed:

- serial: in this process, the reference time T1;
- pool: a local process pool of W workers (default 2): efficiency = T1 / (W * T_pool),
  for the first pool of the session (which starts multiprocessing's forkserver, ~0.4 s
  once) and for a second one;
- Dask: a LocalCluster of W worker processes on 127.0.0.1; its start-up (a few seconds,
  paid once per session or not at all on a running cluster) is timed separately:
  overhead = T_dask / T_pool - 1.

Wall times suffer from any other load on the machine (the load average is printed).
CPU seconds (this process, plus the workers' CPU read from /proc for the pool and with
``client.run(time.process_time)`` for Dask) show the work parallelism adds whatever the
load: CPU efficiency = serial CPU / (main + workers' CPU).

The three tables are checked to be identical, bit for bit.

    python benchmarks/bench_parallel.py --points 25 --replications 10   # 1,000 replications
    python benchmarks/bench_parallel.py --points 1000 --replications 1  # 1,000 points
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
from pathlib import Path

import pandas as pd

from vtsim import load_scenario
from vtsim.analysis import executors
from vtsim.analysis.dask_executor import DaskExecutor
from vtsim.analysis.executors import PoolExecutor, SerialExecutor
from vtsim.batch.runner import SWEEP_WORKER_MODULES, auto_chunk, run_sweep
from vtsim.batch.sweep import Sweep


def make_sweep(points: int, replications: int, packages: list[str]) -> Sweep:
    return Sweep.model_validate(
        {
            "name": "bench",
            "scenario": "harbour-festival",
            "seed": 7,
            "replications": replications,
            "packages": packages,
            "design": {"kind": "latin_hypercube", "points": points},
            "factors": [
                {
                    "id": "rate",
                    "path": "prevent.detection_rate_per_day",
                    "low": 0.001,
                    "high": 0.008,
                },
                {
                    "id": "speed",
                    "path": "agencies.police-dispatch.speed_kmh",
                    "op": "scale",
                    "low": 0.5,
                    "high": 1.3,
                },
                {
                    "id": "screen",
                    "path": "measures.entrance-screening.effects.0.value",
                    "low": 0.4,
                    "high": 0.9,
                },
            ],
        }
    )


_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a live process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


class CountingPool(PoolExecutor):
    """The process pool, adding up its workers' CPU seconds just before they exit."""

    worker_cpu = 0.0

    def close(self) -> None:
        if self._pool is not None:
            for process in list(self._pool._processes.values()):
                CountingPool.worker_cpu += _proc_cpu(process.pid)
        super().close()


def _dask_worker_cpu(executor: DaskExecutor) -> float:
    return sum(executor._client.run(time.process_time).values())


def timed(label, func, worker_cpu):
    """Run ``func``; print and return wall seconds, total CPU seconds and its frame."""
    # Forked pool workers would inherit the queue days this process remembers from an
    # earlier run (executors.process_caches): every run starts with none, as a fresh one would.
    executors._PROCESS_CACHES.clear()
    start, start_cpu, start_workers = time.perf_counter(), time.process_time(), worker_cpu()
    frame = func()
    wall = time.perf_counter() - start
    cpu = time.process_time() - start_cpu + worker_cpu() - start_workers
    print(f"  {label:30} {wall:8.2f} s wall {cpu:8.2f} s CPU", flush=True)
    return wall, cpu, frame


def main() -> None:
    print(f"machine: {os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.2f}")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=25)
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--packages", default="baseline,screening,barriers,command-alerting")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--chunk", type=int, default=None, help="replications per chunk (default: auto)"
    )
    args = parser.parse_args()
    packages = args.packages.split(",")
    sweep = make_sweep(args.points, args.replications, packages)
    base = load_scenario("harbour-festival")
    # Pool and Dask workers freeze what they have loaded out of garbage collection
    # (vtsim.analysis.executors._freeze_heap, ~6 % faster); so does this process before
    # its serial run, so that the efficiency measures parallelism, not that.
    gc.freeze()
    total = args.points * args.replications * len(packages)
    w = args.workers
    print(
        f"sweep: {args.points} points x {len(packages)} packages x {args.replications} "
        f"replications = {total} replications, chunks of {args.chunk or auto_chunk(total)}, "
        f"{w} workers"
    )
    none = lambda: 0.0  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp:

        def go(name, executor, close=False):
            def sweep_once():
                frame = run_sweep(
                    sweep,
                    Path(tmp) / name,
                    base=base,
                    progress=False,
                    chunk=args.chunk,
                    executor=executor,
                ).frame
                if close:  # a pool's workers end (and report their CPU) inside the timing
                    executor.close()
                return frame

            return sweep_once

        t1, c1, serial = timed("serial (1 process)", go("serial", SerialExecutor()), none)
        pool_ex = CountingPool(w, preload=SWEEP_WORKER_MODULES)
        tp, cp, pool = timed(
            f"process pool ({w}), first",
            go("pool", pool_ex, close=True),
            lambda: CountingPool.worker_cpu,
        )
        pool_ex.close()
        # a second pool in the same session: the forkserver (one-off ~0.4 s) is running
        pool_ex = CountingPool(w, preload=SWEEP_WORKER_MODULES)
        tq, cq, _ = timed(
            f"process pool ({w}), again",
            go("pool2", pool_ex, close=True),
            lambda: CountingPool.worker_cpu,
        )
        pool_ex.close()
        start = time.perf_counter()
        with DaskExecutor(workers=w, preload=SWEEP_WORKER_MODULES) as executor:
            executor._connect()
            startup = time.perf_counter() - start
            print(f"  {'Dask LocalCluster start-up':30} {startup:8.2f} s wall")
            td, cd, dask = timed(
                f"Dask LocalCluster ({w})", go("dask", executor), lambda: _dask_worker_cpu(executor)
            )
    for other in (pool, dask):
        pd.testing.assert_frame_equal(serial, other)
    print("  tables identical (serial = pool = Dask): yes")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(
        f"replications / s (wall): serial {total / t1:,.0f}, pool {total / tp:,.0f}, "
        f"Dask {total / td:,.0f}"
    )
    print(
        f"parallel efficiency at {w} workers, wall (T1 / (W * Tpool)): {t1 / (w * tp):.0%}"
        "  (target >= 85 %)"
    )
    print(
        f"parallel efficiency at {w} workers, wall, pool started in this session before: "
        f"{t1 / (w * tq):.0%}"
    )
    print(
        f"parallel efficiency, CPU (serial CPU / pool CPU, main + workers): {c1 / cp:.0%}"
        "  (insensitive to other load on the machine)"
    )
    print(
        f"Dask overhead vs pool (first): wall {td / tp - 1:+.0%} on a running cluster, "
        f"{(td + startup) / tp - 1:+.0%} with its {startup:.1f} s start-up; "
        f"CPU {cd / cp - 1:+.0%}  (target < 10 %)"
    )


if __name__ == "__main__":
    main()
