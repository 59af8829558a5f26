from __future__ import annotations

import dataclasses

import pytest

from replytime.ingestion import store as store_module
from replytime.ingestion.models import ImportRun, Record, Rejection
from replytime.ingestion.store import RecordStore
from replytime.mailboxes.connectors.base import REASON_NO_DATE, Rejected
from replytime.testing import header, make_account, make_mailbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox():
    return make_mailbox(make_account())


def _snapshot(mailbox) -> list[dict]:
    return list(
        Record.objects.filter(mailbox=mailbox)
        .order_by("provider_id")
        .values("provider_id", "message_id", "extra_message_ids", "folders", "received_at")
    )


def test_it_stores_a_batch_and_counts_it(mailbox) -> None:
    run = ImportRun.objects.create(account=mailbox.account, mailbox=mailbox)
    items = [
        header(at="2026-03-02 10:00"),
        header(at="2026-03-02 11:00"),
        Rejected("x:1", REASON_NO_DATE, "Date header missing"),
    ]
    counts = RecordStore(mailbox, run).store(items)
    assert (counts.stored, counts.duplicates, counts.rejected) == (2, 0, 1)
    run.refresh_from_db()
    assert run.read == run.stored + run.duplicates + run.rejected == 3
    assert Record.objects.filter(mailbox=mailbox).count() == 2
    assert Rejection.objects.get(mailbox=mailbox).reason == REASON_NO_DATE


def test_it_stores_nothing_new_when_the_same_batch_comes_again(mailbox) -> None:
    items = [header(at="2026-03-02 10:00"), header(at="2026-03-03 10:00")]
    items.append(Rejected("x:1", REASON_NO_DATE))
    RecordStore(mailbox).store(items)
    before = _snapshot(mailbox)
    counts = RecordStore(mailbox).store(items)
    assert (counts.stored, counts.duplicates) == (0, 2)
    assert _snapshot(mailbox) == before
    assert Rejection.objects.filter(mailbox=mailbox).count() == 1


def test_it_merges_copies_of_one_message_in_two_folders(mailbox) -> None:
    first = header(message_id="same@x", folder="INBOX", at="2026-03-02 10:05")
    second = dataclasses.replace(
        first, provider_id="other", folders=("Archive",), received_at=first.received_at - 300
    )
    counts = RecordStore(mailbox).store([first])
    counts.add(RecordStore(mailbox).store([second]))
    assert (counts.stored, counts.duplicates) == (1, 1)
    record = Record.objects.get(mailbox=mailbox)
    assert record.folders.split("\n") == ["Archive", "INBOX"]
    assert record.received_at == first.received_at - 300


def test_two_messages_with_equal_headers_are_one_message(mailbox) -> None:
    # Same from, Date, subject, To and Cc: the fingerprint of spec §3.1 makes them one.
    counts = RecordStore(mailbox).store([header(), header()])
    assert (counts.stored, counts.duplicates) == (1, 1)


def test_it_treats_equal_fingerprints_as_one_message(mailbox) -> None:
    # Enron: the same email filed in two folders under two different Message-IDs.
    first = header(message_id="a@enron", folder="inbox")
    second = dataclasses.replace(first, provider_id="p2", message_id="b@enron", folders=("all",))
    counts = RecordStore(mailbox).store([first, second])
    assert (counts.stored, counts.duplicates) == (1, 1)
    record = Record.objects.get(mailbox=mailbox)
    assert record.message_id == "a@enron"
    assert record.extra_message_ids == "b@enron"


def test_merging_gives_the_same_result_in_any_order(mailbox) -> None:
    other = make_mailbox(mailbox.account, "zed@acme.com")
    a = header(message_id="a@x", folder="inbox", at="2026-03-02 10:00")
    b = dataclasses.replace(a, provider_id="p2", folders=("sent",), references=("r@x",))
    RecordStore(mailbox).store([a, b])
    RecordStore(other).store([b, a])
    left = _snapshot(mailbox)[0]
    right = _snapshot(other)[0]
    assert left["folders"] == right["folders"] == "inbox\nsent"


