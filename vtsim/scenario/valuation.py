"""A valuation: every outcome turned into comparable terms, in the open.

A criterion is a quantity read from the replications table (a weighted sum of columns,
e.g. ``t1 - t1_deaths`` for the critically injured who survive) and a value per unit in
the valuation's currency. Criteria are of three kinds:

- ``harm`` (deaths, injuries by severity) and ``loss`` (days a site is closed, customer
  hours of lost service) happen when an attack is attempted: per attack;
- ``burden`` (visitor hours of queueing) falls on the public on every event day, attack
  or not: per event day.

The composite is the sum of value times quantity; every output shows it *and* each
criterion, so nothing a package worsens is hidden by the composite. The default file is
``scenarios/valuation.yaml``; a scenario may override values (``valuation:`` section) and
so may a call (``compare(..., valuation=...)``).
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from vtsim.scenario.distributions import Dist
from vtsim.scenario.schema_base import Identifier, Model

ColumnName = str


class Criterion(Model):
    id: Identifier
    label: str = Field(description="In words, for tables and figures.")
    unit: str = Field(description="Unit of the quantity (people, days, customer-h, ...).")
    kind: Literal["harm", "loss", "burden"] = Field(
        description="harm and loss: per attack attempted; burden: per event day, attack or not."
    )
    terms: dict[ColumnName, float] = Field(
        min_length=1, description="Quantity = sum of coefficient x column (per replication)."
    )
    fallback: dict[ColumnName, float] | None = Field(
        None,
        description="Terms used when a column of `terms` is not in the results (e.g. a "
        "scenario without a medical section has no deaths_total: killed_outright instead).",
    )
    side_effect_terms: dict[ColumnName, float] | None = Field(
        None,
        description="The quantity tested for side effects when it is not `terms`: more "
        "survivors of critical injuries is no side effect when fewer die, so that criterion "
        "is tested on every T1 casualty.",
    )
    value: float = Field(ge=0, description="Value of one unit, in the valuation's currency.")
    source: str = Field(description="Where the value comes from, or 'illustrative'.")

    @field_validator("value")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("a value must be a finite number")
        return v


class Valuation(Model):
    name: str = "Valuation"
    currency: str = "EUR"
    price_year: int | None = Field(None, description="Year of the money of the values.")
    criteria: list[Criterion] = Field(min_length=1)
    attacks_per_year: Dist | float = Field(
        1.0,
        description="Attacks attempted per year at the site (a number or a distribution: "
        "its 5-95 % range is carried into cost-effectiveness).",
    )
    event_days_per_year: float = Field(
        1.0, gt=0, le=366, description="Days a year the site runs as modelled (burdens)."
    )
    discount_rate: float = Field(0.03, ge=0, le=0.5, description="Real discount rate a year.")
    horizon_years: int = Field(
        10, ge=1, le=100, description="Years over which costs and benefits are counted."
    )

    @model_validator(mode="after")
    def _unique(self) -> Valuation:
        seen: set[str] = set()
        for c in self.criteria:
            if c.id in seen:
                raise ValueError(f"criterion id '{c.id}' is used twice")
            seen.add(c.id)
        return self

    def criterion(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        known = ", ".join(c.id for c in self.criteria)
        raise KeyError(f"no criterion '{criterion_id}'; known: {known}")


class ValuationOverride(Model):
    """A scenario's changes to the default valuation (``valuation:`` in a scenario file)."""

    file: str | None = Field(
        None, description="Another valuation file, relative to the scenario (default bundled)."
    )
    values: dict[Identifier, float] = Field(
        default_factory=dict, description="Value per unit by criterion id."
    )
    attacks_per_year: Dist | float | None = None
    event_days_per_year: float | None = Field(None, gt=0, le=366)
    discount_rate: float | None = Field(None, ge=0, le=0.5)
    horizon_years: int | None = Field(None, ge=1, le=100)

    @field_validator("values")
    @classmethod
    def _finite_values(cls, v: dict[str, float]) -> dict[str, float]:
        for key, value in v.items():
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"the value of '{key}' must be a finite number >= 0")
        return v
