"""The fake refuses what Google refuses (so passing against it means something), and
metadata messages become records the way the connector promises."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from replytime.mailboxes.connectors.base import ConnectorError, HeaderRecord, Rejected
from replytime.mailboxes.connectors.gmail import batch, oauth
from replytime.mailboxes.connectors.gmail.records import build_record, header_block, metadata_path
from replytime.mailboxes.connectors.gmail.tests.conftest import REDIRECT, grant
from replytime.mailboxes.connectors.gmail.tests.corpus import synthetic
from replytime.mailboxes.connectors.gmail.tests.fake_gmail import FakeGoogle

ANN = "ann@acme.example"


def token_for(fake: FakeGoogle, user: str = ANN) -> str:
    client, refresh = grant(fake, user)
    answer = httpx.post(f"{fake.base}/token", data={
        "grant_type": "refresh_token", "refresh_token": refresh,
        "client_id": client.client_id, "client_secret": client.secret,
    })  # fmt: skip
    return str(answer.json()["access_token"])


def test_the_fake_refuses_what_gmail_metadata_forbids(fake: FakeGoogle) -> None:
    box = fake.add_user(ANN)
    synthetic(box, 3)
    auth = {"Authorization": f"Bearer {token_for(fake)}"}
    base = f"{fake.base}/gmail/v1/users/me/messages"
    message_id = next(iter(box.messages))
    cases = {
        f"{base}/{message_id}": 403,  # format defaults to full
        f"{base}/{message_id}?format=raw": 403,
        f"{base}?q=from:bob": 403,
        f"{base}?labelIds=INBOX&colour=red": 400,  # unknown parameter
        f"{base}/{message_id}?format=metadata&fields=id,bodyText": 400,  # unknown field
        f"{base}/{message_id}?format=metadata&fields=id,payload/headers": 200,
        f"{fake.base}/gmail/v1/users/other@acme.example/messages": 403,
        f"{fake.base}/gmail/v1/users/me/history?startHistoryId=1": 404,
    }
    for url, status in cases.items():
        answer = httpx.get(url, headers=auth)
        assert answer.status_code == status, (url, answer.text)
        if status >= 400:
            error = answer.json()["error"]
            assert {"code", "message", "status", "errors"} <= set(error)
            assert {"reason", "domain", "message"} <= set(error["errors"][0])
    assert httpx.get(base, headers={"Authorization": "Bearer nope"}).status_code == 401
    too_many = batch.build([(f"k{i}", metadata_path(message_id)) for i in range(101)])
    answer = httpx.post(f"{fake.base}/batch/gmail/v1", content=too_many[1],
                        headers={**auth, "Content-Type": too_many[0]})  # fmt: skip
    assert answer.status_code == 400


def test_the_fake_checks_pkce(fake: FakeGoogle) -> None:
    fake.add_user(ANN)
    client = fake.auth.add_client(REDIRECT)
    options = fake.options()
    url = oauth.authorization_url(options, client_id=client.client_id, redirect_uri=REDIRECT,
                                  state="s", verifier=oauth.code_verifier(), login_hint=ANN)  # fmt: skip
    code = parse_qs(urlsplit(httpx.get(url).headers["location"]).query)["code"][0]
    with httpx.Client() as http, pytest.raises(ConnectorError) as caught:
        oauth.exchange_code(http, options, client_id=client.client_id, client_secret=client.secret,
                            code=code, verifier=oauth.code_verifier(), redirect_uri=REDIRECT)  # fmt: skip
    assert caught.value.permanent
    no_pkce = url.replace("code_challenge_method=S256", "code_challenge_method=plain")
    assert "error=invalid_request" in httpx.get(no_pkce).headers["location"]
    broad = url.replace("gmail.metadata", "gmail.readonly")
    assert "error=invalid_scope" in httpx.get(broad).headers["location"]


def _message(headers: list[dict[str, str]], **extra: object) -> dict[str, object]:
    return {"id": "18c1", "threadId": "18c0", "labelIds": ["SENT", "UNREAD", "Label_7"],
            "internalDate": "1767225600500", "sizeEstimate": 4321,
            "payload": {"headers": headers}, **extra}  # fmt: skip


def test_a_metadata_message_becomes_a_record() -> None:
    headers = [
        {"name": "From", "value": "Ann <ann@acme.example>"},
        {"name": "To", "value": "bob@client.example"},
        {"name": "Subject", "value": "Re: Prices\r\nBcc: injected@evil.example"},
        {"name": "Date", "value": "Wed, 31 Dec 2025 23:59:00 +0000"},
        {"name": "Message-Id", "value": "<m1@acme.example>"},
        {"name": "In-Reply-To", "value": "<q1@client.example>"},
    ]
    record = build_record(_message(headers), now=1.8e9, min_year=1990, max_future_days=2)
    assert isinstance(record, HeaderRecord)
    assert record.provider_id == "18c1" and record.provider_thread_id == "18c0"
    assert record.folders == ("Label_7", "SENT") and record.size == 4321
    assert record.received_at == 1767225600 and record.date == 1767225540
    assert record.message_id == "m1@acme.example" and record.in_reply_to == ("q1@client.example",)
    assert "injected" in record.subject and record.to == ("bob@client.example",)


def test_a_message_without_date_takes_gmails_receive_time() -> None:
    block = header_block([{"name": "From", "value": "a@b.example"}], 1767225600)
    assert b"Date: Thu, 01 Jan 2026 00:00:00 GMT" in block
    record = build_record(_message([{"name": "From", "value": "a@b.example"}]), now=1.8e9,
                          min_year=1990, max_future_days=2)  # fmt: skip
    assert isinstance(record, HeaderRecord) and record.date == 1767225600


def test_a_message_without_sender_or_id_is_rejected_without_quoting_it() -> None:
    message = _message([{"name": "Subject", "value": "secret plans"}])
    rejected = build_record(message, now=1.8e9, min_year=1990, max_future_days=2)
    assert isinstance(rejected, Rejected) and "secret" not in rejected.detail


def test_the_directory_is_read_page_by_page(fake: FakeGoogle) -> None:
    from replytime.mailboxes.connectors.gmail.conf import DIRECTORY_SCOPE
    from replytime.mailboxes.connectors.gmail.directory import ServiceAccountKey, list_users
    from replytime.mailboxes.connectors.gmail.tests.fake_gmail import PROJECT

    fake.add_user("admin@acme.example", "Ada Admin", admin=True)
    for n in range(6):
        fake.add_user(f"u{n}@acme.example", f"User {n}", suspended=n == 3)
    fake.add_user("x@other.example")
    fake.directory_page_cap = 3
    account = fake.auth.add_service_account(PROJECT, {DIRECTORY_SCOPE})
    key = ServiceAccountKey(account.email, account.key_id,
                            account.json_key(PROJECT, "")["private_key"])  # fmt: skip
    users = list_users(fake.options(), key, "admin@acme.example", "acme.example")
    assert [u.email for u in users] == [
        "admin@acme.example",
        *(f"u{n}@acme.example" for n in range(6)),
    ]
    assert [u.suspended for u in users].count(True) == 1
    assert len([e for e in fake.log if e.api == "directory.users.list"]) == 3
    with pytest.raises(ConnectorError) as caught:
        list_users(fake.options(), key, "u1@acme.example")  # not an admin
    assert caught.value.permanent and "admin" in caught.value.action
