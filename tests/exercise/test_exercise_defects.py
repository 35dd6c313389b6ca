"""`vtsim exercise` as the facilitator and the teams see it (issue 14, item 7).

Each test drives the command line (or the session a console would drive) and checks
what people read: refusals with their reason, the discussion questions after a resume,
the keys the prompts offer, the message of an interrupted replay, lines broken between
words, and names instead of internal ids.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import vtsim
from vtsim.cli import main
from vtsim.exercise.session import ExerciseSession
from vtsim.resources import scenarios_dir

pytestmark = pytest.mark.slow  # the whole file: over 10 s together

DECISIONS = str(scenarios_dir() / "harbour-festival.decisions.yaml")
FIRST_SIGNS_QUESTION = "Who in event control may raise an alarm to the police"
ATTACK_QUESTION = "How do venue stewards and police share one picture"


def _run(*args, input=None, env=None):
    return CliRunner(env=env).invoke(main, ["exercise", *args], input=input)


def _recorded(out, *more, env=None):
    return _run("harbour-festival", "--decisions", DECISIONS, "-o", str(out), *more, env=env)


def _session_until(festival, path, item_id):
    """A saved session stopped at ``item_id`` (choices of the decisions file on the way)."""
    choices = {"escalate": "verify", "reinforce": "priority", "reopen": "phased"}
    session = ExerciseSession(festival, source="harbour-festival", autosave=path)
    while True:
        stop = session.advance()
        if stop.item_id == item_id:
            return session
        if session.awaiting_decision:
            session.decide(choices[stop.item_id], "")


# 1 -------------------------------------------------------------------------------------------
def test_recorded_decisions_never_overwrite_a_session_folder_in_use(tmp_path):
    (tmp_path / "session.json").write_text("{}")
    result = _recorded(tmp_path, "--no-counterfactual")
    assert result.exit_code == 2, result.output
    assert "already holds a session" in result.output
    assert f"--resume {tmp_path / 'session.json'}" in result.output
    assert "Traceback" not in result.output
    assert (tmp_path / "session.json").read_text() == "{}"
    assert not (tmp_path / "report.html").exists()


def test_resuming_into_another_session_folder_is_refused(tmp_path, festival):
    _session_until(festival, tmp_path / "a" / "session.json", "reinforce")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "session.json").write_text("{}")
    result = _run(
        "--resume", str(tmp_path / "a" / "session.json"), "-o", str(tmp_path / "b"),
        "--decisions", DECISIONS, "--no-counterfactual",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "already holds another session" in result.output
    assert (tmp_path / "b" / "session.json").read_text() == "{}"


# 2 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("stopped_at", "pending"),
    [
        ("reinforce", FIRST_SIGNS_QUESTION),  # saved at the next module, before the questions
        ("calls", ATTACK_QUESTION),  # saved at the last inject of a module
    ],
)
def test_resuming_shows_the_pending_module_s_discussion_questions(
    tmp_path, festival, stopped_at, pending
):
    path = tmp_path / "session.json"
    _session_until(festival, path, stopped_at)
    result = _run("--resume", str(path), "--decisions", DECISIONS, "--no-counterfactual")
    assert result.exit_code == 0, result.output
    assert " ".join(result.output.split()).count(pending) == 1
    assert json.loads(path.read_text())["discussed"]  # recorded: not asked again


# 3 -------------------------------------------------------------------------------------------
def test_metro_plays_its_modules_in_the_order_the_guide_lists_them():
    scenario = vtsim.load_scenario("metro-cbrn")
    ex = scenario.exercise
    for choice in ("1", "2"):
        session = ExerciseSession(scenario, source="metro-cbrn")
        played: list[str] = []
        while (stop := session.advance()).kind != "end":
            if not played or played[-1] != stop.module:
                played.append(stop.module)
            if session.awaiting_decision:
                session.decide(choice, "")
        assert played == [m.id for m in ex.modules], choice
        assert len(session.decisions) == len(ex.decisions) == 3
    assert "three decision points" in " ".join(ex.overview.split())


# 4 -------------------------------------------------------------------------------------------
def test_the_inject_prompt_lists_every_key_and_names_them_on_a_wrong_one(tmp_path):
    result = _run("harbour-festival", "-o", str(tmp_path), input="\nx\ns\n")
    assert result.exit_code == 130, result.output  # end of input: saved, resumable
    flat = " ".join(result.output.split())
    assert "b = back to the last decision, s = situation" in flat
    assert "'x' is not a key here: press Enter (or c) to continue" in flat
    assert "s to see the situation again" in flat
    assert flat.count("SITUATION at T+") == 2  # s showed it again


# 5 -------------------------------------------------------------------------------------------
def test_ctrl_c_during_the_final_replay_says_what_was_saved_and_how_to_resume(
    tmp_path, monkeypatch
):
    from vtsim.exercise import counterfactual

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(counterfactual, "monte_carlo", interrupted)
    result = _recorded(tmp_path, "-n", "4", "--no-progress")
    assert result.exit_code == 130, result.output
    flat = " ".join(result.output.split())
    assert "Aborted!" not in flat
    assert "Interrupted during the final replay" in flat
    assert f"vtsim exercise --resume {tmp_path / 'session.json'}" in flat
    assert not (tmp_path / "report.html").exists()
    saved = json.loads((tmp_path / "session.json").read_text())
    assert [d["option"] for d in saved["decisions"]] == ["verify", "priority", "phased"]

    monkeypatch.undo()
    result = _run("--resume", str(tmp_path / "session.json"), "--no-counterfactual")
    assert result.exit_code == 0, result.output
    assert "its report was not written" in " ".join(result.output.split())
    assert (tmp_path / "report.html").is_file()


# 6 -------------------------------------------------------------------------------------------
def test_resuming_a_finished_session_keeps_its_report(tmp_path):
    out = tmp_path / "out"
    assert _recorded(out, "--no-counterfactual").exit_code == 0
    report = (out / "report.html").read_text()
    result = _run("--resume", str(out / "session.json"), "-n", "7")
    assert result.exit_code == 2, result.output
    flat = " ".join(result.output.split())
    assert "is a finished session and its report is already written" in flat
    assert "-o NEW-FOLDER -n N" in flat
    assert (out / "report.html").read_text() == report
    elsewhere = tmp_path / "again"
    result = _run(
        "--resume", str(out / "session.json"), "-o", str(elsewhere), "--no-counterfactual"
    )
    assert result.exit_code == 0, result.output
    assert (elsewhere / "report.html").is_file()
    assert (out / "report.html").read_text() == report


# 7 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("columns", [60, 120])
def test_console_text_wraps_between_words_at_the_terminal_width(tmp_path, festival, columns):
    result = _recorded(tmp_path, "--no-counterfactual", env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    paths = str(tmp_path)  # a path is never broken: it may be longer than a line
    console = [
        line for line in result.output.split("Written:")[0].splitlines() if paths not in line
    ]
    assert max(len(line) for line in console) <= columns
    if columns > 80:
        assert max(len(line) for line in console) > 80  # the width of the terminal
    flat = " ".join(result.output.split())
    ex = festival.exercise
    for text in [ex.overview, *(i.message for i in ex.injects[:2]), ex.decisions[0].prompt]:
        assert " ".join(text.split()) in flat  # every word whole


# 8 -------------------------------------------------------------------------------------------
def test_the_console_shows_names_and_labels_not_internal_ids(tmp_path, festival):
    result = _recorded(tmp_path, "--no-counterfactual", env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output.split("Written:")[0]
    for internal in (
        "casualties_total",
        "event-control",
        "police-dispatch",
        "call-centre",
        "armed-assault",
        "'verify'",
        "'priority'",
        "escalate:",
        "reinforce:",
    ):
        assert internal not in out, internal
    assert "Agencies alerted: Event control room (venue stewards)" in out
    assert "threat Armed assault in the arena" in out
    assert "Outcome: people harmed (every triage class) =" in out
    verify = festival.exercise.decisions[0].options[0].label
    assert f"your choice '{verify}'" in out
