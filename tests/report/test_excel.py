"""The Excel workbooks of `vtsim compare`, `vtsim report` and `vtsim roadmap`: they open
with openpyxl and hold the same numbers as the CSV/JSON beside them, with units; NaN is an
empty cell; a failed write leaves no file."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from vtsim.cli import main
from vtsim.report.excel import header, read_sheet, sheet_name, write_workbook

# -- reading a sheet back, independently of vtsim.report.excel.read_sheet ---------------


def _sheet(path, name) -> tuple[pd.DataFrame, dict[str, str]]:
    """The table of a sheet (columns as in the CSV) and the unit of each column."""
    book = openpyxl.load_workbook(path)
    rows = [[c.value for c in row] for row in book[name].iter_rows()]
    heads = rows[0]
    names = [h.split(" (", 1)[0] for h in heads]
    units = {n: h[len(n) + 2 : -1] for n, h in zip(names, heads) if h != n}
    return pd.DataFrame(rows[1:], columns=names, dtype=object), units


def _about(path) -> dict:
    rows = openpyxl.load_workbook(path)["About"].iter_rows(values_only=True)
    return {row[0]: row[1] for row in rows if row and row[0]}


def _missing(v) -> bool:
    return v is None or v == "" or (isinstance(v, float) and math.isnan(v))


def _number(v):
    if isinstance(v, str) and v in ("inf", "-inf"):
        return float(v)
    return v


def _assert_same(sheet: pd.DataFrame, table: pd.DataFrame, skip=()) -> None:
    """Every cell of ``table`` (from a CSV or JSON) is in ``sheet``: numbers to the 16
    significant digits openpyxl stores, texts equal, missing values empty."""
    assert len(sheet) == len(table)
    assert [c for c in table.columns if c not in skip] == [
        c for c in sheet.columns if c not in skip
    ]
    for col in table.columns:
        if col in skip:
            continue
        for got, want in zip(sheet[col], table[col]):
            got, want = _number(got), _number(want)
            if _missing(want):
                assert got is None, (col, got)  # an empty cell, not a text
            elif isinstance(want, (bool, np.bool_)):
                assert got is bool(want), (col, got, want)
            elif isinstance(want, (int, float, np.integer, np.floating)):
                assert isinstance(got, (int, float)) and not isinstance(got, bool), (col, got)
                if math.isinf(want):
                    assert got == want, col
                else:
                    assert got == pytest.approx(float(want), rel=1e-15, abs=0), col
            else:
                assert got == str(want), (col, got, want)


# -- the writer -------------------------------------------------------------------------


def test_numbers_units_nan_and_text_in_a_sheet(tmp_path):
    frame = pd.DataFrame(
        {
            "package": ["baseline", "=HYPERLINK(1)", ""],
            "replication": [0, 1, 2],
            "casualties_total": [3.0, np.nan, 0.1 + 0.2],
            "cost_per_one": [1.5, math.inf, -math.inf],
            "distinguishable": [True, False, True],
        }
    )
    path = write_workbook(
        tmp_path / "w.xlsx",
        {"Replications": frame},
        units={"Replications": {"casualties_total": "people", "cost_per_one": "EUR"}},
        notes={"Replications": "replications.csv"},
        about={"Scenario": "Test", "Seed": 7},
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["About", "Replications"]
    ws = book["Replications"]
    assert [c.value for c in ws[1]] == [
        "package",
        "replication",
        "casualties_total (people)",
        "cost_per_one (EUR)",
        "distinguishable",
    ]
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref == "A1:E4"
    assert ws["B2"].value == 0 and ws["B2"].data_type == "n"  # numbers as numbers
    assert ws["C2"].value == 3.0 and ws["C2"].data_type == "n"
    assert ws["C3"].value is None  # NaN: an empty cell
    assert ws["C4"].value == pytest.approx(0.3, rel=1e-15)
    assert ws["D3"].value == "inf" and ws["D4"].value == "-inf"  # as in the CSV
    assert ws["E2"].value is True and ws["E2"].data_type == "b"
    assert ws["A3"].value == "=HYPERLINK(1)" and ws["A3"].data_type == "s"  # never a formula
    assert ws["A4"].value is None  # an empty text is an empty cell
    assert all(ws.column_dimensions[c].width >= 8 for c in "ABCDE")
    about = [r for r in book["About"].iter_rows(values_only=True)]
    assert ("Scenario", "Test", None) in about and ("Seed", 7, None) in about
    assert ("Replications", "replications.csv", 3) in about
    back = read_sheet(path, "Replications")
    assert list(back.columns) == list(frame.columns)
    assert back["casualties_total"].isna().tolist() == [False, True, False]
    assert back["cost_per_one"].tolist() == [1.5, math.inf, -math.inf]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Scorecard", "Scorecard"),
        ("a/b\\c:d*e?f[g]", "a-b-c-d-e-f-g-"),
        ("x" * 40, "x" * 31),
        ("'quoted'", "quoted"),
        ("", "Sheet"),
        ("History", "History-"),
    ],
)
def test_sheet_names_are_valid_for_excel(name, expected):
    assert sheet_name(name) == expected


def test_sheet_names_stay_unique_and_short():
    taken = {"about", "x" * 31}
    name = sheet_name("X" * 40, taken)
    assert len(name) <= 31 and name.lower() not in taken and name.endswith("(2)")
    assert sheet_name("About", {"about"}) == "About (2)"


def test_odd_sheet_names_are_written_and_listed(tmp_path):
    frame = pd.DataFrame({"a": [1]})
    path = write_workbook(tmp_path / "w.xlsx", {"per/phase: [all]?": frame, "about": frame})
    assert openpyxl.load_workbook(path).sheetnames == ["About", "per-phase- -all--", "about (2)"]


def test_a_table_too_big_for_a_sheet_is_left_out_and_said(tmp_path):
    big = pd.DataFrame({"a": range(50), "b": range(50)})
    path = write_workbook(tmp_path / "w.xlsx", {"Small": big.head(2), "Big": big}, max_cells=60)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["About", "Small"]
    rows = list(book["About"].iter_rows(values_only=True))
    assert any(r[0] == "Big" and "Left out" in r[1] for r in rows)


def test_header_puts_the_unit_in_brackets():
    assert header("casualties_total", "people") == "casualties_total (people)"
    assert header("package") == "package"


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_write_leaves_no_file_and_keeps_the_old_one(tmp_path, monkeypatch, error):
    frame = pd.DataFrame({"a": [1.0, 2.0]})
    path = tmp_path / "comparison.xlsx"
    write_workbook(path, {"Table": frame})
    before = path.read_bytes()

    def half_then_fail(self, filename):
        with open(filename, "wb") as f:
            f.write(b"PK\x03\x04 half a workbook")
        raise error

    monkeypatch.setattr(openpyxl.Workbook, "save", half_then_fail)
    with pytest.raises(type(error)):
        write_workbook(path, {"Table": frame * 2})
    assert path.read_bytes() == before  # the old workbook, whole
    with pytest.raises(type(error)):
        write_workbook(tmp_path / "new.xlsx", {"Table": frame})
    assert sorted(os.listdir(tmp_path)) == ["comparison.xlsx"]  # no partial, no temporary


# -- the commands (the done-when of the issue runs in the fast subset: about 8 s) -----


@pytest.mark.slow
def test_compare_and_report_workbooks_hold_the_numbers_of_the_csv_and_json(tmp_path):
    out, rep = tmp_path / "cmp", tmp_path / "rep"
    args = ["compare", "old-town-worship", "-n", "6", "-s", "7", "--no-progress"]
    args += ["--measures", "public-warning-app,joint-command", "--no-figures", "-o", str(out)]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["report", str(out), "-o", str(rep)])
    assert r.exit_code == 0, r.output
    assert "report.xlsx" in r.output
    replications = pd.read_csv(out / "replications.csv")
    packages = pd.read_csv(out / "packages.csv")
    card = pd.DataFrame(json.loads((out / "scorecard.json").read_text())["scorecard"])
    for book in (out / "comparison.xlsx", rep / "report.xlsx"):
        names = openpyxl.load_workbook(book).sheetnames
        assert names[0] == "About"
        assert {"Comparison", "Packages", "Scorecard", "Replications"} <= set(names)
        sheet, units = _sheet(book, "Replications")
        _assert_same(sheet, replications)
        assert units["casualties_total"] == "people"  # as the sub-model declares it
        assert units["min_to_first_responder"] == "min"
        assert units["prevented"] == "0/1" and units["measure_cost"] == "EUR/year"
        sheet, units = _sheet(book, "Packages")
        _assert_same(sheet, packages)
        assert units["cost_annualised"] == "EUR/year"
        assert units["casualties_avoided"] == "people per attack attempted"
        sheet, units = _sheet(book, "Scorecard")
        _assert_same(sheet, card, skip={"unit"})  # the unit column is filled in
        assert set(sheet["unit"]) <= {"share (0-1)", "people", "min", "days"}
        assert units["value"] == "see unit" and units["p_better"] == "probability"
        about = _about(book)
        assert about["Scenario"] == "Old Town Holiday Worship" and about["Seed"] == 7
        assert about["Replications per package"].startswith("6")
        assert about["vtsim version"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 7  # the folder is whole: manifest written last


def _portfolio(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "Workbook portfolio",
                "replications": 8,
                "seed": 1,
                "targets": [{"scenario": "harbour-festival", "weight": 2.0}],
                "candidates": ["public-warning-app", "joint-command", "blast-mitigation"],
            }
        )
    )
    return path


@pytest.mark.slow
def test_roadmap_workbook_holds_the_numbers_of_the_csvs(tmp_path):
    out = tmp_path / "out"
    r = CliRunner().invoke(
        main, ["roadmap", str(_portfolio(tmp_path)), "--budget", "80000", "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    book = out / "roadmap.xlsx"
    assert str(book) in r.output
    names = openpyxl.load_workbook(book).sheetnames
    assert names == [
        "About",
        "Roadmap",
        "Sensitivity",
        "Conclusions",
        "By threat",
        "By group",  # the target's crowd has population groups (harbour-festival)
        "Candidates",
        "Targets",
    ]
    sheet, _ = _sheet(book, "By threat")
    _assert_same(sheet, pd.read_csv(out / "roadmap_by_threat.csv"))
    sheet, units = _sheet(book, "By group")
    _assert_same(sheet, pd.read_csv(out / "roadmap_by_group.csv"))
    assert units["value"] == "ratio to the average"
    sheet, units = _sheet(book, "Roadmap")
    assert len(sheet) >= 1  # a step at least: the numbers below are compared
    _assert_same(sheet, pd.read_csv(out / "roadmap.csv"))
    assert units["cost_annualised"] == "EUR/year"
    assert units["gain"] == "EUR/year avoided (valued harm, loss and burden)"  # metric: valued
    sheet, units = _sheet(book, "Sensitivity")
    _assert_same(sheet, pd.read_csv(out / "sensitivity.csv"))
    assert units["ratio_nominal"].endswith("per million EUR/year")
    sheet, _ = _sheet(book, "Targets")
    assert sheet["weight"].tolist() == [2.0]
    about = _about(book)
    assert about["Portfolio"] == "Workbook portfolio" and about["Seed"] == 1


@pytest.mark.slow
def test_roadmap_without_sensitivity_writes_the_workbook_too(tmp_path):
    out = tmp_path / "out"
    args = ["roadmap", str(_portfolio(tmp_path)), "--budget", "80000", "--no-sensitivity"]
    r = CliRunner().invoke(main, [*args, "-o", str(out)])
    assert r.exit_code == 0, r.output
    sheet, _ = _sheet(out / "roadmap.xlsx", "Roadmap")
    _assert_same(sheet, pd.read_csv(out / "roadmap.csv"))
    assert "Sensitivity" not in openpyxl.load_workbook(out / "roadmap.xlsx").sheetnames


@pytest.mark.slow
def test_report_straight_from_a_scenario_writes_its_workbook(tmp_path):
    r = CliRunner().invoke(
        main, ["report", "harbour-festival", "-n", "6", "-p", "barriers", "-o", str(tmp_path)]
    )
    assert r.exit_code == 0, r.output
    assert (tmp_path / "report.html").is_file()
    comparison, _ = _sheet(tmp_path / "report.xlsx", "Comparison")
    assert set(comparison["package"]) == {"barriers"}
    assert comparison["verdict"].notna().all()
