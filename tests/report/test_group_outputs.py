"""Population groups in the outputs (issue 19, item 3): scorecard.json's ``by_group`` and
``disparity``, the figure groups.png, the report's "By population group" section and the
workbooks' "Groups" and "Disparity" sheets hold the same numbers, show groups by their
names and flag a package that widens the disparity; a scenario without groups gets none
of them. See docs/people.md ("Groups in the crowd")."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import openpyxl
import pytest
from helpers import strict_search_measure

import vtsim
from vtsim.analysis.groups import DISPARITIES, GROUP_METRICS, GROUP_RATE, group_tables
from vtsim.model.groups import scenario_groups
from vtsim.report.excel import read_sheet, results_book
from vtsim.report.output import scorecard_records, write_results

METRICS = [GROUP_RATE, *(m for m, _, _ in GROUP_METRICS)]


@pytest.fixture(scope="module")
def festival_run():
    """harbour-festival, the baseline and one package, a few replications (about 0.5 s)."""
    return vtsim.run(
        "harbour-festival", replications=6, seed=5, packages=["screening"], progress=False
    )


@pytest.fixture(scope="module")
def museum_run():
    return vtsim.run("museum-siege", replications=4, seed=1, progress=False)


def _names(scenario) -> dict[str, str]:
    return {g.id: str(g.name) for g in scenario_groups(scenario)}


def _widening_scenario(festival):
    """harbour-festival with a package that searches one group much more slowly in lanes
    of its own (it widens the queueing disparity), and a group name that needs escaping."""
    measure = strict_search_measure()
    package = vtsim.Package.model_validate(
        {"id": "strict", "name": "Strict", "measures": [measure.id]}
    )
    sites = []
    for site in festival.sites:
        groups = [
            g.model_copy(update={"name": 'Children <under 15> & "co"'}) if g.id == "children" else g
            for g in site.groups or []
        ]
        sites.append(site.model_copy(update={"groups": groups or site.groups}))
    return festival.model_copy(
        update={
            "sites": sites,
            "measures": [*festival.measures, measure],
            "packages": [*festival.packages, package],
        }
    )


# -- scorecard.json ---------------------------------------------------------------------


def test_scorecard_json_has_every_group_metric_and_the_disparity(festival_run):
    records = json.loads(json.dumps(scorecard_records(festival_run)))  # as written
    assert list(records)[:2] == ["scorecard", "by_threat"]  # the keys users read stay
    assert len(records["scorecard"]) == len(festival_run.scorecard())
    names = _names(festival_run.scenario)
    by_group = records["by_group"]
    for package in festival_run.packages:
        for gid, name in names.items():
            rows = [r for r in by_group if r["package"] == package and r["group"] == gid]
            assert [r["metric"] for r in rows] == METRICS, (package, gid)
            assert {r["name"] for r in rows} == {name}
            for r in rows:
                if r["value"] is not None:
                    assert r["lo"] <= r["value"] <= r["hi"] or r["n"] < 2, r
    disparity = records["disparity"]
    assert {(r["package"], r["measure"]) for r in disparity} == {
        (p, d) for p in festival_run.packages for d, *_ in DISPARITIES
    }
    for r in disparity:
        assert r["worst_group_name"] == names[r["worst_group"]]
        assert r["value"] >= 1.0 and r["lo"] <= r["hi"]
        assert r["lo"] <= r["value"] <= r["hi"], r
        assert r["diff_lo"] <= r["diff"] <= r["diff_hi"], r
        assert isinstance(r["worse"], bool)
        if r["package"] == "baseline":
            assert r["diff"] == 0 and not r["worse"]


def test_the_casualty_rate_is_the_groups_casualties_over_its_people_exposed(festival_run):
    by_group, _ = group_tables(festival_run)
    frame = festival_run.frame
    for _, r in by_group[by_group["metric"] == GROUP_RATE].iterrows():
        sel = frame[frame["package"] == r["package"]]
        cas = sel[f"casualties_total__{r['group']}"].fillna(0).sum()
        exp = sel[f"exposed__{r['group']}"].fillna(0).sum()
        assert r["value"] == pytest.approx(1000 * cas / exp)
        assert r["lo"] <= r["value"] <= r["hi"]
    again, _ = group_tables(festival_run)  # the bootstrap has its own fixed seed
    assert np.array_equal(again["lo"].to_numpy(), by_group["lo"].to_numpy(), equal_nan=True)


# -- the workbook -----------------------------------------------------------------------


def test_the_workbook_sheets_hold_the_numbers_of_the_json(festival_run, tmp_path):
    path = results_book(festival_run).write(tmp_path / "run.xlsx")
    records = json.loads(json.dumps(scorecard_records(festival_run)))
    sheets = openpyxl.load_workbook(path, read_only=True).sheetnames
    assert sheets == ["About", "Scorecard", "Groups", "Disparity", "Replications"]
    for sheet, key in (("Groups", "by_group"), ("Disparity", "disparity")):
        got = read_sheet(path, sheet)
        want = records[key]
        assert list(got.columns) == list(want[0])
        assert len(got) == len(want)
        for row, expected in zip(got.to_dict(orient="records"), want):
            for column, value in expected.items():
                cell = row[column]
                if value is None:
                    assert isinstance(cell, float) and math.isnan(cell), (sheet, column)
                elif isinstance(value, float):
                    assert cell == pytest.approx(value, rel=1e-15, abs=0), (sheet, column)
                else:
                    assert cell == value, (sheet, column)
    book = openpyxl.load_workbook(path, read_only=True)
    head = [c.value for c in next(book["Disparity"].iter_rows())]
    assert "value (ratio to the average)" in head
    head = [c.value for c in next(book["Groups"].iter_rows())]
    assert "value (see unit)" in head and "unit" in head


# -- the figure -------------------------------------------------------------------------


def test_the_groups_figure_names_the_groups(festival_run, tmp_path):
    from vtsim.report.figures import save
    from vtsim.report.group_figures import group_figure

    fig = group_figure(*group_tables(festival_run), title="Harbour Festival")
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    for name in _names(festival_run.scenario).values():
        assert any(name.split()[0] in t for t in texts), (name, texts)
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_visible()]
    assert any("Casualties per 1,000" in t for t in titles)
    assert any(t.startswith("Disparity") for t in titles)
    save(fig, tmp_path / "groups.png")
    assert (tmp_path / "groups.png").read_bytes()[:4] == b"\x89PNG"


# -- a scenario without groups ----------------------------------------------------------


def test_no_groups_no_group_sections_or_sheets(museum_run, tmp_path):
    records = scorecard_records(museum_run)
    assert list(records) == ["scorecard", "by_threat"]
    by_group, disparity = group_tables(museum_run)
    assert by_group.empty and disparity.empty
    path = results_book(museum_run).write(tmp_path / "run.xlsx")
    sheets = openpyxl.load_workbook(path, read_only=True).sheetnames
    assert "Groups" not in sheets and "Disparity" not in sheets


@pytest.mark.slow
def test_no_groups_no_figure_and_no_report_section(tmp_path):
    from vtsim.report.html import build_report

    comparison = vtsim.compare("museum-siege", replications=4, seed=1, progress=False)
    written = write_results(comparison.results, tmp_path / "out", figures=True)
    assert not (tmp_path / "out" / "groups.png").exists()
    assert "groups.png" not in {p.name for p in written}
    html = build_report(comparison, tmp_path, workbook=True).read_text(encoding="utf-8")
    assert "By population group" not in html
    sheets = openpyxl.load_workbook(tmp_path / "report.xlsx", read_only=True).sheetnames
    assert not {"Groups", "Disparity", "Group differences"} & set(sheets)


# -- the commands' folders and the report -----------------------------------------------


@pytest.mark.slow
def test_a_results_folder_has_groups_png_and_the_json_sections(festival_run, tmp_path):
    written = write_results(festival_run, tmp_path / "out", figures=True)
    assert tmp_path / "out" / "groups.png" in written
    png = (tmp_path / "out" / "groups.png").read_bytes()
    assert png[:4] == b"\x89PNG" and len(png) > 20_000
    data = json.loads((tmp_path / "out" / "scorecard.json").read_text())
    assert {"scorecard", "by_threat", "by_group", "disparity"} <= set(data)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert "groups.png" in manifest["files"]


@pytest.mark.slow
def test_the_report_shows_groups_by_name_and_marks_a_widened_disparity(festival, tmp_path):
    from vtsim.report.excel import comparison_book
    from vtsim.report.html import build_report

    scenario = _widening_scenario(festival)
    comparison = vtsim.compare(
        scenario, packages=["strict", "screening"], replications=8, seed=3, progress=False
    )
    html = build_report(comparison, tmp_path, workbook=True).read_text(encoding="utf-8")
    start = html.index("<h2>By population group</h2>")
    section = html[start : html.index("<h2>", start + 1)]
    for name in _names(scenario).values():
        if "<" in name:
            assert "Children &lt;under 15&gt; &amp; &#34;co&#34;" in section
            assert "<under 15>" not in html  # escaped everywhere
        else:
            assert f"<td>{name}</td>" in section, name
    cells = re.findall(r"<td>([^<]*)</td>", section)
    assert not {"adults", "children", "older", "reduced_mobility"} & set(cells)  # no ids
    assert 'src="data:image/png;base64,' in section
    assert "Disparity across groups" in section
    widened = comparison.disparity_frame
    widened = widened[widened["worse"]]
    assert list(widened["package"]) == ["strict"]
    assert list(widened["measure"]) == ["queue_burden"]
    assert '<td class="worse">widens the disparity</td>' in section
    assert section.count("widens the disparity") == 1
    rows = re.findall(r"<tr>(.*?)</tr>", section, flags=re.S)
    flagged = [r for r in rows if "widens the disparity" in r]
    assert "<td>strict</td>" in flagged[0] and "People with reduced mobility" in flagged[0]
    assert "Each group against the baseline" in section
    # the workbook of the report: the same disparity as the comparison
    book = tmp_path / "report.xlsx"
    sheets = openpyxl.load_workbook(book, read_only=True).sheetnames
    assert {"Groups", "Disparity", "Group differences"} <= set(sheets)
    sheet = read_sheet(book, "Disparity")
    assert sheet["value"].to_numpy() == pytest.approx(
        comparison.disparity_frame["value"].to_numpy(), rel=1e-15
    )
    assert list(sheet["worse"]) == list(comparison.disparity_frame["worse"])
    differences = read_sheet(book, "Group differences")
    assert len(differences) == len(comparison.group_frame)
    assert (
        comparison_book(comparison).sheets["Disparity"].equals(group_tables(comparison.results)[1])
    )
