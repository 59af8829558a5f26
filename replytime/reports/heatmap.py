"""When: inbound volume and median reply time by weekday and hour of the account zone.

Volume counts inbound records (Activity.inbound) by the local hour they arrived; reply time
groups facts by the local hour of their start (the customer's first waiting message).
"""

from __future__ import annotations

from typing import Any

from django.db.models import BigIntegerField, Count, ExpressionWrapper, Value
from django.db.models.expressions import Expression

from replytime.metrics.stats import Stats
from replytime.reports.columnar import days_of, selection_of, sums_by, weekday
from replytime.reports.npstats import grouped_stats as np_grouped
from replytime.reports.queries import Context, activity, clock_filter, facts, value_columns
from replytime.reports.sqlstats import grouped_stats
from replytime.reports.zones import DAY, div, local_seconds, mod

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _cell(column: str, ctx: Context) -> Expression:
    """weekday (Monday 0) * 24 + local hour; day 0 of the epoch was a Thursday (weekday 3)."""
    period = ctx.period
    assert period.start is not None and period.end is not None
    seconds = local_seconds(column, ctx.zone, period.start, period.end)
    weekday = mod(div(seconds, DAY) + Value(3), 7)
    hour = div(mod(seconds, DAY), 3600)
    return ExpressionWrapper(weekday * Value(24) + hour, output_field=BigIntegerField())


def _from_columns(ctx: Context) -> tuple[dict[int, int], dict[int, Stats]]:
    data = days_of(ctx, selection_of(ctx.target), ctx.days.first, ("facts", "hourly"))
    cells, counts = data.hourly()
    volume = {c: n for c, (n,) in sums_by(cells, counts).items()}
    f = data.facts(business=ctx.business)
    if ctx.business:
        f = f.where(~f.off_hours)
    cell = weekday(f.day) * 24 + f.hour
    stats = np_grouped(cell, f.value, ctx.target.goal)  # type: ignore[arg-type]
    return volume, stats  # type: ignore[return-value]


def _from_sql(ctx: Context) -> tuple[dict[int, int], dict[int, Stats]]:
    volume_rows = (
        activity(ctx, ctx.period)
        .filter(inbound=True)
        .values(c=_cell("time", ctx))
        .annotate(k=Count("id"))
    )
    volume = {int(r["c"]): r["k"] for r in volume_rows}
    base = clock_filter(ctx, facts(ctx, ctx.period))
    sql, params = base.values(
        g=_cell("start", ctx), **value_columns(ctx, ctx.target.goal)
    ).query.sql_with_params()
    stats = {int(g): s for g, s in grouped_stats(sql, params).items()}  # type: ignore[call-overload]
    return volume, stats


def heatmap(ctx: Context) -> dict[str, Any]:
    """7 x 24 grids: `volume` (inbound messages) and `median` (reply time, seconds or None)."""
    volume, stats = _from_columns(ctx) if ctx.columnar else _from_sql(ctx)
    grid = []
    for day in range(7):
        cells = []
        for hour in range(24):
            s = stats.get(day * 24 + hour)
            cells.append(
                {
                    "hour": hour,
                    "volume": volume.get(day * 24 + hour, 0),
                    "median": s["median"] if s else None,
                    "n": s["n"] if s else 0,
                }
            )
        grid.append({"day": WEEKDAYS[day], "cells": cells})
    return {
        "grid": grid,
        "max_volume": max(volume.values(), default=0),
        "max_median": max(
            (s["median"] for s in stats.values() if s["median"] is not None), default=0
        ),
    }
