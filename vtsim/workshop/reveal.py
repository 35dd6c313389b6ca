"""Revealing a decision's consequences, computed in a background thread.

:class:`RevealMixin` (a part of :class:`~vtsim.workshop.engine.Workshop`): the ``reveal``
action, the thread that replays each table's last decision against its alternatives (with
progress for the views; :mod:`vtsim.workshop.consequences` does the replays), and the
charts. :class:`_Focus` is a frozen copy of a session seen through one decision.
"""

from __future__ import annotations

import threading

from vtsim.exercise.options import find_point
from vtsim.exercise.session import ExerciseSession
from vtsim.workshop.state import WorkshopBase, _Reveal
from vtsim.workshop.text import messages


class _Focus:
    """A session seen through one of its decisions: the counterfactual replays only that
    decision's alternatives (every other decision as taken). A frozen copy, so a
    background computation is not disturbed by later actions; ``scenario`` may be the
    scenario in another language (same simulation, other words)."""

    def __init__(self, session: ExerciseSession, point: str, scenario=None, lang=None):
        self._session = session
        self.scenario = scenario if scenario is not None else session.scenario
        self.lang = lang or session.lang
        self.seed, self.replication, self.threat = session.seed, session.replication, session.threat
        self.source, self.started, self.team = session.source, session.started, session.team
        self._choices = dict(session.choices())
        self.decisions = [d for d in session.decisions if d.point == point][-1:]
        self.notes = list(session.notes)

    def choices(self) -> dict[str, str]:
        return dict(self._choices)

    def point(self, point_id: str | None = None):
        return find_point(self.scenario, point_id or self.decisions[-1].point)

    def in_language(self, scenario, lang: str) -> _Focus:
        other = object.__new__(_Focus)
        other.__dict__.update(self.__dict__)
        other.scenario, other.lang = scenario, lang
        return other


class RevealMixin(WorkshopBase):
    def reveal(self) -> None:
        """Compute, in a background thread, the last decision point's consequences for every
        table that decided there: this storyline and ``replications`` storylines."""
        with self._lock:
            self._running()
            if not self.rounds:
                raise self._error("nothing_to_reveal")
            if self.reveal_state is not None and self.reveal_state.progress is not None:
                raise self._error("revealing")
            tables = {t: self.table(t).session.decisions[-1].point for t in self.rounds[-1]}
            self._commit("reveal", {"tables": tables})
            self._start_reveal()

    def _do_reveal(self, p: dict, ts: float) -> None:
        self.reveal_state = _Reveal(dict(p["tables"]))

    def _start_reveal(self) -> None:
        state = self.reveal_state
        assert state is not None
        focus = {t: _Focus(self.table(t).session, point) for t, point in state.tables.items()}
        n = self.replications
        state.progress = {"done": 0, "total": n * len({self._key(f) for f in focus.values()})}
        thread = threading.Thread(
            target=self._reveal_thread, args=(state, focus), name="vtsim-reveal", daemon=True
        )
        thread.start()

    @staticmethod
    def _key(focus: _Focus) -> tuple:
        return (tuple(sorted(focus.choices().items())), focus.decisions[-1].point)

    def _reveal_thread(self, state: _Reveal, focus: dict[str, _Focus]) -> None:
        from vtsim.workshop.consequences import compute, debrief

        done: dict[tuple, dict] = {}

        def step(k: int) -> None:
            with self._lock:
                if state.progress is not None:
                    state.progress["done"] += k
                    self.version += 1
                    self._notify()

        try:
            for table_id, f in focus.items():
                key = self._key(f)
                if key not in done:
                    done[key] = compute(f, self.replications, self.seed, step)
                    debrief(f, done[key], self.m)  # the words, before the views ask
                with self._lock:
                    state.done[table_id] = {**done[key], "focus": f}
        finally:
            with self._lock:
                state.progress = None
                self.version += 1
                self._notify()

    def chart(self, table_id: str, point: str, lang: str | None = None) -> bytes:
        """The consequences chart of a table's revealed decision (SVG)."""
        from vtsim.workshop.consequences import chart_svg

        lang = lang or self.lang
        with self._lock:
            state = self.reveal_state
            done = state.done.get(table_id) if state is not None else None
            if state is None or done is None or state.tables.get(table_id) != point:
                raise self._error("no_chart", 404)
            key = (table_id, point, id(done["focus"]), lang)
            if key in self._charts:
                return self._charts[key]
        svg = chart_svg(self._focus_in(done["focus"], lang), done, messages(lang))
        with self._lock:
            self._charts[key] = svg
        return svg

    def _focus_in(self, focus: _Focus, lang: str) -> _Focus:
        return focus if lang == focus.lang else focus.in_language(self.scenario_in(lang), lang)
