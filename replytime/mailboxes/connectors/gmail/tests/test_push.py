"""The Pub/Sub push endpoint: it checks the push (URL secret, optional OIDC token) and only
starts a sync of the named mailbox; it never reads mail."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client

from replytime.mailboxes.connectors.gmail.setup import setup_of
from replytime.mailboxes.connectors.gmail.tests.conftest import grant, settings_for
from replytime.mailboxes.connectors.gmail.tests.fake_gmail import FakeGoogle
from replytime.mailboxes.models import Mailbox, MailboxConnection
from replytime.mailboxes.sync.connections import save_connection
from replytime.testing import make_account, make_mailbox

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])
ANN = "ann@acme.example"
AUDIENCE = "https://replytime.example/mailboxes/gmail/push"


def envelope(email: str, history_id: str = "12345") -> bytes:
    data = base64.b64encode(json.dumps({"emailAddress": email, "historyId": history_id}).encode())
    return json.dumps({
        "message": {"data": data.decode(), "messageId": "2070443601311540",
                    "publishTime": "2026-11-29T19:13:55.749Z"},
        "subscription": "projects/replytime-test/subscriptions/gmail-push",
    }).encode()  # fmt: skip


@pytest.fixture
def connected(fake: FakeGoogle, settings: Any) -> Mailbox:
    settings.REPLYTIME_GMAIL = settings_for(fake)
    fake.add_user(ANN)
    mailbox = make_mailbox(make_account("acme", internal_domains=["acme.example"]), ANN)
    client, refresh = grant(fake, ANN)
    conn = save_connection(mailbox, "gmail", {"auth": "oauth", "user": ANN, "client_id": client.client_id},
                           {"refresh_token": refresh, "client_secret": client.secret})  # fmt: skip
    MailboxConnection.objects.filter(pk=conn.pk).update(next_sync_at=None)  # not due by itself
    return mailbox


def post(path: str, body: bytes, **headers: str) -> int:
    return Client().post(path, body, content_type="application/json", headers=headers).status_code


def claimed(mailbox: Mailbox) -> bool:
    return bool(MailboxConnection.objects.get(mailbox=mailbox).claim)


def test_a_push_starts_a_sync_of_that_mailbox_only(fake: FakeGoogle, connected: Mailbox) -> None:
    token = setup_of(connected.account).push_token
    fake.reset_log()
    assert post(f"/mailboxes/gmail/push/{token}/", envelope(ANN)) == 204
    assert claimed(connected)
    assert fake.log == [], "the endpoint itself never calls Google"
    assert post(f"/mailboxes/gmail/push/{token}/", envelope("someone@else.example")) == 204


def test_forged_or_malformed_pushes_are_refused(connected: Mailbox) -> None:
    token = setup_of(connected.account).push_token
    assert post("/mailboxes/gmail/push/not-the-token/", envelope(ANN)) == 403
    assert post(f"/mailboxes/gmail/push/{token}/", b'{"message": {"data": "%%%"}}') == 400
    assert Client().get(f"/mailboxes/gmail/push/{token}/").status_code == 405
    assert not claimed(connected)


def test_the_oidc_token_is_checked_when_an_audience_is_set(fake: FakeGoogle, connected: Mailbox,
                                                           settings: Any) -> None:  # fmt: skip
    pusher = "gmail-push@replytime-test.iam.gserviceaccount.com"
    settings.REPLYTIME_GMAIL = settings_for(
        fake, push_audience=AUDIENCE, push_service_account=pusher
    )
    path = f"/mailboxes/gmail/push/{setup_of(connected.account).push_token}/"
    good = fake.auth.google_token({"aud": AUDIENCE, "email": pusher, "email_verified": True})
    other_aud = fake.auth.google_token({"aud": "https://evil.example", "email": pusher,
                                        "email_verified": True})  # fmt: skip
    other_sa = fake.auth.google_token(
        {"aud": AUDIENCE, "email": "x@y.example", "email_verified": True}
    )
    assert post(path, envelope(ANN)) == 403
    assert post(path, envelope(ANN), Authorization=f"Bearer {other_aud}") == 403
    assert post(path, envelope(ANN), Authorization=f"Bearer {other_sa}") == 403
    assert post(path, envelope(ANN), Authorization=f"Bearer {good[:-4]}AAAA") == 403
    assert not claimed(connected)
    assert post(path, envelope(ANN), Authorization=f"Bearer {good}") == 204
    assert claimed(connected)
