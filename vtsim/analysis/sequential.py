"""Comparisons that add replications until every verdict is decided: fewer replications
for the same decision (``vtsim compare --until-decided``).

Replication r is the same whichever run it is part of (named random streams), so a
comparison can run replications ``0 .. n-1``, look, and if it must go on run ``n .. m-1``
only and concatenate: the table is the one a single run of ``m`` replications gives.

The stopping rule, and why it is stricter than one 95 % interval
-----------------------------------------------------------------

Looking at the data after every round and stopping when it looks decided inflates the
error rates: with ten looks at the 95 % level, a package that changes nothing is called
better or worse at some look far more often than 5 % of the time. So:

1. The looks are planned before the first replication: ``first`` replications, then each
   round adds ``step`` (default: half as many again as have run, so 100, 150, 225, ...),
   up to ``max_replications``. Call their number K.
2. At every look, each package's paired difference to the baseline on each phase's
   headline (the scorecard's) gets a t-interval at the level 1 - 0.05 / K (Bonferroni over
   the K planned looks; 99.5 % for the default ten looks). Whatever the data do and
   whenever we stop, the chance that any look gives a wrong decision for that package and
   phase is then at most 5 %, as for one fixed-size comparison at 95 % (as far as the
   t-interval holds for these skewed outcomes, as there). It is conservative: the looks
   are correlated, so the true rate is lower. The tables show the usual 95 % intervals
   on all the replications used; ``decision_lo``/``decision_hi`` are the stricter ones.
3. A (package, phase) is decided at a look when its interval
   - excludes zero (the package is better or worse), or
   - lies within ``± margin`` (whatever the true difference is, it is smaller than the
     margin: no difference that matters), or
   - is a difference of zero on every replication and the package changes nothing the
     headline reads (:func:`vtsim.analysis.compare._touches`: no change), or
   - is a difference of zero on every one of n replications of a package that does change
     what the headline reads, and that cannot hide a difference as large as the margin:
     no change in n replications puts the share of replications that change below
     ``-ln(a) / n`` (a = 0.05 / K; the rule of three at a = 0.05), and a change on one
     replication is taken to be at most the largest value of the headline seen, D
     (1 for a share), so the mean difference is within ``± D ln(1/a) / n``: decided when
     that is within the margin. (Assumed: no change larger than anything seen.)
4. The comparison stops at the first look at which every package and phase is decided
   at once, or at ``max_replications`` (then the undecided ones are listed). Every package
   runs the same replications, so pairs stay paired and every table stays rectangular:
   the replications used are overall, not per package (each package's first look with
   all its phases decided is reported too).

This controls the error rate per package and phase, as a fixed-size comparison does;
not jointly over all packages and phases.

The default margin is 5 % of the baseline's value of the headline, and at least one
percentage point for a headline that is a share (plots interdicted, attacks stopped):
the model's parameters are illustrative and a planner would not choose between packages
on a difference below that; a share near zero would otherwise give a margin of nothing.
``margin=0`` decides only on intervals that exclude zero.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist

import pandas as pd

from vtsim.analysis.compare import Comparison, _touches, compare
from vtsim.analysis.executors import make_executor
from vtsim.analysis.results import Results
from vtsim.analysis.runner import run
from vtsim.analysis.scorecard import HEADLINES, PHASES, headlines_for
from vtsim.analysis.stats import t_quantile_975
from vtsim.errors import VtsimError
from vtsim.scenario.schema import Scenario

ALPHA = 0.05
"""Error rate per package and phase, over all looks."""
DEFAULT_FIRST = 100
DEFAULT_MAX = 3200
RELATIVE_MARGIN = 0.05
"""Default margin: this share of the baseline's value of the headline..."""
SHARE_MARGIN = 0.01
"""...and at least this for a headline that is a share (one percentage point)."""

DECISIONS = ("excludes zero", "within the margin", "no change", "no paired data", "undecided")


@dataclass(frozen=True)
class Look:
    """One look at the data: the replications run so far and what was still undecided
    ("package / phase")."""

    replications: int
    undecided: tuple[str, ...]


