"""Leaderboard: every visible mailbox and team side by side, sortable by any column.

Rows follow build_report's rules: a chosen team limits the mailboxes to its members; a chosen
mailbox limits the teams to those it belongs to. Each row reads its own scope's facts (a
mailbox row its mailbox facts, a team row its team facts), with the team's goal for teams.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When

from replytime.mailboxes.models import TeamMember
from replytime.metrics.models import Activity, ReplyFact, Scope
from replytime.reports.columnar import Days, Selection, days_of, sums_by
from replytime.reports.npstats import grouped_stats as np_grouped
from replytime.reports.queries import Context, clock_filter, in_period, open_items, value_columns
from replytime.reports.scoping import MAILBOX, TEAM
from replytime.reports.sqlstats import EMPTY, grouped_stats
from replytime.tenancy.access import for_account

COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "Name"),
    ("median", "Median"),
    ("p90", "p90"),
    ("mean", "Mean"),
    ("n", "Replies"),
    ("within_goal", "Within goal"),
    ("first_median", "First reply median"),
    ("received", "Received"),
    ("sent", "Sent"),
    ("unanswered", "Unanswered"),
)
SORTABLE = {key for key, _ in COLUMNS}


def _rows_wanted(ctx: Context) -> tuple[list, list]:
    vis, target = ctx.vis, ctx.target
    mailboxes, teams = list(vis.mailboxes), list(vis.teams)
    if target.kind == TEAM and target.team is not None:
        members = set(
            for_account(ctx.account, TeamMember)
            .filter(team=target.team)
            .values_list("mailbox_id", flat=True)
        )
        mailboxes = [m for m in mailboxes if m.pk in members]
        teams = [t for t in teams if t.pk == target.team.pk]
    elif target.kind == MAILBOX and target.mailbox is not None:
        mailboxes = [target.mailbox]
        own = set(
            for_account(ctx.account, TeamMember)
            .filter(mailbox=target.mailbox)
            .values_list("team_id", flat=True)
        )
        teams = [t for t in teams if t.pk in own]
    return mailboxes, teams


def _scope_q(mailbox_ids: list[int], team_ids: list[int]) -> Q:
    return Q(scope=Scope.MAILBOX, mailbox_id__in=mailbox_ids) | Q(
        scope=Scope.TEAM, team_id__in=team_ids
    )


def _key_expr() -> Case:
    """One integer per row: 2 * mailbox id for mailboxes, 2 * team id + 1 for teams."""
    from django.db.models import F

    return Case(
        When(scope=Scope.MAILBOX, then=F("mailbox_id") * 2),
        default=F("team_id") * 2 + 1,
        output_field=IntegerField(),
    )


def _goal_expr(ctx: Context, teams: list) -> Any:
    goal = ctx.account.reply_goal_seconds
    whens = [When(team_id=t.pk, then=Value(t.goal_seconds)) for t in teams if t.goal_seconds]
    return Case(*whens, default=Value(goal), output_field=IntegerField()) if whens else goal


def _stats(ctx: Context, scope_q: Q, teams: list) -> tuple[dict, dict]:
    base = clock_filter(
        ctx, in_period(for_account(ctx.account, ReplyFact).filter(scope_q), "start", ctx.period)
    )
    columns = value_columns(ctx, _goal_expr(ctx, teams))
    every = base.values(g=_key_expr() * 2, **columns)
    first = base.filter(first_reply=True).values(g=_key_expr() * 2 + 1, **columns)
    sql, params = every.union(first, all=True).query.sql_with_params()
    stats = grouped_stats(sql, params)
    return (
        {k // 2: v for k, v in stats.items() if k % 2 == 0},  # type: ignore[operator]
        {k // 2: v for k, v in stats.items() if k % 2 == 1},  # type: ignore[operator]
    )


def _data(ctx: Context, scope: str, owners: list[int]) -> Days:
    """One scope kind's day columns: facts, volumes and unanswered items, one query."""
    fields = ("facts", "volumes", "items")
    return days_of(ctx, Selection(scope, tuple(owners)), ctx.days.first, fields)


