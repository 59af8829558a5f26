"""Dashboard filters read from (and written back to) the URL query string.

Every dashboard takes the same filters, so a view can be shared by copying its address:

    ?period=30d | 7d | 90d | this-month | last-month | this-quarter | 12m | custom
    &from=YYYY-MM-DD&to=YYYY-MM-DD    (custom range, both days included, account zone)
    &team=<team public id>  &mailbox=<mailbox public id>
    &clock=calendar | business
    &sort=<column>&dir=asc | desc     (tables)

Bad values fall back to the defaults instead of failing: a shared link must keep working
when a team is deleted or a date is mistyped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.http import QueryDict

from replytime.metrics.periods import Period, local_midnight

PRESETS: dict[str, str] = {
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "this-month": "This month",
    "last-month": "Last month",
    "this-quarter": "This quarter",
    "12m": "Last 12 months",
    "custom": "Custom range",
}
DEFAULT_PERIOD = "30d"
CLOCKS = ("calendar", "business")
# The longest custom range: enough for a few years of history, bounded so a query stays sane.
MAX_DAYS = 3 * 366


@dataclass(frozen=True, slots=True)
class DayRange:
    """Local days `first` .. `last` (both included) in the account zone."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> DayRange:
        """The range of equal length just before this one (the comparison period)."""
        return DayRange(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def period(self, zone: str) -> Period:
        """`[first 00:00, last + 1 day 00:00)` in the zone, as epoch seconds."""
        return Period(
            local_midnight(self.first, zone), local_midnight(self.last + timedelta(days=1), zone)
        )


@dataclass(frozen=True, slots=True)
class Filters:
    period: str = DEFAULT_PERIOD
    first: date | None = None
    last: date | None = None
    team: str = ""
    mailbox: str = ""
    clock: str = "calendar"
    sort: str = ""
    dir: str = "desc"
    # Trend buckets ("day" or "week"; empty: chosen by the range) and customer grouping.
    group: str = ""
    by: str = "domain"

    @property
    def business(self) -> bool:
        return self.clock == "business"

    def days(self, today: date) -> DayRange:
        """The local days the filters select, given today's date in the account zone."""
        if self.period == "custom" and self.first and self.last:
            return DayRange(self.first, self.last)
        return preset_range(self.period, today)

    def query(self, **changes: str) -> str:
        """The query string of these filters with `changes` applied (empty values dropped)."""
        values = {
            "period": self.period,
            "from": self.first.isoformat() if self.period == "custom" and self.first else "",
            "to": self.last.isoformat() if self.period == "custom" and self.last else "",
            "team": self.team,
            "mailbox": self.mailbox,
            "clock": self.clock if self.clock != "calendar" else "",
            "sort": self.sort,
            "dir": self.dir if self.sort else "",
            "group": self.group,
            "by": self.by if self.by != "domain" else "",
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v})

    def with_sort(self, column: str) -> Filters:
        """Sort by `column`; choosing the current column again flips the direction."""
        if self.sort == column:
            return replace(self, dir="asc" if self.dir == "desc" else "desc")
        return replace(self, sort=column, dir="desc")


def today_in(zone: str, now: datetime | None = None) -> date:
    return (now or datetime.now(ZoneInfo(zone))).astimezone(ZoneInfo(zone)).date()


def _month_start(day: date, back: int = 0) -> date:
    month = day.year * 12 + day.month - 1 - back
    return date(month // 12, month % 12 + 1, 1)


def preset_range(name: str, today: date) -> DayRange:
    """The days of a preset; unknown names give the default (last 30 days)."""
    if name == "7d":
        return DayRange(today - timedelta(days=6), today)
    if name == "90d":
        return DayRange(today - timedelta(days=89), today)
    if name == "this-month":
        return DayRange(_month_start(today), today)
    if name == "last-month":
        first = _month_start(today, 1)
        return DayRange(first, _month_start(today) - timedelta(days=1))
    if name == "this-quarter":
        quarter_start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        return DayRange(quarter_start, today)
    if name == "12m":
        return DayRange(today - timedelta(days=364), today)
    return DayRange(today - timedelta(days=29), today)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None


def parse_filters(params: QueryDict) -> Filters:
    """Filters from a request's GET parameters, with every bad value replaced by its default."""
    period = params.get("period", DEFAULT_PERIOD)
    period = period if period in PRESETS else DEFAULT_PERIOD
    first, last = _day(params.get("from")), _day(params.get("to"))
    if period == "custom":
        if not (first and last):
            period, first, last = DEFAULT_PERIOD, None, None
        else:
            first, last = min(first, last), max(first, last)
            first = max(first, last - timedelta(days=MAX_DAYS - 1))
    clock = params.get("clock", "calendar")
    direction = params.get("dir", "desc")
    return Filters(
        period=period,
        first=first if period == "custom" else None,
        last=last if period == "custom" else None,
        team=params.get("team", "")[:36],
        mailbox=params.get("mailbox", "")[:36],
        clock=clock if clock in CLOCKS else "calendar",
        sort=params.get("sort", "")[:40],
        dir=direction if direction in ("asc", "desc") else "desc",
        group=params.get("group", "") if params.get("group") in ("day", "week") else "",
        by="contact" if params.get("by") == "contact" else "domain",
    )