@dataclass(frozen=True)
class UntilDecided:
    """How a comparison run until decided stopped (``comparison.until_decided``).

    ``replications``: used, for every package (they all run the same replications);
    ``decided``: every package and phase decided (False: stopped at the cap, or
    interrupted); ``plan``: the looks planned; ``looks``: the looks made; ``level``: the
    confidence level of every look's interval; ``margins``: per phase, in the headline's
    units, at the last look; ``packages``: per package, the replications at its first look
    with every phase decided (None: never).
    """

    replications: int
    decided: bool
    plan: tuple[int, ...]
    looks: tuple[Look, ...]
    level: float
    margins: dict[str, float]
    packages: dict[str, int | None]
    max_replications: int

    @property
    def undecided(self) -> tuple[str, ...]:
        return self.looks[-1].undecided if self.looks else ()

    def as_dict(self) -> dict:
        return {
            "replications": self.replications,
            "decided": self.decided,
            "undecided": list(self.undecided),
            "max_replications": self.max_replications,
            "plan": list(self.plan),
            "looks": [dataclasses.asdict(look) for look in self.looks],
            "level": self.level,
            "margins": dict(self.margins),
            "packages": dict(self.packages),
            "rule": "stop at the first planned look where every package's paired interval "
            "on every phase headline, at the level above (0.05 split over the planned "
            "looks), excludes zero or lies within the margin",
        }

    def text(self) -> str:
        """A few lines for the terminal, after the comparison."""
        plan = ", ".join(f"{n:,}" for n in self.plan)
        if self.decided:
            head = (
                f"UNTIL DECIDED: {self.replications:,} replications per package (every "
                f"package on the same replications), decided at look {len(self.looks)} "
                f"of {len(self.plan)}"
            )
        else:
            head = (
                f"UNTIL DECIDED: stopped at {self.replications:,} replications per package "
                f"with {len(self.undecided)} undecided: {', '.join(self.undecided)}"
            )
        per_package = "; ".join(
            f"{p} {n:,}" if n is not None else f"{p} not decided" for p, n in self.packages.items()
        )
        margins = ", ".join(f"{phase} ±{_fmt(m, phase)}" for phase, m in self.margins.items())
        return (
            f"{head}\n"
            f"  looks planned at {plan} replications, each interval at the "
            f"{100 * self.level:.3g} % level (5 % split over {len(self.plan)} looks)\n"
            f"  margins: {margins}\n"
            f"  each package's phases first all decided at: {per_package}\n"
        )


def _fmt(margin: float, phase: str) -> str:
    return f"{100 * margin:.2g} pts" if phase in _share_phases() else f"{margin:.3g}"


def _share_phases() -> set[str]:
    return {h.phase for h in HEADLINES if h.kind == "share"}


def plan_looks(first: int, step: int | None, max_replications: int) -> list[int]:
    """The replications at each planned look: ``first``, then ``step`` more each round
    (None: half as many again as have run), never past ``max_replications``.

    >>> plan_looks(100, None, 3200)
    [100, 150, 225, 338, 507, 761, 1142, 1713, 2570, 3200]
    >>> plan_looks(200, 200, 1000)
    [200, 400, 600, 800, 1000]
    """
    if first < 10:
        raise VtsimError(f"The first round needs at least 10 replications; got {first}.")
    if max_replications < first:
        raise VtsimError(
            f"max_replications ({max_replications}) is below the first round ({first})."
        )
    if step is not None and step < 1:
        raise VtsimError(f"step must be at least 1 replication; got {step}.")
    looks = [first]
    while looks[-1] < max_replications:
        more = step if step is not None else math.ceil(looks[-1] / 2)
        looks.append(min(max_replications, looks[-1] + more))
    return looks


def t_quantile(p: float, dof: int) -> float:
    """Student t quantile at ``p`` (Cornish-Fisher expansion around the normal quantile,
    as :func:`vtsim.analysis.stats.t_quantile_975`; close for dof >= 10)."""
    z, v = NormalDist().inv_cdf(p), float(dof)
    return (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
    )


