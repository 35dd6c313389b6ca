"""vtsim's per-event cost against the bare SimPy event loop, on the same machine.

Issue 2 item 12 / issue 7. Reports, for a scenario (default: harbour-festival):

- replications per second on one core (``simulate`` in a loop, no executor);
- SimPy events per second inside vtsim;
- the event rate of a trivial SimPy loop (one process yielding ``env.timeout(1)``);
- their ratio (the target is >= 0.5).

How events are counted: ``simpy.Environment.step`` processes exactly one event per
call, so a counting run patches ``Environment.step`` with a wrapper that increments a
counter. The timing runs are separate and unpatched; both use the same seeds, so they
process the same events (a replication is a pure function of scenario, seed and
replication). The bare loop is counted and timed the same way. Times are CPU seconds
of this (single-threaded) process, ``time.process_time``, best of 3, so that other
work on a shared machine does not inflate them; wall-clock rates are printed too.

    python benchmarks/bench_events.py [-n 2000] [--scenario harbour-festival] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import simpy

from vtsim import load_scenario, simulate
from vtsim.model.queue import clear_cache


def count_steps(func) -> int:
    """Events processed while ``func()`` runs (Environment.step calls)."""
    original = simpy.Environment.step
    counter = [0]

    def step(self):
        counter[0] += 1
        return original(self)

    simpy.Environment.step = step
    try:
        func()
    finally:
        simpy.Environment.step = original
    return counter[0]


def best_time(func, repeat: int = 3) -> tuple[float, float]:
    """Best CPU seconds and best wall seconds over ``repeat`` runs."""
    cpu = wall = float("inf")
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        func()
        cpu = min(cpu, time.process_time() - start_cpu)
        wall = min(wall, time.perf_counter() - start)
    return cpu, wall


def bare_loop(n_events: int) -> None:
    env = simpy.Environment()

    def tick(env):
        while True:
            yield env.timeout(1.0)

    env.process(tick(env))
    env.run(until=n_events + 0.5)


def measure(scenario_name: str, replications: int, seed: int = 1, repeat: int = 3) -> dict:
    scenario = load_scenario(scenario_name)

    def vtsim_run():
        clear_cache()  # every timed run simulates its queue days afresh (no repeat lookups)
        for r in range(replications):
            simulate(scenario, seed, r)

    vtsim_run()  # warm caches (imports, lazily built lookups)
    events = count_steps(vtsim_run)
    seconds, wall = best_time(vtsim_run, repeat)
    bare_n = 500_000
    bare_events = count_steps(lambda: bare_loop(bare_n))
    bare_seconds, bare_wall = best_time(lambda: bare_loop(bare_n), repeat)
    vt_rate, bare_rate = events / seconds, bare_events / bare_seconds
    return {
        "scenario": scenario_name,
        "replications": replications,
        "events_per_replication": events / replications,
        "replications_per_s": replications / seconds,
        "vtsim_events_per_s": vt_rate,
        "vtsim_us_per_event": 1e6 / vt_rate,
        "bare_simpy_events_per_s": bare_rate,
        "bare_us_per_event": 1e6 / bare_rate,
        "ratio": vt_rate / bare_rate,
        "replications_per_s_wall": replications / wall,
        "ratio_wall": (events / wall) / (bare_events / bare_wall),
    }


def main() -> None:
    print(f"machine: {os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.2f}")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--replications", type=int, default=2000)
    parser.add_argument("--scenario", default="harbour-festival")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    out = measure(args.scenario, args.replications)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"scenario                    {out['scenario']} ({out['replications']} replications)")
    print(f"SimPy events / replication  {out['events_per_replication']:.1f}")
    print(f"replications / s (1 core)   {out['replications_per_s']:,.0f}")
    print(
        f"vtsim events / s            {out['vtsim_events_per_s']:,.0f}"
        f"  ({out['vtsim_us_per_event']:.2f} us/event)"
    )
    print(
        f"bare SimPy events / s       {out['bare_simpy_events_per_s']:,.0f}"
        f"  ({out['bare_us_per_event']:.2f} us/event)"
    )
    print(f"ratio vtsim / bare          {out['ratio']:.3f}  (target >= 0.5)")
    print(
        f"(wall clock: {out['replications_per_s_wall']:,.0f} reps/s, "
        f"ratio {out['ratio_wall']:.3f}; CPU time above)"
    )


if __name__ == "__main__":
    main()
