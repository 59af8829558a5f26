"""Local days, working hours and business-time arithmetic for the demo generator.

Everything is precomputed per local day of the account zone, so the hot path is integer
arithmetic on UTC epochs: the epoch of each local midnight, the weekday, and whether the day is a
working day (Mon-Fri and not a public holiday).
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

import holidays

DAY = 86_400
HOUR = 3_600
# Returned when a time would fall past the calendar: callers treat it as "after the window".
FAR_FUTURE = 2**62

# Relative volume of mail people write, by local hour, on working days and on weekends.
WORKDAY_HOURS = (
    0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.6, 1.5, 4.0, 7.0, 8.0, 7.5,
    5.5, 6.0, 7.0, 6.5, 5.5, 4.0, 2.5, 1.8, 1.5, 1.2, 0.9, 0.5,
)  # fmt: skip
WEEKEND_HOURS = (
    0.5, 0.3, 0.2, 0.1, 0.1, 0.2, 0.4, 0.8, 1.5, 2.5, 3.0, 3.2,
    3.0, 3.0, 2.8, 2.6, 2.5, 2.4, 2.3, 2.4, 2.4, 2.0, 1.4, 0.8,
)  # fmt: skip
WORKDAY_CUM = tuple(accumulate(WORKDAY_HOURS))
WEEKEND_CUM = tuple(accumulate(WEEKEND_HOURS))


@dataclass(frozen=True, slots=True)
class Shift:
    """One person's working hours as seconds after local midnight; Fridays may end earlier."""

    start: int
    end: int
    friday_end: int

    def bounds(self, weekday: int) -> tuple[int, int]:
        """(start, end) seconds after midnight on a day with this weekday (Monday = 0)."""
        return self.start, (self.friday_end if weekday == 4 else self.end)


@dataclass(frozen=True, slots=True)
class Calendar:
    """Local days of one zone; `day_start` has one extra entry: the end of the last day."""

    dates: tuple[date, ...]
    day_start: tuple[int, ...]
    weekday: tuple[int, ...]
    holiday: tuple[bool, ...]
    workday: tuple[bool, ...]

    @property
    def days(self) -> int:
        return len(self.dates)

    def index(self, t: int) -> int:
        """Index of the local day holding t: -1 before the first day, `days` after the last."""
        return bisect_right(self.day_start, t) - 1

    def split(self, t: int) -> tuple[int, int]:
        """(day index, seconds since local midnight); callers check the index is in range."""
        i = bisect_right(self.day_start, t) - 1
        if 0 <= i < len(self.dates):
            return i, t - self.day_start[i]
        return i, 0


def build_calendar(zone: str, first: date, last: date, country: str | None) -> Calendar:
    """Local days `first`..`last` inclusive in `zone`, holidays from the `holidays` package."""
    tz = ZoneInfo(zone)
    count = (last - first).days + 1
    dates = [first + timedelta(days=i) for i in range(count + 1)]
    # Midnight exists in every zone we use; where it does not, zoneinfo's fold=0 rule applies.
    starts = [int(datetime(d.year, d.month, d.day, tzinfo=tz).timestamp()) for d in dates]
    off = holiday_dates(country, sorted({d.year for d in dates}))
    days = dates[:count]
    weekday = tuple(d.weekday() for d in days)
    holiday = tuple(d in off for d in days)
    workday = tuple(w < 5 and not h for w, h in zip(weekday, holiday, strict=True))
    return Calendar(tuple(days), tuple(starts), weekday, holiday, workday)


def local_date(zone: str, t: int) -> date:
    """The local date of epoch t in `zone`."""
    return datetime.fromtimestamp(t, ZoneInfo(zone)).date()


def holiday_dates(country: str | None, years: list[int]) -> set[date]:
    """Public holidays (including observed days) of a country, or none if it is unknown."""
    if not country:
        return set()
    try:
        return set(holidays.country_holidays(country, years=years).keys())
    except (NotImplementedError, KeyError):
        return set()


def add_business(cal: Calendar, shift: Shift, off: frozenset[int], t: int, seconds: int) -> int:
    """The time at which `seconds` of this person's working time have passed since t.

    Non-working days (weekends, holidays) and the person's own days off (`off`, day indices)
    contribute nothing. The result always lies inside a working interval.
    """
    i = cal.index(t)
    if i < 0:
        i, t = 0, cal.day_start[0]
    starts, work, weekday = cal.day_start, cal.workday, cal.weekday
    left = seconds
    days = len(cal.dates)
    while i < days:
        if work[i] and i not in off:
            lo, hi = shift.bounds(weekday[i])
            base = starts[i]
            cur = t if t > base + lo else base + lo
            end = base + hi
            if cur < end:
                if cur + left <= end:
                    return cur + left
                left -= end - cur
        i += 1
    return FAR_FUTURE


def in_shift(cal: Calendar, shift: Shift, off: frozenset[int], t: int) -> bool:
    """Whether t lies inside this person's working hours."""
    i, secs = cal.split(t)
    if not 0 <= i < cal.days or not cal.workday[i] or i in off:
        return False
    lo, hi = shift.bounds(cal.weekday[i])
    return lo <= secs < hi


def sample_second(rng: random.Random, cum: tuple[float, ...]) -> int:
    """A second of the day drawn from an hourly volume profile."""
    hour = bisect_right(cum, rng.random() * cum[-1])
    return min(hour, 23) * HOUR + int(rng.random() * HOUR)


def profile_share(cum: tuple[float, ...], lo: int, hi: int) -> float:
    """Share of a day's volume between seconds lo and hi after midnight (for partial days)."""

    def mass(s: int) -> float:
        h = min(max(s, 0), DAY) / HOUR
        whole = int(h)
        done = cum[whole - 1] if whole else 0.0
        part = (cum[whole] - done) * (h - whole) if whole < 24 else 0.0
        return done + part

    return max(0.0, mass(hi) - mass(lo)) / cum[-1]
