"""HSEEP-style handouts: the Situation Manual's agenda, participants, ground rules and
assumptions; the Facilitator Guide's master scenario events list (also msel.csv) and
evaluation guide; trigger texts without internal ids."""

from __future__ import annotations

import csv
import html
import re
from functools import cache

import pytest
from click.testing import CliRunner

import vtsim
from vtsim.cli import main
from vtsim.exercise import msel
from vtsim.exercise.handouts import context, write_handouts
from vtsim.exercise.text import render


@cache
def _scenario(name):
    return vtsim.load_scenario(name)


@pytest.fixture(scope="module")
def handouts(tmp_path_factory):
    """Handouts of harbour-festival and metro-cbrn, written once for the module."""
    out = {}
    for name in ("harbour-festival", "metro-cbrn"):
        folder = tmp_path_factory.mktemp(name)
        write_handouts(_scenario(name), folder)
        out[name] = folder
    return out


def _visible(page: str) -> str:
    """The text a reader sees: no style, no tags, entities decoded."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _minutes(clock: str) -> int:
    hours, minutes = map(int, clock.split(":"))
    return hours * 60 + minutes


def test_the_agenda_adds_up_from_the_start_time():
    scenario = _scenario("metro-cbrn")
    ex = scenario.exercise
    modules = msel.module_order(scenario)
    rows = msel.agenda(scenario, modules)
    assert rows[0].start == ex.start and rows[0].kind == "briefing"
    assert rows[-1].kind == "hot_wash"
    assert [r.module for r in rows if r.kind == "module"] == modules
    for row, after in zip(rows, rows[1:]):
        assert row.end == after.start
    for row in rows:
        assert _minutes(row.end) - _minutes(row.start) == row.minutes
    total = ex.briefing_min + sum(m.duration_min for m in ex.modules) + ex.hot_wash_min
    assert _minutes(rows[-1].end) - _minutes(ex.start) == total


def test_the_agenda_follows_start_and_durations_given_in_the_script():
    base = _scenario("old-town-worship")
    ex = base.exercise.model_copy(update={"start": "13:30", "briefing_min": 0, "hot_wash_min": 45})
    scenario = base.model_copy(update={"exercise": ex})
    rows = msel.agenda(scenario, list(ex.modules))
    assert rows[0].start == "13:30" and rows[0].kind == "module"  # no briefing: left out
    end = 13 * 60 + 30 + sum(m.duration_min for m in ex.modules) + 45
    assert rows[-1].end == f"{end // 60:02d}:{end % 60:02d}"


def test_the_situation_manual_has_the_agenda_participants_ground_rules_and_assumptions(
    handouts,
):
    page = (handouts["metro-cbrn"] / "situation-manual.html").read_text()
    text = _visible(page)
    for heading in ("Agenda", "Participants and roles", "Ground rules", "Assumptions"):
        assert heading in text
    assert "09:00–09:20" in text  # start and the default 20-minute briefing
    assert "Fire and rescue service" in text  # the script's participants
    assert "Nothing in the exercise concerns any substance" in text  # its assumptions
    assert "no-fault" in text  # no ground rules in the script: the catalogue's standard list
    assert "Keep normal ventilation" not in text  # players do not see the options in advance


def test_without_participants_the_manual_names_who_decides_or_receives_injects():
    base = _scenario("harbour-festival")
    ex = base.exercise.model_copy(update={"participants": [], "assumptions": []})
    values = context(base.model_copy(update={"exercise": ex}))
    names = [p["name"] for p in values["participants"]]
    assert "Police dispatch" in names and "Event control room" in names
    assert "All agencies" not in names  # a collective addressee is nobody at the table
    assert all(p["role"] for p in values["participants"])
    assert values["assumptions"]  # the catalogue's default list


def test_the_msel_lists_every_inject_and_decision_once_in_time_order(handouts):
    for name in ("harbour-festival", "metro-cbrn"):
        scenario = _scenario(name)
        ex = scenario.exercise
        events = msel.msel(scenario)
        keys = [(e.kind, e.item.id) for e in events]
        expected = {("inject", i.id) for i in ex.injects} | {
            ("decision", d.id) for d in ex.decisions
        }
        assert len(keys) == len(set(keys)) and set(keys) == expected
        times = [e.t_min for e in events if e.t_min is not None]
        assert times == sorted(times)
        assert [e.order for e in events] == list(range(1, len(events) + 1))
        with open(handouts[name] / "msel.csv", newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert list(rows[0]) == list(msel.CSV_COLUMNS)
        assert [(r["kind"], r["id"]) for r in rows] == keys
        assert [r["t_min"] for r in rows] == [
            "" if e.t_min is None else f"{e.t_min:.1f}" for e in events
        ]
        page = (handouts[name] / "facilitator-guide.html").read_text()
        shown = re.findall(r'<tr class="msel-row" data-kind="(\w+)" data-t="([\d.]*)"', page)
        assert [(k, t) for k, t in shown] == [(r["kind"], r["t_min"]) for r in rows]


def test_the_msel_follows_the_storyline_and_modules_come_in_played_order():
    scenario = _scenario("metro-cbrn")
    stops = msel.stops(scenario)
    events = [e for e in msel.msel(scenario) if e.t_min is not None]
    assert [(e.kind, e.item.id) for e in events] == [(k, i) for k, i, _ in stops]
    modules = [m.id for m in msel.module_order(scenario)]
    first_seen = list(dict.fromkeys(e.module.id for e in events))
    assert modules[: len(first_seen)] == first_seen


def test_expected_actions_and_objectives_reach_the_msel(handouts):
    with open(handouts["metro-cbrn"] / "msel.csv", newline="", encoding="utf-8") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    assert (
        "Estimate how many people need decontamination"
        in rows["decon-capacity"]["expected_actions"]
    )
    assert rows["decon-capacity"]["objective"].startswith("Agree how mass decontamination")
    assert rows["decon-capacity"]["from"] == "Fire and rescue incident commander"


def test_no_internal_ids_in_the_handouts_visible_text(handouts):
    forbidden = (
        "harm_started",
        "unit_arrived",
        "attack_ended",
        "release_detected",
        "police-dispatch",
        "fire-rescue",
        "agency=",
        "public-alerting",
        "decontamination-capacity",
        "'detection'",
    )
    for name, folder in handouts.items():
        for page in ("situation-manual.html", "facilitator-guide.html"):
            text = _visible((folder / page).read_text())
            for word in forbidden:
                assert word not in text, (name, page, word)


def test_triggers_and_measures_read_as_words(handouts):
    text = _visible((handouts["metro-cbrn"] / "facilitator-guide.html").read_text())
    assert "1 min after the first unit on scene (Fire and rescue service" in text
    assert "at the first person decontaminated" in text
    # an option's measure by its name, not its id
    assert "Pre-positioned mass decontamination with the fire service" in text
    festival = _visible((handouts["harbour-festival"] / "facilitator-guide.html").read_text())
    assert "at the first unit on scene (Police dispatch)" in festival


def test_every_happening_a_trigger_can_wait_for_has_a_phrase():
    from vtsim.exercise.checks import HAPPENINGS
    from vtsim.exercise.text import catalogue

    assert HAPPENINGS <= set(catalogue("en")["handout"]["happenings"])


def test_the_evaluation_guide_lists_every_objective_with_its_criteria(handouts):
    for name in ("harbour-festival", "metro-cbrn"):
        ex = _scenario(name).exercise
        page = (handouts[name] / "facilitator-guide.html").read_text()
        guide = page[page.index('id="evaluation"') :]
        sections = re.findall(
            r'<section class="objective" data-objective="([^"]+)">(.*?)</section>', guide, re.S
        )
        assert [s for s, _ in sections] == [o.id for o in ex.objectives]
        for objective, (_, body) in zip(ex.objectives, sections):
            text = _visible(body)
            assert objective.text in text
            for criterion in objective.evaluation:
                assert criterion in text
            if objective.capability:
                assert objective.capability in text
            assert body.count('<tr class="blank">') >= 3  # room for observations


def test_bundled_scripts_have_the_hseep_fields():
    for name in ("metro-cbrn", "old-town-worship", "transit-hub-drone"):
        ex = _scenario(name).exercise
        objectives = {o.id for o in ex.objectives}
        assert all(o.capability and o.evaluation for o in ex.objectives), name
        assert all(d.objective in objectives and d.expected_actions for d in ex.decisions), name
        assert all(i.expected_actions for i in ex.injects), name
        assert ex.participants and ex.assumptions, name


@pytest.mark.parametrize("name", ["old-town-worship", "metro-cbrn", "transit-hub-drone"])
def test_modules_are_played_in_the_order_the_guide_lists_them(name):
    scenario = _scenario(name)
    listed = [m.id for m in scenario.exercise.modules]
    events = [e for e in msel.msel(scenario) if e.t_min is not None]
    assert len(events) == len(msel.stops(scenario))
    stops_modules = [listed.index(e.module.id) for e in events]
    assert stops_modules == sorted(stops_modules)  # never back to an earlier module


def test_numbers_in_a_right_to_left_handout_go_through_the_num_filter(monkeypatch):
    """With a right-to-left catalogue, agenda times and MSEL times are isolated."""
    from vtsim.exercise import text

    values = context(_scenario("metro-cbrn"))
    original = text.Messages.__init__

    def rtl(self, lang="en"):
        original(self, lang)
        self.rtl = True

    monkeypatch.setattr(text.Messages, "__init__", rtl)
    page = render("facilitator_guide.html.j2", "en", **values)
    assert any(f"{iso}09:00{text.PDI}" in page for iso in (text.LRI, text.FSI))
    first = values["events"][0].t_min
    assert f"{text.LRI}{first:.1f}{text.PDI}" in page


def test_the_cli_writes_the_handouts_and_the_msel(tmp_path):
    result = CliRunner().invoke(
        main,
        ["exercise", "harbour-festival", "--handouts", str(tmp_path / "h")],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    for name in ("situation-manual.html", "facilitator-guide.html", "msel.csv"):
        assert (tmp_path / "h" / name).is_file(), name
    assert not list((tmp_path / "h").glob(".*.tmp"))  # written atomically, nothing left over


def test_a_storyline_that_goes_back_to_an_earlier_module_is_pointed_out(tmp_path):
    """The stops follow the simulation's clock, the modules the script's order: where a
    storyline reaches a later module's inject first (transit-hub-drone, replication 5),
    the facilitator is told, naming both modules; the bundled storylines say nothing."""
    import yaml

    from vtsim.resources import resolve_scenario_path

    assert msel.modules_out_of_order(_scenario("transit-hub-drone")) == []
    data = yaml.safe_load(open(resolve_scenario_path("transit-hub-drone"), encoding="utf-8"))
    data["exercise"]["storyline"]["replication"] = 5
    path = tmp_path / "drone-rep5.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    found = msel.modules_out_of_order(vtsim.load_scenario(path))
    assert found and all(a.t_min <= b.t_min for a, b in found)
    out = CliRunner().invoke(main, ["exercise", str(path), "--handouts", str(tmp_path / "h")])
    assert out.exit_code == 0, out.output
    assert "Facilitator's note" in out.output and str(found[0][0].module.title) in out.output
