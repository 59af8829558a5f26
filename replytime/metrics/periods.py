"""Report periods: dates in the account zone turned into UTC epoch bounds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Period:
    """`[start, end)` in epoch seconds; None on a side means unbounded."""

    start: int | None = None
    end: int | None = None

    def contains(self, t: int) -> bool:
        return (self.start is None or t >= self.start) and (self.end is None or t < self.end)


def local_midnight(day: date, zone: str) -> int:
    return int(datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).timestamp())


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date: use YYYY-MM-DD") from None


def period_of(first: date | None, last: date | None, zone: str) -> Period:
    """`--from` (inclusive) and `--to` (exclusive) dates in the account zone."""
    if first and last and last <= first:
        raise ValueError("--to must be later than --from")
    return Period(
        local_midnight(first, zone) if first else None,
        local_midnight(last, zone) if last else None,
    )
