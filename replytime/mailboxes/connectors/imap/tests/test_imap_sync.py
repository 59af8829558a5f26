"""Sync runs of IMAP mailboxes into the database: idempotency, status, UIDVALIDITY resync."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from replytime.ingestion.models import Record
from replytime.mailboxes.connectors.imap.tests.conftest import USERS, ImapWorld, imap_params
from replytime.mailboxes.models import Mailbox
from replytime.mailboxes.status import mailbox_status
from replytime.mailboxes.sync.connections import save_connection
from replytime.mailboxes.sync.runner import SyncOutcome, run_sync
from replytime.mailboxes.sync.scheduler import claim
from replytime.testing import make_account, make_mailbox

BOTH = ["default", "keystore"]


def connect(world: ImapWorld, user: str) -> Mailbox:
    account = make_account(internal_domains=["enron.com"])
    mailbox = make_mailbox(account, "david.delainey@enron.com")
    save_connection(mailbox, "imap", imap_params(world.server, user), {"password": USERS[user]})
    return mailbox


def sync(mailbox: Mailbox) -> SyncOutcome:
    token = claim(mailbox.connection.pk, force=True)
    assert token
    return run_sync(mailbox.connection.pk, token)


@pytest.mark.django_db(databases=BOTH)
def test_a_sync_stores_every_message_once_and_reports_status(imap_world: ImapWorld) -> None:
    mailbox = connect(imap_world, "ann")
    first = sync(mailbox)
    assert first.status == "done"
    assert first.stored + first.rejected == len(imap_world.inbox) + len(imap_world.sent)
    records = Record.objects.filter(mailbox=mailbox)
    assert records.count() == first.stored
    assert records.filter(folders__contains="\\Sent").count() > 0
    again = sync(mailbox)
    assert (again.stored, again.status) == (0, "done")
    assert again.requests == 3  # login, one EXAMINE per folder (the plan is in the cursor)
    status = mailbox_status(mailbox)
    assert status.connected and status.records == first.stored and not status.last_error
    assert status.next_sync_at is not None and status.next_sync_at > datetime.now(UTC)


@pytest.mark.django_db(databases=BOTH)
def test_a_changed_uidvalidity_resyncs_recent_mail_without_duplicates(
    imap_world: ImapWorld,
) -> None:
    server = imap_world.server
    old = (
        b"From: old@client.example\r\nTo: resync@example.com\r\nSubject: old %d\r\n"
        b"Date: Mon, 2 Mar 2020 10:00:00 +0000\r\nMessage-ID: <old-%d@client.example>\r\n\r\nx\r\n"
    )
    client = server.client("resync")
    for i in range(2):
        client.append("INBOX", old % (i, i), msg_time=datetime(2020, 3, 2, tzinfo=UTC))
    client.logout()
    mailbox = connect(imap_world, "resync")
    first = sync(mailbox)
    total = Record.objects.filter(mailbox=mailbox).count()
    server.set_uidvalidity("resync", "INBOX", 4242)
    second = sync(mailbox)
    assert second.status == "done"
    assert second.stored == 0
    # Bounded: only the inbox messages since the watermark minus the overlap came again.
    inbox_records = len(imap_world.inbox)
    assert 0 < second.duplicates + second.rejected <= inbox_records
    assert Record.objects.filter(mailbox=mailbox).count() == total == first.stored
    assert '"uidvalidity":4242' in Mailbox.objects.get(pk=mailbox.pk).connection.cursor
