"""Fixtures of the Gmail tests: a fresh fake Google per test, mail from the Enron corpus, and
helpers that obtain real grants from the fake (the PKCE flow, or domain-wide delegation)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from replytime.mailboxes.connectors.base import ConnectorConfig, RequestBudget
from replytime.mailboxes.connectors.gmail import oauth
from replytime.mailboxes.connectors.gmail.conf import GMAIL_SCOPE, GmailOptions
from replytime.mailboxes.connectors.gmail.connector import GmailConnector
from replytime.mailboxes.connectors.gmail.quota import forget_pacers
from replytime.mailboxes.connectors.gmail.tests.corpus import (
    ADDRESS,
    Loaded,
    corpora_dir,
    load_enron,
    read_enron,
)
from replytime.mailboxes.connectors.gmail.tests.fake_auth import Client
from replytime.mailboxes.connectors.gmail.tests.fake_gmail import PROJECT, FakeGoogle
from replytime.mailboxes.connectors.gmail.tests.fake_mail import FakeMailbox

IN_CI = os.environ.get("CI", "").lower() == "true"
REDIRECT = "http://testserver/mailboxes/gmail/callback/"
TOPIC = f"projects/{PROJECT}/topics/replytime-gmail"


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    forget_pacers()
    oauth.forget_tokens()
    yield
    forget_pacers()
    oauth.forget_tokens()


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    server = FakeGoogle().start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Enron:
    """The fake mailbox of one Enron person (headers only), and how many messages it holds."""

    box: FakeMailbox
    count: int


@pytest.fixture(scope="session")
def enron_headers(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    if not corpora_dir().exists():
        message = f"The corpora are missing: {corpora_dir()}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return read_enron(tmp_path_factory.mktemp("enron"))


@pytest.fixture
def enron(fake: FakeGoogle, enron_headers: Loaded) -> Enron:
    box = fake.add_user(ADDRESS, "Martin Cuilla")
    return Enron(box, load_enron(box, enron_headers))


def grant(fake: FakeGoogle, user: str, client: Client | None = None) -> tuple[Client, str]:
    """Run the PKCE authorization-code flow against the fake; (client, refresh token)."""
    client = client or fake.auth.add_client(REDIRECT)
    options = fake.options()
    verifier = oauth.code_verifier()
    url = oauth.authorization_url(
        options, client_id=client.client_id, redirect_uri=REDIRECT, state="s1",
        verifier=verifier, login_hint=user,
    )  # fmt: skip
    with httpx.Client() as http:
        answer = http.get(url)
        assert answer.status_code == 302, answer.text
        query = parse_qs(urlsplit(answer.headers["location"]).query)
        result = oauth.exchange_code(
            http, options, client_id=client.client_id, client_secret=client.secret,
            code=query["code"][0], verifier=verifier, redirect_uri=REDIRECT,
        )  # fmt: skip
    return client, result.refresh_token


def oauth_connector(fake: FakeGoogle, user: str, *, budget: int = 100_000,
                    options: GmailOptions | None = None, **params: Any) -> GmailConnector:  # fmt: skip
    client, refresh = grant(fake, user)
    config = ConnectorConfig(
        mailbox_id=1, address=user,
        params={"auth": "oauth", "user": user, "client_id": client.client_id, **params},
        secrets={"refresh_token": refresh, "client_secret": client.secret},
        budget=RequestBudget(budget),
        options={"gmail": options or fake.options(), "min_year": 1990, "max_future_days": 2},
    )  # fmt: skip
    return GmailConnector(config)


def delegated_params(fake: FakeGoogle, scopes: set[str] | None = None) -> tuple[dict[str, Any], dict[str, str]]:  # fmt: skip
    account = fake.auth.add_service_account(PROJECT, scopes or {GMAIL_SCOPE})
    params = {"auth": "delegated", "client_email": account.email, "key_id": account.key_id}
    secrets = {"private_key": account.json_key(PROJECT, fake.auth.token_url)["private_key"]}
    return params, secrets


def settings_for(fake: FakeGoogle, **changes: Any) -> dict[str, Any]:
    """settings.REPLYTIME_GMAIL pointing at the fake."""
    return dataclasses.asdict(fake.options(**changes))
