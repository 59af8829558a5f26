"""A mailbox's live-sync status as a plain object, for the CLI, the web app and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from replytime.mailboxes.connectors.registry import CONNECTORS
from replytime.mailboxes.models import Mailbox, MailboxConnection

_LABELS = {
    "not-connected": "not connected (mail files only)",
    "invited": "waiting for the owner to activate it",
    "connected": "connected",
    "syncing": "syncing now",
    "retrying": "connected; the last sync failed and will be retried",
    "paused": "paused after an error",
    "disconnected": "disconnected",
}


@dataclass(frozen=True)
class MailboxStatus:
    """What an operator needs to know about a mailbox's sync (no secret, no cursor)."""

    connector: str
    state: str
    state_label: str
    connected: bool
    syncing: bool
    paused: bool
    last_sync_at: datetime | None
    last_success_at: datetime | None
    next_sync_at: datetime | None
    due_now: bool
    records: int
    last_stored: int
    last_error: str
    error_action: str


def _state(conn: MailboxConnection | None, now: datetime) -> str:
    if conn is None or (conn.state == MailboxConnection.State.INVITED and not conn.kind):
        return "invited" if conn is not None else "not-connected"
    if conn.state == MailboxConnection.State.PAUSED:
        return "paused"
    if conn.state == MailboxConnection.State.DISCONNECTED:
        return "disconnected"
    if conn.state == MailboxConnection.State.INVITED:
        return "invited"
    if conn.claim and conn.next_sync_at and conn.next_sync_at > now:
        return "syncing"
    return "retrying" if conn.failures else "connected"


def mailbox_status(mailbox: Mailbox, *, now: datetime | None = None) -> MailboxStatus:
    now = now or timezone.now()
    conn = MailboxConnection.objects.filter(mailbox=mailbox).first()
    state = _state(conn, now)
    kind = conn.kind if conn is not None and conn.kind else mailbox.connector
    label = CONNECTORS[kind][0] if kind in CONNECTORS else "mail files"
    next_at = conn.next_sync_at if conn and state in ("connected", "retrying") else None
    return MailboxStatus(
        connector=label,
        state=state,
        state_label=_LABELS[state],
        connected=state in ("connected", "syncing", "retrying"),
        syncing=state == "syncing",
        paused=state == "paused",
        last_sync_at=conn.last_sync_at if conn else None,
        last_success_at=conn.last_success_at if conn else None,
        next_sync_at=next_at,
        due_now=next_at is not None and next_at <= now,
        records=mailbox.records.count(),
        last_stored=conn.last_stored if conn else 0,
        last_error=conn.last_error if conn else "",
        error_action=conn.error_action if conn else "",
    )
