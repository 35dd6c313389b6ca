"""Sub-models as components: each declares its outcome columns, sets itself up on the
incident when the attack starts, and computes its metrics without changing state.

In the style of vivarium's components. A component class:

- declares the columns it produces for a scenario (:meth:`Component.columns`): name,
  unit, one-line meaning, and the value an interdicted replication gets (the plot never
  reached the site: 0 for counts, NaN for times). The world builds an interdicted
  replication's row from these declarations, so no module lists its columns twice;
- is set up on the incident when the attack starts (``__init__(incident)``: start SimPy
  processes, subscribe to happenings), and is found by type from then on:
  ``incident.component(Crowd)``;
- may close its books at the horizon (:meth:`finish`, called once, before the metrics);
- computes its metrics (:meth:`metrics`) as a pure read of its state.

``vtsim.model.world.COMPONENTS`` lists the components in the order they are set up;
the order of the columns in a table follows it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from vtsim.model.incident import Incident
    from vtsim.scenario.schema import Scenario

NAN = math.nan


@dataclass(frozen=True)
class Column:
    """One outcome column: its name, unit and meaning, and its value in a replication whose
    plot was interdicted before it reached the site."""

    name: str
    unit: str
    meaning: str
    interdicted: float = NAN


def count(name: str, meaning: str, unit: str = "people") -> Column:
    """A count column (0 when the plot was interdicted)."""
    return Column(name, unit, meaning, 0.0)


def minutes(name: str, meaning: str) -> Column:
    """A time column in minutes after the attack start (NaN when it never happened)."""
    return Column(name, "min", meaning)


class Component:
    """Base of every sub-model component (see the module docstring)."""

    name: ClassVar[str] = ""
    """Short name (the sub-model), for docs and error messages."""

    runs_before_attack: ClassVar[bool] = False
    """Set up when the replication starts, before the plot is interdicted or not (what
    happens whether or not there is an attack: the screening queues' day)."""

    @classmethod
    def columns(cls, scenario: Scenario) -> list[Column]:
        """The outcome columns this component produces for ``scenario``, in order."""
        return []

    @classmethod
    def applies_to(cls, scenario: Scenario) -> bool:
        """Whether the component is part of this scenario's model at all."""
        return True

    def __init__(self, incident: Incident):
        self.incident = incident

    @classmethod
    def create(cls, incident: Incident) -> Component:
        """The component for this incident (a subclass may pick a variant, as the crowd
        does for the threat's mode)."""
        return cls(incident)

    def finish(self, t_end: float) -> None:
        """Close the books at the horizon (``t_end``, minutes after the attack start)."""

    def metrics(self) -> dict[str, float]:
        """This replication's values of :meth:`columns` (a pure read of the state)."""
        return {}

    @classmethod
    def interdicted_metrics(cls, incident: Incident) -> dict[str, float]:
        """The row of a replication interdicted before the attack: the declared values.
        A component whose outcome does not depend on the attack (the screening queue's
        day) computes it instead."""
        return {c.name: c.interdicted for c in cls.columns(incident.scenario)}
