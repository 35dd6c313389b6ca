"""Reading scenario files: YAML in, a validated frozen :class:`Scenario` out.

Every problem becomes a :class:`~vtsim.errors.ScenarioError` naming the file,
the line, the field path and what was expected. Nothing downstream reads YAML.
"""

from __future__ import annotations

import difflib
import typing
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from vtsim import io
from vtsim.errors import ScenarioError
from vtsim.resources import resolve_scenario_path
from vtsim.scenario import paths
from vtsim.scenario.checks import check_scenario
from vtsim.scenario.schema import Scenario
from vtsim.scenario.threats import ThreatUnion, threat_schemas

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path, source: str | None = None) -> tuple[object, yaml.Node | None]:
    """Parse a YAML file into plain data and its node tree (for line numbers), safely:
    one parse with the C loader where available, limits on size, nesting and aliases
    (:func:`vtsim.io.read_yaml`)."""
    return io.read_yaml(path, source)


def _too_deep(source: str) -> ScenarioError:
    """A RecursionError while validating: the data is nested too deeply to check."""
    return ScenarioError(
        source,
        [
            (
                "",
                None,
                "is nested too deeply to be checked (mappings and lists within each other); "
                "flatten it.",
            )
        ],
    )


def _model_at(loc: list, root: type[BaseModel] = Scenario) -> type[BaseModel] | None:
    """The pydantic model class that holds the last key of ``loc`` (best effort)."""
    current: object = root
    for key in loc[:-1]:
        origin = typing.get_origin(current)
        if isinstance(key, int) and origin in (list, tuple):
            current = typing.get_args(current)[0]
        elif current is ThreatUnion:  # the union's tag: the mode's own schema
            current = threat_schemas().get(str(key))
        elif isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(key)
            if field is None:
                return None
            current = field.annotation
        else:
            return None
        # unwrap Optional[...] / X | None
        args = [a for a in typing.get_args(current) if a is not type(None)]
        if typing.get_origin(current) in (
            typing.Union,
            getattr(__import__("types"), "UnionType", None),
        ):
            current = args[0] if len(args) == 1 else None
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current
    return None


def _explain(err: ErrorDetails, root: type[BaseModel] = Scenario) -> str:
    """What was expected, in words, for one pydantic error (``root``: the file's model)."""
    kind, msg, got = err["type"], err["msg"], err.get("input")
    if kind == "extra_forbidden":
        model = _model_at(list(err["loc"]), root)
        key = err["loc"][-1]
        if model is not None:
            allowed = sorted(model.model_fields)
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            return f"unknown key '{key}'.{hint} Expected one of: {', '.join(allowed)}."
        return f"unknown key '{key}'."
    if kind == "unknown_threat_mode":
        modes = ", ".join(threat_schemas())
        mode = got.get("mode") if isinstance(got, dict) else None
        if mode is None:
            return f"needs a `mode`: one of {modes}."
        return f"expected a threat mode (one of: {modes}) in `mode`; got {mode!r}."
    if kind == "missing":
        return "is required but missing."
    text = msg[0].lower() + msg[1:]
    if text.startswith("value error, "):
        text = text[len("value error, ") :]
    shown = repr(got)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    if isinstance(got, (dict, list)):
        return f"expected: {text}."
    return f"expected: {text}; got {shown}."


def validation_problems(
    exc: ValidationError, data, node: yaml.Node | None, root: type[BaseModel]
) -> list[tuple[str, int | None, str]]:
    """Each pydantic error as (field path, line, what was expected)."""
    problems = []
    for err in exc.errors():
        loc = paths.clean_loc(err["loc"], data)
        problems.append((paths.render(loc, data), paths.line_of(node, loc), _explain(err, root)))
    return problems


