"""The workshop: several tables playing one exercise's storyline, votes, clock, notes.

One :class:`~vtsim.exercise.session.ExerciseSession` per table, all on the exercise's
storyline; each table decides for itself (by a vote of its participants), so tables
may diverge after a decision. Every state change is one method: it is validated,
appended to the :class:`~vtsim.workshop.store.Store` (committed to disk), then applied,
and only then does the method return. :meth:`Workshop.resume` replays the log on fresh
sessions (the storyline is deterministic, so the state is exact).
"""

from __future__ import annotations

import asyncio
import csv
import io as _stdio
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from vtsim import io
from vtsim.errors import VtsimError
from vtsim.exercise.options import find_option, find_point
from vtsim.exercise.session import ExerciseSession
from vtsim.exercise.text import Messages, humanise, languages, names
from vtsim.workshop import security
from vtsim.workshop.store import Entry, Store

HERE = Path(__file__).parent
DB = "workshop.sqlite"
HOT_WASH = "hot-wash"
KINDS = ("facilitator", "projector", "participant", "observer")


class WorkshopMessages(Messages):
    """A catalogue whose ``workshop.*`` phrases fall back to English while a language's
    ``workshop.yaml`` is not translated yet."""

    def __call__(self, key: str, **values) -> str:
        if self.lang != "en" and key.startswith("workshop.") and not self.has(key):
            return Messages("en")(key, **values)
        return super().__call__(key, **values)


def messages(lang: str) -> WorkshopMessages:
    return WorkshopMessages(lang)


