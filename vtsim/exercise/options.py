"""What a decision option does: the measures it applies (inline effects become one measure)."""

from __future__ import annotations

from vtsim.errors import VtsimError
from vtsim.scenario.exercise import DecisionPoint, Exercise, Option
from vtsim.scenario.schema import Effect, Measure, Scenario


def exercise_of(scenario: Scenario) -> Exercise:
    """The scenario's ``exercise`` section, for code that only runs on a scenario with one."""
    # A Storyline and an ExerciseSession refuse a scenario without it, and the checks
    # return early without it: every caller below has already made sure it is there.
    assert scenario.exercise is not None, f"scenario '{scenario.name}' has no exercise"
    return scenario.exercise


def option_measures(scenario: Scenario, point: DecisionPoint, option: Option) -> list[Measure]:
    """The measures of ``option`` at decision ``point``, in order: referenced, then inline.

    Inline effects become one measure named after the option, in the phase of the
    decision point's module, so the improvement plan can list it like any other.
    """
    measures = [lookup_measure(scenario, m) for m in option.measures]
    if option.effects:
        module = next((m for m in exercise_of(scenario).modules if m.id == point.module), None)
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


def find_point(scenario: Scenario, point_id: str) -> DecisionPoint:
    return next(p for p in exercise_of(scenario).decisions if p.id == point_id)


def find_option(point: DecisionPoint, option_id: str) -> Option:
    return next(o for o in point.options if o.id == option_id)
