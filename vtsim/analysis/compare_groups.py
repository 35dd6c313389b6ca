"""Population groups in a comparison (scenarios with ``groups`` only): the paired
difference per package, group and metric (``Comparison.group_frame``), and a package
that distinguishably widens a disparity across groups as a side effect."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from vtsim.analysis.groups import GROUP_METRICS, GROUP_PREFIX, GROUP_SEP, group_ids
from vtsim.analysis.stats import paired_difference
from vtsim.analysis.valuation import ALL
from vtsim.model.groups import scenario_groups

if TYPE_CHECKING:
    from vtsim.analysis.compare import Comparison


def group_differences(comparison: Comparison) -> pd.DataFrame:
    """Per package, population group and metric (:data:`GROUP_METRICS`): baseline and
    package means and the paired difference with its 95 % interval (empty without
    groups)."""
    frame = comparison.results.frame
    base = frame[frame["package"] == "baseline"].set_index("replication")
    rows = []
    for package in comparison._compared():
        mine = frame[frame["package"] == package].set_index("replication")
        for gid in group_ids(frame):
            for metric, label, unit in GROUP_METRICS:
                column = f"{GROUP_PREFIX}{metric}{GROUP_SEP}{gid}"
                if column not in frame.columns:
                    continue
                joined = pd.concat([mine[column], base[column]], axis=1, keys=["p", "b"])
                d = paired_difference(joined["p"], joined["b"], "lower")
                rows.append(
                    {
                        "package": package,
                        "group": gid,
                        "metric": metric,
                        "column": column,
                        "label": label,
                        "unit": unit,
                        "baseline": joined["b"].mean(),
                        "value": joined["p"].mean(),
                        "diff": d.diff,
                        "diff_lo": d.lo,
                        "diff_hi": d.hi,
                        "distinguishable": d.distinguishable,
                    }
                )
    return pd.DataFrame(rows)


def disparity_side_effects(comparison: Comparison) -> pd.DataFrame:
    """The disparities a package distinguishably widens (``disparity_frame``, ``worse``),
    as rows shaped like the valuation's side effects."""
    found = comparison.disparity_frame
    if found.empty:
        return found
    found = found[found["worse"]]
    names = {g.id: str(g.name) or g.id for g in scenario_groups(comparison.scenario)}
    return pd.DataFrame(
        [
            {
                "package": r["package"],
                "threat": ALL,
                "criterion": f"disparity_{r['measure']}",
                "label": f"Disparity across population groups in {r['label']} (worst-off "
                f"group: {names.get(r['worst_group'], r['worst_group'])}, over the average)",
                "unit": "x",
                "kind": "disparity",
                "worse": True,
                "effect_diff": r["diff"],
                "effect_lo": r["diff_lo"],
                "effect_hi": r["diff_hi"],
                "effect_on": "",
            }
            for _, r in found.iterrows()
        ]
    )
