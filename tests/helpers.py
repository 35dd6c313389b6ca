"""Small builders shared by the foundation tests."""

from __future__ import annotations

import copy

from vtsim.scenario.loader import validate_data
from vtsim.scenario.schema import Effect, Measure, Scenario


def measure(*effects: dict, id: str = "test-measure") -> Measure:
    return Measure(
        id=id,
        name=id,
        phase="protect",
        pillar="operational",
        effects=[Effect(**e) for e in effects],
    )


def modified(scenario: Scenario, edit) -> Scenario:
    """A copy of a scenario's data changed by ``edit(data)``, validated again."""
    data = copy.deepcopy(scenario.model_dump(mode="json"))
    edit(data)
    return validate_data(data, "<test>")
