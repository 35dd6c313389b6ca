"""Where the bundled scenario library is, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

from vtsim.errors import ScenarioError

DEFAULT_SCENARIO = "harbour-festival"
NOT_SCENARIOS = {"measures", "portfolio", "valuation"}  # catalogue, portfolio, valuation


def scenarios_dir() -> Path:
    """The bundled ``scenarios/`` folder.

    A wheel carries it inside the package (``vtsim/scenarios``, see pyproject's
    force-include); a source checkout or editable install has it beside ``vtsim/``.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "scenarios", here.parent / "scenarios"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the bundled scenarios folder is missing from this installation")


def bundled_scenarios() -> list[Path]:
    """All bundled scenario files (not decision files, sweeps or catalogues)."""
    root = scenarios_dir()
    return sorted(
        p
        for p in root.glob("*.yaml")
        if not p.name.endswith(".decisions.yaml") and p.stem not in NOT_SCENARIOS
    )


def resolve_scenario_path(name: str | Path) -> Path:
    """A path as given if it exists, else a bundled scenario by file name or stem."""
    path = Path(name)
    if path.exists():
        return path
    root = scenarios_dir()
    for candidate in (root / path, root / f"{path}.yaml", root / path.name):
        if candidate.is_file():
            return candidate
    known = ", ".join(p.stem for p in bundled_scenarios())
    raise ScenarioError(
        str(name),
        [("", None, f"no such file, nor a bundled scenario of that name (bundled: {known}).")],
    )
