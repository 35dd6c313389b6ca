"""The distribution vocabulary: right means, one draw per sample, scale and shift."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from vtsim.scenario.distributions import Dist

ADAPTER = TypeAdapter(Dist)

CASES = [
    (4, 4.0),
    ({"dist": "normal", "mean": 3, "sd": 0.5}, 3.0),
    ({"dist": "lognormal", "mean": 8, "sd": 4}, 8.0),
    ({"dist": "triangular", "low": 1, "mode": 2, "high": 6}, 3.0),
    ({"dist": "uniform", "low": 1, "high": 3}, 2.0),
    ({"dist": "exponential", "mean": 5}, 5.0),
]


@pytest.mark.parametrize(("spec", "mean"), CASES)
def test_sample_mean_matches_the_declared_mean(spec, mean):
    dist = ADAPTER.validate_python(spec)
    rng = np.random.Generator(np.random.PCG64(1))
    draws = np.array([dist.sample(rng) for _ in range(40_000)])
    assert dist.expected() == pytest.approx(mean)
    assert draws.mean() == pytest.approx(mean, rel=0.02, abs=0.02)


@pytest.mark.parametrize(("spec", "mean"), CASES)
def test_every_family_takes_exactly_one_draw(spec, mean):
    dist = ADAPTER.validate_python(spec)
    a = np.random.Generator(np.random.PCG64(3))
    b = np.random.Generator(np.random.PCG64(3))
    dist.sample(a)
    b.random()
    assert a.random() == b.random()


@pytest.mark.parametrize(("spec", "mean"), CASES)
def test_scaling_moves_every_draw_by_the_same_factor(spec, mean):
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
