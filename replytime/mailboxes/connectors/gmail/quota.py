"""Per-user quota pacing: Gmail counts quota units per user, and replytime stays under them.

Google's quota page lists the units of each method and a per-user limit of 250 units per
second as a moving average (newer pages: 15,000 units per user per minute, the same rate).
A batch of n calls costs n times the units of one call. The pacer is a token bucket refilled at
`quota_share` of that rate, holding at most one full batch, so a sync never bursts past the
limit and keeps a little room for the user's other clients. Buckets live per process and per
user, so consecutive sync runs of one mailbox share one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

UNITS = {
    "getProfile": 1,
    "messages.list": 5,
    "messages.get": 5,
    "history.list": 2,
    "watch": 100,
    "stop": 50,
    "directory.users.list": 0,  # Admin SDK quota is per project, not per Gmail user
}


class UnitPacer:
    """A token bucket of quota units; `take(n)` waits until n units are available."""

    def __init__(
        self,
        rate: float,
        capacity: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = max(rate, 0.001)
        self.capacity = max(capacity, 1.0)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.capacity
        self._stamp = clock()
        self._lock = threading.Lock()
        self.waited = 0.0

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def take(self, units: float) -> float:
        """Spend `units`, sleeping first if the bucket lacks them; returns the seconds slept.

        A request larger than the bucket is let through once the bucket is full (it cannot
        ever fit), which keeps the long-run rate right.
        """
        with self._lock:
            self._refill()
            need = min(units, self.capacity)
            wait = max(0.0, (need - self._tokens) / self.rate)
            if wait:
                self._sleep(wait)
                self._refill()
            self._tokens -= units
            self.waited += wait
            return wait

    def drain(self) -> None:
        """The server said the quota is used up: start again from an empty bucket."""
        with self._lock:
            self._refill()
            self._tokens = min(self._tokens, 0.0)


_pacers: dict[tuple[str, float, float], UnitPacer] = {}
_pacers_lock = threading.Lock()


def pacer_for(user: str, rate: float, capacity: float) -> UnitPacer:
    """The process-wide pacer of one Gmail user at this rate."""
    key = (user.lower(), rate, capacity)
    with _pacers_lock:
        pacer = _pacers.get(key)
        if pacer is None:
            pacer = _pacers[key] = UnitPacer(rate, capacity)
        return pacer


def forget_pacers() -> None:
    """Tests and benchmarks start from full buckets."""
    with _pacers_lock:
        _pacers.clear()
