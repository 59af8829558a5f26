"""The fake Graph (one per test session) and helpers to connect mailboxes to it."""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from replytime.mailboxes.connectors.imap.tests.corpus import corpora_dir, unpack_person
from replytime.mailboxes.connectors.m365 import graph
from replytime.mailboxes.connectors.m365.tests.fake_corpus import (
    from_header_block,
    header_blocks,
    synthetic,
)
from replytime.mailboxes.connectors.m365.tests.fake_graph import FakeGraph, Throttle
from replytime.mailboxes.connectors.m365.tests.fake_mail import User
from replytime.mailboxes.models import Mailbox
from replytime.mailboxes.sync.connections import save_connection
from replytime.mailboxes.sync.runner import SyncOutcome, run_sync
from replytime.mailboxes.sync.scheduler import claim
from replytime.testing import make_account, make_mailbox

BOTH = ["default", "keystore"]
CLIENT_ID = "11111111-2222-3333-4444-555555555555"
SECRET = "fake-client-secret~1"
REDIRECT = "http://testserver/mailboxes/m365/callback/"
APP_ROLES = {"Mail.ReadBasic.All", "User.Read.All"}


@dataclass
class Corpus:
    inbox: list[dict[str, Any]]
    sent: list[dict[str, Any]]


@pytest.fixture(scope="session")
def fake_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeGraph]:
    fake = FakeGraph(tmp_path_factory.mktemp("fake-graph")).start()
    fake.register_app(CLIENT_ID, SECRET, {REDIRECT}, APP_ROLES)
    yield fake
    fake.stop()


@pytest.fixture
def fake(fake_server: FakeGraph, settings: Any) -> Iterator[FakeGraph]:
    """The session's fake with its knobs reset, and replytime pointed at it."""
    fake_server.throttle = Throttle()
    fake_server.policy = None
    fake_server.log.clear()
    settings.REPLYTIME_M365 = fake_server.options()
    waits: list[float] = []
    original = graph.sleep
    graph.sleep = waits.append  # Retry-After waits are recorded, not slept
    fake_server.waits = waits  # type: ignore[attr-defined]
    yield fake_server
    graph.sleep = original


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """Real header blocks of one Enron mailbox as Graph messages (synthetic without corpora)."""
    owner = "david.delainey@enron.com"
    # Unpacking the archive takes seconds: the converted messages are cached between runs.
    cached = Path(tempfile.gettempdir()) / "replytime-m365-enron-v1.json"
    if cached.exists():
        data = json.loads(cached.read_text())
        return Corpus(data["inbox"], data["sent"])
    if corpora_dir().exists():
        person = unpack_person(tmp_path_factory.mktemp("enron"))
        inbox = [m for b in header_blocks(person, "inbox") if (m := from_header_block(b))]
        sent = [m for b in header_blocks(person, "sent_items") if (m := from_header_block(b))]
        if inbox and sent:
            cached.write_text(json.dumps({"inbox": inbox, "sent": sent}))
            return Corpus(inbox, sent)
    start = datetime(2001, 3, 1, tzinfo=UTC)
    return Corpus(synthetic(owner, 300, start=start, sent=False),
                  synthetic(owner, 150, start=start, sent=True))  # fmt: skip


def fill(fake: FakeGraph, user: User, inbox: list[dict[str, Any]], sent: list[dict[str, Any]]
         ) -> None:  # fmt: skip
    for message in inbox:
        fake.mail.deliver(user.id, "inbox", dict(message))
    for message in sent:
        fake.mail.deliver(user.id, "sentitems", dict(message))


def app_params(user: User, **extra: Any) -> dict[str, Any]:
    return {"mode": "application", "tenant": "", "client_id": CLIENT_ID, "user_id": user.id,
            **extra}  # fmt: skip


def connect_app(fake: FakeGraph, user: User, *, account_name: str | None = None,
                domains: tuple[str, ...] = ("enron.com",)) -> Mailbox:  # fmt: skip
    """A mailbox connected in application mode (client credentials) to a fake user."""
    account = make_account(account_name or f"acct-{uuid.uuid4().hex[:8]}",
                           internal_domains=list(domains))  # fmt: skip
    mailbox = make_mailbox(account, user.mail)
    params = app_params(user, tenant=fake.tenant_id)
    save_connection(mailbox, "m365", params, {"client_secret": SECRET})
    return mailbox


def sync(mailbox: Mailbox) -> SyncOutcome:
    token = claim(mailbox.connection.pk, force=True)
    assert token
    return run_sync(mailbox.connection.pk, token, sleep=lambda s: None)


def new_user(fake: FakeGraph, local: str = "david.delainey") -> User:
    return fake.add_user(f"{local}.{uuid.uuid4().hex[:6]}@enron.com")


@pytest.fixture
def tmp_dir(tmp_path: Path) -> Path:
    return tmp_path


def sign_in(fake: FakeGraph, user: User) -> dict[str, Any]:
    """The delegated OAuth round with msal against the fake: (token result, serialized cache).

    Returns the msal result plus the cache under "_cache"; the fake "signs in" `user`.
    """
    import httpx
    import msal

    from replytime.mailboxes.connectors.m365.auth import DELEGATED_SCOPES, build_app

    cache = msal.SerializableTokenCache()
    app = build_app(fake.options(), fake.tenant_id, CLIENT_ID, SECRET, cache)
    flow = app.initiate_auth_code_flow(DELEGATED_SCOPES, redirect_uri=REDIRECT)
    fake.entra.sign_in_user = user.id
    answer = httpx.get(flow["auth_uri"], verify=fake.ca_file, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    query = dict(httpx.URL(answer.headers["location"]).params)
    result = app.acquire_token_by_auth_code_flow(flow, query)
    result["_cache"] = cache.serialize()
    return result


def connect_delegated(fake: FakeGraph, user: User, mailbox: Mailbox | None = None) -> Mailbox:
    result = sign_in(fake, user)
    assert "access_token" in result, result
    if mailbox is None:
        account = make_account(f"acct-{uuid.uuid4().hex[:8]}", internal_domains=["enron.com"])
        mailbox = make_mailbox(account, user.mail)
    params = {"mode": "delegated", "tenant": fake.tenant_id, "client_id": CLIENT_ID,
              "user_id": result["id_token_claims"]["oid"]}  # fmt: skip
    save_connection(mailbox, "m365", params, {"client_secret": SECRET,
                                              "token_cache": result["_cache"]})  # fmt: skip
    return mailbox
