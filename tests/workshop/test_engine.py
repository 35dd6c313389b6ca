"""The workshop engine: tables, votes, the clock, undo, notes, ratings, resume, the end."""

from __future__ import annotations

import csv
import dataclasses

import pytest

from vtsim.workshop.engine import Workshop, WorkshopError
from vtsim.workshop.security import (
    JOIN_ALPHABET,
    RateLimiter,
    join_code,
    neutralise_csv_cell,
)

ROLES = ["event-control", "city-police", "ambulance-service", "crisis-committee"]


@pytest.fixture
def workshop(festival, tmp_path):
    w = Workshop(festival, tmp_path / "ws", tables=3, replications=0)
    yield w
    w.close()


def seat(w, per_table: int = 2) -> dict[str, list]:
    """``per_table`` participants at each table (one agency each)."""
    return {
        t.id: [
            w.join(w.join_code, t.id, ROLES[k], f"{t.name} person {k}", "en")
            for k in range(per_table)
        ]
        for t in w.tables
    }


def to_first_decision(w) -> None:
    w.start()  # the first inject
    assert all(t.session.current.kind == "inject" for t in w.tables)
    w.advance()  # the first decision point
    assert all(t.session.awaiting_decision for t in w.tables)


def snapshot(w) -> dict:
    return {
        "version": w.version,
        "state": w.state,
        "paused": w.paused,
        "voting": sorted(w.voting),
        "rounds": w.rounds,
        "clock": dataclasses.asdict(w.clock),
        "participants": sorted(
            (p.id, p.table_id, p.role, p.name, p.token) for p in w.participants.values()
        ),
        "votes": w.votes,
        "notes": w.notes,
        "ratings": w.ratings,
        "tables": [
            (
                t.id,
                t.session.stops,
                [dataclasses.asdict(d) for d in t.session.decisions],
                t.session.notes,
            )
            for t in w.tables
        ],
    }


def test_security_helpers():
    code = join_code()
    assert len(code) == 6 and set(code) <= set(JOIN_ALPHABET)
    assert not set("0O1I") & set(JOIN_ALPHABET)
    for cell in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise_csv_cell(cell) == "'" + cell
    assert neutralise_csv_cell("fine") == "fine" and neutralise_csv_cell(3) == 3
    now = [0.0]
    limiter = RateLimiter(5, 10.0, clock=lambda: now[0])
    assert [limiter.allow("p1") for _ in range(6)] == [True] * 5 + [False]
    assert limiter.allow("p2")
    now[0] = 10.5
    assert limiter.allow("p1")


def test_three_tables_vote_close_and_diverge(workshop):
    w = workshop
    people = seat(w)
    with pytest.raises(WorkshopError) as refused:
        w.advance()  # not started
    assert refused.value.status == 409
    to_first_decision(w)
    with pytest.raises(WorkshopError):
        w.advance()  # a table waits for a decision
    w.open_vote()
    assert w.state == "voting"
    with pytest.raises(WorkshopError) as refused:
        w.advance()  # during an open vote
    assert refused.value.status == 409 and "vote" in str(refused.value).lower()
    t1, t2, t3 = (people[t] for t in ("t1", "t2", "t3"))
    # t1: plurality; a new vote replaces the previous one
    w.vote(t1[0].token, "call-direct", "first thought")
    w.vote(t1[0].token, "verify", "Check it first.")
    w.vote(t1[1].token, "verify", "No panic.")
    # t2: a tie between alert-public and call-direct: the option listed first wins
    w.vote(t2[0].token, "call-direct", "Fast.")
    w.vote(t2[1].token, "alert-public", "Move people.")
    with pytest.raises(WorkshopError) as bad:
        w.vote(t2[1].token, "no-such-option", "")
    assert bad.value.status == 400
    # t3 has no vote: refused unless the facilitator chooses
    with pytest.raises(WorkshopError) as refused:
        w.close_vote()
    assert "Table 3" in str(refused.value)
    assert w.tally(w.tables[0]) == {"verify": 2, "alert-public": 0, "call-direct": 0}
    decided = w.close_vote({"t3": "call-direct"})
    assert decided == {"t1": "verify", "t2": "alert-public", "t3": "call-direct"}
    assert w.state == "running"
    d1 = w.tables[0].session.decisions[-1]
    assert d1.justification == "Check it first. / No panic." and d1.team == "Table 1"
    assert w.tables[1].session.decisions[-1].justification == "Move people."
    assert w.tables[2].session.decisions[-1].justification  # the facilitator's choice, in words
    # the tables diverge: their storylines go on differently from here
    w.advance()
    choices = [t.session.choices() for t in w.tables]
    assert len({tuple(c.items()) for c in choices}) == 3
    assert len({repr(t.session.picture()) for t in w.tables}) > 1
    with pytest.raises(WorkshopError):
        w.vote(t1[0].token, "verify", "")  # no vote open now


