"""Side effects of a comparison's packages (``Comparison.side_effects``): the criteria
of the valuation a package makes distinguishably worse, the disparities across population
groups it widens (:mod:`vtsim.analysis.compare_groups`), and the attacks it displaces to
a fallback target (:func:`displacement_side_effects`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from vtsim.analysis.compare_groups import disparity_side_effects
from vtsim.analysis.stats import paired_difference
from vtsim.analysis.valuation import ALL, criterion_row, side_effects
from vtsim.scenario.schema import Scenario

if TYPE_CHECKING:
    from vtsim.analysis.compare import Comparison

# Displacement (vtsim.model.protect): the outcome columns, and how a side effect names them.
DISPLACEMENT_TERMS = {
    "displaced": ("Attacks displaced to a fallback target", "share of attacks reaching the site"),
    "displaced_casualties": ("Casualties at fallback targets", "people per attack attempted"),
}


def comparison_side_effects(comparison: Comparison) -> pd.DataFrame:
    """Criteria a package makes distinguishably worse, overall or for one threat; the
    disparities it widens; and the attacks it displaces to a fallback target, which the
    valued composite would otherwise net out of sight."""
    valued = side_effects(comparison.valuation_frame)
    valued = _with(valued, disparity_side_effects(comparison))
    displaced = comparison.displacement_frame
    if displaced.empty:
        return valued
    displaced = displaced[displaced["worse"]]
    if displaced.empty:
        return valued
    if valued.empty:
        return displaced.reset_index(drop=True)
    return pd.concat([valued, displaced], ignore_index=True)


def displacement_side_effects(
    frame: pd.DataFrame, packages: list[str], scenario: Scenario | None = None
) -> pd.DataFrame:
    """Displacement as a side effect: per package, overall and per threat, the paired
    difference to the baseline of the share of attacks displaced to a fallback target and
    of the casualties there (rows shaped like the valuation's side effects).

    A package is flagged (``worse``) whenever it displaces an attack on a replication where
    the baseline did not: on common random numbers the package is the only difference
    between the two runs, so each such replication is a displacement it caused, and a
    protective measure that moves harm to the queue must say so even when the number is
    too small to be distinguishable, or when the valued composite improves overall. The
    interval is shown with it. With ``scenario``, a threat's rows name its fallback zone."""
    if "displaced" not in frame or "displaced_casualties" not in frame:
        return pd.DataFrame()

    rows = []
    threats = [ALL, *sorted(frame["threat"].dropna().unique())]
    for package in packages:
        if package == "baseline":
            continue
        for threat in threats:
            subset = frame if threat == ALL else frame[frame["threat"] == threat]
            mine = subset[subset["package"] == package].set_index("replication")
            base = subset[subset["package"] == "baseline"].set_index("replication")
            caused = False
            where = _fallback_zone_name(scenario, threat)
            for column, (label, unit) in DISPLACEMENT_TERMS.items():
                if where:
                    label = f"{label} ({where})"
                joined = pd.concat([mine[column], base[column]], axis=1, keys=["p", "b"])
                joined = joined.dropna()
                if joined.empty:
                    continue
                d = paired_difference(joined["p"], joined["b"], "lower")
                more = bool((joined["p"] > joined["b"]).any())
                if column == "displaced":
                    caused = more
                worse = bool(d.diff > 0 and (caused or d.distinguishable))
                row = criterion_row(
                    package, threat, column, label, unit, "displacement", joined, d, worse
                )
                rows.append(
                    {
                        **row,
                        "effect_diff": d.diff,
                        "effect_lo": d.lo,
                        "effect_hi": d.hi,
                        "effect_on": "",
                    }
                )
    return pd.DataFrame(rows)


def _fallback_zone_name(scenario: Scenario | None, threat_id: str) -> str:
    """The name of a threat's fallback zone ('' if unknown, or over every threat)."""
    if scenario is None:
        return ""
    threat = next((t for t in scenario.threats if t.id == threat_id), None)
    fallback = getattr(threat, "fallback", None)
    if threat is None or fallback is None:
        return ""
    site = scenario.site(threat.site)
    zone = next((z for z in site.zones if z.id == fallback.zone), None)
    return str(zone.name or zone.id) if zone is not None else fallback.zone


def _with(frame: pd.DataFrame, more: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the rows of ``more`` (either may be empty)."""
    if more.empty:
        return frame
    if frame.empty:
        return more.reset_index(drop=True)
    return pd.concat([frame, more], ignore_index=True)
