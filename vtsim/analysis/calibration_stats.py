"""The statistics of calibration targets on a replications table, their 95 % intervals and
the verdict against a published range (the rules: :mod:`vtsim.analysis.calibration`)."""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vtsim.analysis.stats import mean_interval, paired_difference, proportion_interval
from vtsim.scenario.calibration import Condition, Published, Statistic, Target

BOOTSTRAP_DRAWS = 2000
_OPS = {
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    ">": operator.gt,
}


class NotComparable(Exception):
    """The statistic cannot be computed on this scenario (the message says why)."""


@dataclass(frozen=True)
class Value:
    """A simulated statistic with its 95 % interval over ``n`` replications (or pairs)."""

    value: float
    lo: float
    hi: float
    n: int
    method: str


# -- statistics ---------------------------------------------------------------------------


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        raise NotComparable(f"no column {name} in this scenario")
    return frame[name].astype(float)


def _mask(frame: pd.DataFrame, where: Sequence[Condition]) -> pd.Series:
    keep = pd.Series(True, index=frame.index)
    for cond in where:
        keep &= _OPS[cond.op](_column(frame, cond.column), cond.value)  # NaN fails
    return keep


def _rows(frame: pd.DataFrame, where: Sequence[Condition]) -> pd.DataFrame:
    rows = frame[_mask(frame, where)]
    if rows.empty:
        conditions = " and ".join(c.text() for c in where) or "any condition"
        raise NotComparable(f"no replication with {conditions}")
    return rows


def _percentile(draws: np.ndarray) -> tuple[float, float]:
    draws = draws[np.isfinite(draws)]
    if len(draws) == 0:
        return math.nan, math.nan
    lo, hi = np.percentile(draws, [2.5, 97.5])
    return float(lo), float(hi)


def _resample(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, n, size=(BOOTSTRAP_DRAWS, n))


def _location(stat: Statistic, rows: pd.DataFrame, rng) -> Value:
    assert stat.column is not None
    x = _column(rows, stat.column)
    if stat.minus:
        x = x - _column(rows, stat.minus)
    values = x.dropna().to_numpy()
    if len(values) == 0:
        raise NotComparable(f"{stat.column} is undefined in every replication kept")
    if stat.kind == "mean":
        est = mean_interval(values)
        return Value(est.value, est.lo, est.hi, est.n, "t")
    q = 0.5 if stat.kind == "median" else float(stat.q or 0.5)
    value = float(np.quantile(values, q))
    if len(values) < 2:
        return Value(value, math.nan, math.nan, len(values), "bootstrap")
    draws = np.quantile(values[_resample(rng(), len(values))], q, axis=1)
    return Value(value, *_percentile(draws), len(values), "bootstrap")


def _sum_columns(rows: pd.DataFrame, names: Sequence[str]) -> pd.Series:
    total = _column(rows, names[0])
    for name in names[1:]:
        total = total + _column(rows, name)
    return total


def _ratio(stat: Statistic, rows: pd.DataFrame, rng) -> Value:
    assert stat.numerator and stat.denominator
    num = _sum_columns(rows, stat.numerator)
    den = _sum_columns(rows, stat.denominator)
    both = num.notna() & den.notna()
    num, den = num[both].to_numpy(), den[both].to_numpy()
    if den.sum() == 0:
        raise NotComparable(f"{'+'.join(stat.denominator)} is zero in every replication kept")
    value = float(num.sum() / den.sum())
    if len(num) < 2:
        return Value(value, math.nan, math.nan, len(num), "bootstrap")
    if value in (0.0, 1.0) and bool(np.all(num <= den)):
        # Every replication at 0 % or 100 %: resampling them has no spread, and a zero-width
        # interval would claim certainty. Wilson's interval on the pooled counts (k of n
        # people) keeps the uncertainty of a share seen only at its bound.
        k, n = int(round(num.sum())), int(round(den.sum()))
        est = proportion_interval(np.r_[np.ones(k), np.zeros(n - k)])
        return Value(value, est.lo, est.hi, len(num), "Wilson, pooled")
    idx = _resample(rng(), len(num))
    with np.errstate(invalid="ignore", divide="ignore"):
        draws = num[idx].sum(axis=1) / den[idx].sum(axis=1)
    return Value(value, *_percentile(draws), len(num), "bootstrap")


