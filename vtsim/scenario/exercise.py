"""Scenario section `exercise`: schema owned by the exercise sub-model (to be filled in)."""

from __future__ import annotations

from vtsim.scenario.schema_base import Model


class Exercise(Model):
    """Placeholder until the exercise sub-model defines its fields."""
