"""Changing a scenario from Python, the top-level classes, and what the outputs show:
times to care on the same replications, and one format for shares."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
import yaml

import vtsim
from vtsim.analysis.formats import share, share_diff
from vtsim.analysis.results import Results
from vtsim.report.medical_figures import medical_text, time_to_care_figure

GATE = "sites.festival.layers.gate-check.p_detect"


def _gate(scenario) -> float:
    return next(layer for layer in scenario.site("festival").layers if layer.id == "gate-check")


# -- Scenario.with_changes ---------------------------------------------------------------
def test_with_changes_returns_a_new_scenario_and_leaves_the_original(festival_planner):
    before = festival_planner.model_dump()
    changed = festival_planner.with_changes(
        {
            GATE: 0.7,
            "sites.festival.evacuation.alert_to_move_min": {"dist": "normal", "mean": 2, "sd": 0.5},
            "sites.festival.evacuation.alerted_by": ["event-control"],
            "agencies[role=police].dispatch_delay_min": 3,
        }
    )
    assert isinstance(changed, vtsim.Scenario) and changed is not festival_planner
    assert _gate(changed).p_detect == 0.7
    evacuation = changed.site("festival").evacuation
    assert evacuation.alert_to_move_min.expected() == 2.0
    assert evacuation.alerted_by == ["event-control"]
    assert all(
        a.dispatch_delay_min.expected() == 3 for a in changed.agencies if a.role.value == "police"
    )
    assert festival_planner.model_dump() == before
    assert _gate(festival_planner).p_detect != 0.7
    outcome = vtsim.simulate(changed, seed=1, replication=0)  # it runs like any scenario
    assert "casualties_total" in outcome.metrics


def test_with_changes_gives_the_result_of_a_measure_setting_the_same_value(festival_planner):
    measure = vtsim.Measure(
        id="checks",
        name="Checks",
        phase="protect",
        pillar="operational",
        effects=[vtsim.Effect(path=GATE, op="set", value=0.7)],
    )
    via_measure = vtsim.apply_measures(festival_planner, [measure])
    assert festival_planner.with_changes({GATE: 0.7}) == via_measure


def test_a_path_that_does_not_exist_names_the_path_and_what_was_expected(festival_planner):
    with pytest.raises(vtsim.ScenarioError) as err:
        festival_planner.with_changes({"sites.festival.layers.gate-check.p_detct": 0.7})
    message = str(err.value)
    assert "sites.festival.layers.gate-check.p_detct" in message
    assert "no field 'p_detct'" in message and "p_detect" in message.split("expected")[1]
    assert "\n" not in message and "Traceback" not in message

    with pytest.raises(vtsim.ScenarioError, match="no item 'gate-chek'.*gate-check"):
        festival_planner.with_changes({"sites.festival.layers.gate-chek.p_detect": 0.7})


def test_a_bad_value_is_rejected_as_loading_a_file_rejects_it(festival_planner, tmp_path):
    with pytest.raises(vtsim.ScenarioError) as err:
        festival_planner.with_changes({GATE: 1.7})
    ((path, line, message),) = err.value.problems
    assert path == "sites[festival].layers[gate-check].p_detect"
    assert "less than or equal to 1" in message and "1.7" in message

    data = festival_planner.model_dump(mode="json")
    next(layer for layer in data["sites"][0]["layers"] if layer["id"] == "gate-check")[
        "p_detect"
    ] = 1.7
    file = tmp_path / "festival.yaml"
    file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(vtsim.ScenarioError) as from_file:
        vtsim.load_scenario(file)
    assert [(p, m) for p, _, m in from_file.value.problems] == [(path, message)]


def test_cross_references_are_checked_too(festival_planner):
    threat = festival_planner.threats[0].id
    with pytest.raises(vtsim.ScenarioError, match=rf"threats\[{threat}\]\.site.*festival"):
        festival_planner.with_changes({f"threats.{threat}.site": "nowhere"})


# -- top-level classes -------------------------------------------------------------------
def test_measure_effect_and_package_are_importable_from_vtsim():
    from vtsim import Effect, Measure, Package
    from vtsim.scenario import measures

    assert (Measure, Effect, Package) == (measures.Measure, measures.Effect, measures.Package)
    assert {"Measure", "Effect", "Package"} <= set(vtsim.__all__) & set(dir(vtsim))
    package = Package(id="faster", measures=["joint-command"])
    assert package.measures == ["joint-command"]


# -- times to care -----------------------------------------------------------------------
def _medical_results(festival) -> Results:
    """Ten paired replications: five small attacks and five large ones. Barriers stop the
    small ones (no casualties) and care is a little faster in the large ones."""
    rows = []
    for r in range(10):
        small = r < 5
        rows.append(
            {
                "package": "baseline",
                "replication": r,
                "deaths_total": 1.0 if small else 10.0,
                "preventable_deaths": 0.0 if small else 4.0,
                "min_to_first_ems_contact": 20.0 if small else 30.0,
                "min_to_hospital_t1": 90.0 if small else 150.0,
                "min_to_last_hospital_arrival": 60.0 if small else 200.0,
                "hospital_overload_min": 0.0 if small else 40.0,
            }
        )
        rows.append(
            {
                "package": "barriers",
                "replication": r,
                "deaths_total": 0.0 if small else 9.0,
                "preventable_deaths": 0.0 if small else 3.0,
                "min_to_first_ems_contact": math.nan if small else 29.0,
                "min_to_hospital_t1": math.nan if small else 145.0,
                "min_to_last_hospital_arrival": math.nan if small else 190.0,
                "hospital_overload_min": 0.0 if small else 35.0,
            }
        )
    return Results(pd.DataFrame(rows), festival, ["baseline", "barriers"], seed=1, replications=10)


def _table(text: str) -> dict:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["package", "deaths"])
    head = re.split(r"\s{2,}", lines[start].strip())
    table = {}
    for line in lines[start + 1 :]:
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == len(head):
            table[cells[0]] = dict(zip(head[1:], (float(c) for c in cells[1:])))
    return table


def test_time_to_care_does_not_rise_when_a_measure_removes_the_smaller_attacks(
    festival_planner,
):
    results = _medical_results(festival_planner)
    text = medical_text(results)
    table = _table(text)
    for column in ("EMS contact", "T1 to hospital", "last arrival"):
        assert table["barriers"][column] <= table["baseline"][column], column
    assert table["baseline"]["last arrival"] == 200.0  # the same five large attacks
    assert table["barriers"]["last arrival"] == 190.0
    # per attack attempted, over every replication: fewer deaths with barriers
    assert table["baseline"]["deaths"] == 5.5 and table["barriers"]["deaths"] == 4.5
    assert f"last arrival {share(0.5)}" in text  # the share of replications shown
    titles = [ax.get_title(loc="left") for ax in time_to_care_figure(results).axes]
    assert all(share(0.5) in t for t in titles)


# -- one share format --------------------------------------------------------------------
@pytest.mark.slow  # ~2 s: the report draws its figures
def test_shares_look_the_same_in_the_scorecard_text_and_the_html_report(festival_planner, tmp_path):
    from vtsim.report.html import build_report

    comparison = vtsim.compare(
        festival_planner, packages=["barriers"], replications=12, seed=3, progress=False
    )
    text = comparison.results.scorecard_text()
    html = build_report(comparison, tmp_path).read_text(encoding="utf-8")
    row = comparison.frame.set_index("phase").loc["protect"]
    for value in (share(row["baseline"]), share(row["value"]), share_diff(row["diff"])):
        assert value in text and value in html
    protect = re.search(r"<td>barriers</td><td>protect</td>.*?</tr>", html, re.S).group(0)
    assert not re.search(r">\s*0\.\d+\s*<", protect)  # no share shown as 0.19


def test_the_scorecard_text_shows_shares_as_percentages_and_differences_in_points(
    festival_planner,
):
    rows = [
        {
            "package": package,
            "replication": r,
            "prevented": 0.0,
            "stopped_before_harm": float(r < (2 if package == "baseline" else 7)),
            "casualties_total": 3.0,
        }
        for package in ("baseline", "barriers")
        for r in range(20)
    ]
    results = Results(pd.DataFrame(rows), festival_planner, ["baseline", "barriers"], 1, 20)
    text = results.scorecard_text()
    lines = [line.split() for line in text.splitlines()]
    baseline, barriers = ([c for c in lines if c[:1] == [p]][1] for p in ("baseline", "barriers"))
    assert baseline[1:3] == ["10.0", "%"]  # protect: 2 of 20 stopped
    assert barriers[1:3] == ["35.0", "%"]  # 7 of 20
    assert barriers[7:11] == ["vs", "baseline", "+25.0", "pts"]  # in percentage points
