"""One message, many records (spec §3.1).

Records of one account are *the same message* when they share a Message-ID or have equal
fingerprints, closed transitively. Records of one mailbox that are the same message collapse to
one `MailboxRecord`: the copy with the earliest `received_at` is kept, folders, Message-IDs and
references are merged, and it is outbound (or automated) if any copy is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from replytime.lib.headers import fingerprint_of
from replytime.mailboxes.connectors.base import HeaderRecord
from replytime.metrics.direction import choose_time, is_automated, is_outbound


@dataclass(frozen=True, slots=True)
class RecordInfo:
    """One stored record (spec §1) as the metrics core sees it. Times are UTC epoch seconds.

    `message_ids` holds the primary Message-ID and any merged extras (no angle brackets, no
    empty values); `fingerprint` is `make_fingerprint(...)` or None when it is undefined.
    Addresses are lowercased bare addresses; `auto_flags` are the §3.3 signals the parser found.
    `record_info_from_header` builds one from a connector's `HeaderRecord`.
    """

    id: int
    mailbox_id: int
    message_ids: tuple[str, ...] = ()
    fingerprint: str | None = None
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    provider_thread_id: str | None = None
    thread_index: str | None = None
    from_addr: str | None = None
    sender: str | None = None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    subject: str = ""
    date: int | None = None
    received_at: int | None = None
    folders: tuple[str, ...] = ()
    auto_flags: tuple[str, ...] = ()


class MailboxRecord(NamedTuple):
    """The records of one message in one mailbox, collapsed to one (spec §3.1).

    Header fields come from the kept copy (earliest `received_at`, ties: smallest id);
    `message_ids`, `in_reply_to`, `references`, `folders` and `auto_flags` are merged over all
    copies. `time` is the record time of spec §2 (None: no usable time). A NamedTuple because
    there is one per record and immutable tuples are the cheapest immutable objects to build.
    """

    mailbox_id: int
    record_id: int
    record_ids: tuple[int, ...]
    message_ids: tuple[str, ...]
    fingerprint: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    provider_thread_id: str | None
    thread_index: str | None
    from_addr: str | None
    sender: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    date: int | None
    received_at: int | None
    folders: tuple[str, ...]
    auto_flags: tuple[str, ...]
    outbound: bool
    automated: bool
    time: int | None


# The spec §3.1 fingerprint has one definition, shared with storage.
make_fingerprint = fingerprint_of


def record_info_from_header(
    record_id: int, mailbox_id: int, header: HeaderRecord, extra_message_ids: Sequence[str] = ()
) -> RecordInfo:
    """A `RecordInfo` for a connector's `HeaderRecord` (fingerprint computed here)."""
    ids = tuple(dict.fromkeys(m for m in (header.message_id, *extra_message_ids) if m))
    return RecordInfo(
        id=record_id,
        mailbox_id=mailbox_id,
        message_ids=ids,
        fingerprint=make_fingerprint(
            header.from_addr, header.date, header.subject, header.to, header.cc
        ),
        in_reply_to=header.in_reply_to,
        references=header.references,
        provider_thread_id=header.provider_thread_id,
        thread_index=header.thread_index,
        from_addr=header.from_addr,
        sender=header.sender,
        to=header.to,
        cc=header.cc,
        subject=header.subject,
        date=header.date,
        received_at=header.received_at,
        folders=header.folders,
        auto_flags=header.auto_flags,
    )


def _find(parent: list[int], i: int) -> int:
    # Iterative find with path halving: no recursion, near-constant amortised cost.
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _union(parent: list[int], a: int, b: int) -> None:
    ra, rb = _find(parent, a), _find(parent, b)
    if ra != rb:
        # The smaller index becomes the root, so groups do not depend on union order.
        parent[max(ra, rb)] = min(ra, rb)


