"""Recorded protocol scenarios: each ends with the same records and reply facts as a clean
sync of the same mailbox (compared after recompute_account)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from replytime.ingestion.models import Record
from replytime.mailboxes.connectors.base import RequestBudget
from replytime.mailboxes.connectors.m365.graph import GraphClient
from replytime.mailboxes.connectors.m365.tests.conftest import (
    BOTH,
    Corpus,
    connect_app,
    connect_delegated,
    fill,
    new_user,
    sync,
)
from replytime.mailboxes.connectors.m365.tests.fake_corpus import synthetic
from replytime.mailboxes.connectors.m365.tests.fake_graph import FakeGraph
from replytime.mailboxes.connectors.m365.tests.fake_mail import User
from replytime.mailboxes.connectors.m365.tests.test_connector import assert_header_only
from replytime.mailboxes.models import Mailbox, MailboxConnection
from replytime.metrics.models import ReplyFact
from replytime.metrics.service import recompute_account

START = datetime(2001, 6, 1, tzinfo=UTC)
RECORD_FIELDS = ("provider_id", "message_id", "in_reply_to", "references", "provider_thread_id",
                 "from_addr", "to_addrs", "cc_addrs", "subject", "date", "received_at",
                 "folders", "auto_flags")  # fmt: skip


def snapshot(mailbox: Mailbox) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    recompute_account(mailbox.account)
    records = sorted(Record.objects.filter(mailbox=mailbox).values_list(*RECORD_FIELDS))
    facts = sorted(
        ReplyFact.objects.filter(account=mailbox.account).values_list(
            "scope", "start", "end", "calendar_seconds", "business_seconds", "answered",
            "first_reply")
    )  # fmt: skip
    return records, facts


def world(fake: FakeGraph, corpus: Corpus, extra: int = 200) -> User:
    user = new_user(fake)
    fill(fake, user, corpus.inbox + synthetic(user.mail, extra, start=START, sent=False),
         corpus.sent + synthetic(user.mail, extra // 2, start=START, sent=True))  # fmt: skip
    return user


def clean(fake: FakeGraph, user: User) -> tuple[list[Any], list[Any]]:
    mailbox = connect_app(fake, user)
    assert sync(mailbox).status == "done"
    return snapshot(mailbox)


@pytest.mark.django_db(databases=BOTH)
def test_first_sync_of_20000_messages(fake: FakeGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    # The metrics update after the run is not part of the protocol under test (and is slow).
    monkeypatch.setattr("replytime.mailboxes.sync.runner._update_metrics", lambda conn: 0)
    user = new_user(fake)
    fill(fake, user, synthetic(user.mail, 13_334, start=START, sent=False),
         synthetic(user.mail, 6_666, start=START, sent=True))  # fmt: skip
    mailbox = connect_app(fake, user)
    outcome = sync(mailbox)
    assert outcome.status == "done" and outcome.stored == 20_000
    assert outcome.requests * 1000 / 20_000 <= 25  # the target for Graph
    assert Record.objects.filter(mailbox=mailbox).count() == 20_000
    assert_header_only(fake)
    assert fake.throttle.refused == 0


@pytest.mark.django_db(databases=BOTH)
def test_incremental_sync_matches_a_clean_sync(fake: FakeGraph, corpus: Corpus) -> None:
    user = world(fake, corpus)
    later = fake.add_user(user.upn)  # the same mailbox, connected before most mail arrived
    fill(fake, later, corpus.inbox, corpus.sent)
    mailbox = connect_app(fake, later)
    assert sync(mailbox).status == "done"
    for folder in ("inbox", "sentitems"):  # the rest arrives after the first sync
        for message in user.folders[folder].messages.values():
            if message["id"] not in later.folders[folder].messages:
                fake.mail.deliver(later.id, folder, dict(message))
    assert sync(mailbox).status == "done"
    assert snapshot(mailbox) == clean(fake, user)


@pytest.mark.django_db(databases=BOTH)
def test_expired_cursor_mid_round_matches_a_clean_sync(fake: FakeGraph, corpus: Corpus,
                                                      settings: Any) -> None:  # fmt: skip
    user = world(fake, corpus)
    mailbox = connect_app(fake, user)
    settings.REPLYTIME_SYNC_MAX_REQUESTS = 6  # stops mid-round, holding a nextLink
    assert sync(mailbox).status == "partial"
    fake.mail.expire_tokens()
    settings.REPLYTIME_SYNC_MAX_REQUESTS = 2000
    assert sync(mailbox).status == "done"
    assert any(r.status == 410 for r in fake.log)
    assert snapshot(mailbox) == clean(fake, user)


@pytest.mark.django_db(databases=BOTH)
def test_revoked_token_pauses_then_reconnect_matches_a_clean_sync(
    fake: FakeGraph, corpus: Corpus
) -> None:
    user = world(fake, corpus)
    mailbox = connect_delegated(fake, user)
    assert sync(mailbox).status == "done"
    fake.entra.revoke_user(user.id)
    fake.entra.expire_access_tokens()
    paused = sync(mailbox)
    assert paused.status == "paused" and "invalid_grant" in paused.error
    assert "connect it again" in paused.action
    conn = MailboxConnection.objects.get(mailbox=mailbox)
    assert conn.state == MailboxConnection.State.PAUSED
    connect_delegated(fake, user, mailbox)  # the owner signs in again
    assert sync(mailbox).status == "done"
    assert snapshot(mailbox) == clean(fake, user)


@pytest.mark.django_db(databases=BOTH)
def test_throttling_storm_matches_a_clean_sync(fake: FakeGraph, corpus: Corpus) -> None:
    user = world(fake, corpus)
    mailbox = connect_app(fake, user)
    fake.fail_next(12, 429, "ApplicationThrottled", retry_after=2)
    assert sync(mailbox).status == "done"
    assert not fake.throttle.inject  # every 429 was answered, and waited for
    assert fake.waits.count(2.0) >= 10  # type: ignore[attr-defined]
    assert snapshot(mailbox) == clean(fake, user)


@pytest.mark.django_db(databases=BOTH)
def test_provider_5xx_mid_round_matches_a_clean_sync(fake: FakeGraph, corpus: Corpus,
                                                    settings: Any) -> None:  # fmt: skip
    user = world(fake, corpus)
    mailbox = connect_app(fake, user)
    settings.REPLYTIME_SYNC_MAX_REQUESTS = 5
    assert sync(mailbox).status == "partial"
    settings.REPLYTIME_SYNC_MAX_REQUESTS = 2000
    fake.fail_next(3, 503, "ServiceUnavailable")
    fake.fail_next(2, 504, "GatewayTimeout", retry_after=1)
    assert sync(mailbox).status == "done"
    assert snapshot(mailbox) == clean(fake, user)


def test_the_fifth_concurrent_request_is_refused_and_the_client_never_sends_it(
    fake: FakeGraph,
) -> None:
    user = new_user(fake)
    token = fake.app_token({"Mail.ReadBasic.All"})
    fake.throttle.latency = 0.4
    url = f"{fake.graph_url}/users/{user.id}/mailFolders/inbox"
    statuses: list[int] = []

    def raw() -> None:
        answer = httpx.get(url, headers={"Authorization": f"Bearer {token}"},
                           verify=fake.ca_file)  # fmt: skip
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            assert answer.headers["Retry-After"] == "1"
            assert "MailboxConcurrency" in answer.json()["error"]["message"]

    threads = [threading.Thread(target=raw) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 200, 200, 200, 429]
    fake.throttle.refused = 0

    def polite() -> None:
        client = GraphClient(fake.graph_url, lambda fresh: token, RequestBudget(100),
                             mailbox_key=user.id, verify=fake.ca_file)  # fmt: skip
        client.get(f"users/{user.id}/mailFolders/inbox")
        client.close()

    threads = [threading.Thread(target=polite) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fake.throttle.refused == 0 and fake.throttle.max_inflight[user.id.lower()] == 4
