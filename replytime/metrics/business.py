"""Business time (spec §6): schedules, the `--hours` syntax and `business_seconds`.

A schedule's local working intervals are turned into UTC instants per local date with zoneinfo
(an ambiguous local time takes fold=0; a non-existent one moves forward by the gap, which is what
fold=0 gives for a gap). Per-date intervals and running per-date totals are cached, so a reply
that spans months costs two partial days plus one subtraction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_MINUTES = 1440

# (start, end) in local minutes after midnight, 0 <= start < end <= 1440.
Interval = tuple[int, int]
# Seven entries, Monday first; each the sorted, non-overlapping intervals of that weekday.
Weekly = tuple[tuple[Interval, ...], ...]

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


@dataclass(frozen=True, slots=True)
class Schedule:
    """Working hours in an IANA zone, with holidays (spec §6). Hashable, so caches key on it."""

    timezone: str
    weekly: Weekly
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    holiday_dates: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        zone_of(self.timezone)
        _check_weekly(self.weekly)
        if self.holiday_country:
            _holiday_table(self.holiday_country, self.holiday_subdivision)
        elif self.holiday_subdivision:
            raise ValueError("a holiday subdivision needs a holiday country")


def zone_of(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name, with a clear ValueError for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {name!r}: use an IANA name such as Europe/London"
        ) from exc


def _check_weekly(weekly: Weekly) -> None:
    if len(weekly) != 7:
        raise ValueError("a weekly schedule needs seven days, Monday first")
    for day, intervals in zip(WEEKDAYS, weekly, strict=True):
        previous_end = 0
        for start, end in intervals:
            if not 0 <= start < end <= DAY_MINUTES:
                raise ValueError(f"{day}: {_hhmm(start)}-{_hhmm(end)} is not a valid interval")
            if start < previous_end:
                raise ValueError(f"{day}: intervals overlap or are not in order")
            previous_end = end


def _holiday_table(country: str, subdivision: str | None) -> holidays.HolidayBase:
    try:
        return holidays.country_holidays(country.upper(), subdiv=subdivision or None)
    except NotImplementedError as exc:
        raise ValueError(
            f"no public holidays are known for {country}"
            + (f"-{subdivision}" if subdivision else "")
            + ": use an ISO country code such as GB, optionally with a subdivision as in GB-SCT"
        ) from exc


# ---------------------------------------------------------------- the --hours syntax


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _parse_day(name: str) -> int:
    lowered = name.lower()
    for names in (WEEKDAYS, FULL_WEEKDAYS):
        if lowered in names:
            return names.index(lowered)
    raise ValueError(f"{name!r} is not a weekday: use mon, tue, wed, thu, fri, sat or sun")


def _parse_days(text: str) -> list[int]:
    """`mon` or a range `mon-fri`; a range may wrap round the week (`fri-mon`)."""
    if "-" not in text:
        return [_parse_day(text)]
    first, _, last = text.partition("-")
    start, stop = _parse_day(first), _parse_day(last)
    return [(start + k) % 7 for k in range((stop - start) % 7 + 1)]


def _parse_time(text: str, *, end: bool) -> int:
    match = _TIME.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a time: use HH:MM, such as 09:00")
    hours, minutes = int(match.group(1)), int(match.group(2))
    value = hours * 60 + minutes
    if minutes > 59 or value > DAY_MINUTES or (value == DAY_MINUTES and not end):
        raise ValueError(f"{text!r} is not a time of day (00:00 to 24:00; 24:00 only as an end)")
    return value


def _parse_interval(text: str) -> Interval:
    start_text, dash, end_text = text.partition("-")
    if not dash:
        raise ValueError(f"{text!r} is not an interval: use HH:MM-HH:MM, such as 09:00-17:00")
    start, end = _parse_time(start_text, end=False), _parse_time(end_text, end=True)
    if end <= start:
        raise ValueError(f"{text!r} ends before it starts")
    return start, end


def _parse_group(group: str) -> tuple[list[int], list[Interval]]:
    tokens = group.split()
    if len(tokens) < 2:
        raise ValueError(
            f"{group.strip()!r} needs days and at least one interval: mon-fri 09:00-17:00"
        )
    return _parse_days(tokens[0]), [_parse_interval(t) for t in tokens[1:]]


def parse_hours(spec: str) -> Weekly:
    """Parse `mon-fri 09:00-17:00` or `mon-thu 08:00-12:00 13:00-17:00, fri 08:00-12:00`.

    Groups are comma-separated; days not named have no working time. Raises ValueError with a
    message that says what to write instead.
    """
    if not spec.strip():
        raise ValueError("no working hours given: use e.g. 'mon-fri 09:00-17:00'")
    days: list[list[Interval]] = [[] for _ in WEEKDAYS]
    for group in spec.split(","):
        weekdays, intervals = _parse_group(group)
        for day in weekdays:
            days[day].extend(intervals)
    weekly = tuple(tuple(sorted(d)) for d in days)
    _check_weekly(weekly)
    return weekly


def format_hours(weekly: Weekly) -> str:
    """The `--hours` text for a weekly schedule (consecutive equal days become ranges)."""
    groups: list[str] = []
    day = 0
    while day < 7:
        last = day
        while last + 1 < 7 and weekly[last + 1] == weekly[day]:
            last += 1
        if weekly[day]:
            days = WEEKDAYS[day] if last == day else f"{WEEKDAYS[day]}-{WEEKDAYS[last]}"
            times = " ".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in weekly[day])
            groups.append(f"{days} {times}")
        day = last + 1
    return ", ".join(groups)


def parse_holiday_region(text: str) -> tuple[str, str | None]:
    """`GB` -> ("GB", None); `GB-SCT` -> ("GB", "SCT")."""
    country, _, subdivision = text.strip().partition("-")
    if not country:
        raise ValueError(f"{text!r} is not a holiday region: use GB or GB-SCT")
    return country.upper(), (subdivision.upper() or None)


def make_schedule(
    timezone: str,
    hours: str,
    holiday_region: str | None = None,
    holiday_dates: Iterable[date | str] = (),
) -> Schedule:
    """A schedule from the CLI's text values (`--timezone`, `--hours`, `--holidays`, `--holiday`)."""
    country, subdivision = parse_holiday_region(holiday_region) if holiday_region else (None, None)
    dates = frozenset(d if isinstance(d, date) else _parse_date(d) for d in holiday_dates)
    return Schedule(timezone, parse_hours(hours), country, subdivision, dates)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a date: use YYYY-MM-DD") from exc


