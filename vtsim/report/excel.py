"""Excel workbooks for people who work in spreadsheets: one sheet per table, with units.

``vtsim compare -o``, ``vtsim report`` and ``vtsim roadmap -o`` write one beside their
CSV/JSON (``comparison.xlsx``, ``report.xlsx``, ``roadmap.xlsx``). It holds the same
numbers as those files; only the presentation differs:

- the first sheet, *About*, says what produced the numbers (scenario or portfolio, seed,
  replications, vtsim version, command) and where each table comes from;
- each table is a sheet with one header row, ``name (unit)``: the name is the CSV column
  name, the unit comes from the outcome columns the sub-models declare
  (``vtsim columns SCENARIO``). One header row, not a units row under it, so sorting,
  filtering, pivot tables and ``pandas.read_excel`` see a plain table, and a unit stays
  with its column when columns are moved or copied (:func:`read_sheet` gives back the
  CSV names);
- numbers are numbers (openpyxl stores 16 significant digits; Excel shows 15), yes/no
  are booleans, a missing value (NaN) is an empty cell, and an unbounded value (the cost
  per one avoided when nothing is avoided) is the text ``inf``, as in the CSV;
- the header is frozen, filters are on, columns are sized to their contents;
- the file is written to a temporary file and renamed (:func:`vtsim.io.atomic_path`), so
  a reader never sees half a workbook.

Builders: :func:`comparison_book` (a :class:`~vtsim.analysis.compare.Comparison`),
:func:`results_book` (a run's :class:`~vtsim.analysis.results.Results`),
:func:`roadmap_book` (a :class:`~vtsim.analysis.roadmap.Roadmap`); each returns a
:class:`Book` whose :meth:`Book.write` writes it::

    comparison_book(comparison).write("results/festival/comparison.xlsx")
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from vtsim.io import atomic_path

COMPARISON_WORKBOOK = "comparison.xlsx"
REPORT_WORKBOOK = "report.xlsx"
ROADMAP_WORKBOOK = "roadmap.xlsx"

ABOUT = "About"
MAX_ROWS = 1_048_575  # Excel's limit, without the header row
MAX_CELLS = 2_000_000  # beyond this a sheet is left out (the CSV holds it); ~20 s to write
_MAX_TEXT = 32_767  # characters in one Excel cell
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")  # control characters XML refuses
_SEE_UNIT = "see unit"
_HEADER_FILL = "DDEBE6"


# -- the workbook ----------------------------------------------------------------------


def write_workbook(
    path: str | Path,
    sheets: Mapping[str, pd.DataFrame],
    units: Mapping[str, Mapping[str, str]] | None = None,
    notes: Mapping[str, str] | None = None,
    about: Mapping[str, object] | None = None,
    max_cells: int = MAX_CELLS,
) -> Path:
    """Write ``sheets`` (sheet name -> table) to the workbook ``path``, atomically.

    ``units``: per sheet, column -> unit, shown in the header as ``name (unit)``.
    ``notes``: per sheet, where the table comes from (listed on the About sheet).
    ``about``: what produced the numbers, one line each on the About sheet (first).
    A sheet name is made valid for Excel (at most 31 characters, none of ``[]:*?/\\``,
    unique); a table with more than ``max_cells`` cells or Excel's row limit is left
    out and the About sheet says so.
    """
    import openpyxl

    units = units or {}
    notes = notes or {}
    names: dict[str, str] = {}
    taken: set[str] = {ABOUT.lower()}
    for name in sheets:
        names[name] = sheet_name(name, taken)
        taken.add(names[name].lower())
    book = openpyxl.Workbook(write_only=True)
    about_sheet = book.create_sheet(ABOUT)
    listing = []
    for name, frame in sheets.items():
        rows, cols = frame.shape
        note = notes.get(name, "")
        if rows > MAX_ROWS or rows * max(cols, 1) > max_cells:
            too_big = f"Left out: {rows} rows x {cols} columns, too many for a spreadsheet."
            listing.append((names[name], None, f"{too_big} {note}".strip()))
            continue
        _write_table(book.create_sheet(names[name]), frame, units.get(name, {}))
        listing.append((names[name], rows, note))
    _write_about(about_sheet, about or {}, listing)
    path = Path(path)
    with atomic_path(path) as tmp:
        book.save(tmp)
    return path


def sheet_name(name: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """``name`` as a valid Excel sheet name: at most 31 characters, none of ``[]:*?/\\``,
    no leading or trailing apostrophe, not one of ``taken`` (compared ignoring case)."""
    base = _BAD_SHEET_CHARS.sub("-", str(name)).strip().strip("'").strip() or "Sheet"
    if base.lower() == "history":  # reserved by Excel
        base = "History-"
    candidate, n = base[:31], 1
    while candidate.lower() in {t.lower() for t in taken}:
        n += 1
        suffix = f" ({n})"
        candidate = base[: 31 - len(suffix)] + suffix
    return candidate


def header(name: str, unit: str = "") -> str:
    """The header of a column: ``name (unit)``, or ``name`` without a unit."""
    return f"{name} ({unit})" if unit else str(name)


def read_sheet(path: str | Path, sheet: str) -> pd.DataFrame:
    """A sheet as a table with the CSV column names (the units taken off the header);
    empty cells are NaN."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = list(book[sheet].iter_rows(values_only=True))
    finally:
        book.close()
    names = [str(h).split(" (", 1)[0] for h in rows[0]] if rows else []
    frame = pd.DataFrame(rows[1:], columns=names, dtype=object)
    for name in frame.columns:
        values = list(frame[name])
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            continue  # whole numbers stay whole
        numeric = all(v is None or _numeric(v) for v in values)
        frame[name] = [math.nan if v is None else float(v) if numeric else v for v in values]
    return frame.infer_objects()


