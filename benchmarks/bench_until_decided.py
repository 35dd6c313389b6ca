"""Replications `vtsim compare --until-decided` uses, against a fixed number that reaches
the same verdicts (issue 13 item 5).

Runs the scenario's packages once with a fixed number of replications (95 % intervals,
as `vtsim compare -n N`), then until decided with the default margin and with no margin
(``margin=0``: decided only on intervals that exclude zero), same seed. Prints the
replications and time of each, the verdicts side by side and whether they agree, and
checks that the shorter table is the first rows of the longer (replication r is the
same in every run). ``--seed`` is repeatable: the saving depends on the draw, so look at
several.

A verdict pair agrees when both say the same (better, worse, no change); a sequential
"smaller than the margin" is *consistent* with a fixed verdict whose estimate is inside
the margin. Also shown, in hindsight only: the smallest of the planned looks from which
on the fixed-size 95 % verdicts equal those at the fixed N (nobody knows that number
before running the fixed N).

python benchmarks/bench_until_decided.py [harbour-festival] [--fixed 2000] [-j 2]
    [--seed S ...] [--tables]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import time

import pandas as pd

from vtsim.analysis.compare import compare
from vtsim.analysis.sequential import DEFAULT_FIRST, DEFAULT_MAX, compare_until_decided, plan_looks


def _direction(verdict: str) -> str:
    for word in ("better", "worse", "no change", "smaller than the margin"):
        if verdict.startswith(word):
            return word
    return "undecided"


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the pool's workers, which
    every comparison closes before it returns)."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(func, *args, **kwargs):
    wall, cpu = time.perf_counter(), _cpu()
    out = func(*args, **kwargs)
    return out, time.perf_counter() - wall, _cpu() - cpu


def _agreement(fixed: pd.DataFrame, seq: pd.DataFrame) -> pd.DataFrame:
    both = fixed.merge(seq, on=["package", "phase"], suffixes=("_fixed", "_seq"))
    rows = []
    for _, r in both.iterrows():
        f, s = _direction(r["verdict_fixed"]), _direction(r["verdict_seq"])
        if r["decision"] == "undecided":
            agree = "undecided"
        elif f == s:
            agree = "same"
        elif r["decision"] == "within the margin" and abs(r["diff_fixed"]) < r["margin"]:
            agree = "consistent"  # both say the difference is smaller than the margin
        else:
            agree = "DIFFERENT"
        rows.append(
            {
                "package": r["package"],
                "phase": r["phase"],
                "fixed": f,
                "until decided": r["verdict_seq"].split(":")[0][:44],
                "agree": agree,
            }
        )
    return pd.DataFrame(rows)


def _hindsight(fixed, looks: list[int]) -> int | None:
    """Smallest planned look from which on (every later look below the full run too) the
    fixed-size 95 % verdicts equal those of the full run."""
    full = [_direction(v) for v in fixed.frame["verdict"]]
    results = fixed.results
    since = None
    for n in looks:
        if n >= results.replications:
            return since
        part = dataclasses.replace(
            results,
            frame=results.frame[results.frame["replication"] < n].reset_index(drop=True),
            replications=n,
            _card=None,
        )
        c = dataclasses.replace(
            fixed,
            results=part,
            **{f.name: None for f in dataclasses.fields(fixed) if f.name.startswith("_")},
        )
        same = [_direction(v) for v in c.frame["verdict"]] == full
        since = (since or n) if same else None
    return since


def _one_seed(args, seed: int | None, tables: bool) -> dict:
    opts = {"seed": seed, "jobs": args.jobs, "progress": False}
    fixed, fw, fc = _timed(compare, args.scenario, replications=args.fixed, **opts)
    print(
        f"\nscenario {fixed.scenario.name}, seed {fixed.results.seed}, "
        f"{len(fixed.results.packages) - 1} packages + baseline, {args.jobs} jobs"
    )
    print(f"fixed n{'':24} {args.fixed:>6,} replications  {fw:6.1f} s wall  {fc:6.1f} s CPU")
    summary = {"seed": fixed.results.seed, "fixed": args.fixed}
    runs = {}
    for label, margin in (("default margin", None), ("margin 0", 0.0)):
        seq, sw, sc = _timed(compare_until_decided, args.scenario, margin=margin, **opts)
        runs[label] = seq
        u = seq.until_decided
        n = u.replications
        state = "decided" if u.decided else f"NOT decided ({len(u.undecided)} left at the cap)"
        change = (
            f"{1 - n / args.fixed:.0%} fewer"
            if n <= args.fixed
            else (f"{n / args.fixed - 1:.0%} more")
        )
        print(
            f"until decided, {label:15} {n:>6,} replications  {sw:6.1f} s wall  "
            f"{sc:6.1f} s CPU  {state}; {change} than fixed"
        )
        short, long = (seq.results.frame, fixed.results.frame)
        if n > args.fixed:
            short, long = long, short
        prefix = long[long["replication"] < min(n, args.fixed)].reset_index(drop=True)
        pd.testing.assert_frame_equal(short, prefix, check_exact=True)
        print("  the shorter table = the first rows of the longer: yes")
        table = _agreement(fixed.frame, seq.frame)
        summary[label] = n
        summary[f"agree ({label})"] = " ".join(
            f"{k} {v}" for k, v in table["agree"].value_counts().items()
        )
        if tables:
            print(seq.until_decided.text().rstrip())
            with pd.option_context("display.width", 160, "display.max_colwidth", 50):
                print(table.to_string(index=False))
    hind = _hindsight(fixed, plan_looks(DEFAULT_FIRST, None, DEFAULT_MAX))
    summary["hindsight"] = hind
    print(
        f"in hindsight: fixed-size 95 % verdicts equal those at {args.fixed:,} at every "
        f"planned look from {hind if hind is not None else '(none before it)'} on"
    )
    return summary


def main() -> None:
    print(f"machine: {os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.2f}")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", default="harbour-festival")
    parser.add_argument("--fixed", type=int, default=2000, help="fixed replications")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument(
        "--seed", type=int, action="append", help="repeatable [default: the scenario's]"
    )
    parser.add_argument("--tables", action="store_true", help="verdict tables for every seed")
    args = parser.parse_args()
    seeds = args.seed or [None]
    rows = [_one_seed(args, seed, args.tables or len(seeds) == 1) for seed in seeds]
    if len(rows) > 1:
        print("\nsummary (replications per package; agreement of the 20 verdicts with fixed)")
        with pd.option_context("display.width", 200, "display.max_colwidth", 40):
            print(pd.DataFrame(rows).to_string(index=False))
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
