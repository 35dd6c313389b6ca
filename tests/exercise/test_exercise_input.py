"""The exercise console reads any input (issue 17, item 6).

Any length, any bytes, Unicode digits and the end of the input at a prompt; a tampered
``session.json`` refused with the field named; control characters never echoed; CSV cells
a spreadsheet would run neutralised.
"""

from __future__ import annotations

import copy
import csv
import io as _stdio
import json

import pytest
from click.testing import CliRunner

from vtsim import io
from vtsim.cli import main
from vtsim.exercise.console import Console
from vtsim.exercise.session import ExerciseSession, choice_index
from vtsim.exercise.text import printable

RED = "\x1b[31m"


@pytest.fixture(scope="module")
def saved(festival, tmp_path_factory):
    """A session stopped at its second decision point (one decision taken), as saved."""
    path = tmp_path_factory.mktemp("saved") / "session.json"
    session = ExerciseSession(festival, source="harbour-festival", autosave=path)
    while session.advance().kind != "decision":
        pass
    session.decide("verify", "confirm first")
    while session.advance().kind != "decision":
        pass
    return json.loads(path.read_text())


def _at_decision(saved, tmp_path) -> ExerciseSession:
    path = tmp_path / "session.json"
    path.write_text(json.dumps(saved))
    return ExerciseSession.resume(path)


def _decide(session, typed: str | bytes) -> str:
    """The console's decision prompt answered with ``typed``: what it printed."""
    runner = CliRunner()
    with runner.isolation(input=typed) as (out, _err, _):
        Console(session, interactive=True).decision(session.current)
    return out.getvalue().decode("utf-8", "replace")


def test_only_ascii_numbers_in_range_choose_an_option():
    assert choice_index("2", 3) == 2 and choice_index(" 3 ", 3) == 3
    for typed in ("²", "٣", "0", "4", "1" * 5000, "1.0", "-1", "", "one"):
        assert choice_index(typed, 3) is None, typed


@pytest.mark.parametrize(
    "typed",
    ["1" * 5000 + "\n", "²\n", "\u0663\n", b"\xff\xfe\x80\n"],
    ids=["5000-digits", "superscript-two", "arabic-indic-three", "invalid-utf8"],
)
def test_an_answer_that_is_no_option_is_asked_again(saved, tmp_path, typed):
    session = _at_decision(saved, tmp_path)
    tail = b"2\nbecause\n" if isinstance(typed, bytes) else "2\nbecause\n"
    shown = _decide(session, typed + tail)
    assert "is not an option here" in shown
    assert "1" * 100 not in shown.split("is not an option")[-1]  # quoted back shortened
    point = session.point(session.decisions[-1].point)
    assert session.decisions[-1].option == point.options[1].id
    assert session.decisions[-1].justification == "because"


def test_the_session_api_refuses_unicode_digits_too(saved, tmp_path):
    from vtsim.errors import VtsimError

    session = _at_decision(saved, tmp_path)
    for typed in ("²", "1" * 5000):
        with pytest.raises(VtsimError, match="has no option"):
            session.decide(typed)


def test_a_justification_is_stored_as_typed_and_echoed_without_escapes(saved, tmp_path):
    session = _at_decision(saved, tmp_path)
    why = f"{RED}urgent\x1b[0m \u202eevil\u202c \x07now"
    shown = _decide(session, f"1\n{why}\n")
    assert session.decisions[-1].justification == why.strip()
    # what vtsim printed after the answer (the runner echoes the typed line, as a terminal)
    echoed = shown.split(why, 1)[1]
    assert "urgent" in echoed and "evil" in echoed
    assert "\x1b" not in echoed and "\u202e" not in echoed and "\x07" not in echoed


def test_printable_removes_what_a_terminal_would_act_on():
    assert printable(f"a{RED}b\x1b[0m") == "ab"
    assert printable("t\x1b]0;title\x07x") == "tx"
    assert printable("c1\x85\x9b2Jz \x7f") == "c1z "
    assert printable("keep\ttab\nand newline") == "keep\ttab\nand newline"
    assert printable("\u2068\u0627\u2069") == "\u2068\u0627\u2069"  # isolates stay


