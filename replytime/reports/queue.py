"""Awaiting reply: the open unanswered items, oldest first, and closing a conversation (§8).

Rows are the mailbox-scope unanswered items (spec §5.1) of the mailboxes in view, joined with
their conversation. Mail sent only to a team address is unanswered for the team but for no
single mailbox, so for a team, the whole account or a restricted manager's teams the team
items of conversations that no listed mailbox holds are added, labelled with the team. A conversation closed by a user stays
hidden until a message newer than the closing arrives (Closure.closed_at < last_time).
"""

from __future__ import annotations

import time
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from replytime.conversations.models import Closure, Conversation
from replytime.metrics.models import Scope, UnansweredItem
from replytime.reports.caching import cached, forget_version
from replytime.reports.queries import Context, open_items
from replytime.reports.scoping import ACCOUNT, MAILBOXES, TEAM, team_member_ids
from replytime.tenancy.access import for_account
from replytime.tenancy.models import Account

PAGE = 50


def _mailbox_q(ctx: Context) -> Q:
    target = ctx.target
    ids = target.member_ids()
    if ids is None and target.kind == ACCOUNT and ctx.vis.totals:
        # Every mailbox of the account: no list of ids for the database to test each row on.
        return Q(scope=Scope.MAILBOX)
    if ids is None:
        visible = set(ctx.vis.mailbox_ids)
        if target.kind == TEAM and target.team is not None:
            visible &= set(team_member_ids(ctx.account, target.team))
        ids = tuple(sorted(visible))
    return Q(scope=Scope.MAILBOX, mailbox_id__in=ids)


def _team_q(ctx: Context) -> Q | None:
    target = ctx.target
    if target.kind == TEAM and target.team is not None:
        return Q(scope=Scope.TEAM, team_id=target.team.pk)
    if target.kind == ACCOUNT and ctx.vis.totals and ctx.vis.team_ids:
        return Q(scope=Scope.TEAM)
    if target.kind in (ACCOUNT, MAILBOXES) and ctx.vis.team_ids:
        # Everything, or a restricted manager's teams: mail to their team addresses too.
        return Q(scope=Scope.TEAM, team_id__in=ctx.vis.team_ids)
    return None


def queue_items(ctx: Context) -> QuerySet[UnansweredItem]:
    """Open items in view (see the module docstring), oldest first."""
    mailbox_q = _mailbox_q(ctx)
    scope_q = mailbox_q
    team_q = _team_q(ctx)
    if team_q is not None:
        held = for_account(ctx.account, UnansweredItem).filter(mailbox_q).values("conversation_id")
        scope_q = mailbox_q | (team_q & ~Q(conversation_id__in=held))
    return open_items(ctx, ctx.period, scope_q).order_by(
        "start", "conversation_id", "scope", "mailbox_id", "team_id"
    )


def _domain(address: str) -> str:
    return address.rpartition("@")[2] if "@" in address else ""


def _rows(ctx: Context, page: int, limit: int | None) -> dict[str, Any]:
    """A page of queue rows without ages (those depend on now: see `queue`)."""
    # One light query lists the ids in order (their number is the total); only the page's
    # items are then read with their conversation, mailbox and team.
    ids = list(queue_items(ctx).values_list("id", flat=True))
    total = len(ids)
    offset = max(0, page - 1) * (limit or 0)
    wanted = ids[offset : offset + limit] if limit else ids
    found: dict[int, UnansweredItem] = {}
    for start in range(0, len(wanted), 500):
        chunk = UnansweredItem.objects.filter(id__in=wanted[start : start + 500])
        found.update((i.pk, i) for i in chunk.select_related("conversation", "mailbox", "team"))
    rows = []
    for item in (found[pk] for pk in wanted):
        conv = item.conversation
        rows.append(
            {
                "key": conv.key,
                "subject": conv.subject,
                "customer": conv.last_external_address,
                "domain": _domain(conv.last_external_address),
                "owner": _owner(item),
                "owner_kind": "team" if item.scope == Scope.TEAM else "mailbox",
                "scope": (item.scope, item.mailbox_id, item.team_id),
                "count": item.count,
                "start": item.start,
                "messages": conv.message_count,
            }
        )
    return {"rows": rows, "total": total, "page": page, "pages": _pages(total, limit)}


def queue(ctx: Context, *, page: int = 1, limit: int | None = PAGE) -> dict[str, Any]:
    """A page of rows: conversation, customer, mailbox or team, count, calendar and business age."""
    result = cached(ctx, f"queue:{page}:{limit}", lambda: _rows(ctx, page, limit))
    rows = [
        {
            **row,
            "age": max(0, ctx.now - row["start"]),
            "business_age": ctx.clocks.business_age(*row["scope"], row["start"], ctx.now),
        }
        for row in result["rows"]
    ]
    return {**result, "rows": rows}


def _pages(total: int, limit: int | None) -> int:
    return 1 if not limit else max(1, (total + limit - 1) // limit)


def _owner(item: UnansweredItem) -> str:
    if item.scope == Scope.TEAM and item.team is not None:
        return f"{item.team.name} (team address)"
    if item.mailbox is not None:
        return item.mailbox.name or item.mailbox.address
    return ""


def close_conversation(
    account: Account, conversation: Conversation, by: str, now: int | None = None
) -> Closure:
    """Close a conversation (spec §8), stored by its stable key; closing again moves the time."""
    closed_at = max(int(now or time.time()), conversation.last_time)
    with transaction.atomic():
        closure, created = for_account(account, Closure).get_or_create(
            conversation_key=conversation.key,
            defaults={"account": account, "closed_at": closed_at, "closed_by": by[:150]},
        )
        if not created:
            closure.closed_at = closed_at
            closure.closed_by = by[:150]
            closure.save(update_fields=["closed_at", "closed_by"])
    # The closing must show on the very next page, not when the remembered version expires.
    forget_version(account)
    return closure


def reopen_conversation(account: Account, conversation: Conversation) -> None:
    for_account(account, Closure).filter(conversation_key=conversation.key).delete()
    forget_version(account)
