"""A portfolio: a national list of vulnerable targets (scenarios) with weights,
the candidate measures to rank, and how much of each target's harm a set of
measures avoids, on common random numbers.

The weight of a target is how much its harm counts: e.g. expected attacks
attempted per year there times any policy priority. The gain of a set of
measures is ``sum_t weight_t * (harm_t(baseline) - harm_t(set))``, with harm the
mean of ``metric`` per attack attempted (default ``casualties_total``).

Cost: a chosen measure is taken at every target of the portfolio. A measure
with scope ``per_target`` costs its annualised cost once per target; a
``national`` measure (a law, a national body) costs it once. By default
legislative and institutional measures are national and operational ones per
target; a candidate entry can say otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from vtsim.errors import VtsimError
from vtsim.scenario.catalogue import find_measure, with_measures
from vtsim.scenario.loader import load_scenario
from vtsim.scenario.schema import Identifier, Measure, Scenario
from vtsim.scenario.schema_base import Model


class Target(Model):
    scenario: str = Field(description="Scenario file (relative to the portfolio) or bundled name.")
    weight: float = Field(1.0, gt=0, description="How much this target's harm counts.")
    name: str = ""


class Candidate(Model):
    measure: Identifier
    scope: Literal["national", "per_target"] | None = Field(
        None, description="Default: national for legislative/institutional, else per_target."
    )


class Portfolio(Model):
    name: str
    description: str = ""
    currency: str = "EUR"
    budget: float | None = Field(None, gt=0, description="Annualised budget per year.")
    metric: str = "casualties_total"
    replications: int = Field(100, ge=1)
    seed: int = Field(20261128, ge=0)
    exact_limit: int = Field(
        6, ge=0, description="Enumerate every subset when there are at most this many candidates."
    )
    targets: list[Target] = Field(min_length=1)
    candidates: list[Identifier | Candidate] = Field(min_length=1)


def load_portfolio(path: str | Path) -> tuple[Portfolio, list[Scenario]]:
    """Read a portfolio file and load its scenarios (relative to the file, else bundled)."""
    from vtsim.resources import resolve_scenario_path
    from vtsim.scenario.loader import read_yaml, validate_model

    resolved = resolve_scenario_path(path)
    data, node = read_yaml(resolved)
    portfolio = validate_model(Portfolio, data, str(path), node)
    scenarios = []
    for target in portfolio.targets:
        local = resolved.parent / target.scenario
        scenarios.append(load_scenario(local if local.exists() else target.scenario))
    return portfolio, scenarios


class PortfolioModel:
    """Evaluates sets of candidate measures across the portfolio, with a cache."""

    def __init__(
        self,
        portfolio: Portfolio,
        scenarios: list[Scenario],
        *,
        replications=None,
        seed=None,
        jobs=1,
        progress=None,
    ):
        self.portfolio = portfolio
        self.scenarios = scenarios
        self.replications = replications or portfolio.replications
        self.seed = portfolio.seed if seed is None else seed
        self.jobs = jobs
        self.progress = progress
        self.candidates = [
            c if isinstance(c, Candidate) else Candidate(measure=c) for c in portfolio.candidates
        ]
        self.ids = [c.measure for c in self.candidates]
        if len(set(self.ids)) != len(self.ids):
            raise VtsimError(f"Portfolio '{portfolio.name}': a candidate measure is listed twice.")
        self.measures: dict[str, Measure] = {
            mid: find_measure(scenarios[0], mid) for mid in self.ids
        }
        self._gain: dict[frozenset, float] = {frozenset(): 0.0}
        self._baseline: list[float] | None = None
        self.evaluations = 0

    def scope(self, measure_id: str) -> str:
        cand = next(c for c in self.candidates if c.measure == measure_id)
        if cand.scope:
            return cand.scope
        pillar = self.measures[measure_id].pillar.value
        return "per_target" if pillar == "operational" else "national"

    def cost(self, measure_ids) -> float:
        """Annualised cost of a set of measures over the portfolio."""
        n = len(self.scenarios)
        return sum(
            self.measures[m].cost.annualised() * (n if self.scope(m) == "per_target" else 1)
            for m in measure_ids
        )

    def gains(self, sets: list[frozenset]) -> list[float]:
        """Weighted harm avoided by each set of candidate measures (cached)."""
        todo = [s for s in dict.fromkeys(sets) if s not in self._gain]
        if todo:
            for s, g in zip(todo, self._evaluate(todo, {})):
                self._gain[s] = g
        return [self._gain[s] for s in sets]

    def gains_with(self, sets: list[frozenset], extra) -> list[float]:
        """As :meth:`gains` for sets that may name extra measures (not cached).

        ``extra(scenario) -> {id: Measure}`` builds them for each target's scenario.
        """
        return self._evaluate(list(sets), extra)

    def _evaluate(self, sets: list[frozenset], extra) -> list[float]:
        from vtsim.analysis.runner import run

        metric = self.portfolio.metric
        total = [0.0] * len(sets)
        names = {s: f"set-{i}" for i, s in enumerate(sets)}
        for target, scenario in zip(self.portfolio.targets, self.scenarios):
            base = with_measures(scenario, self.ids)
            if extra:
                added = extra(scenario)
                base = base.model_copy(update={"measures": [*base.measures, *added.values()]})
            packages = {names[s]: sorted(s) for s in sets if s}
            variant = with_measures(base, [], packages)
            results = run(
                variant,
                replications=self.replications,
                seed=self.seed,
                jobs=self.jobs,
                packages=["baseline", *packages],
                progress=self.progress,
            )
            frame = results.frame
            if metric not in frame:
                raise VtsimError(
                    f"Portfolio '{self.portfolio.name}': metric '{metric}' is not an outcome "
                    f"of scenario '{scenario.name}'."
                )
            means = frame.groupby("package")[metric].mean()
            for i, s in enumerate(sets):
                if s:
                    total[i] += target.weight * (means["baseline"] - means[names[s]])
            self.evaluations += len(packages)
        return total
