"""The workshop's memory: an append-only log of actions in SQLite.

Every action (a vote, a decision, a note...) is appended with a sequence number, a
timestamp and a JSON payload, and committed (WAL journal, ``synchronous=FULL``)
before :meth:`Store.append` returns: what the server acknowledged is on disk. A
small ``meta`` table keeps the workshop's settings (tokens, join code, scenario,
tables, language, replications, seed). Resuming replays the log in order.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    action TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Entry:
    seq: int
    ts: float  # seconds since the epoch
    action: str
    payload: dict


class Store:
    """An append-only action log and a key-value ``meta`` table in one SQLite file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

    @property
    def journal_mode(self) -> str:
        with self._lock:
            return self._db.execute("PRAGMA journal_mode").fetchone()[0]

    def append(self, action: str, payload: dict, ts: float | None = None) -> Entry:
        """Append an action and commit it; returns the entry once it is on disk."""
        ts = time.time() if ts is None else ts
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cursor = self._db.execute(
                    "INSERT INTO log (ts, action, payload) VALUES (?, ?, ?)", (ts, action, text)
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return Entry(int(cursor.lastrowid or 0), ts, action, payload)

    def entries(self) -> list[Entry]:
        """Every action, in order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, ts, action, payload FROM log ORDER BY seq"
            ).fetchall()
        return [Entry(seq, ts, action, json.loads(payload)) for seq, ts, action, payload in rows]

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM log").fetchone()[0]

    def set_meta(self, values: dict) -> None:
        """Set settings (JSON values), committed before returning."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    [(k, json.dumps(v, ensure_ascii=False)) for k, v in values.items()],
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def meta(self) -> dict:
        with self._lock:
            rows = self._db.execute("SELECT key, value FROM meta").fetchall()
        return {k: json.loads(v) for k, v in rows}

    def close(self) -> None:
        with self._lock:
            self._db.close()