class WorkshopError(VtsimError):
    """An action refused, with a people-facing message and the HTTP status it maps to
    (400 bad input, 401/403 token, 404 unknown, 409 not now)."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status


@dataclass
class Table:
    id: str
    name: str
    session: ExerciseSession
    index: int = 1


@dataclass(frozen=True)
class Participant:
    token: str
    id: str
    table_id: str
    role: str
    name: str
    lang: str


@dataclass
class _Clock:
    module: str | None = None
    elapsed: float = 0.0
    since: float | None = None  # running since (epoch seconds); None: stopped


@dataclass
class _Reveal:
    tables: dict[str, str]  # table id -> decision point
    done: dict[str, dict] = field(default_factory=dict)  # table id -> {story, mc, focus}
    progress: dict | None = None


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


class _Words:
    """What the console's phrases need of a session: the scenario (in the viewer's
    language) and its decision points."""

    def __init__(self, scenario):
        self.scenario = scenario

    def point(self, point_id: str):
        return find_point(self.scenario, point_id)


class Workshop:
    """A hybrid tabletop workshop (see docs/workshop-design.md, the contract)."""

    def __init__(
        self,
        scenario,
        outdir: str | Path,
        *,
        tables: int = 1,
        lang: str = "en",
        replications: int = 200,
        seed: int | None = None,
        jobs: int = 1,
        _meta: dict | None = None,
    ):
        from vtsim.scenario.loader import load_scenario, validate_data

        self.outdir = Path(outdir)
        m = messages(lang)
        self.lang, self.m = lang, m
        if _meta is None:
            if (self.outdir / DB).exists():
                raise WorkshopError(
                    m("workshop.server.exists", path=self.outdir / DB, folder=self.outdir), 400
                )
            if not 1 <= int(tables) <= 50:
                raise WorkshopError(m("workshop.server.bad_tables", n=tables), 400)
            loaded = scenario if not isinstance(scenario, (str, Path)) else load_scenario(scenario)
            source = str(scenario) if isinstance(scenario, (str, Path)) else str(loaded.name)
            meta: dict[str, Any] = {
                "format": "vtsim-workshop/1",
                "source": source,
                "scenario": loaded.model_dump(mode="json"),
                "tables": int(tables),
                "lang": lang,
                "replications": int(replications),
                "seed": seed,
                "jobs": int(jobs),
                "facilitator_token": security.token(),
                "projector_token": security.token(),
                "observer_token": security.token(),
                "join_code": security.join_code(),
                "created": time.time(),
            }
        else:
            meta = _meta
            loaded = validate_data(meta["scenario"], f"{self.outdir / DB} (scenario)")
        self.source: str = meta["source"]
        self.replications: int = meta["replications"]
        self.seed: int | None = meta["seed"]
        self.jobs: int = meta.get("jobs", 1)
        self.facilitator_token: str = meta["facilitator_token"]
        self.projector_token: str = meta["projector_token"]
        self.observer_token: str = meta["observer_token"]
        self.join_code: str = meta["join_code"]
        self.base_url = ""  # set by the command line: the links it prints
        self.tables: list[Table] = []
        for i in range(1, meta["tables"] + 1):
            name = m("workshop.server.table_name", n=i)
            session = ExerciseSession(loaded, source=self.source, team=name, lang=lang)
            self.tables.append(Table(f"t{i}", name, session, i))
        self.original = loaded
        self.scenario = self.tables[0].session.scenario
        self.participants: dict[str, Participant] = {}
        self.votes: dict[str, dict[int, dict[str, dict]]] = {t.id: {} for t in self.tables}
        self.notes: list[dict] = []
        self.ratings: list[dict] = []
        self.started = False
        self.ended = False
        self.paused = False
        self.voting: set[str] = set()
        self.rounds: list[list[str]] = []  # the tables decided at each closed vote
        self.clock = _Clock()
        self.modules_started: list[str] = []
        self.version = 0
        self.reveal_state: _Reveal | None = None
        self._lock = threading.RLock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._replaying = False
        self._mc_cache: dict[tuple, list[dict]] = {}
        self._charts: dict[tuple, bytes] = {}
        self._consoles: dict[str, Any] = {}
        self._scenarios: dict[str, Any] = {}
        self._name_maps: dict[str, dict[str, str]] = {}
        self.store = Store(self.outdir / DB)
        if _meta is None:
            self.store.set_meta(meta)

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

    # -- the log ---------------------------------------------------------------------------------
    def _commit(self, action: str, payload: dict) -> Entry:
        """Append (committed to disk), then apply: the caller holds the lock."""
        entry = self.store.append(action, payload)
        self._apply(entry)
        return entry

    def _apply(self, entry: Entry) -> None:
        getattr(self, f"_do_{entry.action}")(entry.payload, entry.ts)
        self.version += 1
        self._notify()

    def _notify(self) -> None:
        for loop, event in list(self._waiters):
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # the loop is closed
                pass

    async def changed(self, since: int, timeout: float = 15.0) -> int:
        """Wait until ``version`` exceeds ``since`` (or ``timeout`` seconds); the version."""
        if self.version > since:
            return self.version
        event = asyncio.Event()
        waiter = (asyncio.get_running_loop(), event)
        self._waiters.append(waiter)
        try:
            deadline = time.monotonic() + timeout
            while self.version <= since:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    await asyncio.wait_for(event.wait(), left)
                except asyncio.TimeoutError:
                    break
                event.clear()
        finally:
            self._waiters.remove(waiter)
        return self.version

    def _error(self, key: str, status: int = 409, **values) -> WorkshopError:
        return WorkshopError(self.m(f"workshop.server.{key}", **values), status)

    # -- participants ----------------------------------------------------------------------------
    def roles(self, lang: str | None = None) -> list[dict]:
        """The roles a participant may take: the exercise's players, else the agencies."""
        scenario = self.scenario_in(lang or self.lang)
        ex = _exercise(scenario)
        found = [{"id": p.id, "name": p.name} for p in ex.participants if p.kind == "player"]
        if not found:
            found = [{"id": a.id, "name": a.name} for a in getattr(scenario, "agencies", [])]
        return found

    def role_name(self, role: str, lang: str | None = None) -> str:
        for r in self.roles(lang):
            if r["id"] == role:
                return r["name"]
        return self._names(lang or self.lang).get(role, humanise(role))

    def _valid_role(self, role: str) -> bool:
        ex = _exercise(self.scenario)
        ids = {p.id for p in ex.participants} | {r["id"] for r in self.roles()}
        ids |= {a.id for a in getattr(self.scenario, "agencies", [])}
        return role in ids

    def table(self, table_id: str | None) -> Table:
        for t in self.tables:
            if t.id == table_id:
                return t
        raise self._error("bad_table", 400, table=str(table_id))

    def join(self, code: str, table_id: str, role: str, name: str, lang: str = "en") -> Participant:
        with self._lock:
            if not security.same(security.normalise_code(code or ""), self.join_code):
                raise self._error("bad_code", 400)
            self.table(table_id)
            if not self._valid_role(str(role)):
                raise self._error("bad_role", 400, role=str(role))
            name = " ".join(str(name or "").split())[:80]
            if not name:
                raise self._error("bad_name", 400)
            if lang not in languages():
                raise self._error("bad_lang", 400, lang=str(lang), known=", ".join(languages()))
            payload = {
                "token": security.token(),
                "id": f"p{len(self.participants) + 1}",
                "table": table_id,
                "role": role,
                "name": name,
                "lang": lang,
            }
            self._commit("join", payload)
            return self.participants[payload["token"]]

    def _do_join(self, p: dict, ts: float) -> None:
        self.participants[p["token"]] = Participant(
            p["token"], p["id"], p["table"], p["role"], p["name"], p["lang"]
        )

    def participant(self, token: str | None) -> Participant | None:
        if not token:
            return None
        found = self.participants.get(token)
        return found if found is not None and security.same(token, found.token) else None

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

    def _waiting(self) -> list[Table]:
        return [t for t in self.tables if t.session.awaiting_decision]

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

    def _running(self) -> None:
        if not self.started:
            raise self._error("not_started")
        if self.ended:
            raise self._error("ended")

    def _table_name(self, table: Table, lang: str | None = None) -> str:
        m = self.m if lang is None else messages(lang)
        return m("workshop.server.table_name", n=table.index)

    # -- the clock -------------------------------------------------------------------------------
    def _current_module(self) -> str | None:
        for t in self.tables:
            current = t.session.current
            if current is not None and current.module is not None:
                return current.module
        return None

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

    # -- votes -------------------------------------------------------------------------------
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

    # -- notes and ratings -------------------------------------------------------------------------
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

    # -- consequences -----------------------------------------------------------------------------
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

    def write_outputs(self) -> list[Path]:
        from vtsim.exercise import counterfactual as cf
        from vtsim.exercise.report import write_report
        from vtsim.workshop.consequences import table_summary

        written: list[Path] = []
        results = {}
        for t in self.tables:
            s, folder = t.session, self.outdir / "tables" / t.id
            story, rows, summary = cf.on_storyline(s), [], []
            if s.decisions and self.replications > 0:
                key = tuple(sorted(s.choices().items()))
                if key not in self._mc_cache:
                    self._mc_cache[key] = cf.monte_carlo(
                        s, self.replications, seed=self.seed, jobs=self.jobs, progress=False
                    )
                rows = self._mc_cache[key]
                summary = cf.summarise(s, rows)
            s.save(folder / "session.json")
            written.append(folder / "session.json")
            written += write_report(s, folder, story, summary, rows, self.lang)
            results[t.id] = table_summary(self, t, story, summary)
        written.append(self._write_report(results))
        for name, rows in (
            ("votes.csv", self._votes_rows()),
            ("notes.csv", self._notes_rows()),
            ("ratings.csv", self._ratings_rows()),
        ):
            io.write_text(self.outdir / name, _csv(rows))
            written.append(self.outdir / name)
        return written

    def _write_report(self, results: dict) -> Path:
        ex = _exercise(self.scenario)
        objectives = []
        for o in ex.objectives:
            rs = [r for r in self.ratings if r["objective"] == o.id]
            objectives.append(
                {
                    "text": o.text,
                    "capability": o.capability,
                    "ratings": [
                        {**r, "table_name": self.table(r["table"]).name if r["table"] else ""}
                        for r in rs
                    ],
                    "mean": sum(r["rating"] for r in rs) / len(rs) if rs else None,
                }
            )
        hot = [n for n in self.notes if n["module"] == HOT_WASH]
        modules = {x.id: x.title for x in ex.modules}
        html = render(
            "workshop_report.html.j2",
            self.lang,
            ex=ex,
            scenario=self.scenario,
            tables=[
                {
                    "id": t.id,
                    "name": t.name,
                    "participants": [
                        {"name": p.name, "role": self.role_name(p.role)}
                        for p in self.participants.values()
                        if p.table_id == t.id
                    ],
                    **results[t.id],
                }
                for t in self.tables
            ],
            hot_wash={
                "strength": [n for n in hot if n["topic"] == "strength"],
                "improvement": [n for n in hot if n["topic"] == "improvement"],
                "other": [n for n in hot if n["topic"] not in ("strength", "improvement")],
            },
            notes=[n for n in self.notes if n["module"] != HOT_WASH and n["author"] != "observer"],
            observer_notes=[n for n in self.notes if n["author"] == "observer"],
            module_title=lambda module: modules.get(module, module or ""),
            table_name=lambda table_id: self.table(table_id).name if table_id else "",
            objectives=objectives,
            n_storylines=self.replications,
        )
        path = self.outdir / "workshop-report.html"
        io.write_text(path, html)
        return path

    def _votes_rows(self) -> list[dict]:
        rows = []
        for t in self.tables:
            for _, votes in sorted(self.votes[t.id].items()):
                for v in votes.values():
                    point = find_point(self.scenario, v["point"])
                    rows.append(
                        {
                            "table": t.name,
                            "point": v["point"],
                            "decided_by": point.decided_by,
                            "participant": v["name"],
                            "role": self.role_name(v["role"]),
                            "option": v["option"],
                            "label": find_option(point, v["option"]).label,
                            "justification": v["justification"],
                            "time": _iso(v["ts"]),
                        }
                    )
        return rows

    def _notes_rows(self) -> list[dict]:
        return [
            {
                "time": _iso(n["ts"]),
                "author": n["author"],
                "name": n["name"] or "",
                "table": self.table(n["table"]).name if n["table"] else "",
                "module": n["module"] or "",
                "topic": n["topic"] or "",
                "text": n["text"],
            }
            for n in self.notes
        ]

    def _ratings_rows(self) -> list[dict]:
        texts = {o.id: o.text for o in _exercise(self.scenario).objectives}
        return [
            {
                "time": _iso(r["ts"]),
                "observer": r["observer"],
                "objective": r["objective"],
                "objective_text": texts[r["objective"]],
                "table": self.table(r["table"]).name if r["table"] else "",
                "rating": r["rating"],
                "text": r["text"],
            }
            for r in self.ratings
        ]

    # -- views ---------------------------------------------------------------------------------
    @property
    def state(self) -> str:
        if self.ended:
            return "ended"
        if not self.started:
            return "lobby"
        if self.voting:
            return "voting"
        if self.reveal_state is not None:
            return "revealing"
        return "running"

    def scenario_in(self, lang: str):
        """The scenario in ``lang`` (its translations; the same simulation)."""
        if lang == self.lang:
            return self.scenario
        if lang not in self._scenarios:
            self._scenarios[lang] = self.original.localised(lang)
        return self._scenarios[lang]

    def _names(self, lang: str) -> dict[str, str]:
        if lang not in self._name_maps:
            self._name_maps[lang] = names(self.scenario_in(lang))
        return self._name_maps[lang]

    def view(
        self, kind: str, lang: str | None = None, participant: Participant | None = None
    ) -> dict:
        """The view's JSON (docs/workshop-design.md), in the viewer's language."""
        if kind not in KINDS:
            raise self._error("bad_view", 404)
        if kind == "participant":
            if participant is None:
                raise self._error("unknown_participant", 403)
            lang = lang or participant.lang
        lang = lang if lang in languages() else self.lang
        with self._lock:
            return self._view(kind, lang, participant)

    def _view(self, kind: str, lang: str, participant: Participant | None) -> dict:
        from vtsim.exercise.console import Console

        m = messages(lang)
        scenario = self.scenario_in(lang)
        ex = _exercise(scenario)
        remaining, duration = self.remaining_s()
        module = None
        if self.clock.module is not None:
            mod = next(x for x in ex.modules if x.id == self.clock.module)
            module = {
                "id": mod.id,
                "title": mod.title,
                "phase": m(f"debrief.phase.{mod.phase}")
                if m.has(f"debrief.phase.{mod.phase}")
                else mod.phase,
                "remaining_s": round(remaining or 0.0),
                "duration_s": round(duration or 0.0),
            }
        shown = self.tables
        if kind == "participant":
            assert participant is not None
            shown = [self.table(participant.table_id)]
        console = self._consoles.get(lang)
        if console is None:
            console = self._consoles[lang] = Console(_Words(scenario), lang, interactive=False)
        tables = []
        for t in shown:
            current = t.session.current
            entry = {
                "id": t.id,
                "name": self._table_name(t, lang),
                "participants": [
                    {"name": p.name, "role": self.role_name(p.role, lang)}
                    for p in self.participants.values()
                    if p.table_id == t.id
                ],
                "stop": self._stop(current, scenario) if current is not None else None,
                "picture": console.situation_lines(t.session.picture()) if current else [],
                "tally": self.tally(t),
                "votes": len(self.live_votes(t)),
                "voting": t.id in self.voting,
                "decided": self._decided_here(t),
                "decisions": [self._decision_words(d, scenario) for d in t.session.decisions],
            }
            if kind == "facilitator":
                entry["ground_truth"] = (
                    console.facilitator_lines(t.session.ground_truth()) if current else []
                )
                entry["ballots"] = [
                    {
                        "name": v["name"],
                        "role": self.role_name(v["role"], lang),
                        "option": v["option"],
                        "justification": v["justification"],
                    }
                    for v in self.live_votes(t).values()
                ]
            if kind == "participant":
                assert participant is not None
                mine = self.live_votes(t).get(participant.id)
                entry["my_vote"] = (
                    {"option": mine["option"], "justification": mine["justification"]}
                    if mine
                    else None
                )
            tables.append(entry)
        view = {
            "version": self.version,
            "kind": kind,
            "lang": lang,
            "dir": m.data.get("dir", "ltr"),
            "title": ex.title,
            "scenario": scenario.name,
            "state": self.state,
            "paused": self.paused,
            "module": module,
            "tables": tables,
            "consequences": self._consequences(lang, [t.id for t in shown]),
            "progress": dict(self.reveal_state.progress)
            if self.reveal_state is not None and self.reveal_state.progress
            else None,
            "m": _view_phrases(lang),
        }
        if kind in ("facilitator", "projector"):
            view["join_code"] = self.join_code
        if kind == "facilitator":
            view["can_undo"] = bool(self.rounds) and self.started and not self.ended
            view["notes"] = [
                {
                    "author": n["name"] or m(f"workshop.server.author_{n['author']}"),
                    "table": n["table"],
                    "module": n["module"],
                    "topic": n["topic"],
                    "t_min": n["t_min"],
                    "text": n["text"],
                }
                for n in self.notes
            ]
        if kind == "participant":
            assert participant is not None
            view["my_vote"] = tables[0]["my_vote"]
            view["me"] = {
                "id": participant.id,
                "name": participant.name,
                "role": self.role_name(participant.role, lang),
                "table": participant.table_id,
            }
        if kind == "observer":
            view["objectives"] = [
                {
                    "id": o.id,
                    "text": o.text,
                    "capability": o.capability,
                    "evaluation": list(o.evaluation),
                }
                for o in ex.objectives
            ]
            view["ratings"] = [
                {k: r[k] for k in ("observer", "objective", "rating", "text", "table")}
                for r in self.ratings
            ]
        return view

    def _stop(self, stop, scenario) -> dict:
        out: dict = {"kind": stop.kind, "t_min": round(stop.t_min, 1), "module": stop.module}
        ex = _exercise(scenario)
        if stop.kind == "inject":
            i = next(x for x in ex.injects if x.id == stop.item_id)
            out["inject"] = {"from": i.sender, "to": i.recipient, "message": i.message}
        elif stop.kind == "decision":
            point = find_point(scenario, stop.point_id)
            out["decision"] = {
                "id": point.id,
                "decided_by": point.decided_by,
                "prompt": point.prompt,
                "options": [{"id": o.id, "label": o.label} for o in point.options],
            }
        return out

    def _decision_words(self, d, scenario) -> dict:
        point = find_point(scenario, d.point)
        return {
            "point": d.point,
            "decided_by": point.decided_by,
            "option": d.option,
            "label": find_option(point, d.option).label,
            "justification": d.justification,
            "t_min": round(d.t_min, 1),
        }

    def _consequences(self, lang: str, table_ids: list[str]) -> list[dict]:
        from vtsim.workshop.consequences import sentences

        state = self.reveal_state
        if state is None:
            return []
        out = []
        for table_id in table_ids:
            done = state.done.get(table_id)
            if done is None:
                continue
            point = state.tables[table_id]
            out.append(
                {
                    "table": table_id,
                    "point": point,
                    "chart": f"/api/chart/{table_id}/{point}.svg",
                    "sentences": sentences(
                        self._focus_in(done["focus"], lang), done, messages(lang)
                    ),
                }
            )
        return out

    def close(self) -> None:
        self.store.close()


