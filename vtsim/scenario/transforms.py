"""Measures, packages and decisions as transforms ``Scenario -> Scenario``.

An effect is data (``{path, op, value}``), applied to a plain copy of the
scenario, which is then validated again: a measure never reaches into the
simulation code, and a measure that would make a scenario invalid is rejected
with the measure's name and the field path.

Effect paths (dots; ``[...]`` is the same as a dot step):

- a field name steps into a mapping: ``prevent.detection_rate_per_day``;
- in a list, an item is named by its ``id`` (alert edges by ``to``) or index:
  ``sites.festival.layers.gate-check.p_detect``;
- ``*`` is every item of a list (or every value of a mapping):
  ``sites.*.evacuation.alert_to_move_min``;
- ``section?`` steps into an optional section only when the scenario has it:
  ``medical?.first_aid.p_receive`` changes nothing in a scenario without ``medical``;
- ``field=value`` selects the list items whose ``field`` equals ``value`` (or,
  for a list field, contains it): ``agencies[role=police].dispatch_delay_min``,
  ``threats[mode=explosive_device].detectability``; ``field=*`` selects the
  items where ``field`` is given (not null): ``sites.*.zones[queue=*].queue.lanes``.

Catalogue measures use ``*``, ``?`` and selections so that they apply to scenarios
whose ids they cannot know. A wildcard or selection may match nothing (a
scenario without police, or without a screening queue): the effect then changes
nothing there. A named field or item that does not exist is an error naming the
measure, the path and what was expected.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

import numpy as np
from pydantic import BaseModel, TypeAdapter, ValidationError

from vtsim.errors import ScenarioError, VtsimError
from vtsim.scenario import paths
from vtsim.scenario.distributions import Dist
from vtsim.scenario.schema import Effect, Measure, Scenario

_DIST: TypeAdapter[Dist] = TypeAdapter(Dist)

_Place = tuple[Any, Any]
"""A place in plain scenario data: (a dict, one of its keys) or (a list, an index)."""


class EffectError(VtsimError):
    """An effect that cannot be applied to a scenario."""


def _is_dist(node) -> bool:
    return isinstance(node, dict) and "dist" in node


def _changed_dist(node: dict, op: str, value: float, where: str) -> dict:
    """A distribution scaled or shifted, validated again: a change that leaves no valid
    distribution (a lognormal scaled by 0, a delay shifted below 0) is an EffectError
    naming the measure, the path, the new parameters and what was expected."""
    try:
        dist = _DIST.validate_python(node)
        changed = dist.scaled(value) if op == "scale" else dist.shifted(value)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(k) for k in err["loc"] if k not in _FAMILIES)
        msg = err["msg"][0].lower() + err["msg"][1:]
        msg = msg.removeprefix("value error, ")
        verb = "scaling" if op == "scale" else "adding"
        how = f"{verb} the {node.get('dist', 'fixed')} distribution {_brief(node)} by {value:g}"
        at = f" {field} = {err['input']!r}" if field and not isinstance(err["input"], dict) else ""
        raise EffectError(f"{where}: {how} gives{at}; expected: {msg}.") from None
    return changed.model_dump()


_FAMILIES = ("fixed", "normal", "lognormal", "triangular", "uniform", "exponential")


def _brief(node: dict) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in node.items() if k != "dist") + "}"


def _finite(value: float) -> bool:
    """Whether a number is finite as a float (a 400-digit integer is not)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _item_key(item) -> str | None:
    """How a list item is addressed in a path: its ``id`` (alert edges: their ``to``)."""
    if isinstance(item, dict):
        return item.get("id", item.get("to"))
    return item if isinstance(item, str) else None


def _matches(item, selector: str) -> bool:
    """Does a list item match ``field=value`` (``field=*``: the field is given)?"""
    field, _, wanted = selector.partition("=")
    if not isinstance(item, dict) or item.get(field) is None:
        return False
    have = item[field]
    if wanted == "*":
        return True
    if isinstance(have, list):
        return any(str(v) == wanted for v in have)
    return str(have).lower() == wanted.lower()


