"""The session's paths replayed: the same storyline with each alternative, and many storylines.

*On this storyline* (:func:`on_storyline`): every decision the teams took is replayed with
each of its other options (all other decisions as taken), on the same seed and replication,
so only that decision differs (common random numbers). *Over many storylines*
(:func:`monte_carlo`, in blocks of :func:`play_block`): replications ``0..n-1`` of the same
seed, played with the chosen path and with each alternative, paired per replication. A
decision point that a storyline reaches but the session did not takes its first option.

The rows made here are compared and put into words by :mod:`vtsim.exercise.debrief_compare`.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np

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
    """Every outcome the storyline reports (the exercise's own first), as floats."""
    row = {name: float(outcome.metrics.get(name, math.nan)) for name in names}
    for name, value in outcome.metrics.items():
        if name not in row and isinstance(value, (int, float, np.number)):
            row[name] = float(value)
    return row


def _reached(applied) -> str:
    """The decision points a storyline reached, as ``a;b`` (for the CSV)."""
    return ";".join(point for point, _, _ in applied)


def on_storyline(session) -> list[dict]:
    """Each variant on the session's own storyline: its metrics and the first moment its
    trace departs from the chosen path's (None when identical)."""
    names = metric_names(session)
    rows, base_trace = [], None
    for variant in variants(session):
        outcome, applied = play(
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
                "reached": _reached(applied),
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
def play_block(scenario, seed, threat, variant_list, start, stop, names) -> list[dict]:
    """Rows of storylines ``start`` to ``stop`` (excluded), every path of ``variant_list``
    on each: a block of :func:`monte_carlo`, public for front ends that show progress."""
    rows = []
    for replication in range(start, stop):
        for variant in variant_list:
            outcome, applied = play(scenario, seed, replication, dict(variant.choices), threat)
            rows.append(
                {
                    "variant": variant.name,
                    "replication": replication,
                    "reached": _reached(applied),
                    **_row(outcome, names),
                }
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
                rows.extend(play_block(*args, a, b, names))
                bar.update(b - a)
        else:
            import os

            workers = jobs if jobs > 0 else (os.cpu_count() or 1)
            with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
                futures = [pool.submit(play_block, *args, a, b, names) for a, b in blocks]
                for (a, b), future in zip(blocks, futures):
                    rows.extend(future.result())
                    bar.update(b - a)
    finally:
        bar.close()
    return rows
