"""What a workshop holds, and the base class that holds it.

The records (:class:`Table`, :class:`Participant`, the module clock, the reveal under way),
the refusal (:class:`WorkshopError`), and :class:`WorkshopBase`: the state of a workshop,
new or from a saved log's metadata; the log (each action committed to the
:class:`~vtsim.workshop.store.Store`, then applied by its ``_do_<action>`` method); the
tables, roles and participants joining; the helpers every part uses. The other parts are
mixins on this base (:mod:`~vtsim.workshop.votes`, :mod:`~vtsim.workshop.notes`,
:mod:`~vtsim.workshop.reveal`, :mod:`~vtsim.workshop.reports`);
:class:`vtsim.workshop.engine.Workshop` puts them together.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vtsim.errors import VtsimError
from vtsim.exercise.session import HOT_WASH as HOT_WASH  # re-exported for the workshop
from vtsim.exercise.session import ExerciseSession
from vtsim.exercise.text import humanise, languages, names
from vtsim.workshop import security
from vtsim.workshop.store import Entry, Store
from vtsim.workshop.text import messages

DB = "workshop.sqlite"


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


class WorkshopBase:
    """A workshop's state, its log, its tables and participants (the mixins' base)."""

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

    # -- what every part asks --------------------------------------------------------------------
    def _waiting(self) -> list[Table]:
        return [t for t in self.tables if t.session.awaiting_decision]

    def _running(self) -> None:
        if not self.started:
            raise self._error("not_started")
        if self.ended:
            raise self._error("ended")

    def _table_name(self, table: Table, lang: str | None = None) -> str:
        m = self.m if lang is None else messages(lang)
        return m("workshop.server.table_name", n=table.index)

    def _current_module(self) -> str | None:
        for t in self.tables:
            current = t.session.current
            if current is not None and current.module is not None:
                return current.module
        return None

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

    def close(self) -> None:
        self.store.close()


def _exercise(scenario):
    """The scenario's exercise (checked when the sessions were made)."""
    assert scenario.exercise is not None
    return scenario.exercise
