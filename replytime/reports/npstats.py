"""Spec §7 statistics per group over numpy arrays, equal to stats.summarize bit for bit.

The day columns (replytime.reports.columnar) hand the dashboards a period's facts as arrays;
this sorts them once by (group, value) and reads, per group, n, the integer sum, the count
within the goal and the values at the ranks `metrics.stats.percentile` interpolates between,
exactly as `sqlstats.grouped_stats` does in SQL. The values reach `percentile` as Python ints,
so the interpolation and the mean are the very same floating-point operations.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from replytime.metrics.stats import Stats

Ints = npt.NDArray[np.int64]


def _sorted(groups: Ints, values: Ints) -> tuple[Ints, Ints]:
    """(groups, values) ordered by group, then value.

    Both fit one int64 key in practice (group codes are small, seconds below 2**40), and one
    sort of plain integers is several times faster than a two-key lexsort.
    """
    g0, x0 = int(groups.min()), int(values.min())
    bits = (int(values.max()) - x0).bit_length()
    if (int(groups.max()) - g0).bit_length() + bits <= 62:
        key = np.sort(((groups - g0) << bits) | (values - x0))
        return (key >> bits) + g0, (key & ((1 << bits) - 1)) + x0
    order = np.lexsort((values, groups))
    return groups[order], values[order]


def grouped_stats(
    groups: Ints,
    values: Ints,
    goal: int,
    labels: Sequence[Hashable] = (),
    goals: Mapping[int, int] | None = None,
) -> dict[Hashable, Stats]:
    """Stats per distinct value of `groups` (int64) of `values` (int64 seconds).

    A value is within the goal when <= `goal`, or <= `goals[group]` for the groups listed
    there. Groups are keyed by their int code, or by `labels[code]` when labels are given.
    Groups without values are absent.
    """
    if len(values) == 0:
        return {}
    g, x = _sorted(groups, values)
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    counts = np.diff(np.r_[starts, len(g)])
    codes = g[starts].tolist()
    limit = np.array([(goals or {}).get(c, goal) for c in codes], dtype=np.int64)
    within = np.add.reduceat((x <= np.repeat(limit, counts)).astype(np.int64), starts)
    sums = np.add.reduceat(x, starts)
    stats = zip(
        codes, counts.tolist(), sums.tolist(), within.tolist(),
        _percentiles(x, starts, counts, 50), _percentiles(x, starts, counts, 90), strict=True,
    )  # fmt: skip
    result: dict[Hashable, Stats] = {}
    for code, n, total, ok, median, p90 in stats:
        key = labels[code] if labels else code
        # int / int is correctly rounded, as summarize's sum(...) / n.
        result[key] = {"n": n, "mean": total / n, "median": median, "p90": p90,
                       "within_goal": ok / n}  # fmt: skip
    return result


def _percentiles(x: Ints, starts: Ints, counts: Ints, q: int) -> list[float]:
    """`metrics.stats.percentile(group, q)` of every sorted group, vectorised.

    The same IEEE operations in the same order: rank = (n - 1) * (q / 100), the values at
    floor(rank) and the next (capped), and numpy's lerp from the nearer end, so each result
    is bit for bit the scalar one (the values are integers below 2**53, exact as floats).
    """
    last = counts - 1
    rank = last.astype(np.float64) * (q / 100)
    below = np.floor(rank).astype(np.int64)
    above = np.minimum(below + 1, last)
    a = x[starts + below].astype(np.float64)
    b = x[starts + above].astype(np.float64)
    t = rank - below
    diff = b - a
    return np.where(t >= 0.5, b - diff * (1 - t), a + diff * t).tolist()
