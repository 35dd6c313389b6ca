"""Threats: the fields every mode shares, and the registry of the modes' schemas.

A threat mode (armed assault, vehicle ramming, ...) is one module of
``vtsim.model.modes`` that declares its schema here by subclassing :class:`Threat`
with a ``mode: Literal["its_name"]`` field and the fields only that mode has, and
registering it (:func:`register_threat_schema`). A scenario's ``threats`` list is a
union of the registered schemas keyed on ``mode`` (:data:`ThreatUnion`), so a drone
threat cannot carry a cyber intrusion's dwell time: the file is rejected naming the
field. The scenario layer never imports the modes: they register with it.

Checks that need the whole scenario (a field required only with one harm profile,
say) are the schema's :meth:`Threat.problems`, which the scenario checks call with
the threat's location, so a message names the exact field path.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, GetCoreSchemaHandler, model_validator
from pydantic_core import core_schema

from vtsim.scenario.distributions import Dist, Fixed, dist_bounds
from vtsim.scenario.schema_base import Identifier, Model, Probability, Text

Problem = tuple[tuple, str]


class Triage(Model):
    """Split of casualties by triage class; fractions sum to 1."""

    killed_outright: Probability
    t1: Probability
    t2: Probability
    t3: Probability

    @model_validator(mode="after")
    def _sums_to_one(self):
        total = self.killed_outright + self.t1 + self.t2 + self.t3
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"expected the four fractions to sum to 1, they sum to {total:g}")
        return self

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.killed_outright, self.t1, self.t2, self.t3)


HarmProfile = Literal["rate", "instant", "accumulating", "disruption", "path"]


class Harm(Model):
    """Harm profile. ``rate``: casualties accrue while the attack is active in proportion to
    the people exposed to the attacker (everyone in the zone, or with ``reach_m2`` the
    people within reach at the zone's density), at most ``max_casualties_per_min`` (the
    attacker's capacity). ``instant``: a fraction of those exposed is harmed at once.
    ``accumulating`` (cbrn_release): exposure accumulates while people stay in the zone,
    casualties show after ``onset_min``. ``disruption`` (unmanned_aircraft): no direct harm,
    an evacuation is forced on the zone. A mode narrows ``profile`` to the ones it has."""

    profile: HarmProfile
    casualties_per_1000_per_min: float = Field(
        0.0,
        ge=0,
        description="rate and accumulating profiles: casualties per minute per 1,000 people "
        "exposed.",
    )
    fraction_harmed: Probability = Field(
        0.0,
        description="instant profile: fraction of the exposed harmed at once; disruption "
        "profile: fraction of those evacuating injured in the rush.",
    )
    max_casualties_per_min: float | None = Field(
        None,
        gt=0,
        description="rate profile: the most casualties the attack can cause per minute, "
        "whatever the crowd (the attacker's capacity; none: proportional to the crowd).",
    )
    reach_m2: float | None = Field(
        None,
        gt=0,
        description="rate profile: ground within the attacker's reach at any moment, square "
        "metres. With it the people exposed to the attacker are the zone's density (people "
        "still there / the zone's `area_m2`, which it then requires) times this ground, at "
        "most everyone there, and `casualties_per_1000_per_min` applies to them; none: "
        "everyone in the zone is exposed.",
    )
    onset_min: Dist = Field(
        Fixed(value=0.0),
        description="accumulating profile: from harmful exposure to symptoms, minutes (the "
        "casualty appears, and can be noticed, then).",
    )
    triage: Triage


class Threat(Model):
    """One abstract attack on one site: the fields every mode has. Each mode's schema
    subclasses it with ``mode: Literal["..."]`` and its own fields."""

    id: Identifier
    name: Text = ""
    mode: str
    site: Identifier
    zone: Identifier
    weight: float = Field(
        1.0,
        gt=0,
        description="Relative likelihood of this threat among the scenario's threats; "
        "each replication draws one threat.",
    )
    planning_window_days: Annotated[
        Dist,
        dist_bounds(
            "days (a century)", high=36_500, why="a plot is planned in days or years, not centuries"
        ),
    ] = Field(description="Days from decision to attack.")
    detectability: float = Field(
        1.0, ge=0, description="Multiplier on the prevention detection rate for this threat."
    )
    task_min: Dist = Field(
        Fixed(value=0.0), description="Time at the target after the last layer before harm."
    )
    harm: Harm
    facility: Identifier | None = Field(
        None,
        description="Infrastructure facility the attack damages when harm starts; see the "
        "infrastructure section.",
    )

    def problems(self) -> Iterator[Problem]:
        """What this threat's mode requires beyond its fields' types, as (location inside
        the threat, message); the scenario checks prefix the threat's own location."""
        return iter(())


class RateOrInstantHarm(Harm):
    profile: Literal["rate", "instant"]


FallbackTrigger = Literal["stopped", "detected"]


def _stopped_only() -> list[FallbackTrigger]:
    return ["stopped"]


class Fallback(Model):
    """Displacement at the site: a threat refused (stopped) or detected at a layer may turn
    to a target outside that layer (the queue, the crowd at the perimeter, an exit flow)
    and strike there instead. Abstract: a probability, a delay and a zone, no more."""

    zone: Identifier = Field(
        description="The zone struck instead: a zone of the threat's site that the layers "
        "of `after` do not protect (a crowd before them)."
    )
    probability: Probability = Field(
        description="Probability that the threat, once a layer of `after` stops or detects "
        "it, strikes the fallback zone (otherwise it is stopped, or goes on, as before)."
    )
    delay_min: Dist = Field(
        Fixed(value=0.0),
        description="From the layer's outcome to harm at the fallback zone, minutes "
        "(responders may still end the attack meanwhile).",
    )
    after: list[Identifier] | None = Field(
        None,
        description="The layers (ids) after which the threat may fall back; every layer on "
        "its path if omitted.",
    )
    when: list[FallbackTrigger] = Field(
        default_factory=_stopped_only,
        min_length=1,
        description="What makes it fall back: 'stopped' (the layer refuses it: `p_stop`), "
        "'detected' (the layer detects it: `p_detect`), or both.",
    )


class Timing(Model):
    """How the attacker picks the moment and the zone of the attack: at random (the drawn
    moment, the declared zone), at the densest (the zone and minute with the most people
    exposed), or a mix: with probability ``weight`` the densest, otherwise at random."""

    weight: Probability = Field(
        0.0,
        description="Probability that the attacker picks the densest zone and minute "
        "(1: always, `densest`; 0: never, `random`, today's behaviour).",
    )
    zones: list[Identifier] = Field(
        default_factory=list,
        description="Other zones of the site the attacker may choose when picking the "
        "densest (the threat's own `zone` is always a candidate and wins ties).",
    )

    @model_validator(mode="before")
    @classmethod
    def _named_rule(cls, value: Any) -> Any:
        """``random`` and ``densest`` are ``{weight: 0}`` and ``{weight: 1}``."""
        if isinstance(value, str):
            rules = {"random": 0.0, "densest": 1.0}
            if value not in rules:
                raise ValueError(
                    f"expected 'random', 'densest' or {{weight: 0..1, zones: [...]}}; got '{value}'"
                )
            return {"weight": rules[value]}
        return value


class AttackOnPeopleThreat(Threat):
    """Shared by the modes whose harm is a ``rate`` while the attack goes on, or
    ``instant`` (armed assault, vehicle ramming, explosive device)."""

    harm: RateOrInstantHarm
    active_duration_min: Dist | None = Field(
        None,
        description="rate profile: how long the attack goes on by itself once harm starts "
        "(self-termination), unless it is neutralised first.",
    )
    fallback: Fallback | None = Field(
        None,
        description="Displacement: where the threat strikes instead when a layer stops or "
        "detects it (none: it is stopped, or goes on, as without this field).",
    )
    timing: Timing | None = Field(
        None,
        description="How the attacker picks the moment and zone: 'random' (the default: "
        "the drawn moment, the declared zone), 'densest', or {weight, zones}.",
    )

    def problems(self) -> Iterator[Problem]:
        harm = self.harm
        if harm.profile == "rate" and harm.casualties_per_1000_per_min == 0:
            yield (
                ("harm", "casualties_per_1000_per_min"),
                ("expected a positive rate for a 'rate' harm profile."),
            )
        if harm.profile == "instant" and harm.fraction_harmed == 0:
            yield (
                ("harm", "fraction_harmed"),
                ("expected a positive fraction for an 'instant' harm profile."),
            )
        if harm.profile == "rate" and self.active_duration_min is None:
            yield (
                ("active_duration_min",),
                ("is required for a 'rate' harm profile (how long the attack goes on by itself)."),
            )


# --------------------------------------------------------------------------- the registry

_SCHEMAS: dict[str, type[Threat]] = {}
_ON_CHANGE: list[Callable[[], None]] = []


def mode_name(schema: type[Threat]) -> str:
    """The mode a schema is for: the one value of its ``mode: Literal[...]`` field."""
    annotation = schema.model_fields["mode"].annotation
    values = typing.get_args(annotation) if typing.get_origin(annotation) is Literal else ()
    if len(values) != 1 or not isinstance(values[0], str):
        raise TypeError(
            f"{schema.__name__}.mode must be declared as Literal['<mode name>'], "
            f"one value; got {annotation!r}"
        )
    return values[0]


def register_threat_schema(schema: type[Threat]) -> str:
    """Add (or replace) a mode's threat schema; scenarios validated from now on accept it."""
    if not (isinstance(schema, type) and issubclass(schema, Threat)):
        raise TypeError(f"a threat schema subclasses vtsim.scenario.threats.Threat; got {schema}")
    name = mode_name(schema)
    _SCHEMAS[name] = schema
    for rebuild in _ON_CHANGE:
        rebuild()
    return name


def unregister_threat_schema(mode: str) -> None:
    """Remove a mode's schema (a plugin unloaded, a test's toy mode)."""
    if _SCHEMAS.pop(mode, None) is not None:
        for rebuild in _ON_CHANGE:
            rebuild()


def threat_schemas() -> dict[str, type[Threat]]:
    """The registered modes and their schemas, in registration order."""
    return dict(_SCHEMAS)


def on_registry_change(callback: Callable[[], None]) -> None:
    """Call ``callback`` whenever a schema is registered (models holding threats rebuild)."""
    _ON_CHANGE.append(callback)


if TYPE_CHECKING:
    # To the type checker an item of ``Scenario.threats`` is a Threat (some registered
    # subclass of it): what it holds at run time.
    ThreatUnion = Threat
else:

    class ThreatUnion:
        """The type of one item of ``Scenario.threats``: the registered schema named by its
        ``mode`` (a pydantic tagged union built from the registry when the model is
        built)."""

        @classmethod
        def __get_pydantic_core_schema__(
            cls, source: Any, handler: GetCoreSchemaHandler
        ) -> core_schema.CoreSchema:
            if not _SCHEMAS:
                return handler.generate_schema(Threat)
            choices: dict[Any, core_schema.CoreSchema] = {
                name: handler.generate_schema(schema) for name, schema in _SCHEMAS.items()
            }
            return core_schema.tagged_union_schema(
                choices,
                discriminator="mode",
                custom_error_type="unknown_threat_mode",
                custom_error_message="expected a registered threat mode ({expected_tags})",
                custom_error_context={"expected_tags": ", ".join(_SCHEMAS)},
            )
