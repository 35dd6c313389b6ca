"""The session engine: deterministic storylines, counterfactuals, back, autosave and resume."""

from __future__ import annotations

import json

import pytest

from vtsim.errors import VtsimError
from vtsim.exercise import counterfactual as cf
from vtsim.exercise.session import ExerciseSession
from vtsim.exercise.storyline import play
from vtsim.model.world import simulate

CHOICES = {"escalate": "verify", "reinforce": "priority", "reopen": "phased"}


def _trace(outcome):
    return [(e.t_min, e.kind, repr(e.data)) for e in outcome.trace]


def _story(festival):
    ex = festival.exercise
    return festival.run.seed, ex.storyline.replication, ex.storyline.threat


def test_stopping_at_injects_and_decisions_never_changes_the_storyline(festival):
    # The first option of every harbour-festival decision point changes nothing, so a
    # session that stops everywhere must end exactly as the plain simulation.
    seed, rep, threat = _story(festival)
    outcome, applied = play(festival, seed, rep, {}, threat)
    plain = simulate(festival, seed, rep, threat=threat)
    assert [a[0] for a in applied] == ["escalate", "reinforce", "reopen"]
    assert outcome.metrics == plain.metrics


def test_a_scripted_session_reaches_every_stop_and_records_decisions(festival):
    session = ExerciseSession(festival)
    outcome = session.play_through(CHOICES, {"escalate": "confirm first"})
    kinds = [s["stop"]["kind"] for s in session.stops]
    assert kinds.count("decision") == 3 and kinds[-1] == "end"
    assert session.choices() == CHOICES
    assert session.decisions[0].justification == "confirm first"
    times = [s["stop"]["t_min"] for s in session.stops]
    assert times == sorted(times)
    picture = session.stops[-1]["picture"]
    assert picture["casualties"] == outcome.metrics["casualties_total"]
    assert sum(picture["casualties_by_triage"].values()) == picture["casualties"]


def test_replaying_the_same_decisions_gives_identical_results(festival):
    first = ExerciseSession(festival).play_through(CHOICES)
    second = ExerciseSession(festival).play_through(CHOICES)
    assert first.metrics == second.metrics
    assert _trace(first) == _trace(second)


def test_a_counterfactual_differs_only_downstream_of_its_decision(festival):
    session = ExerciseSession(festival)
    session.play_through(CHOICES)
    chosen = dict(CHOICES)
    seed, rep, threat = _story(festival)
    base, _ = play(festival, seed, rep, chosen, threat)
    changed = 0
    for decision in session.decisions:
        for option in session.point(decision.point).options:
            if option.id == decision.option:
                continue
            alt, _ = play(festival, seed, rep, {**chosen, decision.point: option.id}, threat)
            before = [e for e in _trace(alt) if e[0] < decision.t_min - 1e-9]
            assert before == [e for e in _trace(base) if e[0] < decision.t_min - 1e-9]
            changed += alt.metrics != base.metrics
    assert changed > 0  # and the decisions do change something
    rows = cf.on_storyline(session)
    times = {d.point: d.t_min for d in session.decisions}
    for row in rows[1:]:
        assert row["diverges_at_min"] is None or row["diverges_at_min"] >= times[row["point"]]


def test_alerting_the_public_earlier_never_adds_casualties(festival):
    # Common random numbers: evacuating sooner can only remove casualties (crowd model).
    seed, _, threat = _story(festival)
    fewer = 0
    for rep in range(15):
        hold, _ = play(festival, seed, rep, {"escalate": "verify"}, threat)
        alert, _ = play(festival, seed, rep, {"escalate": "alert-public"}, threat)
        assert alert.metrics["casualties_total"] <= hold.metrics["casualties_total"]
        fewer += alert.metrics["casualties_total"] < hold.metrics["casualties_total"]
    assert fewer > 0


def test_back_undoes_the_last_decision_exactly(festival):
    session = ExerciseSession(festival)
    while (stop := session.advance()).kind != "decision":
        pass
    session.decide("alert-public", "too fast?")
    before = session.current
    stop = session.back()
    assert stop == before and session.awaiting_decision and session.decisions == []
    outcome = session.play_through(CHOICES)
    assert outcome.metrics == ExerciseSession(festival).play_through(CHOICES).metrics


def test_back_without_a_decision_and_advancing_past_one_are_clear_errors(festival):
    session = ExerciseSession(festival)
    with pytest.raises(VtsimError, match="no decision to go back"):
        session.back()
    while session.advance().kind != "decision":
        pass
    with pytest.raises(VtsimError, match="waiting for a decision"):
        session.advance()
    with pytest.raises(VtsimError, match="expected one of: verify, alert-public"):
        session.decide("panic")


