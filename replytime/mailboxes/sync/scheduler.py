"""Claiming mailbox syncs so that each runs once at a time, and enqueueing the due ones.

A claim is a conditional UPDATE: it succeeds only if the row is still due (scheduler) or not
held by a live run (foreground sync). It sets `next_sync_at` to the lease's end and stores a
random claim token; every page the run commits renews the lease and is refused if the claim
changed. A run that dies (even by SIGKILL) simply lets its lease expire: the next scheduler tick
claims the mailbox again and the sync resumes from the last committed cursor.
"""

from __future__ import annotations

import logging
import secrets
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from replytime.mailboxes.models import MailboxConnection

log = logging.getLogger(__name__)


def lease_end(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.REPLYTIME_SYNC_LEASE)


def claim(connection_id: int, *, force: bool = False, now: datetime | None = None) -> str | None:
    """Claim a connection for one run; returns the claim token, or None if it is not free.

    Without `force` the connection must be due; with it (a sync started by hand) it only must
    not be held by a live run.
    """
    now = now or timezone.now()
    token = secrets.token_hex(16)
    rows = MailboxConnection.objects.filter(pk=connection_id, state=MailboxConnection.State.ACTIVE)
    if force:
        rows = rows.filter(Q(claim="") | Q(next_sync_at__lte=now))
    else:
        rows = rows.filter(next_sync_at__lte=now)
    updated = rows.update(claim=token, claimed_at=now, next_sync_at=lease_end(now))
    return token if updated else None


def enqueue_due(now: datetime | None = None, limit: int = 200) -> int:
    """Claim every due connection and enqueue its sync task; returns how many were enqueued."""
    from replytime.mailboxes.tasks import sync_mailbox

    now = now or timezone.now()
    due = MailboxConnection.objects.filter(
        state=MailboxConnection.State.ACTIVE, next_sync_at__lte=now
    ).order_by("next_sync_at")
    enqueued = 0
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        # Claim and task row commit together: no claimed mailbox without a queued task.
        with transaction.atomic():
            token = claim(pk, now=now)
            if token:
                sync_mailbox.enqueue(pk, token)
                enqueued += 1
    if enqueued:
        log.info("scheduler: enqueued %d mailbox sync(s)", enqueued)
    return enqueued


def start_now(connection_id: int) -> bool:
    """Enqueue a sync of one connection right away (after activation); False if one runs."""
    from replytime.mailboxes.tasks import sync_mailbox

    with transaction.atomic():
        token = claim(connection_id, force=True)
        if token:
            sync_mailbox.enqueue(connection_id, token)
    return token is not None


def run_scheduler(stop: threading.Event, tick: float | None = None) -> None:
    """Enqueue due syncs every `tick` seconds until `stop` is set (a worker thread)."""
    tick = tick if tick is not None else settings.REPLYTIME_SCHEDULER_TICK
    while not stop.is_set():
        try:
            enqueue_due()
            for hook in getattr(settings, "REPLYTIME_SCHEDULER_HOOKS", ()):
                import_string(hook)()  # e.g. renewing push subscriptions before they expire
        except Exception:  # a locked or briefly unreachable database must not end the loop
            log.exception("scheduler tick failed")
        finally:
            close_old_connections()
        stop.wait(tick)
