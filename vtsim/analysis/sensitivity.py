"""How much the ranking of measures depends on their assumed effect sizes.

Each candidate measure is simulated alone against the baseline across the
portfolio, as declared and with every one of its effects made 50 % weaker and
50 % stronger (``factor`` 0.5 and 1.5):

- ``scale v`` becomes ``1 + (v - 1) * factor`` (a 0.6 scaling, 40 % less, becomes
  20 % or 60 % less);
- ``add v`` becomes ``v * factor`` (rounded for whole numbers such as lanes);
- ``set v`` on a number moves from the scenario's current value toward ``v`` by
  ``factor`` of the way (probabilities kept within 0..1);
- an appended layer's ``p_detect`` and ``p_stop`` are multiplied by ``factor``;
- other effects (appending an agency to alert) are left as they are.

Ranking: by weighted harm avoided per million of annualised cost. A conclusion
"A ranks above B" survives when it holds whatever single measure's effects are
varied by +/-50 % (one at a time, the others as declared).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import pandas as pd

from vtsim.scenario import paths
from vtsim.scenario.schema import Effect, Measure, Scenario

FACTORS = (0.5, 1.5)


def perturb(measure: Measure, factor: float, scenario: Scenario) -> Measure:
    """The measure with its effect sizes scaled by ``factor`` (see the module docstring)."""
    from vtsim.scenario.transforms import _targets

    data = scenario.model_dump(mode="json")
    effects = []
    for effect in measure.effects:
        value = effect.value
        number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        if effect.op == "scale" and number is not None:
            value = 1 + (number - 1) * factor
        elif effect.op == "add" and number is not None:
            value = round(number * factor) if isinstance(number, int) else number * factor
        elif effect.op == "set" and number is not None:
            keys = paths.split(effect.path)
            try:
                found = [c[k] for c, k in _targets(data, keys, "")]
            except Exception:  # the measure's own check reports a bad path
                found = []
            current = [v for v in found if isinstance(v, (int, float)) and not isinstance(v, bool)]
            if current:
                now = sum(current) / len(current)
                value = now + (number - now) * factor
                if keys[-1].startswith("p_"):
                    value = min(1.0, max(0.0, value))
        elif effect.op == "append" and isinstance(value, dict):
            value = copy.deepcopy(value)
            for key in ("p_detect", "p_stop"):
                if isinstance(value.get(key), (int, float)):
                    value[key] = min(1.0, value[key] * factor)
        effects.append(Effect(**{**effect.model_dump(), "value": value}))
    return measure.model_copy(update={"id": f"{measure.id}.x{factor:g}", "effects": effects})


@dataclass
class Sensitivity:
    """``frame``: per measure, gain and gain per million at factor 0.5, 1 and 1.5, and ranks."""

    frame: pd.DataFrame
    metric: str

    def _ranking(self, override: dict[str, float] | None = None) -> list[str]:
        ratio = dict(zip(self.frame["measure"], self.frame["ratio_nominal"]))
        ratio.update(override or {})
        return sorted(ratio, key=lambda m: -ratio[m])

    def scenarios(self):
        """Every ranking obtained by varying one measure's effects by +/-50 %."""
        for _, r in self.frame.iterrows():
            for side in ("low", "high"):
                yield r["measure"], side, self._ranking({r["measure"]: r[f"ratio_{side}"]})

    def conclusions(self) -> list[tuple[str, bool]]:
        """Statements about the ranking and whether each survives +/-50 % on every effect."""
        nominal = self._ranking()
        variants = [ranking for _, _, ranking in self.scenarios()]
        out = []
        top = nominal[0]
        out.append(
            (
                f"'{top}' gives the most protection per unit of cost",
                all(v[0] == top for v in variants),
            )
        )
        for a, b in zip(nominal, nominal[1:]):
            out.append((f"'{a}' ranks above '{b}'", all(v.index(a) < v.index(b) for v in variants)))
        gains = dict(zip(self.frame["measure"], self.frame["gain_nominal"]))
        for m, g in gains.items():
            if g <= 0:
                out.append((f"'{m}' avoids no {self.metric} in this portfolio", True))
        return out

    def text(self) -> str:
        lines = [
            "SENSITIVITY of the single-measure ranking (harm avoided per million per year) "
            "to +/-50 % on each measure's effects:"
        ]
        for statement, holds in self.conclusions():
            lines.append(f"  [{'survives' if holds else 'does NOT survive'}] {statement}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<li><b>{'survives' if ok else 'does not survive'}</b>: {s}</li>"
            for s, ok in self.conclusions()
        )
        return (
            self.frame.to_html(index=False, float_format=lambda x: f"{x:,.3g}") + f"<ul>{rows}</ul>"
        )


def ranking_sensitivity(model, factors=FACTORS) -> Sensitivity:
    """Single-measure gains as declared and with effects scaled by each factor."""
    ids = model.ids
    nominal = model.gains([frozenset([m]) for m in ids])

    def extra(scenario: Scenario) -> dict[str, Measure]:
        from vtsim.scenario.catalogue import find_measure

        out = {}
        for m in ids:
            for f in factors:
                p = perturb(find_measure(scenario, m), f, scenario)
                out[p.id] = p
        return out

    sets = [frozenset([f"{m}.x{f:g}"]) for m in ids for f in factors]
    varied = dict(zip(sets, model.gains_with(sets, extra)))
    rows = []
    for m, g in zip(ids, nominal):
        cost = model.cost([m])
        low = varied[frozenset([f"{m}.x{factors[0]:g}"])]
        high = varied[frozenset([f"{m}.x{factors[1]:g}"])]
        per = 1e6 / cost if cost else float("inf")
        rows.append(
            {
                "measure": m,
                "cost_annualised": cost,
                "gain_low": low,
                "gain_nominal": g,
                "gain_high": high,
                "ratio_low": low * per,
                "ratio_nominal": g * per,
                "ratio_high": high * per,
            }
        )
    frame = pd.DataFrame(rows)
    sens = Sensitivity(frame, model.portfolio.metric)
    ranking = sens._ranking()
    frame["rank"] = [ranking.index(m) + 1 for m in frame["measure"]]
    for side in ("low", "high"):
        frame[f"rank_{side}"] = [
            sens._ranking({m: r})[:].index(m) + 1
            for m, r in zip(frame["measure"], frame[f"ratio_{side}"])
        ]
    return sens
