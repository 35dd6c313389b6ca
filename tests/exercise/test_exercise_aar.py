"""The After-Action Report, HSEEP style: per objective its capability, strengths and areas for
improvement consistent with the paired intervals, a hot-wash section; and every word of the
debrief (report, figures, plan, console) from the message catalogue, none hard-coded."""

from __future__ import annotations

import csv
import math
import re
import shutil
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
import yaml

import vtsim
from vtsim.exercise import counterfactual as cf
from vtsim.exercise import text
from vtsim.exercise.report import (
    every_outcome_figure,
    hot_wash,
    objectives_analysis,
    outcomes_figure,
    write_report,
)
from vtsim.exercise.session import ExerciseSession
from vtsim.exercise.text import Messages

METRO_CHOICES = {
    "ventilation": "normal",
    "decon-capacity": "local-unit",
    "reopen": "full-clearance",
}
MARK = "«"


# -- the analysis per objective, on made-up comparisons (fast) ---------------------------------
def _fake_session(scenario, choices: dict[str, str], unlink: str | None = None):
    """What :func:`objectives_analysis` reads of a session, without playing it; ``unlink``:
    a decision point taken out of every objective (and out of a module named like one)."""
    ex = scenario.exercise
    points = {p.id: p for p in ex.decisions}
    if unlink is not None:
        points[unlink] = points[unlink].model_copy(
            update={"objective": None, "module": "not-an-objective"}
        )
        ex = ex.model_copy(update={"decisions": [points[p.id] for p in ex.decisions]})
        scenario = scenario.model_copy(update={"exercise": ex})
    return SimpleNamespace(
        scenario=scenario,
        lang="en",
        decisions=[SimpleNamespace(point=p, option=o) for p, o in choices.items()],
        point=lambda pid: next(p for p in scenario.exercise.decisions if p.id == pid),
        notes=[
            {"module": points[next(iter(choices))].module, "t_min": 1.0, "text": "module note"},
            {"module": "hot-wash", "t_min": None, "text": "A: went well", "topic": "strength"},
            {"module": "hot-wash", "t_min": None, "text": "B: to improve", "topic": "improvement"},
            {"module": "hot-wash", "t_min": None, "text": "from the room"},
        ],
    )


def _row(point, option, chosen, overall, diff, lo, hi, n=20):
    item = {
        "metric": cf.COMPOSITE,
        "label": "Everything, valued",
        "phase": "valued",
        "better": "lower",
        "unit": "EUR",
        "value_per_unit": 1.0,
        "diff": diff,
        "diff_lo": lo,
        "diff_hi": hi,
        "n": n,
    }
    return {
        "point": point.id,
        "option": option.id,
        "chosen_option": chosen.id,
        "alt_label": option.label,
        "chosen_label": chosen.label,
        "who": point.decided_by,
        "metric": cf.COMPOSITE,
        "n_compared": n,
        "overall": overall,
        "outcomes": [item],
    }


def test_strengths_and_areas_for_improvement_follow_the_paired_intervals():
    scenario = vtsim.load_scenario("metro-cbrn")
    ex = scenario.exercise
    first, second, third = ex.decisions[:3]
    choices = {first.id: first.options[0].id, second.id: second.options[0].id}
    choices[third.id] = third.options[0].id
    session = _fake_session(scenario, choices, unlink=third.id)
    summary = [
        # first: one alternative did better (interval excluding zero), the others worse
        _row(first, first.options[1], first.options[0], "better", -50.0, -80.0, -20.0),
        *(_row(first, o, first.options[0], "worse", 30.0, 10.0, 50.0) for o in first.options[2:]),
        # second: every alternative did worse: a strength
        *(_row(second, o, second.options[0], "worse", 40.0, 5.0, 75.0) for o in second.options[1:]),
        # third: no distinguishable difference
        *(_row(third, o, third.options[0], "unclear", -1.0, -9.0, 7.0) for o in third.options[1:]),
    ]
    sections = objectives_analysis(session, summary, Messages("en"))
    by_point = {p: s for s in sections for p in s["decisions"]}
    assert [s["id"] for s in sections[: len(ex.objectives)]] == [o.id for o in ex.objectives]
    assert all(s["capability"] == o.capability for s, o in zip(sections, ex.objectives))

    areas = by_point[first.id]["areas"]
    assert [(a["point"], a["alternative"]) for a in areas] == [(first.id, first.options[1].id)]
    assert first.options[1].label in areas[0]["text"] and "lower" in areas[0]["text"]
    assert not any(s["point"] == first.id for s in by_point[first.id]["strengths"])

    strengths = [s for s in by_point[second.id]["strengths"] if s["point"] == second.id]
    assert len(strengths) == 1 and second.options[0].label in strengths[0]["text"]
    assert not any(a["point"] == second.id for a in by_point[second.id]["areas"])

    other = sections[-1]
    assert other["id"] is None and other["decisions"] == [third.id]
    assert other["text"] == Messages("en")("report.other_decisions")
    assert not other["strengths"] and not other["areas"]
    assert "no distinguishable difference" in other["observations"][0]["text"]

    # an alternative that did worse is never an area for improvement
    worse = {(r["point"], r["option"]) for r in summary if r["overall"] == "worse"}
    found = {(a["point"], a["alternative"]) for s in sections for a in s["areas"]}
    assert not worse & found
    # the module notes go with the objective of their decisions, not the hot wash's
    assert [n["text"] for n in by_point[first.id]["notes"]] == ["module note"]
    washed = hot_wash(session)["by_topic"]
    assert [n["text"] for n in washed["strength"]] == ["A: went well"]
    assert [n["text"] for n in washed["improvement"]] == ["B: to improve"]
    assert [n["text"] for n in washed["other"]] == ["from the room"]


