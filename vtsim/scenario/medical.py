"""Scenario section `medical`: schema owned by the medical sub-model (to be filled in)."""

from __future__ import annotations

from vtsim.scenario.schema_base import Model


class Medical(Model):
    """Placeholder until the medical sub-model defines its fields."""
