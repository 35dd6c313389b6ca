"""An adaptive attacker across a portfolio: the security game's payoffs from the simulation.

:mod:`vtsim.analysis.games` solves a Stackelberg security game whose payoffs are given;
this module computes them. For every target of a portfolio its scenario is run twice on
common random numbers (one run, the same seed and replications, as the roadmap does):
*not protected* (the measures in place) and *protected* (the same plus a mobile
resource's measures, e.g. a patrol team, or a declared package). Per replication:

- the defender's loss is the harm per attack attempted: the valued harm and loss
  (``valued_per_attack``, each target's valuation) when the portfolio's ``metric`` is
  ``valued``, else that outcome column (e.g. ``casualties_total``); burdens of event
  days are left out (they do not depend on where the attack goes);
- the attacker's gain is the portfolio's ``attacker_gain``: ``harm`` (the same loss) or
  ``casualties`` (``casualties_total``), times the target's ``visibility``.

A target's payoff row is the mean over replications of
``(-loss_covered, -loss_uncovered, gain_covered, gain_uncovered)``. Intervals are carried
through to the equilibrium by a paired bootstrap: the replications of each target are
resampled (the same draws for the protected and the unprotected run, and for every plan
compared, from the named stream ``adversary-bootstrap`` of the seed) and the game is
solved again on each resample, giving percentile intervals on the coverage, the
defender's expected loss and the attacker's choice frequencies.

:func:`security_game` is ``vtsim games``; :func:`adaptive_roadmap` is
``vtsim roadmap --adversary adaptive``: the static roadmap's steps evaluated against an
attacker who sees where protection is, and a roadmap chosen against that attacker.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vtsim.analysis import games
from vtsim.analysis.portfolio import VALUED, Portfolio, PortfolioModel, load_portfolio
from vtsim.errors import VtsimError
from vtsim.model.streams import Streams

BOOTSTRAP = 200
"""Resamples of the replications for the intervals (paired, fixed stream)."""

LEVEL = 0.95


# --- the model: per-replication outcomes of every target, protected and not ----------


class AdversaryModel:
    """Per-replication loss and gain at every target, with and without protection, for
    sets of the portfolio's candidate measures in place (cached).

    ``protection``: a resource id of the portfolio (default: its first resource) or a list
    of measure ids (a declared package, one unit). ``resources``: how many units (default:
    the resource's ``count``).
    """

    def __init__(self, model: PortfolioModel, *, protection=None, resources=None):
        self.model = model
        portfolio = model.portfolio
        self.portfolio = portfolio
        declared = {r.id: r for r in portfolio.resources}
        if protection is None:
            if not portfolio.resources:
                raise VtsimError(
                    f"Portfolio '{portfolio.name}' declares no mobile resource: add e.g. "
                    "`resources: [{id: patrol-team, measures: [armed-patrols-nearby], "
                    "count: 1}]` to it, or name the measures that protect a target."
                )
            protection = portfolio.resources[0].id
        if isinstance(protection, str):
            if protection not in declared:
                known = ", ".join(declared) or "none"
                raise VtsimError(
                    f"Portfolio '{portfolio.name}' has no resource '{protection}' "
                    f"(resources: {known})."
                )
            resource = declared[protection]
            self.protection = list(resource.measures)
            self.label = resource.name or resource.id
            count = resource.count
        else:
            self.protection = list(protection)
            if not self.protection:
                raise VtsimError("Name at least one measure that protects a target.")
            self.label = " + ".join(self.protection)
            count = 1
        if resources is not None:
            if isinstance(resources, bool) or int(resources) != resources or resources < 0:
                raise VtsimError(f"resources must be a whole number >= 0; got {resources!r}.")
            count = int(resources)
        self.resources = count
        from vtsim.scenario.catalogue import find_measure, fit_problem

        self.fitting: list[set[str]] = []
        for scenario in model.scenarios:
            here = {
                m
                for m in self.protection
                if fit_problem(scenario, find_measure(scenario, m)) is None
            }
            self.fitting.append(here)
        self.names = [t.name or t.scenario for t in portfolio.targets]
        self.weights = np.array([t.weight for t in portfolio.targets], dtype=float)
        self.visibility = np.array([t.visibility for t in portfolio.targets], dtype=float)
        self._cache: dict[frozenset, np.ndarray] = {}

    @property
    def replications(self) -> int:
        return self.model.replications

    @property
    def seed(self) -> int:
        return self.model.seed

    def outcomes(self, sets) -> list[np.ndarray]:
        """For each set of measures in place, an array (targets, replications, 4):
        loss covered, loss uncovered, gain covered, gain uncovered, per replication."""
        sets = [frozenset(s) for s in sets]
        todo = [s for s in dict.fromkeys(sets) if s not in self._cache]
        if todo:
            self._evaluate(todo)
        return [self._cache[s] for s in sets]

    def _evaluate(self, sets: list[frozenset]) -> None:
        from vtsim.analysis.runner import run
        from vtsim.scenario.catalogue import with_measures

        model, portfolio = self.model, self.portfolio
        metric = portfolio.metric
        out = {s: np.zeros((len(self.names), self.replications, 4)) for s in sets}
        checked = [s for s in sets if s and s not in model._gain]  # constraints not yet known
        for t, (target, scenario, here, protect) in enumerate(
            zip(portfolio.targets, model.scenarios, model.fitting, self.fitting)
        ):
            placed = {s: sorted(s & here) for s in sets}
            needed = sorted(set().union(*placed.values()) | protect)
            base = with_measures(scenario, needed)
            packages: dict[str, list[str]] = {}
            names: dict[frozenset, tuple[str, str]] = {}
            for i, s in enumerate(sets):
                uncovered, covered = placed[s], sorted(set(placed[s]) | protect)
                names[s] = (
                    f"c{i}" if covered else "baseline",
                    f"u{i}" if uncovered else "baseline",
                )
                if covered:
                    packages[f"c{i}"] = covered
                if uncovered:
                    packages[f"u{i}"] = uncovered
            variant = with_measures(base, [], packages) if packages else base
            frame = run(
                variant,
                replications=self.replications,
                seed=self.seed,
                jobs=model.jobs,
                packages=["baseline", *packages],
                progress=model.progress,
            ).frame
            if metric == VALUED or portfolio.constraints:
                from vtsim.analysis.valuation import resolve_valuation, valued

                rule = resolve_valuation(scenario)
                frame = valued(frame, rule)
                if checked and portfolio.constraints:
                    model._check(
                        target,
                        frame,
                        rule,
                        checked,
                        {s: names[s][1] for s in checked},
                        {s: placed[s] for s in checked},
                    )
            loss_column = "valued_per_attack" if metric == VALUED else metric
            gain_column = loss_column if portfolio.attacker_gain == "harm" else "casualties_total"
            for column in (loss_column, gain_column):
                if column not in frame:
                    raise VtsimError(
                        f"Portfolio '{portfolio.name}': '{column}' is not an outcome of "
                        f"scenario '{scenario.name}'."
                    )
            loss = frame.pivot(index="replication", columns="package", values=loss_column)
            gain = frame.pivot(index="replication", columns="package", values=gain_column)
            loss, gain = loss.fillna(0.0), gain.fillna(0.0)
            for s in sets:
                covered, uncovered = names[s]
                out[s][t, :, 0] = loss[covered].to_numpy()
                out[s][t, :, 1] = loss[uncovered].to_numpy()
                out[s][t, :, 2] = gain[covered].to_numpy() * self.visibility[t]
                out[s][t, :, 3] = gain[uncovered].to_numpy() * self.visibility[t]
        for s in sets:
            self._cache[s] = out[s]


# --- from outcomes to a game ---------------------------------------------------------


def payoff_table(outcomes: np.ndarray, draws: np.ndarray | None = None) -> np.ndarray:
    """The game's payoff rows (targets x 4) from per-replication outcomes: the mean of
    ``(-loss_covered, -loss_uncovered, gain_covered, gain_uncovered)``; ``draws`` (targets x
    replications indices) resamples each target's replications, paired across columns."""
    if draws is not None:
        outcomes = np.take_along_axis(outcomes, draws[:, :, None], axis=1)
    mean = outcomes.mean(axis=1)
    return np.column_stack([-mean[:, 0], -mean[:, 1], mean[:, 2], mean[:, 3]])


def static_coverage(table: np.ndarray, weights: np.ndarray, resources: int) -> np.ndarray:
    """Where a planner who ignores the attacker's choice puts the resources: one unit at
    each of the targets where it avoids the most weighted loss (attacks spread by weight),
    as long as it avoids some."""
    avoided = weights * (table[:, 0] - table[:, 1])
    coverage = np.zeros(len(table))
    for t in np.argsort(-avoided, kind="stable")[:resources]:
        if avoided[t] > 0:
            coverage[t] = 1.0
    return coverage


@dataclass(frozen=True)
class Response:
    """An allocation evaluated against an attacker: ``coverage``, the attacker's choice
    (``probabilities`` over targets: one-hot for a best response), the defender's expected
    ``loss`` per attack and each target's loss if attacked (``losses``)."""

    coverage: np.ndarray
    probabilities: np.ndarray
    loss: float
    losses: np.ndarray

    @property
    def target(self) -> int:
        return int(np.argmax(self.probabilities))


def respond(table: np.ndarray, coverage: np.ndarray, lam: float | None = None) -> Response:
    """The attacker's answer to ``coverage``: its best response (ties in the defender's
    favour) or, with ``lam``, a quantal response."""
    defender, attacker = games.utilities(coverage, table)
    if lam is None:
        q = np.zeros(len(table))
        q[games.attacker_best_response(coverage, table)] = 1.0
    else:
        z = np.exp(lam * (attacker - attacker.max()))
        q = z / z.sum()
    return Response(np.asarray(coverage, float), q, float(-(q @ defender)), -defender)


def solve(table: np.ndarray, resources: int, lam: float | None = None) -> Response:
    """The defender's best coverage against an adaptive attacker: the strong Stackelberg
    equilibrium, or the best coverage against a quantal-response attacker (``lam``)."""
    if lam is None:
        e = games.strong_stackelberg(table, resources)
        coverage = np.asarray(e.coverage, dtype=float)
        q = np.zeros(len(table))
        q[e.target] = 1.0
        defender, _ = games.utilities(coverage, table)
        return Response(coverage, q, -e.defender_utility, -defender)
    r = games.quantal_response(table, resources, lam)
    defender, _ = games.utilities(r.coverage, table)
    return Response(
        np.asarray(r.coverage, float),
        np.asarray(r.attack_probabilities),
        -r.defender_utility,
        -defender,
    )


def _draws(seed: int, targets: int, replications: int, b: int) -> np.ndarray:
    rng = Streams(seed, 0).get("adversary-bootstrap", targets, replications)
    return rng.integers(0, replications, size=(b, targets, replications))


def _interval(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    tail = 100 * (1 - LEVEL) / 2
    return np.percentile(samples, tail, axis=0), np.percentile(samples, 100 - tail, axis=0)


# --- vtsim games ---------------------------------------------------------------------


@dataclass
class SecurityGame:
    """The game across a portfolio's targets with payoffs from the simulation.

    ``table``: payoff rows (mean over replications); ``response``: the equilibrium (strong
    Stackelberg, or against a quantal-response attacker with ``lam``); ``frame``: one row per
    target with payoffs, coverage and the attacker's choice, each with its interval.
    """

    adversary: AdversaryModel
    outcomes: np.ndarray
    lam: float | None
    bootstrap: int
    table: np.ndarray = field(init=False)
    response: Response = field(init=False)
    frame: pd.DataFrame = field(init=False)
    loss_interval: tuple[float, float] = field(init=False)

    def __post_init__(self):
        a = self.adversary
        self.table = payoff_table(self.outcomes)
        self.response = solve(self.table, a.resources, self.lam)
        tables, coverage, choice, loss = [], [], [], []
        if self.bootstrap:
            for draws in _draws(a.seed, len(a.names), a.replications, self.bootstrap):
                table = payoff_table(self.outcomes, draws)
                r = solve(table, a.resources, self.lam)
                tables.append(table)
                coverage.append(r.coverage)
                choice.append(r.probabilities)
                loss.append(r.loss)
        else:  # no resampling: the intervals are the point
            tables, coverage = [self.table], [self.response.coverage]
            choice, loss = [self.response.probabilities], [self.response.loss]
        t_lo, t_hi = _interval(np.array(tables))
        c_lo, c_hi = _interval(np.array(coverage))
        l_lo, l_hi = _interval(np.array(loss))
        self.loss_interval = (float(l_lo), float(l_hi))
        rows = []
        for t, name in enumerate(a.names):
            row = {"target": name, "weight": a.weights[t], "visibility": a.visibility[t]}
            for j, column in enumerate(games.COLUMNS):
                row[column] = self.table[t, j]
                row[f"{column}_lo"] = t_lo[t, j]
                row[f"{column}_hi"] = t_hi[t, j]
            row.update(
                coverage=self.response.coverage[t],
                coverage_lo=c_lo[t],
                coverage_hi=c_hi[t],
                attack_probability=self.response.probabilities[t],
                attack_frequency=float(np.mean([c[t] for c in choice])),
                loss_if_attacked=self.response.losses[t],
            )
            rows.append(row)
        self.frame = pd.DataFrame(rows)

    @property
    def portfolio(self) -> Portfolio:
        return self.adversary.portfolio

    def text(self) -> str:
        a, p = self.adversary, self.portfolio
        unit = _unit(p)
        r = self.response
        who = (
            "a best-responding attacker (strong Stackelberg equilibrium)"
            if self.lam is None
            else f"a quantal-response attacker (lambda {self.lam:g} per unit of its gain)"
        )
        lines = [
            f"{p.name}: where {a.resources} x {a.label} should be, against {who}",
            f"({a.replications} replications per target, seed {a.seed}; intervals: "
            f"{LEVEL:.0%}, {self.bootstrap} paired resamples of the replications)",
            f"Payoffs per attack: the defender's loss is {_loss_words(p)}; the attacker's "
            f"gain is {_gain_words(p)}.",
            "",
        ]
        f = self.frame
        width = max(len(n) for n in f["target"])
        for _, row in f.iterrows():
            lines.append(
                f"{row['target']:<{width}}  loss protected {_num(-row['defender_covered'])} "
                f"[{_num(-row['defender_covered_hi'])}, {_num(-row['defender_covered_lo'])}], "
                f"not protected {_num(-row['defender_uncovered'])} "
                f"[{_num(-row['defender_uncovered_hi'])}, {_num(-row['defender_uncovered_lo'])}]"
            )
            lines.append(
                f"{'':<{width}}  attacker's gain protected {_num(row['attacker_covered'])}, "
                f"not protected {_num(row['attacker_uncovered'])}"
            )
            lines.append(
                f"{'':<{width}}  coverage {row['coverage']:.2f} "
                f"[{row['coverage_lo']:.2f}, {row['coverage_hi']:.2f}]; attacked with "
                f"probability {row['attack_probability']:.2f} (chosen in "
                f"{row['attack_frequency']:.0%} of resamples)"
            )
        lo, hi = self.loss_interval
        lines += [
            "",
            f"The attacker chooses {a.names[r.target]}; the defender expects a loss of "
            f"{_num(r.loss)} {unit} per attack [{_num(lo)}, {_num(hi)}].",
        ]
        return "\n".join(lines) + "\n"


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.2f}"


def _unit(p: Portfolio) -> str:
    return p.currency if p.metric == VALUED else p.metric


def _loss_words(p: Portfolio) -> str:
    if p.metric == VALUED:
        return f"the valued harm and loss ({p.currency}, each target's valuation)"
    return f"the mean {p.metric}"


def _gain_words(p: Portfolio) -> str:
    base = "the same harm" if p.attacker_gain == "harm" else "the casualties"
    if any(t.visibility != 1 for t in p.targets):
        return base + " times each target's visibility"
    return base


def _load(portfolio, scenarios) -> tuple[Portfolio, list]:
    if isinstance(portfolio, Portfolio):
        if scenarios is None:
            raise VtsimError("Give the portfolio's loaded scenarios with `scenarios=`.")
        return portfolio, scenarios
    return load_portfolio(portfolio)


def security_game(
    portfolio: str | Path | Portfolio,
    resources: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = 1,
    *,
    measures=(),
    protection=None,
    lam: float | None = None,
    bootstrap: int = BOOTSTRAP,
    scenarios=None,
    progress: bool | None = None,
) -> SecurityGame:
    """The security game across the portfolio's targets, with payoffs from the simulation.

    ``measures``: candidate measures in place at every target (both runs); ``protection``:
    a resource id of the portfolio (default: its first) or a list of measure ids;
    ``resources``: units (default: the resource's count); ``lam``: a quantal-response
    attacker instead of a best-responding one; ``bootstrap``: resamples for the intervals.
    """
    portfolio, scenarios = _load(portfolio, scenarios)
    model = PortfolioModel(
        portfolio, scenarios, replications=replications, seed=seed, jobs=jobs, progress=progress
    )
    unknown = [m for m in measures if m not in model.ids]
    if unknown:
        raise VtsimError(
            f"'{unknown[0]}' is not a candidate measure of portfolio '{portfolio.name}' "
            f"(candidates: {', '.join(model.ids)})."
        )
    adversary = AdversaryModel(model, protection=protection, resources=resources)
    (outcomes,) = adversary.outcomes([frozenset(measures)])
    return SecurityGame(adversary, outcomes, lam, bootstrap)


# --- vtsim roadmap --adversary adaptive ----------------------------------------------


@dataclass
class AdaptiveRoadmap:
    """The static roadmap and one chosen against an attacker who sees where protection is.

    ``steps``: one row per step of each plan (``plan``: static or adaptive) with the loss
    per attack expected when attacks spread by weight (what the static roadmap assumes), when
    the attacker adapts to the resources placed by weight (``adaptive_loss_static_resources``)
    and with the resources placed by the game (``adaptive_loss``), and the target attacked.
    ``targets``: for each plan's last step, each target's coverage and loss if attacked.
    ``summary``: the attacker's target without protection, against each plan, each plan's
    loss against an adaptive attacker and the saving, with paired intervals.
    """

    static: object  # vtsim.analysis.roadmap.Roadmap
    adversary: AdversaryModel
    budget: float
    adaptive_measures: list[str]
    steps: pd.DataFrame
    targets: pd.DataFrame
    summary: dict

    @property
    def portfolio(self) -> Portfolio:
        return self.adversary.portfolio

    def text(self) -> str:
        a, p, s = self.adversary, self.portfolio, self.summary
        unit = _unit(p)
        model = a.model
        lines = [
            f"{p.name}: static and adaptive roadmaps under {self.budget:,.0f} {p.currency} per "
            f"year, against an attacker who sees where protection is",
            f"({a.replications} replications per target, seed {a.seed}; {a.resources} x "
            f"{a.label} moving across {len(a.names)} targets, beside the measures; intervals "
            f"{LEVEL:.0%} from {BOOTSTRAP} paired resamples)",
            f"Loss: {_loss_words(p)} per attack, at the target the attacker chooses; attacker's "
            f"gain: {_gain_words(p)}.",
        ]
        for plan, title in (
            ("static", "Static roadmap (ranked as if attacks spread over the targets by weight)"),
            ("adaptive", "Adaptive roadmap (ranked by the loss against an adaptive attacker)"),
        ):
            lines += ["", title]
            rows = self.steps[self.steps["plan"] == plan]
            for _, r in rows.iterrows():
                what = "no measure" if r["step"] == 0 else f"step {r['step']}: {r['name']}"
                head = f"  {what}, {r['cumulative_cost']:,.0f} {p.currency}/yr: "
                if plan == "static":
                    lines.append(
                        head + f"{_num(r['adaptive_loss_static_resources'])} {unit} per attack "
                        f"against an adaptive attacker, at {r['attacked_static_resources']} "
                        f"(if attacks spread by weight: {_num(r['static_view_loss'])}; with the "
                        f"resources placed by the game: {_num(r['adaptive_loss'])} at "
                        f"{r['attacked']})"
                    )
                else:
                    lines.append(
                        head + f"{_num(r['adaptive_loss'])} {unit} per attack, at "
                        f"{r['attacked']} (resources: {r['coverage']})"
                    )
        lines += [
            "",
            "Where the risk moves: with no measure and no resource the attacker chooses "
            f"{s['target_unprotected']}; against the static plan (resources placed by weight) "
            f"{s['target_static']}; against the adaptive plan {s['target_adaptive']}.",
            "Against an adaptive attacker the static plan expects "
            f"{_num(s['loss_static'])} {unit} per attack [{_num(s['loss_static_lo'])}, "
            f"{_num(s['loss_static_hi'])}], the adaptive plan {_num(s['loss_adaptive'])} "
            f"[{_num(s['loss_adaptive_lo'])}, {_num(s['loss_adaptive_hi'])}]: the adaptive plan "
            f"saves {_num(s['saving'])} {unit} per attack [{_num(s['saving_lo'])}, "
            f"{_num(s['saving_hi'])}]"
            + (
                f", {_num(s['saving'] * s['attacks_per_year'])} {unit} a year at "
                f"{s['attacks_per_year']:g} attacks a year (the sum of the weights)."
                if p.metric == VALUED
                else "."
            ),
            "The static plan's own estimate (attacks spread by weight): "
            f"{_num(s['static_view_loss'])} {unit} per attack"
            + (
                f": {1 - s['static_view_loss'] / s['loss_static']:.0%} below its loss "
                "against an adaptive attacker."
                if s["loss_static"] > 0 and s["static_view_loss"] < s["loss_static"]
                else "."
            ),
        ]
        if self.adaptive_measures == s["static_measures"]:
            lines.append(
                "The adaptive plan buys the same measures as the static roadmap: here the "
                "attacker's choice does not change which measures pay."
            )
        if model.skipped:
            lines.append(
                "Measures are taken at every target they fit; see the static roadmap for those "
                "skipped somewhere."
            )
        return "\n".join(lines) + "\n"


def adaptive_roadmap(
    static,
    *,
    protection=None,
    resources: int | None = None,
    bootstrap: int = BOOTSTRAP,
) -> AdaptiveRoadmap:
    """Evaluate a static roadmap (:func:`vtsim.roadmap`'s result) against an adaptive
    attacker and choose measures against it.

    Both plans keep the mobile resources (the portfolio's first resource, or
    ``protection``; ``resources`` units). The static plan places them by weight and its
    steps are the static roadmap's; the adaptive plan places them by the strong Stackelberg
    equilibrium and takes, under the same budget and constraints, the candidate with the
    largest fall of the equilibrium loss per cost at each step (greedy). Every plan is then
    judged by the loss per attack at the target an attacker who sees the allocation chooses.
    """
    model: PortfolioModel = static.model
    budget = static.budget
    a = AdversaryModel(model, protection=protection, resources=resources)
    weights = a.weights / a.weights.sum()

    def evaluate(outcomes):
        table = payoff_table(outcomes)
        fixed = static_coverage(table, a.weights, a.resources)
        against_fixed = respond(table, fixed)
        game = solve(table, a.resources)
        spread = float(weights @ against_fixed.losses)
        return table, fixed, against_fixed, game, spread

    # the static roadmap's steps
    prefixes = [frozenset()]
    for step in static.steps:
        prefixes.append(prefixes[-1] | {step["measure"]})
    rows = []
    for k, (chosen, outcomes) in enumerate(zip(prefixes, a.outcomes(prefixes))):
        _, _, fixed, game, spread = evaluate(outcomes)
        step = static.steps[k - 1] if k else None
        rows.append(_row("static", k, step, model, chosen, spread, fixed, game, a))

    # the adaptive roadmap: greedy on the equilibrium loss
    chosen: frozenset = frozenset()
    loss = solve(payoff_table(a.outcomes([chosen])[0]), a.resources).loss
    adaptive_rows = [rows[0] | {"plan": "adaptive"}]
    order: list[str] = []
    while True:
        spent = model.cost(chosen)
        options = [m for m in model.ids if m not in chosen and spent + model.cost([m]) <= budget]
        if not options:
            break
        sets = [chosen | {m} for m in options]
        losses = [solve(payoff_table(o), a.resources).loss for o in a.outcomes(sets)]
        best, best_ratio = None, 0.0
        for m, value, ok in zip(options, losses, model.allowed(sets)):
            if not ok:
                continue
            cost = model.cost([m])
            fall = loss - value
            ratio = fall / cost if cost > 0 else (math.inf if fall > 0 else 0.0)
            if fall > 1e-9 * max(1.0, abs(loss)) and ratio > best_ratio:
                best, best_ratio = m, ratio
        if best is None:
            break
        chosen = chosen | {best}
        order.append(best)
        (outcomes,) = a.outcomes([chosen])
        _, _, fixed, game, spread = evaluate(outcomes)
        loss = game.loss
        step = {"measure": best, "name": model.measures[best].name}
        adaptive_rows.append(
            _row("adaptive", len(order), step, model, chosen, spread, fixed, game, a)
        )
    # greedy can miss: the static roadmap's measures with the resources placed by the game
    # are affordable and allowed too, so the adaptive plan is never worse than they are
    if prefixes[-1] != chosen and rows[-1]["adaptive_loss"] < loss - 1e-9 * max(1.0, abs(loss)):
        chosen, order = prefixes[-1], [s["measure"] for s in static.steps]
        adaptive_rows = [r | {"plan": "adaptive"} for r in rows]
    steps = pd.DataFrame(rows + adaptive_rows)

    # the two plans side by side, with paired intervals
    static_set, adaptive_set = prefixes[-1], chosen
    o_none, o_static, o_adaptive = a.outcomes([frozenset(), static_set, adaptive_set])
    table_s = payoff_table(o_static)
    fixed_s = respond(table_s, static_coverage(table_s, a.weights, a.resources))
    table_a = payoff_table(o_adaptive)
    game_a = solve(table_a, a.resources)
    table_0 = payoff_table(o_none)
    unprotected = respond(table_0, np.zeros(len(a.names)))
    samples = []
    for draws in _draws(a.seed, len(a.names), a.replications, bootstrap):
        ts, ta = payoff_table(o_static, draws), payoff_table(o_adaptive, draws)
        ls = respond(ts, static_coverage(ts, a.weights, a.resources)).loss
        la = solve(ta, a.resources).loss
        samples.append((ls, la, ls - la))
    lo, hi = _interval(np.array(samples)) if samples else (np.full(3, np.nan),) * 2
    summary = {
        "target_unprotected": a.names[unprotected.target],
        "target_static": a.names[fixed_s.target],
        "target_adaptive": a.names[game_a.target],
        "loss_unprotected": unprotected.loss,
        "static_view_loss": float(weights @ fixed_s.losses),
        "loss_static": fixed_s.loss,
        "loss_static_lo": float(lo[0]),
        "loss_static_hi": float(hi[0]),
        "loss_adaptive": game_a.loss,
        "loss_adaptive_lo": float(lo[1]),
        "loss_adaptive_hi": float(hi[1]),
        "saving": fixed_s.loss - game_a.loss,
        "saving_lo": float(lo[2]),
        "saving_hi": float(hi[2]),
        "attacks_per_year": float(a.weights.sum()),
        "static_measures": [s["measure"] for s in static.steps],
        "adaptive_measures": order,
    }
    targets = pd.DataFrame(
        {
            "target": a.names,
            "weight": a.weights,
            "coverage_static": fixed_s.coverage,
            "loss_static": fixed_s.losses,
            "attacked_static": fixed_s.probabilities,
            "coverage_adaptive": game_a.coverage,
            "loss_adaptive": game_a.losses,
            "attacked_adaptive": game_a.probabilities,
        }
    )
    return AdaptiveRoadmap(static, a, budget, order, steps, targets, summary)


def _row(plan, k, step, model, chosen, spread, fixed, game, a) -> dict:
    return {
        "plan": plan,
        "step": k,
        "measure": step["measure"] if step else "",
        "name": step["name"] if step else "",
        "cumulative_cost": model.cost(chosen),
        "static_view_loss": spread,
        "adaptive_loss_static_resources": fixed.loss,
        "attacked_static_resources": a.names[fixed.target],
        "adaptive_loss": game.loss,
        "attacked": a.names[game.target],
        "coverage": ", ".join(
            f"{name} {c:.0%}" for name, c in zip(a.names, game.coverage) if c > 0.005
        )
        or "none",
    }


ADAPTIVE_FILES = ("adaptive_roadmap.csv", "adaptive_targets.csv", "adaptive.png")