def _numeric(value) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, (int, float)) or value in ("inf", "-inf")


def _write_table(ws, frame: pd.DataFrame, units: Mapping[str, str]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    columns = [_cells(frame.iloc[:, i]) for i in range(frame.shape[1])]
    heads = [header(str(c), units.get(str(c), "")) for c in frame.columns]
    widths = [_width(h, str(c), values) for h, c, values in zip(heads, frame.columns, columns)]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    lines = max([_lines(h, w) for h, w in zip(heads, widths)] + [1])
    ws.row_dimensions[1].height = 15 * lines + 2
    ws.freeze_panes = "B2" if len(heads) > 1 else "A2"
    if heads:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(heads))}{len(frame) + 1}"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor=_HEADER_FILL)
    wrap = Alignment(wrap_text=True, vertical="top")
    row = []
    for h in heads:
        cell = WriteOnlyCell(ws, value=_text(h))
        cell.font, cell.fill, cell.alignment = bold, fill, wrap
        row.append(cell)
    ws.append(row)
    for values in zip(*columns):
        ws.append([_cell(ws, v) for v in values])


def _cell(ws, value):
    if isinstance(value, str) and value.startswith("="):  # text, never a formula
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def _cells(column: pd.Series) -> list:
    """A column as Python values for the sheet: NaN -> None (empty), +/-inf -> "inf"."""
    kind, missing = column.dtype.kind, bool(column.isna().any())
    if kind in "iu" and not missing:
        return [int(v) for v in column]
    if kind == "b" and not missing:
        return [bool(v) for v in column]
    if kind == "f":
        return [_number(v) for v in column.to_numpy(dtype=float, na_value=math.nan).tolist()]
    return [_value(v) for v in column]


def _number(v: float):
    if math.isnan(v):
        return None
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def _value(v):
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, bool):
        return v
    if hasattr(v, "item") and not isinstance(v, str):  # numpy scalars
        v = v.item()
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return _number(v)
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, datetime):
        return v
    return _text(str(v)) or None  # an empty text is an empty cell, as in the CSV


def _text(text: str) -> str:
    return _ILLEGAL.sub("", text)[:_MAX_TEXT]


def _width(head: str, name: str, values: list) -> float:
    """Wide enough for the name and the values (the first 2,000), and for a unit on
    up to two more lines; at most 60 characters (a long text runs on)."""
    longest = max([_shown(v) for v in values[:2000]] + [0])
    unit = math.ceil(len(head) / 3)
    return float(min(60, max(8, len(name) + 2, longest + 2, min(unit, 24))))


def _shown(value) -> int:
    if value is None:
        return 0
    if isinstance(value, bool):
        return 5
    if isinstance(value, float):
        return min(len(f"{value:.10g}"), 12)  # General format shows about 11 characters
    return len(str(value))


def _lines(text: str, width: float) -> int:
    return max(1, math.ceil(len(text) / max(width - 1, 1)))


