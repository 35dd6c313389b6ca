"""The debrief judges a decision on every outcome, valued, with honest storyline counts,
and the improvement plan lists as corrective actions only alternatives that did better."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import vtsim
from vtsim.exercise import counterfactual as cf
from vtsim.exercise.decisions_file import load_decisions
from vtsim.exercise.report import _fmt, improvement_plan, write_report
from vtsim.exercise.session import ExerciseSession
from vtsim.resources import scenarios_dir

pytestmark = pytest.mark.slow  # the whole file: over 10 s together

METRO_CHOICES = {
    "ventilation": "normal",
    "decon-capacity": "local-unit",
    "reopen": "full-clearance",
}


@pytest.fixture(scope="module")
def metro():
    session = ExerciseSession(vtsim.load_scenario("metro-cbrn"))
    session.play_through(METRO_CHOICES)
    story = cf.on_storyline(session)
    rows = cf.monte_carlo(session, 30, progress=False)
    return session, story, rows, cf.summarise(session, rows)


def _item(row, metric):
    return next(i for i in row["outcomes"] if i["metric"] == metric)


def test_keeping_normal_ventilation_shows_its_casualties_on_this_storyline(metro):
    session, story, rows, _ = metro
    debrief = cf.debrief(session, story, [])
    alt = next(r for r in debrief["on_storyline"] if r["variant"] == "ventilation=extraction")
    casualties = _item(alt, "casualties_total")
    # the storyline: 123 casualties with normal ventilation, 91 with extraction
    assert casualties["chosen"] == session.outcome.metrics["casualties_total"]
    assert casualties["diff"] < -10 and casualties["verdict"] == "better"
    assert "end the same" not in alt["sentence"] and "ends the same" not in alt["sentence"]
    assert alt["headline"] != "decon_min_to_complete"  # not one fixed measure
    assert alt["overall"] == "better"
    phases = [i["phase"] for i in alt["outcomes"]]
    assert phases == sorted(phases, key=cf.PHASES.index)  # grouped by phase
    assert {"q_deaths", "q_serious_injuries", cf.COMPOSITE} <= {
        i["metric"] for i in alt["outcomes"]
    }


def test_keeping_normal_ventilation_shows_its_casualties_over_many_storylines(metro):
    _, _, _, summary = metro
    alt = next(r for r in summary if r["variant"] == "ventilation=extraction")
    casualties = _item(alt, "casualties_total")
    assert casualties["diff_hi"] < 0 and casualties["verdict"] == "better"
    assert alt["overall"] == "better" and _item(alt, cf.COMPOSITE)["diff_hi"] < 0
    assert alt["metric"].startswith("q_")  # the headline is the largest valued change
    text = " ".join(alt["sentences"])
    # in words, not the column's name: "People harmed (every triage class) ... lower"
    assert casualties["label"] in text and "lower" in text and "casualties_total" not in text
    assert "negative:" not in text and "saves -" not in text  # no double negatives
    # shares over the storylines where both values exist
    assert math.isclose(
        casualties["share_alt_better"] + casualties["share_alt_worse"] + casualties["share_same"],
        1.0,
    )


def test_storyline_counts_add_up_with_reasons(metro):
    session, _, rows, summary = metro
    counts = cf.storyline_counts(session, rows)
    assert counts["total"] == 30
    for c in counts["points"].values():
        assert c["compared"] + sum(e["n"] for e in c["excluded"]) == c["total"] == 30
        assert all(e["reason"] for e in c["excluded"])
    interdicted = counts["interdicted"]
    assert interdicted > 0  # metro-cbrn's plot is sometimes interdicted
    reasons = " ".join(e["reason"] for e in counts["points"]["ventilation"]["excluded"])
    assert f"{interdicted} of 30 storylines had no attack reaching the site" in reasons
    for row in summary:
        assert row["n"] == 30 and row["n_compared"] == 30 - interdicted
        assert any(f"{row['n_compared']} reached" in s for s in row["sentences"])
        for item in row["outcomes"]:
            assert item["n"] + item["n_missing"] == row["n_compared"]


def test_the_after_action_report_shows_every_outcome_and_a_supported_plan(metro, tmp_path):
    session, story, rows, summary = metro
    write_report(session, tmp_path, story, summary, rows)
    html = (tmp_path / "report.html").read_text()
    assert 'data-metric="casualties_total"' in html and 'data-metric="valued_event"' in html
    alt = next(r for r in story if r["variant"] == "ventilation=extraction")
    chosen = next(r for r in story if r["variant"] == "chosen")
    diff = alt["casualties_total"] - chosen["casualties_total"]
    assert diff < 0  # extraction on this storyline: fewer casualties, in the AAR's table
    assert f"<td>{_fmt(alt['casualties_total'], False)}</td><td>{_fmt(diff)}</td>" in html
    assert "had no attack reaching the site: the plot was interdicted" in html
    plan = improvement_plan(session, story, summary)
    ventilation = {r["option"]: r for r in plan if r["point"] == "ventilation"}
    assert ventilation["normal"]["action"] == "reconsider"
    assert "lower" in ventilation["normal"]["evidence"]
    assert ventilation["extraction"]["action"] == "adopt"
    assert all(r["owner"] and r["due"] and r["objective"] for r in plan)
    objectives = {o.id: o.text for o in session.scenario.exercise.objectives}
    for r in plan:  # each action shows the objective its decision serves
        point = session.point(r["point"])
        if point.objective:
            assert r["objective"] == objectives[point.objective]
            assert f'data-objective="{point.objective}"' in html
    # people-facing words, not ids, in the plan's source and evidence
    assert not any("ventilation=" in r["evidence"] or "'ventilation'" in r["source"] for r in plan)


@pytest.mark.parametrize(
    "path", sorted(Path(scenarios_dir()).glob("*.decisions.yaml")), ids=lambda p: p.name
)
def test_no_option_that_did_worse_is_a_corrective_action(path):
    name = path.name.removesuffix(".decisions.yaml")
    scenario = vtsim.load_scenario(name)
    recorded = load_decisions(path, scenario)
    session = ExerciseSession(scenario)
    session.play_through({d.point: d.option for d in recorded.decisions})
    story = cf.on_storyline(session)
    rows = cf.monte_carlo(session, 40, progress=False)
    summary = cf.summarise(session, rows)
    plan = improvement_plan(session, story, summary)
    by_variant = {(s["point"], s["option"]): s for s in summary}
    chosen = session.choices()
    for row in plan:
        assert row["owner"] and row["due"] and row["objective"] and row["evidence"]
        if row["action"] == "adopt":
            s = by_variant[(row["point"], row["option"])]
            assert s["overall"] == "better"
            assert _item(s, cf.COMPOSITE)["diff_hi"] < 0  # its interval excludes zero
        else:
            assert row["option"] == chosen[row["point"]]
    for s in summary:  # a chosen option an alternative beat is 'reconsider', never kept
        actions = {r["action"] for r in plan if r["point"] == s["point"]}
        if s["overall"] == "better":
            assert "reconsider" in actions
        if s["overall"] == "worse":
            assert not any(r["option"] == s["option"] for r in plan)
    adopted = [r["point"] for r in plan if r["action"] == "adopt"]
    assert len(adopted) == len(set(adopted))  # at most one corrective action per decision


def test_without_many_storylines_nothing_is_a_corrective_action(metro):
    session, story, _, _ = metro
    plan = improvement_plan(session, story, [])
    assert plan and all(r["action"] == "not tested" for r in plan)


def test_without_a_valuation_the_headline_is_the_largest_standardised_change(metro):
    session, _, rows, _ = metro
    summary = cf.compare_over_storylines(session, rows, valuation=None)
    alt = next(r for r in summary if r["variant"] == "ventilation=extraction")
    assert not any(i["phase"] == "valued" for i in alt["outcomes"])
    largest = max(alt["outcomes"], key=lambda i: abs(i["standardised"]) if i["diff"] else 0)
    assert alt["metric"] == largest["metric"]
    # fewer casualties but a slightly longer wait for decontamination: a trade-off, said so
    assert alt["overall"] in ("better", "mixed")
