"""Replications per second per core on every bundled scenario (one process, no executor).

Rates are per CPU second of this single-threaded process (``time.process_time``), so a
busy shared machine does not deflate them. Replications get a ``Caches`` as the
runner's executors pass them (queue days and networks are reused within a process).

python benchmarks/bench_scenarios.py [-n 500]
"""

from __future__ import annotations

import argparse
import os
import time

from vtsim import load_scenario, simulate
from vtsim.errors import VtsimError
from vtsim.model.caches import Caches
from vtsim.resources import bundled_scenarios


def main() -> None:
    print(f"machine: {os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.2f}")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--replications", type=int, default=500)
    parser.add_argument(
        "--max-seconds", type=float, default=20.0, help="CPU seconds at most per scenario"
    )
    args = parser.parse_args()
    print(f"{'scenario':32} {'reps/s/core':>12} {'ms/rep':>8} {'reps run':>9}")
    for path in bundled_scenarios():
        try:
            scenario = load_scenario(path)
        except VtsimError as exc:
            print(f"{path.stem:32} {'invalid':>12}  ({str(exc).splitlines()[0][:60]})")
            continue
        caches = Caches()
        simulate(scenario, 1, 0, caches=caches)
        start = time.process_time()
        done = 0
        while done < args.replications and time.process_time() - start < args.max_seconds:
            simulate(scenario, 1, done, caches=caches)
            done += 1
        seconds = time.process_time() - start
        rate = done / seconds
        print(f"{path.stem:32} {rate:12,.1f} {1000 / rate:8.2f} {done:9}")


if __name__ == "__main__":
    main()
