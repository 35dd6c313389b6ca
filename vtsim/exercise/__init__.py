"""Facilitated tabletop exercises driven by the simulation.

The engine is independent of any front end: the console (``vtsim exercise``), a
notebook or a browser view all drive an :class:`ExerciseSession`::

    from vtsim.exercise import ExerciseSession
    session = ExerciseSession(vtsim.load_scenario("harbour-festival"))
    stop = session.advance()            # the next inject or decision point
    session.picture()                   # what the players know: reports, units, casualties
    session.ground_truth()              # the facilitator's view: the simulation's truth
    session.decide("alert-public", "People must move before the police arrive.")
"""

from __future__ import annotations

__all__ = ["ExerciseSession", "Stop", "play"]


def __getattr__(name):  # lazy: `import vtsim` loads vtsim.exercise.checks (a plugin)
    if name == "ExerciseSession":
        from vtsim.exercise.session import ExerciseSession

        return ExerciseSession
    if name in {"Stop", "play"}:
        from vtsim.exercise import storyline

        return getattr(storyline, name)
    raise AttributeError(name)
