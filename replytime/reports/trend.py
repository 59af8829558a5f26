"""Trend: median and p90 reply time with volumes per local day or week of the account zone."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q

from replytime.reports.columnar import days_of, selection_of, sums_by, week
from replytime.reports.npstats import grouped_stats as np_grouped
from replytime.reports.queries import Context, activity, clock_filter, facts, value_columns
from replytime.reports.sqlstats import grouped_stats
from replytime.reports.zones import day_number, day_of, local_day, local_week, week_of, week_start

# Ranges longer than this are shown by week unless the filters ask for days.
_DAILY_MAX_DAYS = 62


def granularity(ctx: Context) -> str:
    if ctx.filters.group in ("day", "week"):
        return ctx.filters.group
    return "day" if ctx.days.days <= _DAILY_MAX_DAYS else "week"


def _buckets(ctx: Context, unit: str) -> list[tuple[int, date]]:
    """(bucket number, first day) of every day or week the range touches, in order."""
    first, last = ctx.days.first, ctx.days.last
    if unit == "day":
        return [
            (day_number(first + timedelta(days=i)), first + timedelta(days=i))
            for i in range(ctx.days.days)
        ]
    return [(w, week_start(w)) for w in range(week_of(first), week_of(last) + 1)]


def _from_columns(ctx: Context, unit: str) -> tuple[dict, dict]:
    """(stats, volumes) per bucket (local day or week number) from the day columns."""
    data = days_of(ctx, selection_of(ctx.target), ctx.days.first, ("facts", "volumes"))
    f = data.facts(business=ctx.business)
    if ctx.business:
        f = f.where(~f.off_hours)
    bucket = (lambda d: d) if unit == "day" else week
    stats = np_grouped(bucket(f.day), f.value, ctx.target.goal)
    v = data.volumes()
    sums = sums_by(bucket(v.day), v.received, v.sent)
    return stats, {k: {"received": r, "sent": s} for k, (r, s) in sums.items()}


def trend(ctx: Context) -> dict[str, Any]:
    """Rows {start, median, p90, n, received, sent} per bucket, empty buckets included."""
    unit = granularity(ctx)
    stats, volumes = _from_columns(ctx, unit) if ctx.columnar else _from_sql(ctx, unit)
    rows = []
    for number, start in _buckets(ctx, unit):
        s = stats.get(number)
        v = volumes.get(number, {})
        rows.append(
            {
                "start": start,
                "label": start.strftime("%d %b") if unit == "day" else f"w/c {start:%d %b}",
                "n": s["n"] if s else 0,
                "median": s["median"] if s else None,
                "p90": s["p90"] if s else None,
                "within_goal": s["within_goal"] if s else None,
                "received": v.get("received", 0),
                "sent": v.get("sent", 0),
            }
        )
    return {"unit": unit, "rows": rows}


def _from_sql(ctx: Context, unit: str) -> tuple[dict, dict]:
    """(stats, volumes) per bucket from the facts tables."""
    period = ctx.period
    assert period.start is not None and period.end is not None
    bucket_of = local_day if unit == "day" else local_week
    fact_bucket = bucket_of("start", ctx.zone, period.start, period.end)
    base = clock_filter(ctx, facts(ctx, period))
    sql, params = base.values(
        g=fact_bucket, **value_columns(ctx, ctx.target.goal)
    ).query.sql_with_params()
    stats = grouped_stats(sql, params)
    volume_rows = (
        activity(ctx, period)
        .values(g=bucket_of("time", ctx.zone, period.start, period.end))
        .annotate(
            received=Count("id", filter=Q(inbound=True)), sent=Count("id", filter=Q(outbound=True))
        )
    )
    return stats, {r["g"]: r for r in volume_rows}


__all__ = ["day_of", "granularity", "trend"]
