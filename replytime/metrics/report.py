"""The whole-account report of `replytime report` (shape: ../shared/spec/cli.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from replytime.mailboxes.models import Mailbox, TeamMember
from replytime.metrics.models import Activity, ReplyFact, Scope, UnansweredItem
from replytime.metrics.periods import Period
from replytime.metrics.stats import summarize, summarize_business
from replytime.tenancy.access import for_account
from replytime.tenancy.models import Account, Team

ScopeKey = tuple[str, int | None]
VOLUME_KEYS = ("received", "eligible", "sent", "replies", "unanswered", "conversations")


def _in_period(q: QuerySet, column: str, period: Period) -> QuerySet:
    if period.start is not None:
        q = q.filter(**{f"{column}__gte": period.start})
    if period.end is not None:
        q = q.filter(**{f"{column}__lt": period.end})
    return q


def _key(scope: str, mailbox_id: int | None, team_id: int | None) -> ScopeKey:
    return scope, mailbox_id if scope == Scope.MAILBOX else team_id


def _facts(account: Account, period: Period) -> dict[ScopeKey, list[tuple]]:
    q = _in_period(for_account(account, ReplyFact), "start", period)
    rows = q.values_list(
        "scope",
        "mailbox_id",
        "team_id",
        "calendar_seconds",
        "business_seconds",
        "off_hours",
        "first_reply",
    )
    grouped: dict[ScopeKey, list[tuple]] = defaultdict(list)
    for scope, mailbox_id, team_id, *values in rows.iterator(chunk_size=10000):
        grouped[_key(scope, mailbox_id, team_id)].append(tuple(values))
    return grouped


def _volumes(account: Account, period: Period) -> dict[ScopeKey, dict[str, int]]:
    out: dict[ScopeKey, dict[str, int]] = defaultdict(lambda: dict.fromkeys(VOLUME_KEYS, 0))
    activity = _in_period(for_account(account, Activity), "time", period)
    for row in activity.values("scope", "mailbox_id", "team_id").annotate(
        received=Count("id", filter=Q(inbound=True)),
        eligible=Count("id", filter=Q(eligible=True)),
        sent=Count("id", filter=Q(outbound=True)),
        conversations=Count("conversation", distinct=True),
    ):
        out[_key(row["scope"], row["mailbox_id"], row["team_id"])].update(
            {k: row[k] for k in ("received", "eligible", "sent", "conversations")}
        )
    items = _in_period(for_account(account, UnansweredItem), "start", period)
    for row in items.values("scope", "mailbox_id", "team_id").annotate(total=Sum("count")):
        out[_key(row["scope"], row["mailbox_id"], row["team_id"])]["unanswered"] = row["total"]
    return out


def _stats(facts: Iterable[tuple], goal: int) -> dict[str, Any]:
    facts = list(facts)
    first = [f for f in facts if f[3]]
    return {
        "reply_time": _pair(facts, goal),
        "first_reply_time": _pair(first, goal),
    }


def _pair(facts: list[tuple], goal: int) -> dict[str, Any]:
    return {
        "calendar": summarize((f[0] for f in facts), goal),
        "business": summarize_business(((f[1], f[2]) for f in facts), goal),
    }


def _entry(
    key: ScopeKey, facts: dict[ScopeKey, list[tuple]], volumes: dict, goal: int
) -> dict[str, Any]:
    entry: dict[str, Any] = dict(volumes.get(key) or dict.fromkeys(VOLUME_KEYS, 0))
    entry["replies"] = len(facts.get(key, ()))
    entry.update(_stats(facts.get(key, ()), goal))
    return entry


def build_report(
    account: Account,
    period: Period | None = None,
    *,
    mailbox: Mailbox | None = None,
    team: Team | None = None,
) -> dict[str, Any]:
    """Figures per mailbox, per team and for the whole account over `period`.

    `mailbox` limits the mailboxes to that one and the teams to those it belongs to; `team`
    limits the teams to that one and the mailboxes to its members. `total` is always the
    whole account.
    """
    period = period or Period()
    facts = _facts(account, period)
    volumes = _volumes(account, period)
    goal = account.reply_goal_seconds
    mailboxes = for_account(account, Mailbox).order_by("address")
    teams = for_account(account, Team).order_by("name")
    if mailbox is not None:
        mailboxes = mailboxes.filter(pk=mailbox.pk)
        team_ids = for_account(account, TeamMember).filter(mailbox=mailbox)
        teams = teams.filter(pk__in=team_ids.values("team_id"))
    if team is not None:
        teams = teams.filter(pk=team.pk)
        mailboxes = mailboxes.filter(team_links__team=team)
    return {
        "account": account.name,
        "from": None,
        "to": None,
        "timezone": account.timezone,
        "mailboxes": [
            {
                "address": m.address,
                "name": m.name,
                **_entry((Scope.MAILBOX, m.pk), facts, volumes, goal),
            }
            for m in mailboxes
        ],
        "teams": [
            {"name": t.name, **_entry((Scope.TEAM, t.pk), facts, volumes, t.goal_seconds or goal)}
            for t in teams
        ],
        "total": _entry((Scope.ACCOUNT, None), facts, volumes, goal),
    }
