"""Handouts before the workshop: the Situation Manual and the Facilitator Guide (HTML)."""

from __future__ import annotations

from pathlib import Path

from vtsim import io
from vtsim.errors import VtsimError
from vtsim.exercise.text import render
from vtsim.scenario.schema import Scenario


def write_handouts(scenario: Scenario, outdir: str | Path, lang: str = "en") -> list[Path]:
    """Write ``situation-manual.html`` (for players) and ``facilitator-guide.html``."""
    scenario = scenario.localised(lang)
    ex = scenario.exercise
    if ex is None:
        raise VtsimError(f"Scenario '{scenario.name}' has no 'exercise' section.")
    outdir = Path(outdir)
    context = dict(
        ex=ex,
        scenario=scenario,
        seed=ex.storyline.seed or scenario.run.seed,
        replication=ex.storyline.replication,
        threat=ex.storyline.threat,
    )
    written = []
    for name, template in (
        ("situation-manual.html", "situation_manual.html.j2"),
        ("facilitator-guide.html", "facilitator_guide.html.j2"),
    ):
        io.write_text(outdir / name, render(template, lang, **context))
        written.append(outdir / name)
    return written
