"""Robustness and scenario discovery that respect Monte Carlo noise.

A sweep runs every package at a point on the same replications (the same ``(seed,
replication)``: common random numbers), so two packages at a point are compared on
*paired* replications: the interval of their mean difference is much narrower than the
two separate intervals suggest, and it is the right one for "is A better than B here?".

- :func:`best_table`: per point, the best package by point means, the runner-up, the paired
  95 % interval of their gap, and a verdict: the best package, or ``"not distinguishable"``
  when that interval includes zero (the replications cannot tell them apart).
- :func:`regret_intervals`: per point and package, regret (how much worse than the best
  package there) with its paired 95 % interval.
- :func:`regret_summary`: per package, mean regret across points with a 95 % interval (over
  replications: replication ``r`` is the same random stream at every point, so the mean over
  points is formed per replication first and the interval is taken across replications),
  the share of points where it is best, clearly best, and possibly best (not worse than the
  best beyond noise).
- :func:`satisficing`: per package, the share of points where it meets a threshold
  (``casualties_total <= T``), with a Wilson interval over points, counted three ways: by
  the point mean, "surely" (the mean's 95 % interval lies entirely on the good side), and
  "possibly" (the interval reaches the good side).
- :func:`prim_box`: PRIM (Friedman & Fisher 1999) with pasting, a minimum mass, and
  quasi-p-values per restricted factor (Bryant & Lempert 2010): a restriction whose
  qp-value exceeds ``qp_max`` (0.05) is dropped, the least significant first.
- :func:`cart_box`: the CART alternative (scikit-learn's ``DecisionTreeClassifier``): the leaf
  with the highest density of cases, as a box.

Scenario discovery warns (:class:`DiscoveryWarning`) when the case rule makes every point or
no point a case: there is then nothing to explain and the box is the whole space.

The intervals are conditional on the design's points (each point is a fixed experiment);
the Wilson intervals over points treat the points as a sample of the uncertainty space,
which holds for a Latin hypercube or Monte Carlo design, not for a one-at-a-time design.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from vtsim.analysis.stats import proportion_interval, t_quantile_975
from vtsim.errors import VtsimError

NOT_DISTINGUISHABLE = "not distinguishable"


class DiscoveryWarning(UserWarning):
    """Scenario discovery has nothing to explain (every or no point is a case)."""


# -- paired comparisons -------------------------------------------------------------------
def _sign(better: str) -> float:
    if better not in ("lower", "higher"):
        raise VtsimError(f"better must be 'lower' or 'higher'; got {better!r}.")
    return 1.0 if better == "lower" else -1.0


def wide(results, outcome: str) -> pd.DataFrame:
    """Rows (point, replication), one column per package: the paired replications."""
    results._check(outcome)
    frame = results.frame[["point", "replication", "package", outcome]]
    table = frame.set_index(["point", "replication", "package"])[outcome].unstack("package")
    table = table.astype(float)
    return table[[p for p in results.packages if p in table.columns]].sort_index()


def _interval(groups) -> pd.DataFrame:
    """Mean, 95 % t-interval and n of each group (a GroupBy of one column)."""
    out = groups.agg(["mean", "std", "count"])
    n = out["count"].astype(int)
    t = n.map(lambda k: t_quantile_975(int(k) - 1) if k > 1 else math.nan)
    half = t * out["std"] / np.sqrt(n.where(n > 0))
    half = half.where(out["std"] != 0, 0.0)  # identical replications: exact
    return pd.DataFrame(
        {"mean": out["mean"], "lo": out["mean"] - half, "hi": out["mean"] + half, "n": n}
    )


def _best_columns(means: pd.DataFrame, sign: float) -> tuple[pd.Series, pd.Series]:
    """Per point: the best and the runner-up package by point means (ties: package order)."""
    values = sign * means.to_numpy(dtype=float)
    values = np.where(np.isnan(values), np.inf, values)
    order = np.argsort(values, axis=1, kind="stable")
    cols = np.asarray(means.columns, dtype=object)
    rows = np.arange(len(values))

    def pick(k):
        if values.shape[1] <= k:
            return pd.Series([None] * len(values), index=means.index, dtype=object)
        found = np.isfinite(values[rows, order[:, k]])
        return pd.Series(np.where(found, cols[order[:, k]], None), index=means.index)

    return pick(0), pick(1)


def _gaps(table: pd.DataFrame, reference: pd.Series, sign: float) -> pd.DataFrame:
    """Per (point, replication) and package: ``sign * (package - reference package)``."""
    ref = reference.reindex(table.index.get_level_values("point")).to_numpy()
    cols = {c: i for i, c in enumerate(table.columns)}
    values = table.to_numpy()
    idx = np.array([cols.get(r, -1) if r is not None else -1 for r in ref])
    ref_values = np.where(idx >= 0, values[np.arange(len(values)), np.maximum(idx, 0)], np.nan)
    return pd.DataFrame(
        sign * (values - ref_values[:, None]), index=table.index, columns=list(table.columns)
    )


def best_table(results, outcome: str, better: str = "lower") -> pd.DataFrame:
    """Per point: ``best`` and ``runner_up`` by point means, their paired ``gap`` (how much
    worse the runner-up is, >= 0) with its 95 % interval ``lo``..``hi`` over ``n`` paired
    replications, ``distinguishable`` (the interval excludes zero), ``verdict`` (the best
    package, or ``"not distinguishable"``) and ``tied``: the packages not worse than the
    best beyond noise (the best included; with one replication nothing is beyond noise)."""
    sign = _sign(better)
    table = wide(results, outcome)
    means = table.groupby(level="point").mean()
    best, runner = _best_columns(means, sign)
    gaps = _gaps(table, best, sign)
    stats = {c: _interval(gaps[c].groupby(level="point")).reindex(means.index) for c in gaps}
    cols = list(gaps.columns)
    col_of = {c: i for i, c in enumerate(cols)}
    rows = np.arange(len(means))
    idx = np.array([col_of.get(r, -1) for r in runner])

    def of_runner(field):
        block = np.column_stack([stats[c][field].to_numpy(dtype=float) for c in cols])
        return np.where(idx >= 0, block[rows, np.maximum(idx, 0)], np.nan)

    gap, lo, hi, n = (of_runner(f) for f in ("mean", "lo", "hi", "n"))
    clear = (lo > 0) | (hi < 0)  # NaN compares False: not distinguishable
    worse = np.column_stack([(stats[c]["lo"] > 0).to_numpy() for c in cols])
    tied = [
        ", ".join([b] + [c for j, c in enumerate(cols) if c != b and not worse[i, j]])
        if b is not None
        else ""
        for i, b in enumerate(best)
    ]
    best_mean = np.where(
        best.notna(), means.to_numpy(dtype=float)[rows, [col_of.get(b, 0) for b in best]], np.nan
    )
    out = pd.DataFrame(
        {
            "point": means.index,
            "outcome": outcome,
            "best": best.to_numpy(),
            "runner_up": runner.to_numpy(),
            "best_mean": best_mean,
            "runner_up_mean": best_mean + sign * gap,
            "gap": gap,
            "lo": lo,
            "hi": hi,
            "n": np.nan_to_num(n).astype(int),
            "distinguishable": clear,
            "verdict": np.where(clear, best.to_numpy(), NOT_DISTINGUISHABLE),
            "tied": tied,
        }
    )
    return out.merge(results.design, left_on="point", right_index=True, how="left")


def regret_intervals(results, outcome: str, better: str = "lower") -> pd.DataFrame:
    """Per point and package: ``regret`` (mean paired gap to the best package at that
    point, >= 0), its 95 % interval ``lo``..``hi`` and ``n``; ``clearly_worse`` when the
    interval excludes zero (the package is worse than the best there beyond noise)."""
    sign = _sign(better)
    table = wide(results, outcome)
    means = table.groupby(level="point").mean()
    best, _ = _best_columns(means, sign)
    gaps = _gaps(table, best, sign)
    parts = []
    for package in gaps.columns:
        stats = _interval(gaps[package].groupby(level="point"))
        stats.insert(0, "package", package)
        parts.append(stats.rename(columns={"mean": "regret"}).reset_index())
    out = pd.concat(parts, ignore_index=True)
    out["best"] = out["point"].map(best)
    out["clearly_worse"] = (out["lo"] > 0).fillna(False).astype(bool)
    out.insert(2, "outcome", outcome)
    return out.sort_values(["point"], kind="stable", ignore_index=True)


def regret_summary(results, outcome: str, better: str = "lower") -> pd.DataFrame:
    """Per package: mean regret across points with a 95 % interval over replications,
    90th percentile and maximum of the point regrets, and the shares of points where the
    package is best (by point means), clearly best (best and distinguishable from the
    runner-up) and possibly best (its regret interval includes zero)."""
    sign = _sign(better)
    table = wide(results, outcome)
    means = table.groupby(level="point").mean()
    best, _ = _best_columns(means, sign)
    gaps = _gaps(table, best, sign)
    per_point = gaps.groupby(level="point").mean()
    per_rep = gaps.groupby(level="replication").mean()  # mean over points, per replication
    bests = best_table(results, outcome, better)
    intervals = regret_intervals(results, outcome, better)
    rows = []
    for package in table.columns:
        reps = per_rep[package].dropna()
        n = len(reps)
        mean = float(per_point[package].mean())
        if n > 1 and reps.std(ddof=1) > 0:
            half = t_quantile_975(n - 1) * float(reps.std(ddof=1)) / math.sqrt(n)
        else:
            half = 0.0 if n > 1 else math.nan
        mine = intervals[intervals["package"] == package]
        rows.append(
            {
                "package": package,
                "outcome": outcome,
                "mean_regret": mean,
                "mean_regret_lo": mean - half,
                "mean_regret_hi": mean + half,
                "p90_regret": float(per_point[package].quantile(0.9)),
                "max_regret": float(per_point[package].max()),
                "share_best": float((best == package).mean()),
                "share_clear_best": float((bests["verdict"] == package).mean()),
                "share_possibly_best": float((~mine["clearly_worse"]).mean()),
            }
        )
    return pd.DataFrame(rows)


def satisficing(results, outcome: str, threshold: float, better: str = "lower") -> pd.DataFrame:
    """Per package: the share of points where it meets ``outcome <= threshold`` (``>=``
    with ``better="higher"``), with a 95 % Wilson interval over points, three ways:

    - ``share``: the point mean meets the threshold;
    - ``share_sure``: the whole 95 % interval of the point mean meets it (a point with one
      replication, whose interval is unknown, does not count);
    - ``share_possible``: some of the interval meets it.

    The true share lies between ``share_sure`` and ``share_possible`` up to the noise of
    the replications; ``share`` is the usual point estimate."""
    sign = _sign(better)
    summary = results.summary(outcome)
    rule = f"{outcome} {'<=' if sign > 0 else '>='} {threshold:g}"
    rows = []
    for package in results.packages:
        part = summary[summary["package"] == package]
        if part.empty:
            continue
        mean, lo, hi = (part[c].to_numpy(dtype=float) for c in ("mean", "lo", "hi"))
        if sign > 0:
            meets, sure, possible = mean <= threshold, hi <= threshold, lo <= threshold
        else:
            meets, sure, possible = mean >= threshold, lo >= threshold, hi >= threshold
        possible = possible | (np.isnan(lo) & meets)
        row = {"package": package, "outcome": outcome, "rule": rule, "points": len(part)}
        for name, hits in (("share", meets), ("share_sure", sure), ("share_possible", possible)):
            est = proportion_interval(hits.astype(float))
            row[name], row[f"{name}_lo"], row[f"{name}_hi"] = est.value, est.lo, est.hi
        rows.append(row)
    return pd.DataFrame(rows)


# -- scenario discovery -------------------------------------------------------------------
def _inside(x: np.ndarray, limits: np.ndarray) -> np.ndarray:
    return np.all((x >= limits[:, 0]) & (x <= limits[:, 1]), axis=1)


def _stats(inside: np.ndarray, y: np.ndarray, total: float) -> tuple[float, float, float]:
    k = int(inside.sum())
    support = k / len(y)
    density = float(y[inside].mean()) if k else math.nan
    coverage = float(y[inside].sum() / total) if total else math.nan
    return support, density, coverage


def quasi_p_values(x: np.ndarray, y: np.ndarray, limits: np.ndarray, full: np.ndarray) -> dict:
    """Per restricted factor (column index): the one-sided binomial probability of at least
    the box's cases among its points, were the density that of the box without that
    restriction (Bryant & Lempert 2010). Small: the restriction is significant."""
    from scipy.stats import binom

    inside = _inside(x, limits)
    n, k = int(inside.sum()), int(y[inside].sum())
    out = {}
    for j in range(x.shape[1]):
        if tuple(limits[j]) == tuple(full[j]):
            continue
        loose = limits.copy()
        loose[j] = full[j]
        wider = _inside(x, loose)
        p = float(y[wider].mean()) if wider.any() else 0.0
        out[j] = float(binom.sf(k - 1, n, p)) if n else 1.0
    return out


def _paste(x, y, limits, full, alpha, total):
    """Widen the box one side at a time while density does not fall and coverage grows."""
    while True:
        inside = _inside(x, limits)
        _, density, coverage = _stats(inside, y, total)
        step = max(1, int(round(alpha * inside.sum())))
        best = None
        for j in range(x.shape[1]):
            others = limits.copy()
            others[j] = full[j]
            free = _inside(x, others) & ~inside
            col = x[:, j]
            for side in (0, 1):
                out = free & ((col < limits[j, 0]) if side == 0 else (col > limits[j, 1]))
                if not out.any():
                    continue
                values = np.sort(col[out])
                edge = values[-step:] if side == 0 else values[:step]
                trial = limits.copy()
                trial[j, side] = edge.min() if side == 0 else edge.max()
                new = _inside(x, trial)
                _, d, c = _stats(new, y, total)
                if d >= density and c > coverage and (best is None or (d, c) > best[0]):
                    best = ((d, c), trial)
        if best is None:
            return limits
        limits = best[1]


def _whole_space_warning(total: float, n: int, label: str) -> str | None:
    if total == 0:
        why = "no point is a case"
    elif total == n:
        why = "every point is a case"
    else:
        return None
    message = (
        f"scenario discovery has nothing to explain: {why} ({label}); the box is the whole "
        "space. Change the rule or the threshold."
    )
    warnings.warn(message, DiscoveryWarning, stacklevel=_caller_level())
    return message


def _caller_level() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside this module
    and :mod:`vtsim.batch.analysis` (the researcher's line, not ours)."""
    import sys

    frame, level = sys._getframe(1), 1  # the function that warns: stacklevel 1
    inside = ("vtsim.batch.robustness", "vtsim.batch.analysis")
    while frame is not None and frame.f_globals.get("__name__") in inside:
        frame, level = frame.f_back, level + 1
    return level


