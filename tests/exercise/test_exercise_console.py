"""The interactive console, driven through a pseudo-terminal as a facilitator would."""

from __future__ import annotations

import json
import sys

import pytest

pexpect = pytest.importorskip("pexpect")

COMMAND = "from vtsim.cli import main; main()"
PROMPTS = [
    r"Press Enter to continue",
    r"Enter = continue, n = add a discussion note",  # after an inject or the questions
    r"Choice \(1-\d",
    r"One-line justification",
    r"Note:",
    r"what went well\?|what should be improved\?|Anything else from the room",  # hot wash
    pexpect.EOF,
]


def _spawn(tmp_path, *args):
    child = pexpect.spawn(
        sys.executable,
        ["-c", COMMAND, "exercise", "harbour-festival", "-o", str(tmp_path), *args],
        encoding="utf-8",
        timeout=60,
        dimensions=(50, 120),
        env={
            "PYTHONUNBUFFERED": "1",
            "PATH": "/usr/bin:/bin",
            "NO_COLOR": "1",
            "MPLBACKEND": "Agg",
        },
    )
    return child


@pytest.mark.slow
def test_a_facilitator_plays_the_exercise_at_the_prompts(tmp_path):
    child = _spawn(tmp_path, "-n", "5", "--no-progress")
    answers = iter(["9", "2", "b", "1", "2", "1"])  # bad input, choose, go back, choose again
    at_inject = iter(["f", "n"])  # the facilitator's view, then a note
    hot_wash = iter(["Stewards verified the report quickly."])
    transcript = []
    decisions = 0
    while True:
        which = child.expect(PROMPTS)
        transcript.append(child.before)
        if which == 0:
            child.sendline("")
        elif which == 1:
            child.sendline(next(at_inject, ""))
        elif which == 2:
            child.sendline(next(answers, "1"))
        elif which == 3:
            decisions += 1
            child.sendline(f"reason {decisions}")
        elif which == 4:
            child.sendline("Radio channels were not shared.")
        elif which == 5:
            child.sendline(next(hot_wash, ""))
        else:
            break
    child.close()
    output = "".join(transcript)
    assert child.exitstatus == 0, output[-2000:]
    assert "'9' is not an option here" in output  # bad input: the choices again, no traceback
    assert "Back at decision point" in output
    assert "FACILITATOR ONLY: ground truth" in output  # f, and only when asked:
    assert output.index("SITUATION at T+") < output.index("FACILITATOR ONLY")
    assert "HOT WASH" in output
    assert "Traceback" not in output
    saved = json.loads((tmp_path / "session.json").read_text())
    assert len(saved["decisions"]) == 3
    assert saved["notes"][0]["text"] == "Radio channels were not shared."
    hot = [n for n in saved["notes"] if n["module"] == "hot-wash"]
    assert [n["topic"] for n in hot] == ["strength"]
    assert hot[0]["text"].endswith("went well: Stewards verified the report quickly.")
    assert (tmp_path / "report.html").is_file()


@pytest.mark.slow
def test_a_session_folder_in_use_is_not_overwritten(tmp_path):
    (tmp_path / "session.json").write_text("{}")
    child = _spawn(tmp_path)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert "continue it with --resume" in child.before
    assert (tmp_path / "session.json").read_text() == "{}"


@pytest.mark.slow
def test_an_interrupted_console_session_is_saved_and_resumes(tmp_path):
    child = _spawn(tmp_path, "--no-counterfactual")
    while True:
        which = child.expect(PROMPTS)
        if which == 2:
            child.sendline("3")
        elif which == 3:
            child.sendline("no time to lose")
            break
        else:
            child.sendline("")
    child.expect(PROMPTS)  # the next prompt, then the lunch break
    child.sendcontrol("d")  # end of input: click aborts, the session is already saved
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    saved = json.loads((tmp_path / "session.json").read_text())
    assert [d["option"] for d in saved["decisions"]] == ["call-direct"]