def test_a_participant_votes_only_at_their_own_table(workshop):
    w = workshop
    people = seat(w, 1)
    to_first_decision(w)
    w.open_vote()
    w.vote(people["t1"][0].token, "alert-public", "")
    assert sum(w.tally(w.tables[0]).values()) == 1
    assert sum(w.tally(w.tables[1]).values()) == 0  # no way to name another table
    with pytest.raises(WorkshopError) as unknown:
        w.vote("not-a-token", "verify", "")
    assert unknown.value.status == 403
    view = w.view("participant", participant=people["t1"][0])
    assert [t["id"] for t in view["tables"]] == ["t1"]
    assert view["my_vote"] == {"option": "alert-public", "justification": ""}
    assert "ground_truth" not in view["tables"][0]
    with pytest.raises(WorkshopError) as wrong:
        w.join("WRONG1", "t1", "event-control", "X", "en")
    assert wrong.value.status == 400
    with pytest.raises(WorkshopError):
        w.join(w.join_code, "t9", "event-control", "X", "en")
    with pytest.raises(WorkshopError):
        w.join(w.join_code, "t1", "no-such-role", "X", "en")


def test_undo_reopens_the_vote(workshop):
    w = workshop
    people = seat(w, 1)
    with pytest.raises(WorkshopError):
        w.undo()
    to_first_decision(w)
    w.open_vote()
    for t in w.tables:
        w.vote(people[t.id][0].token, "verify", "")
    w.close_vote()
    w.advance()
    stops = [len(t.session.stops) for t in w.tables]
    w.undo()
    assert w.state == "voting" and w.voting == {"t1", "t2", "t3"}
    assert all(t.session.awaiting_decision and not t.session.decisions for t in w.tables)
    assert all(len(t.session.stops) < s for t, s in zip(w.tables, stops))
    assert w.tally(w.tables[0])["verify"] == 1  # the votes are still there
    w.vote(people["t1"][0].token, "alert-public", "changed my mind")
    assert w.close_vote()["t1"] == "alert-public"


def test_clock_pause_and_view(workshop):
    w = workshop
    seat(w, 1)
    view = w.view("projector")
    assert view["state"] == "lobby" and view["module"] is None
    w.start()
    view = w.view("projector")
    assert view["module"]["id"] == "first-signs"
    assert view["module"]["duration_s"] == 45 * 60
    assert 0 < view["module"]["remaining_s"] <= 45 * 60
    w.pause()
    with pytest.raises(WorkshopError):
        w.pause()
    assert w.view("projector")["paused"] is True
    frozen = w.remaining_s()[0]
    assert w.remaining_s(now=w.clock.elapsed + 10_000)[0] == frozen  # a paused clock stands
    w.resume_clock()
    assert not w.paused
    facilitator = w.view("facilitator", lang="fr")
    assert facilitator["lang"] == "fr" and facilitator["join_code"] == w.join_code
    assert facilitator["tables"][0]["ground_truth"]
    assert facilitator["tables"][0]["picture"]
    observer = w.view("observer")
    assert [o["id"] for o in observer["objectives"]] == [
        o.id for o in w.scenario.exercise.objectives
    ]


def test_notes_and_ratings(workshop):
    w = workshop
    people = seat(w, 1)
    to_first_decision(w)
    w.note("The stewards hesitated.", table_id="t2")
    w.note("Radios worked.", module="hot-wash", topic="strength", who="Police")
    w.note("We talked it over.", participant=people["t1"][0].token)
    w.note("Clear hand-over.", author="observer", who="Evaluator A")
    with pytest.raises(WorkshopError):
        w.note("   ")
    assert [n["author"] for n in w.notes] == [
        "facilitator",
        "facilitator",
        "participant",
        "observer",
    ]
    assert w.notes[0]["module"] == "first-signs"
    t1, t2 = w.tables[0].session.notes, w.tables[1].session.notes
    assert [n["text"] for n in t2] == ["The stewards hesitated.", "Radios worked."]
    assert t1[-1]["text"] == "We talked it over." and t1[-1]["participant"] == "Table 1 person 0"
    assert t1[0]["module"] == "hot-wash" and t1[0]["topic"] == "strength"
    w.rate("Evaluator A", "alerting", 4, "Quick alert.", "t1")
    for bad in ((("Evaluator A", "no-such-objective", 3)), ("Evaluator A", "alerting", 6)):
        with pytest.raises(WorkshopError) as refused:
            w.rate(*bad)
        assert refused.value.status == 400
    assert w.ratings[0]["rating"] == 4 and w.ratings[0]["table"] == "t1"


