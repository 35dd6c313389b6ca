"""The package table of a comparison (``Comparison.packages_frame``): per package, what
it costs (one-off, yearly, annualised), the harm it avoids with its interval, the cost
per one avoided, what it asks of the public (declared and simulated burden), the attacks
it displaces, its valued cost-effectiveness and its side effects in words."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from vtsim.analysis.valuation import cost_effectiveness, describe_side_effect

if TYPE_CHECKING:
    from vtsim.analysis.compare import Comparison

HARM_METRIC = "casualties_total"
BURDEN_METRICS = ("visitor_delay_min_total", "queue_peak_outside")


def package_row(comparison: Comparison, package_id: str) -> dict:
    """One row of ``packages_frame``: ``package_id`` against the baseline."""
    c = comparison
    s = c.scenario
    measures = [s.measure(m) for m in s.package(package_id).measures]
    harm = c.results.compare(c.harm_metric, "lower").set_index("package").loc[package_id]
    avoided = -harm["diff"]
    annual = sum(m.cost.annualised() for m in measures)
    per_casualty = annual / (avoided * c.attacks_per_year) if avoided > 0 else math.inf
    row = {
        "package": package_id,
        "measures": ", ".join(m.id for m in measures),
        "phases": ", ".join(dict.fromkeys(m.phase.value for m in measures)),
        "cost_one_off": sum(m.cost.one_off for m in measures),
        "cost_yearly": sum(m.cost.yearly for m in measures),
        "cost_annualised": annual,
        "casualties_avoided": avoided,
        "casualties_avoided_lo": -harm["hi"],
        "casualties_avoided_hi": -harm["lo"],
        "p_fewer_casualties": harm["p_better"],
        "distinguishable": bool(harm["distinguishable"]),
        "replications_needed": harm["replications_needed"],
        "cost_per_casualty_avoided": per_casualty,
        "visitor_delay_s_declared": sum(m.burden.visitor_delay_s for m in measures),
        "burden_notes": " ".join(m.burden.note for m in measures if m.burden.note),
    }
    if c.harm_metric != HARM_METRIC:  # the same figures, named after the metric
        metric = c.harm_metric
        row.update(
            {
                f"{metric}_avoided": avoided,
                f"{metric}_avoided_lo": -harm["hi"],
                f"{metric}_avoided_hi": -harm["lo"],
                f"p_fewer_{metric}": harm["p_better"],
                f"cost_per_{metric}_avoided": per_casualty,
            }
        )
    frame = c.results.frame
    for metric in BURDEN_METRICS:
        if metric in frame and frame[metric].notna().any():
            d = c.results.compare(metric, "lower").set_index("package").loc[package_id]
            mean = frame.loc[frame["package"] == package_id, metric].mean()
            row[metric] = mean
            row[metric + "_change"] = d["diff"]
    if "displaced" in frame and frame["displaced"].notna().any():
        mine_ = frame[frame["package"] == package_id]
        base_ = frame[frame["package"] == "baseline"]
        row["displaced"] = mine_["displaced"].mean()
        row["displaced_change"] = row["displaced"] - base_["displaced"].mean()
        row["displaced_casualties"] = mine_["displaced_casualties"].mean()
        row["displaced_casualties_change"] = (
            row["displaced_casualties"] - base_["displaced_casualties"].mean()
        )
    assert c.valuation is not None
    row.update(cost_effectiveness(c.valuation_frame, c.valuation, package_id, annual))
    effects = c.side_effects
    mine = effects[effects["package"] == package_id] if not effects.empty else effects
    row["side_effects"] = "; ".join(describe_side_effect(r) for _, r in mine.iterrows())
    return row
