"""What a decision option does: the measures it applies (inline effects become one measure)."""

from __future__ import annotations

from vtsim.errors import VtsimError
from vtsim.scenario.schema import Effect, Measure, Scenario


def option_measures(scenario: Scenario, point, option) -> list[Measure]:
    """The measures of ``option`` at decision ``point``, in order: referenced, then inline.

    Inline effects become one measure named after the option, in the phase of the
    decision point's module, so the improvement plan can list it like any other.
    """
    measures = [lookup_measure(scenario, m) for m in option.measures]
    if option.effects:
        module = next((m for m in scenario.exercise.modules if m.id == point.module), None)
        measures.append(
            Measure(
                id=f"{point.id}.{option.id}",
                name=option.label,
                phase=module.phase if module is not None else "respond",
                pillar=option.pillar,
                rationale=f"Decision option at exercise decision point '{point.id}'.",
                effects=[Effect(**e.model_dump()) for e in option.effects],
            )
        )
    return measures


def known_measure(scenario: Scenario, measure_id: str) -> bool:
    """In the scenario's ``measures``, or in the bundled catalogue ``scenarios/measures.yaml``."""
    try:
        lookup_measure(scenario, measure_id)
    except VtsimError:
        return False
    return True


def lookup_measure(scenario: Scenario, measure_id: str) -> Measure:
    own = next((m for m in scenario.measures if m.id == measure_id), None)
    if own is not None:
        return own
    from vtsim.scenario.catalogue import find_measure

    return find_measure(scenario, measure_id)


def find_point(scenario: Scenario, point_id: str):
    return next(p for p in scenario.exercise.decisions if p.id == point_id)


def find_option(point, option_id: str):
    return next(o for o in point.options if o.id == option_id)
