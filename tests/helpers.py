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


def strict_search_measure() -> Measure:
    """A measure that searches harbour-festival's reduced-mobility group four times as
    slowly in lanes of its own: it widens the queueing disparity (population groups)."""
    group = "sites.festival.groups.reduced_mobility.screening"
    return Measure.model_validate(
        {
            "id": "strict-search",
            "name": "A stricter search of one group in lanes of its own",
            "phase": "protect",
            "pillar": "operational",
            "effects": [
                {"path": f"{group}.lane", "op": "set", "value": "own"},
                {"path": f"{group}.service_factor", "op": "set", "value": 4.0},
            ],
        }
    )