def test_without_many_storylines_no_strength_and_no_area():
    scenario = vtsim.load_scenario("metro-cbrn")
    choices = {p.id: p.options[0].id for p in scenario.exercise.decisions}
    sections = objectives_analysis(_fake_session(scenario, choices), [], Messages("en"))
    assert not any(s["strengths"] or s["areas"] for s in sections)
    assert sum(len(s["observations"]) for s in sections) == len(choices)


def test_outcome_labels_come_from_the_catalogue_when_it_has_them():
    scenario = vtsim.load_scenario("metro-cbrn")
    english, unit = text.metric_label(scenario, "casualties_total")
    assert english and english != "casualties total"
    assert text.metric_label(scenario, "casualties_total", Messages("en")) == (english, unit)
    fr = Messages("fr") if "fr" in text.languages() else None
    if fr is not None and fr.has("columns.casualties_total"):
        label, _ = text.metric_label(scenario, "casualties_total", fr)
        assert label == fr("columns.casualties_total").rstrip(".")
        assert text.metric_label(scenario, "casualties_total", "fr")[0] == label


# -- a whole report (slow: storylines are played) ----------------------------------------------
@pytest.fixture(scope="module")
def metro():
    session = ExerciseSession(vtsim.load_scenario("metro-cbrn"))
    session.play_through(METRO_CHOICES)
    session.note("the ventilation call came late", module="first-signs")
    story = cf.on_storyline(session)
    rows = cf.monte_carlo(session, 12, progress=False)
    return session, story, rows, cf.summarise(session, rows)


class _Text(HTMLParser):
    """The visible text nodes of an HTML page (not scripts, styles or attributes)."""

    def __init__(self):
        super().__init__()
        self.nodes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.nodes.append(data.strip())


def _sections(html: str) -> dict[str, str]:
    return dict(
        re.findall(
            r'<section class="objective" data-objective="([^"]+)">(.*?)</section>', html, re.S
        )
    )


@pytest.mark.slow
def test_the_report_has_a_section_per_objective_and_a_hot_wash(metro, tmp_path):
    session, story, rows, summary = metro
    ex = session.scenario.exercise
    write_report(session, tmp_path / "none", story, summary, rows)
    html = (tmp_path / "none" / "report.html").read_text()
    assert "No hot-wash notes were taken." in html
    assert "What went well?" in html and "What should be improved?" in html

    session.note("Metro: went well: the alert", module="hot-wash", topic="strength")
    session.note("Fire: to improve: the decon call", module="hot-wash", topic="improvement")
    try:
        write_report(session, tmp_path, story, summary, rows)
    finally:
        del session.notes[-2:]
    html = (tmp_path / "report.html").read_text()
    hot = html[html.index('id="hot-wash"') :]
    assert "No hot-wash notes were taken." not in hot
    assert hot.index("What went well?") < hot.index("Metro: went well: the alert")
    assert hot.index("What should be improved?") < hot.index("Fire: to improve: the decon call")

    sections = _sections(html)
    assert set(sections) == {o.id for o in ex.objectives}
    for objective in ex.objectives:
        if objective.capability:
            assert objective.capability in sections[objective.id].replace("&#39;", "'")
    areas = set(re.findall(r'<li data-point="([^"]+)" data-option="([^"]+)">', html))
    for row in summary:
        if row["overall"] == "better":  # its valued interval excludes zero, below
            composite = next(i for i in row["outcomes"] if i["metric"] == cf.COMPOSITE)
            assert composite["diff_hi"] < 0
            assert (row["point"], row["option"]) in areas
        else:  # worse, unclear or a trade-off: never an area for improvement
            assert (row["point"], row["option"]) not in areas
    assert ("ventilation", "extraction") in areas  # the case
    assert "the ventilation call came late" in html


