"""Statistics of spec §7, in the `STATS` shape of `report --format json` (docs: cli.md).

`percentile` reproduces `numpy.percentile(values, q)` (method "linear") bit for bit, including
numpy's interpolation formula, so figures equal those of a numpy-based implementation without the
cost of building arrays for small sets.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Protocol, TypedDict


class Stats(TypedDict):
    n: int
    mean: float | None
    median: float | None
    p90: float | None
    within_goal: float | None


class BusinessStats(Stats):
    off_hours: int


class ReplyTimeStats(TypedDict):
    calendar: Stats
    business: BusinessStats


class FactLike(Protocol):
    @property
    def calendar_seconds(self) -> int: ...
    @property
    def business_seconds(self) -> int: ...
    @property
    def off_hours(self) -> bool: ...


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) of ascending values, as numpy.percentile's linear method."""
    if not sorted_values:
        raise ValueError("percentile of an empty set")
    rank = (len(sorted_values) - 1) * (q / 100)
    below = math.floor(rank)
    above = min(below + 1, len(sorted_values) - 1)
    return _lerp(float(sorted_values[below]), float(sorted_values[above]), rank - below)


def _lerp(a: float, b: float, t: float) -> float:
    # numpy's formula: from the nearer end, which keeps monotonicity in floating point.
    diff = b - a
    return b - diff * (1 - t) if t >= 0.5 else a + diff * t


def summarize(values: Iterable[int | float], goal: int | float) -> Stats:
    """n, mean, median, p90 and the share of values <= goal; an empty set gives n=0 and nulls."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return {"n": 0, "mean": None, "median": None, "p90": None, "within_goal": None}
    return {
        "n": n,
        # Seconds are integers, so the sum is exact and the mean is correctly rounded.
        "mean": sum(ordered) / n,
        "median": percentile(ordered, 50),
        "p90": percentile(ordered, 90),
        "within_goal": sum(1 for v in ordered if v <= goal) / n,
    }


def summarize_business(facts: Iterable[tuple[int, bool]], goal: int | float) -> BusinessStats:
    """Stats over business seconds of (business_seconds, off_hours) pairs, off-hours left out."""
    in_hours: list[int] = []
    off_hours = 0
    for seconds, off in facts:
        if off:
            off_hours += 1
        else:
            in_hours.append(seconds)
    stats = summarize(in_hours, goal)
    return {**stats, "off_hours": off_hours}


def reply_time_stats(facts: Iterable[FactLike], goal: int | float) -> ReplyTimeStats:
    """`{"calendar": STATS, "business": STATS + off_hours}` for a set of reply facts (cli.md)."""
    chosen = list(facts)
    return {
        "calendar": summarize((f.calendar_seconds for f in chosen), goal),
        "business": summarize_business(((f.business_seconds, f.off_hours) for f in chosen), goal),
    }
