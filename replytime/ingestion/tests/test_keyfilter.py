"""The key filter of bulk imports, and the store that trusts it only while it is the mailbox's
one writer."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from replytime.ingestion.keyfilter import KeyFilter
from replytime.ingestion.models import Record
from replytime.ingestion.store import RecordStore
from replytime.mailboxes.connectors.base import REASON_NO_DATE, Rejected
from replytime.mailboxes.models import Mailbox
from replytime.testing import header, make_account, make_mailbox

keys = st.lists(st.text(max_size=8), max_size=40)


@given(st.lists(keys, max_size=6))
def test_every_key_seen_before_is_reported(calls: list[list[str]]) -> None:
    # A tiny filter: most answers are collisions, and still no key seen before is missed.
    known = KeyFilter(bits_log2=5)
    before: set[str] = set()
    for call in calls:
        again = set(known.seen(call))
        assert before & set(call) <= again
        before.update(call)


def test_new_keys_are_rarely_taken_for_seen_ones() -> None:
    known = KeyFilter(bits_log2=16)  # 65,536 bits for 1,000 keys: about 1.5 % collide
    known.seen(f"old-{i}@x" for i in range(1000))
    assert len(known.seen([f"new-{i}@x" for i in range(1000)])) < 50


def test_a_filter_needs_some_bits() -> None:
    with pytest.raises(ValueError):
        KeyFilter(bits_log2=2)


def _columns(mailbox: Mailbox) -> list[tuple]:
    names = [
        f.attname
        for f in Record._meta.concrete_fields
        if f.attname not in ("id", "account_id", "mailbox_id")
    ]
    return list(Record.objects.filter(mailbox=mailbox).order_by("id").values_list(*names))


def _lookups(queries: CaptureQueriesContext) -> int:
    table = Record._meta.db_table
    return sum(
        1
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT") and table in q["sql"]
        and "mailbox_id = " in q["sql"]
    )  # fmt: skip


def _batches() -> list[list]:
    """Three batches with copies across them: by Message-ID, by fingerprint, by provider id."""
    first = [header(at=f"2026-03-0{d} 10:00", folder="INBOX") for d in range(1, 6)]
    second = [header(at=f"2026-04-0{d} 10:00", folder="INBOX") for d in range(1, 6)]
    second.append(dataclasses.replace(first[0], provider_id="copy-1", folders=("Sent",)))
    second.append(dataclasses.replace(first[1], provider_id="copy-2", message_id="other@x"))
    third = [dataclasses.replace(second[0], folders=("Archive",)), header(at="2026-05-01 10:00")]
    third.append(Rejected("bad:1", REASON_NO_DATE, "Date header missing"))
    return [first, second, third]


@pytest.mark.django_db
def test_remembering_keys_stores_exactly_what_looking_them_up_stores() -> None:
    results = []
    batches = _batches()
    for remember in (False, True):
        mailbox = make_mailbox(make_account(f"acct-{int(remember)}"))
        store = RecordStore(mailbox, remember_keys=remember)
        counts = [store.store(batch) for batch in batches]
        totals = [(c.stored, c.duplicates, c.rejected) for c in counts]
        results.append((totals, _columns(mailbox)))
    assert results[0] == results[1]
    assert results[1][0] == [(5, 0, 0), (5, 2, 0), (1, 1, 1)]


@pytest.mark.django_db
def test_a_first_import_looks_up_only_keys_it_may_have_stored() -> None:
    mailbox = make_mailbox(make_account())
    store = RecordStore(mailbox, remember_keys=True)
    first = header(at="2026-03-01 10:00", message_id="first@x")
    store.store([first])
    with CaptureQueriesContext(connection) as queries:
        store.store([header(at=f"2026-03-0{d} 11:00") for d in range(2, 8)])
    assert _lookups(queries) == 0
    with CaptureQueriesContext(connection) as queries:
        counts = store.store([dataclasses.replace(first, provider_id="copy", folders=("Sent",))])
    assert _lookups(queries) > 0
    assert (counts.stored, counts.duplicates) == (0, 1)


@pytest.mark.django_db
def test_another_writer_makes_the_store_look_keys_up_again() -> None:
    mailbox = make_mailbox(make_account())
    importer = RecordStore(mailbox, remember_keys=True)
    importer.store([header(at="2026-03-01 10:00")])
    theirs = header(at="2026-03-02 10:00", message_id="theirs@x")
    RecordStore(mailbox).store([theirs])  # e.g. a sync of the same mailbox in between
    copy = dataclasses.replace(theirs, provider_id="elsewhere", folders=("Archive",))
    counts = importer.store([copy])
    assert (counts.stored, counts.duplicates) == (0, 1)
    assert Record.objects.get(message_id="theirs@x").folders.split("\n") == ["Archive", "INBOX"]


@pytest.mark.django_db
def test_a_mailbox_that_holds_records_is_looked_up_from_the_start() -> None:
    mailbox = make_mailbox(make_account())
    stored = header(message_id="kept@x")
    RecordStore(mailbox).store([stored])
    importer = RecordStore(mailbox, remember_keys=True)
    with CaptureQueriesContext(connection) as queries:
        counts = importer.store([dataclasses.replace(stored, provider_id="again")])
    assert (counts.stored, counts.duplicates) == (0, 1)
    assert _lookups(queries) > 0


@pytest.mark.django_db
def test_every_batch_moves_the_mailbox_write_stamp() -> None:
    mailbox = make_mailbox(make_account())
    store = RecordStore(mailbox)
    store.store([header()])
    store.store([Rejected("bad:1", REASON_NO_DATE, "Date header missing")])
    RecordStore(mailbox).store([])
    mailbox.refresh_from_db()
    assert mailbox.record_writes == 3


@pytest.mark.django_db
def test_a_removed_mailbox_stops_the_store_with_a_clear_error() -> None:
    mailbox = make_mailbox(make_account())
    store = RecordStore(mailbox, remember_keys=True)
    store.store([header(at="2026-03-01 10:00")])
    Mailbox.objects.filter(pk=mailbox.pk).delete()
    with pytest.raises(Mailbox.DoesNotExist, match="removed"):
        store.store([header(at="2026-03-02 10:00")])
    assert not Record.objects.filter(mailbox_id=mailbox.pk).exists()
