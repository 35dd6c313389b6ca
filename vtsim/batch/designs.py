"""Designs for global sensitivity and external designs (used by :mod:`vtsim.batch.sweep`).

Every design here is built in the unit cube ``[0, 1]^k`` and mapped onto each factor by
:meth:`~vtsim.batch.sweep.Factor.at_quantile` (a range is interpolated, listed values
are taken as equal-probability levels), deterministically from the sweep's seed:

- ``{kind: sobol, n: N, calc_second_order: false}``: Saltelli's extension of a scrambled
  Sobol' sequence (SALib ``sample.sobol``): ``N (k + 2)`` points, or ``N (2k + 2)`` with
  second-order indices; ``N`` a power of 2. Analysed by :func:`SALib.analyze.sobol`.
- ``{kind: morris, trajectories: R, levels: 4}``: Morris's elementary-effect trajectories
  on a ``levels``-level grid (SALib ``sample.morris``): ``R (k + 1)`` points.
- ``{kind: fast, n: N}``: the extended FAST search curve (SALib ``sample.fast_sampler``,
  interference factor ``M``, default 4): ``N k`` points, ``N > 4 M^2``.
- ``{kind: hypercube, n: N, max_correlation: 0.1}``: a space-filling Latin hypercube
  whose factor correlations stay within the bound: each of ``candidates`` Latin
  hypercubes is decorrelated (Iman & Conover 1982 rank restructuring, then pairwise swaps
  within a column, which keep the Latin property), and the one with the largest minimum
  distance between points among those within the bound is kept (maximin, Morris &
  Mitchell 1995). If no candidate reaches the bound, the sweep is refused.
- ``{kind: table, file: points.csv}``: any external design (from SALib, EMA Workbench,
  a spreadsheet): one column per factor id, one row per point; checked against the
  factors (unknown or missing columns, values outside a range or not among the listed
  values, non-integers for integer factors).

SALib is imported only when a SALib design is built (``pip install 'vtsim[batch]'``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vtsim.errors import VtsimError
from vtsim.model.streams import stable_key

SALIB_KINDS = ("sobol", "morris", "fast")
DEFAULT_MAX_CORRELATION = 0.1
DEFAULT_CANDIDATES = 20
DEFAULT_FAST_M = 4
MAXIMIN_LIMIT = 2000
"""Largest hypercube whose candidates are compared by their minimum distance (O(n^2))."""


def design_rng(seed: int) -> np.random.Generator:
    """The design's own generator: the sweep's seed and the name ``design`` (the same
    stream the Latin hypercube has always used)."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(stable_key("design"),)))
    )


def design_seed(seed: int) -> int:
    """An integer seed for SALib's samplers and bootstraps, derived from the sweep's."""
    return int(np.random.SeedSequence(seed, spawn_key=(stable_key("design"),)).generate_state(1)[0])


def unit_problem(k: int) -> dict:
    """A SALib problem over the unit cube (factors are mapped afterwards)."""
    return {"num_vars": k, "names": [f"x{i}" for i in range(k)], "bounds": [[0.0, 1.0]] * k}


def _require_salib(kind: str):
    try:
        import SALib  # noqa: F401
    except ImportError:
        raise VtsimError(
            f"a {kind} design needs SALib: pip install 'vtsim[batch]' (or pip install SALib)."
        ) from None


def salib_size(design, k: int) -> int:
    """Points of a Sobol, Morris or FAST design with ``k`` factors."""
    if design.kind == "sobol":
        return int(design.n) * (2 * k + 2 if design.calc_second_order else k + 2)
    if design.kind == "morris":
        return int(design.trajectories) * (k + 1)
    if design.kind == "fast":
        return int(design.n) * k
    raise ValueError(design.kind)


