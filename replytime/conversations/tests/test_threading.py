"""Conversations (spec §4): links, subject threading, stable keys, order independence."""

from __future__ import annotations

import base64
import random
from bisect import bisect_left, bisect_right

from hypothesis import given, settings
from hypothesis import strategies as st

from replytime.conversations.identity import RecordInfo
from replytime.conversations.threading import (
    _SubjectIndex,
    conversation_key,
    record_keys,
    thread_index_key,
)
from replytime.metrics.engine_core import CoreResult, MailboxInfo, TeamInfo
from replytime.metrics.tests.builders import (
    ANN,
    ANN_ID,
    BOB,
    ann_core,
    mailbox_facts,
    mailbox_unanswered,
    rec,
    run,
    wk,
)

MON10 = wk("Mon", "10:00")
DAY = 86400
DAN = "dan@acme.com"


def conversations_of(result: CoreResult) -> list[list[int]]:
    """Record ids per conversation, as sorted lists (the partition, without keys)."""
    return sorted(sorted(c.record_ids) for c in result.conversations)


def test_in_reply_to_and_references_link() -> None:
    records = [
        rec(1, MON10, BOB, [ANN], subject="A"),
        rec(2, MON10 + 60, ANN, [BOB], subject="B", irt=["m1@test"]),
        rec(3, MON10 + 120, BOB, [ANN], subject="C", refs=["m1@test", "m2@test"]),
        rec(4, MON10 + 180, BOB, [ANN], subject="D"),
    ]
    assert conversations_of(ann_core(records)) == [[1, 2, 3], [4]]


def test_placeholders_join_messages_that_reference_an_unseen_id() -> None:
    records = [
        rec(1, MON10, BOB, [ANN], subject="A", refs=["missing@test"]),
        rec(2, MON10 + 60, ANN, [BOB], subject="B", irt=["missing@test"]),
    ]
    assert conversations_of(ann_core(records)) == [[1, 2]]


def test_reference_loops_and_self_references_terminate() -> None:
    records = [
        rec(1, MON10, BOB, [ANN], irt=["m1@test"], refs=["m2@test", "m1@test"]),
        rec(2, MON10 + 60, ANN, [BOB], irt=["m3@test"], refs=["m1@test"]),
        rec(3, MON10 + 120, BOB, [ANN], irt=["m2@test"], refs=["m3@test", "m1@test"]),
    ]
    result = ann_core(records)
    assert conversations_of(result) == [[1, 2, 3]]
    assert [(f.start, f.answered) for f in mailbox_facts(result)] == [(MON10, 1)]


def test_reply_dated_before_its_parent() -> None:
    # Clocks can be wrong: the reply carries a Date an hour before the message it answers.
    records = [
        rec(1, MON10, BOB, [ANN], subject="Prices"),
        rec(2, MON10 - 3600, ANN, [BOB], subject="Re: Prices", irt=["m1@test"]),
    ]
    result = ann_core(records)
    assert conversations_of(result) == [[1, 2]]
    assert mailbox_facts(result) == []
    assert [(u.start, u.count) for u in mailbox_unanswered(result)] == [(MON10, 1)]
    # Without references the earlier "reply" cannot join a conversation formed later.
    no_refs = [rec(1, MON10, BOB, [ANN], subject="Prices"), records[1]]
    no_refs[1] = rec(2, MON10 - 3600, ANN, [BOB], subject="Re: Prices")
    assert conversations_of(ann_core(no_refs)) == [[1], [2]]


def _thread_index(header: bytes, child: bytes = b"") -> str:
    return base64.b64encode(header + child).decode()


def test_thread_index_links_on_the_first_22_bytes() -> None:
    header = bytes(range(22))
    other = bytes(range(1, 23))
    records = [
        rec(1, MON10, BOB, [ANN], subject="A", tindex=_thread_index(header)),
        rec(2, MON10 + 60, ANN, [BOB], subject="B", tindex=_thread_index(header, b"\x01" * 5)),
        rec(3, MON10 + 90, BOB, [ANN], subject="C", tindex=_thread_index(other)),
        rec(4, MON10 + 120, BOB, [ANN], subject="D", tindex="not base64!!"),
        rec(5, MON10 + 150, BOB, [ANN], subject="E", tindex="not base64!!"),
    ]
    assert conversations_of(ann_core(records)) == [[1, 2], [3], [4], [5]]


def test_thread_index_key_decoding() -> None:
    header = bytes(range(22))
    assert thread_index_key(_thread_index(header)) == header.hex()
    # Folded white space and missing padding are tolerated; short or invalid values are not.
    folded = _thread_index(header, b"abcde").rstrip("=")
    assert thread_index_key(folded[:10] + " \r\n " + folded[10:]) == header.hex()
    assert thread_index_key(base64.b64encode(b"short").decode()) is None
    assert thread_index_key("@@@@") is None


