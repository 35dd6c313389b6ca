"""The targets file: the bundled one validates and covers the public record the project
relies on; a bad one is refused with the file, the line and the field path."""

from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner

from vtsim.analysis.calibration import load_targets
from vtsim.cli import main
from vtsim.errors import ScenarioError


def test_bundled_targets_validate_and_cover_the_record():
    targets = load_targets()
    by_id = {t.id: t for t in targets.targets}
    for wanted in (
        "assault-ends-within-5-min",
        "assault-ends-within-2-min",
        "assault-police-arrival",
        "assault-deaths-per-incident",
        "bombing-deaths-at-scene",
        "bombing-immediate-mortality-open-air",
        "bombing-critical-mortality",
        "ramming-deaths-per-incident",
        "ems-urban-response",
        "hospital-surge-capacity",
        "sarin-severity-mild",
        "sarin-strategy-ordering",
        "cyber-grid-outage-duration",
    ):
        assert wanted in by_id, wanted
    for target in targets.targets:
        assert target.sources and target.population
        assert target.statistic is not None or not target.comparability.comparable
    assert by_id["assault-ends-within-5-min"].statistic.kind == "share"
    at_scene = by_id["bombing-deaths-at-scene"].statistic
    assert at_scene.kind == "ratio_of_sums"
    assert (at_scene.numerator, at_scene.denominator) == (
        ["killed_outright", "casualties_died_on_scene", "casualties_died_in_transport"],
        ["deaths_total"],
    )
    critical = by_id["bombing-critical-mortality"].statistic
    assert (critical.numerator, critical.denominator) == (
        ["t1_died_at_hospital"],
        ["t1_at_hospital"],
    )
    sarin = by_id["sarin-strategy-ordering"].statistic
    assert sarin.kind == "paired_difference" and sarin.relative
    assert (sarin.package, sarin.versus) == (
        "stay-and-play-onsite-decon",
        "scoop-and-run-hospital-decon",
    )
    assert by_id["sarin-strategy-ordering"].applies_to.scenarios == ["metro-cbrn"]
    police = by_id["assault-police-arrival"].statistic
    assert police.kind == "median" and police.minus == "min_to_harm"
    # A lower bound for crowds, not every workplace shooting.
    crowd = by_id["assault-casualties-crowd"]
    assert crowd.published.high is None and crowd.applies_to.site_kinds == ["public_event"]
    # EMS response as the studies define it: from the call to the first ambulance on scene.
    assert by_id["ems-urban-response"].statistic.column == "min_ems_response"
    assert not by_id["hospital-surge-capacity"].comparability.comparable  # an input: tested


BAD = """\
targets:
  - id: too-quick
    name: Too quick
    statistic:
      kind: share
      column: min_attack_active
      op: "=<"
      value: 5
    published: {low: 0.7, high: 0.5}
    population: none
    sources: [{authors: A B, title: T, venue: V, year: 2000}]
    applies_to: {modes: [armed_asault]}
"""


def test_bad_targets_file_names_file_line_and_field_path(tmp_path):
    path = tmp_path / "targets.yaml"
    path.write_text(BAD)
    with pytest.raises(ScenarioError) as caught:
        load_targets(path)
    message = str(caught.value)
    assert str(path) in message
    assert "line 7, at targets[too-quick].statistic.op" in message
    assert "line 9, at targets[too-quick].published" in message and "must not exceed" in message
    assert "targets[too-quick].applies_to.modes" in message and "armed_assault" in message


def test_a_condition_is_written_as_text_and_checked(tmp_path):
    path = tmp_path / "targets.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            targets:
              - id: t
                name: T
                statistic: {kind: mean, column: deaths_total, where: ["attack_succeeded = 1"]}
                published: {low: 1}
                population: p
                sources: [{authors: A B, title: T, venue: V}]
                applies_to: {}
            """
        )
    )
    with pytest.raises(ScenarioError, match=r"statistic\.where\[0\].*'column op number'"):
        load_targets(path)
    path.write_text(path.read_text().replace("= 1", "== 1"))
    (target,) = load_targets(path).targets
    assert target.statistic.where[0].text() == "attack_succeeded == 1"


def test_cli_refuses_a_bad_targets_file_or_scenario_with_status_2(tmp_path):
    path = tmp_path / "targets.yaml"
    path.write_text(BAD)
    out = tmp_path / "out"
    bad_targets = CliRunner().invoke(
        main, ["calibrate", "museum-siege", "-n", "5", "--targets", str(path), "-o", str(out)]
    )
    assert bad_targets.exit_code == 2
    assert "targets[too-quick].statistic.op" in bad_targets.output
    bad_scenario = CliRunner().invoke(main, ["calibrate", "no-such-place", "-o", str(out)])
    assert bad_scenario.exit_code == 2
    assert "no-such-place" in bad_scenario.output and "bundled" in bad_scenario.output
    assert not out.exists()  # nothing ran, nothing written


def test_each_kind_says_which_fields_it_needs_and_uses(tmp_path):
    path = tmp_path / "targets.yaml"
    head = "targets:\n  - id: k\n    name: K\n    statistic: "
    tail = (
        "\n    published: {low: 1}\n    population: p\n"
        "    sources: [{authors: A B, title: T, venue: V}]\n    applies_to: {}\n"
    )
    for statistic, expected in (
        ("{kind: share, column: a}", "kind share needs op, value"),
        ("{kind: quantile, column: a}", "kind quantile needs q"),
        ("{kind: mean, column: a, numerator: b}", "numerator not used by kind mean"),
        ("{kind: paired_difference, column: a, package: p}", "needs versus"),
    ):
        path.write_text(head + statistic + tail)
        with pytest.raises(
            ScenarioError, match=rf"line 4, at targets\[k\]\.statistic: .*{expected}"
        ):
            load_targets(path)
