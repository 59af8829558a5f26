"""The dashboards' shared query context and base querysets over the facts tables.

Every query starts from `for_account(account, Model)` and the target scope's filter
(scoping.Target.facts), so a figure can only ever include rows of the member's account and of
what the member may see. Times are UTC epoch seconds; periods are local days of the account
zone (filters.DayRange). Figures are the metrics engine's facts aggregated with the statistics
of spec §7 (sqlstats, equal to metrics.stats.summarize); nothing here defines a metric anew.

Indexes used (metrics.models): ReplyFact (account, scope, start), (mailbox, start),
(team, start); UnansweredItem (account, scope, start); Activity (account, scope, time).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import Expression

from replytime.conversations.models import Closure, Conversation
from replytime.metrics.business import (
    BusinessClock,
    clock_for,
    default_schedule,
    resolve_team_schedule,
)
from replytime.metrics.engine_core import mailbox_schedules
from replytime.metrics.loading import load_config
from replytime.metrics.models import Activity, ReplyFact, Scope, UnansweredItem
from replytime.metrics.periods import Period
from replytime.reports.filters import DayRange, Filters, today_in
from replytime.reports.scoping import Target, Visibility, resolve_target
from replytime.tenancy.access import for_account
from replytime.tenancy.models import Account


@dataclass
class Context:
    """One dashboard request: what the member sees, the chosen scope, days and clock."""

    vis: Visibility
    filters: Filters
    now: int = field(default_factory=lambda: int(time.time()))
    today: date | None = None
    # Day columns read for this request (reports.columnar.Days), by what was read.
    loaded: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.today is None:
            self.today = today_in(self.account.timezone)

    @property
    def account(self) -> Account:
        return self.vis.account

    @property
    def zone(self) -> str:
        return self.account.timezone

    @cached_property
    def target(self) -> Target:
        return resolve_target(self.vis, team=self.filters.team, mailbox=self.filters.mailbox)

    @cached_property
    def days(self) -> DayRange:
        assert self.today is not None
        return self.filters.days(self.today)

    @cached_property
    def period(self) -> Period:
        return self.days.period(self.zone)

    @cached_property
    def previous(self) -> Period:
        return self.days.previous().period(self.zone)

    @property
    def business(self) -> bool:
        return self.filters.business

    @cached_property
    def version(self) -> str:
        from replytime.reports.caching import current_version

        return current_version(self.account)

    @cached_property
    def closed_ids(self) -> list[int] | None:
        return closed_conversations(self.account)

    @cached_property
    def columnar(self) -> bool:
        """True when the figures can come from the engine's day columns (reports.columnar)."""
        from replytime.metrics.columns import is_ready

        return is_ready(self.account)

    @cached_property
    def clocks(self) -> Clocks:
        return clocks_of(self.account, self.version)


def in_period(q: QuerySet, column: str, period: Period) -> QuerySet:
    assert period.start is not None and period.end is not None
    return q.filter(**{f"{column}__gte": period.start, f"{column}__lt": period.end})


def facts(ctx: Context, period: Period, target: Target | None = None) -> QuerySet[ReplyFact]:
    q = for_account(ctx.account, ReplyFact).filter((target or ctx.target).facts())
    return in_period(q, "start", period)


def activity(ctx: Context, period: Period, target: Target | None = None) -> QuerySet[Activity]:
    q = for_account(ctx.account, Activity).filter((target or ctx.target).facts())
    return in_period(q, "time", period)


# Up to this many closures are excluded by conversation id; past it, by a correlated subquery.
_CLOSED_BY_ID = 2000


def closed(account: Account) -> Exists:
    """True for a row whose conversation was closed after its latest message (spec §8)."""
    return Exists(
        for_account(account, Closure).filter(
            conversation_key=OuterRef("conversation__key"),
            closed_at__gte=OuterRef("conversation__last_time"),
        )
    )


def closed_conversations(account: Account) -> list[int] | None:
    """Ids of the closed conversations (closed after their latest message); None when there
    are too many to list, so callers use `closed()` instead."""
    closures = for_account(account, Closure)
    keys = dict(closures.values_list("conversation_key", "closed_at")[: _CLOSED_BY_ID + 1])
    if len(keys) > _CLOSED_BY_ID:
        return None
    if not keys:
        return []
    rows = for_account(account, Conversation).filter(key__in=list(keys))
    return [pk for pk, key, last in rows.values_list("id", "key", "last_time") if keys[key] >= last]


def open_items(ctx: Context, period: Period, q: Q | None = None) -> QuerySet[UnansweredItem]:
    """Unanswered items of the period whose conversation is not closed.

    Closures are few (people close conversations by hand), so excluding their ids is far
    cheaper than joining every item to its conversation to compare times.
    """
    base = for_account(ctx.account, UnansweredItem).filter(
        q if q is not None else ctx.target.facts()
    )
    base = in_period(base, "start", period)
    ids = ctx.closed_ids
    if ids is None:
        return base.exclude(closed(ctx.account))
    return base.exclude(conversation_id__in=ids) if ids else base


def value_columns(ctx: Context, goal: int | Expression) -> dict[str, Expression]:
    """`x` (seconds of the chosen clock) and `ok` (1 when within `goal`) for sqlstats."""
    column = "business_seconds" if ctx.business else "calendar_seconds"
    within = When(**{f"{column}__lte": goal}, then=Value(1))
    return {"x": F(column), "ok": Case(within, default=Value(0), output_field=IntegerField())}


def clock_filter(ctx: Context, q: QuerySet) -> QuerySet:
    """Business statistics leave off-hours facts out (spec §7)."""
    return q.filter(off_hours=False) if ctx.business else q


_CLOCKS: dict[tuple[int, str], Clocks] = {}


def clocks_of(account: Account, version: str) -> Clocks:
    """The account's clocks, built once per data version (schedules are part of the version)."""
    key = (account.pk, version)
    found = _CLOCKS.get(key)
    if found is None:
        if len(_CLOCKS) > 64:
            _CLOCKS.clear()
        found = _CLOCKS[key] = Clocks(account)
    return found


class Clocks:
    """Business clocks of the account's scopes, for the age of unanswered items (spec §6)."""

    def __init__(self, account: Account) -> None:
        settings, mailboxes, teams = load_config(account)
        self._mailbox = {
            i: clock_for(s) for i, s in mailbox_schedules(settings, mailboxes, teams).items()
        }
        self._team = {
            t.id: clock_for(resolve_team_schedule(t.schedule, settings.schedule, settings.timezone))
            for t in teams
        }
        self._account = clock_for(settings.schedule or default_schedule(settings.timezone))

    def of(self, scope: str, mailbox_id: int | None, team_id: int | None) -> BusinessClock:
        if scope == Scope.MAILBOX and mailbox_id in self._mailbox:
            return self._mailbox[mailbox_id]
        if scope == Scope.TEAM and team_id in self._team:
            return self._team[team_id]
        return self._account

    def business_age(
        self, scope: str, mailbox_id: int | None, team_id: int | None, start: int, now: int
    ) -> int:
        if now <= start:
            return 0
        return self.of(scope, mailbox_id, team_id).seconds(start, now)[0]
