"""Node/edge CSV files of an infrastructure network, merged into the scenario at load time.

Paths are relative to the scenario file and must stay in the scenario's folder or the
bundled scenarios folder (:func:`vtsim.scenario.loader.named_file`); the frozen scenario
holds the data, so nothing downstream reads files. Every mistake names the CSV file, the
row and what was expected; a file that is not such a CSV is refused without quoting it.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from vtsim.errors import ScenarioError
from vtsim.scenario.infrastructure import Facility

NODE_COLUMNS = (
    "id",
    "name",
    "sector",
    "population_served",
    "source",
    "critical",
    "backup_hours",
    "repair_hours",
    "repair_hours_sd",
    "site",
    "x",
    "y",
)
EDGE_COLUMNS = ("kind", "from", "to", "backup_hours")


_COLUMN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_ ]{0,39}")
MAX_CSV_BYTES = 20 * 1024 * 1024  # as for a YAML file (vtsim.io.MAX_YAML_BYTES)


def _header_problem(
    header: Sequence[str], allowed: tuple[str, ...], required: tuple[str, ...]
) -> str:
    """What is wrong with a header, quoting only names that look like column names (a file
    that is not such a CSV is never quoted)."""
    unknown = [c for c in header if c not in allowed]
    missing = [c for c in required if c not in header]
    expected = f"expected columns {', '.join(allowed)} (required: {', '.join(required)}); "
    if unknown and not all(_COLUMN_NAME.fullmatch(str(c)) for c in unknown[:10]):
        return expected + "the first line is not a header of such columns."
    shown = ", ".join(map(str, unknown[:10])) + (", ..." if len(unknown) > 10 else "")
    return (
        expected
        + (f"unknown: {shown}. " if unknown else "")
        + (f"missing: {', '.join(missing)}." if missing else "")
    ).strip()


def _rows(path: Path, allowed: tuple[str, ...], required: tuple[str, ...]):
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise ScenarioError(
                str(path),
                [
                    (
                        "",
                        None,
                        f"is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB, the most "
                        "vtsim reads from one network file.",
                    )
                ],
            )
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            unknown = [c for c in header if c not in allowed]
            missing = [c for c in required if c not in header]
            if unknown or missing:
                raise ScenarioError(
                    str(path), [("header", 1, _header_problem(header, allowed, required))]
                )
            return [
                (i + 2, {k: (v or "").strip() for k, v in row.items() if k is not None})
                for i, row in enumerate(reader)
            ]
    except FileNotFoundError:
        raise ScenarioError(str(path), [("", None, "no such file (network_files).")]) from None
    except IsADirectoryError:
        raise ScenarioError(str(path), [("", None, "is a folder, not a CSV file.")]) from None
    except UnicodeDecodeError:
        raise ScenarioError(
            str(path), [("", None, "is not UTF-8 text; save it as UTF-8 CSV.")]
        ) from None
    except (OSError, csv.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ScenarioError(str(path), [("", None, f"cannot be read as CSV ({reason}).")]) from None


def _number(text: str, path: Path, line: int, column: str) -> float | None:
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if math.isnan(value):
        raise ScenarioError(
            str(path), [(f"row {line}, {column}", line, f"expected a number; got {text!r}.")]
        )
    return value


def _flag(text: str, path: Path, line: int, column: str) -> bool:
    lowered = text.lower()
    if lowered in ("", "0", "false", "no"):
        return False
    if lowered in ("1", "true", "yes"):
        return True
    raise ScenarioError(
        str(path), [(f"row {line}, {column}", line, f"expected true/false or 1/0; got {text!r}.")]
    )


def _facility_row(row: dict, path: Path, line: int) -> dict:
    out: dict = {"id": row["id"], "sector": row["sector"]}
    for key in ("name", "site"):
        if row.get(key):
            out[key] = row[key]
    for key in ("population_served", "backup_hours", "x", "y"):
        value = _number(row.get(key, ""), path, line, key)
        if value is not None:
            out[key] = value
    for key in ("source", "critical"):
        out[key] = _flag(row.get(key, ""), path, line, key)
    mean = _number(row.get("repair_hours", ""), path, line, "repair_hours")
    sd = _number(row.get("repair_hours_sd", ""), path, line, "repair_hours_sd")
    if mean is not None:
        out["repair_hours"] = (
            {"dist": "lognormal", "mean": mean, "sd": sd}
            if sd
            else {"dist": "fixed", "value": mean}
        )
    try:
        Facility.model_validate(out)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ScenarioError(
            str(path), [(f"row {line}, {field}", line, f"expected: {err['msg'].lower()}.")]
        ) from None
    return out


def _edge_row(row: dict, path: Path, line: int) -> tuple[str, dict]:
    kind = row.get("kind") or "link"
    a, b = row.get("from", ""), row.get("to", "")
    if not a or not b:
        raise ScenarioError(str(path), [(f"row {line}", line, "expected both 'from' and 'to'.")])
    if kind == "link":
        return "links", {"between": [a, b]}
    if kind == "dependency":
        dep: dict = {"facility": b, "needs": [a]}
        backup = _number(row.get("backup_hours", ""), path, line, "backup_hours")
        if backup is not None:
            dep["backup_hours"] = backup
        return "dependencies", dep
    raise ScenarioError(
        str(path),
        [(f"row {line}, kind", line, f"expected 'link' or 'dependency'; got {kind!r}.")],
    )


def _edge_problems(key: str, row: dict, sectors: dict, line: int) -> list:
    """Unknown facilities, and links across or dependencies within a sector, by row."""
    out = []
    ends = (row["from"], row["to"])
    for column, fid in zip(("from", "to"), ends, strict=True):
        if fid not in sectors:
            out.append(
                (f"row {line}, {column}", line, f"expected the id of a facility; got '{fid}'.")
            )
    if out:
        return out
    same = sectors[ends[0]] == sectors[ends[1]]
    if key == "links" and not same:
        out.append((f"row {line}", line, "a link stays within one sector: write a dependency."))
    if key == "dependencies" and same:
        out.append(
            (f"row {line}", line, "a dependency joins two facilities of one sector: write a link.")
        )
    return out


def read_network_files(data: object, scenario_path: Path | None) -> object:
    """Merge ``infrastructure.network_files`` into the plain scenario data (at load time).

    Facilities from ``nodes`` come before those written inline; edges of kind
    ``link`` join ``links``, of kind ``dependency`` (``from`` supplier, ``to``
    dependant) join ``dependencies``. Errors name the CSV file and row.
    """
    if not isinstance(data, dict) or not isinstance(data.get("infrastructure"), dict):
        return data
    infra = dict(data["infrastructure"])
    files = infra.get("network_files")
    if not isinstance(files, dict) or "nodes" not in files:
        return data  # the schema will say what is wrong
    from vtsim.scenario.loader import named_file

    nodes_path = named_file(scenario_path, files["nodes"], "infrastructure.network_files.nodes")
    facilities = [
        _facility_row(row, nodes_path, line)
        for line, row in _rows(nodes_path, NODE_COLUMNS, ("id", "sector"))
    ]
    extra: dict[str, list] = {"links": [], "dependencies": []}
    infra["facilities"] = facilities + list(infra.get("facilities") or [])
    if files.get("edges"):
        edges_path = named_file(scenario_path, files["edges"], "infrastructure.network_files.edges")
        sectors = {f.get("id"): f.get("sector") for f in infra["facilities"] if isinstance(f, dict)}
        problems = []
        for line, row in _rows(edges_path, EDGE_COLUMNS, ("from", "to")):
            key, item = _edge_row(row, edges_path, line)
            problems += _edge_problems(key, row, sectors, line)
            extra[key].append(item)
        if problems:
            raise ScenarioError(str(edges_path), problems)
    for key, items in extra.items():
        infra[key] = items + list(infra.get(key) or [])
    del infra["network_files"]
    return {**data, "infrastructure": infra}
