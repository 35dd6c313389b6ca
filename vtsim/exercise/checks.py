"""Cross-reference checks of an exercise script (called from ``vtsim.scenario.checks``).

Each check yields ``(location, message)`` like the scenario checks, so the loader
names the file, line and field path of every problem.
"""

from __future__ import annotations

from collections.abc import Iterator

from vtsim.errors import VtsimError
from vtsim.exercise.options import known_measure
from vtsim.scenario.checks import register_check

HAPPENINGS = {
    "attack_started",
    "interdicted",
    "detection",
    "alarm",
    "agency_alerted",
    "unit_arrived",
    "harm_started",
    "crowd_alerted",
    "casualty",
    "attack_ended",
    "facility_down",
    "facility_up",
    "facility_damaged",  # infrastructure: a facility hit, waiting for a repair crew
    "facility_tripped",  # infrastructure: switched off remotely, waiting for a crew reset
    "facility_repaired",  # infrastructure: a crew finished (in service once its needs are met)
    "crew_dispatched",
    "intrusion_detected",
    "hospital_at_capacity",
    "surge_activated",
    "scene_open",
    "release_detected",
    "decontaminated",
}
"""Happenings an inject or decision point can wait for (see docs/developing.md).
A sub-model that emits a new happening adds its name here."""


def _unique(items, loc: tuple, what: str) -> Iterator[tuple]:
    seen = set()
    for i, item in enumerate(items):
        if item.id in seen:
            yield (*loc, i, "id"), f"{what} id '{item.id}' is used twice; ids must be unique."
        seen.add(item.id)


def _known(value, known, loc: tuple, what: str) -> Iterator[tuple]:
    if value not in known:
        yield (
            loc,
            (
                f"expected {what} (one of: {', '.join(sorted(known)) or 'none defined'}); "
                f"got '{value}'."
            ),
        )


def check_exercise(scenario) -> Iterator[tuple]:
    """All problems of ``scenario.exercise`` (nothing when there is no exercise)."""
    ex = scenario.exercise
    if ex is None:
        return
    top = ("exercise",)
    module_ids = {m.id for m in ex.modules}
    measure_ids = {m.id for m in scenario.measures}
    objective_ids = {o.id for o in ex.objectives}
    yield from _unique(ex.objectives, (*top, "objectives"), "objective")
    yield from _unique(ex.participants, (*top, "participants"), "participant")
    yield from _unique(ex.modules, (*top, "modules"), "module")
    yield from _unique(ex.injects, (*top, "injects"), "inject")
    yield from _unique(ex.decisions, (*top, "decisions"), "decision point")
    inject_ids = {i.id for i in ex.injects}
    for i, point in enumerate(ex.decisions):
        if point.id in inject_ids:
            yield (
                (*top, "decisions", i, "id"),
                (
                    f"'{point.id}' is already the id of an inject; injects and decision points "
                    "need distinct ids."
                ),
            )
    if ex.storyline.threat is not None:
        yield from _known(
            ex.storyline.threat,
            {t.id for t in scenario.threats},
            (*top, "storyline", "threat"),
            "the id of a threat",
        )
    for key, items in (("injects", ex.injects), ("decisions", ex.decisions)):
        for i, item in enumerate(items):
            loc: tuple[str | int, ...] = (*top, key, i)
            yield from _known(item.module, module_ids, (*loc, "module"), "the id of a module")
            if item.objective is not None:
                yield from _known(
                    item.objective, objective_ids, (*loc, "objective"), "the id of an objective"
                )
            if item.when.event is not None:
                yield from _known(
                    item.when.event, HAPPENINGS, (*loc, "when", "event"), "a happening"
                )
    for i, point in enumerate(ex.decisions):
        loc = (*top, "decisions", i, "options")
        yield from _unique(point.options, loc, "option")
        seen: dict[str, str] = {}
        for j, option in enumerate(point.options):
            bad = False
            for k, measure in enumerate(option.measures):
                if measure not in measure_ids and not known_measure(scenario, measure):
                    bad = True
                    yield from _known(
                        measure,
                        measure_ids,
                        (*loc, j, "measures", k),
                        "the id of a measure of the scenario or of the bundled catalogue",
                    )
            if bad:
                continue
            from vtsim.exercise.options import option_measures
            from vtsim.scenario.transforms import apply_measures

            try:
                apply_measures(
                    scenario, option_measures(scenario, point, option), f"option '{option.id}'"
                )
            except VtsimError as exc:
                yield (*loc, j, "effects"), str(exc)
            key = repr((sorted(option.measures), [e.model_dump() for e in option.effects]))
            if key in seen:
                yield (
                    (*loc, j),
                    (
                        f"option '{option.id}' changes exactly what option '{seen[key]}' changes; "
                        "options at a decision point must differ."
                    ),
                )
            seen[key] = option.id


register_check(check_exercise)
