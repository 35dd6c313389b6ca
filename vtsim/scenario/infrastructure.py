"""Scenario section `infrastructure`: schema owned by the infrastructure sub-model (to be filled in)."""

from __future__ import annotations

from vtsim.scenario.schema_base import Model


class Infrastructure(Model):
    """Placeholder until the infrastructure sub-model defines its fields."""
