"""Conversation: the header-only timeline of one conversation and its reply facts.

One row per message (records of several mailboxes with the same Message-ID are one message,
spec §3.1): when, from, to, cc, which of the member's mailboxes hold it, its direction, and the
reply time when it is a reply. There is no body to show: replytime never stores one.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from replytime.conversations.models import Closure, Conversation
from replytime.ingestion.models import Record, split_lines
from replytime.metrics.models import ReplyFact, Scope
from replytime.reports.queries import Context
from replytime.tenancy.access import for_account


def visible_conversation(ctx: Context, key: str) -> Conversation:
    """The conversation `key` if the member sees one of its records; 404 otherwise."""
    conv = for_account(ctx.account, Conversation).filter(key=key[:40]).first()
    if conv is None:
        raise Http404("No such conversation")
    held = for_account(ctx.account, Record).filter(
        conversation=conv, mailbox_id__in=ctx.vis.mailbox_ids
    )
    if not ctx.vis.totals and not held.exists():
        raise Http404("No such conversation")
    return conv


def _domain(address: str | None) -> str:
    return (address or "").rpartition("@")[2]


def _messages(ctx: Context, conv: Conversation, internal: frozenset[str]) -> list[dict[str, Any]]:
    records = for_account(ctx.account, Record).filter(conversation=conv).select_related("mailbox")
    if not ctx.vis.totals:
        records = records.filter(mailbox_id__in=ctx.vis.mailbox_ids)
    messages: dict[str, dict[str, Any]] = {}
    for r in records.order_by("id"):
        key = r.message_id or r.fingerprint or f"record:{r.pk}"
        outside = _domain(r.from_addr) not in internal
        t = (r.received_at or r.date) if outside else (r.date or r.received_at)
        msg = messages.get(key)
        if msg is None:
            msg = messages[key] = {
                "time": t,
                "from": r.from_addr or "",
                "to": list(split_lines(r.to_addrs)),
                "cc": list(split_lines(r.cc_addrs)),
                "subject": r.subject,
                "direction": "in" if outside else "out",
                "automated": bool(r.auto_flags),
                "mailboxes": [],
                "replies": [],
            }
        if t is not None and (msg["time"] is None or t < msg["time"]):
            msg["time"] = t
        msg["mailboxes"].append(r.mailbox.name or r.mailbox.address)
    rows = sorted(messages.values(), key=lambda m: (m["time"] or 0, m["direction"] == "out"))
    for m in rows:
        m["external_recipients"] = any(_domain(a) not in internal for a in m["to"] + m["cc"])
        if m["direction"] == "out" and not m["external_recipients"]:
            m["direction"] = "internal"
    return rows


def _facts(ctx: Context, conv: Conversation) -> list[dict[str, Any]]:
    q = (
        for_account(ctx.account, ReplyFact)
        .filter(conversation=conv)
        .select_related("mailbox", "team", "replier")
    )
    if not ctx.vis.totals:
        q = q.filter(scope=Scope.MAILBOX, mailbox_id__in=ctx.vis.mailbox_ids) | q.filter(
            scope=Scope.TEAM, team_id__in=ctx.vis.team_ids
        )
    rows = []
    for f in q.order_by("end", "scope"):
        if f.scope == Scope.MAILBOX and f.mailbox is not None:
            scope_label = f.mailbox.name or f.mailbox.address
        elif f.scope == Scope.TEAM and f.team is not None:
            scope_label = f"Team {f.team.name}"
        else:
            scope_label = "Account"
        rows.append(
            {
                "scope": f.scope,
                "label": scope_label,
                "start": f.start,
                "end": f.end,
                "calendar": f.calendar_seconds,
                "business": None if f.off_hours else f.business_seconds,
                "off_hours": f.off_hours,
                "answered": f.answered,
                "first": f.first_reply,
                "replier": (f.replier.name or f.replier.address) if f.replier else "",
            }
        )
    return rows


def timeline(ctx: Context, conv: Conversation) -> dict[str, Any]:
    internal = ctx.account.effective_internal_domains()
    messages = _messages(ctx, conv, internal)
    facts = _facts(ctx, conv)
    by_end: dict[int, list[dict[str, Any]]] = {}
    for f in facts:
        by_end.setdefault(f["end"], []).append(f)
    for m in messages:
        if m["direction"] != "in":
            m["replies"] = by_end.get(m["time"], [])
    closure = for_account(ctx.account, Closure).filter(conversation_key=conv.key).first()
    return {
        "conversation": conv,
        # Not "messages": that name belongs to Django's flash messages in the base template.
        "entries": messages,
        "facts": facts,
        "closed": closure is not None and closure.closed_at >= conv.last_time,
        "closure": closure,
        "participants": sorted({m["from"] for m in messages if m["from"]}),
    }
