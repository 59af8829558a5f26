"""Overview: the headline figures of one scope and period, each against the previous period.

Reply time and first reply time (n, mean, median, p90, share within goal) in the chosen clock,
open unanswered items and the age of the oldest, and received / sent / replied volumes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.db.models import Case, Count, IntegerField, Min, Q, Sum, Value, When

from replytime.metrics.models import Scope
from replytime.metrics.periods import Period
from replytime.metrics.stats import Stats
from replytime.reports.columnar import Days, days_of, selection_of, sums_by
from replytime.reports.npstats import grouped_stats as np_grouped
from replytime.reports.queries import (
    Context,
    activity,
    clock_filter,
    facts,
    open_items,
    value_columns,
)
from replytime.reports.sqlstats import EMPTY, grouped_stats, with_off_hours
from replytime.reports.zones import day_number

CURRENT, PREVIOUS = 0, 2
FIRST = 1  # added to the period code for the first-reply set


def _both(ctx: Context) -> Period:
    return Period(ctx.previous.start, ctx.period.end)


def _period_code(ctx: Context) -> Case:
    return Case(
        When(start__gte=ctx.period.start, then=Value(CURRENT)),
        default=Value(PREVIOUS),
        output_field=IntegerField(),
    )


OFF_HOURS = 4  # added to the code of a set for its off-hours facts (business clock only)


def _stacked(ctx: Context) -> dict[int, Stats]:
    """Stats keyed CURRENT / PREVIOUS (+ FIRST for first replies; + OFF_HOURS for the
    off-hours facts of the business clock, of which only n is used)."""
    return _stacked_columns(ctx) if ctx.columnar else _stacked_sql(ctx)


def _data(ctx: Context) -> Days:
    """The day columns of both periods: facts, volumes and unanswered items, one query."""
    fields = ("facts", "volumes", "items")
    return days_of(ctx, selection_of(ctx.target), ctx.days.previous().first, fields)


def _stacked_columns(ctx: Context) -> dict[int, Stats]:
    f = _data(ctx).facts(business=ctx.business)
    code = np.where(f.day >= day_number(ctx.days.first), CURRENT, PREVIOUS)
    groups, chosen = [], []
    for subset, extra in ((np.ones(len(code), dtype=bool), 0), (f.first, FIRST)):
        if ctx.business:
            groups += [code + extra, code + extra + OFF_HOURS]
            chosen += [subset & ~f.off_hours, subset & f.off_hours]
        else:
            groups.append(code + extra)
            chosen.append(subset)
    return np_grouped(  # type: ignore[return-value]
        np.concatenate([g[m] for g, m in zip(groups, chosen, strict=True)]),
        np.concatenate([f.value[m] for m in chosen]),
        ctx.target.goal,
    )


def _stacked_sql(ctx: Context) -> dict[int, Stats]:
    """_stacked from the facts tables, in one window query.

    All facts and the first-reply facts are stacked with UNION ALL under distinct group codes,
    so the database sorts each set once, in one statement. With the business clock the
    off-hours facts ride along under OFF_HOURS codes: only their count (n) is used.
    """
    both = facts(ctx, _both(ctx))
    columns = value_columns(ctx, ctx.target.goal)
    code = _period_code(ctx)
    parts = [
        clock_filter(ctx, both).values(g=code, **columns),
        clock_filter(ctx, both.filter(first_reply=True)).values(g=code + Value(FIRST), **columns),
    ]
    if ctx.business:
        off = both.filter(off_hours=True)
        parts.append(off.values(g=code + Value(OFF_HOURS), **columns))
        parts.append(
            off.filter(first_reply=True).values(g=code + Value(OFF_HOURS + FIRST), **columns)
        )
    sql, params = parts[0].union(*parts[1:], all=True).query.sql_with_params()
    return grouped_stats(sql, params)  # type: ignore[return-value]


def reply_stats(ctx: Context) -> dict[int, Stats]:
    """Stats of the chosen clock keyed CURRENT / PREVIOUS (+ FIRST)."""
    return {k: v for k, v in _stacked(ctx).items() if k < OFF_HOURS}  # type: ignore[operator]


def _off_hours(stats: dict[int, Stats], code: int) -> int:
    return stats[code + OFF_HOURS]["n"] if code + OFF_HOURS in stats else 0


def _volumes(ctx: Context) -> dict[int, dict[str, int]]:
    """Received, eligible and sent keyed CURRENT / PREVIOUS."""
    if not ctx.columnar:
        return _volumes_sql(ctx)
    v = _data(ctx).volumes()
    code = np.where(v.day >= day_number(ctx.days.first), CURRENT, PREVIOUS)
    sums = sums_by(code, v.received, v.eligible, v.sent)
    return {c: dict(zip(("received", "eligible", "sent"), s, strict=True)) for c, s in sums.items()}


def _volumes_sql(ctx: Context) -> dict[int, dict[str, int]]:
    q = activity(ctx, _both(ctx)).values(
        g=Case(
            When(time__gte=ctx.period.start, then=Value(CURRENT)),
            default=Value(PREVIOUS),
            output_field=IntegerField(),
        )
    )
    rows = q.annotate(
        received=Count("id", filter=Q(inbound=True)),
        eligible=Count("id", filter=Q(eligible=True)),
        sent=Count("id", filter=Q(outbound=True)),
    )
    return {r["g"]: r for r in rows}


def unanswered(ctx: Context) -> dict[str, Any]:
    """Open unanswered messages of both periods, and the current oldest (start, its scope)."""
    if ctx.columnar and ctx.closed_ids is not None:
        return _unanswered_columns(ctx, ctx.closed_ids)
    return _unanswered_sql(ctx)


def _unanswered_columns(ctx: Context, closed: list[int]) -> dict[str, Any]:
    sel = selection_of(ctx.target)
    items = _data(ctx).items(closed)
    current = items.day >= day_number(ctx.days.first)
    result: dict[str, Any] = {
        "count": int(items.count[current].sum()),
        "previous": int(items.count[~current].sum()),
        "oldest": None,
    }
    if current.any():
        # The earliest start; among equal starts, the lowest mailbox or team id.
        i = np.lexsort((items.owner[current], items.start[current]))[0]
        oldest, owner = int(items.start[current][i]), int(items.owner[current][i])
        scope = {
            "scope": sel.scope,
            "mailbox_id": owner if sel.scope == Scope.MAILBOX else None,
            "team_id": owner if sel.scope == Scope.TEAM else None,
        }
        result["oldest"] = (oldest, scope)
    return result


def _unanswered_sql(ctx: Context) -> dict[str, Any]:
    rows = (
        open_items(ctx, _both(ctx))
        .values(g=_period_code(ctx))
        .annotate(total=Sum("count"), oldest=Min("start"))
    )
    by_code = {r["g"]: r for r in rows}
    current = by_code.get(CURRENT, {})
    result: dict[str, Any] = {
        "count": current.get("total") or 0,
        "previous": by_code.get(PREVIOUS, {}).get("total") or 0,
        "oldest": None,
    }
    oldest = current.get("oldest")
    if oldest is not None:
        item = (
            open_items(ctx, ctx.period)
            .filter(start=oldest)
            .values("scope", "mailbox_id", "team_id")
            .first()
        )
        result["oldest"] = (oldest, item)
    return result


def _change(now: float | None, before: float | None) -> float | None:
    """Relative change (0.25 = +25 %); None when either side is missing or before is 0."""
    if now is None or before is None or before == 0:
        return None
    return (now - before) / before


def _figure(now: float | None, before: float | None) -> dict[str, Any]:
    return {"value": now, "previous": before, "change": _change(now, before)}


def overview(ctx: Context) -> dict[str, Any]:
    """The Overview figures; each is {value, previous, change}."""
    stacked = _stacked(ctx)
    volumes = _volumes(ctx)
    waiting = unanswered(ctx)
    sets: dict[str, Any] = {}
    for name, extra in (("reply_time", 0), ("first_reply_time", FIRST)):
        cur = stacked.get(CURRENT + extra, EMPTY)
        prev = stacked.get(PREVIOUS + extra, EMPTY)
        keys = ("n", "mean", "median", "p90", "within_goal")
        sets[name] = {k: _figure(cur[k], prev[k]) for k in keys}  # type: ignore[literal-required]
        if ctx.business:
            sets[name]["off_hours"] = _figure(
                _off_hours(stacked, CURRENT + extra), _off_hours(stacked, PREVIOUS + extra)
            )
    volume = {
        key: _figure(volumes.get(CURRENT, {}).get(key, 0), volumes.get(PREVIOUS, {}).get(key, 0))
        for key in ("received", "eligible", "sent")
    }
    # Every reply fact, in hours or not, is a reply sent.
    volume["replies"] = _figure(
        stacked.get(CURRENT, EMPTY)["n"] + _off_hours(stacked, CURRENT),
        stacked.get(PREVIOUS, EMPTY)["n"] + _off_hours(stacked, PREVIOUS),
    )
    return {
        **sets,
        "volume": volume,
        "unanswered": _figure(waiting["count"], waiting["previous"]),
        "oldest": waiting["oldest"],
        "goal": ctx.target.goal,
    }


def with_ages(ctx: Context, figures: dict[str, Any]) -> dict[str, Any]:
    """Add the calendar and business age of the oldest waiting message (relative to now, so
    computed after any caching of the figures)."""
    result = {**figures, "oldest_age": None, "oldest_business": None}
    if figures.get("oldest"):
        start, item = figures["oldest"]
        result["oldest_age"] = max(0, ctx.now - start)
        if item is not None:
            result["oldest_business"] = ctx.clocks.business_age(
                item["scope"], item["mailbox_id"], item["team_id"], start, ctx.now
            )
    return result


def summary_stats(ctx: Context) -> dict[str, Any]:
    """The current period's stats in the shape of build_report's entries (for tests/exports)."""
    stacked = _stacked(ctx)
    result: dict[str, Any] = {}
    for name, extra in (("reply_time", 0), ("first_reply_time", FIRST)):
        cur = stacked.get(CURRENT + extra)
        off = _off_hours(stacked, CURRENT + extra)
        result[name] = with_off_hours(cur, off) if ctx.business else (cur or EMPTY)
    return result
