"""Votes: each table's participants vote at its decision point; the facilitator closes.

:class:`VotesMixin` (a part of :class:`~vtsim.workshop.engine.Workshop`): opening a vote
for every table waiting at a decision point, a participant's vote (a new one replaces
theirs), the live votes and tallies, closing by plurality (or the facilitator's override),
and undoing the last round of decisions.
"""

from __future__ import annotations

from typing import Any

from vtsim.workshop.state import Table, WorkshopBase


class VotesMixin(WorkshopBase):
    def open_vote(self) -> None:
        with self._lock:
            self._running()
            if self.voting:
                raise self._error("vote_already_open")
            waiting = [t.id for t in self._waiting()]
            if not waiting:
                raise self._error("no_decision_point")
            self._commit("open_vote", {"tables": waiting})

    def _do_open_vote(self, p: dict, ts: float) -> None:
        self.voting = set(p["tables"])

    def _options(self, table: Table) -> list[str]:
        return [o.id for o in table.session.point().options]

    def vote(self, participant_token: str, option_id: str, justification: str = "") -> dict:
        """A participant's vote for their own table's open decision (a new vote replaces
        their previous one at that point)."""
        with self._lock:
            who = self.participant(participant_token)
            if who is None:
                raise self._error("unknown_participant", 403)
            table = self.table(who.table_id)
            if self.ended or table.id not in self.voting:
                raise self._error("no_vote_open")
            if option_id not in self._options(table):
                raise self._error("bad_option", 400, option=str(option_id))
            payload = {
                "participant": who.id,
                "token": who.token,
                "table": table.id,
                "stop": len(table.session.stops) - 1,
                "point": table.session._stop().point_id,
                "option": option_id,
                "justification": str(justification or "").strip()[:1000],
            }
            entry = self._commit("vote", payload)
            return {"seq": entry.seq, "option": option_id}

    def _do_vote(self, p: dict, ts: float) -> None:
        who = self.participants[p["token"]]
        self.votes[p["table"]].setdefault(p["stop"], {})[who.id] = {
            "participant": who.id,
            "name": who.name,
            "role": who.role,
            "point": p["point"],
            "option": p["option"],
            "justification": p["justification"],
            "ts": ts,
        }

    def live_votes(self, table: Table) -> dict[str, dict]:
        """The votes at the table's current stop, by participant id."""
        return self.votes[table.id].get(len(table.session.stops) - 1, {})

    def tally(self, table: Table) -> dict[str, int]:
        if not table.session.awaiting_decision and not self._decided_here(table):
            return {}
        counts = {o: 0 for o in self._options_at(table)}
        for v in self.live_votes(table).values():
            counts[v["option"]] = counts.get(v["option"], 0) + 1
        return counts

    def _options_at(self, table: Table) -> list[str]:
        current = table.session.current
        if current is None or current.kind != "decision":
            return []
        return [o.id for o in table.session.point(current.point_id).options]

    def _decided_here(self, table: Table) -> str | None:
        index = len(table.session.stops) - 1
        return next((d.option for d in table.session.decisions if d.stop == index), None)

    def close_vote(self, overrides: dict[str, str] | None = None) -> dict[str, str]:
        """Decide each voting table by plurality (tie: the option listed first among the
        tied), unless ``overrides[table_id]`` names the option; the table's justification
        is its voters' words for the winning option."""
        overrides = dict(overrides or {})
        with self._lock:
            self._running()
            if not self.voting:
                raise self._error("no_vote_open")
            decisions: dict[str, dict[str, Any]] = {}
            for table in self.tables:
                if table.id not in self.voting:
                    continue
                options = self._options(table)
                votes = list(self.live_votes(table).values())
                override = overrides.get(table.id)
                if override:
                    if override not in options:
                        raise self._error("bad_option", 400, option=str(override))
                    option = override
                elif votes:
                    counts = {o: sum(v["option"] == o for v in votes) for o in options}
                    best = max(counts.values())
                    option = next(o for o in options if counts[o] == best)
                else:
                    raise self._error("no_votes", table=self._table_name(table))
                words = [
                    v["justification"]
                    for v in votes
                    if v["option"] == option and v["justification"]
                ]
                decisions[table.id] = {
                    "option": option,
                    "justification": " / ".join(words),
                    "overridden": bool(override),
                }
            for table_id in overrides:
                if table_id not in decisions:
                    self.table(table_id)  # an unknown table: 400
            self._commit("close_vote", {"decisions": decisions})
            return {k: v["option"] for k, v in decisions.items()}

    def _do_close_vote(self, p: dict, ts: float) -> None:
        for table_id, d in p["decisions"].items():
            table = self.table(table_id)
            why = d["justification"]
            if d["overridden"] and not why:
                why = self.m("workshop.server.overridden")
            table.session.decide(d["option"], why, team=table.name)
        self.rounds.append(list(p["decisions"]))
        self.voting = set()
        self.reveal_state = None

    def undo(self) -> None:
        """Revert the last decision of every table that decided at the last decision point;
        their vote reopens."""
        with self._lock:
            self._running()
            if not self.rounds:
                raise self._error("nothing_to_undo")
            self._commit("undo", {"tables": self.rounds[-1]})

    def _do_undo(self, p: dict, ts: float) -> None:
        self.rounds.pop()
        for table_id in p["tables"]:
            self.table(table_id).session.back()
        self.voting = {t.id for t in self._waiting()}
        self.reveal_state = None
