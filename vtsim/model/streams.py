"""Named random streams: every draw comes from a stream named for what it drives.

A stream is keyed by (run seed, replication, name, *keys) through numpy's
``SeedSequence``; names and keys are turned into integers with BLAKE2b, which
is stable across processes and machines (Python's ``hash()`` is salted per
process and must never be used here). Consequences the design relies on:

- the same (seed, replication) gives bit-identical outcomes whatever the number
  of worker processes, the executor or the machine;
- two scenarios (a baseline and a package) run with the same seed draw the same
  attacker, crowd and responders wherever a measure does not change them:
  common random numbers, so paired differences have far less noise;
- adding a draw in one stream never shifts another stream (one stream per
  decision point, as in vivarium).

>>> s = Streams(seed=7, replication=3)
>>> a = s.get("unit", "police", 2).random()
>>> b = Streams(seed=7, replication=3).get("unit", "police", 2).random()
>>> a == b
True
"""

from __future__ import annotations

import hashlib

import numpy as np

_SeedSequence = np.random.SeedSequence
_PCG64 = np.random.PCG64
_Generator = np.random.Generator
_array = np.array
_uint32 = np.uint32
_STR_KEYS: dict[str, int] = {}


def _digest(part: object) -> int:
    digest = hashlib.blake2b(str(part).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def stable_key(part: object) -> int:
    """A 64-bit integer for a stream name or key, the same on every machine and process."""
    if type(part) is str:  # names and ids: hashed once per process, then looked up
        key = _STR_KEYS.get(part)
        if key is None:
            key = _digest(part)
            if len(_STR_KEYS) < 100_000:
                _STR_KEYS[part] = key
        return key
    if isinstance(part, int) and not isinstance(part, bool) and part >= 0:
        return part
    return _digest(part)


def _words(n: int) -> list[int]:
    """The 32-bit words numpy's SeedSequence makes of a non-negative int, low word first."""
    if n == 0:
        return [0]
    out = []
    while n:
        out.append(n & 0xFFFFFFFF)
        n >>= 32
    return out


_KEY_WORDS: dict[object, list[int]] = {}


def _key_words(part: object) -> list[int]:
    """``_words(stable_key(part))``, remembered for names and ids."""
    if type(part) is str:
        found = _KEY_WORDS.get(part)
        if found is None:
            found = _words(stable_key(part))
            if len(_KEY_WORDS) < 100_000:
                _KEY_WORDS[part] = found
        return found
    return _words(stable_key(part))


class Streams:
    """The random streams of one replication of one run."""

    __slots__ = ("seed", "replication", "_cache", "_prefix")

    def __init__(self, seed: int, replication: int):
        self.seed = int(seed)
        self.replication = int(replication)
        self._cache: dict[tuple, np.random.Generator] = {}
        # ``SeedSequence(seed, spawn_key=(replication, name, *keys))`` mixes one array of
        # 32-bit words: the seed's words padded with zeros to the pool size (4), then each
        # spawn-key element's words. Handing it that array directly gives the very same
        # state (and the same draws) for a quarter of the cost; these are its first words.
        seed_words = _words(self.seed) if self.seed >= 0 else None
        self._prefix: list[int] | None
        if seed_words is not None and self.replication >= 0:
            self._prefix = seed_words + [0] * (4 - len(seed_words)) + _words(self.replication)
        else:  # negative: let numpy raise its own error
            self._prefix = None

    def get(self, name: str, *keys: object) -> np.random.Generator:
        """The generator for stream ``name`` and ``keys`` (created once, then reused)."""
        cache_key = (name, *keys)
        rng = self._cache.get(cache_key)
        if rng is None:
            if self._prefix is None:
                spawn_key = (self.replication, stable_key(name), *map(stable_key, keys))
                seq = _SeedSequence(self.seed, spawn_key=spawn_key)
            else:
                entropy = self._prefix + _key_words(name)
                for key in keys:
                    entropy += _key_words(key)
                seq = _SeedSequence(_array(entropy, dtype=_uint32))
            rng = _Generator(_PCG64(seq))
            self._cache[cache_key] = rng
        return rng
