"""Spec §7 statistics of reply times, aggregated in the database, equal to stats.summarize.

Moving every fact of a year into Python to sort it is what makes a dashboard slow, so the
database does the work: one window query per figure set sorts the values once per group and
returns only n, the sum, the count within goal and the few values at the ranks the percentiles
interpolate between. `replytime.metrics.stats.percentile` then interpolates exactly as
`summarize` does, so every figure is bit-for-bit the one `summarize` gives on the same facts:
- mean: the integer sum divided by n (summarize sums the same integers exactly);
- median, p90: the values at floor(rank) and floor(rank) + 1, with rank = (n - 1) * q / 100,
  handed to `percentile` through a sparse sequence;
- within goal: the count of values <= goal divided by n.

The SQL (ROW_NUMBER and COUNT/SUM windows, integer division) runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, overload

from django.db import connection

from replytime.metrics.stats import BusinessStats, Stats, percentile

EMPTY: Stats = {"n": 0, "mean": None, "median": None, "p90": None, "within_goal": None}

# Positions (0-based) fetched per group: floor and floor + 1 of the ranks of p50 and p90.
# floor((n - 1) * 0.9) equals (n - 1) * 9 / 10 in integers: the float 0.9 is a hair above
# nine tenths, and a product that is exactly an integer stays that integer when rounded.
_POSITIONS = (
    "t.rn = (t.n - 1) / 2 OR t.rn = (t.n - 1) / 2 + 1"
    " OR t.rn = (t.n - 1) * 9 / 10 OR t.rn = (t.n - 1) * 9 / 10 + 1"
)


class _Sparse(Sequence[float]):
    """A sorted sequence of length n of which only the values `percentile` reads are known."""

    def __init__(self, n: int, values: dict[int, float]) -> None:
        self._n = n
        self._values = values

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, index: int) -> float: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[float]: ...
    def __getitem__(self, index: int | slice) -> float | Sequence[float]:
        if isinstance(index, slice):
            raise TypeError("a sparse sequence cannot be sliced")
        return self._values[index]


def _finish(n: int, total: int, within: int, values: dict[int, float]) -> Stats:
    seq = _Sparse(n, values)
    return {
        "n": n,
        "mean": int(total) / n,
        "median": percentile(seq, 50),
        "p90": percentile(seq, 90),
        "within_goal": int(within) / n,
    }


def _group_key() -> str:
    # Text groups (customer domains) sort by bytes on PostgreSQL: the database's linguistic
    # collation is several times slower and the order of groups does not matter here.
    return 'v.g COLLATE "C"' if connection.vendor == "postgresql" else "v.g"


def grouped_stats(sql: str, params: Sequence[Any], *, text: bool = False) -> dict[Hashable, Stats]:
    """Stats per group of a query selecting columns `g` (group), `x` (seconds), `ok` (0/1).

    `ok` says whether the value is within the goal (so each group may have its own goal).
    Groups without rows are absent from the result. `text` marks string groups.
    """
    g = _group_key() if text else "v.g"
    query = f"""
        SELECT t.g, t.rn, t.x, t.n, t.s, t.w FROM (
            SELECT v.g AS g, v.x AS x,
                ROW_NUMBER() OVER (PARTITION BY {g} ORDER BY v.x) - 1 AS rn,
                COUNT(*) OVER (PARTITION BY {g}) AS n,
                SUM(v.x) OVER (PARTITION BY {g}) AS s,
                SUM(v.ok) OVER (PARTITION BY {g}) AS w
            FROM ({sql}) v
        ) t
        WHERE {_POSITIONS}
    """
    parts: dict[Hashable, tuple[int, int, int, dict[int, float]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(query, list(params))
        for g, rn, x, n, s, w in cursor.fetchall():
            entry = parts.setdefault(g, (int(n), int(s), int(w), {}))
            entry[3][int(rn)] = x
    return {g: _finish(*entry) for g, entry in parts.items()}


def with_off_hours(stats: Stats | None, off_hours: int) -> BusinessStats:
    """Business stats (spec §7): the in-hours stats plus the number of off-hours facts."""
    return {**(stats or EMPTY), "off_hours": off_hours}