def compare_until_decided(
    scenario: Scenario | str | Path,
    packages: list[str] | dict[str, list[str]] | None = None,
    measures=None,
    *,
    margin: float | Mapping[str, float] | None = None,
    first: int = DEFAULT_FIRST,
    step: int | None = None,
    max_replications: int = DEFAULT_MAX,
    seed: int | None = None,
    jobs: int | None = 1,
    progress: bool | None = None,
    executor=None,
    **compare_options,
) -> Comparison:
    """:func:`~vtsim.analysis.compare.compare`, adding replications in rounds until every
    package's paired interval on every phase headline excludes zero or lies within
    ``± margin`` (the rule, and why each look is at a stricter level than 95 %: this
    module's docstring).

    ``margin``: in the headline's units (a share as a fraction: 0.01 is one point); a
    number for every phase, or ``{phase: margin}`` (other phases: the default, 5 % of the
    baseline's value and at least one point for shares). ``first``: replications of the
    first round; ``step``: replications added per round (None: half as many again as have
    run); ``max_replications``: the cap. Other keyword arguments (``attacks_per_year``,
    ``harm_metric``, ...) go to ``compare``.

    Returns the same :class:`~vtsim.analysis.compare.Comparison` as ``compare`` on the
    replications used, so every table, JSON, results folder and figure works unchanged;
    ``comparison.until_decided`` (:class:`UntilDecided`) says how it stopped, and
    ``comparison.frame`` gains ``decision``, ``margin``, ``decision_lo`` and
    ``decision_hi`` (the interval at the stricter level). The same seed gives the same
    stopping point and numbers whatever ``jobs``.

    >>> c = compare_until_decided("harbour-festival", packages=["barriers"], first=40,
    ...                           max_replications=90, seed=1, progress=False)
    >>> c.until_decided.replications in (40, 60, 90)
    True
    """
    looks = plan_looks(first, step, max_replications)
    margins = _margin_spec(margin)
    level = 1 - ALPHA / len(looks)
    owned = executor is None
    executor = executor or make_executor(jobs)
    made: list[Look] = []
    first_decided: dict[str, int | None] = {}
    try:
        comparison = compare(
            scenario,
            packages,
            measures,
            replications=looks[0],
            seed=seed,
            jobs=jobs,
            progress=progress,
            executor=executor,
            **compare_options,
        )
        results = comparison.results
        first_decided = {p: None for p in results.packages if p != "baseline"}
        touches: dict[tuple[str, str], bool] = {}
        for k, n in enumerate(looks):
            if k:
                more = run(
                    results.scenario,
                    replications=n - results.replications,
                    seed=results.seed,
                    packages=results.packages,
                    progress=progress,
                    executor=executor,
                    first_replication=results.replications,
                )
                results = _extend(results, more)
            decisions = _decide(results, margins, level, touches)
            undecided = tuple(
                f"{p} / {ph}" for (p, ph), d in decisions.items() if d["decision"] == "undecided"
            )
            made.append(Look(results.replications, undecided))
            for p in first_decided:
                if first_decided[p] is None and not any(u.startswith(f"{p} / ") for u in undecided):
                    first_decided[p] = results.replications
            if not undecided or not results.complete:
                break
    finally:
        if owned:
            executor.close()

    comparison = _with_results(comparison, results)
    _annotate(comparison.frame, decisions)
    record = UntilDecided(
        replications=results.replications,
        decided=not made[-1].undecided,
        plan=tuple(looks),
        looks=tuple(made),
        level=level,
        margins={phase: d["margin"] for (_, phase), d in decisions.items()},
        packages=first_decided,
        max_replications=max_replications,
    )
    comparison.until_decided = record  # type: ignore[attr-defined]
    return comparison


def _margin_spec(margin) -> dict[str, float] | float | None:
    if margin is None:
        return None
    if isinstance(margin, Mapping):
        unknown = [p for p in margin if p not in PHASES]
        if unknown:
            raise VtsimError(
                f"Unknown phase '{unknown[0]}' for a margin; expected one of: {', '.join(PHASES)}."
            )
        spec = {str(p): float(m) for p, m in margin.items()}
        values = list(spec.values())
    else:
        spec, values = float(margin), [float(margin)]  # type: ignore[assignment]
    if any(not (v >= 0) or math.isinf(v) for v in values):
        raise VtsimError(f"A margin must be a number >= 0; got {margin}.")
    return spec


