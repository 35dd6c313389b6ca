"""A portfolio: a national list of vulnerable targets (scenarios) with weights,
the candidate measures to rank, and how much of each target's harm a set of
measures avoids, on common random numbers.

The weight of a target is how much its harm counts: e.g. expected attacks
attempted per year there times any policy priority. The gain of a set of
measures is ``sum_t weight_t * (harm_t(baseline) - harm_t(set))``, with harm the
mean of ``metric`` per attack attempted. With ``metric: valued`` (the default) harm is
each target's valuation (:mod:`vtsim.analysis.valuation`): harm and loss per attack
(times the weight) plus the burden of the target's event days a year, in money, so
medical and recovery measures compete with protection on the same terms.

Cost: a chosen measure is taken at every target of the portfolio. A measure
with scope ``per_target`` costs its annualised cost once per target; a
``national`` measure (a law, a national body) costs it once. By default
legislative and institutional measures are national and operational ones per
target; a candidate entry can say otherwise.

A candidate that does not fit a target (its site kinds or settings, see
:mod:`vtsim.scenario.catalogue`) is skipped there: not applied, not paid for
there (``per_target``), and listed in ``skipped`` and after its name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from vtsim.errors import VtsimError
from vtsim.scenario.catalogue import find_measure, fit_problem, with_measures
from vtsim.scenario.loader import load_scenario
from vtsim.scenario.schema import Identifier, Measure, Scenario
from vtsim.scenario.schema_base import Model


class Target(Model):
    scenario: str = Field(description="Scenario file (relative to the portfolio) or bundled name.")
    weight: float = Field(1.0, gt=0, description="How much this target's harm counts.")
    name: str = ""
    visibility: float = Field(
        1.0,
        gt=0,
        description="Multiplies the attacker's gain at this target in the security game "
        "(`vtsim games`, `vtsim roadmap --adversary adaptive`): how much more an attack here "
        "is worth to the attacker than its harm alone (symbolism, media attention).",
    )


class Candidate(Model):
    measure: Identifier
    scope: Literal["national", "per_target"] | None = Field(
        None, description="Default: national for legislative/institutional, else per_target."
    )


VALUED = "valued"


class Resource(Model):
    """A mobile resource (a patrol team, a deployable package): ``count`` identical units,
    each protecting one target at a time with ``measures`` (catalogue or scenario ids).
    Used by the security game across targets (:mod:`vtsim.analysis.adversary`)."""

    id: Identifier
    name: str = ""
    measures: list[Identifier] = Field(min_length=1)
    count: int = Field(1, ge=1, description="Units; each covers one target at a time.")


DISPARITY = "disparity"  # a constraint on the disparities of vtsim.analysis.scorecard


class Constraint(Model):
    """No set of measures may raise a valuation criterion by more than ``max_increase`` at
    any target (mean per replication: per attack for harms and losses, per event day for
    burdens), e.g. ``{criterion: queueing, max_increase: 200}`` visitor-hours a day.

    ``{criterion: disparity, max_ratio: 1.5, of: harm}``: at no target may a set leave the
    worst-off group's rate (``harm``: casualties per person exposed; ``queue_burden``:
    queueing minutes per visitor) above ``max_ratio`` times everyone's while widening it
    compared with no measure (a gap already there is not the set's doing). Evaluated where
    the target's results have per-group columns (docs/people.md); where they do not, the
    roadmap says it cannot be evaluated there.
    """

    criterion: Identifier
    max_increase: float | None = Field(None, ge=0)
    max_ratio: float | None = Field(
        None, ge=1, description="disparity only: worst-off group's rate / everyone's, at most."
    )
    of: Literal["harm", "queue_burden"] | None = Field(
        None,
        description="disparity only: `harm` (casualties per person exposed, the default) or "
        "`queue_burden` (queueing minutes per visitor).",
    )

    @model_validator(mode="after")
    def _one_limit(self):
        if self.criterion == DISPARITY:
            if self.max_ratio is None or self.max_increase is not None:
                raise ValueError("a disparity constraint takes `max_ratio` (e.g. 1.5), only")
        else:
            if self.max_increase is None or self.max_ratio is not None:
                raise ValueError("give `max_increase` (`max_ratio` is for `criterion: disparity`)")
            if self.of is not None:
                raise ValueError("`of` is for `criterion: disparity`")
        return self

    @property
    def outcome(self) -> str:
        return self.of or "harm"

    def describe(self) -> str:
        if self.criterion == DISPARITY:
            what = {"harm": "casualties per person exposed", "queue_burden": "queueing per visitor"}
            return (
                f"Constraint: disparity of {what[self.outcome]} across groups (worst-off "
                f"group's rate / everyone's) at most {self.max_ratio:g} at any target, unless "
                "no wider than with no measure."
            )
        return (
            f"Constraint: {self.criterion} may rise by at most {self.max_increase:g} at any target."
        )


class Portfolio(Model):
    name: str
    description: str = ""
    currency: str = "EUR"
    budget: float | None = Field(None, gt=0, description="Annualised budget per year.")
    metric: str = Field(
        VALUED,
        description="Harm whose reduction is the gain: `valued` (harm, loss and burden, "
        "valued as in each target's valuation; weights are attacks a year) or an outcome "
        "column (e.g. casualties_total).",
    )
    constraints: list[Constraint] = Field(
        default_factory=list,
        description="Limits a set of measures must respect at every target, whatever its gain.",
    )
    replications: int = Field(100, ge=1)
    seed: int = Field(20261128, ge=0)
    exact_limit: int = Field(
        6, ge=0, description="Enumerate every subset when there are at most this many candidates."
    )
    targets: list[Target] = Field(min_length=1)
    candidates: list[Identifier | Candidate] = Field(min_length=1)
    resources: list[Resource] = Field(
        default_factory=list,
        description="Mobile resources the security game allocates across targets.",
    )
    attacker_gain: Literal["harm", "casualties"] = Field(
        "harm",
        description="What an attack is worth to the attacker in the security game: `harm` "
        "(the defender's loss: the valued harm, or `metric`) or `casualties` "
        "(casualties_total), times each target's `visibility`.",
    )


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
        # Where each candidate fits: skipped at a target it does not fit (not an error).
        self.fitting: list[set[str]] = []
        self.skipped: dict[str, dict[str, str]] = {}  # measure -> {target: why not there}
        for target, scenario in zip(portfolio.targets, scenarios):
            problems = {m: fit_problem(scenario, find_measure(scenario, m)) for m in self.ids}
            self.fitting.append({m for m, why in problems.items() if why is None})
            for m, why in problems.items():
                if why is not None:
                    self.skipped.setdefault(m, {})[target.name or target.scenario] = why
        for m, where in self.skipped.items():  # the roadmap shows it after the name
            note = f"{self.measures[m].name} [not at {', '.join(where)}: does not fit there]"
            self.measures[m] = self.measures[m].model_copy(update={"name": note})
        self._gain: dict[frozenset, float] = {frozenset(): 0.0}
        self.violations: dict[frozenset, list[str]] = {}  # constraints a set breaks
        self.not_evaluable: dict[str, list[str]] = {}  # constraint text -> targets, no groups
        self.by_threat: dict[frozenset, dict[tuple[str, str], float]] = {}  # gain by threat
        self.by_group: dict[frozenset, list[dict]] = {}  # disparity rows (targets with groups)
        self._baseline: list[float] | None = None
        self.evaluations = 0

    def scope(self, measure_id: str) -> str:
        cand = next(c for c in self.candidates if c.measure == measure_id)
        if cand.scope:
            return cand.scope
        pillar = self.measures[measure_id].pillar.value
        return "per_target" if pillar == "operational" else "national"

    def cost(self, measure_ids) -> float:
        """Annualised cost of a set of measures over the portfolio (per_target: at every
        target it fits)."""
        return sum(
            self.measures[m].cost.annualised()
            * (sum(m in here for here in self.fitting) if self.scope(m) == "per_target" else 1)
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
        for target, scenario, here in zip(self.portfolio.targets, self.scenarios, self.fitting):
            base = with_measures(scenario, [m for m in self.ids if m in here])
            if extra:
                added = {k: v for k, v in extra(scenario).items() if not fit_problem(scenario, v)}
                base = base.model_copy(update={"measures": [*base.measures, *added.values()]})
                here = here | set(added)
            applied = {s: sorted(s & here) for s in sets}  # skipped where they do not fit
            packages = {names[s]: applied[s] for s in sets if applied[s]}
            if not packages:
                continue
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
            disparities = _disparities(frame, sets, names, applied)
            if metric == VALUED or self.portfolio.constraints:
                from vtsim.analysis.valuation import resolve_valuation, valued

                rule = resolve_valuation(scenario)
                frame = valued(frame, rule)
                self._check(target, frame, rule, sets, names, applied, disparities)
            self._record_threats(target, frame, sets, names, applied)
            self._record_groups(target, scenario, disparities, sets, names, applied)
            if metric == VALUED:
                # a year at this target: weight (attacks a year) x harm and loss per attack,
                # plus the burden of every event day
                per = frame.groupby("package")[["valued_per_attack", "valued_burden_per_day"]]
                means = per.mean()
                harm = (
                    target.weight * means["valued_per_attack"]
                    + rule.event_days_per_year * means["valued_burden_per_day"]
                )
                for i, s in enumerate(sets):
                    if applied[s]:
                        total[i] += float(harm["baseline"] - harm[names[s]])
                self.evaluations += len(packages)
                continue
            if metric not in frame:
                raise VtsimError(
                    f"Portfolio '{self.portfolio.name}': metric '{metric}' is not an outcome "
                    f"of scenario '{scenario.name}'."
                )
            means = frame.groupby("package")[metric].mean()
            for i, s in enumerate(sets):
                if applied[s]:
                    total[i] += target.weight * (means["baseline"] - means[names[s]])
            self.evaluations += len(packages)
        return total

    def _record_threats(self, target, frame, sets, names, applied) -> None:
        """Each set's gain at this target split by the threat the replications played:
        the threats' shares add up to the target's gain (burdens, which fall on every
        event day whatever the threat, are not split)."""
        column = "valued_per_attack" if self.portfolio.metric == VALUED else self.portfolio.metric
        if column not in frame:
            return
        base = frame[frame["package"] == "baseline"].set_index("replication")
        n = len(base)
        for s in sets:
            if not applied[s]:
                continue
            mine = frame[frame["package"] == names[s]].set_index("replication")
            delta = (base[column] - mine[column]).fillna(0.0)
            for threat, part in delta.groupby(base["threat"]):
                key = (target.name or target.scenario, str(threat))
                self.by_threat.setdefault(s, {})[key] = target.weight * float(part.sum()) / n

    def _record_groups(self, target, scenario, found, sets, names, applied) -> None:
        """At a target whose crowd has population groups: each set's disparity (the
        worst-off group's rate over everyone's, :func:`_disparities`) with its interval
        and its paired change against no measure there, flagged when it widens."""
        from vtsim.analysis.groups import group_names

        if found.empty:
            return
        who = group_names(scenario)
        for s in (s for s in sets if applied[s]):
            for r in found[found["package"] == names[s]].to_dict(orient="records"):
                r = {k: v for k, v in r.items() if k != "package"}
                r["worst_group_name"] = who.get(r["worst_group"], r["worst_group"])
                self.by_group.setdefault(s, []).append(
                    {"target": target.name or target.scenario, **r}
                )

    def _check(self, target, frame, rule, sets, names, applied, disparities=None) -> None:
        """Record the constraints each set breaks at this target (``disparities``: from
        :func:`_disparities`, computed from ``frame`` when not given)."""
        if disparities is None:
            disparities = _disparities(frame, sets, names, applied)
        for c in self.portfolio.constraints:
            if c.criterion == DISPARITY:
                self._check_disparity(c, target, disparities, sets, names, applied)
                continue
            column = f"q_{c.criterion}"
            if column not in frame:
                known = ", ".join(x.id for x in rule.criteria)
                raise VtsimError(
                    f"Portfolio '{self.portfolio.name}': constraint on '{c.criterion}', which "
                    f"is not a criterion of the valuation of '{target.name or target.scenario}'"
                    f" with outcomes there (criteria: {known})."
                )
            means = frame.groupby("package")[column].mean()
            for s in sets:
                if not applied[s]:
                    continue
                rise = float(means[names[s]] - means["baseline"])
                if c.max_increase is not None and rise > c.max_increase:
                    self.violations.setdefault(s, []).append(
                        f"{c.criterion} +{rise:.3g} at {target.name or target.scenario} "
                        f"(limit +{c.max_increase:g})"
                    )

    def _check_disparity(self, c, target, found, sets, names, applied) -> None:
        """Record the sets that leave the worst-off group's rate above ``max_ratio`` times
        everyone's and wider than the baseline's; or that this target cannot be evaluated."""
        where = target.name or target.scenario
        rows = found[found["measure"] == c.outcome] if not found.empty else found
        if rows.empty:  # no groups declared there: not evaluable (said, not an error)
            missing = self.not_evaluable.setdefault(c.describe(), [])
            if where not in missing:
                missing.append(where)
            return
        by_package = rows.set_index("package")
        for s in sets:
            if not applied[s] or names[s] not in by_package.index:
                continue
            r = by_package.loc[names[s]]
            ratio, before = float(r["value"]), float(r["baseline"])
            if c.max_ratio is not None and ratio > c.max_ratio and not ratio <= before:
                self.violations.setdefault(s, []).append(
                    f"disparity ({c.outcome}) {ratio:.3g} at {where} (worst off: "
                    f"{r['worst_group']}; {before:.3g} with no measure; limit {c.max_ratio:g})"
                )

    def allowed(self, sets: list[frozenset]) -> list[bool]:
        """Whether each set (already evaluated) respects every constraint."""
        return [not self.violations.get(s) for s in sets]


def _disparities(frame, sets, names, applied):
    """Each applied set's disparities at one target (the rows of
    :func:`vtsim.analysis.groups.group_disparity`: the worst-off group's rate over
    everyone's, its interval, the baseline's and the paired change); empty without
    population groups. Computed once, for the roadmap's view and its constraints."""
    import pandas as pd

    from vtsim.analysis.groups import group_disparity, group_ids

    if not group_ids(frame):
        return pd.DataFrame()
    mine = [names[s] for s in sets if applied[s]]
    return group_disparity(frame, ["baseline", *mine])