def unit_sample(design, k: int, seed: int) -> np.ndarray:
    """A Sobol, Morris, FAST or hypercube design in the unit cube: (points, k)."""
    import warnings

    if design.kind == "hypercube":
        u, _ = hypercube(
            int(design.n),
            k,
            design_rng(seed),
            max_correlation=(
                DEFAULT_MAX_CORRELATION
                if design.max_correlation is None
                else float(design.max_correlation)
            ),
            candidates=design.candidates or DEFAULT_CANDIDATES,
        )
        return u
    _require_salib(design.kind)
    problem = unit_problem(k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if design.kind == "sobol":
            from SALib.sample import sobol

            u = sobol.sample(
                problem,
                int(design.n),
                calc_second_order=bool(design.calc_second_order),
                seed=design_seed(seed),
            )
        elif design.kind == "morris":
            from SALib.sample import morris

            u = morris.sample(
                problem,
                int(design.trajectories),
                num_levels=int(design.levels or 4),
                seed=design_seed(seed),
            )
        elif design.kind == "fast":
            from SALib.sample import fast_sampler

            u = fast_sampler.sample(
                problem, int(design.n), M=int(design.interference or 4), seed=design_seed(seed)
            )
        else:
            raise ValueError(design.kind)
    return np.clip(np.asarray(u, dtype=float), 0.0, 1.0)


# -- Latin hypercube with correlation control ------------------------------------------


def max_abs_correlation(x: np.ndarray) -> float:
    """The largest |Pearson r| between two columns (0 for one column)."""
    x = np.asarray(x, dtype=float)
    if x.shape[1] < 2 or x.shape[0] < 3:
        return 0.0
    sd = x.std(axis=0)
    keep = sd > 0
    if keep.sum() < 2:
        return 0.0
    r = np.corrcoef(x[:, keep], rowvar=False)
    np.fill_diagonal(r, 0.0)
    return float(np.abs(r).max())


def _latin(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    return np.column_stack([(rng.permutation(n) + rng.random(n)) / n for _ in range(k)])


def _iman_conover(u: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Reorder each column so the rank correlations are near zero (Iman & Conover 1982):
    scores decorrelated by the inverse Cholesky factor of their correlation give the
    target ranks. Columns keep their values, so the design stays a Latin hypercube."""
    from scipy.stats import norm

    n, k = u.shape
    if n <= k + 1:
        return u
    base = norm.ppf(np.arange(1, n + 1) / (n + 1))
    scores = np.column_stack([rng.permutation(base) for _ in range(k)])
    c = np.corrcoef(scores, rowvar=False)
    try:
        chol = np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        return u
    target = scores @ np.linalg.inv(chol).T
    out = np.empty_like(u)
    for j in range(k):
        ranks = np.argsort(np.argsort(target[:, j]))
        out[:, j] = np.sort(u[:, j])[ranks]
    return out


def _swap_decorrelate(
    u: np.ndarray, rng: np.random.Generator, bound: float, max_iter: int
) -> np.ndarray:
    """Swap two entries of one column at a time (the Latin property holds), keeping a
    swap when it lowers the sum of squared correlations, until every |r| <= ``bound``,
    ``max_iter`` tries, or a long run of tries without a gain."""
    n, k = u.shape
    if k < 2 or n < 3:
        return u
    u = u.copy()
    z = (u - u.mean(axis=0)) / u.std(axis=0)
    r = z.T @ z / n
    np.fill_diagonal(r, 0.0)
    stalled = 0
    for _ in range(max_iter):
        worst = np.unravel_index(np.abs(r).argmax(), r.shape)
        if abs(r[worst]) <= bound or stalled > 50 * k + 2 * n:
            break
        stalled += 1
        j = int(worst[int(rng.integers(2))])
        a, b = rng.choice(n, size=2, replace=False)
        zj = z[:, j].copy()
        zj[a], zj[b] = zj[b], zj[a]
        rj = z.T @ zj / n
        rj[j] = 0.0
        if (rj**2).sum() < (r[:, j] ** 2).sum():
            z[:, j] = zj
            u[a, j], u[b, j] = u[b, j], u[a, j]
            r[:, j] = rj
            r[j, :] = rj
            stalled = 0
    return u


def _min_distance(u: np.ndarray) -> float:
    from scipy.spatial.distance import pdist

    return float(pdist(u).min()) if len(u) > 1 else 0.0


def hypercube(
    n: int,
    k: int,
    rng: np.random.Generator,
    max_correlation: float = DEFAULT_MAX_CORRELATION,
    candidates: int = DEFAULT_CANDIDATES,
    max_iter: int | None = None,
) -> tuple[np.ndarray, float]:
    """A space-filling Latin hypercube (n, k) in the unit cube with every pairwise
    |Pearson r| <= ``max_correlation``, and its largest |r| (see the module docstring)."""
    max_iter = max_iter or 200 * k * k + 20 * n
    best, best_key, best_r = None, None, np.inf
    for _ in range(max(1, candidates)):
        u = _swap_decorrelate(_iman_conover(_latin(n, k, rng), rng), rng, max_correlation, max_iter)
        r = max_abs_correlation(u)
        if r <= max_correlation:
            spread = _min_distance(u) if n <= MAXIMIN_LIMIT else 0.0
            key = (0, -spread, r)
        else:
            key = (1, r, 0.0)
        if best_key is None or key < best_key:
            best, best_key, best_r = u, key, r
    if best_r > max_correlation:
        raise VtsimError(
            f"a hypercube of {n} points over {k} factors could not be brought within "
            f"max_correlation {max_correlation:g} (best |r| {best_r:.3f}): give more points "
            "or a looser max_correlation."
        )
    return best, best_r


# -- External designs --------------------------------------------------------------------


def read_table(path: str | Path, factors) -> np.ndarray:
    """An external design's points (rows x factors, in the factors' order), checked."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise VtsimError(f"the design table {path} does not exist.")
    try:
        frame = pd.read_csv(path)
    except (ValueError, OSError) as exc:
        raise VtsimError(f"the design table {path} cannot be read as CSV: {exc}") from None
    ids = [f.id for f in factors]
    columns = [c for c in frame.columns if c != "point"]
    unknown = [c for c in columns if c not in ids]
    missing = [i for i in ids if i not in columns]
    if unknown or missing:
        parts = []
        if unknown:
            parts.append(f"unknown column(s) {', '.join(map(str, unknown))}")
        if missing:
            parts.append(f"missing factor column(s) {', '.join(missing)}")
        raise VtsimError(
            f"the design table {path}: {'; '.join(parts)} (its columns must be the factor ids: "
            f"{', '.join(ids)}; a column 'point' is allowed and ignored)."
        )
    if frame.empty:
        raise VtsimError(f"the design table {path} has no rows.")
    problems = []
    out = np.empty((len(frame), len(factors)))
    for j, factor in enumerate(factors):
        col = pd.to_numeric(frame[factor.id], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(col))
        if len(bad):
            problems.append(f"{factor.id}: non-numeric or empty value in row {bad[0] + 1}")
            continue
        if factor.values is not None:
            allowed = np.array([factor._fix(v) for v in factor.values])
            ok = np.isclose(col[:, None], allowed[None, :], rtol=1e-9, atol=1e-12).any(axis=1)
            if not ok.all():
                i = int(np.flatnonzero(~ok)[0])
                problems.append(
                    f"{factor.id}: {col[i]:g} in row {i + 1} is not one of its values "
                    f"({', '.join(f'{v:g}' for v in allowed)})"
                )
        else:
            span = (factor.high - factor.low) * 1e-9 + 1e-12
            out_of = (col < factor.low - span) | (col > factor.high + span)
            if out_of.any():
                i = int(np.flatnonzero(out_of)[0])
                problems.append(
                    f"{factor.id}: {col[i]:g} in row {i + 1} is outside its range "
                    f"[{factor.low:g}, {factor.high:g}] ({int(out_of.sum())} row(s) outside)"
                )
        if factor.integer and not np.allclose(col, np.round(col)):
            i = int(np.flatnonzero(~np.isclose(col, np.round(col)))[0])
            problems.append(f"{factor.id}: {col[i]:g} in row {i + 1} is not a whole number")
        out[:, j] = col
    if problems:
        raise VtsimError(f"the design table {path}: " + "; ".join(problems) + ".")
    return out


def table_path(file: str, root: Path | None = None) -> Path:
    """Where a ``table`` design's file is: as given if absolute, else under ``root`` (the
    sweep file's folder; the working folder for a sweep built in Python)."""
    p = Path(file)
    return p if p.is_absolute() or root is None else root / p
