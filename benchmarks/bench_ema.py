"""The EMA Workbench route's overhead against `vtsim batch`, on the same points (issue 18).

The bundled Harbour Festival sweep (its Latin hypercube, cut or stretched to ``--points``)
is run twice with the same seed and replications:

- ``vtsim batch``: :func:`vtsim.batch.runner.run_sweep` (chunk files written, CSV);
- EMA Workbench: :func:`vtsim.ema.ema_model` with the sweep's own design as EMA scenarios
  and one policy per package, through ``perform_experiments``.

Serial first (``run_sweep(jobs=1)`` against EMA's ``SequentialEvaluator``), then, with
``--jobs W`` (W > 1), in parallel (a process pool of W workers against EMA's
``MultiprocessingEvaluator(n_processes=W)``). Every timed run starts without remembered
queue days (``executors._PROCESS_CACHES`` cleared), as a fresh process would. The two
routes' per-replication values are checked to be identical; the overhead is
``T_ema / T_batch - 1``, best of ``--repeat`` runs with the order alternated. EMA
simulates one replication per call and builds each point's scenario once per process;
the batch runner checks every point first, simulates blocks and writes chunk files.
Serial runs also report CPU seconds, which move less with other load on the machine.

    python benchmarks/bench_ema.py --points 12 --replications 10 --jobs 2
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from vtsim.analysis import executors
from vtsim.batch.runner import run_sweep
from vtsim.batch.sweep import load_sweep


def _timed(func):
    executors._PROCESS_CACHES.clear()
    start, cpu = time.perf_counter(), time.process_time()
    out = func()
    return out, time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sweep", default="harbour-festival-sweep", help="sweep file or name")
    parser.add_argument("--points", type=int, default=12, help="Latin hypercube points")
    parser.add_argument("--replications", type=int, default=10, help="per point and package")
    parser.add_argument("--jobs", type=int, default=2, help="parallel workers (1: serial only)")
    parser.add_argument("--repeat", type=int, default=2, help="best of this many, order alternated")
    args = parser.parse_args()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import (
            MultiprocessingEvaluator,
            SequentialEvaluator,
            perform_experiments,
        )

        from vtsim.ema import design_scenarios, ema_model, package_policies, replication_frame

    sweep, base = load_sweep(args.sweep)
    sweep = sweep.model_copy(
        update={
            "replications": args.replications,
            "design": sweep.design.model_copy(
                update={"kind": "latin_hypercube", "points": args.points}
            ),
        }
    )
    model = ema_model(base, sweep)
    scenarios, policies = design_scenarios(model), package_policies(model)
    n = args.points * len(policies) * args.replications
    print(f"machine: {os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.2f}")
    print(
        f"sweep: {sweep.name} ({args.points} points x {len(policies)} packages x "
        f"{args.replications} replications = {n:,} replications)"
    )

    def batch(jobs):
        folder = Path(tempfile.mkdtemp(prefix="bench-ema-"))
        return run_sweep(sweep, folder, base=base, jobs=jobs, progress=False, fmt="csv").frame

    def ema(evaluator_class, **kw):
        with evaluator_class(model, **kw) as evaluator:
            experiments, outcomes = perform_experiments(
                model, scenarios=scenarios, policies=policies, evaluator=evaluator
            )
        return replication_frame(model, experiments, outcomes)

    def same(frame, other) -> bool:
        other = other.assign(point=other["scenario"].str.removeprefix("point").astype(int))
        keys = ["point", "package", "replication"]
        a, b = frame.set_index(keys).sort_index(), other.set_index(keys).sort_index()
        return all(
            np.array_equal(a[m].to_numpy(float), b[m].to_numpy(float), equal_nan=True)
            for m in sweep.outcomes
        )

    runs = [("serial", lambda: batch(1), lambda: ema(SequentialEvaluator))]
    if args.jobs > 1:
        runs.append(
            (
                f"{args.jobs} workers",
                lambda: batch(args.jobs),
                lambda: ema(MultiprocessingEvaluator, n_processes=args.jobs),
            )
        )
    print(f"{'':14}{'vtsim batch':>14}{'EMA':>14}{'overhead':>10}  same numbers")
    for label, run_batch, run_ema in runs:
        t_batch = t_ema = c_batch = c_ema = float("inf")
        for i in range(max(1, args.repeat)):  # alternate which goes first
            order = [("batch", run_batch), ("ema", run_ema)][:: 1 if i % 2 == 0 else -1]
            for name, run in order:
                out, wall, cpu = _timed(run)
                if name == "batch":
                    frame, t_batch, c_batch = out, min(t_batch, wall), min(c_batch, cpu)
                else:
                    other, t_ema, c_ema = out, min(t_ema, wall), min(c_ema, cpu)
        print(
            f"{label:14}{t_batch:>12.2f} s{t_ema:>12.2f} s{t_ema / t_batch - 1:>+10.0%}  "
            f"{'yes' if same(frame, other) else 'NO'}"
        )
        print(
            f"{'':14}{1e3 * t_batch / n:>11.2f} ms{1e3 * t_ema / n:>11.2f} ms"
            "   (wall, per replication)"
        )
        if label == "serial":  # CPU of this process: all the work when serial
            print(
                f"{'':14}{c_batch:>12.2f} s{c_ema:>12.2f} s{c_ema / c_batch - 1:>+10.0%}"
                "  (CPU seconds)"
            )


if __name__ == "__main__":
    main()