def _write_about(ws, about: Mapping[str, object], listing: list) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for column, width in zip("ABC", (26, 100, 10)):
        ws.column_dimensions[column].width = width

    def line(*values, strong=False):
        row = []
        for i, v in enumerate(values):
            cell = WriteOnlyCell(ws, value=_value(v))
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
            cell.alignment = wrap
            if strong or i == 0:
                cell.font = bold
            row.append(cell)
        ws.append(row)

    for key, value in about.items():
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        line(key, value)
    ws.append([])
    line("Sheet", "Source", "Rows", strong=True)
    for name, rows, note in listing:
        line(name, note, rows)
    ws.append([])
    line(
        "Conventions",
        "Headers read 'name (unit)'; the name is the column of the CSV/JSON beside this "
        "workbook. 'see unit': the unit is in the row's unit column. An empty cell has no "
        "value (NaN: e.g. minutes to a responder when none came); 'inf': unbounded (e.g. "
        "cost per one avoided when none is avoided). Shares run from 0 to 1.",
    )


# -- what goes in it -------------------------------------------------------------------


@dataclass
class Book:
    """The tables of a workbook, their units and sources, and what produced them."""

    sheets: dict[str, pd.DataFrame]
    units: dict[str, dict[str, str]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    about: dict[str, object] = field(default_factory=dict)

    def write(self, path: str | Path, max_cells: int = MAX_CELLS) -> Path:
        return write_workbook(path, self.sheets, self.units, self.notes, self.about, max_cells)


def outcome_units(scenario) -> dict[str, str]:
    """Unit of every column of a scenario's ``replications.csv``, as the sub-models
    declare them (what ``vtsim columns SCENARIO`` lists)."""
    from vtsim.model.world import columns_for

    units = {c.name: c.unit for c in columns_for(scenario)}
    units["measure_cost"] = f"{scenario.currency}/year"
    return units


def _scorecard_units(card: pd.DataFrame, declared: Mapping[str, str]) -> pd.DataFrame:
    """The scorecard with its ``unit`` column filled in from the declared units (a share
    of replications for the 0/1 headlines)."""
    from vtsim.analysis.scorecard import HEADLINES

    kinds = {h.metric: h.kind for h in HEADLINES}
    card = card.copy()
    if "unit" in card:
        card["unit"] = [
            unit
            if unit
            else ("share (0-1)" if kinds.get(metric) == "share" else declared.get(metric, ""))
            for metric, unit in zip(card["metric"], card["unit"].fillna(""))
        ]
    return card


_CARD_UNITS = {
    **{c: _SEE_UNIT for c in ("baseline", "value", "lo", "hi", "diff", "diff_lo", "diff_hi")},
    "n": "replications",
    "p_better": "probability",
    "replications_needed": "replications",
}


def _about_run(results, manifest: Mapping | None) -> dict[str, object]:
    from vtsim.report.output import versions

    manifest = manifest or {}
    scenario = results.scenario
    state = "complete" if results.complete else "interrupted: partial results"
    about = {
        "Scenario": scenario.name,
        "Description": scenario.description,
        "Seed": results.seed,
        "Replications per package": f"{results.replications} ({state})",
        "Packages": list(results.packages),
        "Currency": scenario.currency,
        "vtsim version": (manifest.get("versions") or versions()).get("vtsim", ""),
        "Results created": manifest.get("created", ""),
        "Command": manifest.get("command") or " ".join(["vtsim", *sys.argv[1:]]),
        "Workbook written": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    return {key: value for key, value in about.items() if value not in ("", None)}


_RATIO = "ratio to the average"
_GROUP_UNITS = {
    "Groups": {
        **{c: _SEE_UNIT for c in ("value", "lo", "hi")},
        "n": "replications with a value",
    },
    "Disparity": {
        **{c: _RATIO for c in ("value", "lo", "hi", "baseline")},
        **{c: f"{_RATIO}, difference" for c in ("diff", "diff_lo", "diff_hi")},
        "worse": "yes: widens the disparity",
    },
}
_GROUP_NOTES = {
    "Groups": "scorecard.json, by_group (population groups): per package, group and outcome, "
    "the mean per attack attempted with its 95 % interval; "
    "casualties_per_1000_exposed: the group's casualties per 1,000 of its people exposed "
    "(summed over the replications, 95 % bootstrap interval).",
    "Disparity": "scorecard.json, disparity: per package and measure, the worst-off group's "
    "rate over everyone's (1: no group worse off than the average) with its 95 % bootstrap "
    "interval, and its paired difference to the baseline; worse: the package "
    "distinguishably widens it.",
}


def _group_sheets(results) -> tuple[dict, dict, dict]:
    """The "Groups" and "Disparity" sheets (scenarios with population groups only): the
    ``by_group`` and ``disparity`` rows of scorecard.json."""
    from vtsim.analysis.groups import group_tables

    by_group, disparity = group_tables(results)
    if by_group.empty:
        return {}, {}, {}
    sheets = {"Groups": by_group, "Disparity": disparity}
    return (
        sheets,
        {k: _GROUP_UNITS[k] for k in sheets},
        {k: _GROUP_NOTES[k] for k in sheets},
    )


def results_book(results, manifest: Mapping | None = None) -> Book:
    """A run's workbook: the scorecard, with population groups the outcomes per group and
    the disparity across them, and every replication (``vtsim run -o``)."""
    declared = outcome_units(results.scenario)
    groups, group_units, group_notes = _group_sheets(results)
    return Book(
        sheets={
            "Scorecard": _scorecard_units(results.scorecard(), declared),
            **groups,
            "Replications": results.frame,
        },
        units={"Scorecard": _CARD_UNITS, **group_units, "Replications": declared},
        notes={
            "Scorecard": "scorecard.json (Results.scorecard()): per package and phase, the "
            "headline with its 95 % interval and the paired difference to the baseline.",
            **group_notes,
            "Replications": "replications.csv (Results.frame): one row per (package, "
            "replication); the columns are listed with their meaning by `vtsim columns`.",
        },
        about=_about_run(results, manifest),
    )


def comparison_book(comparison, manifest: Mapping | None = None) -> Book:
    """A comparison's workbook: per phase, per package, the measures, the scorecard and
    every replication (``vtsim compare -o``, ``vtsim report``)."""
    results, scenario = comparison.results, comparison.scenario
    run = results_book(results, manifest)
    declared = run.units["Replications"]
    cur = scenario.currency
    harm = f"{declared.get(comparison.harm_metric) or comparison.harm_label} per attack attempted"
    packages = {
        "cost_one_off": cur,
        "cost_yearly": f"{cur}/year",
        "cost_annualised": f"{cur}/year",
        **{c: harm for c in ("casualties_avoided", "casualties_avoided_lo")},
        "casualties_avoided_hi": harm,
        "p_fewer_casualties": "probability",
        "replications_needed": "replications",
        "cost_per_casualty_avoided": f"{cur} per one avoided",
        "visitor_delay_s_declared": "s per visitor",
    }
    if comparison.harm_metric != "casualties_total":  # the same figures, named after it
        m = comparison.harm_metric
        packages.update({f"{m}_avoided{s}": harm for s in ("", "_lo", "_hi")})
        packages[f"p_fewer_{m}"] = "probability"
        packages[f"cost_per_{m}_avoided"] = f"{cur} per one avoided"
    for metric in ("visitor_delay_min_total", "queue_peak_outside"):
        packages[metric] = packages[metric + "_change"] = declared.get(metric, "")
    valuation = getattr(comparison, "valuation", None)
    money = getattr(valuation, "currency", None) or cur
    packages.update(
        {
            **{f"attacks_per_year{s}": "attacks attempted/year" for s in ("", "_p05", "_p95")},
            **{
                f"valued_avoided_per_attack{s}": f"{money} per attack attempted"
                for s in ("", "_lo", "_hi")
            },
            "burden_added_per_day": f"{money}/day",
            **{f"annual_benefit{s}": f"{money}/year" for s in ("", "_lo", "_hi")},
            **{c: f"{money}, present value" for c in ("pv_benefit", "pv_cost")},
            "net_present_value": f"{money}, present value",
            **{f"benefit_cost_ratio{s}": "ratio" for s in ("", "_lo", "_hi")},
            "cost_per_valued_unit_avoided": "ratio",
        }
    )
    extra, extra_units, extra_notes = _valuation_sheets(comparison, money)
    about = {
        **run.about,
        "Harm": f"{comparison.harm_label} ({comparison.harm_metric})",
        "Attacks attempted per year": comparison.attacks_per_year,
    }
    return Book(
        sheets={
            "Comparison": _scorecard_units(comparison.frame, declared),
            "Packages": comparison.packages_frame,
            "Measures": _measures(comparison),
            **extra,
            **run.sheets,
        },
        units={
            "Comparison": _CARD_UNITS,
            "Packages": packages,
            "Measures": {
                "cost_one_off": cur,
                "lifetime_years": "years",
                "cost_yearly": f"{cur}/year",
                "cost_annualised": f"{cur}/year",
                "visitor_delay_s": "s per visitor",
            },
            **extra_units,
            **run.units,
        },
        notes={
            "Comparison": "Comparison.frame: each package against the baseline per phase "
            "(the scorecard.json rows of the packages, with the baseline's value and a "
            "verdict), paired on common random numbers.",
            "Packages": "packages.csv (Comparison.packages_frame): cost, "
            f"{comparison.harm_label} avoided per attack attempted (columns casualties_*), "
            "cost per one avoided (annualised cost / (avoided x attacks attempted per "
            "year)), burden on the public.",
            "Measures": "The scenario's measures in the compared packages: cost, burden and "
            "rationale.",
            **extra_notes,
            **run.notes,
        },
        about=about,
    )


def _valuation_sheets(comparison, money: str) -> tuple[dict, dict, dict]:
    """The valued criteria and the scorecard per threat, when the comparison has them."""
    sheets: dict[str, pd.DataFrame] = {}
    units: dict[str, dict[str, str]] = {}
    notes: dict[str, str] = {}
    try:
        criteria = comparison.valuation_frame
    except AttributeError:
        criteria = None
    if criteria is not None and len(criteria):
        sheets["Criteria"] = criteria
        units["Criteria"] = {
            **{c: _SEE_UNIT for c in ("baseline", "value", "diff", "diff_lo", "diff_hi")},
            "n": "replications",
            "value_per_unit": f"{money} per unit",
            **{
                f"valued_diff{s}": f"{money} per attack attempted, per day for a burden"
                for s in ("", "_lo", "_hi")
            },
        }
        notes["Criteria"] = (
            "Comparison.valuation_frame: per package, threat ('all': every threat) and "
            "valued criterion, the paired difference to the baseline and its value."
        )
    try:
        by_threat = comparison.by_threat
    except AttributeError:
        by_threat = None
    if by_threat is not None and len(by_threat):
        declared = outcome_units(comparison.scenario)
        sheets["By threat"] = _scorecard_units(by_threat, declared)
        units["By threat"] = _CARD_UNITS
        notes["By threat"] = (
            "Comparison.by_threat: the scorecard per threat, each difference paired on "
            "that threat's replications."
        )
    try:
        by_group = comparison.group_frame
    except AttributeError:
        by_group = None
    if by_group is not None and len(by_group):
        from vtsim.analysis.groups import group_names

        names = group_names(comparison.scenario)
        by_group = by_group.copy()
        by_group.insert(2, "name", [names.get(g, g) for g in by_group["group"]])
        sheets["Group differences"] = by_group
        units["Group differences"] = {
            c: _SEE_UNIT for c in ("baseline", "value", "diff", "diff_lo", "diff_hi")
        }
        notes["Group differences"] = (
            "Comparison.group_frame (`vtsim compare --format json`, groups): per package, "
            "population group and outcome, the baseline's and the package's means per "
            "attack attempted and the paired difference with its 95 % interval."
        )
    return sheets, units, notes


def _measures(comparison) -> pd.DataFrame:
    scenario = comparison.scenario
    used: dict[str, list[str]] = {}
    for package in scenario.packages:
        if package.id in comparison.results.packages:
            for m in package.measures:
                used.setdefault(m, []).append(package.id)
    rows = []
    for mid, packages in used.items():
        m = scenario.measure(mid)
        rows.append(
            {
                "measure": m.id,
                "name": m.name,
                "phase": m.phase.value,
                "pillar": m.pillar.value,
                "packages": ", ".join(packages),
                "cost_one_off": m.cost.one_off,
                "lifetime_years": m.cost.lifetime_years,
                "cost_yearly": m.cost.yearly,
                "cost_annualised": m.cost.annualised(),
                "visitor_delay_s": m.burden.visitor_delay_s,
                "burden_note": m.burden.note,
                "rationale": m.rationale,
            }
        )
    return pd.DataFrame(rows)


def roadmap_book(roadmap) -> Book:
    """A roadmap's workbook: the steps, the candidates, the targets and, when run with
    it, the sensitivity of the ranking (``vtsim roadmap -o``)."""
    from vtsim.report.output import versions

    model, portfolio = roadmap.model, roadmap.portfolio
    cur = portfolio.currency
    if portfolio.metric == "valued":  # the valuation: money a year avoided
        gain = f"{cur}/year avoided (valued harm, loss and burden)"
        per_million = f"{cur}/year avoided per million {cur}/year"
        described = "the valued harm, loss and burden a year (each target's valuation)"
    else:
        scenarios = model.scenarios
        unit = outcome_units(scenarios[0]).get(portfolio.metric, "") if scenarios else ""
        gain = f"{unit or portfolio.metric} per attack attempted, weighted"
        per_million = f"{unit or portfolio.metric} per attack attempted per million {cur}/year"
        described = f"the mean {portfolio.metric} per attack attempted, weighted"
    sheets = {"Roadmap": roadmap.table()}
    units = {
        "Roadmap": {
            "cost_annualised": f"{cur}/year",
            "cumulative_cost": f"{cur}/year",
            "gain": gain,
            "cumulative_gain": gain,
            "gain_per_million": per_million,
        }
    }
    notes = {
        "Roadmap": "roadmap.csv (Roadmap.table()): the steps grouped by pillar and phase; "
        f"gain = reduction of {described}, summed over the targets.",
    }
    if roadmap.sensitivity is not None:
        sens = roadmap.sensitivity
        sheets["Sensitivity"] = sens.frame
        units["Sensitivity"] = {
            "cost_annualised": f"{cur}/year",
            **{f"gain_{s}": gain for s in ("low", "nominal", "high")},
            **{f"ratio_{s}": per_million for s in ("low", "nominal", "high")},
        }
        notes["Sensitivity"] = (
            "sensitivity.csv (Sensitivity.frame): each candidate alone, its effects as "
            "declared and 50 % weaker (low) and stronger (high); ratio = gain per million."
        )
        sheets["Conclusions"] = pd.DataFrame(
            [{"conclusion": s, "survives": ok} for s, ok in sens.conclusions()]
        )
        notes["Conclusions"] = "Which ranking conclusions survive +/-50 % on every effect."
    if not roadmap.by_threat.empty:
        sheets["By threat"] = roadmap.by_threat
        units["By threat"] = {"cumulative_gain": gain}
        notes["By threat"] = (
            "roadmap_by_threat.csv (Roadmap.by_threat): each step's cumulative gain split by "
            "target and threat (burdens are not split)."
        )
    if not roadmap.by_group.empty:
        sheets["By group"] = roadmap.by_group
        units["By group"] = {
            c: "ratio to the average" for c in ("value", "lo", "hi", "baseline")
        } | {c: "ratio" for c in ("diff", "diff_lo", "diff_hi")}
        notes["By group"] = (
            "roadmap_by_group.csv (Roadmap.by_group): after each step, at each target whose "
            "crowd has population groups, the worst-off group's rate over everyone's with its "
            "95 % interval, and its paired change against no measure (worse: it widens)."
        )
    sheets["Candidates"] = pd.DataFrame(
        [
            {
                "measure": mid,
                "name": m.name,
                "pillar": m.pillar.value,
                "phase": m.phase.value,
                "scope": model.scope(mid),
                "cost_annualised": model.cost([mid]),
            }
            for mid, m in model.measures.items()
        ]
    )
    units["Candidates"] = {"cost_annualised": f"{cur}/year, over the portfolio"}
    notes["Candidates"] = (
        "The portfolio's candidate measures; a per_target measure's cost counts at every target."
    )
    sheets["Targets"] = pd.DataFrame(
        [
            {"scenario": t.scenario, "name": t.name or s.name, "weight": t.weight}
            for t, s in zip(portfolio.targets, model.scenarios)
        ]
    )
    notes["Targets"] = "The portfolio's targets and how much the harm at each counts."
    about = {
        "Portfolio": portfolio.name,
        "Description": portfolio.description,
        "Budget": f"{roadmap.budget:,.0f} {cur}/year",
        "Method": roadmap.method,
        "Harm metric": portfolio.metric,
        "Seed": model.seed,
        "Replications per target": model.replications,
        "vtsim version": versions().get("vtsim", ""),
        "Command": " ".join(["vtsim", *sys.argv[1:]]),
        "Workbook written": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    about = {key: value for key, value in about.items() if value not in ("", None)}
    return Book(sheets=sheets, units=units, notes=notes, about=about)
