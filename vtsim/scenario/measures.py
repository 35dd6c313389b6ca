"""Measures and packages: declared changes to a scenario, with their phase, pillar,
cost and burden (part of the scenario schema, re-exported by ``schema``)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from vtsim.scenario.schema_base import Identifier, Model, Text, at_least, at_most

MONEY = at_most(1e15, "currency units", "larger sums are outside what cost sums can hold exactly")


class Phase(str, Enum):
    prevent = "prevent"
    protect = "protect"
    mitigate = "mitigate"
    respond = "respond"
    recover = "recover"


class Pillar(str, Enum):
    legislative = "legislative"
    institutional = "institutional"
    operational = "operational"


class Effect(Model):
    """A declared change to a scenario parameter.

    ``path`` addresses a value with dots; list items are addressed by their ``id``
    (``sites.festival.layers.screening.p_detect``). ``scale`` and ``add`` on a
    distribution scale or shift the whole distribution.
    """

    path: str = Field(min_length=1)
    op: Literal["set", "scale", "add", "append"]
    value: object
    before: Identifier | None = Field(
        None, description="append only: insert before the list item with this id."
    )


class Cost(Model):
    one_off: Annotated[float, MONEY] = Field(0.0, ge=0, description="Investment, currency units.")
    yearly: Annotated[float, MONEY] = Field(
        0.0, ge=0, description="Running cost per year, currency units."
    )
    lifetime_years: Annotated[
        float, at_least(0.01, "years", "a shorter lifetime makes the annual cost meaningless")
    ] = Field(10.0, gt=0, description="Years over which to annualise one_off.")

    def annualised(self) -> float:
        return self.one_off / self.lifetime_years + self.yearly


class Burden(Model):
    visitor_delay_s: Annotated[float, at_most(86_400, "seconds (a day)")] = Field(
        0.0, ge=0, description="Seconds of delay per visitor."
    )
    note: str = Field("", description="E.g. privacy or rights concerns to discuss.")


class BurdenOn(Model):
    """Who bears a measure's burden, and how (issue 19; see docs/people.md).

    ``group`` is a group of the crowd (its id, e.g. ``women``, ``reduced_mobility``), a
    category of people the scenario may not model (``residents``, ``a_community``,
    ``staff``), or ``all``. ``lane: own`` (searches only) declares a group-dependent
    screening rule: this group is screened in lanes of its own (e.g. same-sex searching,
    by staff of the same sex); the measure's effects set the rule on the crowd's group
    (``sites.*.groups[id=women].screening.lane``) so the model computes its queue per group.
    """

    group: Identifier = Field(
        description="A crowd group's id, a category of people (`a_community`), or `all`."
    )
    how: Literal["time", "search", "data", "movement", "visibility"] = Field(
        description="time (waiting), search (of the person or bags), data (collected about "
        "them), movement (restricted), visibility (singled out, watched, stigma)."
    )
    lane: Literal["own", "any"] | None = Field(
        None,
        description="Searches only: `own`, the group is screened in lanes of its own (e.g. "
        "same-sex searching); `any` (or omitted), in the shared lanes. The same words as a "
        "crowd group's `screening.lane`, which the measure's effects set for the model.",
    )
    note: Text = Field("", description="What the burden is, in one line.")

    @model_validator(mode="after")
    def _lane_is_for_searches(self):
        if self.lane is not None and self.how != "search":
            raise ValueError("`lane` is a screening rule: give it with `how: search` only")
        return self


class Right(str, Enum):
    """Rights a measure may engage (names after the international covenants)."""

    privacy = "privacy"
    non_discrimination = "non_discrimination"
    freedom_of_assembly = "freedom_of_assembly"
    freedom_of_religion = "freedom_of_religion"
    freedom_of_movement = "freedom_of_movement"
    freedom_of_expression = "freedom_of_expression"
    liberty_and_security = "liberty_and_security"
    effective_remedy = "effective_remedy"
    rights_of_persons_with_disabilities = "rights_of_persons_with_disabilities"


class RightEngaged(Model):
    """A right a measure engages, the concern, and the source of that concern (an id of
    the catalogue's or scenario's ``sources``). Whether an interference is lawful,
    necessary and proportionate is a legal judgement, not a model output."""

    right: Right
    concern: Text = Field(min_length=1, description="The concern, in one line.")
    source: Identifier = Field(description="Id of the source of the concern (`sources`).")


class Measure(Model):
    id: Identifier
    name: Text
    phase: Phase
    pillar: Pillar
    cost: Cost = Field(default_factory=Cost)
    burden: Burden = Field(default_factory=Burden)
    burden_on: list[BurdenOn] = Field(
        default_factory=list,
        description="Who bears the burden and how (groups of the crowd or categories).",
    )
    rights: list[RightEngaged] = Field(
        default_factory=list, description="Rights the measure engages, each with its source."
    )
    rationale: str = Field("", description="One line, with a source or 'illustrative'.")
    effects: list[Effect] = Field(min_length=1)


class Package(Model):
    id: Identifier
    name: Text = ""
    description: str = ""
    measures: list[Identifier] = Field(min_length=1)


def own_lanes(measures) -> dict[str, str]:
    """The group-dependent screening rules the measures declare: ``{group: "own"}`` for
    each group searched in lanes of its own (``burden_on[].lane``), for a model with
    groups to compute the queue per group (a later measure overrides an earlier one)."""
    rules: dict[str, str] = {}
    for measure in measures:
        for entry in getattr(measure, "burden_on", ()):
            if entry.lane is not None:
                rules[entry.group] = entry.lane
    return rules
