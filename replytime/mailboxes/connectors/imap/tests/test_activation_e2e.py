"""Activation by email, end to end: a real SMTP server on loopback receives the invitation,
the owner follows the link, picks IMAP, connects the test Dovecot, and the first sync runs in
a real worker."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import Client

from replytime.ingestion.models import Record
from replytime.mailboxes.activation import invite_owner
from replytime.mailboxes.connectors.imap.tests.conftest import USERS, ImapWorld
from replytime.mailboxes.connectors.imap.tests.dovecot import free_port
from replytime.mailboxes.models import MailboxConnection
from replytime.testing import make_account


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.REPLYTIME_BASE_URL = "http://testserver"
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.mark.django_db(databases=["default", "keystore"], transaction=True)
def test_the_owner_activates_the_mailbox_from_the_emailed_link(
    imap_world: ImapWorld, smtp: Inbox
) -> None:
    server = imap_world.server
    account = make_account("acme", internal_domains=["enron.com"])
    invite_owner(account, "owner@enron.com", name="Owner")
    assert len(smtp.messages) == 1
    mail = message_from_bytes(smtp.messages[0])
    assert mail["To"] == "owner@enron.com"
    body = mail.get_payload(decode=True).decode()
    link = re.search(r"http://testserver(/mailboxes/activate/\S+/)", body)
    assert link, body
    browser = Client()
    choose = browser.get(link.group(1))
    assert choose.status_code == 200
    imap_link = re.search(r'href="(/mailboxes/activate/[^"]+/imap/)"', choose.content.decode())
    assert imap_link
    form = browser.get(imap_link.group(1))
    assert b'<label for="id_password">' in form.content
    fields = {
        "host": server.host, "security": "ssl", "port": str(server.port), "user": "act",
        "ca_pem": server.ca_file.read_text(),
    }  # fmt: skip
    wrong = browser.post(imap_link.group(1), {**fields, "password": "wrong"})
    assert b"refused the user name or password" in wrong.content
    assert not MailboxConnection.objects.filter(kind="imap").exists()
    done = browser.post(imap_link.group(1), {**fields, "password": USERS["act"]})
    assert b"is connected" in done.content, done.content.decode()
    # The link is single-use.
    assert browser.get(link.group(1)).status_code == 410
    # The first sync was enqueued; a worker runs it.
    call_command("worker", "--batch", "--no-scheduler", verbosity=0)
    conn = MailboxConnection.objects.get(kind="imap")
    assert conn.last_success_at is not None
    expected = len(imap_world.inbox) + len(imap_world.sent)
    assert 0.9 * expected < Record.objects.filter(mailbox=conn.mailbox).count() <= expected
    assert USERS["act"] not in conn.secrets
