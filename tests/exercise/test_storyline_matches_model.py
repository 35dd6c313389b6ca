"""What the players are shown is what the model computes, at every stop of every storyline.

The situation picture reads the model through side-effect-free questions
(``Crowd.evacuated_at``, ...). Each storyline is played twice with the same choices: the
first run records the pictures; the second stops at the same moments and asks the
model's own accounting (``Crowd.remaining``, the one the harm processes use), which
moves it on to that moment. They must agree at every stop and at the end, for every
threat of every bundled scenario (the CBRN crowd leaves by slots: a copy of the flow
arithmetic in the console once showed 367 evacuated where the model had 338).
"""

from __future__ import annotations

import pytest

from vtsim.exercise.options import find_point
from vtsim.exercise.storyline import Storyline
from vtsim.model.crowd import Crowd
from vtsim.resources import bundled_scenarios
from vtsim.scenario.loader import load_scenario

CASES = [
    (path.stem, threat.id)
    for path in bundled_scenarios()
    if (scenario := load_scenario(path)).exercise is not None
    for threat in scenario.threats
]


def _play(scenario, threat: str, replication: int, at_stop) -> list:
    story = Storyline(scenario, scenario.run.seed, replication, threat)
    seen = []
    while (stop := story.advance()).kind != "end":
        seen.append(at_stop(story))
        if stop.kind == "decision":  # the last option: usually a change from the status quo
            story.decide(stop.item_id, find_point(scenario, stop.item_id).options[-1].id)
    outcome = story.finish()
    return seen, story, outcome


def _model_numbers(story) -> dict:
    incident = story.incident
    crowd = incident.find(Crowd)
    if crowd is None:
        return {"evacuated": 0, "still_exposed": 0, "casualties": len(incident.casualties)}
    end = incident.end_time if incident.ended else incident.now()
    still = crowd.remaining(min(incident.now(), end))
    return {
        "evacuated": crowd.evacuated,
        "still_exposed": still,
        "casualties": len(incident.casualties),
    }


def _picture_numbers(story) -> dict:
    picture = story.picture()
    return {k: picture[k] for k in ("evacuated", "still_exposed", "casualties")}


@pytest.mark.slow
@pytest.mark.parametrize(("name", "threat"), CASES)
def test_the_picture_shows_the_model_s_numbers_at_every_stop(name, threat):
    scenario = load_scenario(name)
    stops = 0
    for replication in range(8):  # some plots are interdicted: no stop at all
        pictures, _, outcome = _play(scenario, threat, replication, _picture_numbers)
        model, _, replay = _play(scenario, threat, replication, _model_numbers)
        assert replay.metrics == pytest.approx(outcome.metrics, nan_ok=True)  # no side effect
        assert pictures == model, f"{name}/{threat}, replication {replication}"
        stops += len(pictures)
    assert stops > 0


def test_the_last_picture_adds_up_to_the_outcome():
    """After the end, the picture's counts are the outcome's (CBRN: slots, not flow)."""
    scenario = load_scenario("metro-cbrn")
    story = Storyline(scenario, scenario.run.seed, 0)
    while story.advance().kind != "end":
        pass
    outcome = story.finish()
    picture = story.picture()
    assert picture["evacuated"] == outcome.metrics["evacuated"]
    assert picture["still_exposed"] == outcome.metrics["unharmed"]
    assert picture["casualties"] == outcome.metrics["casualties_total"]
