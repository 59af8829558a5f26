"""A fixed-size set of "keys that may be stored" (a one-hash Bloom filter) for bulk imports.

An import into a mailbox that was empty when it started knows every identity key it stored, so
it need not ask the database whether a key is there: the filter answers "certainly not" for
nearly every new key, and only the few it cannot rule out are looked up. Measured on the
r-help + r-devel import (docs/performance.md), the lookups were a fifth of the SQLite store's
time and half of PostgreSQL's, and on PostgreSQL they read the whole mailbox per batch while
the table statistics lagged behind the load.

False positives cost a lookup, never a wrong answer; memory is fixed (2**27 bits = 16 MB)
whatever the input size, and the false-positive rate grows with the keys held (about 0.6 % of
keys after 250,000 messages, 2 % after a million). Keys are hashed with Python's `hash`, which
is salted per process: a filter is only meaningful inside the process that filled it.
"""

from __future__ import annotations

from collections.abc import Iterable

_BITS_LOG2 = 27


class KeyFilter:
    """Text keys seen so far, with false positives: `seen` never misses a key it was given."""

    __slots__ = ("_bits", "_mask")

    def __init__(self, bits_log2: int = _BITS_LOG2) -> None:
        if bits_log2 < 3:
            raise ValueError("a filter needs at least 8 bits")
        self._mask = (1 << bits_log2) - 1
        self._bits = bytearray(1 << (bits_log2 - 3))

    def seen(self, keys: Iterable[str]) -> list[str]:
        """Mark `keys` as seen; return those that may have been seen before (every one that
        was, and a few that were not). One pass that tests and sets: the store's hot path."""
        bits, mask = self._bits, self._mask
        again: list[str] = []
        for key in keys:
            h = hash(key) & mask
            i, bit = h >> 3, 1 << (h & 7)
            byte = bits[i]
            if byte & bit:
                again.append(key)
            else:
                bits[i] = byte | bit
        return again