def test_provider_thread_ids_link_within_one_mailbox_only() -> None:
    mailboxes = [MailboxInfo(ANN_ID, (ANN,)), MailboxInfo(2, (DAN,))]
    records = [
        rec(1, MON10, BOB, [ANN], subject="A", thread="T1"),
        rec(2, MON10 + 60, ANN, [BOB], subject="B", thread="T1"),
        rec(3, MON10 + 120, BOB, [DAN], subject="C", thread="T1", mailbox=2),
    ]
    assert conversations_of(run(records, mailboxes)) == [[1, 2], [3]]


def test_subject_join_window_is_inclusive() -> None:
    records = [
        rec(1, MON10, BOB, [ANN], subject="Prices"),
        rec(2, MON10 + 30 * DAY, ANN, [BOB], subject="Re: Prices"),
    ]
    assert conversations_of(ann_core(records)) == [[1, 2]]
    assert conversations_of(ann_core(records, thread_window_days=29)) == [[1], [2]]


def test_subject_join_needs_the_sender_among_participants() -> None:
    records = [
        rec(1, MON10, BOB, [ANN], subject="Prices"),
        rec(2, MON10 + 60, "eve@other.com", [ANN], subject="RE: Prices"),
        # Bob was a participant (sender) of message 1, so his reply joins.
        rec(3, MON10 + 120, BOB, [ANN], subject="Re: prices"),
    ]
    assert conversations_of(ann_core(records)) == [[1, 3], [2]]


def test_subject_join_requires_a_reply_subject() -> None:
    records = [
        rec(1, MON10, BOB, [ANN], subject="Prices"),
        rec(2, MON10 + 60, ANN, [BOB], subject="Fwd: Prices"),
        rec(3, MON10 + 120, ANN, [BOB], subject="Fwd: Re: Prices"),
        rec(4, MON10 + 180, ANN, [BOB], subject="[ext] RE: Fwd: Prices"),
    ]
    # 4 is a reply subject; the latest "prices" message with Ann among participants is 3.
    assert conversations_of(ann_core(records)) == [[1], [2], [3, 4]]
    assert conversations_of(ann_core([records[0], records[3]])) == [[1, 4]]


def test_subject_join_picks_the_conversation_with_the_latest_message() -> None:
    older = [
        rec(1, MON10, BOB, [ANN], subject="Invoice"),
        rec(2, MON10 + 5 * DAY, BOB, [ANN], subject="Invoice"),
        rec(3, MON10 + 2 * DAY, ANN, [BOB], subject="Invoice", irt=["m1@test"]),
    ]
    reply = rec(4, MON10 + 6 * DAY, ANN, [BOB], subject="Re: Invoice")
    assert conversations_of(ann_core([*older, reply])) == [[1, 3], [2, 4]]


def test_subject_join_ties_go_to_the_earliest_formed_conversation() -> None:
    # Two conversations with a message at the same latest time: the earlier-formed one wins.
    records = [
        rec(1, MON10, BOB, [ANN], subject="Invoice"),
        rec(2, MON10 + 60, BOB, [ANN], subject="Invoice"),
        rec(3, MON10 + DAY, ANN, [BOB], subject="Invoice", irt=["m1@test"], mid="b@test"),
        rec(4, MON10 + DAY, ANN, [BOB], subject="Invoice", irt=["m2@test"], mid="a@test", cc=[ANN]),
        rec(5, MON10 + 2 * DAY, BOB, [ANN], subject="RE: Invoice"),
    ]
    assert conversations_of(ann_core(records)) == [[1, 3, 5], [2, 4]]


def test_components_join_as_a_whole() -> None:
    # A linked reply chain without references to the original joins it by subject as one.
    records = [
        rec(1, MON10, BOB, [ANN], subject="Prices"),
        rec(2, MON10 + DAY, ANN, [BOB], subject="RE: Prices"),
        rec(3, MON10 + 2 * DAY, BOB, [ANN], subject="RE: RE: Prices", irt=["m2@test"]),
    ]
    result = ann_core(records)
    assert conversations_of(result) == [[1, 2, 3]]
    assert [(f.start, f.end) for f in mailbox_facts(result)] == [(MON10, MON10 + DAY)]


def test_conversation_key_is_the_hash_of_the_earliest_message() -> None:
    records = [
        rec(2, MON10 + 60, ANN, [BOB], irt=["m1@test"]),
        rec(1, MON10, BOB, [ANN]),
    ]
    [conversation] = ann_core(records).conversations
    assert conversation.key == conversation_key("mid:m1@test")
    # Without Message-IDs the fingerprint identifies the message.
    bare = rec(5, MON10, BOB, [ANN], mid=None)
    [alone] = ann_core([bare]).conversations
    assert alone.key == conversation_key("fp:" + (bare.fingerprint or ""))


def test_a_partial_rebuild_of_whole_conversations_gives_the_same_results() -> None:
    records = _sample_records(random.Random(7), 60)
    full = _run(records)
    for conversation in full.conversations:
        wanted = set(conversation.record_ids)
        partial = _run([r for r in records if r.id in wanted])
        [again] = partial.conversations
        assert again.key == conversation.key
        assert set(partial.facts) == {f for f in full.facts if f.conversation == again.key}
        assert set(partial.unanswered) == {
            u for u in full.unanswered if u.conversation == again.key
        }