def _box_frame(columns, limits, full, qp: dict) -> pd.DataFrame:
    rows = []
    for j, c in enumerate(columns):
        lo, hi = float(limits[j, 0]), float(limits[j, 1])
        width = full[j, 1] - full[j, 0]
        restricted = (lo, hi) != (float(full[j, 0]), float(full[j, 1]))
        rows.append(
            {
                "factor": c,
                "low": lo,
                "high": hi,
                "restricted": restricted,
                "kept": (hi - lo) / width if width > 0 else 1.0,
                "qp": qp.get(j, math.nan),
            }
        )
    return pd.DataFrame(rows)


def prim_box(
    x: pd.DataFrame,
    y,
    alpha: float = 0.1,
    min_support: float = 0.1,
    *,
    min_coverage: float = 0.5,
    paste: bool = True,
    qp_max: float | None = 0.05,
    label: str = "the case rule",
) -> dict:
    """PRIM with pasting, a minimum mass and quasi-p-values.

    Peel a share ``alpha`` of the box's points off one side of one factor at a time,
    keeping the peel that raises the density of cases most, while the box keeps at least
    ``min_support`` of all points (the minimum mass). The box chosen on the peeling
    trajectory is the densest one covering at least ``min_coverage`` of the cases; it is
    then pasted (widened while its density does not fall and its coverage grows). Each
    restricted factor gets a quasi-p-value (:func:`quasi_p_values`); while one exceeds
    ``qp_max``, the least significant restriction is dropped (``dropped``), since it
    is most likely fitted to noise.

    Returns ``box`` (factor, low, high, restricted, kept, qp), ``coverage``, ``density``,
    ``support``, ``failure_rate``, ``trajectory``, ``dropped`` and ``warning`` (a message,
    also issued as :class:`DiscoveryWarning`, when every or no point is a case).
    """
    columns = list(x.columns)
    xv = x.to_numpy(dtype=float)
    yv = np.asarray(y, dtype=float)
    n = len(yv)
    if n == 0:
        raise VtsimError("scenario discovery needs at least one point.")
    if not 0 < alpha < 1 or not 0 < min_support <= 1:
        raise VtsimError("alpha must be in (0, 1) and min_support in (0, 1].")
    total = float(np.nansum(yv))
    yv = np.nan_to_num(yv)
    full = np.column_stack([xv.min(axis=0), xv.max(axis=0)]) if len(columns) else np.zeros((0, 2))
    limits = full.copy()
    inside = np.ones(n, dtype=bool)
    warning = _whole_space_warning(total, n, label)
    trajectory = [(limits.copy(), *_stats(inside, yv, total))]
    while warning is None and inside.sum() > max(1, min_support * n):
        best = None
        for j in range(len(columns)):
            col = xv[:, j]
            values = col[inside]
            for side, cut in ((0, np.quantile(values, alpha)), (1, np.quantile(values, 1 - alpha))):
                keep = inside & (col >= cut if side == 0 else col <= cut)
                if keep.sum() in (0, inside.sum()):
                    continue
                density = yv[keep].mean()
                if best is None or density > best[0]:
                    best = (density, j, side, cut, keep)
        if best is None or best[4].sum() < min_support * n:
            break
        _, j, side, cut, keep = best
        limits[j, side] = float(cut)
        inside = keep
        trajectory.append((limits.copy(), *_stats(inside, yv, total)))
    eligible = [i for i, t in enumerate(trajectory) if t[3] >= min_coverage] or [0]
    chosen = max(eligible, key=lambda i: (trajectory[i][2], -i))
    limits = trajectory[chosen][0].copy()
    if warning is None and paste and chosen > 0:
        limits = _paste(xv, yv, limits, full, alpha, total)
    dropped = []
    qp = quasi_p_values(xv, yv, limits, full) if warning is None else {}
    while qp_max is not None and qp and max(qp.values()) > qp_max:
        j = max(qp, key=lambda k: (qp[k], k))
        dropped.append({"factor": columns[j], "qp": qp[j]})
        limits[j] = full[j]
        qp = quasi_p_values(xv, yv, limits, full)
    support, density, coverage = _stats(_inside(xv, limits), yv, total)
    traj = pd.DataFrame([{"support": s, "density": d, "coverage": c} for _, s, d, c in trajectory])
    return {
        "box": _box_frame(columns, limits, full, qp),
        "coverage": coverage,
        "density": density,
        "support": support,
        "failure_rate": total / n,
        "trajectory": traj,
        "dropped": pd.DataFrame(dropped, columns=["factor", "qp"]),
        "warning": warning,
        "method": "prim",
    }