def _columns(
    ctx: Context, mailbox_ids: list[int], team_ids: list[int], teams: list
) -> tuple[dict, dict, dict]:
    """(every, first, volumes) keyed by row key, from the day columns."""
    team_goals = {t.pk: t.goal_seconds for t in teams if t.goal_seconds}
    groups, values, volumes = [], [], {}
    for scope, owners, kind in ((Scope.MAILBOX, mailbox_ids, 0), (Scope.TEAM, team_ids, 1)):
        data = _data(ctx, scope, owners)
        f = data.facts(business=ctx.business)
        if ctx.business:
            f = f.where(~f.off_hours)
        key = (f.owner * 2 + kind) * 2
        groups += [key, (key + 1)[f.first]]
        values += [f.value, f.value[f.first]]
        v = data.volumes()
        for owner, (received, sent) in sums_by(v.owner, v.received, v.sent).items():
            volumes[owner * 2 + kind] = {"received": received, "sent": sent}
    # Team rows (odd row keys) use their team's own goal.
    goals = {(t * 2 + 1) * 2 + k: seconds for t, seconds in team_goals.items() for k in (0, 1)}
    stats = np_grouped(
        np.concatenate(groups), np.concatenate(values), ctx.account.reply_goal_seconds,
        goals=goals,
    )  # fmt: skip
    return (
        {k // 2: v for k, v in stats.items() if k % 2 == 0},  # type: ignore[operator]
        {k // 2: v for k, v in stats.items() if k % 2 == 1},  # type: ignore[operator]
        volumes,
    )


def _volumes(ctx: Context, scope_q: Q) -> dict[int, dict[str, int]]:
    q = in_period(for_account(ctx.account, Activity).filter(scope_q), "time", ctx.period)
    rows = q.values(k=_key_expr()).annotate(
        received=Count("id", filter=Q(inbound=True)), sent=Count("id", filter=Q(outbound=True))
    )
    return {r["k"]: r for r in rows}


def _unanswered(ctx: Context, scope_q: Q) -> dict[int, int]:
    rows = open_items(ctx, ctx.period, scope_q).values(k=_key_expr()).annotate(total=Sum("count"))
    return {r["k"]: r["total"] or 0 for r in rows}


def _unanswered_columns(
    ctx: Context, mailbox_ids: list[int], team_ids: list[int], closed: list[int]
) -> dict[int, int]:
    totals: dict[int, int] = {}
    for scope, owners, kind in ((Scope.MAILBOX, mailbox_ids, 0), (Scope.TEAM, team_ids, 1)):
        items = _data(ctx, scope, owners).items(closed)
        for owner, (count,) in sums_by(items.owner, items.count).items():
            totals[owner * 2 + kind] = count
    return totals


def leaderboard(ctx: Context) -> list[dict[str, Any]]:
    """Rows for mailboxes then teams, sorted as the filters ask (default: most replies)."""
    mailboxes, teams = _rows_wanted(ctx)
    mailbox_ids, team_ids = [m.pk for m in mailboxes], [t.pk for t in teams]
    scope_q = _scope_q(mailbox_ids, team_ids)
    if ctx.columnar:
        every, first, volumes = _columns(ctx, mailbox_ids, team_ids, teams)
    else:
        every, first = _stats(ctx, scope_q, teams)
        volumes = _volumes(ctx, scope_q)
    if ctx.columnar and ctx.closed_ids is not None:
        unanswered = _unanswered_columns(ctx, mailbox_ids, team_ids, ctx.closed_ids)
    else:
        unanswered = _unanswered(ctx, scope_q)
    rows = []
    for kind, obj, key, name in (
        *(("mailbox", m, m.pk * 2, m.name or m.address) for m in mailboxes),
        *(("team", t, t.pk * 2 + 1, t.name) for t in teams),
    ):
        s = every.get(key, EMPTY)
        rows.append(
            {
                "kind": kind,
                "public_id": str(obj.public_id),
                "name": name,
                "address": getattr(obj, "address", ""),
                "n": s["n"],
                "median": s["median"],
                "p90": s["p90"],
                "mean": s["mean"],
                "within_goal": s["within_goal"],
                "first_median": first.get(key, EMPTY)["median"],
                "received": volumes.get(key, {}).get("received", 0),
                "sent": volumes.get(key, {}).get("sent", 0),
                "unanswered": unanswered.get(key, 0),
            }
        )
    return sort_rows(rows, ctx.filters.sort or "n", ctx.filters.dir)


def sort_rows(rows: list[dict[str, Any]], column: str, direction: str) -> list[dict[str, Any]]:
    """Sort by `column`, empty values last whatever the direction, ties by name."""
    if rows and column not in rows[0]:
        column = "n" if "n" in rows[0] else "name"
    rows = sorted(rows, key=lambda r: str(r.get("name", "")).lower())
    present = [r for r in rows if r.get(column) is not None]
    missing = [r for r in rows if r.get(column) is None]
    key = (lambda r: str(r[column]).lower()) if column == "name" else (lambda r: r[column])
    present.sort(key=key, reverse=direction == "desc")
    return present + missing