def validate_model(root: type[M], data, source: str, node: yaml.Node | None = None) -> M:
    """Validate a YAML file's data as ``root`` (a sweep, a portfolio, a catalogue, a
    decisions file...), or raise ScenarioError naming the file, line and field path."""
    try:
        return root.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(source, validation_problems(exc, data, node, root)) from None
    except RecursionError:
        raise _too_deep(source) from None


def validate_data(data: object, source: str, node: yaml.Node | None = None) -> Scenario:
    """Validate plain data as a scenario, or raise ScenarioError naming each field path."""
    try:
        return _validate_data(data, source, node)
    except RecursionError:
        raise _too_deep(source) from None


def _validate_data(data: object, source: str, node: yaml.Node | None = None) -> Scenario:
    problems: list[tuple[str, int | None, str]] = [
        (paths.render(loc, data), line, "this key is given twice; give it once.")
        for loc, line in paths.duplicate_keys(node)
    ]
    if not isinstance(data, dict):
        raise ScenarioError(
            source,
            problems
            + [
                (
                    "",
                    1,
                    "expected a mapping of scenario fields (name, sites, threats, ...) at the top.",
                )
            ],
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems += validation_problems(exc, data, node, Scenario)
        raise ScenarioError(source, problems) from None
    for loc, message in check_scenario(scenario):
        problems.append((paths.render(loc, data), paths.line_of(node, loc), message))
    if problems:
        raise ScenarioError(source, problems)
    return scenario


def allowed_folders(scenario_path: str | Path | None) -> list[Path]:
    """Where files named inside a scenario (``catalogue:``, ``network_files:``) may be:
    the scenario's own folder (and below) and the bundled scenarios folder. The list is
    explicit: a file elsewhere is refused before it is opened."""
    from vtsim.resources import scenarios_dir

    folders = []
    if scenario_path is not None:
        folders.append(Path(scenario_path).resolve().parent)
    try:
        folders.append(scenarios_dir().resolve())
    except FileNotFoundError:  # an installation without its scenarios: the scenario's own only
        pass
    return folders


def named_file(scenario_path: str | Path | None, name: object, field: str) -> Path:
    """The file a scenario names in ``field`` (relative to the scenario's folder), resolved
    (symbolic links followed) and inside :func:`allowed_folders`; else a ScenarioError
    that names the field and never quotes the file's content."""
    source = str(scenario_path) if scenario_path is not None else "scenario"
    base = Path(scenario_path).resolve().parent if scenario_path is not None else Path.cwd()
    text = str(name)
    shown = repr(text) if len(text) <= 80 else repr(text[:77] + "...")
    if not text or "\x00" in text:
        raise ScenarioError(source, [(field, None, f"expected a file name; got {shown}.")])
    try:
        path = (base / text).resolve()
    except (OSError, RuntimeError, ValueError):
        raise ScenarioError(
            source, [(field, None, f"expected a file name that can be resolved; got {shown}.")]
        ) from None
    folders = allowed_folders(scenario_path)
    if not any(path.is_relative_to(folder) for folder in folders):
        raise ScenarioError(
            source,
            [
                (
                    field,
                    None,
                    f"expected a file in the scenario's folder ({folders[0] if folders else base})"
                    " or below it, or in vtsim's bundled scenarios folder; got "
                    f"{shown}, which is outside them (symbolic links are followed). Copy the "
                    "file beside the scenario and name it relative to the scenario.",
                )
            ],
        )
    return path


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file (a path, or the name of a bundled scenario).

    >>> scenario = load_scenario("harbour-festival")
    >>> scenario.name
    'Harbour Festival'
    """
    from vtsim.scenario.catalogue import resolve_uses
    from vtsim.scenario.network_files import read_network_files

    resolved = resolve_scenario_path(path)
    data, node = read_yaml(resolved)
    try:
        data = resolve_uses(data, resolved)  # catalogue measures named in `uses`
        data = read_network_files(data, resolved)  # infrastructure node/edge CSVs
        return validate_data(data, str(path), node)
    except RecursionError:
        raise _too_deep(str(path)) from None
