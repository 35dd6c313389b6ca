"""Players see what they know: the situation shown at a stop comes from what reached them.

The players' picture (``session.picture()``, the console's ``s``) is built from the
messages delivered, the happenings the agencies observe and their own decisions; the
simulation's ground truth is the facilitator's view (``session.ground_truth()``, the
console's ``f``), marked as such. At the end of the storyline the console holds a hot
wash whose answers are notes filed under the module "hot-wash".
"""

from __future__ import annotations

import pytest

import vtsim
from vtsim.exercise import console as console_module
from vtsim.exercise.console import Console
from vtsim.exercise.session import ExerciseSession
from vtsim.exercise.text import Messages
from vtsim.scenario.loader import validate_data

# The players' status from knowing least to most; the end ("over") comes last.
ORDER = [
    "no_reports",
    "unconfirmed",
    "calls",
    "harm_reported",
    "confirmed",
    "attack_confirmed",
    "reported_over",
    "over",
]
ATTACK_KNOWN = {"confirmed", "attack_confirmed", "reported_over", "over"}


@pytest.fixture(scope="module")
def metro():
    return vtsim.load_scenario("metro-cbrn")


def _play(scenario, choose=lambda point: point.options[0].id):
    """Every stop of the scenario's storyline: (stop, players' picture, ground truth)."""
    session = ExerciseSession(scenario)
    console = Console(session, interactive=False)
    seen = []
    while True:
        if session.awaiting_decision:
            session.decide(choose(session.point()))
            continue
        stop = session.advance()
        seen.append((stop, session.picture(), session.ground_truth()))
        if stop.kind == "end":
            return session, console, seen


@pytest.fixture(scope="module")
def metro_play(metro):
    return _play(metro)


@pytest.fixture(scope="module")
def festival_play(festival):
    return _play(festival)


def _text(lines) -> str:
    return "\n".join(lines).lower()


@pytest.mark.parametrize("played", ["metro_play", "festival_play"])
def test_at_the_first_inject_no_one_says_the_attack_is_under_way(played, request):
    session, console, seen = request.getfixturevalue(played)
    stop, known, truth = next(s for s in seen if s[0].kind == "inject")
    assert truth["status"] in ("active", "approaching")  # the simulation knows more...
    assert known["status"] not in ATTACK_KNOWN  # ...than the report that reached them
    text = _text(console.situation_lines(known))
    assert "under way" not in text and "attack" not in text
    assert "cause unknown" in text
    assert "exposed" not in text


def test_the_cbrn_release_is_reported_as_people_unwell_cause_unknown(metro_play):
    _, console, seen = metro_play
    first = seen[0][1]
    assert console.situation_lines(first)[0].endswith(
        "people reported hurt or unwell, cause unknown"
    )


def test_after_neutralisation_no_one_is_still_exposed(festival_play):
    _, console, seen = festival_play
    after = [s for s in seen if s[2]["ended_by"] == "neutralised"]
    assert after and after[-1][0].kind == "end"
    for _stop, known, truth in after:
        assert known["status"] == "over" and known["ended_by"] == "neutralised"
        assert "still exposed" not in _text(console.situation_lines(known))
        assert "still exposed" not in _text(console.facilitator_lines(truth))
    first, last = after[0], after[-1]
    assert "reported over (neutralised by responders)" in console.situation_lines(first[1])[0]
    assert "not harmed, not evacuated" in _text(console.facilitator_lines(last[2]))


@pytest.mark.parametrize("played", ["metro_play", "festival_play"])
def test_the_facilitator_view_is_the_ground_truth_and_says_so(played, request):
    session, console, seen = request.getfixturevalue(played)
    for _stop, known, truth in seen:
        lines = console.facilitator_lines(truth)
        assert lines[0].startswith("FACILITATOR ONLY: ground truth")
        assert f"People exposed {truth['exposed']}" in lines[1]
        assert f"Casualties {truth['casualties']}:" in lines[2]
        assert not any("FACILITATOR" in line for line in console.situation_lines(known))
        assert "exposed" not in known and "casualties" not in known
    assert seen[-1][2]["casualties"] == session.outcome.metrics["casualties_total"]


@pytest.mark.parametrize("played", ["metro_play", "festival_play"])
def test_the_players_picture_never_contradicts_itself(played, request):
    _session, console, seen = request.getfixturevalue(played)
    before, counted_before = -1, 0
    for stop, known, _truth in seen:
        status = known["status"]
        assert (status == "over") == (known["ended_by"] is not None), stop
        level = ORDER.index(status)
        assert level >= before, f"{stop}: the players forgot what they knew"
        before = level
        counted = known["casualties_counted"]
        if counted is None:
            assert not known["casualty_care"], stop
        else:
            if known["casualties_by_label"]:
                assert sum(known["casualties_by_label"].values()) == counted
            assert counted >= counted_before, stop
            counted_before = counted
        text = _text(console.situation_lines(known))
        assert "exposed" not in text and "empty" not in text
        if status not in ATTACK_KNOWN:
            assert "under way" not in text and "over" not in text
        if status in ("over", "reported_over"):
            assert "under way" not in text
    end = seen[-1][1]
    assert end["casualties_counted"] == seen[-1][2]["casualties"]  # everyone triaged by then


