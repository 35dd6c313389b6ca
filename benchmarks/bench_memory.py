"""Memory is flat in the number of replications: rows stream to chunk files.

Runs ``vtsim batch`` on a one-point sweep of the harbour festival with N replications
(each size in a fresh process) and reports the peak resident memory of the main
process (``ru_maxrss``) and of the largest pool worker (``VmHWM`` from /proc, read just
before the pool closes). The main process keeps only the chunks in flight; reading the
whole table back is the analysis' job, so it is left out here.

    python benchmarks/bench_memory.py 10000 100000 [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from vtsim.analysis.executors import PoolExecutor
from vtsim.batch import analysis
from vtsim.batch.runner import SWEEP_WORKER_MODULES, run_sweep
from vtsim.batch.sweep import Sweep

def hwm_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")

class Pool(PoolExecutor):
    peak = 0.0
    def close(self):
        if self._pool is not None:
            for p in list(self._pool._processes.values()):
                Pool.peak = max(Pool.peak, hwm_mb(p.pid))
        super().close()

n, jobs, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
sweep = Sweep.model_validate({
    "scenario": "harbour-festival", "seed": 1, "replications": n, "packages": ["baseline"],
    "design": {"kind": "full_factorial"},
    "factors": [{"id": "rate", "path": "prevent.detection_rate_per_day", "values": [0.004]}],
})
# measure the streaming run only: the final read-back of the table is the analysis' job
analysis.BatchResults.load = classmethod(lambda cls, folder: None)
start = time.perf_counter()
pool = Pool(jobs, preload=SWEEP_WORKER_MODULES)
try:
    run_sweep(sweep, out, executor=pool, progress=False, chunk=1000)
finally:
    pool.close()
seconds = time.perf_counter() - start
me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
files = len(list((Path(out) / "chunks").glob("*.parquet")))
print(json.dumps({"replications": n, "seconds": seconds, "main_peak_mb": me,
                  "worker_peak_mb": Pool.peak, "chunk_files": files}))
"""


def main() -> None:
    print(f"machine: {os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.2f}")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    print(f"{'replications':>12} {'seconds':>8} {'main peak MB':>13} {'worker peak MB':>15}")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", CHILD, str(n), str(args.jobs), f"{tmp}/out"],
                capture_output=True,
                text=True,
                check=True,
            )
            out = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"{n:12,} {out['seconds']:8.1f} {out['main_peak_mb']:13.1f} "
                f"{out['worker_peak_mb']:15.1f}   ({time.perf_counter() - t:.0f} s wall)"
            )


if __name__ == "__main__":
    main()
