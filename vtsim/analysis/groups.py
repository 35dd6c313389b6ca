"""Outcomes by population group (docs/people.md): per package and group, the summaries of
the per-group columns ``<metric>__<group id>`` the model writes
(:class:`vtsim.model.groups.GroupOutcomes`), and the disparity across groups (the worst-off
group's rate over everyone's) with bootstrap intervals and paired changes. These read the
results only; ``vtsim run``, ``compare``, ``report`` and ``roadmap`` show them."""

from __future__ import annotations

import math

import pandas as pd

from vtsim.analysis.stats import mean_interval
from vtsim.model.groups import GROUP_SEPARATOR

GROUP_PREFIX, GROUP_SEP = "", GROUP_SEPARATOR  # the model names the columns
GROUP_METRICS: list[tuple[str, str, str]] = [
    # (metric, label, unit): the per-group figures shown by `vtsim run` and `vtsim compare`
    ("casualties_total", "casualties per attack attempted", "people"),
    ("deaths_total", "deaths per attack attempted", "people"),
    ("min_to_evacuate", "last person out", "min"),
    ("min_to_ems_contact_median", "median time to EMS contact", "min"),
    ("queue_wait_min_mean", "mean wait in the screening queue", "min"),
]

DISPARITIES: list[tuple[str, str, str, str]] = [
    # (id, label, numerator metric, denominator metric): a group's rate is the summed
    # numerator over the summed denominator; the disparity is the worst-off group's rate
    # over everyone's (1 = no group worse off than the average person).
    ("harm", "casualties per person exposed", "casualties_total", "exposed"),
    ("queue_burden", "queueing time per visitor", "visitor_delay_min_total", "visitors"),
]


def group_ids(frame: pd.DataFrame) -> list[str]:
    """The population groups of a results frame (from its ``exposed__<group>`` columns)."""
    prefix = GROUP_PREFIX + "exposed" + GROUP_SEP
    return [c[len(prefix) :] for c in frame.columns if str(c).startswith(prefix)]


def group_summary(frame: pd.DataFrame, packages: list[str]) -> pd.DataFrame:
    """Per package, group and metric of :data:`GROUP_METRICS`: the mean over replications
    with its 95 % interval (NaN where a replication has no value: e.g. nobody of the group
    evacuated)."""
    rows = []
    for package in packages:
        sel = frame[frame["package"] == package]
        for gid in group_ids(frame):
            for metric, label, unit in GROUP_METRICS:
                column = f"{GROUP_PREFIX}{metric}{GROUP_SEP}{gid}"
                if column not in frame.columns:
                    continue
                est = mean_interval(sel[column])
                rows.append(
                    {
                        "package": package,
                        "group": gid,
                        "metric": metric,
                        "label": label,
                        "unit": unit,
                        "value": est.value,
                        "lo": est.lo,
                        "hi": est.hi,
                        "n": est.n,
                    }
                )
    return pd.DataFrame(rows)


def _rates(sel: pd.DataFrame, groups: list[str], num: str, den: str):
    """Numerators and denominators per group and replication (NaN as 0), or None."""
    import numpy as np

    cols_n = [f"{GROUP_PREFIX}{num}{GROUP_SEP}{g}" for g in groups]
    cols_d = [f"{GROUP_PREFIX}{den}{GROUP_SEP}{g}" for g in groups]
    if not all(c in sel.columns for c in cols_n + cols_d):
        return None
    n = np.nan_to_num(sel[cols_n].to_numpy(dtype=float).T)
    d = np.nan_to_num(sel[cols_d].to_numpy(dtype=float).T)
    return n, d


