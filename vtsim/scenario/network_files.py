"""Node/edge CSV files of an infrastructure network, merged into the scenario at load time.

Paths are relative to the scenario file; the frozen scenario holds the data, so nothing
downstream reads files. Every mistake names the CSV file, the row and what was expected.
"""

from __future__ import annotations

import csv
import math
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


def _rows(path: Path, allowed: tuple[str, ...], required: tuple[str, ...]):
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            unknown = [c for c in header if c not in allowed]
            missing = [c for c in required if c not in header]
            if unknown or missing:
                raise ScenarioError(
                    str(path),
                    [
                        (
                            "header",
                            1,
                            f"expected columns {', '.join(allowed)} "
                            f"(required: {', '.join(required)}); "
                            + (f"unknown: {', '.join(unknown)}. " if unknown else "")
                            + (f"missing: {', '.join(missing)}." if missing else ""),
                        )
                    ],
                )
            return [
                (i + 2, {k: (v or "").strip() for k, v in row.items() if k is not None})
                for i, row in enumerate(reader)
            ]
    except FileNotFoundError:
        raise ScenarioError(str(path), [("", None, "no such file (network_files).")]) from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ScenarioError(str(path), [("", None, f"cannot be read as CSV ({exc}).")]) from None


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


def read_network_files(data: object, base: Path) -> object:
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
    nodes_path = base / str(files["nodes"])
    facilities = [
        _facility_row(row, nodes_path, line)
        for line, row in _rows(nodes_path, NODE_COLUMNS, ("id", "sector"))
    ]
    extra: dict[str, list] = {"links": [], "dependencies": []}
    infra["facilities"] = facilities + list(infra.get("facilities") or [])
    if files.get("edges"):
        edges_path = base / str(files["edges"])
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