@cache
def _view_phrases(lang: str) -> dict[str, str]:
    """Every phrase of ``workshop.view`` (the views' scripts'), keys relative to it."""
    node = Messages(lang).data.get("workshop", {}).get("view")
    if node is None:  # not translated yet: the English phrases
        node = Messages("en").data.get("workshop", {}).get("view", {})
    out: dict[str, str] = {}

    def walk(value, prefix: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{prefix}.{k}" if prefix else str(k))
        else:
            out[prefix] = str(value)

    walk(node, "")
    return out


def _exercise(scenario):
    """The scenario's exercise (checked when the sessions were made)."""
    assert scenario.exercise is not None
    return scenario.exercise


def _iso(ts: float) -> str:
    import datetime as _dt

    return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).isoformat(timespec="seconds")


def _csv(rows: list[dict]) -> str:
    """CSV text whose cells a spreadsheet will not execute."""
    out = _stdio.StringIO()
    if not rows:
        return ""
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: security.neutralise_csv_cell(v) for k, v in row.items()})
    return out.getvalue()


def environment(lang: str):
    """The jinja2 environment of the workshop's templates, with the catalogue as ``m``."""
    from vtsim.exercise.text import environment as template_environment

    return template_environment(HERE / "templates", WorkshopMessages(lang))


def render(template: str, lang: str = "en", **context) -> str:
    return environment(lang).get_template(template).render(**context)
