"""Consequences of a table's decision: the alternatives on its own storyline and over many.

Built on :mod:`vtsim.exercise.counterfactual` (common random numbers: only the decision
differs). The raw replays are computed once (:func:`compute`, in the engine's background
thread); sentences and charts are derived from them in each viewer's language, every word
from the catalogue (``debrief.*`` and ``workshop.*``).
"""

from __future__ import annotations

import io as _stdio
import threading
from collections.abc import Callable

from vtsim.exercise import counterfactual as cf
from vtsim.exercise.text import Messages, metric_label

BLOCK = 10  # storylines per progress step

_lock = threading.Lock()


def compute(
    focus, replications: int, seed: int | None = None, step: Callable | None = None
) -> dict:
    """The focus's alternatives on its storyline and over ``replications`` storylines
    (``step(k)`` after every ``k`` storylines)."""
    story = cf.on_storyline(focus)
    seed = focus.seed if seed is None else seed
    variant_list, names = cf.variants(focus), cf.metric_names(focus)
    rows: list[dict] = []
    for a in range(0, replications, BLOCK):
        b = min(replications, a + BLOCK)
        rows.extend(cf.play_block(focus.scenario, seed, focus.threat, variant_list, a, b, names))
        if step is not None:
            step(b - a)
    return {"story": story, "mc": rows, "words": {}}


def debrief(focus, done: dict, msg: Messages) -> dict:
    """The comparisons in ``msg``'s language (cached in ``done`` per language)."""
    with _lock:
        cached = done["words"].get(msg.lang)
    if cached is not None:
        return cached
    valuation = cf.session_valuation(focus)
    data = {
        "valuation": valuation.name if valuation is not None else None,
        "currency": valuation.currency if valuation is not None else None,
        "on_storyline": cf.compare_on_storyline(focus, done["story"], valuation, msg),
        "over_storylines": (
            cf.compare_over_storylines(focus, done["mc"], valuation, msg) if done["mc"] else []
        ),
    }
    with _lock:
        done["words"][msg.lang] = data
    return data


def sentences(focus, done: dict, msg: Messages) -> list[str]:
    """What the projector says under the chart: each alternative on this storyline, then
    over many storylines."""
    data = debrief(focus, done, msg)
    lines = [msg("workshop.server.this_storyline")]
    lines += [row["sentence"] for row in data["on_storyline"]]
    if data["over_storylines"]:
        lines.append(
            msg(
                "workshop.server.over_storylines",
                n=str(len({r["replication"] for r in done["mc"]})),
            )
        )
        for row in data["over_storylines"]:
            lines += row["sentences"]
    return lines


def chart_svg(focus, done: dict, msg: Messages) -> bytes:
    """The report's outcomes figure for this decision, as SVG (labels from the catalogue)."""
    import matplotlib.pyplot as plt

    from vtsim.exercise.report import outcomes_figure

    data = debrief(focus, done, msg)
    with _lock:  # pyplot is not thread-safe
        fig = outcomes_figure(focus, data, msg)
        buffer = _stdio.BytesIO()
        fig.savefig(buffer, format="svg")
        plt.close(fig)
    return buffer.getvalue()


def table_summary(workshop, table, story: list[dict], summary: list[dict]) -> dict:
    """A table's choices and their consequences, for the workshop report (in the
    workshop's language)."""
    session, msg = table.session, workshop.m
    valuation = cf.session_valuation(session)
    on = cf.compare_on_storyline(session, story, valuation, msg) if session.decisions else []
    decisions = []
    for d in session.decisions:
        point = session.point(d.point)
        label = next(o.label for o in point.options if o.id == d.option)
        decisions.append(
            {
                "point": d.point,
                "decided_by": point.decided_by,
                "prompt": point.prompt,
                "label": label,
                "justification": d.justification,
                "t_min": d.t_min,
                "on_storyline": [r["sentence"] for r in on if r["point"] == d.point],
                "over_storylines": [
                    line for r in summary if r["point"] == d.point for line in r["sentences"]
                ],
            }
        )
    outcome = None
    if session.outcome is not None:
        headline = session.scenario.exercise.headline_metric
        label, unit = metric_label(session.scenario, headline, msg)
        value = session.outcome.metrics.get(headline, float("nan"))
        outcome = {
            "label": label[:1].upper() + label[1:],
            "value": "-" if value != value else f"{value:g}",
            "unit": cf.unit_text(unit, msg),
        }
    return {"decisions": decisions, "outcome": outcome}
