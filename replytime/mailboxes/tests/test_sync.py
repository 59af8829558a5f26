"""Sync runs, claims, scheduling, errors and status, with a dummy connector."""

from __future__ import annotations

import io
import itertools
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from replytime.ingestion.models import Record
from replytime.mailboxes.connectors.base import ConnectorError, HeaderRecord
from replytime.mailboxes.models import Mailbox, MailboxConnection
from replytime.mailboxes.status import mailbox_status
from replytime.mailboxes.sync.backoff import backoff_delay, next_retry_delay
from replytime.mailboxes.sync.connections import save_connection
from replytime.mailboxes.sync.runner import run_sync
from replytime.mailboxes.sync.scheduler import claim, enqueue_due
from replytime.mailboxes.tests import dummy
from replytime.testing import header, make_account, make_mailbox

BOTH = ["default", "keystore"]
pytestmark = [pytest.mark.django_db(databases=BOTH), pytest.mark.usefixtures("dummy_connector")]


def connected() -> Mailbox:
    mailbox = make_mailbox(make_account())
    save_connection(mailbox, "dummy", {"host": "h"}, {"password": "right"})
    return mailbox


def conn_of(mailbox: Mailbox) -> MailboxConnection:
    return MailboxConnection.objects.get(mailbox=mailbox)


_n = itertools.count()


def rec() -> HeaderRecord:
    """A distinct message (header() defaults would share one fingerprint)."""
    return header(subject=f"subject {next(_n)}")


def no_sleep(seconds: float) -> None:
    pass


def test_a_run_stores_pages_with_their_cursor_and_replays_harmlessly() -> None:
    mailbox = connected()
    dummy.PAGES.extend([[rec(), rec()], [rec()]])
    outcome = run_sync(conn_of(mailbox).pk, claim(conn_of(mailbox).pk) or "")
    assert (outcome.status, outcome.stored, outcome.pages) == ("done", 3, 3)
    assert conn_of(mailbox).cursor == '{"page": 2}'
    # Replaying the same pages from the start stores nothing twice.
    MailboxConnection.objects.filter(mailbox=mailbox).update(cursor="")
    again = run_sync(conn_of(mailbox).pk, claim(conn_of(mailbox).pk, force=True) or "")
    assert (again.stored, again.duplicates) == (0, 3)
    assert Record.objects.filter(mailbox=mailbox).count() == 3
    assert Record.objects.filter(mailbox=mailbox, dirty=True).count() == 0  # metrics updated


def test_a_connection_is_claimed_once_at_a_time() -> None:
    conn = conn_of(connected())
    first = claim(conn.pk)
    assert first is not None
    assert claim(conn.pk) is None
    assert claim(conn.pk, force=True) is None
    # A lease that expired (its worker died) can be claimed again.
    MailboxConnection.objects.filter(pk=conn.pk).update(
        next_sync_at=timezone.now() - timedelta(seconds=1)
    )
    assert claim(conn.pk) not in (None, first)
    assert run_sync(conn.pk, first).status == "lost"


def test_the_scheduler_enqueues_each_due_sync_once() -> None:
    conn = conn_of(connected())
    assert enqueue_due() == 1
    assert enqueue_due() == 0
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"][0] == conn.pk


def test_a_permanent_error_pauses_the_mailbox_with_the_fix() -> None:
    mailbox = connected()
    dummy.ERRORS[0] = ConnectorError("The server refused the password.", True, action="Fix it.")
    outcome = run_sync(conn_of(mailbox).pk, claim(conn_of(mailbox).pk) or "", sleep=no_sleep)
    assert outcome.status == "paused"
    status = mailbox_status(mailbox)
    assert status.paused and not status.connected
    assert status.last_error == "The server refused the password."
    assert status.error_action == "Fix it."
    assert status.next_sync_at is None
    out = io.StringIO()
    call_command("mailbox", "list", "acme", stdout=out)
    assert "paused after an error" in out.getvalue()
    assert "To fix: Fix it." in out.getvalue()


def test_a_transient_error_is_retried_then_scheduled_with_backoff() -> None:
    mailbox = connected()
    dummy.PAGES.append([rec()])
    dummy.ERRORS[0] = ConnectorError("The connection broke.")
    ok = run_sync(conn_of(mailbox).pk, claim(conn_of(mailbox).pk) or "", sleep=no_sleep)
    assert (ok.status, ok.stored) == ("done", 1)  # retried inside the run
    for n in (2, 3, 4):
        dummy.ERRORS[len(dummy.CALLS) + n - 2] = ConnectorError("The connection broke.")
    MailboxConnection.objects.filter(mailbox=mailbox).update(next_sync_at=timezone.now())
    failed = run_sync(conn_of(mailbox).pk, claim(conn_of(mailbox).pk) or "", sleep=no_sleep)
    assert failed.status == "failed"
    conn = conn_of(mailbox)
    assert conn.failures == 1 and conn.state == MailboxConnection.State.ACTIVE
    assert conn.next_sync_at > timezone.now()
    assert mailbox_status(mailbox).state == "retrying"


def test_a_used_budget_ends_the_run_and_continues_soon(settings: object) -> None:
    settings.REPLYTIME_SYNC_MAX_REQUESTS = 2  # type: ignore[attr-defined]
    mailbox = connected()
    dummy.PAGES.extend([[rec()], [rec()], [rec()]])
    outcome = run_sync(conn_of(mailbox).pk, claim(conn_of(mailbox).pk) or "")
    assert (outcome.status, outcome.stored) == ("partial", 2)
    assert conn_of(mailbox).next_sync_at <= timezone.now()
    settings.REPLYTIME_SYNC_MAX_REQUESTS = 100  # type: ignore[attr-defined]
    rest = run_sync(conn_of(mailbox).pk, claim(conn_of(mailbox).pk) or "")
    assert (rest.status, rest.stored) == ("done", 1)


def test_the_sync_command_prints_what_changed() -> None:
    connected()
    dummy.PAGES.append([rec(), rec()])
    out = io.StringIO()
    call_command("sync", "acme", stdout=out)
    assert "ann@acme.com: 2 new, 0 already stored, 0 rejected" in out.getvalue()


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    assert all(0 <= backoff_delay(3, base=1, cap=100) <= 8 for _ in range(50))
    assert max(backoff_delay(20, base=1, cap=100) for _ in range(50)) <= 100
    assert next_retry_delay(0, 900, interval=300) >= 900
