"""The cost of a Sobol sweep of the default scenario, per evaluation (issue 18 item 6).

A Sobol (Saltelli) design over the four factors of the bundled
``harbour-festival-sobol.yaml`` (prevention rate, police speed, the screening effect
size, arena occupancy) on the default scenario, harbour-festival, is built, run and
analysed end to end (``run_sweep``: the design, the check of every variant, the chunk
files; then ``BatchResults.sensitivity_indices``: S1 and ST with bootstrap intervals for
every package). Reported:

- points: ``n (k + 2)`` (k = 4 factors), evaluations: points x packages x replications;
- seconds per evaluation (one replication of one package at one point), and per point
  (every package and replication there): wall time, and CPU time when ``-j 1`` (this
  process does all the work);
- the design's and the analysis's own time (sampling and SALib's bootstrap), beside the
  simulations';
- what the bundled sweep (n = 64, 10 replications) would take at the rate measured.

    python benchmarks/bench_sobol.py                       # n 16, 5 replications, 1 process
    python benchmarks/bench_sobol.py --n 32 -r 10 -j 2 --packages baseline screening
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from vtsim.batch.analysis import BatchResults
from vtsim.batch.runner import run_sweep
from vtsim.batch.sweep import design_table, load_sweep, packages_of
from vtsim.resources import scenarios_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=16, help="Sobol base sample (power of 2)")
    parser.add_argument("-r", "--replications", type=int, default=5)
    parser.add_argument("-j", "--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--packages", nargs="*", default=None, help="default: all")
    parser.add_argument("--resamples", type=int, default=200, help="bootstrap resamples")
    args = parser.parse_args()

    sweep, base = load_sweep(scenarios_dir() / "sweeps" / "harbour-festival-sobol.yaml")
    design = sweep.design.model_copy(update={"n": args.n})
    sweep = sweep.model_copy(
        update={
            "design": design,
            "replications": args.replications,
            "packages": args.packages or sweep.packages,
        }
    )
    packages = packages_of(sweep, base)
    print(f"machine: {os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.2f}")

    t0 = time.perf_counter()
    points = len(design_table(sweep))
    t_design = time.perf_counter() - t0
    evaluations = points * len(packages) * args.replications
    k = len(sweep.factors)
    print(
        f"sobol design: n {args.n} x (k + 2 = {k + 2}) = {points} points x {len(packages)} "
        f"packages x {args.replications} replications = {evaluations:,} evaluations, "
        f"{args.jobs} process(es)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        c0, w0 = time.process_time(), time.perf_counter()
        results = run_sweep(sweep, tmp, base=base, jobs=args.jobs, progress=False)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        c1, w1 = time.process_time(), time.perf_counter()
        table = BatchResults.load(tmp).sensitivity_indices(
            sweep.outcomes[0], num_resamples=args.resamples
        )
        a_wall, a_cpu = time.perf_counter() - w1, time.process_time() - c1
    del results
    print(f"  design built                  {t_design:8.3f} s")
    print(f"  sweep run (wall)              {wall:8.2f} s")
    if args.jobs == 1:
        print(f"  sweep run (CPU)               {cpu:8.2f} s")
    print(f"  indices S1, ST + bootstrap    {a_wall:8.2f} s wall  {a_cpu:.2f} s CPU")
    per_eval = wall / evaluations
    print(
        f"per evaluation: {per_eval * 1e3:.2f} ms wall"
        + (f", {cpu / evaluations * 1e3:.2f} ms CPU" if args.jobs == 1 else "")
    )
    print(
        f"per point ({len(packages)} packages x {args.replications} replications): "
        f"{wall / points:.3f} s wall"
    )
    full = 64 * (k + 2) * len(packages) * 10
    print(
        f"the bundled sweep (n 64, 10 replications: {full:,} evaluations) at this rate: "
        f"{full * per_eval:.0f} s wall with {args.jobs} process(es)"
    )
    noise = table.drop_duplicates("package")[["package", "noise_share", "noise_in_means"]]
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print("Monte Carlo shares of casualties_total:")
    print(noise.to_string(index=False, float_format="%.3f"))


if __name__ == "__main__":
    main()
