"""The verdict in words on one (package, phase) row of a comparison: better, worse, not
distinguishable from zero (and how many replications would tell), or no change on any
replication, which needs the package to change nothing the headline reads
(:func:`_touches`)."""

from __future__ import annotations

import math

import pandas as pd

from vtsim.errors import VtsimError
from vtsim.scenario.schema import Scenario

# What a headline reads, where it is less than the whole scenario: a package that changes
# none of it cannot move that headline on any replication. Read from the model's wiring:
# prevention draws only from `prevent` and the threats (`model/prevent.py`, the threat
# choice); casualty care (`medical`) reads the casualties and the scene but nothing outside
# the medical model reads it back. A headline not listed may read every simulated section.
_NOT_SIMULATED = {"name", "description", "currency", "sources", "run", "measures", "packages"}
_NOT_SIMULATED |= {"uses", "catalogue", "exercise", "valuation"}
_READS = {"prevented": {"prevent", "threats"}}
_DOES_NOT_READ = {
    m: {"medical"}
    for m in ("stopped_before_harm", "casualties_total", "site_closed_days", "resilience_loss")
}


def _touches(scenario: Scenario, package: str, metric: str) -> bool:
    """Whether ``package`` changes anything of ``scenario`` that ``metric`` reads."""
    from vtsim.scenario.transforms import apply_package

    try:
        changed, base = apply_package(scenario, package), apply_package(scenario, "baseline")
    except VtsimError:
        return True
    sections = [
        name
        for name in type(scenario).model_fields
        if name not in _NOT_SIMULATED and getattr(changed, name) != getattr(base, name)
    ]
    reads = _READS.get(metric)
    return any(
        (name in reads) if reads is not None else name not in _DOES_NOT_READ.get(metric, ())
        for name in sections
    )


def _verdict(row, replications: int, scenario: Scenario | None = None) -> str:
    """In words; replications needed are scaled to all replications when the metric is
    defined in only some of them (e.g. minutes to a responder, when one came).

    "no change on any replication" only when the package changes nothing the headline
    reads (with ``scenario``; see :func:`_touches`). Otherwise a difference of zero on
    every replication so far is "not distinguishable from zero yet": no change in ``n``
    replications puts the share of replications it changes below 3 / n (95 %, the rule of
    three), and telling a difference from zero takes about 4 replications that change
    (the mean is then 2 standard errors from zero), so at least 4 n / 3.
    """
    if row["diff"] == 0 and row["diff_lo"] == row["diff_hi"]:
        package, metric = row.get("package"), row.get("metric")
        if scenario is None or not _touches(scenario, str(package), str(metric)):
            return "no change on any replication"
        n = int(row.get("n") or 0)
        total = max(math.ceil(4 * max(n, 1) / 3), n + 1)
        if 0 < n < replications:
            total = math.ceil(total * replications / n)
        return (
            f"not distinguishable from zero yet: no replication changed; at least about "
            f"{total} replications would tell ({total - replications} more)"
        )
    if row["distinguishable"]:
        better = row["diff"] < 0 if row["better"] == "lower" else row["diff"] > 0
        return "better" if better else "worse"
    need = row.get("replications_needed")
    if not need or pd.isna(need):
        return "not distinguishable from zero"
    n = int(row.get("n") or 0)
    total = math.ceil(need * replications / n) if 0 < n < replications else int(need)
    total = max(total, replications + 1)
    more = f" ({total - replications} more)" if total > replications else ""
    return f"not distinguishable from zero; about {total} replications would tell{more}"