def _targets(data: dict, keys: list[str], where: str) -> list[_Place]:
    """Every (container, key) the path addresses; ``*`` and selections may match several."""
    frontier: list[_Place] = [({"": data}, "")]
    for depth, key in enumerate(keys):
        here = ".".join(keys[:depth]) or "the top"
        step_to: list[_Place] = []
        optional = key.endswith("?")
        key = key.rstrip("?")
        for container, step in frontier:
            node = container[step]
            if node is None and any(k == "*" or "=" in k for k in keys[:depth]):
                continue  # an optional part absent in one of several matched items
            if optional and isinstance(node, dict) and key in node and node[key] is None:
                continue  # `section?`: a section this scenario does not have
            if key == "*" and isinstance(node, list):
                step_to += [(node, i) for i in range(len(node))]
            elif key == "*" and isinstance(node, dict):
                step_to += [(node, k) for k in node]
            elif "=" in key and isinstance(node, list):
                step_to += [(node, i) for i, item in enumerate(node) if _matches(item, key)]
            elif isinstance(node, list):
                index = next((i for i, item in enumerate(node) if _item_key(item) == key), None)
                if index is None and key.isdigit() and int(key) < len(node):
                    index = int(key)
                if index is None:
                    ids = [_item_key(item) for item in node if _item_key(item) is not None]
                    raise EffectError(
                        f"{where}: no item '{key}' at {here}"
                        f"; expected one of: {', '.join(map(str, ids)) or '(empty list)'}."
                    )
                step_to.append((node, index))
            elif isinstance(node, dict):
                if key not in node:
                    raise EffectError(
                        f"{where}: no field '{key}' at {here}"
                        f"; expected one of: {', '.join(sorted(node)) or '(no fields)'}."
                    )
                step_to.append((node, key))
            else:
                raise EffectError(f"{where}: '{here}' is a value, it has no '{key}'.")
        frontier = step_to
    return frontier


def _locate(data: dict, keys: list[str], where: str):
    """Return (container, key) for a path that names exactly one place."""
    found = _targets(data, keys, where)
    if len(found) != 1:
        raise EffectError(f"{where}: expected one place, the path matches {len(found)}.")
    return found[0]


def apply_effect(data: dict, effect: Effect, where: str) -> None:
    """Apply one effect in place to plain scenario data (``Scenario.model_dump()``)."""
    keys = paths.split(effect.path)
    for container, key in _targets(data, keys, f"{where}, path '{effect.path}'"):
        _apply_at(container, key, effect, where)


def _apply_at(container, key, effect: Effect, where: str) -> None:
    current = container[key]
    value = effect.value
    if effect.op == "set":
        container[key] = copy.deepcopy(value)
        return
    if effect.op == "append":
        if not isinstance(current, list):
            raise EffectError(f"{where}, path '{effect.path}': append needs a list there.")
        if effect.before is None:
            current.append(copy.deepcopy(value))
            return
        index = next((i for i, it in enumerate(current) if _item_key(it) == effect.before), None)
        if index is None:
            raise EffectError(
                f"{where}, path '{effect.path}': no item '{effect.before}' to insert before."
            )
        current.insert(index, copy.deepcopy(value))
        return
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise EffectError(
            f"{where}, path '{effect.path}': {effect.op} needs a number, got {value!r}."
        )
    if not _finite(value):
        raise EffectError(
            f"{where}, path '{effect.path}': {effect.op} needs a finite number, got {value!r}."
        )
    if _is_dist(current):
        container[key] = _changed_dist(current, effect.op, value, f"{where}, path '{effect.path}'")
    elif isinstance(current, (int, float)) and not isinstance(current, bool):
        result = current * value if effect.op == "scale" else current + value
        container[key] = (
            type(current)(result)
            if isinstance(current, int) and float(result).is_integer()
            else result
        )
    else:
        raise EffectError(
            f"{where}, path '{effect.path}': {effect.op} needs a number or a distribution there, "
            f"found {type(current).__name__}."
        )


def apply_measures(scenario: Scenario, measures: Iterable[Measure], label: str = "") -> Scenario:
    """A new scenario with the measures' effects applied in order, validated again."""
    data = scenario.model_dump(mode="json")
    measures = list(measures)
    for measure in measures:
        for i, effect in enumerate(measure.effects):
            apply_effect(data, effect, f"measure '{measure.id}' effect {i + 1}")
    names = ", ".join(m.id for m in measures)
    return validate_changed(data, label or "measures " + names, scenario)


