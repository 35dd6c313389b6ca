"""Recover metrics of one replication, as pure functions of the service history.

The history is a step function: ``[(t_min, {sector: population served}), ...]``
from the attack (t = 0), each entry holding until the next. Q(t), the fraction
of service, weights sectors by the population they serve (a person served by
power and by water counts in both).
"""

from __future__ import annotations

import re


def resilience_loss(times, functionality) -> float:
    """Area above a piecewise-linear functionality curve: the integral of 1 - Q(t).

    Bruneau et al. (2003), the "resilience triangle". ``times`` ascending, in any
    unit (the result is in that unit: hours of full-service loss when times are in
    hours); ``functionality`` Q in [0, 1] at those times, linear in between.

    >>> resilience_loss([0, 10], [0.0, 1.0])   # a triangle: half of 10
    5.0
    """
    t = [float(x) for x in times]
    q = [float(x) for x in functionality]
    if len(t) != len(q):
        raise ValueError("times and functionality must have the same length")
    if any(b < a for a, b in zip(t, t[1:])):
        raise ValueError("times must be ascending")
    area = 0.0
    for (t0, q0), (t1, q1) in zip(zip(t, q), zip(t[1:], q[1:])):
        area += (t1 - t0) * (1.0 - (q0 + q1) / 2.0)
    return area


MIN_PER_HOUR = 60.0
MIN_PER_DAY = 1440.0
Q_COLUMN = re.compile(r"^q_(?P<sector>.+)_(?P<hours>[0-9.]+)h$")
"""Service curve columns: ``q_<sector>_<hours>h`` (sector ``all``: population weighted)."""


def q_column(sector: str, hours: float) -> str:
    return f"q_{sector}_{hours:g}h"


def _clip(history, horizon_min: float):
    steps = [(t, served) for t, served in history if t < horizon_min]
    return steps or [(0.0, history[0][1])]


def curve_metrics(
    history: list[tuple[float, dict[str, float]]],
    totals: dict[str, float],
    horizon_min: float,
    step_min: float,
) -> dict[str, float]:
    """Customer hours lost per sector and in total, resilience loss (days), days to 95 %
    service overall and per sector, and Q(t) per sector and overall on a grid of
    ``step_min``.

    >>> m = curve_metrics([(0, {"power": 50}), (1440, {"power": 100})], {"power": 100},
    ...                   2880, 1440)
    >>> m["customer_hours_lost_power"], m["resilience_loss"], m["days_to_95pct_service"]
    (1200.0, 0.5, 1.0)
    """
    sectors = [s for s, total in totals.items() if total > 0]
    grand = sum(totals[s] for s in sectors)
    steps = _clip(history, horizon_min)
    ends = [t for t, _ in steps[1:]] + [horizon_min]
    out: dict[str, float] = {}
    total_lost = 0.0
    for sector in sectors:
        lost = sum(
            (end - t) * (totals[sector] - served.get(sector, 0.0))
            for (t, served), end in zip(steps, ends, strict=True)
        )
        out[f"customer_hours_lost_{sector}"] = lost / MIN_PER_HOUR
        total_lost += lost
    out["customer_hours_lost"] = total_lost / MIN_PER_HOUR

    q = [sum(served.get(s, 0.0) for s in sectors) / grand if grand else 1.0 for _, served in steps]
    times, values = [], []
    for (t, _), end, value in zip(steps, ends, q, strict=True):
        times += [t / MIN_PER_DAY, end / MIN_PER_DAY]
        values += [value, value]
    out["resilience_loss"] = resilience_loss(times, values)
    below = [end for end, value in zip(ends, q, strict=True) if value < 0.95 - 1e-12]
    out["days_to_95pct_service"] = max(below) / MIN_PER_DAY if below else 0.0
    for sector in sectors:  # the same, one sector alone (a power outage, say)
        below = [
            end
            for (_, served), end in zip(steps, ends, strict=True)
            if served.get(sector, 0.0) / totals[sector] < 0.95 - 1e-12
        ]
        out[f"days_to_95pct_service_{sector}"] = max(below) / MIN_PER_DAY if below else 0.0
    out["restored_95pct_within_horizon"] = float(q[-1] >= 0.95 - 1e-12)

    grid = [k * step_min for k in range(int(horizon_min / step_min + 1e-9) + 1)]
    k = 0
    for t in grid:
        while k + 1 < len(steps) and steps[k + 1][0] <= t:
            k += 1
        served = steps[k][1]
        hours = t / MIN_PER_HOUR
        for sector in sectors:
            out[q_column(sector, hours)] = served.get(sector, 0.0) / totals[sector]
        out[q_column("all", hours)] = q[k]
    return out
