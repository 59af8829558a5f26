"""The web side: the owner's activation through Google's consent screen (PKCE), the admin's
set-up page and Workspace bulk add, all against the fake Google."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from replytime.keystore.services import unseal
from replytime.mailboxes.activation import activation_token, invite_owner
from replytime.mailboxes.connectors.gmail.conf import DIRECTORY_SCOPE, GMAIL_SCOPE
from replytime.mailboxes.connectors.gmail.models import GoogleSetup
from replytime.mailboxes.connectors.gmail.tests.conftest import REDIRECT, settings_for
from replytime.mailboxes.connectors.gmail.tests.corpus import synthetic
from replytime.mailboxes.connectors.gmail.tests.fake_gmail import PROJECT, FakeGoogle
from replytime.mailboxes.models import Mailbox, MailboxConnection
from replytime.mailboxes.sync.runner import run_sync
from replytime.tenancy.models import Account, Role
from replytime.testing import make_account, make_mailbox, make_member

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])
ANN = "ann@acme.example"


@pytest.fixture
def acme(fake: FakeGoogle, settings: Any) -> Account:
    client = fake.auth.add_client(REDIRECT)
    settings.REPLYTIME_BASE_URL = "http://testserver"
    settings.REPLYTIME_GMAIL = settings_for(fake, client_id=client.client_id,
                                            client_secret=client.secret)  # fmt: skip
    synthetic(fake.add_user(ANN, "Ann Example"), 30)
    return make_account("acme", internal_domains=["acme.example"])


def start_activation(client: Client, account: Account) -> tuple[str, str]:
    """Open the activation link, choose Gmail; (the Google consent URL, the link token)."""
    token = activation_token(invite_owner(account, ANN))
    chosen = client.get(f"/mailboxes/activate/{token}/gmail/")
    assert chosen.status_code == 302
    to_google = client.get(chosen["Location"])
    assert to_google.status_code == 302
    return to_google["Location"], token


def consent(url: str) -> str:
    """The owner consents at the fake Google; the callback path and query it redirects to."""
    answer = httpx.get(url)
    assert answer.status_code == 302, answer.text
    parts = urlsplit(answer.headers["location"])
    return f"{parts.path}?{parts.query}"


def test_the_owner_connects_gmail_through_googles_consent_screen(
    fake: FakeGoogle, acme: Account
) -> None:
    client = Client()
    url, _token = start_activation(client, acme)
    query = parse_qs(urlsplit(url).query)
    assert query["scope"] == [f"openid email {GMAIL_SCOPE}"]
    assert query["code_challenge_method"] == ["S256"] and query["access_type"] == ["offline"]
    assert query["login_hint"] == [ANN] and "include_granted_scopes" not in query
    done = client.get(consent(url))
    assert done.status_code == 200 and b"is connected" in done.content
    conn = MailboxConnection.objects.get(mailbox__address=ANN)
    assert conn.kind == "gmail" and conn.state == MailboxConnection.State.ACTIVE
    assert conn.claim, "the first sync was started"
    assert "1//" not in conn.secrets  # sealed, never the plain refresh token
    secrets = json.loads(unseal(acme.pk, conn.secrets, purpose=f"mailbox:{conn.mailbox.public_id}"))
    assert secrets["refresh_token"].startswith("1//") and conn.params["auth"] == "oauth"
    outcome = run_sync(conn.pk, conn.claim)
    assert outcome.status == "done" and outcome.stored > 20


def test_a_replayed_or_forged_callback_is_refused(fake: FakeGoogle, acme: Account) -> None:
    client = Client()
    url, _token = start_activation(client, acme)
    back = consent(url)
    forged = client.get(back.replace("state=", "state=x"))
    assert forged.status_code == 400
    assert not MailboxConnection.objects.filter(mailbox__address=ANN, kind="gmail").exists()


def test_the_wrong_google_account_is_refused(fake: FakeGoogle, acme: Account) -> None:
    fake.add_user("bob@acme.example")
    fake.auth.chosen_account = "bob@acme.example"
    client = Client()
    url, _token = start_activation(client, acme)
    answer = client.get(consent(url))
    assert answer.status_code == 400 and b"is not this mailbox" in answer.content
    assert not MailboxConnection.objects.filter(mailbox__address=ANN, kind="gmail").exists()


@pytest.mark.parametrize(("consent_mode", "text"), [("deny", b"access_denied"),
                                                    ("no-gmail", b"leave the")])  # fmt: skip
def test_declined_consent_explains_and_saves_nothing(fake: FakeGoogle, acme: Account,
                                                     consent_mode: str, text: bytes) -> None:  # fmt: skip
    fake.auth.consent = consent_mode
    client = Client()
    url, token = start_activation(client, acme)
    answer = client.get(consent(url))
    assert answer.status_code == 400 and text in answer.content
    assert f"/mailboxes/activate/{token}/".encode() in answer.content
    assert not MailboxConnection.objects.filter(mailbox__address=ANN, kind="gmail").exists()


def _admin(account: Account, email: str = "dave@acme.example") -> Client:
    client = Client()
    client.force_login(make_member(account, email, Role.ADMIN).user)  # type: ignore[attr-defined]
    return client


def test_the_setup_page_seals_the_client_secret_and_the_key(
    fake: FakeGoogle, acme: Account
) -> None:
    account = fake.auth.add_service_account(PROJECT, {GMAIL_SCOPE})
    key = json.dumps(account.json_key(PROJECT, fake.auth.token_url)).encode()
    client = _admin(acme)
    page = client.get("/mailboxes/gmail/a/acme/setup/")
    assert page.status_code == 200 and REDIRECT.encode() in page.content
    answer = client.post("/mailboxes/gmail/a/acme/setup/", {
        "client_id": "own.apps.googleusercontent.com", "client_secret": "GOCSPX-own-secret",
        "key_file": SimpleUploadedFile("key.json", key, "application/json"),
        "admin_email": "dave@acme.example", "topic": f"projects/{PROJECT}/topics/gmail",
    })  # fmt: skip
    assert answer.status_code == 302
    setup = GoogleSetup.objects.get(account=acme)
    assert setup.client_id == "own.apps.googleusercontent.com"
    assert "GOCSPX" not in setup.client_secret and "PRIVATE KEY" not in setup.service_account_key
    assert setup.service_account_email == account.email
    assert b"GOCSPX" not in client.get("/mailboxes/gmail/a/acme/setup/").content
    viewer = Client()
    viewer.force_login(make_member(acme, "vera@acme.example", Role.VIEWER).user)  # type: ignore[attr-defined]
    assert viewer.get("/mailboxes/gmail/a/acme/setup/").status_code == 403


def test_a_workspace_admin_adds_ticked_users_without_their_consent(
    fake: FakeGoogle, acme: Account
) -> None:
    fake.add_user("dave@acme.example", "Dave Admin", admin=True)
    cy_box = fake.add_user("cy@acme.example", "Cy Example", aliases=("sales@acme.example",))
    synthetic(cy_box, 20)
    fake.add_user("old@acme.example", "Old Example", suspended=True)
    service = fake.auth.add_service_account(PROJECT, {GMAIL_SCOPE, DIRECTORY_SCOPE})
    key = json.dumps(service.json_key(PROJECT, fake.auth.token_url)).encode()
    client = _admin(acme)
    client.post("/mailboxes/gmail/a/acme/setup/", {
        "key_file": SimpleUploadedFile("key.json", key), "admin_email": "dave@acme.example",
        "domain": "acme.example",
    })  # fmt: skip
    page = client.get("/mailboxes/gmail/a/acme/users/")
    assert page.status_code == 200
    assert b'value="cy@acme.example"' in page.content and b"suspended" in page.content
    assert b'value="old@acme.example"' not in page.content
    answer = client.post("/mailboxes/gmail/a/acme/users/", {"users": [ANN, "cy@acme.example"]})
    assert answer.status_code == 302
    cy = Mailbox.objects.get(account=acme, address="cy@acme.example")
    assert cy.name == "Cy Example" and "sales@acme.example" in cy.address_set()
    conn = MailboxConnection.objects.get(mailbox=cy)
    assert conn.params["auth"] == "delegated" and conn.claim
    kept = [m for m in cy_box.messages.values() if not {"DRAFT", "SPAM"} & set(m.labels)]
    assert run_sync(conn.pk, conn.claim).stored == len(kept)
    ann = MailboxConnection.objects.get(mailbox__address=ANN)
    assert run_sync(ann.pk, ann.claim).status == "done"


def test_bulk_add_reports_missing_delegation(fake: FakeGoogle, acme: Account) -> None:
    fake.add_user("dave@acme.example", "Dave Admin", admin=True)
    service = fake.auth.add_service_account(PROJECT, {DIRECTORY_SCOPE})  # no gmail.metadata
    key = json.dumps(service.json_key(PROJECT, fake.auth.token_url)).encode()
    client = _admin(acme)
    client.post("/mailboxes/gmail/a/acme/setup/", {
        "key_file": SimpleUploadedFile("key.json", key), "admin_email": "dave@acme.example",
    })  # fmt: skip
    answer = client.post("/mailboxes/gmail/a/acme/users/", {"users": [ANN]}, follow=True)
    assert b"Domain-wide delegation is not allowed" in answer.content
    assert not MailboxConnection.objects.filter(account=acme, kind="gmail").exists()


def test_users_page_without_a_service_account_says_what_to_do(acme: Account) -> None:
    page = _admin(acme).get("/mailboxes/gmail/a/acme/users/")
    assert b"service account" in page.content
    assert make_mailbox  # the helper stays imported for readers of this module