def _share(stat: Statistic, rows: pd.DataFrame) -> Value:
    assert stat.column is not None and stat.op is not None and stat.value is not None
    x = _column(rows, stat.column)
    hits = _OPS[stat.op](x, stat.value).astype(float).where(x.notna())
    est = proportion_interval(hits)
    if est.n == 0:
        raise NotComparable(f"{stat.column} is undefined in every replication kept")
    return Value(est.value, est.lo, est.hi, est.n, "Wilson")


def _paired(stat: Statistic, frame: pd.DataFrame, threats, rng) -> Value:
    assert stat.column and stat.package and stat.versus
    present = set(frame["package"])
    missing = [p for p in (stat.package, stat.versus) if p not in present]
    if missing:
        raise NotComparable(f"package missing ({', '.join(missing)})")

    def side(package: str) -> pd.DataFrame:
        rows = frame[(frame["package"] == package) & frame["threat"].isin(threats)]
        return rows.set_index("replication")

    a, b = side(stat.package), side(stat.versus)
    keep = _mask(a, stat.where) & _mask(b, stat.where).reindex(a.index, fill_value=False)
    pairs = pd.concat([_column(a, stat.column), _column(b, stat.column)], axis=1, keys=["a", "b"])
    pairs = pairs[keep.reindex(pairs.index, fill_value=False)].dropna()
    if pairs.empty:
        raise NotComparable("no paired replication passes the conditions")
    x, y = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    if not stat.relative:
        d = paired_difference(x, y)
        return Value(d.diff, d.lo, d.hi, d.n, "paired t")
    if y.mean() == 0:
        raise NotComparable(f"{stat.versus} has no {stat.column} to compare with")
    value = float((x - y).mean() / y.mean())
    if len(x) < 2:
        return Value(value, math.nan, math.nan, len(x), "bootstrap")
    idx = _resample(rng(), len(x))
    with np.errstate(invalid="ignore", divide="ignore"):
        draws = (x[idx] - y[idx]).mean(axis=1) / y[idx].mean(axis=1)
    return Value(value, *_percentile(draws), len(x), "bootstrap")


def evaluate(target: Target, frame: pd.DataFrame, threats: Sequence[str], rng) -> Value:
    """The target's statistic on a run's ``frame`` (every package), over ``threats``.

    ``rng()`` gives the generator for bootstrap draws. Raises NotComparable."""
    stat = target.statistic
    if stat is None:
        raise NotComparable("no statistic")
    if stat.kind == "paired_difference":
        out = _paired(stat, frame, threats, rng)
    else:
        base = frame[(frame["package"] == "baseline") & frame["threat"].isin(threats)]
        rows = _rows(base, stat.where)
        if stat.kind == "share":
            out = _share(stat, rows)
        elif stat.kind == "ratio_of_sums":
            out = _ratio(stat, rows, rng)
        else:
            out = _location(stat, rows, rng)
    k = stat.scale
    return Value(out.value * k, out.lo * k, out.hi * k, out.n, out.method)


def verdict(value: Value, published: Published) -> tuple[str, str]:
    """``(verdict, reason)`` by the overlap rule of the module docstring."""
    if math.isnan(value.lo) or math.isnan(value.hi):
        return "not comparable", f"too few replications for an interval (n = {value.n})"
    high = math.inf if published.high is None else published.high
    if value.hi < published.low:
        return "outside", "below"
    if value.lo > high:
        return "outside", "above"
    return "inside", ""
