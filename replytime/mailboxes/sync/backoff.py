"""Exponential back-off with full jitter, for retries inside a run and between runs."""

from __future__ import annotations

import random

_rng = random.SystemRandom()


def backoff_delay(attempt: int, *, base: float = 1.0, cap: float = 3600.0) -> float:
    """A random delay in [0, min(cap, base * 2**attempt)] (AWS-style "full jitter").

    Jitter spreads the retries of many mailboxes that failed together (a server restart) so
    they do not all come back at the same second.
    """
    ceiling = min(cap, base * (2 ** max(0, attempt)))
    return _rng.uniform(0, ceiling)


def next_retry_delay(failures: int, retry_after: float | None, *, interval: float) -> float:
    """Seconds until the next run after `failures` failed runs in a row (at least 1)."""
    delay = max(interval / 10, backoff_delay(failures, base=30.0, cap=6 * 3600.0))
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay
