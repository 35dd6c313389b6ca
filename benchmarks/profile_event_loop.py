"""Where a replication's event loop spends its time, by sampling (py-spy), not by cProfile
(whose per-call cost inflates code that makes many small calls, such as SimPy's).

The workload simulates the harbour festival's first 600 replications once (which fills
the screening-queue cache), then four more times: those later passes are the event loop
and the sub-models around it. The summary keeps only samples inside ``simulate`` and
outside the queue day and scenario loading, and groups their own time by file::

    pip install py-spy
    py-spy record -r 500 -f raw -o loop.raw -- python benchmarks/profile_event_loop.py
    python benchmarks/profile_event_loop.py --summarise loop.raw

SimPy's share of that time, times the event loop's cost per event (``bench_events.py``,
"event loop only"), is what SimPy itself costs per vtsim event: the best ratio to the bare
loop that trimming vtsim's own code could reach.
"""

from __future__ import annotations

import argparse
import collections
import re


def workload() -> None:
    from vtsim import load_scenario, simulate

    scenario = load_scenario("harbour-festival")
    for _ in range(5):
        for replication in range(600):
            simulate(scenario, 1, replication)


def summarise(path: str, top: int = 14) -> None:
    own: collections.Counter[str] = collections.Counter()
    for line in open(path, encoding="utf-8"):
        stack, count = line.rstrip().rsplit(" ", 1)
        frames = stack.split(";")
        if not any("simulate (vtsim/model/world.py" in f for f in frames):
            continue
        if any("simulate_day" in f or "load_scenario" in f for f in frames):
            continue
        found = re.search(r"\((.*?):\d+\)", frames[-1])
        where = found.group(1) if found else frames[-1]
        if "simpy" in where:
            key = "simpy"
        elif "numpy" in where:
            key = "numpy"
        elif "vtsim/" in where:
            key = "vtsim/" + where.split("vtsim/")[-1]
        else:
            key = where
        own[key] += int(count)
    total = sum(own.values())
    print(f"{total} samples in the event loop")
    for key, count in own.most_common(top):
        print(f"{count / total:6.1%}  {key}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--summarise", metavar="RAW", help="summarise py-spy's raw output")
    args = parser.parse_args()
    if args.summarise:
        summarise(args.summarise)
    else:
        workload()


if __name__ == "__main__":
    main()
