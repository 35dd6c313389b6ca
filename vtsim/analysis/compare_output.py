"""A comparison as output: plain data (``Comparison.to_dict``, ``--format json``), the
terminal summary (``Comparison.text``: scorecard, cost and burden here; the valued
criteria, threats and groups from :mod:`vtsim.analysis.compare_text`) and the notebook
table (``Comparison._repr_html_``)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from vtsim.analysis.compare_text import group_lines, threat_lines, valued_lines
from vtsim.analysis.scorecard import render_text
from vtsim.analysis.valuation import describe_side_effect

if TYPE_CHECKING:
    from vtsim.analysis.compare import Comparison


def comparison_dict(comparison: Comparison) -> dict:
    """Everything the comparison says, as plain data (``--format json``)."""
    from vtsim.io import clean_for_json

    c = comparison
    assert c.valuation is not None
    rule = c.valuation.model_dump(mode="json")
    return clean_for_json(
        {
            "scenario": c.scenario.name,
            "replications": c.results.replications,
            "seed": c.results.seed,
            "phases": c.frame.to_dict(orient="records"),
            "packages": c.packages_frame.to_dict(orient="records"),
            "valuation": {k: rule[k] for k in rule if k != "criteria"}
            | {"criteria": rule["criteria"]},
            "criteria": c.valuation_frame.to_dict(orient="records"),
            "by_threat": c.by_threat.to_dict(orient="records"),
            "side_effects": [
                {**row, "text": describe_side_effect(row)}
                for row in c.side_effects.to_dict(orient="records")
            ],
            "groups": c.group_frame.to_dict(orient="records"),
            "disparity": c.disparity_frame.to_dict(orient="records"),
        }
    )


def comparison_text(comparison: Comparison) -> str:
    """A plain-text summary for the terminal."""
    c = comparison
    r = c.results
    out = [
        f"{c.scenario.name}: {r.replications} replications per package, seed {r.seed}, "
        "paired on common random numbers",
        "",
        render_text(
            r.scorecard(),
            verdicts={(v["package"], v["phase"]): v["verdict"] for _, v in c.frame.iterrows()},
        ).rstrip(),
        "",
        *_unclear_lines(c),
        *_cost_lines(c),
    ]
    out += ["", *valued_lines(c), "", *threat_lines(c)]
    if by_group := group_lines(c):
        out += ["", *by_group]
    return "\n".join(out).rstrip() + "\n"


def _unclear_lines(comparison: Comparison) -> list[str]:
    """The (package, phase) rows not yet distinguishable from zero, with their verdicts."""
    frame = comparison.frame
    unclear = frame[frame["verdict"].str.startswith("not distinguishable")]
    if unclear.empty:
        return []
    lines = [
        f"NOT DISTINGUISHABLE FROM ZERO with {comparison.results.replications} replications "
        "(replications that would tell, at the difference seen):"
    ]
    for _, row in unclear.iterrows():
        lines.append(f"  {row['package']} / {row['phase']}: {row['verdict']}")
    return [*lines, ""]


def _cost_lines(comparison: Comparison) -> list[str]:
    """COST AND BURDEN: per package, cost, harm avoided, burden and displacement."""
    c = comparison
    cur = c.scenario.currency
    out = [
        f"COST AND BURDEN ({c.harm_label} avoided per attack attempted; "
        f"{c.attacks_per_year:g} attack(s) attempted per year assumed)",
    ]
    for _, p in c.packages_frame.iterrows():
        cpc = p["cost_per_casualty_avoided"]
        cpc_text = f"{cpc:,.0f} {cur}" if math.isfinite(cpc) else "n/a (none avoided)"
        out.append(
            f"  {p['package']}: {p['cost_annualised']:,.0f} {cur}/year "
            f"(one-off {p['cost_one_off']:,.0f}, yearly {p['cost_yearly']:,.0f}); "
            f"{c.harm_label} avoided {p['casualties_avoided']:.2f} "
            f"[{p['casualties_avoided_lo']:.2f}, {p['casualties_avoided_hi']:.2f}], "
            f"P(fewer) {p['p_fewer_casualties']:.2f}; cost per one avoided {cpc_text}"
        )
        if not p["distinguishable"] and not pd.isna(p["replications_needed"]):
            extra = int(p["replications_needed"]) - c.results.replications
            out.append(
                "    not distinguishable from zero with these replications; about "
                f"{int(p['replications_needed'])} would be needed ({max(extra, 1)} more)"
            )
        burden = []
        if p["visitor_delay_s_declared"]:
            burden.append(f"{p['visitor_delay_s_declared']:g} s per visitor declared")
        if "visitor_delay_min_total" in p and not pd.isna(p.get("visitor_delay_min_total")):
            burden.append(
                f"visitor delay {p['visitor_delay_min_total'] / 60:,.0f} h per day "
                f"({p['visitor_delay_min_total_change'] / 60:+,.0f} h), queue peak "
                f"{p['queue_peak_outside']:.0f} people outside "
                f"({p['queue_peak_outside_change']:+.0f})"
            )
        if p["burden_notes"]:
            burden.append(p["burden_notes"])
        if burden:
            out.append("    burden: " + "; ".join(burden))
        if "displaced" in p and not pd.isna(p.get("displaced")) and p["displaced"] > 0:
            out.append(
                f"    displacement: {100 * p['displaced']:.1f} % of attacks reaching the "
                f"site struck a fallback target ({100 * p['displaced_change']:+.1f} pts); "
                f"casualties there {p['displaced_casualties']:.2f} per attack attempted "
                f"({p['displaced_casualties_change']:+.2f})"
            )
    return out


def comparison_html(comparison: Comparison) -> str:
    """The phases and the cost table, for a notebook."""
    c = comparison
    cols = [
        "package",
        "phase",
        "label",
        "baseline",
        "value",
        "diff",
        "diff_lo",
        "diff_hi",
        "p_better",
        "verdict",
    ]
    fmt = {"float_format": lambda x: f"{x:.3g}", "index": False}
    pk = c.packages_frame[
        [
            "package",
            "measures",
            "cost_annualised",
            "casualties_avoided",
            "p_fewer_casualties",
            "cost_per_casualty_avoided",
        ]
    ]
    return (
        f"<h4>{c.scenario.name}: packages against the baseline "
        f"({c.results.replications} paired replications, seed {c.results.seed})</h4>"
        + c.frame[cols].to_html(**fmt)
        + "<h5>Cost and burden</h5>"
        + pk.to_html(**fmt)
    )
