"""The connector against the fake Graph: header-only requests, delta paging and cursors,
expired cursors, throttling, 5xx, access policies and records built from Graph JSON."""

from __future__ import annotations

import json

import pytest

from replytime.ingestion.models import Record
from replytime.mailboxes.connectors.m365.records import FORBIDDEN_FIELDS, build_record
from replytime.mailboxes.connectors.m365.tests.conftest import (
    BOTH,
    Corpus,
    connect_app,
    fill,
    new_user,
    sync,
)
from replytime.mailboxes.connectors.m365.tests.fake_corpus import graph_message
from replytime.mailboxes.connectors.m365.tests.fake_graph import FakeGraph
from replytime.mailboxes.models import MailboxConnection


def assert_header_only(fake: FakeGraph) -> None:
    """No request asked for a body, and no answer carried one."""
    for entry in fake.log:
        for name in ("$select", "$expand"):
            for value in entry.query.get(name, []):
                asked = {v.strip() for v in value.split(",")}
                assert not asked & FORBIDDEN_FIELDS, entry
        if "/messages/delta" in entry.path and entry.status == 200:
            assert (
                entry.query.get("$select")
                or "$skiptoken" in entry.query
                or ("$deltatoken" in entry.query)
            )
            for item in entry.body["value"]:
                assert not set(item) & FORBIDDEN_FIELDS


@pytest.mark.django_db(databases=BOTH)
def test_first_and_incremental_sync_store_every_message_once(fake: FakeGraph, corpus: Corpus):
    user = new_user(fake)
    fill(fake, user, corpus.inbox, corpus.sent)
    mailbox = connect_app(fake, user)
    first = sync(mailbox)
    assert first.status == "done", first.error
    assert first.stored + first.duplicates + first.rejected == len(corpus.inbox) + len(corpus.sent)
    records = Record.objects.filter(mailbox=mailbox)
    assert records.filter(folders__contains="sentitems").exists()
    assert records.exclude(provider_thread_id=None).count() == records.count()
    cursor = json.loads(MailboxConnection.objects.get(mailbox=mailbox).cursor)
    assert set(cursor["folders"]) == {"inbox", "sentitems"}
    assert all(f["delta"] and not f["next"] for f in cursor["folders"].values())
    fake.log.clear()
    fake.mail.deliver(
        user.id,
        "inbox",
        graph_message(
            sender="new@client.example",
            to=[user.mail],
            subject="Hello",
            message_id="n1@client",
            sent=__import__("datetime").datetime(2001, 5, 1, tzinfo=__import__("datetime").UTC),
        ),
    )
    again = sync(mailbox)
    assert (again.status, again.stored) == ("done", 1)
    delta_calls = fake.requests_to(f"/v1.0/users/{user.id}/mailFolders")
    assert len(delta_calls) == 2  # one delta request per folder
    assert all("$deltatoken" in r.query for r in delta_calls)
    assert all('IdType="ImmutableId"' in r.prefer and "odata.maxpagesize=100" in r.prefer
               for r in delta_calls)  # fmt: skip
    assert_header_only(fake)


@pytest.mark.django_db(databases=BOTH)
def test_expired_delta_link_runs_a_bounded_resync_without_duplicates(
    fake: FakeGraph, corpus: Corpus
) -> None:
    user = new_user(fake)
    fill(fake, user, corpus.inbox, corpus.sent)
    mailbox = connect_app(fake, user)
    assert sync(mailbox).status == "done"
    total = Record.objects.filter(mailbox=mailbox).count()
    fake.mail.expire_tokens()
    fake.log.clear()
    outcome = sync(mailbox)
    assert outcome.status == "done" and outcome.stored == 0
    assert Record.objects.filter(mailbox=mailbox).count() == total
    gone = [r for r in fake.log if r.status == 410]
    assert len(gone) == 2
    assert gone[0].body["error"]["code"] == "SyncStateNotFound"
    filtered = [r for r in fake.log if "$filter" in r.query]
    assert len(filtered) == 2 and filtered[0].query["$filter"][0].startswith("receivedDateTime ge")


@pytest.mark.django_db(databases=BOTH)
def test_throttling_and_5xx_are_retried_honouring_retry_after(fake: FakeGraph, corpus: Corpus):
    user = new_user(fake)
    fill(fake, user, corpus.inbox[:50], corpus.sent[:20])
    mailbox = connect_app(fake, user)
    fake.fail_next(2, 429, "ApplicationThrottled", retry_after=7)
    fake.fail_next(2, 503, "ServiceUnavailable")
    outcome = sync(mailbox)
    assert outcome.status == "done", outcome.error
    expected = len(corpus.inbox[:50]) + len(corpus.sent[:20])
    assert outcome.stored + outcome.duplicates + outcome.rejected == expected
    assert fake.waits[:2] == [7.0, 7.0]  # type: ignore[attr-defined]
    assert len(fake.waits) == 4  # type: ignore[attr-defined]


@pytest.mark.django_db(databases=BOTH)
def test_a_long_retry_after_ends_the_run_and_reschedules(fake: FakeGraph) -> None:
    user = new_user(fake)
    mailbox = connect_app(fake, user)
    fake.fail_next(1, 429, "ApplicationThrottled", retry_after=600)
    outcome = sync(mailbox)
    assert outcome.status == "failed" and outcome.retry_after == 600
    conn = MailboxConnection.objects.get(mailbox=mailbox)
    assert conn.state == MailboxConnection.State.ACTIVE and conn.failures == 1
    fake.throttle.inject.clear()


@pytest.mark.django_db(databases=BOTH)
def test_mailbox_outside_the_access_policy_pauses_with_an_action(fake: FakeGraph) -> None:
    user = new_user(fake)
    mailbox = connect_app(fake, user)
    fake.policy = set()
    outcome = sync(mailbox)
    assert outcome.status == "paused"
    assert "application access policy" in outcome.error
    assert "New-ApplicationAccessPolicy" in outcome.action


def test_records_follow_spec_normalisation() -> None:
    message = graph_message(
        sender="Alice Example <Alice@Example.COM>", to=["Support <SUPPORT@acme.test>"],
        subject="Re: Order\r\nBcc: x@evil", message_id="CAF1@mail.example",
        sent=__import__("datetime").datetime(2023, 11, 14, 22, 13, 20,
                                             tzinfo=__import__("datetime").UTC),
        headers=[("In-Reply-To", "<abc@acme.test>"), ("References", "<r@a> <abc@acme.test>"),
                 ("Auto-Submitted", "auto-replied")],
    )  # fmt: skip
    record = build_record(message, "inbox", now=2e9, min_year=1990, max_future_days=2)
    assert record.from_addr == "alice@example.com" and record.to == ("support@acme.test",)
    assert record.message_id == "CAF1@mail.example" and record.in_reply_to == ("abc@acme.test",)
    assert record.references == ("r@a", "abc@acme.test")
    assert record.auto_flags == ("auto-submitted",) and record.cc == ()
    assert record.subject == "Re: Order Bcc: x@evil"  # no header injection
    assert (record.date, record.received_at) == (1700000000, 1700000002)
    assert record.provider_thread_id == message["conversationId"]
    assert record.folders == ("inbox",) and record.provider_id == f"graph:{message['id']}"
    basic = dict(message)
    del basic["internetMessageHeaders"]  # Mail.ReadBasic: no RFC headers
    fallback = build_record(basic, "inbox", now=2e9, min_year=1990, max_future_days=2)
    assert fallback.in_reply_to == () and fallback.subject == record.subject