def disparity_ratio(n, d):
    """The worst-off group's rate (sum of ``n`` over sum of ``d``, per row = group) over
    everyone's rate; NaN when nobody was counted or nobody was harmed or burdened. A float
    array: one value, or one per resample when ``n`` and ``d`` are (group, resample,
    replication)."""
    import numpy as np

    num, den = n.sum(axis=-1), d.sum(axis=-1)
    total = num.sum(axis=0) / np.where(den.sum(axis=0) > 0, den.sum(axis=0), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        rates = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
        worst = np.nanmax(np.where(np.isnan(rates), -np.inf, rates), axis=0)
        out = np.where(total > 0, worst / np.where(total > 0, total, 1.0), np.nan)
    return out


def group_disparity(
    frame: pd.DataFrame,
    packages: list[str],
    baseline: str = "baseline",
    resamples: int = 1000,
    seed: int = 20261130,
) -> pd.DataFrame:
    """Per package and disparity measure (:data:`DISPARITIES`): the ratio of the worst-off
    group's rate to everyone's, with a 95 % bootstrap interval over replications, and its
    paired difference to the baseline (the same resampled replications for both: common
    random numbers); ``worse`` when the package distinguishably widens the disparity (the
    difference's interval above 0). The bootstrap has its own fixed seed: deterministic."""
    import numpy as np

    groups = group_ids(frame)
    if not groups:
        return pd.DataFrame()
    base = frame[frame["package"] == baseline].set_index("replication").sort_index()
    rows = []
    from vtsim.model.streams import Streams

    for package in packages:
        sel = frame[frame["package"] == package].set_index("replication").sort_index()
        reps = sel.index.intersection(base.index)
        sel, ref = sel.loc[reps], base.loc[reps]
        if len(reps) == 0:
            continue
        rng = Streams(seed, 0).get("group-disparity-bootstrap", len(reps))
        idx = rng.integers(0, len(reps), (resamples, len(reps)))
        for did, label, num, den in DISPARITIES:
            got, got_ref = _rates(sel, groups, num, den), _rates(ref, groups, num, den)
            if got is None or got_ref is None:
                continue
            value = float(disparity_ratio(*got))
            boot = disparity_ratio(got[0][:, idx], got[1][:, idx])
            ref_value = float(disparity_ratio(*got_ref))
            boot_ref = disparity_ratio(got_ref[0][:, idx], got_ref[1][:, idx])
            diffs = boot - boot_ref
            ok = ~np.isnan(boot)
            okd = ~np.isnan(diffs)
            lo, hi = np.percentile(boot[ok], [2.5, 97.5]) if ok.any() else (math.nan,) * 2
            dlo, dhi = np.percentile(diffs[okd], [2.5, 97.5]) if okd.any() else (math.nan,) * 2
            # The worst-off group's ratio is a maximum, biased upward in resamples, so the
            # percentile interval can miss its own estimate: each interval is stretched to
            # hold it (conservative: a widening is flagged only when that one excludes 0).
            lo, hi = min(lo, value), max(hi, value)
            dlo, dhi = min(dlo, value - ref_value), max(dhi, value - ref_value)
            rates = got[0].sum(axis=-1) / np.where(
                got[1].sum(axis=-1) > 0, got[1].sum(axis=-1), np.nan
            )
            worst = groups[int(np.nanargmax(np.where(np.isnan(rates), -np.inf, rates)))]
            rows.append(
                {
                    "package": package,
                    "measure": did,
                    "label": label,
                    "worst_group": worst,
                    "value": value,
                    "lo": float(lo),
                    "hi": float(hi),
                    "baseline": ref_value,
                    "diff": value - ref_value,
                    "diff_lo": float(dlo),
                    "diff_hi": float(dhi),
                    "worse": package != baseline and bool(okd.any()) and float(dlo) > 0,
                }
            )
    return pd.DataFrame(rows)


def group_lines(frame: pd.DataFrame, packages: list[str], names: dict[str, str]) -> list[str]:
    """Per-group lines for ``vtsim run``: per package and group, casualties, the last
    person out and the queueing, each with its 95 % interval; then the disparity ratios.
    ``names`` maps group ids to their names (people-facing text shows no ids)."""
    summary = group_summary(frame, packages)
    if summary.empty:
        return []
    shown = ("casualties_total", "min_to_evacuate", "queue_wait_min_mean")
    out = ["BY POPULATION GROUP (mean per attack attempted [95 % interval])"]
    disparity = group_disparity(frame, packages)
    for package in packages:
        out.append(f"  {package}:")
        block = summary[(summary["package"] == package) & summary["metric"].isin(shown)]
        for gid in group_ids(frame):
            parts = []
            for _, r in block[block["group"] == gid].iterrows():
                if pd.isna(r["value"]):
                    parts.append(f"{r['label']} n/a")
                    continue
                parts.append(
                    f"{r['label']} {r['value']:.3g} [{r['lo']:.3g}, {r['hi']:.3g}] {r['unit']}"
                )
            out.append(f"    {names.get(gid, gid)}: " + "; ".join(parts))
        if "min_group_evacuation_gap" in frame.columns:
            gap = mean_interval(frame.loc[frame["package"] == package, "min_group_evacuation_gap"])
            if gap.n:
                out.append(
                    "    gap between the last person out of the slowest and of the fastest "
                    f"group: {gap.value:.3g} [{gap.lo:.3g}, {gap.hi:.3g}] min"
                )
        if not disparity.empty:
            for _, r in disparity[disparity["package"] == package].iterrows():
                worst = names.get(r["worst_group"], r["worst_group"])
                out.append(
                    f"    disparity, {r['label']}: worst-off group ({worst}) "
                    f"{r['value']:.3g} x the average [{r['lo']:.3g}, {r['hi']:.3g}]"
                )
    return out


# ------------------------------------------------------------ population groups: outputs
# The tables of scorecard.json, groups.png and the workbooks' "Groups" and "Disparity"
# sheets (vtsim.report).

GROUP_RATE = "casualties_per_1000_exposed"
"""The metric of the ``by_group`` rows holding a group's casualties per 1,000 of its
people exposed (summed over the replications; the rate the ``harm`` disparity compares)."""

GROUP_RATE_SEED = 20261130  # the rates' bootstrap: fixed, so the tables are deterministic


def group_names(scenario) -> dict[str, str]:
    """Group id -> the group's name (its id when it has none)."""
    from vtsim.model.groups import scenario_groups

    return {g.id: str(g.name) or g.id for g in scenario_groups(scenario)}


def group_tables(results):
    """``(by_group, disparity)``, two DataFrames, both empty without population groups.

    ``by_group``: per package, group and metric, the mean per attack attempted over the
    replications with its 95 % interval (:func:`group_summary`),
    plus the group's casualties per 1,000 of its people exposed (metric
    :data:`GROUP_RATE`: summed casualties over summed exposed, with a 95 % bootstrap
    interval over replications); with the group's ``name``.

    ``disparity``: per package and measure, the worst-off group's rate over everyone's
    with its interval, the paired difference to the baseline and ``worse`` (the package
    distinguishably widens the disparity)
    (:func:`group_disparity`); with ``worst_group_name``."""
    import pandas as pd

    frame, packages = results.frame, list(results.packages)
    groups = group_ids(frame)
    if not groups:
        return pd.DataFrame(), pd.DataFrame()
    names = group_names(results.scenario)
    summary = group_summary(frame, packages)
    rates = _group_rates(frame, packages, groups)
    by_group = pd.concat([rates, summary], ignore_index=True)
    order = {m: i for i, m in enumerate([GROUP_RATE, *(m for m, _, _ in GROUP_METRICS)])}
    by_group = by_group.assign(
        _p=by_group["package"].map({p: i for i, p in enumerate(packages)}),
        _g=by_group["group"].map({g: i for i, g in enumerate(groups)}),
        _m=by_group["metric"].map(order),
    )
    by_group = by_group.sort_values(["_p", "_g", "_m"], kind="stable")
    by_group = by_group.drop(columns=["_p", "_g", "_m"]).reset_index(drop=True)
    by_group.insert(2, "name", [names.get(g, g) for g in by_group["group"]])
    baseline = "baseline" if "baseline" in packages else packages[0]
    disparity = group_disparity(frame, packages, baseline=baseline)
    if not disparity.empty:
        disparity.insert(4, "worst_group_name", [names.get(g, g) for g in disparity["worst_group"]])
    return by_group, disparity


def _group_rates(frame, packages: list[str], groups: list[str], resamples: int = 1000):
    """Per package and group: casualties per 1,000 people exposed, summed over the
    replications, with a 95 % bootstrap interval (the same resamples for every package
    and group)."""
    import math

    import numpy as np
    import pandas as pd

    from vtsim.model.streams import Streams

    rows = []
    for package in packages:
        sel = frame[frame["package"] == package].sort_values("replication", kind="stable")
        if not len(sel):
            continue
        rng = Streams(GROUP_RATE_SEED, 0).get("group-rate-bootstrap", len(sel))
        idx = rng.integers(0, len(sel), (resamples, len(sel)))
        for gid in groups:
            cas, exp = f"casualties_total{GROUP_SEP}{gid}", f"exposed{GROUP_SEP}{gid}"
            if cas not in sel.columns or exp not in sel.columns:
                continue
            c = np.nan_to_num(sel[cas].to_numpy(dtype=float))
            e = np.nan_to_num(sel[exp].to_numpy(dtype=float))
            value = 1000 * c.sum() / e.sum() if e.sum() > 0 else math.nan
            den = e[idx].sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                boot = np.where(den > 0, 1000 * c[idx].sum(axis=1) / den, np.nan)
            ok = boot[~np.isnan(boot)]
            lo, hi = np.percentile(ok, [2.5, 97.5]) if len(ok) else (math.nan, math.nan)
            rows.append(
                {
                    "package": package,
                    "group": gid,
                    "metric": GROUP_RATE,
                    "label": "casualties per 1,000 people exposed",
                    "unit": "per 1,000 exposed",
                    "value": float(value),
                    "lo": float(lo),
                    "hi": float(hi),
                    "n": int((e > 0).sum()),
                }
            )
    return pd.DataFrame(rows)
