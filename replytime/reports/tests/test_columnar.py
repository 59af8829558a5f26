"""The dashboards from the engine's day columns equal the dashboards from the facts tables.

A generated demo account (teams with their own goals, business hours, a zone with DST, many
customers) is computed by the real pipeline; every page's figures are then computed both
ways, for every kind of target, both clocks and several periods, and must be equal.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from replytime.conversations.models import Conversation
from replytime.metrics.columns import is_ready
from replytime.reports.board import leaderboard
from replytime.reports.customers import customers, shown
from replytime.reports.demo_data import DemoSize, load_demo
from replytime.reports.filters import Filters
from replytime.reports.heatmap import heatmap
from replytime.reports.overview import overview, summary_stats
from replytime.reports.queries import Context
from replytime.reports.queue import close_conversation
from replytime.reports.scoping import visibility_of
from replytime.reports.trend import trend
from replytime.tenancy.models import Account

pytestmark = pytest.mark.django_db

END = int(datetime(2026, 4, 15, tzinfo=UTC).timestamp())
TODAY = date(2026, 4, 15)


@pytest.fixture
def demo(db: None) -> Account:
    account = load_demo("colacme", end=END, size=DemoSize(mailboxes=6, days=60, rate=9.0))
    # A closed conversation: its unanswered items leave the figures.
    waiting = Conversation.objects.filter(account=account).exclude(waiting="").first()
    if waiting is not None:
        close_conversation(account, waiting, "lead", now=waiting.last_time + 60)
    return account


def _both(ctx: Context, figures: Any) -> tuple[Any, Any]:
    """`figures(ctx)` from the day columns, then from the facts tables."""
    columns = figures(replace(ctx, loaded={}))
    sql_ctx = replace(ctx, loaded={})
    sql_ctx.__dict__["columnar"] = False
    return columns, figures(sql_ctx)


def _contexts(account: Account) -> list[Context]:
    mailboxes = list(account.mailboxes.order_by("address"))
    team = account.teams.order_by("name").first()
    assert team is not None
    everything = visibility_of(account, totals=True)
    restricted = visibility_of(
        account, mailboxes=account.mailboxes.filter(pk__in=[m.pk for m in mailboxes[:3]]),
        teams=account.teams.filter(pk=team.pk), totals=False,
    )  # fmt: skip
    chosen = [
        Filters(),
        Filters(period="custom", first=date(2026, 2, 20), last=date(2026, 4, 14)),
        Filters(period="7d", team=str(team.public_id)),
        Filters(period="90d", mailbox=str(mailboxes[1].public_id), group="day"),
    ]
    result = []
    for vis in (everything, restricted):
        for f in chosen:
            for clock in ("calendar", "business"):
                c = Context(vis, replace(f, clock=clock), now=END, today=TODAY)
                assert c.columnar, "the demo account's day columns must be complete"
                result.append(c)
    return result


def test_every_page_equals_the_facts_tables(demo: Account) -> None:
    assert is_ready(demo)
    first = _contexts(demo)[1]
    assert overview(first)["reply_time"]["n"]["value"] > 100
    assert overview(first)["unanswered"]["value"] > 0
    for ctx in _contexts(demo):
        for page in (overview, summary_stats, trend, heatmap):
            left, right = _both(ctx, page)
            assert left == right, (page.__name__, ctx.filters)
        for sort in ("", "median", "unanswered"):
            sorted_ctx = replace(ctx, filters=replace(ctx.filters, sort=sort))
            left, right = _both(sorted_ctx, leaderboard)
            assert left == right, ("leaderboard", sorted_ctx.filters)
            for by in ("domain", "contact"):
                c = replace(sorted_ctx, filters=replace(sorted_ctx.filters, by=by))
                left, right = _both(c, customers)
                assert left == right, ("customers", c.filters)
                assert _both(c, shown)[0] == _both(c, shown)[1]


def test_the_first_rows_of_a_long_table_are_those_of_the_whole_table(demo: Account) -> None:
    ctx = _contexts(demo)[1]
    for sort, direction in (("", "desc"), ("n", "asc"), ("name", "asc"), ("first_n", "desc")):
        c = replace(ctx, filters=replace(ctx.filters, sort=sort, dir=direction, by="contact"))
        every = customers(replace(c, loaded={}))
        rows, total = shown(replace(c, loaded={}), 5)
        assert (rows, total) == (every[:5], len(every))
        assert total > 5
