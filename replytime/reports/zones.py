"""Local days, weeks and hours of the account zone, computed inside the database.

SQLite has no time zones, so bucketing uses arithmetic both databases share: within a report
range a zone's UTC offset changes only at a few known instants (DST changes), so

    local seconds = t + CASE WHEN t < change1 THEN offset0 WHEN t < change2 THEN offset1 ... END

and a local day number is local seconds // 86400 (times are positive epochs, so integer
division is floor division on both databases). Day 0 (1970-01-01) was a Thursday.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import BigIntegerField, Case, ExpressionWrapper, F, Value, When
from django.db.models.expressions import CombinedExpression, Expression

from replytime.metrics.localtime import DAY, offset_segments

_EPOCH = date(1970, 1, 1)


def local_seconds(column: str, zone_name: str, start: int, end: int) -> Expression:
    """`column` (epoch seconds) shifted to wall-clock seconds of the zone, as an expression."""
    segments = offset_segments(zone_name, start, end)
    if len(segments) == 1:
        offset: Expression = Value(segments[0][1])
    else:
        whens = [When(**{f"{column}__lt": until}, then=Value(off)) for until, off in segments[:-1]]
        offset = Case(*whens, default=Value(segments[-1][1]), output_field=BigIntegerField())
    return ExpressionWrapper(F(column) + offset, output_field=BigIntegerField())


def div(expr: Expression, by: int) -> Expression:
    """Integer division (floor for the positive values used here) on both databases."""
    return ExpressionWrapper(
        CombinedExpression(expr, "/", Value(by)), output_field=BigIntegerField()
    )


def mod(expr: Expression, by: int) -> Expression:
    """`expr` modulo `by` in integers (SQLite's MOD returns a float, so not MOD)."""
    return ExpressionWrapper(expr - div(expr, by) * Value(by), output_field=BigIntegerField())


def local_day(column: str, zone: str, start: int, end: int) -> Expression:
    return div(local_seconds(column, zone, start, end), DAY)


def local_week(column: str, zone: str, start: int, end: int) -> Expression:
    """Monday-based week number: day 4 (1970-01-05) was the first Monday."""
    day = local_seconds(column, zone, start, end)
    return div(ExpressionWrapper(day + Value(3 * DAY), output_field=BigIntegerField()), 7 * DAY)


def day_of(number: int) -> date:
    return _EPOCH + timedelta(days=number)


def week_start(number: int) -> date:
    """The Monday of a week number from `local_week`."""
    return _EPOCH + timedelta(days=number * 7 - 3)


def week_of(day: date) -> int:
    return ((day - _EPOCH).days + 3) // 7


def day_number(day: date) -> int:
    return (day - _EPOCH).days
