"""Measures and packages: declared changes to a scenario, with their phase, pillar,
cost and burden (part of the scenario schema, re-exported by ``schema``)."""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import Field

from vtsim.scenario.schema_base import Identifier, Model, Text


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
    one_off: float = Field(0.0, ge=0, description="Investment, currency units.")
    yearly: float = Field(0.0, ge=0, description="Running cost per year, currency units.")
    lifetime_years: float = Field(10.0, gt=0, description="Years over which to annualise one_off.")

    def annualised(self) -> float:
        return self.one_off / self.lifetime_years + self.yearly


class Burden(Model):
    visitor_delay_s: float = Field(0.0, ge=0, description="Seconds of delay per visitor.")
    note: str = Field("", description="E.g. privacy or rights concerns to discuss.")


class Measure(Model):
    id: Identifier
    name: Text
    phase: Phase
    pillar: Pillar
    cost: Cost = Field(default_factory=Cost)
    burden: Burden = Field(default_factory=Burden)
    rationale: str = Field("", description="One line, with a source or 'illustrative'.")
    effects: list[Effect] = Field(min_length=1)


class Package(Model):
    id: Identifier
    name: Text = ""
    description: str = ""
    measures: list[Identifier] = Field(min_length=1)
