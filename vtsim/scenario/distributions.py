"""A small vocabulary of distributions for scenario parameters.

In YAML a distribution is a mapping with a ``dist`` tag, or a bare number for a
fixed value::

    delay_min: 2.5                                # fixed
    delay_min: {dist: normal, mean: 3, sd: 1}     # truncated at 0 for times and counts
    delay_min: {dist: lognormal, mean: 8, sd: 4}  # mean and sd of the value, not of its log
    delay_min: {dist: triangular, low: 1, mode: 2, high: 6}
    delay_min: {dist: uniform, low: 1, high: 3}
    delay_min: {dist: exponential, mean: 5}

The unit is the one in the field name (``_min``, ``_days``, ``_kmh``...).
Every parameter is a finite number and no family gives a negative value (every
distributed quantity is a time, a count, a distance or a speed): a fixed value,
a uniform or triangular ``low``, a normal's ``mean`` and ``sd`` are all >= 0.
Fields that need more (a positive speed, at most a million people) say so with
:func:`dist_bounds`.
Every draw takes exactly one value from the stream it is given, using the
generator's ``standard_*`` methods scaled by the parameters; a measure that
scales or shifts a distribution therefore moves every draw monotonically on
common random numbers (what makes paired comparisons sharp).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

_NEVER_NEGATIVE = "(times, counts, distances and speeds are never negative)"


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def largest(self) -> float:
        """The largest value it gives (bounded families), else a value it very seldom
        exceeds (six standard deviations above the mean): what an upper bound on the field
        is checked against."""
        return self.expected()

    def smallest(self) -> float:
        """The smallest value it gives (bounded families), else its mean: what a lower bound
        on the field is checked against."""
        return self.expected()

    def sample(self, rng: np.random.Generator) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def expected(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws at once, equal bit for bit to ``n`` calls of :meth:`sample` on the
        same stream (the vectorised path for draws that do not feed back into events)."""
        return np.array([self.sample(rng) for _ in range(n)], dtype=float)

    def scaled(self, factor: float) -> _Dist:
        """The same shape with every value multiplied by ``factor``."""
        raise NotImplementedError  # pragma: no cover

    def shifted(self, delta: float) -> _Dist:
        """The same shape moved by ``delta`` (floored at 0 where the family needs it)."""
        raise NotImplementedError  # pragma: no cover


class Fixed(_Dist):
    dist: Literal["fixed"] = "fixed"
    value: float = Field(ge=0, description=f"The value {_NEVER_NEGATIVE}.")

    def sample(self, rng: np.random.Generator) -> float:
        rng.random()  # one draw per call whatever the family: streams stay aligned
        return self.value

    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        rng.random(n)
        return np.full(n, float(self.value))

    def expected(self) -> float:
        return self.value

    def largest(self) -> float:
        return self.value

    def smallest(self) -> float:
        return self.value

    def scaled(self, factor: float) -> Fixed:
        return Fixed(value=self.value * factor)

    def shifted(self, delta: float) -> Fixed:
        return Fixed(value=self.value + delta)


class Normal(_Dist):
    """Normal(mean, sd), truncated at zero by clipping (times, counts and rates are >= 0)."""

    dist: Literal["normal"] = "normal"
    mean: float = Field(ge=0)
    sd: float = Field(ge=0)

    def sample(self, rng: np.random.Generator) -> float:
        return max(0.0, self.mean + self.sd * rng.standard_normal())

    def largest(self) -> float:
        return self.mean + 6 * self.sd

    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.maximum(0.0, self.mean + self.sd * rng.standard_normal(n))

    def expected(self) -> float:
        return self.mean

    def scaled(self, factor: float) -> Normal:
        return Normal(mean=self.mean * factor, sd=self.sd * abs(factor))

    def shifted(self, delta: float) -> Normal:
        return Normal(mean=self.mean + delta, sd=self.sd)


class LogNormal(_Dist):
    """Lognormal given by the mean and sd of the value itself (not of its logarithm)."""

    dist: Literal["lognormal"] = "lognormal"
    mean: float = Field(gt=0)
    sd: float = Field(ge=0)

    @model_validator(mode="after")
    def _spread(self):
        if self.sd > 1000 * self.mean:
            raise ValueError(
                "expected sd at most 1,000 times the mean: a wider lognormal is outside what "
                "the model was built and tested for"
            )
        return self

    def largest(self) -> float:
        return self.mean + 6 * self.sd

    @property
    def _log_params(self) -> tuple[float, float]:
        sigma2 = math.log1p((self.sd / self.mean) ** 2)
        return math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2)

    def sample(self, rng: np.random.Generator) -> float:
        mu, sigma = self._log_params
        return math.exp(mu + sigma * rng.standard_normal())

    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        mu, sigma = self._log_params
        # math.exp, not np.exp: numpy's SIMD exp may differ from libm in the last bit
        # (it does, on this machine); map + fromiter is ~30 % faster than a list comprehension
        # (iterating a memoryview yields the same Python floats as tolist, without a list)
        logs = (mu + sigma * rng.standard_normal(n)).data  # the array's memoryview
        return np.fromiter(map(math.exp, logs), dtype=float, count=n)

    def expected(self) -> float:
        return self.mean

    def scaled(self, factor: float) -> LogNormal:
        return LogNormal(mean=self.mean * factor, sd=self.sd * factor)

    def shifted(self, delta: float) -> LogNormal:
        return LogNormal(mean=max(1e-9, self.mean + delta), sd=self.sd)


