"""The planner's commands end to end: compare, report, roadmap."""

from __future__ import annotations

import re

import pytest
import yaml
from click.testing import CliRunner

from vtsim.cli import main


@pytest.mark.slow
def test_compare_prints_differences_cost_and_burden():
    result = CliRunner().invoke(
        main,
        ["compare", "harbour-festival", "-n", "12", "-s", "2", "-p", "screening", "--no-progress"],
    )
    assert result.exit_code == 0, result.output
    assert "vs baseline" in result.output
    assert "COST AND BURDEN" in result.output
    assert "queue peak" in result.output


@pytest.mark.slow
def test_compare_then_report_on_the_results_folder(tmp_path):
    out = tmp_path / "cmp"
    r = CliRunner().invoke(
        main,
        [
            "compare",
            "old-town-worship",
            "-n",
            "10",
            "-s",
            "7",
            "--measures",
            "public-warning-app,joint-command",
            "-o",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    assert (out / "manifest.json").is_file() and (out / "packages.csv").is_file()
    r = CliRunner().invoke(main, ["report", str(out), "-o", str(tmp_path / "rep")])
    assert r.exit_code == 0, r.output
    html = (tmp_path / "rep" / "report.html").read_text()
    assert "Old Town Holiday Worship" in html
    assert "public-warning-app_joint-command" in html
    assert "Reproduce these results" in html and ">7<" in html  # the seed
    assert html.count("data:image/png;base64,") >= 4
    assert not re.search(r'(src|href)="https?://', html)  # self-contained


@pytest.mark.slow
def test_report_straight_from_a_scenario(tmp_path):
    r = CliRunner().invoke(
        main, ["report", "harbour-festival", "-n", "8", "-p", "barriers", "-o", str(tmp_path)]
    )
    assert r.exit_code == 0, r.output
    assert "Assumptions and sources" in (tmp_path / "report.html").read_text()


@pytest.mark.slow
def test_roadmap_command_prints_a_budgeted_plan(tmp_path):
    portfolio = tmp_path / "p.yaml"
    portfolio.write_text(
        yaml.safe_dump(
            {
                "name": "CLI portfolio",
                "replications": 8,
                "seed": 1,
                "targets": [{"scenario": "harbour-festival"}],
                "candidates": ["public-warning-app", "joint-command", "blast-mitigation"],
            }
        )
    )
    r = CliRunner().invoke(
        main,
        [
            "roadmap",
            str(portfolio),
            "--budget",
            "80000",
            "--no-sensitivity",
            "-o",
            str(tmp_path / "out"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "roadmap under 80,000" in r.output and "step 1" in r.output
    assert (tmp_path / "out" / "roadmap.csv").is_file()


def test_an_unknown_measure_exits_2_with_one_paragraph():
    r = CliRunner().invoke(
        main, ["compare", "harbour-festival", "-n", "2", "--measures", "teleporters"]
    )
    assert r.exit_code == 2
    assert "Unknown measure 'teleporters'" in r.output
    assert "Traceback" not in r.output
