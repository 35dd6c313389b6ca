"""The distribution vocabulary: right means and spreads, one draw per sample, scale and shift."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError
from stats_power import assert_mean_matches, n_for_mean_shift

from vtsim.scenario.distributions import Dist

ADAPTER = TypeAdapter(Dist)

_LOG_VAR = math.log1p((4 / 8) ** 2)  # sigma^2 of log X for the lognormal with mean 8, sd 4

# (spec, mean, variance, kurtosis mu4 / sigma^4), all in closed form. The Dist classes
# declare only their mean (expected()), so the variances and kurtoses are written here.
# The normal is clipped at 0, six sd below its mean: a change of the moments < 1e-8.
CASES = [
    (4, 4.0, 0.0, None),
    ({"dist": "normal", "mean": 3, "sd": 0.5}, 3.0, 0.25, 3.0),
    (
        {"dist": "lognormal", "mean": 8, "sd": 4},
        8.0,
        16.0,
        math.exp(4 * _LOG_VAR) + 2 * math.exp(3 * _LOG_VAR) + 3 * math.exp(2 * _LOG_VAR) - 3,
    ),
    # (a^2 + b^2 + c^2 - ab - ac - bc) / 18; kurtosis 12/5 for every triangle
    ({"dist": "triangular", "low": 1, "mode": 2, "high": 6}, 3.0, 21 / 18, 2.4),
    ({"dist": "uniform", "low": 1, "high": 3}, 2.0, 4 / 12, 1.8),
    ({"dist": "exponential", "mean": 5}, 5.0, 25.0, 9.0),
]
IDS = ["fixed", "normal", "lognormal", "triangular", "uniform", "exponential"]

MEAN_BIAS = 0.02  # of the declared mean
VARIANCE_ERROR = 0.05  # of the declared variance (about 2.5 % of the sd)
SD_MARGIN = 1.2  # n is sized for spreads 20 % above the analytic ones (see below)


@pytest.mark.parametrize(("spec", "mean", "variance", "kurtosis"), CASES, ids=IDS)
def test_sample_mean_and_variance_match_the_declared_distribution(spec, mean, variance, kurtosis):
    """Two t tests on draws of ``sample``, each with false-alarm rate alpha = 1e-4:

    - the mean: a bias of 2 % of the declared mean is caught with power >= 0.99
      (one draw has the analytic sd sqrt(variance));
    - the spread: E[(X - mean)^2] = variance, a large-sample t test on the squared
      deviations from the declared mean, which catches an error of 5 % in the variance
      (~2.5 % in the sd) with power >= 0.99; one squared deviation has the analytic sd
      variance * sqrt(kurtosis - 1).

    n is the larger of the two sizes, computed for sds 20 % above the analytic ones, so
    that the power check in ``assert_mean_matches`` (on the spread actually seen) passes:
    from ~18,000 draws (uniform) to ~180,000 (exponential), ~0.4 s in all.
    """
    dist = ADAPTER.validate_python(spec)
    assert dist.expected() == pytest.approx(mean)
    rng = np.random.Generator(np.random.PCG64(1))
    if variance == 0:  # a fixed value: every draw is it
        assert {dist.sample(rng) for _ in range(1000)} == {mean}
        return
    sd_one, sd_square = math.sqrt(variance), variance * math.sqrt(kurtosis - 1)
    n = max(
        n_for_mean_shift(SD_MARGIN * sd_one, MEAN_BIAS * mean),
        n_for_mean_shift(SD_MARGIN * sd_square, VARIANCE_ERROR * variance),
    )
    draws = np.array([dist.sample(rng) for _ in range(n)])
    assert_mean_matches(draws, mean, detect=MEAN_BIAS * mean, what=f"{spec} mean")
    assert_mean_matches(
        (draws - mean) ** 2,
        variance,
        detect=VARIANCE_ERROR * variance,
        what=f"{spec} variance",
    )


@pytest.mark.parametrize(("spec", "mean", "variance", "kurtosis"), CASES, ids=IDS)
def test_every_family_takes_exactly_one_draw(spec, mean, variance, kurtosis):
    dist = ADAPTER.validate_python(spec)
    a = np.random.Generator(np.random.PCG64(3))
    b = np.random.Generator(np.random.PCG64(3))
    dist.sample(a)
    b.random()
    assert a.random() == b.random()


@pytest.mark.parametrize(("spec", "mean", "variance", "kurtosis"), CASES, ids=IDS)
def test_scaling_moves_every_draw_by_the_same_factor(spec, mean, variance, kurtosis):
    dist = ADAPTER.validate_python(spec)
    half = dist.scaled(0.5)
    for seed in range(20):
        x = dist.sample(np.random.Generator(np.random.PCG64(seed)))
        y = half.sample(np.random.Generator(np.random.PCG64(seed)))
        assert y == pytest.approx(0.5 * x)


def test_bad_distributions_are_rejected():
    with pytest.raises(ValidationError):
        ADAPTER.validate_python({"dist": "gamma", "shape": 2})
    with pytest.raises(ValidationError):
        ADAPTER.validate_python({"dist": "triangular", "low": 3, "mode": 1, "high": 2})
    with pytest.raises(ValidationError):
        ADAPTER.validate_python({"dist": "normal", "mean": 1, "sd": -1})
