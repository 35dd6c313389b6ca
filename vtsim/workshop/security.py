"""Secrets and defences: tokens, the join code, a rate limiter, safe CSV cells."""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque

from vtsim.io import neutralise_cell

# No 0/O, no 1/I: a code read aloud or from a projector is not misread.
JOIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def token() -> str:
    """A secret for a link or a cookie (192 bits, URL-safe)."""
    return secrets.token_urlsafe(24)


def join_code(length: int = 6) -> str:
    """A short code participants type to join (no 0, O, 1 or I)."""
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(length))


def same(given: str | None, expected: str) -> bool:
    """``given == expected`` in constant time (None: False)."""
    if not given:
        return False
    return secrets.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def normalise_code(code: str) -> str:
    """A join code as typed (spaces, lower case) in its canonical form."""
    return "".join(str(code).split()).upper()


def neutralise_csv_cell(value):
    """A CSV cell a spreadsheet will not execute: text starting with = + - @, a tab or a
    carriage return gets a leading apostrophe. Numbers and other values pass unchanged
    (:func:`vtsim.io.neutralise_cell`, shared with the exercise's CSV files)."""
    return neutralise_cell(value)


class RateLimiter:
    """At most ``limit`` events per ``window_s`` seconds per key (a sliding window)."""

    def __init__(self, limit: int = 5, window_s: float = 10.0, clock=time.monotonic):
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._events: dict[str, deque] = {}
        self._lock = threading.Lock()

    def blocked(self, key: str) -> bool:
        """Whether ``key`` is over the limit now (nothing recorded)."""
        now = self.clock()
        with self._lock:
            events = self._events.get(key)
            if not events:
                return False
            while events and now - events[0] >= self.window_s:
                events.popleft()
            return len(events) >= self.limit

    def allow(self, key: str) -> bool:
        """Record an event for ``key``; False (not recorded) when over the limit."""
        now = self.clock()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and now - events[0] >= self.window_s:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True