def test_a_message_without_identity_is_kept_apart_by_provider_id(mailbox) -> None:
    items = [header(message_id="", date=None), header(message_id="", date=None)]
    RecordStore(mailbox).store(items)
    RecordStore(mailbox).store(items)
    assert Record.objects.filter(mailbox=mailbox).count() == 2


def test_records_of_another_mailbox_are_not_duplicates(mailbox) -> None:
    other = make_mailbox(mailbox.account, "bea@acme.com")
    item = header(message_id="shared@x")
    RecordStore(mailbox).store([item])
    counts = RecordStore(other).store([item])
    assert counts.stored == 1
    assert Record.objects.filter(message_id="shared@x").count() == 2


def _columns(mailbox) -> list[tuple]:
    fields = [
        f.attname
        for f in Record._meta.concrete_fields
        if f.attname not in ("id", "account_id", "mailbox_id")
    ]
    return list(Record.objects.filter(mailbox=mailbox).order_by("id").values_list(*fields))


@pytest.mark.parametrize(
    "shared",
    [
        None,  # all distinct: the path without matching
        "message_id",  # two records of the batch share a Message-ID
        "fingerprint",  # two records of the batch share a fingerprint
        "stored",  # one record shares a key with a stored row
    ],
)
@pytest.mark.django_db
def test_a_batch_gives_what_one_record_at_a_time_gives(
    shared: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = [header(at=f"2026-03-0{d} 10:00", folder=f"F{d}") for d in range(1, 6)]
    if shared == "message_id":
        items.append(header(message_id=items[1].message_id, at="2026-03-09 10:00"))
    if shared == "fingerprint":
        items.append(dataclasses.replace(items[2], provider_id="p", message_id="o@x"))
    stored = header(at="2026-02-01 10:00", message_id="kept@x")
    if shared == "stored":
        items.append(dataclasses.replace(stored, provider_id="again", folders=("Later",)))
    results = []
    for one_by_one in (False, True):
        mailbox = make_mailbox(make_account(f"acct-{int(one_by_one)}"))
        if shared == "stored":
            RecordStore(mailbox).store([stored])
        store = RecordStore(mailbox)
        if one_by_one:
            # The reference: one record at a time, always through the full matching.
            monkeypatch.setattr(store_module._Keys, "all_distinct", lambda keys: False)
            counts = [store.store([item]) for item in items]
            total = (sum(c.stored for c in counts), sum(c.duplicates for c in counts))
        else:
            counts = store.store(items)
            total = (counts.stored, counts.duplicates)
        results.append((total, _columns(mailbox)))
    assert results[0] == results[1]
    expected_duplicates = 0 if shared is None else 1
    assert results[0][0][1] == expected_duplicates


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"to": (), "cc": ()},
        {"to": ("b@x.com", "a@x.com", "b@x.com"), "cc": ("c@y.org", "a@x.com")},
        {"subject": "  Re:   spaced\tout  ", "frm": None},
        {"subject": 'quotes " and \\ back', "to": ("ü@exämple.de",)},
    ],
)
def test_the_fingerprint_from_column_values_is_the_one_from_parsed_fields(changes: dict) -> None:
    # A parser process prepares all but the fingerprint; the importer adds it from the joined
    # To and Cc columns. It must be exactly what preparing everything at once gives.
    rec = header(**changes)
    fields = store_module._record_fields(rec)
    whole = store_module.prepare_fields(fields)
    split = store_module.with_fingerprint(store_module.prepare_without_fingerprint(fields))
    assert split == whole
    if "frm" in changes:  # no From address: no fingerprint (spec §3.1)
        assert whole[-1] is None
    else:
        assert len(whole[-1]) == 32 and int(whole[-1], 16) >= 0