class Triangular(_Dist):
    dist: Literal["triangular"] = "triangular"
    low: float = Field(ge=0)
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError("expected low <= mode <= high with low < high")
        return self

    def sample(self, rng: np.random.Generator) -> float:
        u = rng.random()
        a, c, b = self.low, self.mode, self.high
        cut = (c - a) / (b - a)
        if u < cut:
            return a + math.sqrt(u * (b - a) * (c - a))
        return b - math.sqrt((1 - u) * (b - a) * (b - c))

    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        u = rng.random(n)
        a, c, b = self.low, self.mode, self.high
        cut = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1 - u) * (b - a) * (b - c))
        return np.where(u < cut, left, right)  # sqrt is correctly rounded in both paths

    def expected(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def largest(self) -> float:
        return self.high

    def smallest(self) -> float:
        return self.low

    def scaled(self, factor: float) -> Triangular:
        return Triangular(low=self.low * factor, mode=self.mode * factor, high=self.high * factor)

    def shifted(self, delta: float) -> Triangular:
        return Triangular(low=self.low + delta, mode=self.mode + delta, high=self.high + delta)


class Uniform(_Dist):
    dist: Literal["uniform"] = "uniform"
    low: float = Field(ge=0)
    high: float

    @model_validator(mode="after")
    def _ordered(self):
        if self.low > self.high:
            raise ValueError("expected low <= high")
        return self

    def sample(self, rng: np.random.Generator) -> float:
        return self.low + (self.high - self.low) * rng.random()

    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.low + (self.high - self.low) * rng.random(n)

    def expected(self) -> float:
        return (self.low + self.high) / 2

    def largest(self) -> float:
        return self.high

    def smallest(self) -> float:
        return self.low

    def scaled(self, factor: float) -> Uniform:
        return Uniform(low=self.low * factor, high=self.high * factor)

    def shifted(self, delta: float) -> Uniform:
        return Uniform(low=self.low + delta, high=self.high + delta)


class Exponential(_Dist):
    dist: Literal["exponential"] = "exponential"
    mean: float = Field(gt=0)

    def sample(self, rng: np.random.Generator) -> float:
        return self.mean * rng.standard_exponential()

    def largest(self) -> float:
        return 6 * self.mean  # mean + 6 sd, as the others

    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.mean * rng.standard_exponential(n)

    def expected(self) -> float:
        return self.mean

    def scaled(self, factor: float) -> Exponential:
        return Exponential(mean=self.mean * factor)

    def shifted(self, delta: float) -> Exponential:
        return Exponential(mean=max(1e-9, self.mean + delta))


DIST_FAMILIES = ("fixed", "normal", "lognormal", "triangular", "uniform", "exponential")


def _number_is_fixed(value):
    """A bare number in YAML means a fixed value (checked here, so that an error names the
    field as written, not its ``fixed.value``)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("a finite number (not NaN or infinity)")
        if value < 0:
            raise ValueError(f"a number >= 0 {_NEVER_NEGATIVE}")
        return {"dist": "fixed", "value": value}
    return value


_DistUnion = Annotated[
    Union[Fixed, Normal, LogNormal, Triangular, Uniform, Exponential],  # noqa: UP007
    Field(discriminator="dist"),
]

from pydantic import BeforeValidator  # noqa: E402

Dist = Annotated[_DistUnion, BeforeValidator(_number_is_fixed)]
"""A distribution field: a number (fixed) or a mapping tagged with ``dist``."""


def _shown(x: float) -> str:
    return f"{x:,}" if float(x).is_integer() else f"{x:g}"


def dist_bounds(
    what: str,
    *,
    low: float | None = None,
    high: float | None = None,
    positive: str = "",
    why: str = "",
) -> AfterValidator:
    """Bounds on a distribution field, checked on its values (a fixed value, a uniform or
    triangular range) or its mean (the unbounded families), with a message that says why:
    ``Annotated[Dist, dist_bounds("people", high=1_000_000)]``.

    ``positive``: why its mean must be > 0 (a speed: at zero, responders never arrive)."""
    more = why or "more is outside what the model was built and tested for"
    less = why or "less is outside what the model was built and tested for"

    def check(dist: Any) -> Any:
        if not isinstance(dist, _Dist):
            return dist
        if positive and not dist.expected() > 0:
            raise ValueError(f"a mean above 0 {what}: {positive}")
        if low is not None and dist.smallest() < low:
            raise ValueError(f"at least {_shown(low)} {what}: {less}")
        if high is not None and dist.largest() > high:
            raise ValueError(f"at most {_shown(high)} {what}: {more}")
        return dist

    return AfterValidator(check)


def fixed(value: float) -> Fixed:
    return Fixed(value=value)
