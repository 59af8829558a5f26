"""Business time (spec §6): parsing, DST, holidays, split shifts, resolution, speed."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replytime.metrics.business import (
    Schedule,
    business_seconds,
    default_schedule,
    format_hours,
    make_schedule,
    parse_holiday_region,
    parse_hours,
    resolve_schedule,
    resolve_team_schedule,
)
from replytime.metrics.tests.builders import LONDON, local

NEW_YORK = "America/New_York"
HOUR = 3600


def test_parse_hours_simple_and_split() -> None:
    weekly = parse_hours("mon-thu 08:00-12:00 13:00-17:00, fri 08:00-12:00")
    assert weekly[0] == ((480, 720), (780, 1020))
    assert weekly[3] == weekly[0]
    assert weekly[4] == ((480, 720),)
    assert weekly[5] == weekly[6] == ()
    assert format_hours(weekly) == "mon-thu 08:00-12:00 13:00-17:00, fri 08:00-12:00"


def test_parse_hours_whole_day_wrap_and_names() -> None:
    weekly = parse_hours("Sat-Mon 00:00-24:00, Wednesday 9:30-10:00")
    assert weekly[5] == weekly[6] == weekly[0] == ((0, 1440),)
    assert weekly[2] == ((570, 600),)
    assert weekly[1] == weekly[3] == weekly[4] == ()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "no working hours"),
        ("mon-fri", "at least one interval"),
        ("mo-fr 09:00-17:00", "not a weekday"),
        ("mon 0900", "not an interval"),
        ("mon 9-17", "not a time"),
        ("mon 09:00-17", "not a time"),
        ("mon 17:00-09:00", "ends before it starts"),
        ("mon 09:00-25:00", "not a time of day"),
        ("mon 24:00-24:00", "not a time of day"),
        ("mon 09:60-10:00", "not a time of day"),
        ("mon 09:00-12:00 11:00-13:00", "overlap"),
        ("mon-fri 09:00-17:00, mon 12:00-13:00", "overlap"),
    ],
)
def test_parse_hours_errors(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_hours(spec)


def test_schedule_validation() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        Schedule("Mars/Olympus", parse_hours("mon 09:00-17:00"))
    with pytest.raises(ValueError, match="no public holidays"):
        make_schedule(LONDON, "mon 09:00-17:00", "XX")
    with pytest.raises(ValueError, match="GB-ZZZ"):
        make_schedule(LONDON, "mon 09:00-17:00", "GB-ZZZ")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        make_schedule(LONDON, "mon 09:00-17:00", holiday_dates=["3 March"])
    assert parse_holiday_region("gb-sct") == ("GB", "SCT")


def bs(schedule: Schedule, start: int, end: int) -> tuple[int, bool]:
    return business_seconds(schedule, start, end)


LONDON_9_5 = make_schedule(LONDON, "mon-fri 09:00-17:00")
NY_9_5 = make_schedule(NEW_YORK, "mon-fri 09:00-17:00")


@pytest.mark.parametrize(
    ("zone", "friday", "monday"),
    [
        # Europe/London: clocks go forward on Sun 2026-03-29, back on Sun 2026-10-25.
        (LONDON, date(2026, 3, 27), date(2026, 3, 30)),
        (LONDON, date(2026, 10, 23), date(2026, 10, 26)),
        # America/New_York: forward on Sun 2026-03-08, back on Sun 2026-11-01.
        (NEW_YORK, date(2026, 3, 6), date(2026, 3, 9)),
        (NEW_YORK, date(2026, 10, 30), date(2026, 11, 2)),
    ],
)
def test_weekend_with_a_clock_change(zone: str, friday: date, monday: date) -> None:
    schedule = make_schedule(zone, "mon-fri 09:00-17:00")
    start = local(friday.year, friday.month, friday.day, 16, 0, zone)
    end = local(monday.year, monday.month, monday.day, 10, 0, zone)
    assert bs(schedule, start, end) == (2 * HOUR, False)
    forward = friday.month == 3
    assert end - start == 66 * HOUR + (-HOUR if forward else HOUR)


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        (LONDON, date(2026, 3, 29), 23),
        (LONDON, date(2026, 10, 25), 25),
        (NEW_YORK, date(2026, 3, 8), 23),
        (NEW_YORK, date(2026, 11, 1), 25),
        (LONDON, date(2026, 3, 22), 24),
    ],
)
def test_whole_day_on_clock_change_days(zone: str, day: date, hours: int) -> None:
    schedule = make_schedule(zone, "mon-sun 00:00-24:00")
    start = local(day.year, day.month, day.day, 0, 0, zone)
    following = day + timedelta(days=1)
    end = local(following.year, following.month, following.day, 0, 0, zone)
    assert bs(schedule, start - 7200, end + 7200) == (hours * HOUR + 4 * HOUR, False)


@pytest.mark.parametrize(
    ("spec", "day", "expected"),
    [
        # 01:00 EST to 04:00 EDT on spring-forward day: two real hours.
        ("sun 01:00-04:00", date(2026, 3, 8), 2 * HOUR),
        # 02:30 does not exist: it moves forward by the gap to 03:30 EDT.
        ("sun 02:30-04:00", date(2026, 3, 8), HOUR // 2),
        # 00:00 EDT to 03:00 EST on fall-back day: four real hours.
        ("sun 00:00-03:00", date(2026, 11, 1), 4 * HOUR),
        # 01:30 is ambiguous: fold=0 takes the first (EDT) one.
        ("sun 01:30-02:00", date(2026, 11, 1), 3 * HOUR // 2),
    ],
)
def test_gap_and_ambiguous_local_times(spec: str, day: date, expected: int) -> None:
    schedule = make_schedule(NEW_YORK, spec)
    start = local(day.year, day.month, day.day, 0, 0, NEW_YORK) - HOUR
    assert bs(schedule, start, start + 10 * HOUR) == (expected, False)


def test_split_shift() -> None:
    schedule = make_schedule(LONDON, "mon-thu 08:00-12:00 13:00-17:00, fri 08:00-12:00")
    # Mon 2026-03-02 11:00 to 14:00: 11-12 and 13-14.
    assert bs(schedule, local(2026, 3, 2, 11), local(2026, 3, 2, 14)) == (2 * HOUR, False)
    # Lunch only: off-hours.
    assert bs(schedule, local(2026, 3, 2, 12, 5), local(2026, 3, 2, 12, 55)) == (0, True)
    # Fri 11:00 to Mon 09:00: 1 h on Friday, 1 h on Monday.
    assert bs(schedule, local(2026, 3, 6, 11), local(2026, 3, 9, 9)) == (2 * HOUR, False)


def test_whole_days_and_boundaries() -> None:
    schedule = make_schedule(LONDON, "sat-sun 00:00-24:00")
    sat, mon = local(2026, 3, 7), local(2026, 3, 9)
    assert bs(schedule, sat, mon) == (48 * HOUR, False)
    assert bs(schedule, mon, mon + HOUR) == (0, True)
    # A zero-length span is off-hours only outside working time.
    assert bs(LONDON_9_5, local(2026, 3, 2, 10), local(2026, 3, 2, 10)) == (0, False)
    assert bs(LONDON_9_5, local(2026, 3, 2, 18), local(2026, 3, 2, 18)) == (0, True)
    # Working time is half-open: 17:00 itself is no longer working.
    assert bs(LONDON_9_5, local(2026, 3, 2, 17), local(2026, 3, 2, 18)) == (0, True)
    with pytest.raises(ValueError):
        bs(LONDON_9_5, 10, 5)


def test_country_and_subdivision_holidays() -> None:
    england = make_schedule(LONDON, "mon-fri 09:00-17:00", "GB-ENG")
    scotland = make_schedule(LONDON, "mon-fri 09:00-17:00", "GB-SCT")
    easter_monday = (local(2026, 4, 6, 9), local(2026, 4, 6, 17))
    assert bs(england, *easter_monday) == (0, True)
    assert bs(scotland, *easter_monday) == (8 * HOUR, False)
    new_year_holiday = (local(2026, 1, 2, 9), local(2026, 1, 2, 17))
    assert bs(scotland, *new_year_holiday) == (0, True)
    assert bs(england, *new_year_holiday) == (8 * HOUR, False)


def test_observed_holidays() -> None:
    # Boxing Day 2026 is a Saturday; England observes it on Monday 28 December.
    england = make_schedule(LONDON, "mon-fri 09:00-17:00", "GB-ENG")
    assert bs(england, local(2026, 12, 28, 9), local(2026, 12, 28, 17)) == (0, True)
    # Independence Day 2026 is a Saturday; the US observes it on Friday 3 July.
    us = make_schedule(NEW_YORK, "mon-fri 09:00-17:00", "US")
    friday = (local(2026, 7, 3, 9, 0, NEW_YORK), local(2026, 7, 3, 17, 0, NEW_YORK))
    assert bs(us, *friday) == (0, True)


def test_explicit_holiday_dates() -> None:
    schedule = make_schedule(LONDON, "mon-fri 09:00-17:00", holiday_dates=["2026-03-03"])
    # Mon 16:00 to Wed 10:00 skips Tuesday: 1 h + 1 h.
    assert bs(schedule, local(2026, 3, 2, 16), local(2026, 3, 4, 10)) == (2 * HOUR, False)


def test_resolution_order() -> None:
    mine = make_schedule(LONDON, "mon 09:00-10:00")
    alpha = make_schedule(LONDON, "tue 09:00-10:00")
    beta = make_schedule(LONDON, "wed 09:00-10:00")
    account = make_schedule(LONDON, "thu 09:00-10:00")
    teams = [("beta", beta), ("alpha", alpha), ("aardvark", None)]
    assert resolve_schedule(mine, teams, account, "UTC") is mine
    assert resolve_schedule(None, teams, account, "UTC") is alpha
    assert resolve_schedule(None, [("x", None)], account, "UTC") is account
    assert resolve_schedule(None, [], None, NEW_YORK) == default_schedule(NEW_YORK)
    assert default_schedule(NEW_YORK) == NY_9_5
    assert resolve_team_schedule(beta, account, "UTC") is beta
    assert resolve_team_schedule(None, account, "UTC") is account


def test_a_reply_spanning_months_is_fast_and_right() -> None:
    start, end = local(2025, 1, 6, 9), local(2026, 1, 5, 9)  # Monday to Monday, 52 weeks
    began = time.perf_counter()
    for _ in range(2000):
        seconds, _ = bs(LONDON_9_5, start, end)
    assert time.perf_counter() - began < 1.0
    assert seconds == 52 * 5 * 8 * HOUR


def brute_force(schedule: Schedule, start: int, end: int) -> int:
    """A slow reference: every local date's intervals, intersected with [start, end]."""
    zone = ZoneInfo(schedule.timezone)
    day = datetime.fromtimestamp(start, zone).date() - timedelta(days=1)
    total = 0
    while day <= datetime.fromtimestamp(end, zone).date():
        if day not in schedule.holiday_dates:
            for a, b in schedule.weekly[day.weekday()]:
                midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
                s = int((midnight + timedelta(minutes=a)).timestamp())
                e = int((midnight + timedelta(minutes=b)).timestamp())
                total += max(0, min(e, end) - max(s, start))
        day += timedelta(days=1)
    return total


PROPERTY_SCHEDULES = [
    make_schedule(LONDON, "mon-fri 09:00-17:00", holiday_dates=["2026-03-30"]),
    make_schedule(NEW_YORK, "mon-thu 08:00-12:00 13:00-17:00, fri 08:00-12:00"),
    make_schedule(NEW_YORK, "sun 00:00-03:00 23:00-24:00, sat 01:30-02:30"),
    make_schedule("Australia/Lord_Howe", "mon-sun 00:00-24:00"),
]


@settings(max_examples=300, deadline=None)
@given(
    schedule=st.sampled_from(PROPERTY_SCHEDULES),
    start=st.integers(local(2026, 2, 20), local(2026, 12, 10)),
    length=st.integers(0, 40 * 86400),
)
def test_business_seconds_matches_brute_force(schedule: Schedule, start: int, length: int) -> None:
    seconds, off_hours = bs(schedule, start, start + length)
    assert seconds == brute_force(schedule, start, start + length)
    if seconds:
        assert not off_hours
