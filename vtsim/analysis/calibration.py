"""Calibration against the public record: each target of a targets file, computed on the
replications of each scenario it applies to, next to the published range, with a verdict.

    result = calibrate(["harbour-festival"], replications=300, seed=1)
    result.table          # one row per (target, scenario)
    print(result.text())

The targets (``scenarios/calibration/targets.yaml`` by default; schema in
:mod:`vtsim.scenario.calibration`) say which threats of which scenarios they apply to; a
target is computed over the baseline replications that played those threats (and the
packages a ``paired_difference`` names), after its ``where`` conditions.

**95 % intervals.** ``share``: Wilson score interval. ``mean``: Student t interval.
``median``, ``quantile``, ``ratio_of_sums`` and a relative ``paired_difference``:
percentile bootstrap over replications (``BOOTSTRAP_DRAWS`` = 2,000 resamples; a
replication's numerator and denominator, or its pair of packages, are resampled together),
its draws taken from the named stream ``Streams(seed, 0).get("calibration-bootstrap",
target, scenario)``, so an interval is a pure function of the run's seed. An absolute
``paired_difference``: paired t interval. ``scale`` multiplies the value and the interval.

**Verdict.** ``inside`` when the simulated 95 % interval and the published range overlap,
both taken as closed intervals (``lo <= high`` and ``hi >= low``; no ``high``: no upper
bound); ``outside`` otherwise (the reason says above or below). ``not comparable`` when the
target says so, or a column or package it needs is missing from the scenario, or no
replication passes its conditions, or fewer than two do (no interval).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vtsim.analysis.calibration_stats import (
    BOOTSTRAP_DRAWS,
    NotComparable,
    Value,
    evaluate,
    verdict,
)
from vtsim.errors import VtsimError
from vtsim.model.streams import Streams
from vtsim.scenario.calibration import Target, TargetsFile
from vtsim.scenario.schema import Scenario

__all__ = [
    "BOOTSTRAP_DRAWS",
    "CalibrationResult",
    "NotComparable",
    "Value",
    "applicable_threats",
    "calibrate",
    "evaluate",
    "load_targets",
    "render_text",
    "verdict",
]

BUNDLED_TARGETS = Path("calibration") / "targets.yaml"


def load_targets(path: str | Path | None = None) -> TargetsFile:
    """A targets file (default: the bundled one), validated; a bad file raises ScenarioError
    naming the file, the line and the field path."""
    import vtsim.model.modes  # noqa: F401  (the modes register, so `modes` can be checked)
    from vtsim.resources import scenarios_dir
    from vtsim.scenario.loader import read_yaml, validate_model

    resolved = Path(path) if path is not None else scenarios_dir() / BUNDLED_TARGETS
    data, node = read_yaml(resolved)
    return validate_model(TargetsFile, data, str(path or resolved), node)


def applicable_threats(target: Target, scenario: Scenario, label: str) -> list[str]:
    """The ids of the threats of ``scenario`` (file stem ``label``) the target applies to."""
    rule = target.applies_to
    if rule.scenarios and label not in rule.scenarios and scenario.name not in rule.scenarios:
        return []
    kinds = {site.id: site.kind for site in scenario.sites}
    return [t.id for t in scenario.threats if rule.admits(t, kinds.get(t.site))]


def packages_needed(target: Target) -> list[str]:
    stat = target.statistic
    if stat is not None and stat.kind == "paired_difference":
        return [p for p in (stat.package, stat.versus) if p and p != "baseline"]
    return []


# -- the run ------------------------------------------------------------------------------


@dataclass
class CalibrationResult:
    """``table``: one row per (target, scenario) the target applies to; ``results``: each
    scenario's run (:class:`~vtsim.analysis.results.Results`); ``unmatched``: targets that
    apply to none of the scenarios; ``skipped``: scenarios no target applies to."""

    table: pd.DataFrame
    targets: TargetsFile
    results: dict = field(default_factory=dict, repr=False)
    unmatched: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The table as printed by ``vtsim calibrate``."""
        return render_text(self)


def _label(item) -> str:
    return item.name if isinstance(item, Scenario) else Path(str(item)).stem


