"""One message, many records (spec §3.1): grouping and per-mailbox collapse."""

from __future__ import annotations

from replytime.conversations.identity import (
    RecordInfo,
    collapse_copies,
    group_messages,
    make_fingerprint,
    record_info_from_header,
)
from replytime.mailboxes.connectors.base import HeaderRecord
from replytime.metrics.engine_core import MailboxInfo
from replytime.metrics.tests.builders import (
    ANN,
    ANN_ID,
    BOB,
    ann_core,
    mailbox_facts,
    rec,
    run,
    wk,
)

MON10 = wk("Mon", "10:00")
ANN_ADDRESSES = frozenset({ANN})


def ids(groups: list[list[RecordInfo]]) -> list[list[int]]:
    return [[r.id for r in g] for g in groups]


def test_shared_message_id_and_fingerprint_are_transitive() -> None:
    a = rec(1, MON10, BOB, [ANN], mid="x@test")
    b = rec(2, MON10, BOB, [ANN], mid="x@test", mailbox=2)
    # Same fingerprint as b (same from, date, subject, to, cc) under another Message-ID.
    c = rec(3, MON10, BOB, [ANN], mid="y@test", mailbox=3)
    d = rec(4, MON10 + 1, BOB, [ANN], mid="z@test")
    assert ids(group_messages([d, c, b, a])) == [[1, 2, 3], [4]]


def test_fingerprint_needs_from_and_date() -> None:
    assert make_fingerprint(None, 1, "s", [], []) is None
    assert make_fingerprint("a@x", None, "s", [], []) is None
    one = make_fingerprint("a@x", 1, "Hello  world ", ["b@x", "c@x"], [])
    assert one == make_fingerprint("a@x", 1, "Hello world", ["c@x", "b@x"], [])
    assert one != make_fingerprint("a@x", 1, "Hello world", ["c@x"], ["b@x"])


def test_records_without_identity_stay_apart() -> None:
    a = rec(1, MON10, None, [ANN], mid=None)
    b = rec(2, MON10, None, [ANN], mid=None)
    assert ids(group_messages([a, b])) == [[1], [2]]


def test_collapse_keeps_earliest_received_and_merges() -> None:
    inbox = rec(1, MON10, BOB, [ANN], received=MON10 + 60, folders=["INBOX"], refs=["p@test"])
    archive = rec(2, MON10, BOB, [ANN], received=MON10 + 30, folders=["Archive"], mid="alt@test")
    merged = collapse_copies([inbox, archive], ANN_ADDRESSES)
    assert merged.record_id == 2
    assert merged.record_ids == (1, 2)
    assert merged.received_at == MON10 + 30
    assert merged.time == MON10 + 30
    assert set(merged.folders) == {"INBOX", "Archive"}
    assert set(merged.message_ids) == {"m1@test", "alt@test"}
    assert merged.references == ("p@test",)
    assert not merged.outbound and not merged.automated


def test_collapse_is_outbound_and_automated_if_any_copy_is() -> None:
    inbox = rec(1, MON10, "ann.smith@acme.com", [BOB], folders=["INBOX"])
    sent = rec(2, MON10, "ann.smith@acme.com", [BOB], folders=["Sent Items"], auto=["x"])
    merged = collapse_copies([inbox, sent], ANN_ADDRESSES)
    assert merged.outbound and merged.automated


def test_duplicate_message_ids_in_one_mailbox_count_once() -> None:
    first = rec(1, MON10, BOB, [ANN], mid="dup@test", folders=["INBOX"])
    copy = rec(2, MON10 + 5, BOB, [ANN], mid="dup@test", folders=["Important"])
    reply = rec(3, MON10 + 600, ANN, [BOB], irt=["dup@test"])
    result = ann_core([copy, reply, first])
    [fact] = mailbox_facts(result)
    assert (fact.start, fact.answered, fact.start_record_id) == (MON10, 1, 1)
    assert len(result.conversations) == 1
    received = [a for a in result.activity if a.scope.kind == "m" and a.inbound]
    assert len(received) == 1


def test_the_same_message_in_two_mailboxes_is_one_message() -> None:
    mailboxes = [MailboxInfo(ANN_ID, (ANN,)), MailboxInfo(2, ("dan@acme.com",))]
    to_both = [ANN, "dan@acme.com"]
    records = [
        rec(1, MON10, BOB, to_both, mid="q@test"),
        rec(2, MON10 + 20, BOB, to_both, mid="q@test", mailbox=2),
        rec(3, MON10 + 600, ANN, [BOB], irt=["q@test"]),
    ]
    result = run(records, mailboxes)
    [conversation] = result.conversations
    assert conversation.message_count == 2
    assert conversation.record_ids == (1, 2, 3)
    account = [f for f in result.facts if f.scope.kind == "a"]
    assert [(f.start, f.answered) for f in account] == [(MON10, 1)]


def test_record_info_from_header() -> None:
    header = HeaderRecord(
        provider_id="p1",
        message_id="a@b",
        from_addr=BOB,
        to=(ANN,),
        subject="Hi",
        date=MON10,
        received_at=MON10 + 3,
    )
    info = record_info_from_header(7, 1, header, extra_message_ids=["c@d", "a@b", ""])
    assert info.message_ids == ("a@b", "c@d")
    assert info.fingerprint == make_fingerprint(BOB, MON10, "Hi", (ANN,), ())
    assert (info.id, info.mailbox_id, info.received_at) == (7, 1, MON10 + 3)