def _margin_for(spec, phase: str, kind: str, baseline: float) -> float:
    if isinstance(spec, float):
        return spec
    if isinstance(spec, dict) and phase in spec:
        return spec[phase]
    default = RELATIVE_MARGIN * abs(baseline) if math.isfinite(baseline) else 0.0
    return max(default, SHARE_MARGIN) if kind == "share" else default


def _decide(results: Results, margins, level: float, touches: dict) -> dict:
    """Per (package, phase): the decision at this look, the margin and the interval at
    ``level``."""
    frame = results.frame
    base = frame[frame["package"] == "baseline"]
    out: dict[tuple[str, str], dict] = {}
    for h in headlines_for(frame):
        margin = _margin_for(margins, h.phase, h.kind, float(base[h.metric].mean()))
        for _, d in results.compare(h.metric, h.better).iterrows():
            package = d["package"]
            key = (package, h.metric)
            if key not in touches:
                touches[key] = _touches(results.scenario, package, h.metric)
            values = frame.loc[frame["package"].isin(["baseline", package]), h.metric]
            largest = 1.0 if h.kind == "share" else float(values.abs().max())
            lo, hi, decision = _interval_and_decision(d, margin, level, touches[key], largest)
            out[(package, h.phase)] = {
                "decision": decision,
                "margin": margin,
                "lo": lo,
                "hi": hi,
            }
    return out


def _interval_and_decision(d, margin: float, level: float, touched: bool, largest: float):
    n, mean, lo95, hi95 = int(d["n"]), d["diff"], d["lo"], d["hi"]
    if n == 0:
        return math.nan, math.nan, "no paired data"
    if n < 2:
        return math.nan, math.nan, "undecided"
    if lo95 == hi95:  # the same difference on every replication
        if mean != 0:
            return mean, mean, "excludes zero"
        if not touched:
            return 0.0, 0.0, "no change"
        # None changed: the share that would is below ln(1/a) / n (a the look's error rate).
        bound = largest * math.log(1 / (1 - level)) / n
        return -bound, bound, ("within the margin" if bound <= margin else "undecided")
    half = (hi95 - lo95) / 2 * t_quantile(1 - (1 - level) / 2, n - 1) / t_quantile_975(n - 1)
    lo, hi = mean - half, mean + half
    if lo > 0 or hi < 0:
        return lo, hi, "excludes zero"
    if -margin <= lo and hi <= margin:
        return lo, hi, "within the margin"
    return lo, hi, "undecided"


def _extend(results: Results, more: Results) -> Results:
    """``results`` followed by the later replications ``more``: the frame a single run of
    them all gives (package order, then replication)."""
    parts = []
    for p in results.packages:
        parts += [results.frame[results.frame["package"] == p]]
        parts += [more.frame[more.frame["package"] == p]]
    frame = pd.concat(parts, ignore_index=True)
    return _replace(
        results,
        frame=frame,
        replications=int(frame["replication"].nunique()),
        complete=more.complete,
    )


def _replace(obj, **changes):
    """A copy with ``changes`` and every cache (private field) emptied."""
    caches = {f.name: None for f in dataclasses.fields(obj) if f.name.startswith("_")}
    return dataclasses.replace(obj, **{**caches, **changes})


def _with_results(comparison: Comparison, results: Results) -> Comparison:
    return _replace(comparison, results=results)


def _annotate(frame: pd.DataFrame, decisions: dict) -> None:
    """Add the decision columns to a comparison's frame, and say "by less than the
    margin" in the verdicts decided by it."""
    keys = list(zip(frame["package"], frame["phase"]))
    get = [decisions.get(k, {"decision": "undecided", "margin": math.nan}) for k in keys]
    frame["decision"] = [d["decision"] for d in get]
    frame["margin"] = [d["margin"] for d in get]
    frame["decision_lo"] = [d.get("lo", math.nan) for d in get]
    frame["decision_hi"] = [d.get("hi", math.nan) for d in get]
    verdicts = []
    for (_, phase), d, verdict in zip(keys, get, frame["verdict"]):
        if d["decision"] == "within the margin":
            m = _fmt(d["margin"], phase)
            if verdict in ("better", "worse"):
                verdict = f"{verdict}, by less than the margin (±{m})"
            else:
                verdict = f"smaller than the margin (±{m}): no difference that matters"
        verdicts.append(verdict)
    frame["verdict"] = verdicts
