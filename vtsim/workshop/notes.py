"""Notes and ratings: what the facilitator, participants and observers write down.

:class:`NotesMixin` (a part of :class:`~vtsim.workshop.engine.Workshop`): notes (the
facilitator's, a participant's at their table, an observer's; the hot wash's strengths and
improvements) and observers' ratings of the exercise's objectives.
"""

from __future__ import annotations

from vtsim.workshop.state import HOT_WASH, WorkshopBase, _exercise


class NotesMixin(WorkshopBase):
    def note(
        self,
        text: str,
        *,
        author: str = "facilitator",
        table_id: str | None = None,
        module: str | None = None,
        topic: str | None = None,
        participant: str | None = None,
        who: str | None = None,
    ) -> dict:
        """A note: the facilitator's (``who``: the participant who spoke at the hot wash),
        a participant's (``participant``: their token; filed at their table) or an
        observer's (``author="observer"``, ``who``: their name). Hot-wash notes have
        ``module="hot-wash"`` and ``topic`` ``strength`` or ``improvement``."""
        with self._lock:
            text = str(text or "").strip()[:4000]
            if not text:
                raise self._error("empty_note", 400)
            name = who
            if participant is not None:
                p = self.participant(participant)
                if p is None:
                    raise self._error("unknown_participant", 403)
                author, table_id, name = "participant", p.table_id, p.name
            elif author not in ("facilitator", "observer"):
                raise self._error("bad_author", 400)
            if table_id is not None:
                self.table(table_id)
            if topic not in (None, "strength", "improvement"):
                raise self._error("bad_topic", 400)
            ex = _exercise(self.scenario)
            if module not in (None, HOT_WASH) and module not in {x.id for x in ex.modules}:
                raise self._error("bad_module", 400, module=str(module))
            payload = {
                "author": author,
                "name": name,
                "table": table_id,
                "module": module,
                "topic": topic,
                "text": text,
            }
            self._commit("note", payload)
            return payload

    def _do_note(self, p: dict, ts: float) -> None:
        module = p["module"] or self._current_module()
        where = self.table(p["table"]) if p["table"] else self.tables[0]
        current = where.session.current
        t_min = round(current.t_min, 1) if current is not None else None
        self.notes.append({**p, "module": module, "ts": ts, "t_min": t_min})
        if p["author"] == "observer":
            return  # evaluation notes: the workshop report's, not the tables' sessions
        targets = [self.table(p["table"])] if p["table"] else self.tables
        for t in targets:
            t.session.note(p["text"], module, p["name"] or None, p["topic"])

    def rate(
        self,
        observer: str,
        objective_id: str,
        rating: int | str,
        text: str = "",
        table_id: str | None = None,
    ) -> dict:
        with self._lock:
            ids = [o.id for o in _exercise(self.scenario).objectives]
            if objective_id not in ids:
                raise self._error("bad_objective", 400, objective=str(objective_id))
            try:
                value = int(rating)
            except (TypeError, ValueError):
                value = 0
            if str(rating).strip() != str(value) or not 1 <= value <= 5:
                raise self._error("bad_rating", 400, rating=str(rating))
            if table_id:
                self.table(table_id)
            payload = {
                "observer": " ".join(str(observer or "").split())[:80],
                "objective": objective_id,
                "rating": value,
                "text": str(text or "").strip()[:4000],
                "table": table_id or None,
            }
            self._commit("rate", payload)
            return payload

    def _do_rate(self, p: dict, ts: float) -> None:
        self.ratings.append({**p, "ts": ts})
