"""A budgeted roadmap across a portfolio of targets: ``vtsim.roadmap()``.

Candidate measures are ranked by marginal benefit per cost across the portfolio
(see :mod:`vtsim.analysis.portfolio` for gain and cost). Two methods:

- greedy: start from nothing; at each step simulate every affordable candidate
  added to what is chosen, and take the one with the largest marginal gain per
  cost; stop when nothing affordable adds a positive gain. Interactions
  (two measures acting on the same attack) are simulated, not assumed additive.
- exact: when there are at most ``exact_limit`` candidates, simulate every
  affordable subset and take the one with the largest gain; the roadmap then
  orders its measures by the greedy rule inside the best subset.

The roadmap table is grouped by pillar and phase, the way national action plans
are written, with the expected gain of each step.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from vtsim.analysis.portfolio import VALUED, Portfolio, PortfolioModel, load_portfolio
from vtsim.errors import VtsimError

if TYPE_CHECKING:  # imported when asked for (roadmap(..., sensitivity=True))
    from vtsim.analysis.sensitivity import Sensitivity

PILLAR_ORDER = ("legislative", "institutional", "operational")
PHASE_ORDER = ("prevent", "protect", "mitigate", "respond", "recover")


def roadmap(
    portfolio: str | Path | Portfolio,
    budget: float | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = 1,
    *,
    method: str = "auto",
    sensitivity: bool = False,
    scenarios=None,
    progress: bool | None = None,
) -> Roadmap:
    """Rank candidate measures across a portfolio under a yearly budget.

    ``method``: ``greedy``, ``exact`` or ``auto`` (exact when the candidates are
    few enough, per the portfolio's ``exact_limit``). ``sensitivity``: also vary
    every measure's effects by +/-50 % (see :mod:`vtsim.analysis.sensitivity`).
    """
    if isinstance(portfolio, Portfolio):
        if scenarios is None:
            raise VtsimError("Give the portfolio's loaded scenarios with `scenarios=`.")
    else:
        portfolio, scenarios = load_portfolio(portfolio)
    budget = budget if budget is not None else portfolio.budget
    if budget is None or budget <= 0:
        raise VtsimError(
            f"Portfolio '{portfolio.name}': give a positive yearly budget (--budget) or set "
            "`budget` in the portfolio file."
        )
    if method not in {"auto", "greedy", "exact"}:
        raise VtsimError(f"method must be auto, greedy or exact; got '{method}'.")
    model = PortfolioModel(
        portfolio, scenarios, replications=replications, seed=seed, jobs=jobs, progress=progress
    )
    exact = method == "exact" or (method == "auto" and len(model.ids) <= portfolio.exact_limit)
    chosen = _exact(model, budget) if exact else None
    steps = _greedy(model, budget, within=chosen)
    result = Roadmap(model, budget, steps, "exact" if exact else "greedy")
    if sensitivity:
        from vtsim.analysis.sensitivity import ranking_sensitivity

        result.sensitivity = ranking_sensitivity(model)
    return result


def _greedy(model: PortfolioModel, budget: float, within: frozenset | None = None) -> list[dict]:
    pool = list(within) if within is not None else list(model.ids)
    pool = [m for m in model.ids if m in pool]  # keep the portfolio's order for ties
    chosen: frozenset = frozenset()
    gain = 0.0
    steps: list[dict] = []
    while True:
        spent = model.cost(chosen)
        options = [m for m in pool if m not in chosen and spent + model.cost([m]) <= budget]
        if not options:
            break
        sets = [chosen | {m} for m in options]
        gains = model.gains(sets)
        best, best_ratio = None, 0.0
        for m, g, ok in zip(options, gains, model.allowed(sets)):
            if not ok:  # breaks a constraint of the portfolio
                continue
            cost = model.cost([m])
            marginal = g - gain
            ratio = marginal / cost if cost > 0 else (math.inf if marginal > 0 else 0.0)
            if marginal > 1e-12 and ratio > best_ratio:
                best, best_ratio = m, ratio
        if best is None:
            break
        chosen = chosen | {best}
        new_gain = model.gains([chosen])[0]
        steps.append(_step(model, len(steps) + 1, best, new_gain - gain, new_gain, chosen))
        gain = new_gain
    return steps


def _exact(model: PortfolioModel, budget: float) -> frozenset:
    subsets = [
        frozenset(c)
        for k in range(1, len(model.ids) + 1)
        for c in itertools.combinations(model.ids, k)
        if model.cost(c) <= budget
    ]
    if not subsets:
        return frozenset()
    gains = model.gains(subsets)
    ok = model.allowed(subsets)
    gains = [g if allowed else -math.inf for g, allowed in zip(gains, ok)]
    best = max(range(len(subsets)), key=lambda i: (gains[i] > 1e-12, gains[i], -len(subsets[i])))
    return subsets[best] if gains[best] > 1e-12 else frozenset()


def _gain(value: float, portfolio: Portfolio) -> str:
    if portfolio.metric == VALUED:
        return f"{value:+,.0f} {portfolio.currency}/yr"
    return f"{value:+.2f}"


def _constraint_lines(portfolio: Portfolio, model: PortfolioModel) -> list[str]:
    """Each constraint in words, then where it could not be evaluated (no groups there)."""
    lines = []
    for c in portfolio.constraints:
        lines.append(c.describe())
        where = model.not_evaluable.get(c.describe())
        if where:
            lines.append(
                f"  Cannot be evaluated at {', '.join(where)}: no per-group results there "
                "(the scenario declares no groups in its crowd; see docs/people.md)."
            )
    return lines


def _rights_text(measure) -> str:
    """``privacy [ctitf-stop-search-2014], non-discrimination [srct-profiling-2007]``."""
    seen: dict[str, list[str]] = {}
    for r in getattr(measure, "rights", ()):
        sources = seen.setdefault(RIGHT_WORDS.get(r.right.value, r.right.value), [])
        if r.source not in sources:
            sources.append(r.source)
    return ", ".join(f"{right} [{', '.join(src)}]" for right, src in seen.items())


RIGHT_WORDS = {
    "privacy": "privacy",
    "non_discrimination": "non-discrimination",
    "freedom_of_assembly": "freedom of assembly",
    "freedom_of_religion": "freedom of religion",
    "freedom_of_movement": "freedom of movement",
    "freedom_of_expression": "freedom of expression",
    "liberty_and_security": "liberty and security",
    "effective_remedy": "effective remedy",
    "rights_of_persons_with_disabilities": "rights of persons with disabilities",
}


def _group_lines(found: pd.DataFrame) -> list[str]:
    """Who bears the harm and the burden as the roadmap goes on: per target with groups,
    each disparity after the first and the last step, and every step that widens one."""
    if found.empty:
        return []
    lines = [
        "Disparity across population groups (worst-off group's rate over everyone's, "
        "95 % interval; 1 = no group worse off than the average person):"
    ]
    last = found["step"].max()
    for (target, label), rows in found.groupby(["target", "label"], sort=False):
        rows = rows.sort_values("step")
        first = rows.iloc[0]
        end = rows[rows["step"] == last].iloc[0] if (rows["step"] == last).any() else rows.iloc[-1]
        lines.append(
            f"  {target}, {label}: {first['baseline']:.3g} with no measure; "
            f"{end['value']:.3g} [{end['lo']:.3g}, {end['hi']:.3g}] after step {end['step']} "
            f"(worst off: {end['worst_group_name']})"
        )
        for _, r in rows[rows["worse"].astype(bool)].iterrows():
            lines.append(
                f"    WIDENED after step {r['step']} ({r['measure']}): {r['value']:.3g} "
                f"(worst off: {r['worst_group_name']}), change {r['diff']:+.3g} "
                f"[{r['diff_lo']:+.3g}, {r['diff_hi']:+.3g}]"
            )
    return lines


def _step(model, number, measure_id, marginal, cumulative, chosen) -> dict:
    m = model.measures[measure_id]
    cost = model.cost([measure_id])
    return {
        "step": number,
        "measure": measure_id,
        "name": m.name,
        "pillar": m.pillar.value,
        "phase": m.phase.value,
        "scope": model.scope(measure_id),
        "cost_annualised": cost,
        "cumulative_cost": model.cost(chosen),
        "gain": marginal,
        "cumulative_gain": cumulative,
        "gain_per_million": 1e6 * marginal / cost if cost else math.inf,
        "rights": "; ".join(dict.fromkeys(r.right.value for r in m.rights)),
    }


@dataclass
class Roadmap:
    """A budgeted sequence of measures; ``frame`` has one row per step."""

    model: PortfolioModel
    budget: float
    steps: list[dict]
    method: str
    sensitivity: Sensitivity | None = None
    _frame: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def portfolio(self) -> Portfolio:
        return self.model.portfolio

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            cols = [
                "step",
                "measure",
                "name",
                "pillar",
                "phase",
                "scope",
                "cost_annualised",
                "cumulative_cost",
                "gain",
                "cumulative_gain",
                "gain_per_million",
                "rights",
            ]
            self._frame = pd.DataFrame(self.steps, columns=cols)
        return self._frame

    @property
    def by_threat(self) -> pd.DataFrame:
        """Each step's cumulative gain split by target and threat (harm and loss; burdens
        are not split): where the protection goes, and any threat a step makes worse."""
        rows = []
        chosen: frozenset = frozenset()
        for step in self.steps:
            chosen = chosen | {step["measure"]}
            for (target, threat), gain in sorted(self.model.by_threat.get(chosen, {}).items()):
                rows.append(
                    {
                        "step": step["step"],
                        "measure": step["measure"],
                        "target": target,
                        "threat": threat,
                        "cumulative_gain": gain,
                    }
                )
        return pd.DataFrame(
            rows, columns=["step", "measure", "target", "threat", "cumulative_gain"]
        )

    @property
    def by_group(self) -> pd.DataFrame:
        """After each step (the measures so far), at every target whose crowd has population
        groups: each disparity (the worst-off group's rate over everyone's, with its 95 %
        interval), its value with no measure, the paired change and ``worse`` when the step
        distinguishably widens it (docs/people.md). Empty when no target has groups."""
        cols = [
            "step",
            "measure",
            "target",
            "measure_of_disparity",
            "label",
            "worst_group",
            "worst_group_name",
            "value",
            "lo",
            "hi",
            "baseline",
            "diff",
            "diff_lo",
            "diff_hi",
            "worse",
        ]
        rows = []
        chosen: frozenset = frozenset()
        for step in self.steps:
            chosen = chosen | {step["measure"]}
            for r in self.model.by_group.get(chosen, []):
                rows.append(
                    {
                        **{k: v for k, v in r.items() if k != "measure"},
                        "step": step["step"],
                        "measure": step["measure"],
                        "measure_of_disparity": r["measure"],
                    }
                )
        return pd.DataFrame(rows, columns=cols)

    def table(self) -> pd.DataFrame:
        """The roadmap grouped by pillar, then phase (action-plan order)."""
        f = self.frame.copy()
        f["pillar"] = pd.Categorical(f["pillar"], PILLAR_ORDER, ordered=True)
        f["phase"] = pd.Categorical(f["phase"], PHASE_ORDER, ordered=True)
        return f.sort_values(["pillar", "phase", "step"]).reset_index(drop=True)

    def text(self) -> str:
        p, cur = self.portfolio, self.portfolio.currency
        m = self.model
        lines = [
            f"{p.name}: roadmap under {self.budget:,.0f} {cur} per year "
            f"({self.method}; {m.replications} replications per target, seed {m.seed}, "
            f"{len(m.scenarios)} targets, {len(m.ids)} candidates)",
            (
                f"Gain: {cur} a year of harm, loss and burden avoided, valued (each target's "
                "valuation; weights are attacks a year), summed over the targets "
                "(simulated together, interactions included)."
                if p.metric == VALUED
                else f"Gain: reduction of the mean `{p.metric}` per attack attempted, weighted "
                "and summed over the targets (simulated together, interactions included)."
            ),
            *_constraint_lines(p, m),
            *(
                f"Not applied at {', '.join(where)}: {mid} (does not fit there)"
                for mid, where in m.skipped.items()
            ),
            "",
        ]
        if not self.steps:
            lines.append("No affordable candidate reduces the expected harm: nothing to fund.")
            return "\n".join(lines) + "\n"
        for pillar, block in self.table().groupby("pillar", observed=True, sort=False):
            lines.append(f"{str(pillar).upper()}")
            for phase, rows in block.groupby("phase", observed=True, sort=False):
                lines.append(f"  {phase}")
                for _, r in rows.iterrows():
                    lines.append(
                        f"    step {r['step']}: {r['name']} ({r['measure']}, {r['scope']}) "
                        f"{r['cost_annualised']:,.0f} {cur}/yr, gain {_gain(r['gain'], p)}"
                    )
                    rights = _rights_text(m.measures[r["measure"]])
                    if rights:
                        lines.append(f"      rights engaged: {rights}")
        last = self.frame.iloc[-1]
        lines += [
            "",
            "In order: " + " -> ".join(self.frame["measure"]),
            f"Total {last['cumulative_cost']:,.0f} {cur}/yr of {self.budget:,.0f}; "
            f"expected gain {_gain(last['cumulative_gain'], p)}.",
        ]
        worse = self.by_threat
        worse = worse[worse["cumulative_gain"] < 0] if not worse.empty else worse
        for _, r in worse.iterrows():
            lines.append(
                f"Side effect after step {r['step']} ({r['measure']}): {r['target']}, "
                f"{r['threat']} {_gain(r['cumulative_gain'], p)}"
            )
        lines += _group_lines(self.by_group)
        if any(m.measures[mid].rights for mid in self.frame["measure"]):
            lines.append(
                "Rights engaged: concerns to weigh, with their sources (the measure catalogue's "
                "`sources`); whether a measure is lawful, necessary and proportionate is a legal "
                "judgement the simulation does not make (docs/people.md)."
            )
        if self.sensitivity is not None:
            lines += ["", self.sensitivity.text()]
        return "\n".join(lines) + "\n"

    def _repr_html_(self) -> str:
        fmt = {"float_format": lambda x: f"{x:,.3g}", "index": False}
        html = (
            f"<h4>{self.portfolio.name}: roadmap under {self.budget:,.0f} "
            f"{self.portfolio.currency}/year ({self.method})</h4>" + self.table().to_html(**fmt)
        )
        if self.sensitivity is not None:
            html += "<h5>Sensitivity (+/-50 % on each effect)</h5>" + self.sensitivity._repr_html_()
        return html