def test_the_players_picture_lists_their_decisions(festival_play):
    session, console, seen = festival_play
    end = seen[-1][1]
    assert [d["point"] for d in end["decisions"]] == [d.point for d in session.decisions]
    line = console.situation_lines(end)[-1]
    assert line.startswith("Decisions taken: ")
    assert session.point("escalate").decided_by in line
    assert "escalate" not in line.split(": ", 1)[1].lower().split()  # labels, not ids


def test_the_session_records_both_views_at_every_stop(festival_play):
    session, _, seen = festival_play
    for shown, (_stop, known, truth) in zip(session.stops, seen, strict=True):
        assert shown["known"] == known and shown["picture"] == truth


def test_an_inject_may_declare_what_it_reveals(festival):
    data = festival.model_dump(mode="json", exclude_none=True)
    first = data["exercise"]["injects"][0]
    assert first["id"] == "steward-report"
    first["reveals"] = ["attack", "casualties"]
    scenario = validate_data(data, "harbour-festival (reveals)")
    session = ExerciseSession(scenario)
    assert session.advance().item_id == "steward-report"
    known = session.picture()
    assert known["status"] == "attack_confirmed"
    assert known["casualties_reported"] == session.ground_truth()["casualties"]
    console = Console(session, interactive=False)
    assert console.situation_lines(known)[0].endswith("attack confirmed, still under way")


def test_the_keys_help_lists_the_facilitator_view():
    m = Messages("en")
    for key in ("console.inject_keys", "console.choose"):
        text = m(key, n=3)
        assert "s = situation" in text and "f = facilitator view" in text


def _scripted(monkeypatch, answers):
    """The console's prompts answered from ``answers`` (what was asked is kept)."""
    asked = []
    replies = iter(answers)

    def ask(text, **_kwargs):
        asked.append(text)
        return next(replies, "")

    monkeypatch.setattr(console_module, "ask", ask)
    return asked


def test_s_shows_the_players_picture_and_f_the_facilitator_view(festival, monkeypatch, capsys):
    session = ExerciseSession(festival)
    console = Console(session)
    stop = session.advance()
    assert stop.kind == "inject"
    _scripted(monkeypatch, [""])
    console.inject(stop)
    default = capsys.readouterr().out
    assert "SITUATION at T+" in default and "FACILITATOR" not in default
    _scripted(monkeypatch, ["s", "f", ""])
    console.inject(stop)
    shown = capsys.readouterr().out
    assert shown.count("SITUATION at T+") == 2
    assert "FACILITATOR ONLY: ground truth" in shown
    assert shown.index("SITUATION at T+", shown.index("SITUATION at T+") + 1) < shown.index(
        "FACILITATOR ONLY"
    )


def _finished(scenario) -> ExerciseSession:
    session = ExerciseSession(scenario)
    session.play_through({p.id: p.options[0].id for p in scenario.exercise.decisions})
    return session


def test_the_hot_wash_notes_are_stored_under_hot_wash(festival, monkeypatch):
    session = _finished(festival)
    console = Console(session)
    who = console.participants()
    assert who and all("-" not in name or " " in name for name in who)  # names, not ids
    answers = ["Radio channels were shared early", "Casualty counts came late"]
    answers += [""] * (2 * len(who) - 2) + ["Book the hot wash room earlier", ""]
    asked = _scripted(monkeypatch, answers)
    console.hot_wash()
    assert asked[0] == f"{who[0]}: what went well?"
    assert asked[1] == f"{who[0]}: what should be improved?"
    notes = [n for n in session.notes if n["module"] == "hot-wash"]
    assert [n["text"] for n in notes] == [
        f"{who[0]}, went well: Radio channels were shared early",
        f"{who[0]}, to improve: Casualty counts came late",
        "Book the hot wash room earlier",
    ]
    assert notes[0]["participant"] == who[0] and notes[0]["topic"] == "strength"
    assert notes[1]["topic"] == "improvement"
    n_asked = len(asked)
    console.hot_wash()  # once per session (e.g. on resuming a session at its end)
    assert len(asked) == n_asked


def test_with_recorded_decisions_the_hot_wash_asks_nothing(festival, monkeypatch, capsys):
    session = _finished(festival)
    asked = _scripted(monkeypatch, [])
    Console(session, interactive=False).hot_wash()
    assert asked == []
    assert not [n for n in session.notes if n["module"] == "hot-wash"]
    assert "HOT WASH" in capsys.readouterr().out
