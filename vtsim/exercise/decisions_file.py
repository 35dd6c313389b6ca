"""Recorded choices for ``vtsim exercise --decisions FILE`` (rehearsals and tests).

Format (YAML)::

    team: Table A                      # optional
    decisions:
      - {point: escalate, option: alert-public, justification: "..."}
    notes:                             # optional discussion notes
      - {module: first-signs, text: "..."}
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from vtsim.errors import ScenarioError
from vtsim.scenario import paths
from vtsim.scenario.schema import Scenario
from vtsim.scenario.schema_base import Model


class RecordedDecision(Model):
    point: str
    option: str
    justification: str = ""


class RecordedNote(Model):
    module: str | None = None
    text: str = Field(min_length=1)


class DecisionsFile(Model):
    scenario: str = ""
    team: str = ""
    decisions: list[RecordedDecision] = Field(min_length=1)
    notes: list[RecordedNote] = Field(default_factory=list)


def load_decisions(path: str | Path, scenario: Scenario) -> DecisionsFile:
    """Read and check a decisions file against the scenario's exercise."""
    from vtsim.scenario.loader import read_yaml, validate_model

    path = Path(path)
    data, node = read_yaml(path)
    recorded = validate_model(DecisionsFile, data, str(path), node)
    points = {p.id: p for p in scenario.exercise.decisions}
    modules = {m.id for m in scenario.exercise.modules}
    problems = []
    for i, d in enumerate(recorded.decisions):
        loc = ["decisions", i]
        if d.point not in points:
            problems.append(
                (
                    loc + ["point"],
                    f"expected a decision point (one of: {', '.join(points)}); got '{d.point}'.",
                )
            )
            continue
        options = [o.id for o in points[d.point].options]
        if d.option not in options:
            problems.append(
                (
                    loc + ["option"],
                    f"expected an option of '{d.point}' (one of: "
                    f"{', '.join(options)}); got '{d.option}'.",
                )
            )
    for i, n in enumerate(recorded.notes):
        if n.module is not None and n.module not in modules:
            problems.append(
                (
                    ["notes", i, "module"],
                    f"expected a module (one of: {', '.join(modules)}); got '{n.module}'.",
                )
            )
    if problems:
        raise ScenarioError(
            str(path),
            [(paths.render(loc, data), paths.line_of(node, loc), msg) for loc, msg in problems],
        )
    return recorded