def validate_changed(data: dict, label: str, before: Scenario | None = None) -> Scenario:
    """Plain scenario data changed by effects (measures, a package, a sweep point),
    validated again: the schema, then the cross-references (a facility, zone or agency
    the changes name must exist), so a bad change fails here with ``label`` and the field
    path, never at run time. Raises EffectError. With ``before`` (the scenario the
    changes were made to), only the problems the changes bring are errors: the scenario's
    own are reported once, where it is validated."""
    from vtsim.scenario.checks import check_references

    try:
        changed = Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = paths.clean_loc(err["loc"], data)
        msg = err["msg"].removeprefix("Value error, ")
        raise EffectError(
            f"{label}: the changed scenario is invalid at {paths.render(loc, data)}: {msg}."
        ) from None
    except RecursionError:
        raise EffectError(f"{label}: the changed scenario is nested too deeply.") from None
    problems = check_references(changed)
    if problems and before is not None:
        known = {message for _, message in check_references(before)}
        problems = [problem for problem in problems if problem[1] not in known]
    if problems:
        where, message = problems[0]
        raise EffectError(
            f"{label}: the changed scenario is invalid at {paths.render(where, data)}: {message}"
        )
    return changed


def apply_package(scenario: Scenario, package_id: str) -> Scenario:
    """The scenario with a package's measures applied; ``baseline`` returns it unchanged."""
    if package_id == "baseline":
        return scenario
    ids = [p.id for p in scenario.packages]
    if package_id not in ids:
        raise VtsimError(
            f"Unknown package '{package_id}' in scenario '{scenario.name}'; "
            f"expected one of: baseline, {', '.join(ids)}."
        )
    package = scenario.package(package_id)
    return apply_measures(
        scenario, [scenario.measure(m) for m in package.measures], f"package '{package_id}'"
    )


def with_changes(
    scenario: Scenario, changes: Mapping[str, object], source: str | None = None
) -> Scenario:
    """A new scenario with values set at field paths, validated like a scenario file.

    ``changes`` maps effect paths (as in measures: ids for list items, ``*`` and
    ``field=value`` selections) to values: numbers, strings, dicts (a distribution,
    a section), lists, or pydantic models (a ``Dist``, a ``Layer``), each applied as
    an effect with op ``set``, in order. ``scenario`` is not changed. A path that does
    not exist, or a value the schema or the cross-reference checks reject, raises
    :class:`~vtsim.errors.ScenarioError` naming the field path and what was expected.

    >>> from vtsim.scenario.loader import load_scenario
    >>> festival = load_scenario("harbour-festival")
    >>> changed = with_changes(festival, {"sites.festival.layers.gate-check.p_detect": 0.7})
    >>> changed.site("festival").layers[1].p_detect
    0.7
    """
    from vtsim.scenario.loader import validate_data

    source = source or f"{scenario.name} (with_changes)"
    if not isinstance(changes, Mapping):
        raise ScenarioError(
            source,
            [("", None, f"expected a mapping of field paths to values; got {changes!r:.60}.")],
        )
    data = scenario.model_dump(mode="json")
    problems: list[tuple[str, int | None, str]] = []
    for path, value in changes.items():
        if not isinstance(path, str) or not paths.split(path):
            problems.append(
                (
                    str(path),
                    None,
                    "expected a field path such as 'sites.<site id>.layers.<layer id>.p_detect'"
                    f"; got {path!r}.",
                )
            )
            continue
        effect = Effect(path=path, op="set", value=_plain(value))
        try:
            apply_effect(data, effect, "change")
        except EffectError as exc:
            problems.append((path, None, str(exc).removeprefix(f"change, path '{path}': ")))
    if problems:
        raise ScenarioError(source, problems)
    return validate_data(data, source)


def _plain(value: object) -> object:
    """Plain data for a value (models dumped, enums and numpy scalars unwrapped)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def package_cost(scenario: Scenario, package_id: str) -> float:
    """Annualised cost of a package (one-off spread over its lifetime, plus yearly)."""
    if package_id == "baseline":
        return 0.0
    return sum(scenario.measure(m).cost.annualised() for m in scenario.package(package_id).measures)
