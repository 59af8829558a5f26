"""Recorded protocol scenarios through the real sync runner and store: each ends with the same
Record rows and the same reply facts as a clean sync of the mailbox's final state."""

from __future__ import annotations

import time
from typing import Any

import pytest

from replytime.ingestion.models import Record
from replytime.mailboxes.connectors.gmail.tests.conftest import Enron, grant, settings_for
from replytime.mailboxes.connectors.gmail.tests.corpus import ADDRESS, synthetic
from replytime.mailboxes.connectors.gmail.tests.fake_gmail import FakeGoogle
from replytime.mailboxes.models import Mailbox, MailboxConnection
from replytime.mailboxes.sync.connections import save_connection
from replytime.mailboxes.sync.runner import SyncOutcome, run_sync
from replytime.mailboxes.sync.scheduler import claim
from replytime.metrics.models import ReplyFact
from replytime.metrics.service import recompute_account
from replytime.testing import make_account, make_mailbox

BOTH = ["default", "keystore"]
pytestmark = pytest.mark.django_db(databases=BOTH, transaction=False)
_RECORD_FIELDS = (
    "provider_id", "message_id", "extra_message_ids", "in_reply_to", "references",
    "provider_thread_id", "thread_index", "from_addr", "sender", "to_addrs", "cc_addrs",
    "subject", "date", "received_at", "folders", "auto_flags", "size", "fingerprint",
)  # fmt: skip
_FACT_FIELDS = ("scope", "mailbox__address", "team__name", "start", "end", "calendar_seconds",
                "business_seconds", "off_hours", "answered", "first_reply", "replier__address")  # fmt: skip


def connect(fake: FakeGoogle, name: str) -> Mailbox:
    account = make_account(name, internal_domains=["enron.com"])
    mailbox = make_mailbox(account, ADDRESS, teams=("Desk",))
    client, refresh = grant(fake, ADDRESS)
    save_connection(mailbox, "gmail", {"auth": "oauth", "user": ADDRESS, "client_id": client.client_id},
                    {"refresh_token": refresh, "client_secret": client.secret})  # fmt: skip
    return mailbox


def run(mailbox: Mailbox) -> SyncOutcome:
    token = claim(mailbox.connection.pk, force=True)
    assert token
    return run_sync(mailbox.connection.pk, token, sleep=lambda s: time.sleep(min(s, 0.05)))


def sync_until_done(mailbox: Mailbox, runs: int = 30) -> list[SyncOutcome]:
    outcomes = []
    for _ in range(runs):
        outcomes.append(run(mailbox))
        if outcomes[-1].status == "done":
            return outcomes
        assert outcomes[-1].status in ("partial", "failed"), outcomes[-1]
    raise AssertionError(f"no clean end: {outcomes[-3:]}")


def snapshot(mailbox: Mailbox) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(records, reply facts) of the mailbox's account, without row or conversation ids."""
    records = sorted(Record.objects.filter(mailbox=mailbox).values_list(*_RECORD_FIELDS))
    recompute_account(mailbox.account)
    facts = sorted(ReplyFact.objects.filter(account=mailbox.account).values_list(*_FACT_FIELDS),
                   key=repr)  # fmt: skip
    return records, facts


def assert_same_as_clean(fake: FakeGoogle, mailbox: Mailbox) -> None:
    got = snapshot(mailbox)
    clean = connect(fake, "clean")
    assert sync_until_done(clean)[-1].status == "done"
    expected = snapshot(clean)
    assert got[0] == expected[0]
    assert got[1] == expected[1]
    assert len(expected[0]) > 200 and len(expected[1]) > 20
    assert fake.body_requests() == []


@pytest.fixture
def world(fake: FakeGoogle, enron: Enron, settings: Any) -> FakeGoogle:
    synthetic(enron.box, 400, start=1_780_000_000)
    settings.REPLYTIME_GMAIL = settings_for(fake, backoff_base=0.01)
    settings.REPLYTIME_SYNC_MAX_REQUESTS = 2000
    return fake


def test_incremental_sync(world: FakeGoogle) -> None:
    mailbox = connect(world, "acme")
    assert sync_until_done(mailbox)[-1].stored > 200
    box = world.mailboxes[ADDRESS]
    synthetic(box, 120, seed=11, start=1_790_000_000, record=True)
    spam = next(m for m in box.messages.values() if "SPAM" in m.labels)
    box.relabel(spam.id, add=("INBOX",), remove=("SPAM",))  # "not spam"
    world.reset_log()
    outcome = sync_until_done(mailbox)[-1]
    assert outcome.stored >= 110 and outcome.requests < 10
    assert_same_as_clean(world, mailbox)


def test_expired_history_cursor(world: FakeGoogle) -> None:
    mailbox = connect(world, "acme")
    sync_until_done(mailbox)
    box = world.mailboxes[ADDRESS]
    synthetic(box, 80, seed=12, start=1_790_000_000, record=True)
    box.expire_history()
    outcome = sync_until_done(mailbox)[-1]
    assert outcome.duplicates > 0, "the resync overlaps what was stored, and merges it"
    assert_same_as_clean(world, mailbox)


def test_revoked_token_pauses_until_the_owner_reconnects(world: FakeGoogle, settings: Any) -> None:
    settings.REPLYTIME_SYNC_MAX_REQUESTS = 8  # the first run stops half-way
    mailbox = connect(world, "acme")
    assert run(mailbox).status == "partial"
    world.auth.revoke(ADDRESS)
    paused = run(mailbox)
    conn = MailboxConnection.objects.get(mailbox=mailbox)
    assert paused.status == "paused" and conn.state == MailboxConnection.State.PAUSED
    assert "connect it again" in conn.error_action and "@" not in conn.last_error
    client, refresh = grant(world, ADDRESS)  # the owner follows a new activation link
    save_connection(mailbox, "gmail", {"auth": "oauth", "user": ADDRESS, "client_id": client.client_id},
                    {"refresh_token": refresh, "client_secret": client.secret})  # fmt: skip
    assert MailboxConnection.objects.get(mailbox=mailbox).cursor, "the cursor survives"
    settings.REPLYTIME_SYNC_MAX_REQUESTS = 2000
    sync_until_done(mailbox)
    assert_same_as_clean(world, mailbox)


def test_throttling_storm(world: FakeGoogle, settings: Any) -> None:
    # The connector's own pacing is off (huge rate): only the server's refusals slow it down.
    settings.REPLYTIME_GMAIL = settings_for(world, backoff_base=0.05, retries=3)
    world.quota_rate, world.quota_window, world.quota_status = 2000.0, 0.5, 403
    mailbox = connect(world, "acme")
    outcomes = sync_until_done(mailbox)
    refused = [e for e in world.log if e.status in (403, 429)]
    assert len(refused) > 20
    world.quota_rate = None
    assert sum(o.stored for o in outcomes) > 200
    assert_same_as_clean(world, mailbox)


def test_provider_5xx(world: FakeGoogle) -> None:
    world.fault_every = 4
    mailbox = connect(world, "acme")
    world.faults = [503] * 30  # longer than the in-run retries: a run fails and is retried
    outcomes = sync_until_done(mailbox)
    assert any(o.status == "failed" for o in outcomes) or len(outcomes) > 1
    world.fault_every, world.faults = 0, []
    assert_same_as_clean(world, mailbox)
