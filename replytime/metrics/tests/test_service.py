"""The database side of the metrics engine: persistence, incremental updates, full rebuilds."""

from __future__ import annotations

import random

import pytest

from replytime.conversations.models import Conversation
from replytime.ingestion.models import Record
from replytime.ingestion.store import RecordStore
from replytime.metrics.models import Activity, ReplyFact, Scope, UnansweredItem
from replytime.metrics.service import recompute_account, update_account
from replytime.testing import header, make_account, make_mailbox

pytestmark = pytest.mark.django_db


def _state(account) -> dict[str, list]:
    """Everything the engine derived, in a form that does not depend on row ids."""
    convs = Conversation.objects.filter(account=account)
    return {
        "conversations": sorted(
            convs.values_list("key", "first_time", "last_time", "message_count", "origin", "waiting")
        ),
        "records": sorted(
            Record.objects.filter(account=account).values_list("provider_id", "conversation__key")
        ),
        "facts": sorted(
            ReplyFact.objects.filter(account=account).values_list(
                "scope", "mailbox_id", "team_id", "conversation__key", "start", "end",
                "calendar_seconds", "business_seconds", "off_hours", "answered", "first_reply",
                "replier_id",
            )
        ),
        "unanswered": sorted(
            UnansweredItem.objects.filter(account=account).values_list(
                "scope", "mailbox_id", "team_id", "conversation__key", "start", "count"
            )
        ),
        "activity": sorted(
            Activity.objects.filter(account=account).values_list(
                "scope", "mailbox_id", "team_id", "conversation__key", "time", "inbound",
                "eligible", "outbound",
            )
        ),
    }  # fmt: skip


def _conversation_set(seed: int) -> list:
    """A mixed set: reference chains, subject-only replies, follow-ups, unanswered mail."""
    rng = random.Random(seed)
    items = []
    day = 0
    for n in range(40):
        day += rng.randint(0, 2)
        base = f"2026-03-{2 + day % 25:02d} {9 + rng.randint(0, 7):02d}:00"
        customer = f"c{n % 7}@client{n % 3}.com"
        subject = f"Question {n % 13}"
        first = header(frm=customer, to=("ann@acme.com",), subject=subject, at=base)
        items.append(first)
        if rng.random() < 0.8:
            delay = rng.randint(600, 90000)
            refs = {"in_reply_to": (first.message_id,)} if rng.random() < 0.6 else {}
            items.append(
                header(
                    frm="ann@acme.com", to=(customer,), subject=f"Re: {subject}",
                    at=first.date + delay, folder="Sent", **refs,
                )
            )  # fmt: skip
    return items


def test_it_builds_facts_for_a_simple_reply() -> None:
    account = make_account()
    mailbox = make_mailbox(account)
    q = header(at="2026-03-02 10:00")
    a = header(frm="ann@acme.com", to=("bob@client.com",), subject="Re: Prices",
               at="2026-03-02 10:30", in_reply_to=(q.message_id,), folder="Sent")  # fmt: skip
    RecordStore(mailbox).store([q, a])
    update_account(account)
    fact = ReplyFact.objects.get(scope=Scope.MAILBOX)
    assert (fact.calendar_seconds, fact.business_seconds, fact.first_reply) == (1800, 1800, True)
    assert fact.replier_id == mailbox.pk
    assert ReplyFact.objects.filter(scope=Scope.ACCOUNT).count() == 1
    assert not Record.objects.filter(dirty=True).exists()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_updates_in_random_chunks_equal_a_full_rebuild(seed: int) -> None:
    items = _conversation_set(seed)
    chunked = make_account("chunked")
    whole = make_account("whole")
    for account in (chunked, whole):
        make_mailbox(account, teams=("support",))
    rng = random.Random(seed)
    shuffled = items[:]
    rng.shuffle(shuffled)
    mailbox = chunked.mailboxes.get()
    while shuffled:
        size = rng.randint(1, 9)
        chunk, shuffled = shuffled[:size], shuffled[size:]
        RecordStore(mailbox).store(chunk)
        update_account(chunked)
    RecordStore(whole.mailboxes.get()).store(items)
    recompute_account(whole)
    left, right = _state(chunked), _state(whole)
    # Mailbox and team ids differ between the two accounts; compare the rest.
    for name in ("facts", "unanswered", "activity"):
        left[name] = [(row[0], *row[3:]) for row in left[name]]
        right[name] = [(row[0], *row[3:]) for row in right[name]]
    # The replier is a mailbox id too: the only mailbox of each account.
    left["facts"] = [(*row[:-1], row[-1] is not None) for row in left["facts"]]
    right["facts"] = [(*row[:-1], row[-1] is not None) for row in right["facts"]]
    assert left == right
    assert right["facts"], "the set must produce reply facts"


def test_a_late_original_message_joins_the_reply_that_came_first() -> None:
    account = make_account()
    mailbox = make_mailbox(account)
    question = header(subject="Prices", at="2026-03-02 10:00")
    reply = header(frm="ann@acme.com", to=("bob@client.com",), subject="RE: Prices",
                   at="2026-03-03 10:00", folder="Sent")  # fmt: skip
    RecordStore(mailbox).store([reply])
    update_account(account)
    assert Conversation.objects.count() == 1
    RecordStore(mailbox).store([question])
    update_account(account)
    assert Conversation.objects.count() == 1
    fact = ReplyFact.objects.get(scope=Scope.MAILBOX)
    assert (fact.calendar_seconds, fact.business_seconds) == (86400, 28800)


def test_recompute_is_idempotent() -> None:
    account = make_account()
    make_mailbox(account)
    RecordStore(account.mailboxes.get()).store(_conversation_set(9))
    recompute_account(account)
    first = _state(account)
    recompute_account(account)
    assert _state(account) == first
