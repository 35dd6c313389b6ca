"""What the choices changed: the same storyline with each alternative, and many storylines.

*On this storyline*: every decision the teams took is replayed with each of its
other options (all other decisions as taken), on the same seed and replication,
so only that decision differs (common random numbers). *Over many storylines*:
replications ``0..n-1`` of the same seed, played with the chosen path and with
each alternative, paired per replication. A decision point that a storyline
reaches but the session did not takes its first option.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np

from vtsim.analysis.stats import paired_difference
from vtsim.exercise.storyline import play


@dataclass(frozen=True)
class Variant:
    """The chosen path, or the chosen path with one decision replaced."""

    name: str
    point: str | None
    option: str | None
    choices: tuple[tuple[str, str], ...]


def variants(session) -> list[Variant]:
    chosen = session.choices()
    out = [Variant("chosen", None, None, tuple(chosen.items()))]
    for decision in session.decisions:
        for option in session.point(decision.point).options:
            if option.id != decision.option:
                alt = {**chosen, decision.point: option.id}
                out.append(
                    Variant(
                        f"{decision.point}={option.id}",
                        decision.point,
                        option.id,
                        tuple(alt.items()),
                    )
                )
    return out


def metric_names(session) -> list[str]:
    ex = session.scenario.exercise
    return list(dict.fromkeys([ex.headline_metric, *ex.report_metrics]))


def _row(outcome, names) -> dict[str, float]:
    return {name: float(outcome.metrics.get(name, math.nan)) for name in names}


def on_storyline(session) -> list[dict]:
    """Each variant on the session's own storyline: its metrics and the first moment its
    trace departs from the chosen path's (None when identical)."""
    names = metric_names(session)
    rows, base_trace = [], None
    for variant in variants(session):
        outcome, _ = play(
            session.scenario,
            session.seed,
            session.replication,
            dict(variant.choices),
            session.threat,
        )
        trace = [(e.t_min, e.kind, repr(e.data)) for e in outcome.trace or []]
        if base_trace is None:
            base_trace = trace
        rows.append(
            {
                "variant": variant.name,
                "point": variant.point,
                "option": variant.option,
                "label": _label(session, variant),
                **_row(outcome, names),
                "diverges_at_min": _divergence(base_trace, trace),
            }
        )
    return rows


def _label(session, variant: Variant) -> str:
    if variant.point is None:
        return ""
    point = session.point(variant.point)
    return next(o.label for o in point.options if o.id == variant.option)


def _divergence(a, b) -> float | None:
    for x, y in zip(a, b):
        if x != y:
            return min(x[0], y[0])
    if len(a) != len(b):
        return (a[len(b)] if len(a) > len(b) else b[len(a)])[0]
    return None


# -- many storylines ---------------------------------------------------------------------------
def _chunk(scenario, seed, threat, variant_list, start, stop, names) -> list[dict]:
    rows = []
    for replication in range(start, stop):
        for variant in variant_list:
            outcome, _ = play(scenario, seed, replication, dict(variant.choices), threat)
            rows.append(
                {"variant": variant.name, "replication": replication, **_row(outcome, names)}
            )
    return rows


def monte_carlo(
    session, replications: int, seed: int | None = None, jobs: int = 1, progress: bool | None = None
) -> list[dict]:
    """Rows (variant, replication, metrics) over ``replications`` storylines."""
    from concurrent.futures import ProcessPoolExecutor

    from tqdm.auto import tqdm

    from vtsim.analysis.executors import _context

    seed = session.seed if seed is None else seed
    names, variant_list = metric_names(session), variants(session)
    size = max(5, min(100, -(-replications // max(1, 4 * max(jobs, 1)))))
    blocks = [(a, min(replications, a + size)) for a in range(0, replications, size)]
    args = (session.scenario, seed, session.threat, variant_list)
    bar = tqdm(
        total=replications,
        desc="storylines",
        unit="story",
        file=sys.stderr,
        disable=not (sys.stderr.isatty() if progress is None else progress),
    )
    rows: list[dict] = []
    try:
        if jobs == 1:
            for a, b in blocks:
                rows.extend(_chunk(*args, a, b, names))
                bar.update(b - a)
        else:
            import os

            workers = jobs if jobs > 0 else (os.cpu_count() or 1)
            with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
                futures = [pool.submit(_chunk, *args, a, b, names) for a, b in blocks]
                for (a, b), future in zip(blocks, futures):
                    rows.extend(future.result())
                    bar.update(b - a)
    finally:
        bar.close()
    return rows


def summarise(session, mc_rows: list[dict]) -> list[dict]:
    """Per alternative: the mean of (alternative - chosen) on the headline, paired, with a
    95 % interval; positive means the teams' choice did better (fewer)."""
    headline = session.scenario.exercise.headline_metric
    by: dict[str, dict[int, float]] = {}
    for row in mc_rows:
        by.setdefault(row["variant"], {})[row["replication"]] = row[headline]
    chosen = by.get("chosen", {})
    reps = sorted(chosen)
    out = []
    for variant in variants(session)[1:]:
        alt = np.array([by[variant.name][r] for r in reps])
        base = np.array([chosen[r] for r in reps])
        diff = paired_difference(alt, base, better="higher")
        out.append(
            {
                "variant": variant.name,
                "point": variant.point,
                "option": variant.option,
                "label": _label(session, variant),
                "saved_mean": diff.diff,
                "saved_lo": diff.lo,
                "saved_hi": diff.hi,
                "n": diff.n,
                "share_choice_better": float(np.mean(alt > base)) if len(reps) else math.nan,
                "share_choice_worse": float(np.mean(alt < base)) if len(reps) else math.nan,
            }
        )
    return out