SUBJECTS = ["Prices", "Re: Prices", "Invoice", "RE: Invoice", "Fwd: Prices", "Hello", ""]
CUSTOMERS = [BOB, "eve@other.com", None]
DAN_ID = 2
SALES = "sales@acme.com"
MAILBOXES = [MailboxInfo(ANN_ID, (ANN,)), MailboxInfo(DAN_ID, (DAN,))]
TEAMS = [TeamInfo(10, "sales", (ANN_ID, DAN_ID), addresses=(SALES,))]


def _run(records: list[RecordInfo]) -> CoreResult:
    return run(records, MAILBOXES, TEAMS, count_cc=True)


def _sample_record(rng: random.Random, i: int, count: int) -> RecordInfo:
    """A random record of Ann's or Dan's mailbox, with coarse times so that ties happen."""
    mailbox = rng.choice([ANN_ID, DAN_ID])
    agent = ANN if mailbox == ANN_ID else DAN
    outbound = rng.random() < 0.4
    customer = rng.choice(CUSTOMERS)
    frm, to = (agent, [customer or BOB]) if outbound else (customer, [rng.choice([agent, SALES])])
    return rec(
        i,
        MON10 + rng.randint(0, 30) * 3600 * 6,
        frm,
        to,
        mailbox=mailbox,
        subject=rng.choice(SUBJECTS),
        refs=[f"m{rng.randint(1, count)}@test"] if rng.random() < 0.3 else [],
        mid=f"m{i}@test" if rng.random() < 0.85 else f"m{rng.randint(1, i)}@test",
        cc=[DAN] if rng.random() < 0.2 else [],
        folders=["Sent"] if outbound and rng.random() < 0.5 else [],
        sender=DAN if outbound and rng.random() < 0.1 else None,
        thread=rng.choice([None, None, "T1", "T2"]),
        auto=["auto-submitted"] if rng.random() < 0.1 else [],
        received=None if rng.random() < 0.7 else MON10 + rng.randint(0, 30) * 3600 * 6,
    )


def _sample_records(rng: random.Random, count: int) -> list[RecordInfo]:
    return [_sample_record(rng, i, count) for i in range(1, count + 1)]


def _summary(result: CoreResult) -> tuple[object, ...]:
    return (
        sorted(result.conversation_of_record.items()),
        sorted((c.key, c.record_ids, c.origin, c.waiting) for c in result.conversations),
        sorted(result.facts, key=repr),
        sorted(result.unanswered, key=repr),
        sorted(result.activity, key=repr),
    )


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 10**6), count=st.integers(1, 50), shuffle_seed=st.integers(0, 10**6))
def test_threading_is_independent_of_input_order(seed: int, count: int, shuffle_seed: int) -> None:
    records = _sample_records(random.Random(seed), count)
    shuffled = list(records)
    random.Random(shuffle_seed).shuffle(shuffled)
    assert _summary(_run(shuffled)) == _summary(_run(records))


@settings(max_examples=200, deadline=None)
@given(
    entries=st.lists(
        st.tuples(st.sampled_from(["a", "b"]), st.integers(0, 50), st.integers(0, 8)),
        max_size=60,
    ),
    low=st.integers(0, 50),
    span=st.integers(0, 50),
    candidates=st.sets(st.integers(0, 8), min_size=1, max_size=4),
)
def test_subject_index_strategies_agree(
    entries: list[tuple[str, int, int]], low: int, span: int, candidates: set[int]
) -> None:
    index = _SubjectIndex()
    for subject, time, conv in entries:
        index.add(subject, time, conv)
    times = index.times.get("a", [])
    start, stop = bisect_left(times, low), bisect_right(times, low + span)
    by_scan = index.best_by_scan("a", start, stop, candidates) if times else None
    by_candidate = index.best_by_candidate("a", low, low + span, candidates)
    assert by_scan == by_candidate
    expected = [
        (t, -c) for s, t, c in entries if s == "a" and low <= t <= low + span and c in candidates
    ]
    assert by_scan == (-max(expected)[1] if expected else None)
    assert index.best("a", low, low + span, candidates) == by_scan


def test_record_keys_match_the_conversation_lookup_keys() -> None:
    header = bytes(range(22))
    records = [
        rec(1, MON10, BOB, [ANN], subject="Prices", thread="T9", tindex=_thread_index(header)),
        rec(2, MON10 + 60, ANN, [BOB], subject="RE: Prices", irt=["m1@test"], refs=["x@test"]),
    ]
    [conversation] = ann_core(records).conversations
    keys = set(record_keys(records[0])) | set(record_keys(records[1]))
    assert keys == set(conversation.lookup_keys)
    assert {"m:m1@test", "m:m2@test", "m:x@test", "p:1:T9", "s:prices"} <= keys
    assert f"x:{header.hex()}" in keys
