"""The measure catalogue: measures any scenario can use, resolved at load time.

A scenario pulls catalogue measures with ``uses: [measure ids]`` (and optionally
``catalogue: my-measures.yaml``, relative to the scenario; default the bundled
``scenarios/measures.yaml``). The loader copies them into the scenario's
``measures`` before validation, so the loaded scenario is frozen, complete data
and every such measure is checked against it (an effect path that does not
exist in the scenario is rejected, naming the measure and the scenario).

``vtsim compare --measures a,b`` and the roadmap resolve ids the same way:
the scenario's own measures first, then the catalogue.
"""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import Field, ValidationError

from vtsim.errors import ScenarioError, VtsimError
from vtsim.scenario import paths
from vtsim.scenario.schema import Measure, Package, Scenario, Source
from vtsim.scenario.schema_base import Model

CATALOGUE_NAME = "measures.yaml"


class Catalogue(Model):
    """A file of measures (no sites, no threats): ``name``, ``sources``, ``measures``."""

    name: str = "measure catalogue"
    description: str = ""
    currency: str = "EUR"
    sources: list[Source] = Field(default_factory=list)
    measures: list[Measure] = Field(min_length=1)

    def get(self, measure_id: str) -> Measure | None:
        return next((m for m in self.measures if m.id == measure_id), None)


def bundled_catalogue_path() -> Path:
    from vtsim.resources import scenarios_dir

    return scenarios_dir() / CATALOGUE_NAME


@functools.lru_cache(maxsize=8)
def _load(path_text: str, mtime: float) -> Catalogue:
    from vtsim.scenario.loader import read_yaml, validate_model

    path = Path(path_text)
    data, node = read_yaml(path)
    catalogue = validate_model(Catalogue, data, path_text, node)
    seen: set[str] = set()
    for i, measure in enumerate(catalogue.measures):
        if measure.id in seen:
            loc = ("measures", i, "id")
            raise ScenarioError(
                path_text,
                [(paths.render(loc, data), paths.line_of(node, loc), "measure id used twice.")],
            )
        seen.add(measure.id)
    return catalogue


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """The measure catalogue at ``path`` (default: the bundled one), validated."""
    path = Path(path) if path is not None else bundled_catalogue_path()
    if not path.is_file():
        raise ScenarioError(str(path), [("", None, "no such measure catalogue file.")])
    return _load(str(path.resolve()), path.stat().st_mtime)


def resolve_uses(data: object, scenario_path: Path | None) -> object:
    """Scenario data with the measures named in ``uses`` copied in from the catalogue."""
    if not isinstance(data, dict) or not data.get("uses"):
        return data
    uses = data["uses"]
    if not isinstance(uses, list):
        return data  # the schema reports the type
    where = data.get("catalogue")
    if isinstance(where, str) and scenario_path is not None:
        cat_path = (Path(scenario_path).parent / where).resolve()
    else:
        cat_path = None
    catalogue = load_catalogue(cat_path)
    own = {m.get("id") for m in data.get("measures") or [] if isinstance(m, dict)}
    added = []
    for i, measure_id in enumerate(uses):
        if measure_id in own:
            continue
        measure = catalogue.get(str(measure_id))
        if measure is None:
            known = ", ".join(m.id for m in catalogue.measures)
            raise ScenarioError(
                str(scenario_path),
                [
                    (
                        f"uses[{i}]",
                        None,
                        f"no measure '{measure_id}' in the catalogue "
                        f"{cat_path or bundled_catalogue_path()}; expected one of: {known}.",
                    )
                ],
            )
        added.append(measure.model_dump(mode="json"))
        own.add(measure.id)
    return {**data, "measures": [*(data.get("measures") or []), *added]}


def find_measure(scenario: Scenario, measure_id: str, catalogue: Catalogue | None = None):
    """A measure by id: the scenario's own first, then the catalogue."""
    own = next((m for m in scenario.measures if m.id == measure_id), None)
    if own is not None:
        return own
    catalogue = catalogue or load_catalogue()
    found = catalogue.get(measure_id)
    if found is None:
        known = sorted({m.id for m in scenario.measures} | {m.id for m in catalogue.measures})
        raise VtsimError(
            f"Unknown measure '{measure_id}': it is neither in scenario '{scenario.name}' nor "
            f"in the measure catalogue; expected one of: {', '.join(known)}."
        )
    return found


def with_measures(
    scenario: Scenario,
    measure_ids: list[str],
    packages: dict[str, list[str]] | None = None,
    catalogue: Catalogue | None = None,
) -> Scenario:
    """The scenario with catalogue measures added (by id) and extra packages defined.

    Each added measure is applied once to check it fits the scenario (naming the
    measure and the scenario when it does not).
    """
    from vtsim.scenario.transforms import apply_measures

    wanted = list(
        dict.fromkeys([*measure_ids, *(m for ms in (packages or {}).values() for m in ms)])
    )
    have = {m.id for m in scenario.measures}
    extra = [find_measure(scenario, mid, catalogue) for mid in wanted if mid not in have]
    for measure in extra:
        try:
            apply_measures(scenario, [measure], f"measure '{measure.id}'")
        except VtsimError as exc:
            raise VtsimError(f"{exc} (applied to scenario '{scenario.name}')") from None
    new_packages = []
    for pid, ms in (packages or {}).items():
        if pid in {p.id for p in scenario.packages}:
            continue
        try:
            new_packages.append(Package(id=pid, name=pid, measures=ms))
        except ValidationError:
            raise VtsimError(
                f"Package name '{pid}' is not a valid id: use letters, digits, '-', '_' "
                "and '.', starting with a letter or digit."
            ) from None
    return scenario.model_copy(
        update={
            "measures": [*scenario.measures, *extra],
            "packages": [*scenario.packages, *new_packages],
        }
    )
