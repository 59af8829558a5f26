"""Activation links: signed, single-use, expiring; the form is built from the connector."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from replytime.mailboxes.activation import invite_owner
from replytime.mailboxes.models import MailboxConnection
from replytime.testing import make_account

pytestmark = [
    pytest.mark.django_db(databases=["default", "keystore"]),
    pytest.mark.usefixtures("dummy_connector"),
]


def link_of(message: Any) -> str:
    found = re.search(r"https?://[^/\s]+(/mailboxes/activate/\S+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_the_invitation_email_says_what_is_read_and_carries_a_link() -> None:
    invite_owner(make_account(), "ann@acme.com", name="Ann")
    (message,) = mail.outbox
    assert message.to == ["ann@acme.com"]
    assert "never reads" in message.body
    assert Client().get(link_of(message)).status_code == 200


def test_a_newer_invitation_revokes_the_older_link() -> None:
    account = make_account()
    invite_owner(account, "ann@acme.com")
    invite_owner(account, "ann@acme.com")
    old, new = (link_of(m) for m in mail.outbox)
    assert Client().get(old).status_code == 410
    assert Client().get(new).status_code == 200


def test_an_expired_link_is_refused(settings: Any) -> None:
    invite_owner(make_account(), "ann@acme.com")
    settings.REPLYTIME_ACTIVATION_MAX_AGE = -1
    response = Client().get(link_of(mail.outbox[0]))
    assert response.status_code == 410
    assert b"expired" in response.content


def test_a_tampered_link_is_refused() -> None:
    invite_owner(make_account(), "ann@acme.com")
    link = link_of(mail.outbox[0])
    assert Client().get(link[:-3] + "xx/").status_code == 410


def test_the_provider_form_checks_before_saving_and_the_link_works_once() -> None:
    invite_owner(make_account(), "ann@acme.com")
    link = link_of(mail.outbox[0])
    browser = Client()
    page = browser.get(link + "dummy/")
    assert b'<label for="id_host">Host</label>' in page.content
    refused = browser.post(link + "dummy/", {"host": "h", "password": "wrong"})
    assert b"refused the password" in refused.content
    assert MailboxConnection.objects.get().state == MailboxConnection.State.INVITED
    done = browser.post(link + "dummy/", {"host": "h", "password": "right"})
    assert b"is connected" in done.content
    conn = MailboxConnection.objects.get()
    assert conn.state == MailboxConnection.State.ACTIVE and conn.claim  # first sync queued
    assert "right" not in conn.secrets
    assert browser.get(link).status_code == 410
