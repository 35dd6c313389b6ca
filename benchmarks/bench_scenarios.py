"""Replications per second per core on every bundled scenario (one process, no executor).

Rates are per CPU second of this single-threaded process (``time.process_time``), so a
busy shared machine does not deflate them; the best of ``--rounds`` rounds is shown
(interference only ever slows a round). Each round plays replications 0..n-1 afresh,
with a new ``Caches`` as the runners' executors pass them (queue days and networks are
reused within a round, never across rounds).

python benchmarks/bench_scenarios.py [-n 500] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import time

from vtsim import load_scenario, simulate
from vtsim.errors import VtsimError
from vtsim.resources import bundled_scenarios

try:  # this harness also times older trees (PYTHONPATH=old/checkout), before the caches
    from vtsim.model.caches import Caches
except ImportError:  # pragma: no cover - an older vtsim: its caches were process-global
    Caches = None  # type: ignore[assignment,misc]


def _fresh() -> dict:
    if Caches is not None:
        return {"caches": Caches()}
    from vtsim.model import queue

    queue.clear_cache()  # type: ignore[attr-defined]
    return {}


def main() -> None:
    print(f"machine: {os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.2f}")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--replications", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3, help="best of this many rounds")
    parser.add_argument(
        "--max-seconds", type=float, default=20.0, help="CPU seconds at most per round"
    )
    args = parser.parse_args()
    print(f"{'scenario':32} {'reps/s/core':>12} {'ms/rep':>8} {'reps run':>9}")
    for path in bundled_scenarios():
        try:
            scenario = load_scenario(path)
        except VtsimError as exc:
            print(f"{path.stem:32} {'invalid':>12}  ({str(exc).splitlines()[0][:60]})")
            continue
        simulate(scenario, 1, 0)  # imports and lazily built lookups
        best, done = 0.0, 0
        for _ in range(args.rounds):
            kwargs = _fresh()
            start = time.process_time()
            done = 0
            while done < args.replications and time.process_time() - start < args.max_seconds:
                simulate(scenario, 1, done, **kwargs)
                done += 1
            best = max(best, done / (time.process_time() - start))
        print(f"{path.stem:32} {best:12,.1f} {1000 / best:8.3f} {done:9}")


if __name__ == "__main__":
    main()