def test_eof_at_the_first_prompt_claims_no_session(tmp_path):
    result = CliRunner().invoke(
        main, ["exercise", "harbour-festival", "-o", str(tmp_path / "o")], input=""
    )
    assert result.exit_code == 130, result.output  # as Ctrl-C: stopped at a prompt
    assert "input ended" in result.output.lower()
    assert "no session file was written" in " ".join(result.output.split())
    assert "session saved" not in result.output and "--resume" not in result.output
    assert not (tmp_path / "o" / "session.json").exists()
    assert "Traceback" not in result.output


def test_eof_later_names_the_saved_session(saved, tmp_path):
    path = tmp_path / "session.json"
    path.write_text(json.dumps(saved))
    result = CliRunner().invoke(main, ["exercise", "--resume", str(path)], input="")
    assert result.exit_code == 130, result.output
    assert "input ended" in result.output.lower()
    assert f"--resume {path}" in result.output


def _tampered(saved, change):
    data = copy.deepcopy(saved)
    change(data)
    return data


def _set(*keys_and_value):
    *keys, value = keys_and_value

    def change(data):
        node = data
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    return change


def _delete(key):
    return lambda data: data.pop(key)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_set("decisions", 0, "option", "run-away"), "decisions[0].option"),
        (_set("decisions", 0, "point", "nowhere"), "decisions[0].point"),
        (_set("decisions", 0, "stop", 999), "decisions[0].stop"),
        (_delete("seed"), "seed"),
        (_delete("stops"), "stops"),
        (_set("seed", "abc"), "seed"),
        (_set("seed", -1), "seed"),
        (_set("seed", 1.5), "seed"),
        (_set("started", "yesterday-ish"), "started"),
        (_set("lang", "xx"), "lang"),
        (_set("threat", "no-such-threat"), "threat"),
        (_set("decisions", "many"), "decisions"),
        (_set("notes", [{"text": 3}]), "notes[0].text"),
        (_set("stops", 0, "stop", "t_min", "soon"), "stops[0].stop.t_min"),
        (_set("stops", 0, "stop", "kind", "party"), "stops[0].stop.kind"),
        (_set("decisions", 0, "surprise", 1), "decisions[0]"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_tampered_session_file_is_refused_naming_the_field(saved, tmp_path, change, field):
    path = tmp_path / "session.json"
    path.write_text(json.dumps(_tampered(saved, change)))
    result = CliRunner().invoke(main, ["exercise", "--resume", str(path)], input="")
    assert result.exit_code == 2, result.output
    assert field in result.output, result.output
    assert str(path) in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("content", [b"", b"\xff\xfe", b"[1, 2]", b"{" * 100_000, b'{"format": 3}'])
def test_a_session_file_that_is_not_one_is_refused(tmp_path, content):
    path = tmp_path / "session.json"
    path.write_bytes(content)
    result = CliRunner().invoke(main, ["exercise", "--resume", str(path)], input="")
    assert result.exit_code == 2, result.output
    assert str(path) in result.output


def test_csv_cells_a_spreadsheet_would_run_are_neutralised():
    from vtsim.exercise.report import _csv
    from vtsim.workshop.security import neutralise_csv_cell

    rows = [
        {"a": "=HYPERLINK(x)", "b": "+1", "c": "-cmd", "d": "@SUM(A1)", "e": "\tx", "f": "\rx"},
        {"a": "fine", "b": -1.5, "c": 3, "d": "a=b", "e": "", "f": None},
    ]
    parsed = list(csv.DictReader(_stdio.StringIO(_csv(rows))))
    assert [parsed[0][k] for k in "abcdef"] == [
        "'=HYPERLINK(x)", "'+1", "'-cmd", "'@SUM(A1)", "'\tx", "'\nx",
    ]  # fmt: skip
    assert [parsed[1][k] for k in "abcde"] == ["fine", "-1.5", "3", "a=b", ""]
    assert io.neutralise_cell("=1") == neutralise_csv_cell("=1") == "'=1"
    header = io.csv_text([{"=x": 1}]).splitlines()[0]
    assert header == "'=x"


def test_the_decisions_csv_neutralises_a_justification(saved, tmp_path):
    from vtsim.exercise.report import _decisions_csv

    session = _at_decision(saved, tmp_path)
    session.decide("1", "=cmd|' /C calc'!A0")
    headline = session.scenario.exercise.headline_metric
    story = [{"variant": "chosen", "point": None, "option": None, headline: 1.0}]
    parsed = list(csv.DictReader(_stdio.StringIO(_decisions_csv(session, story))))
    assert parsed[-1]["justification"].startswith("'=")
