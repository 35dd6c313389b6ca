"""Global sensitivity indices with confidence intervals, matched to a sweep's design.

=================  ==========================================  ==============================
design             method (``method=None`` picks it)           indices
=================  ==========================================  ==============================
sobol              ``sobol``: Saltelli/Jansen estimators,      ``S1``, ``ST`` (and ``S2`` with
                   SALib ``analyze.sobol``                     ``calc_second_order``)
morris             ``morris``: elementary effects, SALib       ``mu_star``, ``sigma``, ``mu``
                   ``analyze.morris``
fast               ``fast``: extended FAST, SALib              ``S1``, ``ST``
                   ``analyze.fast``
latin_hypercube,   ``src``: standardised regression            ``SRC`` (and ``R2``)
hypercube, table,  coefficients of an ordinary least-squares
full_factorial     fit, with t-intervals and p-values
one_at_a_time      refused: one factor moves at a time, so
                   nothing global can be estimated
=================  ==========================================  ==============================

Intervals (``lo``, ``hi``; 95 % by default): Sobol and FAST from SALib's bootstrap over
the base sample (``value -/+ conf``; SALib warns FAST's are indicative only); Morris
``mu_star`` from SALib's bootstrap, ``sigma`` and ``mu`` by a percentile bootstrap over
whole trajectories; SRC from the regression's standard errors (Student t), with the
p-value of "no effect". SRC is refused on Sobol, Morris and FAST designs (their points are
not a random sample: a Saltelli sample repeats rows column by column, a trajectory or a
search curve is a path), a factorial or table with fewer than k + 2 points, and any
outcome that is constant across points (no variance to share out).

**Noise.** A stochastic simulation gives each point ``R`` replications; indices are
computed on the point means (the design's structure is one value per point). Beside them
two columns say how much of what is analysed is Monte Carlo noise, per package:

- ``noise_share`` = mean within-point variance / total variance, the total being the
  within-point variance plus the variance of the true point means (estimated from the
  point means less their noise): the share of the outcome's variance, replication to
  replication, that no factor can explain;
- ``noise_in_means`` = (residual variance / R) / variance of the point means: the share
  of the analysed variance that is Monte Carlo noise. Replications are paired across
  points (common random numbers), so the residual is the point x replication
  interaction of a two-way layout, not the within-point variance: a replication's
  effect shared by every point does not blur the comparison of points. Indices are
  attenuated by about this share, and an index below it is indistinguishable from
  noise; more replications shrink it as 1/R.

With one replication per point both are NaN (not estimable). Because every point runs
the same replications, a point mean is a deterministic function of the factors (for that
set of replications), so the Sobol, Morris and FAST estimators are consistent for it; what
``noise_in_means`` measures is how far that function may stand from the expected outcome.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from vtsim.errors import VtsimError

COLUMNS = ("factor", "index", "value", "lo", "hi", "p_value")

DEFAULT_METHOD = {
    "sobol": "sobol",
    "morris": "morris",
    "fast": "fast",
    "latin_hypercube": "src",
    "hypercube": "src",
    "table": "src",
    "full_factorial": "src",
}

NOT_SRC = {
    "sobol": "a Saltelli sample repeats its base rows column by column, so its points "
    "are not a random sample and regression coefficients mean nothing there",
    "morris": "Morris trajectories are paths through a grid, not a random sample",
    "fast": "a FAST search curve is a path, not a random sample",
    "one_at_a_time": "a one-at-a-time design moves one factor at a time around a centre "
    "point, so it estimates local effects, not global ones",
}


def default_method(kind: str) -> str:
    """The method a design supports (VtsimError for one_at_a_time)."""
    if kind not in DEFAULT_METHOD:
        raise VtsimError(
            f"no global sensitivity index is defined for a {kind} design: "
            f"{NOT_SRC.get(kind, 'unknown design')}. Use a sobol, morris, fast or "
            "hypercube design (or look at each factor's effect in the robustness figure)."
        )
    return DEFAULT_METHOD[kind]


def check_method(kind: str, method: str | None) -> str:
    """The method to use on a ``kind`` design, or VtsimError saying why not."""
    if method is None:
        return default_method(kind)
    if method not in ("sobol", "morris", "fast", "src"):
        raise VtsimError(f"unknown method '{method}'; expected sobol, morris, fast or src.")
    if method == "src":
        if kind in NOT_SRC:
            raise VtsimError(f"SRC is refused for a {kind} design: {NOT_SRC[kind]}.")
        return method
    if kind != method:
        raise VtsimError(
            f"{method} indices need a {method} design (design: {{kind: {method}, ...}}); "
            f"this sweep's design is {kind}."
        )
    return method


def indices(
    design_spec,
    design: pd.DataFrame,
    y,
    *,
    method: str | None = None,
    seed: int = 0,
    conf_level: float = 0.95,
    num_resamples: int = 200,
    label: str = "the outcome",
) -> pd.DataFrame:
    """Sensitivity indices of ``y`` (one value per point of ``design``, in its order) on
    the design's factors: a DataFrame (factor, index, value, lo, hi, p_value).

    ``design_spec`` is the sweep's :class:`~vtsim.batch.sweep.Design` (or its dict); the
    analysis checks that ``y`` has the shape that design implies. ``seed`` makes the
    bootstraps reproducible (the sweep's seed)."""
    spec = design_spec if isinstance(design_spec, dict) else design_spec.model_dump()
    kind = spec.get("kind") or "table"
    method = check_method(kind, method)
    y = np.asarray(y, dtype=float).ravel()
    if len(y) != len(design):
        raise VtsimError(
            f"{label}: {len(y)} values for a design of {len(design)} points; "
            "every point needs a value."
        )
    factors = list(design.columns)
    finite = np.isfinite(y)
    if method != "src" and not finite.all():
        raise VtsimError(
            f"{label}: {int((~finite).sum())} of {len(y)} points have no value (an "
            f"unfinished run?); {method} indices need every point of the design."
        )
    if np.nanstd(y) == 0 or finite.sum() < 2:
        value = float(y[finite][0]) if finite.any() else float("nan")
        raise VtsimError(
            f"{label} is constant ({value:g}) across the design's points: no factor "
            "explains any of its variance, so no sensitivity index is defined."
        )
    from vtsim.batch.designs import design_seed

    bseed = design_seed(seed)
    if method == "sobol":
        return _sobol(
            factors, y, bool(spec.get("calc_second_order")), conf_level, num_resamples, bseed
        )
    if method == "morris":
        return _morris(
            factors, design, y, int(spec.get("levels") or 4), conf_level, num_resamples, bseed
        )
    if method == "fast":
        return _fast(
            factors, y, int(spec.get("interference") or 4), conf_level, num_resamples, bseed
        )
    return src(design, y, conf_level, label=label)


def _frame(rows) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    out["p_value"] = out["p_value"].astype(float)
    return out


def _problem(factors):
    return {"num_vars": len(factors), "names": list(factors), "bounds": [[0.0, 1.0]] * len(factors)}


def _sobol(factors, y, second, conf_level, num_resamples, seed) -> pd.DataFrame:
    from SALib.analyze import sobol

    k = len(factors)
    per = 2 * k + 2 if second else k + 2
    if len(y) % per:
        raise VtsimError(
            f"a Sobol analysis of {k} factors needs a multiple of {per} points; got {len(y)}."
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        si = sobol.analyze(
            _problem(factors),
            y,
            calc_second_order=second,
            num_resamples=num_resamples,
            conf_level=conf_level,
            seed=seed,
        )
    rows = []
    for name in ("S1", "ST"):
        for f, v, c in zip(factors, si[name], si[f"{name}_conf"]):
            rows.append((f, name, float(v), float(v - c), float(v + c), np.nan))
    if second:
        for i in range(k):
            for j in range(i + 1, k):
                v, c = float(si["S2"][i][j]), float(si["S2_conf"][i][j])
                rows.append((f"{factors[i]}:{factors[j]}", "S2", v, v - c, v + c, np.nan))
    return _frame(rows)


def _fast(factors, y, m, conf_level, num_resamples, seed) -> pd.DataFrame:
    from SALib.analyze import fast

    k = len(factors)
    if len(y) % k:
        raise VtsimError(f"a FAST analysis of {k} factors needs a multiple of {k} points.")
    # SALib's FAST bootstrap seeds numpy's global generator: put it back afterwards
    state = np.random.get_state()  # noqa: NPY002
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            si = fast.analyze(
                _problem(factors),
                y,
                M=m,
                num_resamples=num_resamples,
                conf_level=conf_level,
                seed=seed or 1,
            )
    finally:
        np.random.set_state(state)  # noqa: NPY002
    rows = []
    for name in ("S1", "ST"):
        for f, v, c in zip(factors, si[name], si[f"{name}_conf"]):
            rows.append((f, name, float(v), float(v - c), float(v + c), np.nan))
    return _frame(rows)


def _morris(factors, design, y, levels, conf_level, num_resamples, seed) -> pd.DataFrame:
    from SALib.analyze import morris

    k = len(factors)
    x = design[factors].to_numpy(dtype=float)
    if len(y) % (k + 1):
        raise VtsimError(
            f"a Morris analysis of {k} factors needs trajectories of {k + 1} points; "
            f"got {len(y)} points."
        )
    r = len(y) // (k + 1)
    steps = np.diff(x.reshape(r, k + 1, k), axis=1)
    moved = (np.abs(steps) > 0).sum(axis=2)
    if (moved != 1).any():
        raise VtsimError(
            "a Morris analysis needs every step of a trajectory to move exactly one factor; "
            "some steps move none (a factor with fewer distinct values or whole numbers "
            "than the Morris levels?) or several."
        )
    # Morris's elementary effects are per step of the unit grid; pass the unit design
    # (each factor's values scaled to [0, 1]) so mu* is in outcome units per full range.
    lo, hi = x.min(axis=0), x.max(axis=0)
    unit = (x - lo) / np.where(hi > lo, hi - lo, 1.0)
    problem = _problem(factors)

    def run(rows_x, rows_y, resamples, s):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return morris.analyze(
                problem,
                rows_x,
                rows_y,
                num_resamples=resamples,
                conf_level=conf_level,
                num_levels=levels,
                seed=s,
            )

    si = run(unit, y, num_resamples, seed)
    rng = np.random.Generator(np.random.PCG64(seed))
    boot = {"sigma": [], "mu": []}
    tx, ty = unit.reshape(r, k + 1, k), y.reshape(r, k + 1)
    for _ in range(num_resamples if r > 1 else 0):
        pick = rng.integers(0, r, r)
        b = run(tx[pick].reshape(-1, k), ty[pick].ravel(), 2, seed)
        boot["sigma"].append(np.asarray(b["sigma"], dtype=float))
        boot["mu"].append(np.asarray(b["mu"], dtype=float))
    tail = (1 - conf_level) / 2
    rows = []
    for i, f in enumerate(factors):
        v, c = float(si["mu_star"][i]), float(si["mu_star_conf"][i])
        rows.append((f, "mu_star", v, max(0.0, v - c), v + c, np.nan))
    for name in ("sigma", "mu"):
        draws = np.array(boot[name]) if boot[name] else None
        for i, f in enumerate(factors):
            v = float(si[name][i])
            if draws is None:
                lo_, hi_ = np.nan, np.nan
            else:
                lo_, hi_ = np.nanquantile(draws[:, i], [tail, 1 - tail])
            rows.append((f, name, v, float(lo_), float(hi_), np.nan))
    return _frame(rows)


def src(design: pd.DataFrame, y, conf_level: float = 0.95, label: str = "the outcome"):
    """Standardised regression coefficients of ``y`` on the design's factors (ordinary
    least squares on standardised variables), with t-intervals, p-values and R^2 (a row
    ``factor="*"``, ``index="R2"``). Factors that do not vary are left out."""
    from scipy import stats

    y = np.asarray(y, dtype=float)
    ok = np.isfinite(y)
    x = design.loc[ok]
    keep = [c for c in x.columns if x[c].std() > 0]
    n, k = int(ok.sum()), len(keep)
    if not keep:
        raise VtsimError(f"{label}: no factor varies across the design's points.")
    if n < k + 2:
        raise VtsimError(
            f"SRC is refused: {n} points for {k} varying factors; a regression with "
            f"intervals needs at least k + 2 = {k + 2} points (use a hypercube design)."
        )
    yv = y[ok]
    xs = ((x[keep] - x[keep].mean()) / x[keep].std()).to_numpy()
    ys = (yv - yv.mean()) / yv.std(ddof=1)
    a = np.column_stack([np.ones(n), xs])
    coef, *_ = np.linalg.lstsq(a, ys, rcond=None)
    resid = ys - a @ coef
    dof = n - k - 1
    sigma2 = float(resid @ resid) / dof
    cov = sigma2 * np.linalg.pinv(a.T @ a)
    se = np.sqrt(np.clip(np.diag(cov)[1:], 0, None))
    tq = stats.t.ppf(0.5 + conf_level / 2, dof)
    with np.errstate(divide="ignore", invalid="ignore"):
        tstat = coef[1:] / se
    p = 2 * stats.t.sf(np.abs(tstat), dof)
    r2 = 1 - float(resid @ resid) / float(ys @ ys)
    rows = [
        (f, "SRC", float(b), float(b - tq * s), float(b + tq * s), float(pv))
        for f, b, s, pv in zip(keep, coef[1:], se, p)
    ]
    rows.append(("*", "R2", r2, np.nan, np.nan, np.nan))
    return _frame(rows)


def noise(frame: pd.DataFrame, outcome: str, package: str | None = None) -> dict:
    """``noise_share`` and ``noise_in_means`` (see the module docstring) of ``outcome`` in
    the rows of ``frame`` (one package's, if given).

    The replications of a sweep are paired across points (common random numbers: the
    same (seed, replication) everywhere), so the noise is split as in a two-way layout
    points x replications: a replication's effect common to every point cancels between
    point means; only the point x replication residual (variance ``s2e``) makes the point
    means noisy, by ``s2e / R``. Without complete pairing the within-point variance is
    used instead."""
    rows = frame if package is None else frame[frame["package"] == package]
    table = rows.pivot_table(index="point", columns="replication", values=outcome, aggfunc="mean")
    p, r = table.shape
    nan = {"noise_share": np.nan, "noise_in_means": np.nan}
    if r < 2 or p < 2:
        return nan
    values = table.to_numpy(dtype=float)
    within = float(np.nanmean(np.nanvar(values, axis=1, ddof=1)))
    means = np.nanmean(values, axis=1)
    if np.isfinite(values).all():
        resid = values - means[:, None] - values.mean(axis=0)[None, :] + values.mean()
        s2e = float((resid**2).sum()) / ((p - 1) * (r - 1))
    else:
        s2e = within
    var_means = float(np.var(means, ddof=1))
    between = max(var_means - s2e / r, 0.0)
    return {
        "noise_share": within / (within + between) if within + between > 0 else np.nan,
        "noise_in_means": min(1.0, (s2e / r) / var_means) if var_means > 0 else np.nan,
    }
