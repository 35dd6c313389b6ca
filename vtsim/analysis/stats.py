"""Intervals and paired differences: pure functions over arrays of outcomes."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

Z95 = 1.959963984540054


def t_quantile_975(dof: int) -> float:
    """Two-sided 95 % Student t quantile (Cornish-Fisher expansion; exact to 1e-3 for dof >= 3)."""
    if dof <= 0:
        return math.inf
    exact = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571}
    if dof in exact:
        return exact[dof]
    z, v = Z95, float(dof)
    return (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
    )


@dataclass(frozen=True)
class Estimate:
    """A mean with its 95 % interval over ``n`` replications."""

    value: float
    lo: float
    hi: float
    n: int

    def as_dict(self) -> dict:
        return asdict(self)


def _clean(values) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    return arr[~np.isnan(arr)]


def mean_interval(values) -> Estimate:
    """Mean and 95 % t-interval, ignoring NaN (metrics not defined in a replication)."""
    x = _clean(values)
    n = len(x)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n == 1:
        return Estimate(mean, math.nan, math.nan, 1)
    half = t_quantile_975(n - 1) * float(x.std(ddof=1)) / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, n)


def proportion_interval(values) -> Estimate:
    """Share of 1s with a 95 % Wilson score interval (good near 0 and 1), ignoring NaN."""
    x = _clean(values)
    n = len(x)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    p = float(x.mean())
    z2 = Z95**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half), n)


@dataclass(frozen=True)
class PairedDifference:
    """``package - baseline`` on the same replications (common random numbers)."""

    diff: float
    lo: float
    hi: float
    n: int
    p_better: float
    distinguishable: bool
    replications_needed: int | None

    def as_dict(self) -> dict:
        return asdict(self)


def paired_difference(package, baseline, better: str = "lower") -> PairedDifference:
    """Mean paired difference with a 95 % interval.

    ``p_better`` is the probability that the package's true mean is better than the
    baseline's (normal approximation of the mean difference, flat prior).
    ``replications_needed`` estimates the replications at which the interval
    would exclude zero when it does not yet (None when it already does, or when
    there is no difference at all).
    """
    a, b = np.asarray(package, dtype=float), np.asarray(baseline, dtype=float)
    both = ~(np.isnan(a) | np.isnan(b))
    d = a[both] - b[both]
    n = len(d)
    if n == 0:
        return PairedDifference(math.nan, math.nan, math.nan, 0, math.nan, False, None)
    mean = float(d.mean())
    sd = float(d.std(ddof=1)) if n > 1 else math.nan
    if n < 2 or sd == 0 or math.isnan(sd):
        exact = sd == 0
        sign = -1.0 if better == "lower" else 1.0
        p = (1.0 if sign * mean > 0 else 0.0 if mean != 0 else 0.5) if exact else math.nan
        return PairedDifference(mean, mean, mean, n, p, exact and mean != 0, None)
    se = sd / math.sqrt(n)
    half = t_quantile_975(n - 1) * se
    lo, hi = mean - half, mean + half
    improvement = -mean if better == "lower" else mean
    p_better = 0.5 * math.erfc(-(improvement / se) / math.sqrt(2))
    distinguishable = lo > 0 or hi < 0
    needed = None
    if not distinguishable and mean != 0:
        needed = max(n + 1, math.ceil((Z95 * sd / abs(mean)) ** 2))
    return PairedDifference(mean, lo, hi, n, p_better, distinguishable, needed)
