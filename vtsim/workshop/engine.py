"""The workshop: several tables playing one exercise's storyline, votes, clock, notes.

One :class:`~vtsim.exercise.session.ExerciseSession` per table, all on the exercise's
storyline; each table decides for itself (by a vote of its participants), so tables
may diverge after a decision. Every state change is one method: it is validated,
appended to the :class:`~vtsim.workshop.store.Store` (committed to disk), then applied,
and only then does the method return. :meth:`Workshop.resume` replays the log on fresh
sessions (the storyline is deterministic, so the state is exact).

This module puts :class:`Workshop` together and holds the facilitator's storyline actions
(start, advance, the modules' clock, end) and resuming. The other parts live beside it:
:mod:`~vtsim.workshop.state` (the state, the log, tables and participants),
:mod:`~vtsim.workshop.votes`, :mod:`~vtsim.workshop.notes`, :mod:`~vtsim.workshop.reveal`,
:mod:`~vtsim.workshop.reports` (mixins), :mod:`~vtsim.workshop.views` (the views' JSON)
and :mod:`~vtsim.workshop.text` (catalogue and templates); the names they define that this
module has always offered are re-exported here.
"""

from __future__ import annotations

import time
from pathlib import Path

from vtsim.workshop import views
from vtsim.workshop.notes import NotesMixin
from vtsim.workshop.reports import ReportsMixin
from vtsim.workshop.reports import _csv as _csv
from vtsim.workshop.reports import _iso as _iso
from vtsim.workshop.reveal import RevealMixin
from vtsim.workshop.reveal import _Focus as _Focus
from vtsim.workshop.state import (
    DB,
    HOT_WASH,
    Participant,
    Table,
    WorkshopError,
)
from vtsim.workshop.state import _Clock as _Clock
from vtsim.workshop.state import _exercise as _exercise
from vtsim.workshop.state import _Reveal as _Reveal
from vtsim.workshop.store import Store
from vtsim.workshop.text import HERE, WorkshopMessages, environment, messages, render
from vtsim.workshop.views import KINDS
from vtsim.workshop.views import _view_phrases as _view_phrases
from vtsim.workshop.views import _Words as _Words
from vtsim.workshop.votes import VotesMixin

__all__ = [
    "DB",
    "HERE",
    "HOT_WASH",
    "KINDS",
    "Participant",
    "Table",
    "Workshop",
    "WorkshopError",
    "WorkshopMessages",
    "environment",
    "messages",
    "render",
]


class Workshop(VotesMixin, NotesMixin, RevealMixin, ReportsMixin):
    """A hybrid tabletop workshop (see docs/workshop-design.md, the contract)."""

    # -- resuming -------------------------------------------------------------------------------
    @classmethod
    def resume(cls, outdir: str | Path, lang: str | None = None) -> Workshop:
        """The workshop saved in ``outdir`` (``workshop.sqlite``), every action replayed."""
        outdir = Path(outdir)
        m = messages(lang or "en")
        if not (outdir / DB).is_file():
            raise WorkshopError(m("workshop.server.no_workshop", path=outdir / DB), 400)
        store = Store(outdir / DB)
        meta = store.meta()
        store.close()
        if meta.get("format") != "vtsim-workshop/1":
            raise WorkshopError(m("workshop.server.no_workshop", path=outdir / DB), 400)
        w = cls(
            None,
            outdir,
            lang=meta["lang"],
            replications=meta["replications"],
            seed=meta["seed"],
            _meta=meta,
        )
        w._replaying = True
        try:
            for entry in w.store.entries():
                w._apply(entry)
        finally:
            w._replaying = False
        if w.reveal_state is not None and not w.ended:
            w._start_reveal()
        return w

    # -- the storyline -----------------------------------------------------------------------------
    def start(self) -> None:
        with self._lock:
            if self.started:
                raise self._error("already_started")
            self._commit("start", {})

    def _do_start(self, p: dict, ts: float) -> None:
        self.started = True
        for t in self.tables:
            t.session.advance()
        self._check_module(ts)

    def advance(self) -> None:
        with self._lock:
            self._running()
            if self.voting:
                raise self._error("vote_open")
            waiting = self._waiting()
            if waiting:
                raise self._error("awaiting", table=self._table_name(waiting[0]))
            if all(
                t.session.current is not None and t.session.current.kind == "end"
                for t in self.tables
            ):
                raise self._error("at_end")
            self._commit("advance", {})

    def _do_advance(self, p: dict, ts: float) -> None:
        self.reveal_state = None
        for t in self.tables:
            t.session.advance()
        self._check_module(ts)

    # -- the clock -------------------------------------------------------------------------------
    def _check_module(self, ts: float) -> None:
        module = self._current_module()
        if module is not None and module not in self.modules_started:
            self.modules_started.append(module)
            self.clock = _Clock(module, 0.0, None if self.paused else ts)

    def remaining_s(self, now: float | None = None) -> tuple[float | None, float | None]:
        """The current module's clock: (remaining, duration) in seconds."""
        if self.clock.module is None:
            return None, None
        mod = next(x for x in _exercise(self.scenario).modules if x.id == self.clock.module)
        duration = 60.0 * mod.duration_min
        now = time.time() if now is None else now
        elapsed = self.clock.elapsed + (now - self.clock.since if self.clock.since else 0.0)
        return max(0.0, duration - elapsed), duration

    def pause(self) -> None:
        with self._lock:
            self._running()
            if self.paused:
                raise self._error("already_paused")
            self._commit("pause", {})

    def _do_pause(self, p: dict, ts: float) -> None:
        self.paused = True
        if self.clock.since is not None:
            self.clock.elapsed += ts - self.clock.since
            self.clock.since = None

    def resume_clock(self) -> None:
        with self._lock:
            self._running()
            if not self.paused:
                raise self._error("not_paused")
            self._commit("resume", {})

    def _do_resume(self, p: dict, ts: float) -> None:
        self.paused = False
        if self.clock.module is not None:
            self.clock.since = ts

    # -- the end ---------------------------------------------------------------------------------
    def end(self) -> list[Path]:
        """Write every table's console files and the workshop's report and CSV files."""
        with self._lock:
            if not self.started:
                raise self._error("not_started")
            if not self.ended:
                self._commit("end", {})
        return self.write_outputs()

    def _do_end(self, p: dict, ts: float) -> None:
        self.ended = True
        self.voting = set()
        self.reveal_state = None
        for t in self.tables:
            t.session.discussed(HOT_WASH)

    # -- views ---------------------------------------------------------------------------------
    def view(
        self, kind: str, lang: str | None = None, participant: Participant | None = None
    ) -> dict:
        """The view's JSON (docs/workshop-design.md), in the viewer's language."""
        return views.view(self, kind, lang, participant)
