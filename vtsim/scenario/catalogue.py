"""The measure catalogue: measures any scenario can use, resolved at load time.

A scenario pulls catalogue measures with ``uses: [measure ids]`` (and optionally
``catalogue: my-measures.yaml``, relative to the scenario and inside its folder or the
bundled scenarios folder; default the bundled ``scenarios/measures.yaml``). The loader
copies them into the scenario's ``measures`` before validation, so the loaded scenario
is frozen, complete data and every such measure is checked against it (an effect path
that does not exist in the scenario is rejected, naming the measure and the scenario).

``vtsim compare --measures a,b`` and the roadmap resolve ids the same way:
the scenario's own measures first, then the catalogue.

Catalogue measures know where they apply (issue 13):

- ``fits: {kinds, settings}`` says the site kinds and the settings (indoor,
  outdoor) the measure fits, each a list or ``any``. A measure acts on places:
  the zone of each threat it changes (``threats...`` paths), every zone of each
  site it changes (``sites...`` paths), every zone of every site otherwise
  (agencies, prevention, medical care, infrastructure), and every zone when it
  reaches none of these. It fits a scenario when one of those places fits: the
  site's ``kind`` is one it lists and the zone's ``setting`` (else the site's)
  one it lists. A site of kind ``other`` or a place with no declared setting is
  not refused on that count (vtsim cannot tell). A measure that fits no place
  is refused when a scenario ``uses`` it or a package applies it
  (:class:`MeasureDoesNotFit`); the roadmap skips it at that target.
- ``place: first | last`` on an effect appending a layer to
  ``sites.<site or *>.layers``: ``first`` puts the layer in front of each site's
  own layers (on the approach, before the crowd), ``last`` after them. The
  catalogue cannot know layer ids, so ``first`` becomes ``before: <the site's
  first layer>`` for each site when the measure is taken into a scenario.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, model_validator

from vtsim.errors import ScenarioError, VtsimError
from vtsim.scenario import paths
from vtsim.scenario.schema import (
    Effect,
    Measure,
    Package,
    Scenario,
    Setting,
    SiteKind,
    Source,
)
from vtsim.scenario.schema_base import Model

CATALOGUE_NAME = "measures.yaml"


class MeasureDoesNotFit(VtsimError):
    """A catalogue measure applied where it does not fit (its site kinds or settings)."""


class Fit(Model):
    """Where a catalogue measure fits: the kinds of site and the settings of their zones."""

    kinds: Annotated[list[SiteKind], Field(min_length=1)] | Literal["any"] = Field(
        description="Site kinds the measure fits (`kind` of a site), or `any`."
    )
    settings: Annotated[list[Setting], Field(min_length=1)] | Literal["any"] = Field(
        description="Settings of the zones it fits (indoor, outdoor), or `any`."
    )

    def fits(self, kind: object, setting: object) -> bool:
        """Whether a place fits (kind ``other`` or no setting: cannot tell, so it fits).
        Read from data not yet validated: a kind or setting that is not a word cannot tell
        either (the schema reports it)."""
        kind = kind if isinstance(kind, str) else None
        setting = setting if isinstance(setting, str) else None
        kind_ok = (
            self.kinds == "any" or kind in (None, "other") or kind in {k.value for k in self.kinds}
        )
        setting_ok = (
            self.settings == "any" or setting is None or setting in {s.value for s in self.settings}
        )
        return kind_ok and setting_ok

    def describe(self) -> str:
        """``indoor places, at any kind of site``: what the measure fits, for messages."""
        settings = "" if self.settings == "any" else " or ".join(s.value for s in self.settings)
        if self.kinds == "any":
            kinds = "any kind of site"
        else:
            kinds = "sites of kind " + ", ".join(k.value for k in self.kinds)
        return f"{settings + ' places, at' if settings else 'places at'} {kinds}"


class CatalogueEffect(Effect):
    """An effect of a catalogue measure: may say where an appended layer goes."""

    place: Literal["first", "last"] | None = Field(
        None,
        description="For a layer appended to `sites.<site or *>.layers`: `first`, in front of "
        "the site's own layers (on the approach, before the crowd); `last`, after them.",
    )

    @model_validator(mode="after")
    def _place_is_for_layers(self):
        keys = paths.split(self.path)
        is_layer = self.op == "append" and len(keys) == 3 and keys[::2] == ["sites", "layers"]
        if self.place is not None and not is_layer:
            raise ValueError("`place` is only for a layer appended to `sites.<site or *>.layers`")
        if self.place is not None and self.before is not None:
            raise ValueError("give `place` or `before`, not both")
        return self


class CatalogueMeasure(Measure):
    """A measure of a catalogue: where it fits, and where its layers go."""

    fits: Fit | None = Field(
        None, description="Site kinds and settings the measure fits; omitted: every place."
    )
    effects: list[CatalogueEffect] = Field(min_length=1)  # type: ignore[assignment]


class FittedMeasure(Measure):
    """A catalogue measure taken into one scenario: layers placed, ``fits`` kept (not
    written out: the scenario's ``measures`` have no such field) to check the fit."""

    fits: Fit | None = Field(None, exclude=True)


class Catalogue(Model):
    """A file of measures (no sites, no threats): ``name``, ``sources``, ``measures``."""

    name: str = "measure catalogue"
    description: str = ""
    currency: str = "EUR"
    sources: list[Source] = Field(default_factory=list)
    measures: list[CatalogueMeasure] = Field(min_length=1)

    def get(self, measure_id: str) -> CatalogueMeasure | None:
        return next((m for m in self.measures if m.id == measure_id), None)


def bundled_catalogue_path() -> Path:
    from vtsim.resources import scenarios_dir

    return scenarios_dir() / CATALOGUE_NAME


@functools.lru_cache(maxsize=8)
def _load(path_text: str, mtime: float, size: int) -> Catalogue:
    from vtsim.scenario.loader import read_yaml, validate_model

    path = Path(path_text)
    data, node = read_yaml(path)
    if not isinstance(data, dict) or "measures" not in data:
        # not a catalogue (another file named by mistake): say so without quoting it
        raise ScenarioError(
            path_text,
            [
                (
                    "",
                    None,
                    "expected a measure catalogue: a mapping with `measures` (and optionally "
                    "`name`, `description`, `currency`, `sources`) at the top.",
                )
            ],
        )
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
    known = {source.id for source in catalogue.sources}
    for i, measure in enumerate(catalogue.measures):  # a right's concern cites a source
        for j, right in enumerate(measure.rights):
            if right.source not in known:
                cited = ("measures", i, "rights", j, "source")
                raise ScenarioError(
                    path_text,
                    [
                        (
                            paths.render(cited, data),
                            paths.line_of(node, cited),
                            f"no source '{right.source}' in the catalogue's `sources`; "
                            f"expected one of: {', '.join(sorted(known)) or '(none)'}.",
                        )
                    ],
                )
    return catalogue


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """The measure catalogue at ``path`` (default: the bundled one), validated."""
    path = Path(path) if path is not None else bundled_catalogue_path()
    if not path.is_file():
        raise ScenarioError(str(path), [("", None, "no such measure catalogue file.")])
    stat = path.stat()
    return _load(str(path.resolve()), stat.st_mtime, stat.st_size)


def _zones(site: dict) -> list[dict]:
    return [z for z in site.get("zones") or [] if isinstance(z, dict)]


def _matched(data: dict, keys: list[str]) -> list[dict]:
    """The items a path prefix (``sites.*``, ``threats[mode=x]``) selects in plain data."""
    from vtsim.scenario.transforms import _targets  # the path resolver of apply_effect

    try:
        found = [container[key] for container, key in _targets(data, keys, "")]
    except (VtsimError, TypeError, KeyError):  # a bad path: the effect's own check reports it
        return []
    return [item for item in found if isinstance(item, dict)]


def _places(measure: Measure, data: dict) -> list[tuple[dict, dict]]:
    """The (site, zone) places a measure acts on in plain scenario data (module docstring)."""
    sites = [s for s in data.get("sites") or [] if isinstance(s, dict)]
    everywhere = [(s, z) for s in sites for z in _zones(s)]
    found: list[tuple[dict, dict]] = []
    for effect in measure.effects:
        keys = paths.split(effect.path)
        if keys[0] == "sites" and len(keys) > 1:
            found += [(s, z) for s in _matched(data, keys[:2]) for z in _zones(s)]
        elif keys[0] == "threats" and len(keys) > 1:
            for threat in _matched(data, keys[:2]):
                site = next((s for s in sites if s.get("id") == threat.get("site")), None)
                if site is not None:
                    found += [(site, z) for z in _zones(site) if z.get("id") == threat.get("zone")]
        else:  # agencies, prevention, medical care, infrastructure: the whole scenario
            found += everywhere
    return found or everywhere


def _setting(site: dict, zone: dict) -> str | None:
    return zone.get("setting") or site.get("setting")


def misfit(measure: Measure, data: dict, scenario_name: str) -> str | None:
    """Why ``measure`` does not fit the scenario (plain data), or None when it fits.

    Only catalogue measures know where they fit (``fits``); any other measure fits.
    """
    fit = getattr(measure, "fits", None)
    if fit is None:
        return None
    places = _places(measure, data)
    if not places or any(fit.fits(s.get("kind"), _setting(s, z)) for s, z in places):
        return None
    by_site: dict[str, list[str]] = {}
    kinds: dict[str, str] = {}
    for site, zone in places:
        sid = str(site.get("id"))
        kinds[sid] = str(site.get("kind") or "other")
        text = f"'{zone.get('id')}' ({_setting(site, zone) or 'setting not declared'})"
        if text not in by_site.setdefault(sid, []):
            by_site[sid].append(text)
    where = "; ".join(
        f"zone{'s' if len(zones) > 1 else ''} {', '.join(zones)} of site '{sid}' ({kinds[sid]})"
        for sid, zones in by_site.items()
    )
    return (
        f"Measure '{measure.id}' ({measure.name}) does not fit scenario '{scenario_name}': it "
        f"would act on {where}, but it fits only {fit.describe()}. A catalogue measure is "
        "applied only where it fits: choose a measure that fits this site, or correct the "
        "site's `kind` or `setting` if they are wrong."
    )


def fit_problem(scenario: Scenario, measure: Measure) -> str | None:
    """Why ``measure`` does not fit ``scenario`` (one paragraph), or None when it fits."""
    return misfit(measure, scenario.model_dump(mode="json"), scenario.name)


def check_fit(scenario: Scenario, measure: Measure) -> None:
    """Raise :class:`MeasureDoesNotFit` when ``measure`` does not fit ``scenario``."""
    problem = fit_problem(scenario, measure)
    if problem is not None:
        raise MeasureDoesNotFit(problem)


def placed(measure: Measure, data: dict) -> FittedMeasure:
    """The catalogue measure as it applies to one scenario (plain data): an appended layer
    with ``place: first`` goes before each matched site's first layer."""
    effects = []
    for effect in measure.effects:
        place = getattr(effect, "place", None)
        plain = Effect(**effect.model_dump(exclude={"place"}))
        keys = paths.split(effect.path)
        sites = _matched(data, keys[:2]) if place == "first" else []
        if not sites:
            effects.append(plain)
            continue
        for site in sites:
            first = next(
                (layer.get("id") for layer in site.get("layers") or [] if isinstance(layer, dict)),
                None,
            )
            update = {"path": f"sites.{site.get('id')}.layers", "before": first}
            effects.append(plain.model_copy(update=update))
    fields = measure.model_dump(exclude={"effects", "fits"})
    return FittedMeasure(**fields, effects=effects, fits=getattr(measure, "fits", None))


def resolve_uses(data: object, scenario_path: Path | None) -> object:
    """Scenario data with the measures named in ``uses`` copied in from the catalogue."""
    if not isinstance(data, dict) or not data.get("uses"):
        return data
    uses = data["uses"]
    if not isinstance(uses, list):
        return data  # the schema reports the type
    from vtsim.scenario.loader import named_file

    where = data.get("catalogue")
    if isinstance(where, str) and scenario_path is not None:
        cat_path = named_file(scenario_path, where, "catalogue")
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
        problem = misfit(measure, data, str(data.get("name", scenario_path)))
        if problem is not None:
            raise ScenarioError(str(scenario_path), [(f"uses[{i}]", None, problem)])
        added.append(placed(measure, data).model_dump(mode="json"))
        own.add(measure.id)
    return {**data, "measures": [*(data.get("measures") or []), *added]}


def find_measure(
    scenario: Scenario, measure_id: str, catalogue: Catalogue | None = None
) -> Measure:
    """A measure by id: the scenario's own first, then the catalogue (placed for this
    scenario, see :func:`placed`; whether it fits is :func:`fit_problem`'s question)."""
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
    return placed(found, scenario.model_dump(mode="json"))


def with_measures(
    scenario: Scenario,
    measure_ids: list[str],
    packages: dict[str, list[str]] | None = None,
    catalogue: Catalogue | None = None,
) -> Scenario:
    """The scenario with catalogue measures added (by id) and extra packages defined.

    Each added measure is applied once to check its paths exist in the scenario (naming
    the measure and the scenario when they do not). A catalogue measure that a package
    applies must fit the scenario (:class:`MeasureDoesNotFit` otherwise); one only added
    is available, not applied.
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
    available = {m.id: m for m in [*scenario.measures, *extra]}
    for mid in dict.fromkeys(m for ms in (packages or {}).values() for m in ms):
        check_fit(scenario, available[mid])
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
