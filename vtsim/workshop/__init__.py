"""A hybrid tabletop workshop in the browser (``vtsim workshop``).

A facilitator, a projector, participants at several tables (in the room or remote)
and observers, on top of :class:`~vtsim.exercise.session.ExerciseSession`; outcomes come
from the simulation. See docs/workshop-design.md::

    from vtsim.workshop import Workshop
    w = Workshop("harbour-festival", "out/workshop", tables=3)
    w.start(); w.advance(); w.open_vote(); ...
"""

from __future__ import annotations

__all__ = ["Participant", "Table", "Workshop", "WorkshopError"]


def __getattr__(name):  # lazy: the engine loads the scenario machinery
    if name in __all__:
        from vtsim.workshop import engine

        return getattr(engine, name)
    raise AttributeError(name)