def cart_box(
    x: pd.DataFrame,
    y,
    max_depth: int = 3,
    min_support: float = 0.1,
    *,
    label: str = "the case rule",
    random_state: int = 0,
) -> dict:
    """CART (classification tree) as an alternative to PRIM: a tree of depth ``max_depth``
    whose leaves hold at least ``min_support`` of the points; the box is the leaf with the
    highest density of cases (ties: the one holding more cases). Its ``low`` bounds are
    exclusive where a split set them (``x > t``). Also returns ``leaves`` (every leaf's
    box and statistics) and ``rules`` (the tree as text). Needs scikit-learn."""
    try:
        from sklearn.tree import DecisionTreeClassifier, export_text
    except ImportError:
        raise VtsimError(
            "the CART alternative needs scikit-learn (pip install scikit-learn); "
            "PRIM (method='prim') does not."
        ) from None
    columns = list(x.columns)
    xv = x.to_numpy(dtype=float)
    yv = np.nan_to_num(np.asarray(y, dtype=float)).astype(int)
    n, total = len(yv), float(yv.sum())
    full = np.column_stack([xv.min(axis=0), xv.max(axis=0)])
    warning = _whole_space_warning(total, n, label)
    if warning is not None:
        return {
            "box": _box_frame(columns, full, full, {}),
            "coverage": math.nan if total == 0 else 1.0,
            "density": total / n,
            "support": 1.0,
            "failure_rate": total / n,
            "leaves": pd.DataFrame(),
            "rules": "",
            "warning": warning,
            "method": "cart",
        }
    tree = DecisionTreeClassifier(
        max_depth=max_depth,
        min_samples_leaf=max(1, math.ceil(min_support * n)),
        random_state=random_state,
    ).fit(xv, yv)
    t = tree.tree_
    boxes: dict[int, np.ndarray] = {}

    def walk(node, limits):
        if t.children_left[node] == -1:
            boxes[node] = limits
            return
        j, thr = t.feature[node], t.threshold[node]
        left, right = limits.copy(), limits.copy()
        left[j, 1] = min(left[j, 1], thr)
        right[j, 0] = max(right[j, 0], thr)
        walk(t.children_left[node], left)
        walk(t.children_right[node], right)

    walk(0, full.copy())
    leaf_of = tree.apply(xv)
    leaves = []
    for node in boxes:
        inside = leaf_of == node
        support, density, coverage = _stats(inside, yv.astype(float), total)
        leaves.append(
            {"leaf": int(node), "support": support, "density": density, "coverage": coverage}
        )
    leaves = pd.DataFrame(leaves).sort_values(
        ["density", "coverage"], ascending=False, kind="stable", ignore_index=True
    )
    top = leaves.iloc[0]
    limits = boxes[int(top["leaf"])]
    return {
        "box": _box_frame(columns, limits, full, {}),
        "coverage": float(top["coverage"]),
        "density": float(top["density"]),
        "support": float(top["support"]),
        "failure_rate": total / n,
        "leaves": leaves,
        "rules": export_text(tree, feature_names=[str(c) for c in columns], decimals=4),
        "warning": None,
        "method": "cart",
    }
