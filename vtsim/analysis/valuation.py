"""Valued outcomes: each criterion of a valuation read from the replications table, its
paired difference per package (overall and per threat), and the composite.

Per replication, criterion *c* has a quantity ``q_c`` (a weighted sum of columns; see
:mod:`vtsim.scenario.valuation`) and a value ``v_c * q_c``. Harms and losses are per attack
attempted, burdens per event day, so the yearly composite of a replication is::

    annual = attacks_per_year * sum(harm and loss values) + event_days_per_year * sum(burdens)

Differences are paired on common random numbers (package minus baseline, the same
replications), so each comes with a 95 % interval; a package that worsens any criterion
for any threat, distinguishably, is flagged as a side effect whatever the composite says.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import TypeAdapter

from vtsim.analysis.stats import paired_difference
from vtsim.errors import VtsimError
from vtsim.model.streams import Streams
from vtsim.scenario.distributions import Dist, _Dist
from vtsim.scenario.valuation import Criterion, Valuation, ValuationOverride

BUNDLED = "valuation.yaml"
ALL = "all"  # the threat label of rows over every threat


def load_valuation(path: str | Path | None = None) -> Valuation:
    """A valuation file (default: the bundled ``scenarios/valuation.yaml``), validated; a bad
    file raises ScenarioError naming the file, the line and the field path."""
    from vtsim.resources import scenarios_dir
    from vtsim.scenario.loader import read_yaml, validate_model

    resolved = Path(path) if path is not None else scenarios_dir() / BUNDLED
    data, node = read_yaml(resolved)
    return validate_model(Valuation, data, str(path or resolved), node)


def _override(valuation: Valuation, override: ValuationOverride | dict, where: str) -> Valuation:
    if isinstance(override, dict):
        override = ValuationOverride.model_validate(override)
    ids = {c.id for c in valuation.criteria}
    unknown = sorted(set(override.values) - ids)
    if unknown:
        raise VtsimError(
            f"{where}: valuation.values names no criterion '{unknown[0]}'; the valuation "
            f"'{valuation.name}' has: {', '.join(sorted(ids))}."
        )
    criteria = [
        c.model_copy(update={"value": override.values[c.id], "source": f"{where}"})
        if c.id in override.values
        else c
        for c in valuation.criteria
    ]
    update: dict = {"criteria": criteria}
    for key in ("attacks_per_year", "event_days_per_year", "discount_rate", "horizon_years"):
        value = getattr(override, key)
        if value is not None:
            update[key] = value
    return valuation.model_copy(update=update)


def resolve_valuation(scenario, valuation=None, base_dir: Path | None = None) -> Valuation:
    """The valuation for ``scenario``: the bundled default (or the scenario's ``valuation.file``),
    with the scenario's overrides, then the call's: a :class:`Valuation`, a file path, or a
    dict of overrides (``{"values": {"deaths": 3e6}, "attacks_per_year": 0.1}``)."""
    own = getattr(scenario, "valuation", None)
    if isinstance(valuation, Valuation):
        chosen = valuation
    else:
        if isinstance(valuation, (str, Path)):
            chosen = load_valuation(valuation)
        elif own is not None and own.file:
            chosen = load_valuation(Path(base_dir or ".") / own.file)
        else:
            chosen = load_valuation()
        if own is not None:
            chosen = _override(chosen, own, f"scenario '{scenario.name}'")
        if isinstance(valuation, (dict, ValuationOverride)):
            chosen = _override(chosen, valuation, "the call's valuation")
    if chosen.currency != scenario.currency:
        raise VtsimError(
            f"The valuation '{chosen.name}' is in {chosen.currency} but scenario "
            f"'{scenario.name}' counts costs in {scenario.currency}: give a valuation in "
            f"{scenario.currency} (valuation=... or the scenario's valuation.file)."
        )
    return chosen


# --------------------------------------------------------------------------- quantities


def _terms(criterion: Criterion, columns) -> dict[str, float] | None:
    if all(c in columns for c in criterion.terms):
        return criterion.terms
    if criterion.fallback and all(c in columns for c in criterion.fallback):
        return criterion.fallback
    return None


def applicable(valuation: Valuation, frame: pd.DataFrame) -> list[Criterion]:
    """The criteria whose columns the results hold (a festival has no lost service)."""
    return [c for c in valuation.criteria if _terms(c, frame.columns) is not None]


def quantity(criterion: Criterion, frame: pd.DataFrame) -> pd.Series:
    """The criterion's quantity per replication (NaN terms count as 0: nothing happened)."""
    terms = _terms(criterion, frame.columns)
    assert terms is not None
    total = pd.Series(0.0, index=frame.index)
    for column, coefficient in terms.items():
        total = total + coefficient * frame[column].fillna(0.0)
    return total


def likelihood_range(valuation: Valuation) -> tuple[float, float, float]:
    """Attacks attempted a year: (mean, 5 %, 95 %); a number gives itself three times."""
    a = valuation.attacks_per_year
    if not isinstance(a, _Dist):
        return float(a), float(a), float(a)
    return _sampled_range(a.model_dump_json())  # read by every table: sampled once


@functools.lru_cache(maxsize=64)
def _sampled_range(dist_json: str) -> tuple[float, float, float]:
    adapter: TypeAdapter[_Dist] = TypeAdapter(Dist)
    dist: _Dist = adapter.validate_json(dist_json)
    rng = Streams(0, 0).get("valuation", "attacks-per-year")  # fixed: part of the report
    draws = np.array([dist.sample(rng) for _ in range(20_000)])
    return float(draws.mean()), float(np.quantile(draws, 0.05)), float(np.quantile(draws, 0.95))


def annuity(valuation: Valuation) -> float:
    """Present value of one a year over ``horizon_years`` at ``discount_rate``."""
    r, n = valuation.discount_rate, valuation.horizon_years
    return float(n) if r == 0 else (1 - (1 + r) ** -n) / r


def valued(frame: pd.DataFrame, valuation: Valuation) -> pd.DataFrame:
    """``frame`` with, per applicable criterion, ``q_<id>`` (quantity) and ``v_<id>``
    (value), and the composites ``valued_per_attack`` (harms and losses),
    ``valued_burden_per_day`` and ``valued_annual`` (at the mean attacks a year)."""
    out = frame.copy()
    per_attack = pd.Series(0.0, index=frame.index)
    per_day = pd.Series(0.0, index=frame.index)
    for c in applicable(valuation, frame):
        q = quantity(c, frame)
        out[f"q_{c.id}"] = q
        out[f"v_{c.id}"] = c.value * q
        if c.kind == "burden":
            per_day = per_day + c.value * q
        else:
            per_attack = per_attack + c.value * q
    attacks = likelihood_range(valuation)[0]
    out["valued_per_attack"] = per_attack
    out["valued_burden_per_day"] = per_day
    out["valued_annual"] = attacks * per_attack + valuation.event_days_per_year * per_day
    return out


# --------------------------------------------------------------------------- differences


@dataclass(frozen=True)
class Row:
    package: str
    threat: str
    criterion: str
    label: str
    unit: str
    kind: str


def _paired(frame: pd.DataFrame, package: str, column: str, baseline: str = "baseline"):
    a = frame[frame["package"] == package].set_index("replication")[column]
    b = frame[frame["package"] == baseline].set_index("replication")[column]
    joined = pd.concat([a, b], axis=1, keys=["p", "b"]).dropna()
    return joined, paired_difference(joined["p"], joined["b"], "lower")


def differences(
    frame: pd.DataFrame, valuation: Valuation, packages: list[str], by_threat: bool = True
) -> pd.DataFrame:
    """One row per (package, threat, criterion) and the composites: baseline and package
    means, the paired difference with its 95 % interval, its value, and ``worse`` (the
    package makes it worse, distinguishably: a side effect when the composite improves)."""
    data = valued(frame, valuation)
    criteria = applicable(valuation, frame)
    flagged: dict[str, str] = {}  # criterion id -> column of its side-effect quantity
    for c in criteria:
        terms = c.side_effect_terms
        if terms and all(t in frame.columns for t in terms):
            column = f"s_{c.id}"
            data[column] = quantity(c.model_copy(update={"terms": terms, "fallback": None}), frame)
            flagged[c.id] = column
    items = [(f"q_{c.id}", c.id, c.label, c.unit, c.kind, c.value) for c in criteria] + [
        (
            "valued_per_attack",
            "valued_per_attack",
            "Harm and loss, valued",
            valuation.currency,
            "composite",
            1.0,
        ),
        (
            "valued_burden_per_day",
            "valued_burden_per_day",
            "Burden on the public, valued",
            valuation.currency,
            "composite",
            1.0,
        ),
        (
            "valued_annual",
            "valued_annual",
            "Everything, valued, a year",
            valuation.currency,
            "composite",
            1.0,
        ),
    ]
    threats = [ALL] + (sorted(data["threat"].dropna().unique()) if by_threat else [])
    rows = []
    for package in packages:
        if package == "baseline":
            continue
        for threat in threats:
            subset = data if threat == ALL else data[data["threat"] == threat]
            for column, cid, label, unit, kind, value in items:
                if threat != ALL and kind == "burden":
                    continue  # a burden falls on every event day, whatever the threat
                joined, d = _paired(subset, package, column)
                if d.n == 0:
                    continue
                worse = bool(d.distinguishable and d.diff > 0)
                tested = d
                if cid in flagged:  # side effects read another quantity (see Criterion)
                    _, tested = _paired(subset, package, flagged[cid])
                    worse = bool(tested.distinguishable and tested.diff > 0)
                row = criterion_row(package, threat, cid, label, unit, kind, joined, d, worse)
                rows.append(
                    {
                        **row,
                        "value_per_unit": value,
                        "valued_diff": value * d.diff,
                        "valued_diff_lo": value * d.lo,
                        "valued_diff_hi": value * d.hi,
                        "effect_diff": tested.diff,
                        "effect_lo": tested.lo,
                        "effect_hi": tested.hi,
                        "effect_on": "those who died too" if cid in flagged else "",
                    }
                )
    return pd.DataFrame(rows)


def criterion_row(package, threat, criterion, label, unit, kind, joined, d, worse) -> dict:
    """One row of a side-effect table: a package against the baseline on one criterion
    (``joined``: the paired columns ``p`` and ``b``; ``d``: their paired difference)."""
    return {
        "package": package,
        "threat": threat,
        "criterion": criterion,
        "label": label,
        "unit": unit,
        "kind": kind,
        "baseline": float(joined["b"].mean()),
        "value": float(joined["p"].mean()),
        "diff": d.diff,
        "diff_lo": d.lo,
        "diff_hi": d.hi,
        "n": d.n,
        "distinguishable": d.distinguishable,
        "worse": worse,
        "better": bool(d.distinguishable and d.diff < 0),
    }


def side_effects(diffs: pd.DataFrame) -> pd.DataFrame:
    """Criteria a package makes worse (distinguishably), overall or for one threat."""
    if diffs.empty:
        return diffs
    return diffs[diffs["worse"] & (diffs["kind"] != "composite")].reset_index(drop=True)


def describe_side_effect(row) -> str:
    where = "overall" if row["threat"] == ALL else row["threat"]
    whom = f", counting {row['effect_on']}" if row.get("effect_on") else ""
    return (
        f"side effect ({where}): {row['label'].lower()}{whom} {row['effect_diff']:+.3g} "
        f"[{row['effect_lo']:+.3g}, {row['effect_hi']:+.3g}] {row['unit']}"
    )


def cost_effectiveness(
    diffs: pd.DataFrame, valuation: Valuation, package: str, annual_cost: float
) -> dict[str, float]:
    """A package's yearly benefit (valued harm, loss and burden avoided), its present
    values over the horizon and benefit-cost ratio, with a range: the 95 % intervals of
    the per-attack and per-day differences, and attacks a year from 5 % to 95 %."""
    nan = math.nan
    sel = diffs[(diffs["package"] == package) & (diffs["threat"] == ALL)].set_index("criterion")
    if "valued_per_attack" not in sel.index:
        return {}
    harm = sel.loc["valued_per_attack"]
    burden = sel.loc["valued_burden_per_day"]
    mean, low, high = likelihood_range(valuation)
    days = valuation.event_days_per_year
    benefit = -(mean * harm["diff"] + days * burden["diff"])
    corners = [
        -(a * h + days * b)
        for a in (low, high)
        for h in (harm["diff_lo"], harm["diff_hi"])
        for b in (burden["diff_lo"], burden["diff_hi"])
    ]
    benefit_lo, benefit_hi = min(corners), max(corners)
    factor = annuity(valuation)
    pv_cost = annual_cost * factor
    return {
        "attacks_per_year": mean,
        "attacks_per_year_p05": low,
        "attacks_per_year_p95": high,
        "valued_avoided_per_attack": -harm["diff"],
        "valued_avoided_per_attack_lo": -harm["diff_hi"],
        "valued_avoided_per_attack_hi": -harm["diff_lo"],
        "burden_added_per_day": burden["diff"],
        "annual_benefit": benefit,
        "annual_benefit_lo": benefit_lo,
        "annual_benefit_hi": benefit_hi,
        "pv_benefit": benefit * factor,
        "pv_cost": pv_cost,
        "net_present_value": (benefit - annual_cost) * factor,
        "benefit_cost_ratio": benefit / annual_cost if annual_cost > 0 else nan,
        "benefit_cost_ratio_lo": benefit_lo / annual_cost if annual_cost > 0 else nan,
        "benefit_cost_ratio_hi": benefit_hi / annual_cost if annual_cost > 0 else nan,
        "cost_per_valued_unit_avoided": annual_cost / benefit if benefit > 0 else math.inf,
    }
