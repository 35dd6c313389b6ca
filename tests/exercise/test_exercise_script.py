"""The exercise script in a scenario: validated as strictly as the rest of the scenario."""

from __future__ import annotations

import copy

import pytest
from helpers import modified

from vtsim.errors import ScenarioError
from vtsim.resources import bundled_scenarios
from vtsim.scenario.loader import load_scenario


def _edit(festival, change):
    def edit(data):
        change(data["exercise"])

    return lambda: modified(festival, edit)


def _error(festival, change) -> str:
    with pytest.raises(ScenarioError) as err:
        _edit(festival, change)()
    return str(err.value)


def test_default_scenario_carries_an_exercise_with_modules_injects_and_decisions(festival):
    ex = festival.exercise
    assert ex is not None and ex.objectives and ex.modules and ex.injects
    assert all(2 <= len(p.options) <= 4 for p in ex.decisions)


def test_every_bundled_scenario_carries_an_exercise_script():
    # scenarios/validation/ holds closed-form checks, not exercises: exempt.
    missing = [p.name for p in bundled_scenarios() if load_scenario(p).exercise is None]
    assert missing == []


def test_unknown_module_is_named_with_its_field_path(festival):
    def change(ex):
        ex["decisions"][0]["module"] = "no-such-module"

    message = _error(festival, change)
    assert "exercise.decisions[escalate].module" in message
    assert "first-signs" in message  # what was expected


def test_unknown_happening_is_rejected(festival):
    def change(ex):
        ex["injects"][0]["when"] = {"event": "detecion"}

    assert "exercise.injects[steward-report].when.event" in _error(festival, change)


def test_unknown_measure_in_an_option_is_rejected(festival):
    def change(ex):
        ex["decisions"][0]["options"][1]["measures"] = ["no-such-measure"]

    assert "options[alert-public].measures[0]" in _error(festival, change)


def test_a_decision_point_needs_two_to_four_options(festival):
    def one(ex):
        ex["decisions"][0]["options"] = ex["decisions"][0]["options"][:1]

    def five(ex):
        options = ex["decisions"][0]["options"]
        for k in range(3):
            extra = copy.deepcopy(options[1])
            extra["id"] = f"extra-{k}"
            extra["effects"] = [
                {"path": "sites.festival.p_communication", "op": "set", "value": 0.1 * k}
            ]
            options.append(extra)

    assert "exercise.decisions[escalate].options" in _error(festival, one)
    assert "exercise.decisions[escalate].options" in _error(festival, five)


def test_identical_options_are_rejected(festival):
    def change(ex):
        options = ex["decisions"][0]["options"]
        options[2] = {**copy.deepcopy(options[1]), "id": "same-again"}

    assert "must differ" in _error(festival, change)


def test_a_trigger_is_a_time_or_a_happening_not_both(festival):
    def change(ex):
        ex["injects"][0]["when"] = {"at_min": 3, "event": "detection"}

    assert "exactly one of 'at_min'" in _error(festival, change)


def test_an_option_effect_that_does_not_fit_the_scenario_is_rejected(festival):
    def change(ex):
        ex["decisions"][0]["options"][2]["effects"][0]["path"] = "agencies.nobody.delay_min"

    assert "options[call-direct].effects" in _error(festival, change)


def test_an_unknown_language_is_a_clear_error():
    from vtsim.errors import VtsimError
    from vtsim.exercise.text import Messages

    with pytest.raises(VtsimError, match="available: ar, en, fr"):
        Messages("xx")


def test_an_overview_that_counts_decision_points_counts_them_right():
    """'decide at three decision points' must match the script (one overview said two of
    three)."""
    import re

    import vtsim
    from vtsim.resources import bundled_scenarios

    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
    for path in bundled_scenarios():
        scenario = vtsim.load_scenario(path)
        if scenario.exercise is None:
            continue
        said = re.search(r"\b(\w+)\s+decision\s+points?\b", scenario.exercise.overview)
        if said and said.group(1) in words:
            assert words[said.group(1)] == len(scenario.exercise.decisions), path