def calibrate(
    scenarios: Sequence[str | Path | Scenario] | None = None,
    targets: str | Path | TargetsFile | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = 1,
    *,
    progress: bool | None = None,
    executor=None,
) -> CalibrationResult:
    """Run each scenario (default: every bundled one) and compare it with the targets.

    Only the baseline and the packages a target needs are run, with ``replications`` and
    ``seed`` (default: each scenario's ``run`` section) on ``jobs`` workers; a scenario no
    target applies to is not run. Intervals and verdicts: see the module docstring.
    """
    from vtsim.analysis.executors import make_executor
    from vtsim.analysis.runner import run
    from vtsim.resources import bundled_scenarios
    from vtsim.scenario.loader import load_scenario

    file = targets if isinstance(targets, TargetsFile) else load_targets(targets)
    items = list(scenarios) if scenarios else list(bundled_scenarios())
    if not items:
        raise VtsimError("no scenario to calibrate.")
    loaded = [(_label(s), s if isinstance(s, Scenario) else load_scenario(s)) for s in items]

    owned = executor is None
    executor = executor or make_executor(jobs)
    rows: list[dict] = []
    runs: dict = {}
    matched: set[str] = set()
    skipped: list[str] = []
    try:
        for label, scenario in loaded:
            plan = [(t, applicable_threats(t, scenario, label)) for t in file.targets]
            plan = [(t, threats) for t, threats in plan if threats]
            if not plan:
                skipped.append(label)
                continue
            known = {p.id for p in scenario.packages}
            extra = sorted({p for t, _ in plan for p in packages_needed(t) if p in known})
            results = run(
                scenario,
                replications=replications,
                seed=seed,
                jobs=jobs,
                packages=["baseline", *extra],
                progress=progress,
                executor=executor,
            )
            runs[label] = results
            for target, threats in plan:
                matched.add(target.id)
                rows.append(_row(target, label, threats, results))
    finally:
        if owned:
            executor.close()
    unmatched = [t.id for t in file.targets if t.id not in matched]
    return CalibrationResult(_frame(rows), file, runs, unmatched, skipped)


def _row(target: Target, label: str, threats: list[str], results) -> dict:
    seed = results.seed

    def rng() -> np.random.Generator:
        return Streams(seed, 0).get("calibration-bootstrap", target.id, label)

    published = target.published
    row = {
        "target": target.id,
        "scenario": label,
        "threats": " ".join(threats),
        "statistic": target.statistic.describe() if target.statistic else "",
        "unit": published.unit,
        "published_low": published.low,
        "published_high": math.inf if published.high is None else published.high,
        "published_point": math.nan if published.point is None else published.point,
        "value": math.nan,
        "ci_low": math.nan,
        "ci_high": math.nan,
        "n": 0,
        "interval": "",
        "verdict": "not comparable",
        "reason": "",
        "replications": results.replications,
        "seed": seed,
        "sources": "; ".join(s.short() for s in target.sources),
    }
    if target.statistic is None:
        row["reason"] = target.comparability.reason
        return row
    try:
        value = evaluate(target, results.frame, threats, rng)
    except NotComparable as exc:
        row["reason"] = str(exc)
        return row
    row.update(value=value.value, ci_low=value.lo, ci_high=value.hi, n=value.n)
    row["interval"] = value.method
    if not target.comparability.comparable:
        row["reason"] = target.comparability.reason
    else:
        row["verdict"], row["reason"] = verdict(value, published)
    return row


COLUMNS = [
    "target",
    "scenario",
    "threats",
    "statistic",
    "unit",
    "published_low",
    "published_high",
    "published_point",
    "value",
    "ci_low",
    "ci_high",
    "n",
    "interval",
    "verdict",
    "reason",
    "replications",
    "seed",
    "sources",
]


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def _num(x: float) -> str:
    if math.isnan(x):
        return "-"
    if math.isinf(x):
        return "inf"
    return f"{x:.3g}"


def _published(row) -> str:
    low, high = row["published_low"], row["published_high"]
    if math.isinf(high):
        return f">= {_num(low)}"
    return _num(low) if low == high else f"{_num(low)}-{_num(high)}"


def _simulated(row) -> str:
    if math.isnan(row["value"]):
        return "-"
    return f"{_num(row['value'])} [{_num(row['ci_low'])}, {_num(row['ci_high'])}]"


def render_text(result: CalibrationResult) -> str:
    """One line per (target, scenario): published range, simulated value [95 % interval],
    replications used, verdict (and why, when outside or not comparable)."""
    table = result.table
    header = ("target", "scenario", "published", "simulated [95 % CI]", "n", "verdict")
    lines = [
        (
            row["target"],
            row["scenario"],
            _published(row) + (f" {row['unit']}" if row["unit"] else ""),
            _simulated(row),
            str(row["n"]) if row["n"] else "-",
            row["verdict"] + (f": {row['reason']}" if row["reason"] else ""),
        )
        for _, row in table.iterrows()
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header[:-1])]
    out = []
    for line in [header, *lines]:
        cells = [cell.ljust(w) for cell, w in zip(line[:-1], widths)]
        out.append("  ".join(cells) + "  " + line[-1])
    if not lines:
        out.append("(no target applies to these scenarios)")
    counts = table["verdict"].value_counts()
    summary = ", ".join(f"{counts.get(v, 0)} {v}" for v in ("inside", "outside", "not comparable"))
    out.append("")
    out.append(f"{len(table)} comparisons: {summary}.")
    if result.skipped:
        out.append(f"No target applies to: {', '.join(result.skipped)}.")
    if result.unmatched:
        out.append(f"Targets that apply to none of these scenarios: {', '.join(result.unmatched)}.")
    return "\n".join(out)