def group_messages(records: Sequence[RecordInfo]) -> list[list[RecordInfo]]:
    """The account's records grouped into messages (spec §3.1).

    Each group is sorted by record id and the groups by their smallest record id, so the result
    does not depend on the input order.
    """
    ordered = sorted(records, key=lambda r: r.id)
    parent = list(range(len(ordered)))
    first: dict[str, int] = {}
    for i, record in enumerate(ordered):
        keys = [f"m\x00{m}" for m in record.message_ids if m]
        if record.fingerprint:
            keys.append(f"f\x00{record.fingerprint}")
        for key in keys:
            j = first.setdefault(key, i)
            if j != i:
                _union(parent, i, j)
    groups: dict[int, list[RecordInfo]] = defaultdict(list)
    for i, record in enumerate(ordered):
        groups[_find(parent, i)].append(record)
    return [groups[root] for root in sorted(groups)]


def _merged(values: Iterable[Iterable[str]]) -> tuple[str, ...]:
    """Distinct non-empty values in first-seen order."""
    return tuple(dict.fromkeys(v for vs in values for v in vs if v))


def _kept_order(record: RecordInfo) -> tuple[bool, int, int]:
    missing = record.received_at is None
    return (missing, record.received_at or 0, record.id)


def single_copy(record: RecordInfo, addresses: frozenset[str]) -> MailboxRecord:
    """The `MailboxRecord` of a message that the mailbox holds once (the common case)."""
    outbound = is_outbound(record, addresses)
    ids = record.message_ids
    return MailboxRecord(
        record.mailbox_id,
        record.id,
        (record.id,),
        ids if all(ids) else tuple(m for m in ids if m),
        record.fingerprint,
        record.in_reply_to,
        record.references,
        record.provider_thread_id,
        record.thread_index,
        record.from_addr,
        record.sender,
        record.to,
        record.cc,
        record.subject,
        record.date,
        record.received_at,
        record.folders,
        record.auto_flags,
        outbound,
        is_automated(record),
        choose_time(outbound, record.date, record.received_at),
    )


def collapse_copies(copies: Sequence[RecordInfo], addresses: frozenset[str]) -> MailboxRecord:
    """Collapse one mailbox's copies of one message (all with the same `mailbox_id`)."""
    if len(copies) == 1:
        return single_copy(copies[0], addresses)
    ordered = sorted(copies, key=_kept_order)
    kept = ordered[0]
    outbound = any(is_outbound(c, addresses) for c in ordered)
    date = next((c.date for c in ordered if c.date is not None), None)
    return MailboxRecord(
        mailbox_id=kept.mailbox_id,
        record_id=kept.id,
        record_ids=tuple(sorted(c.id for c in ordered)),
        message_ids=_merged(c.message_ids for c in ordered),
        fingerprint=next((c.fingerprint for c in ordered if c.fingerprint), None),
        in_reply_to=_merged(c.in_reply_to for c in ordered),
        references=_merged(c.references for c in ordered),
        provider_thread_id=kept.provider_thread_id,
        thread_index=kept.thread_index,
        from_addr=kept.from_addr,
        sender=kept.sender,
        to=kept.to,
        cc=kept.cc,
        subject=kept.subject,
        date=date,
        received_at=kept.received_at,
        folders=_merged(c.folders for c in ordered),
        auto_flags=_merged(c.auto_flags for c in ordered),
        outbound=outbound,
        automated=any(is_automated(c) for c in ordered),
        time=choose_time(outbound, date, kept.received_at),
    )


def collapse_message(
    copies: Sequence[RecordInfo], addresses_of: Mapping[int, frozenset[str]]
) -> list[MailboxRecord]:
    """Split one message's records by mailbox and collapse each (sorted by mailbox id)."""
    if len(copies) == 1:
        return [single_copy(copies[0], addresses_of[copies[0].mailbox_id])]
    by_mailbox: dict[int, list[RecordInfo]] = defaultdict(list)
    for record in copies:
        by_mailbox[record.mailbox_id].append(record)
    return [
        collapse_copies(by_mailbox[mailbox_id], addresses_of[mailbox_id])
        for mailbox_id in sorted(by_mailbox)
    ]
