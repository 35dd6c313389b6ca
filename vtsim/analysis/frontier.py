"""Cost-effectiveness frontier over combinations of measures: ``vtsim.frontier()``.

Packages written by hand are a few points of a larger space. The frontier takes a list
of measures (default: every measure of the scenario) and evaluates combinations of them
on common random numbers, each against the baseline, with the valuation of
:mod:`vtsim.analysis.valuation`: yearly cost (annualised) against yearly benefit (harm,
loss and burden avoided, valued). A combination is on the frontier when no other costs
no more and brings more.

Two methods, said in the result:

- ``exact``: every subset (2^m - 1 of them), for at most ``exact_limit`` measures;
- ``greedy``: start from nothing and add, at each step, the measure with the largest
  gain in benefit per extra cost, simulating every candidate added to what is chosen
  (interactions are simulated, not assumed additive); it gives a nested sequence of
  combinations, one per step, not the whole space.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from vtsim.analysis.compare import Comparison, compare
from vtsim.errors import VtsimError
from vtsim.scenario.loader import load_scenario
from vtsim.scenario.schema import Scenario


@dataclass
class Frontier:
    """``frame``: one row per combination evaluated (``measures``, ``cost_annualised``,
    ``annual_benefit`` with its range, ``benefit_cost_ratio``, ``on_frontier``);
    ``method``: exact or greedy; ``comparisons``: the runs behind it."""

    frame: pd.DataFrame
    method: str
    scenario: Scenario
    currency: str
    comparisons: list[Comparison]

    def text(self) -> str:
        cur = self.currency
        lines = [
            f"{self.scenario.name}: cost-effectiveness frontier over {self.method} "
            f"combinations ({len(self.frame)} evaluated; * on the frontier)",
        ]
        for _, r in self.frame.sort_values("cost_annualised").iterrows():
            mark = "*" if r["on_frontier"] else " "
            lines.append(
                f" {mark} {r['cost_annualised']:>12,.0f} {cur}/year  benefit "
                f"{r['annual_benefit']:>14,.0f} [{r['annual_benefit_lo']:,.0f}, "
                f"{r['annual_benefit_hi']:,.0f}]  {r['measures']}"
            )
        return "\n".join(lines) + "\n"


def _name(ids: tuple[str, ...]) -> str:
    return "__".join(ids)  # a package id (letters, digits, '-', '_', '.')


def _evaluate(scenario, combos, replications, seed, jobs, progress, valuation) -> Comparison:
    packages = {_name(c): list(c) for c in combos}
    return compare(
        scenario,
        packages=packages,
        replications=replications,
        seed=seed,
        jobs=jobs,
        progress=progress,
        valuation=valuation,
    )


def _rows(comparison: Comparison, combos) -> list[dict]:
    frame = comparison.packages_frame.set_index("package")
    rows = []
    for c in combos:
        p = frame.loc[_name(c)]
        rows.append(
            {
                "measures": ", ".join(c),
                "size": len(c),
                "cost_annualised": float(p["cost_annualised"]),
                "annual_benefit": float(p.get("annual_benefit", math.nan)),
                "annual_benefit_lo": float(p.get("annual_benefit_lo", math.nan)),
                "annual_benefit_hi": float(p.get("annual_benefit_hi", math.nan)),
                "benefit_cost_ratio": float(p.get("benefit_cost_ratio", math.nan)),
                "side_effects": p.get("side_effects", ""),
            }
        )
    return rows


def on_frontier(frame: pd.DataFrame) -> pd.Series:
    """True where no other row costs no more and brings strictly more (or the same for
    strictly less)."""
    flags = []
    for i, r in frame.iterrows():
        others = frame.drop(index=i)
        dominated = (
            (others["cost_annualised"] <= r["cost_annualised"])
            & (others["annual_benefit"] >= r["annual_benefit"])
            & (
                (others["cost_annualised"] < r["cost_annualised"])
                | (others["annual_benefit"] > r["annual_benefit"])
            )
        ).any()
        flags.append(not dominated and r["annual_benefit"] > 0)
    return pd.Series(flags, index=frame.index)


def frontier(
    scenario: str | Path | Scenario,
    measures: list[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = 1,
    *,
    method: str = "auto",
    exact_limit: int = 6,
    progress: bool | None = None,
    valuation=None,
) -> Frontier:
    """Evaluate combinations of ``measures`` (ids of the scenario, then the catalogue;
    default every measure of the scenario) and mark the cost-effectiveness frontier.
    ``method``: exact (every subset), greedy, or auto (exact up to ``exact_limit``)."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    ids = list(dict.fromkeys(measures or [m.id for m in scenario.measures]))
    if not ids:
        raise VtsimError(f"Scenario '{scenario.name}' has no measures to combine; name some.")
    if method not in {"auto", "exact", "greedy"}:
        raise VtsimError(f"method must be auto, exact or greedy; got '{method}'.")
    exact = method == "exact" or (method == "auto" and len(ids) <= exact_limit)
    if exact and len(ids) > 12:
        raise VtsimError(
            f"{len(ids)} measures make {2 ** len(ids) - 1} combinations: use method='greedy'."
        )
    args = (replications, seed, jobs, progress, valuation)
    if exact:
        combos = [c for k in range(1, len(ids) + 1) for c in itertools.combinations(ids, k)]
        comparison = _evaluate(scenario, combos, *args)
        rows, comparisons = _rows(comparison, combos), [comparison]
    else:
        rows, comparisons = _greedy(scenario, ids, args)
    frame = pd.DataFrame(rows)
    frame["on_frontier"] = on_frontier(frame)
    currency = comparisons[0].valuation.currency if comparisons[0].valuation else "EUR"
    return Frontier(frame, "exact" if exact else "greedy", scenario, currency, comparisons)


def _gain(row: dict, cost: float, benefit: float) -> float:
    """Benefit added per extra cost (a free gain first, a free loss last)."""
    extra = row["cost_annualised"] - cost
    more = row["annual_benefit"] - benefit
    return more / extra if extra > 0 else (math.inf if more > 0 else -math.inf)


def _greedy(scenario, ids, args) -> tuple[list[dict], list[Comparison]]:
    chosen: tuple[str, ...] = ()
    rows: list[dict] = []
    comparisons: list[Comparison] = []
    benefit = 0.0
    cost = 0.0
    while len(chosen) < len(ids):
        candidates = [(*chosen, m) for m in ids if m not in chosen]
        comparison = _evaluate(scenario, candidates, *args)
        comparisons.append(comparison)
        step = _rows(comparison, candidates)
        rows += step

        best = max(step, key=lambda row: _gain(row, cost, benefit))
        if best["annual_benefit"] <= benefit:
            break
        chosen = tuple(best["measures"].split(", "))
        benefit, cost = best["annual_benefit"], best["cost_annualised"]
    return rows, comparisons