DEFAULT_WEEKLY: Weekly = parse_hours("mon-fri 09:00-17:00")


def default_schedule(account_timezone: str) -> Schedule:
    """Mon-Fri 09:00-17:00 in the account zone, no holidays (spec §6)."""
    return Schedule(account_timezone, DEFAULT_WEEKLY)


def resolve_schedule(
    mailbox: Schedule | None,
    teams: Sequence[tuple[str, Schedule | None]],
    account: Schedule | None,
    account_timezone: str,
) -> Schedule:
    """A mailbox's schedule: its own, else its teams' in name order, else the account's."""
    if mailbox is not None:
        return mailbox
    for _, schedule in sorted(teams, key=lambda t: t[0]):
        if schedule is not None:
            return schedule
    return account if account is not None else default_schedule(account_timezone)


def resolve_team_schedule(
    team: Schedule | None, account: Schedule | None, account_timezone: str
) -> Schedule:
    """A team's schedule: its own, else the account's, else the default."""
    return resolve_schedule(team, (), account, account_timezone)


# ---------------------------------------------------------------- business seconds


class BusinessClock:
    """A schedule's working intervals per local date, as UTC epoch seconds, with caches.

    Per-date intervals are computed once; `cumulative` keeps running totals per local date, so
    the working time of any run of whole days is one subtraction.
    """

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule
        self.zone = zone_of(schedule.timezone)
        self.table = (
            _holiday_table(schedule.holiday_country, schedule.holiday_subdivision)
            if schedule.holiday_country
            else None
        )
        self.days: dict[int, tuple[Interval, ...]] = {}
        self.totals: dict[int, int] = {}
        self.low = self.high = 0

    def local_ordinal(self, instant: int) -> int:
        return datetime.fromtimestamp(instant, self.zone).toordinal()

    def is_holiday(self, day: date) -> bool:
        if day in self.schedule.holiday_dates:
            return True
        return self.table is not None and day in self.table

    def utc(self, day: date, minutes: int) -> int:
        # Aware + timedelta is wall-clock arithmetic with fold=0, so 24:00 becomes the next
        # midnight and ambiguous or non-existent local times resolve as spec §6 requires.
        local = datetime(day.year, day.month, day.day, tzinfo=self.zone) + timedelta(
            minutes=minutes
        )
        return int(local.timestamp())

    def intervals(self, ordinal: int) -> tuple[Interval, ...]:
        """The working intervals (UTC, half-open) of one local date."""
        cached = self.days.get(ordinal)
        if cached is None:
            cached = self.days[ordinal] = self._compute(ordinal)
        return cached

    def _compute(self, ordinal: int) -> tuple[Interval, ...]:
        day = date.fromordinal(ordinal)
        if self.is_holiday(day):
            return ()
        pairs = (
            (self.utc(day, a), self.utc(day, b)) for a, b in self.schedule.weekly[day.weekday()]
        )
        return tuple((s, e) for s, e in pairs if e > s)

    def cumulative(self, ordinal: int) -> int:
        """Working seconds of the local dates from an arbitrary origin up to `ordinal` (excl.)."""
        totals = self.totals
        if not totals:
            totals[ordinal] = 0
            self.low = self.high = ordinal
        while self.high < ordinal:
            totals[self.high + 1] = totals[self.high] + self.day_total(self.high)
            self.high += 1
        while self.low > ordinal:
            totals[self.low - 1] = totals[self.low] - self.day_total(self.low - 1)
            self.low -= 1
        return totals[ordinal]

    def day_total(self, ordinal: int) -> int:
        return sum(e - s for s, e in self.intervals(ordinal))

    def overlap(self, ordinal: int, start: int, end: int) -> int:
        total = 0
        for s, e in self.intervals(ordinal):
            low, high = max(s, start), min(e, end)
            if high > low:
                total += high - low
        return total

    def working_at(self, instant: int) -> bool:
        return any(s <= instant < e for s, e in self.intervals(self.local_ordinal(instant)))

    def seconds(self, start: int, end: int) -> tuple[int, bool]:
        """Working seconds in [start, end] and whether the span is off-hours (spec §6).

        Off-hours means no working time lies in the span; a zero-length span at a working
        instant is not off-hours. Raises ValueError when `end` is before `start`.
        """
        if end < start:
            raise ValueError("business_seconds: end is before start")
        first, last = self.local_ordinal(start), self.local_ordinal(end)
        if first == last:
            seconds = self.overlap(first, start, end)
        else:
            middle = self.cumulative(last) - self.cumulative(first + 1)
            seconds = self.overlap(first, start, end) + middle + self.overlap(last, start, end)
        off_hours = seconds == 0 and not (start == end and self.working_at(start))
        return seconds, off_hours


@lru_cache(maxsize=256)
def clock_for(schedule: Schedule) -> BusinessClock:
    """The (cached) clock of a schedule; hold on to it when computing many facts."""
    return BusinessClock(schedule)


def business_seconds(schedule: Schedule, start: int, end: int) -> tuple[int, bool]:
    """Working seconds in [start, end] and whether it is off-hours; see `BusinessClock.seconds`."""
    return clock_for(schedule).seconds(start, end)