def test_a_kill_and_resume_give_the_same_state(workshop, tmp_path):
    w = workshop
    people = seat(w)
    to_first_decision(w)
    w.pause()
    w.open_vote()
    w.vote(people["t1"][0].token, "verify", "a")
    w.vote(people["t2"][0].token, "alert-public", "b")
    w.vote(people["t3"][0].token, "call-direct", "=HYPERLINK(x)")
    w.close_vote()
    w.advance()
    w.undo()
    w.vote(people["t1"][1].token, "alert-public", "c")
    w.close_vote({"t1": "alert-public"})
    w.note("note", table_id="t1")
    w.rate("Eva", "alerting", 3)
    w.resume_clock()
    w.advance()
    w.open_vote() if w._waiting() else None
    before = snapshot(w)
    # the server dies: the object is dropped without closing anything
    outdir, tokens = w.outdir, (w.facilitator_token, w.join_code)
    del w
    again = Workshop.resume(outdir)
    try:
        assert snapshot(again) == before
        assert (again.facilitator_token, again.join_code) == tokens
        assert again.participant(people["t1"][0].token).name == "Table 1 person 0"
        assert again.view("projector")["tables"] == Workshop.view(again, "projector")["tables"]
    finally:
        again.close()


def test_a_new_workshop_is_not_started_over_a_saved_one(workshop):
    with pytest.raises(WorkshopError) as exists:
        Workshop("harbour-festival", workshop.outdir, tables=1)
    assert "--resume" in str(exists.value)


def test_exports_neutralise_cells_a_spreadsheet_would_execute(festival, tmp_path):
    from vtsim.workshop.engine import _csv

    w = Workshop(festival, tmp_path / "ws", tables=1, replications=0)
    p = w.join(w.join_code, "t1", "event-control", "=cmd|' /C calc'!A0", "en")
    w.start()
    w.advance()
    w.open_vote()
    w.vote(p.token, "verify", "+SUM(1)")
    w.note("@risk", module="hot-wash", topic="improvement")
    w.rate("-Eva", "alerting", 2, "=1+1")
    votes = list(csv.DictReader(_csv(w._votes_rows()).splitlines()))
    assert votes[0]["participant"].startswith("'=") and votes[0]["justification"] == "'+SUM(1)"
    assert votes[0]["label"] and votes[0]["role"] != "event-control"  # words, not ids
    notes = list(csv.DictReader(_csv(w._notes_rows()).splitlines()))
    assert notes[0]["text"] == "'@risk"
    ratings = list(csv.DictReader(_csv(w._ratings_rows()).splitlines()))
    assert ratings[0]["observer"] == "'-Eva" and ratings[0]["text"] == "'=1+1"
    w.close()


@pytest.mark.slow
def test_end_writes_every_file_with_safe_csv(festival, tmp_path):
    w = Workshop(festival, tmp_path / "ws", tables=1, replications=0)
    p = w.join(w.join_code, "t1", "event-control", "=cmd|' /C calc'!A0", "en")
    w.start()
    w.advance()
    w.open_vote()
    w.vote(p.token, "verify", "+SUM(1)")
    w.close_vote()
    w.note("@risk", module="hot-wash", topic="improvement")
    w.rate("-Eva", "alerting", 2, "=1+1")
    written = w.end()
    out = tmp_path / "ws"
    for name in ("workshop-report.html", "votes.csv", "notes.csv", "ratings.csv"):
        assert out / name in written and (out / name).is_file()
    for name in ("session.json", "report.html", "transcript.json", "decisions.csv"):
        assert (out / "tables" / "t1" / name).is_file()
    votes = list(csv.DictReader((out / "votes.csv").open(encoding="utf-8")))
    assert votes[0]["participant"].startswith("'=") and votes[0]["justification"] == "'+SUM(1)"
    notes = list(csv.DictReader((out / "notes.csv").open(encoding="utf-8")))
    assert notes[0]["text"] == "'@risk"
    ratings = list(csv.DictReader((out / "ratings.csv").open(encoding="utf-8")))
    assert ratings[0]["observer"] == "'-Eva" and ratings[0]["text"] == "'=1+1"
    html = (out / "workshop-report.html").read_text(encoding="utf-8")
    assert "Table 1" in html and "@risk" in html
    assert w.state == "ended"
    with pytest.raises(WorkshopError):
        w.advance()
    w.close()


@pytest.mark.slow
def test_reveal_and_end_with_three_tables(festival, tmp_path):
    import time

    w = Workshop(festival, tmp_path / "ws", tables=3, replications=10)
    people = seat(w, 1)
    to_first_decision(w)
    with pytest.raises(WorkshopError):
        w.reveal()  # nothing decided yet
    w.open_vote()
    for t, option in zip(w.tables, ("verify", "alert-public", "verify")):
        w.vote(people[t.id][0].token, option, "")
    w.close_vote()
    w.reveal()
    deadline = time.time() + 60
    while w.reveal_state.progress is not None and time.time() < deadline:
        time.sleep(0.05)
    view = w.view("projector")
    assert view["state"] == "revealing" and len(view["consequences"]) == 3
    assert view["consequences"][0]["sentences"]
    assert w.chart("t1", "escalate").lstrip().startswith(b"<?xml")
    assert w.view("projector", lang="ar")["consequences"][1]["sentences"]
    w.note("Good coordination", module="hot-wash", topic="strength", who="Police")
    w.end()
    html = (tmp_path / "ws" / "workshop-report.html").read_text(encoding="utf-8")
    for name in ("Table 1", "Table 2", "Table 3", "Good coordination"):
        assert name in html
    w.close()
