"""Sizing statistical tests: what a test can detect, and how often it cries wolf.

A statistical test here states two numbers: ``alpha``, the chance that it fails although
the model is right (its false-alarm rate), and the error it is sized to detect, caught
with probability ``power``. The sample size follows from the two and the spread of one
observation (a pilot run's or an analytic one)::

    n = smallest n with  t(1 - alpha/2, n - 1) + z(power) <= delta * sqrt(n) / sd

The checks are t tests on the mean with the sample standard deviation (threshold
t(1 - alpha/2, n - 1), to 4 decimals from n = 21 on), or, for a proportion,
a z test with the variance the reference implies. Only the standard library and numpy.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

ALPHA = 1e-4
"""Default false-alarm rate of one test (the suite holds ~30 of them: ~3e-3 together)."""
POWER = 0.99
"""Default chance of catching the error a test states it is sized to detect."""

_Z = NormalDist()


def z_quantile(p: float) -> float:
    """The standard normal quantile: z_quantile(0.975) = 1.96."""
    return _Z.inv_cdf(p)


def z_threshold(alpha: float = ALPHA) -> float:
    """Two-sided z threshold z(1 - alpha/2): 3.89 for alpha = 1e-4."""
    return z_quantile(1 - alpha / 2)


def t_threshold(alpha: float, dof: int) -> float:
    """Two-sided Student t threshold t(1 - alpha/2, dof), Cornish-Fisher expansion
    (Abramowitz & Stegun 26.7.5): equal to the exact quantile to 4 decimals for dof >= 20
    and to 0.1 % at dof = 10 for alpha down to 1e-4."""
    if dof < 10:
        raise ValueError("t_threshold needs dof >= 10 (use more replications)")
    x = z_threshold(alpha)
    g = (
        (x**3 + x) / 4,
        (5 * x**5 + 16 * x**3 + 3 * x) / 96,
        (3 * x**7 + 19 * x**5 + 17 * x**3 - 15 * x) / 384,
        (79 * x**9 + 776 * x**7 + 1482 * x**5 - 1920 * x**3 - 945 * x) / 92160,
    )
    return x + sum(term / dof ** (k + 1) for k, term in enumerate(g))


def detectable_shift(
    sd: float, n: int, alpha: float = ALPHA, power: float = POWER, sides: int = 2
) -> float:
    """The shift of the mean that a t test on ``n`` draws with standard deviation ``sd``
    catches with probability ``power`` at false-alarm rate ``alpha`` (``sides`` 2 or 1)."""
    return (t_threshold(alpha * 2 / sides, n - 1) + z_quantile(power)) * sd / math.sqrt(n)


def n_for_mean_shift(
    sd: float, delta: float, alpha: float = ALPHA, power: float = POWER, sides: int = 2
) -> int:
    """Smallest n whose t test catches a shift ``delta`` of the mean."""
    z = z_threshold(alpha * 2 / sides)
    n = max(11, math.ceil(((z + z_quantile(power)) * sd / delta) ** 2))
    while detectable_shift(sd, n, alpha, power, sides) > delta:
        n += 1
    return n


def n_for_proportion_shift(
    p: float, delta: float, alpha: float = ALPHA, power: float = POWER
) -> int:
    """Smallest n whose two-sided z test of a proportion ``p`` catches ``p - delta`` and
    ``p + delta`` (whichever needs more draws)."""

    def n_for(alternative: float) -> int:
        spread = z_threshold(alpha) * math.sqrt(p * (1 - p)) + z_quantile(power) * math.sqrt(
            alternative * (1 - alternative)
        )
        return math.ceil((spread / delta) ** 2)

    return max(n_for(a) for a in (p - delta, p + delta) if 0 <= a <= 1)


def assert_mean_matches(
    samples,
    expected: float,
    *,
    detect: float,
    alpha: float = ALPHA,
    power: float = POWER,
    what: str = "mean",
) -> None:
    """Two-sided t test of ``mean(samples) == expected`` at false-alarm rate ``alpha``;
    and a check that these samples do detect a shift ``detect`` with ``power`` (so the
    stated power holds for the spread actually seen, not only the pilot's)."""
    x = np.asarray(samples, dtype=float)
    n, mean, sd = len(x), float(x.mean()), float(x.std(ddof=1))
    assert sd > 0, f"{what}: all {n} samples equal {mean}; check such a case exactly"
    t = (mean - expected) / (sd / math.sqrt(n))
    limit = t_threshold(alpha, n - 1)
    assert abs(t) <= limit, (
        f"{what}: {mean:.6g} over n={n}, expected {expected:.6g} (t = {t:.2f}, |t| > {limit:.2f},"
        f" alpha = {alpha:g})"
    )
    reach = detectable_shift(sd, n, alpha, power)
    assert reach <= detect, (
        f"{what}: with sd {sd:.4g} and n={n} the test only detects a shift of {reach:.4g} "
        f"with power {power}, not {detect:.4g}: raise n"
    )


def assert_proportion_matches(
    successes: int, n: int, p: float, *, alpha: float = ALPHA, what: str = "proportion"
) -> None:
    """Two-sided z test of ``successes / n == p`` with the variance p(1 - p)/n of the
    reference (size n with :func:`n_for_proportion_shift`)."""
    z = (successes / n - p) / math.sqrt(p * (1 - p) / n)
    limit = z_threshold(alpha)
    assert abs(z) <= limit, (
        f"{what}: {successes}/{n} = {successes / n:.4f}, expected {p:.4f}"
        f" (z = {z:.2f}, |z| > {limit:.2f}, alpha = {alpha:g})"
    )


def assert_mean_positive(
    samples, *, detect: float, alpha: float = ALPHA, power: float = POWER, what: str = "mean"
) -> None:
    """One-sided t test that ``mean(samples) > 0`` (paired differences on common random
    numbers): a model in which the difference is really zero passes with chance <= alpha;
    and a check that with the spread seen, a true difference ``detect`` passes with
    probability ``power``."""
    x = np.asarray(samples, dtype=float)
    n, mean, sd = len(x), float(x.mean()), float(x.std(ddof=1))
    if sd == 0:
        assert mean > 0, f"{what}: every one of the {n} differences is {mean}"
        return
    t = mean / (sd / math.sqrt(n))
    limit = t_threshold(2 * alpha, n - 1)
    assert t > limit, (
        f"{what}: {mean:.4g} over n={n} is not significantly > 0 (t = {t:.2f} <= {limit:.2f},"
        f" one-sided alpha = {alpha:g})"
    )
    reach = detectable_shift(sd, n, alpha, power, sides=1)
    assert reach <= detect, (
        f"{what}: with sd {sd:.4g} and n={n} the test only detects a difference of "
        f"{reach:.4g} with power {power}, not {detect:.4g}: raise n"
    )