def test_resume_after_an_interrupted_session_loses_nothing(festival, tmp_path):
    path = tmp_path / "session.json"
    session = ExerciseSession(festival, autosave=path, team="Table B")
    while session.advance().kind != "decision":
        pass
    session.decide("verify", "confirm first")
    session.note("who may call the police?")
    session.advance()  # the next decision point, then the lunch break (or a crash)
    del session
    saved = json.loads(path.read_text())
    assert [d["option"] for d in saved["decisions"]] == ["verify"]

    resumed = ExerciseSession.resume(path)
    assert resumed.awaiting_decision and resumed.current.item_id == "reinforce"
    assert resumed.team == "Table B" and resumed.notes[0]["text"] == "who may call the police?"
    outcome = resumed.play_through(CHOICES)
    uninterrupted = ExerciseSession(festival).play_through(CHOICES)
    assert outcome.metrics == uninterrupted.metrics
    assert _trace(outcome) == _trace(uninterrupted)


def test_hot_wash_notes_and_what_the_players_knew_survive_resuming(festival, tmp_path):
    path = tmp_path / "session.json"
    session = ExerciseSession(festival, autosave=path)
    session.play_through(CHOICES)
    session.note(
        "Police dispatch, went well: early alert", "hot-wash", "Police dispatch", "strength"
    )
    session.discussed("hot-wash")
    resumed = ExerciseSession.resume(path)
    assert resumed.notes[-1] == {
        "module": "hot-wash",
        "t_min": session.current.t_min,
        "text": "Police dispatch, went well: early alert",
        "participant": "Police dispatch",
        "topic": "strength",
    }
    assert "hot-wash" in resumed.modules_discussed
    assert [s["known"] for s in resumed.stops] == [s["known"] for s in session.stops]
    assert resumed.picture() == session.stops[-1]["known"]  # the players' picture
    assert resumed.ground_truth() == session.stops[-1]["picture"]


def test_a_file_that_is_not_a_session_is_a_clear_error(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("{}")
    with pytest.raises(VtsimError, match="expected a vtsim exercise session file"):
        ExerciseSession.resume(bad)
    with pytest.raises(VtsimError, match="no such session file"):
        ExerciseSession.resume(tmp_path / "missing.json")


@pytest.mark.slow
def test_monte_carlo_pairs_alternatives_with_the_chosen_path(festival):
    session = ExerciseSession(festival)
    session.play_through(CHOICES)
    rows = cf.monte_carlo(session, 12, progress=False)
    summary = cf.summarise(session, rows)
    assert {s["variant"] for s in summary} == {v.name for v in cf.variants(session)[1:]}
    assert all(s["n"] == 12 for s in summary)
    # Alternatives that change nothing before harm is counted are paired exactly; the
    # debrief's headline is what they do change (the days closed), not one fixed measure.
    reopen = next(s for s in summary if s["point"] == "reopen")
    harm = next(i for i in reopen["outcomes"] if i["metric"] == "casualties_total")
    assert harm["diff"] == 0 and harm["diff_lo"] == harm["diff_hi"] == 0
    assert reopen["metric"] == "q_site_closed"


def test_an_unknown_headline_metric_is_caught_before_anyone_plays(festival):
    data = festival.model_dump(mode="json")
    data["exercise"]["headline_metric"] = "lives_saved_magically"
    from vtsim.scenario.loader import validate_data

    scenario = validate_data(data, "<test>")
    with pytest.raises(VtsimError, match="exercise.headline_metric"):
        ExerciseSession(scenario)


def test_timed_and_matched_triggers_stop_where_they_say(festival):
    from helpers import modified

    def edit(data):
        injects = data["exercise"]["injects"]
        injects.append(
            {
                "id": "timed",
                "module": "attack",
                "when": {"at_min": 3.0},
                "sender": "a",
                "recipient": "b",
                "message": "three minutes in",
            }
        )
        injects.append(
            {
                "id": "tactical",
                "module": "attack",
                "when": {"event": "agency_alerted", "match": {"agency": "tactical"}},
                "sender": "a",
                "recipient": "b",
                "message": "tactical unit alerted",
            }
        )
        injects.append(
            {
                "id": "never",
                "module": "attack",
                "when": {"event": "facility_down"},
                "sender": "a",
                "recipient": "b",
                "message": "this scenario has no infrastructure",
            }
        )

    scenario = modified(festival, edit)
    session = ExerciseSession(scenario)
    session.play_through(CHOICES)
    shown = {s["stop"]["item_id"]: s["stop"]["t_min"] for s in session.stops}
    assert shown["timed"] == pytest.approx(3.0, abs=1e-9)
    assert "never" not in shown
    alerted = [
        e
        for e in session.outcome.trace
        if e.kind == "agency_alerted" and e.data["agency"] == "tactical"
    ]
    assert shown["tactical"] == pytest.approx(alerted[0].t_min)
    # Injects only inform: the outcome is the one without them.
    assert session.outcome.metrics == ExerciseSession(festival).play_through(CHOICES).metrics
