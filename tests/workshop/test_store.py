"""The workshop's store: an append-only log in SQLite, committed before append returns."""

from __future__ import annotations

import json
import sqlite3

from vtsim.workshop.store import Store


def test_append_is_durable_across_a_new_connection(tmp_path):
    store = Store(tmp_path / "w.sqlite")
    first = store.append("vote", {"option": "verify", "text": "é ✓"})
    second = store.append("note", {"text": "n"})
    assert (first.seq, second.seq) == (1, 2)
    # Another connection (another process after a kill) sees both, before any close.
    other = sqlite3.connect(tmp_path / "w.sqlite")
    rows = other.execute("SELECT seq, action, payload FROM log ORDER BY seq").fetchall()
    other.close()
    assert [(s, a) for s, a, _ in rows] == [(1, "vote"), (2, "note")]
    assert json.loads(rows[0][2]) == {"option": "verify", "text": "é ✓"}
    # A fresh Store (the server restarted) replays the same entries.
    again = Store(tmp_path / "w.sqlite")
    assert [(e.seq, e.action, e.payload) for e in again.entries()] == [
        (1, "vote", {"option": "verify", "text": "é ✓"}),
        (2, "note", {"text": "n"}),
    ]
    assert len(again) == 2
    store.close()
    again.close()


def test_wal_mode_and_full_sync(tmp_path):
    store = Store(tmp_path / "w.sqlite")
    assert store.journal_mode.lower() == "wal"
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    other = sqlite3.connect(tmp_path / "w.sqlite")
    assert other.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"  # persistent
    other.close()
    store.close()


def test_meta_round_trip(tmp_path):
    store = Store(tmp_path / "w.sqlite")
    store.set_meta({"join_code": "ABC234", "tables": 3, "seed": None})
    store.set_meta({"tables": 4})
    store.close()
    assert Store(tmp_path / "w.sqlite").meta() == {"join_code": "ABC234", "tables": 4, "seed": None}
