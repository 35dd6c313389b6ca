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
import sys
import time
from pathlib import Path

import simpy

from vtsim import load_scenario, simulate
from vtsim.model.queue import simulate_day
from vtsim.model.streams import Streams

# The SimPy event path of the queue day is a test reference (tests/queue_reference.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from queue_reference import simulate_day_events  # noqa: E402


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


def queue_events(scenario, seed: int, replications: int) -> dict:
    """The screening-queue days, which run outside the event loop (the fast path): visitors
    per replication, and the CPU time of the same days on the fast path and played as SimPy
    events (``simulate_day_events``: the same floats, 6 SimPy events per visitor)."""
    zones = [(site, zone) for site in scenario.sites for zone in site.zones if zone.queue]
    if not zones:
        return {"visitors_per_replication": 0.0}
    visitors, simpy_events, fast, slow = 0, 0, 0.0, 0.0
    for r in range(replications):
        for site, zone in zones:
            start = time.process_time()
            day = simulate_day(zone.queue, Streams(seed, r), site.id, zone.id)
            _ = day.outside_at(day.attack_at_min), day.peak_outside, day.delay_min_total
            fast += time.process_time() - start
            start = time.process_time()
            played = simulate_day_events(zone.queue, Streams(seed, r), site.id, zone.id)
            slow += time.process_time() - start
            visitors += day.visitors
            simpy_events += played.events
    return {
        "visitors_per_replication": visitors / replications,
        "queue_fast_ms_per_replication": 1e3 * fast / replications,
        "queue_as_simpy_ms_per_replication": 1e3 * slow / replications,
        "queue_as_simpy_events_per_replication": simpy_events / replications,
    }


def measure(scenario_name: str, replications: int, seed: int = 1, repeat: int = 3) -> dict:
    scenario = load_scenario(scenario_name)

    def vtsim_run():
        # No caches passed: every timed run simulates its queue days afresh.
        for r in range(replications):
            simulate(scenario, seed, r)

    vtsim_run()  # warm caches (imports, lazily built lookups)
    events = count_steps(vtsim_run)
    seconds, wall = best_time(vtsim_run, repeat)
    bare_n = 500_000
    bare_events = count_steps(lambda: bare_loop(bare_n))
    bare_seconds, bare_wall = best_time(lambda: bare_loop(bare_n), repeat)
    vt_rate, bare_rate = events / seconds, bare_events / bare_seconds

    # The event-driven part alone: the same replications with every queue day already
    # simulated (looked up in the per-process cache filled by the runs above), so the
    # time is the event loop's and the sub-models' around it.
    def loop_only():
        for r in range(replications):
            simulate(scenario, seed, r)

    loop_only()
    loop_seconds, _ = best_time(loop_only, repeat)
    queue = queue_events(scenario, seed, min(replications, 50))
    visitors = queue["visitors_per_replication"]
    model_events = events / replications + 2 * visitors  # + each visitor's arrival, entry
    return {
        **queue,
        "model_events_per_replication": model_events,
        "model_events_ratio": (model_events * replications / seconds) / bare_rate,
        "scenario": scenario_name,
        "replications": replications,
        "events_per_replication": events / replications,
        "replications_per_s": replications / seconds,
        "vtsim_events_per_s": vt_rate,
        "vtsim_us_per_event": 1e6 / vt_rate,
        "bare_simpy_events_per_s": bare_rate,
        "bare_us_per_event": 1e6 / bare_rate,
        "ratio": vt_rate / bare_rate,
        "event_loop_only_us_per_event": 1e6 * loop_seconds / events,
        "event_loop_only_ratio": (events / loop_seconds) / bare_rate,
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
        f"  event loop only (queue days looked up): "
        f"{out['event_loop_only_us_per_event']:.2f} us/event, "
        f"ratio {out['event_loop_only_ratio']:.3f}"
    )
    if out["visitors_per_replication"]:
        print(
            f"screening queue (fast path)  {out['visitors_per_replication']:,.0f} visitors / "
            f"replication, {out['queue_fast_ms_per_replication']:.2f} ms; the same day as SimPy "
            f"events: {out['queue_as_simpy_events_per_replication']:,.0f} events, "
            f"{out['queue_as_simpy_ms_per_replication']:.1f} ms"
        )
        print(
            f"  counting each visitor's arrival and entry as model events: "
            f"{out['model_events_per_replication']:,.0f} / replication, "
            f"ratio {out['model_events_ratio']:.2f}"
        )
    print(
        f"(wall clock: {out['replications_per_s_wall']:,.0f} reps/s, "
        f"ratio {out['ratio_wall']:.3f}; CPU time above)"
    )


if __name__ == "__main__":
    main()