# -- no English left in the code: a marked copy of the catalogue ------------------------------
def _marked(node):
    if isinstance(node, dict):
        return {k: _marked(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_marked(v) for v in node]
    return MARK + str(node) if isinstance(node, str) else node


@pytest.fixture
def zz(tmp_path, monkeypatch):
    """A test language 'zz': every English phrase prefixed with «, every outcome column of
    metro-cbrn labelled «..., the templates as they are."""
    from vtsim.model.world import columns_for

    here = tmp_path / "exercise"
    shutil.copytree(text.HERE / "templates", here / "templates")
    shutil.copytree(text.HERE / "messages" / "en", here / "messages" / "en")
    folder = here / "messages" / "zz"
    folder.mkdir()
    for path in (text.HERE / "messages" / "en").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if path.name == "_language.yaml":
            data = {**data, "lang": "zz", "name": "Test"}
        else:
            data = _marked(data)
        (folder / path.name).write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    columns = {
        c.name: MARK + c.meaning
        for c in columns_for(vtsim.load_scenario("metro-cbrn"))
        if c.meaning
    }
    (folder / "columns.yaml").write_text(yaml.safe_dump(columns, allow_unicode=True), "utf-8")
    monkeypatch.setattr(text, "HERE", here)
    text.catalogue.cache_clear()
    yield Messages("zz")
    text.catalogue.cache_clear()


def _scenario_strings(session) -> list[str]:
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, str) and node.strip():
            found.append(node.strip())

    walk(session.scenario.model_dump(mode="json"))
    found += [session.started, session.team or "", session.scenario.name]
    return sorted({s for s in found if s}, key=len, reverse=True)


def _unmarked(nodes: list[str], known: list[str]) -> list[str]:
    """The text nodes without the marker that are more than numbers, punctuation and texts
    of the scenario (names, labels, messages)."""
    out = []
    for node in nodes:
        if MARK in node:
            continue
        rest = node
        for s in known:  # whole words only: an id such as 'ems' hides no English word
            rest = re.sub(rf"(?<!\w){re.escape(s)}(?!\w)", " ", rest)
        if re.sub(r"[\W\d_]+", "", rest):
            out.append(node)
    return out


@pytest.mark.slow
def test_every_word_of_the_report_comes_from_the_catalogue(metro, zz, tmp_path, capsys):
    session, story, rows, _ = metro
    summary = cf.summarise(session, rows, zz)
    session.note("a hot-wash remark", module="hot-wash", topic="strength")
    try:
        write_report(session, tmp_path, story, summary, rows, lang="zz")
    finally:
        session.notes.pop()
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    parser = _Text()
    parser.feed(html)
    known = [*_scenario_strings(session), "a hot-wash remark"]
    left = _unmarked(parser.nodes, known)
    assert not left, f"hard-coded words in the report: {left[:10]}"
    assert MARK + "Every outcome" in html and MARK + "Strengths" in html

    # the improvement plan's people-facing columns
    with open(tmp_path / "improvement-plan.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            assert MARK in row["source"] and MARK in row["evidence"], row

    # the figures' titles, axes and legends
    debrief = cf.debrief(session, story, rows, zz)
    fig = outcomes_figure(session, debrief, zz)
    words = [fig.axes[0].get_xlabel(), *(t.get_text() for t in fig.axes[0].get_legend().texts)]
    words += [t.get_text() for t in fig.axes[0].get_yticklabels()]
    every = every_outcome_figure(debrief, zz)
    words += [every._suptitle.get_text()] + [ax.get_title() for ax in every.axes if ax.get_title()]
    import matplotlib.pyplot as plt

    plt.close("all")
    for word in words:
        assert MARK in word or not _unmarked([word], _scenario_strings(session)), word

    # the console's final comparison
    from vtsim.cli.exercise import _print_savings

    _print_savings(session, story, summary, zz)
    out = capsys.readouterr().out
    sentences = " ".join(out.split()).split(MARK)[1:]
    assert sentences and "storylines" not in " ".join(out.split()).split(MARK)[0]
    for row in summary:
        for line in cf.over_sentences(row, zz):
            assert line.startswith(MARK) or MARK in line
    for row in debrief["on_storyline"]:
        assert MARK in row["sentence"]
    assert not math.isnan(summary[0]["saved_mean"])
