"""Wall-clock days and hours of the account zone for epoch seconds, without a zone database
inside SQL: within any range a zone's UTC offset changes only at a few instants (DST changes),
found here once, then applied to whole arrays of times (numpy) or in SQL (reports.zones)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

DAY = 86_400


def _offset(zone: ZoneInfo, t: int) -> int:
    delta = datetime.fromtimestamp(t, UTC).astimezone(zone).utcoffset()
    return int(delta.total_seconds()) if delta else 0


def offset_segments(zone_name: str, start: int, end: int) -> list[tuple[int | None, int]]:
    """[(until, offset)] covering [start, end): offset applies to times < until (None: rest)."""
    zone = ZoneInfo(zone_name)
    segments: list[tuple[int | None, int]] = []
    current = _offset(zone, start)
    # Sample every 6 hours (no zone changes offset twice within that), then bisect each change.
    t = start
    while t < end:
        nxt = min(t + 6 * 3600, end)
        if _offset(zone, nxt) != current and nxt != end:
            lo, hi = t, nxt
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if _offset(zone, mid) == current else (lo, mid)
            segments.append((hi, current))
            current = _offset(zone, hi)
        t = nxt
    segments.append((None, current))
    return segments


def local_seconds(times: npt.NDArray[np.int64], zone_name: str) -> npt.NDArray[np.int64]:
    """Each epoch time shifted to wall-clock seconds of the zone (the SQL `local_seconds`)."""
    if len(times) == 0:
        return times.astype(np.int64)
    segments = offset_segments(zone_name, int(times.min()), int(times.max()) + 1)
    untils = np.array([u for u, _ in segments[:-1]], dtype=np.int64)
    offsets = np.array([o for _, o in segments], dtype=np.int64)
    return times + offsets[np.searchsorted(untils, times, side="right")]
