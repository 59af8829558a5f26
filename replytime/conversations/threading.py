"""Conversations (spec §4): header links, then subject threading.

1. Links: messages are joined through Message-IDs (their own, In-Reply-To and References, with
   placeholders for ids never seen), provider thread ids within one mailbox, and Thread-Index
   values whose first 22 decoded bytes are equal. The connected groups are *components*.
2. Subject threading: components, in order of their earliest message, either join an earlier
   conversation (same normalised subject within the window, sender among its participants) or
   start a new one.

Everything is iterative (no recursion) and indexed by normalised subject, so the cost is about
O(n log n) for n messages. Conversation keys are derived from content (the identity of the
conversation's earliest message), so any rebuild of the same messages gives the same keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from replytime.conversations.identity import MailboxRecord, RecordInfo
from replytime.lib.subjects import is_reply_subject, norm_subject

THREAD_INDEX_BYTES = 22
DAY = 86400


class ThreadMessage(NamedTuple):
    """One account-wide message (spec §3.1) with what threading needs.

    The first five fields are the §4 message order (time, smallest Message-ID, from address,
    subject; missing values are "" and sort first; `identity` makes the order total), so plain
    tuple comparison orders messages. `identity` is stable and unique per message: `mid:` +
    smallest Message-ID, else `fp:` + fingerprint, else `rec:` + smallest record id. `time` is
    the earliest time of its records; `links` are its `link_keys`.
    """

    time: int
    first_id: str
    from_key: str
    subject: str
    identity: str
    message_ids: tuple[str, ...]
    references: tuple[str, ...]
    provider_threads: tuple[tuple[int, str], ...]
    thread_indexes: tuple[str, ...]
    from_addr: str | None
    participants: frozenset[str]
    norm_subject: str
    links: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConversationGroup:
    """One conversation: its stable key and its messages (indices, in §4 message order)."""

    key: str
    messages: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ThreadingResult:
    """Conversations in formation order, and each input message's conversation index."""

    conversations: tuple[ConversationGroup, ...]
    conversation_of: tuple[int, ...]


def message_identity(records: Sequence[MailboxRecord]) -> str:
    """The stable identity of a message from its records (see `ThreadMessage`)."""
    ids = [m for r in records for m in r.message_ids if m]
    if ids:
        return "mid:" + min(ids)
    prints = [r.fingerprint for r in records if r.fingerprint]
    if prints:
        return "fp:" + min(prints)
    return f"rec:{min(i for r in records for i in r.record_ids)}"


def thread_message(records: Sequence[MailboxRecord]) -> ThreadMessage | None:
    """The account-wide message made of these mailbox records; None if none has a time."""
    timed = [r for r in records if r.time is not None]
    if not timed:
        return None
    if len(records) == 1:
        return _message_of_one(records[0])
    return _message_of_many(records, min(timed, key=lambda r: (r.time, r.record_id)))


def _message_of_one(r: MailboxRecord) -> ThreadMessage:
    # The common case (one record per message), without the merging of _message_of_many.
    ids = r.message_ids if len(r.message_ids) < 2 else tuple(sorted(set(r.message_ids)))
    references = (
        tuple(dict.fromkeys((*r.in_reply_to, *r.references)))
        if r.in_reply_to and r.references
        else r.in_reply_to or r.references
    )
    threads = ((r.mailbox_id, r.provider_thread_id),) if r.provider_thread_id else ()
    indexes = (r.thread_index,) if r.thread_index else ()
    return _assemble(r, ids, references, threads, indexes, (r,))


def _message_of_many(records: Sequence[MailboxRecord], first: MailboxRecord) -> ThreadMessage:
    ids = tuple(sorted({m for r in records for m in r.message_ids}))
    references = tuple(dict.fromkeys(x for r in records for x in (*r.in_reply_to, *r.references)))
    threads = tuple(
        sorted({(r.mailbox_id, r.provider_thread_id) for r in records if r.provider_thread_id})
    )
    indexes = tuple(sorted({r.thread_index for r in records if r.thread_index}))
    return _assemble(first, ids, references, threads, indexes, records)


def _assemble(
    first: MailboxRecord,
    ids: tuple[str, ...],
    references: tuple[str, ...],
    threads: tuple[tuple[int, str], ...],
    indexes: tuple[str, ...],
    records: Sequence[MailboxRecord],
) -> ThreadMessage:
    return ThreadMessage(
        first.time,  # type: ignore[arg-type]  # callers pass a record with a time
        ids[0] if ids else "",
        first.from_addr or "",
        first.subject,
        message_identity(records),
        ids,
        references,
        threads,
        indexes,
        first.from_addr,
        frozenset(_participants(records)),
        norm_subject(first.subject),
        _link_keys(ids, references, threads, indexes),
    )


def _participants(records: Sequence[MailboxRecord]) -> list[str]:
    addresses: list[str] = []
    for r in records:
        if r.from_addr:
            addresses.append(r.from_addr)
        addresses.extend(r.to)
        addresses.extend(r.cc)
    return addresses


def thread_index_key(value: str) -> str | None:
    """Hex of the first 22 bytes of a base64 Thread-Index; None when it is not usable."""
    compact = "".join(value.split())
    compact += "=" * (-len(compact) % 4)
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw[:THREAD_INDEX_BYTES].hex() if len(raw) >= THREAD_INDEX_BYTES else None


def _link_keys(
    ids: Sequence[str],
    references: Sequence[str],
    threads: Sequence[tuple[int, str]],
    indexes: Sequence[str],
) -> tuple[str, ...]:
    keys = ["m:" + m for m in ids if m]
    keys += ["m:" + m for m in references if m]
    if threads:
        keys += [f"p:{mailbox}:{tid}" for mailbox, tid in threads]
    for value in indexes:
        decoded = thread_index_key(value)
        if decoded:
            keys.append("x:" + decoded)
    return tuple(dict.fromkeys(keys))


def link_keys(message: ThreadMessage) -> tuple[str, ...]:
    """The keys through which a message links to others (step 1 of §4).

    Two messages that share a key are in the same component: `m:` Message-ID (own or
    referenced), `p:` mailbox id and provider thread id, `x:` Thread-Index prefix. The database
    layer can store these (plus `subject_key`) to find what an incremental update may touch.
    """
    return message.links


def record_keys(record: RecordInfo) -> tuple[str, ...]:
    """The lookup keys of one stored record: its link keys and its subject key.

    For incremental updates: the conversations whose `lookup_keys` share a key with a new or
    changed record are the ones it can join or change (see `engine_core`).
    """
    ids = tuple(m for m in record.message_ids if m)
    references = tuple(dict.fromkeys(r for r in (*record.in_reply_to, *record.references) if r))
    threads = ((record.mailbox_id, record.provider_thread_id),) if record.provider_thread_id else ()
    indexes = (record.thread_index,) if record.thread_index else ()
    keys = _link_keys(ids, references, threads, indexes)
    normalised = norm_subject(record.subject)
    return (*keys, f"s:{normalised}") if normalised else keys


def subject_key(message: ThreadMessage) -> str | None:
    """`s:` + the normalised subject, or None for an empty one."""
    return f"s:{message.norm_subject}" if message.norm_subject else None


def conversation_key(identity: str) -> str:
    """The stable conversation key: a short hash of its earliest message's identity."""
    return hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def components(messages: Sequence[ThreadMessage]) -> list[list[int]]:
    """Linked groups of message indices (§4 step 1), each sorted in §4 message order."""
    parent = list(range(len(messages)))
    first: dict[str, int] = {}
    for i, message in enumerate(messages):
        for key in message.links:
            j = first.setdefault(key, i)
            ri, rj = _find(parent, i), _find(parent, j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(messages)):
        groups[_find(parent, i)].append(i)
    result = [sorted(g, key=messages.__getitem__) for g in groups.values()]
    result.sort(key=lambda g: messages[g[0]])
    return result


class _SubjectIndex:
    """Messages of the conversations formed so far, by normalised subject and time.

    A query asks for the conversation, among candidates, whose latest message with a subject
    in a time window is latest. Two equivalent strategies keep it cheap whatever the data: scan
    the subject's messages backwards from the window's end (fast when a recent message
    qualifies), and look up each candidate conversation (fast when there are few candidates).
    The scan gets a budget of as many steps as there are candidates; past it, the lookup runs.
    So a query costs at most about twice the cheaper strategy, even for a subject used
    everywhere.
    """

    def __init__(self) -> None:
        self.times: dict[str, list[int]] = {}
        self.convs: dict[str, list[int]] = {}
        self.per_conv: dict[tuple[str, int], list[int]] = {}

    def add(self, subject: str, time: int, conv: int) -> None:
        times = self.times.setdefault(subject, [])
        # Components arrive in time order, so this is nearly always an append.
        at = bisect_right(times, time)
        times.insert(at, time)
        self.convs.setdefault(subject, []).insert(at, conv)
        insort(self.per_conv.setdefault((subject, conv), []), time)

    def best(self, subject: str, low: int, high: int, candidates: set[int]) -> int | None:
        """The candidate whose latest message in [low, high] is latest (ties: smallest)."""
        times = self.times.get(subject)
        if not times:
            return None
        start, stop = bisect_left(times, low), bisect_right(times, high)
        budget = len(candidates)
        if stop - start <= budget:
            return self.best_by_scan(subject, start, stop, candidates)
        found = self.best_by_scan(subject, stop - budget, stop, candidates, partial=True)
        if found is not None:
            return found
        return self.best_by_candidate(subject, low, high, candidates)

    def best_by_scan(
        self, subject: str, start: int, stop: int, candidates: set[int], partial: bool = False
    ) -> int | None:
        """Scan entries [start, stop) backwards. With `partial`, the range may end inside a run
        of equal times, so a find there is not trusted (None: undecided)."""
        times, convs = self.times[subject], self.convs[subject]
        best, best_time = None, None
        for i in range(stop - 1, start - 1, -1):
            if best_time is not None and times[i] < best_time:
                return best
            conv = convs[i]
            if (best is None or conv < best) and conv in candidates:
                best, best_time = conv, times[i]
        return None if partial else best

    def best_by_candidate(
        self, subject: str, low: int, high: int, candidates: set[int]
    ) -> int | None:
        best: int | None = None
        best_time = 0
        for conv in candidates:
            latest = self._latest(subject, conv, low, high)
            if latest is None:
                continue
            if best is None or latest > best_time or (latest == best_time and conv < best):
                best, best_time = conv, latest
        return best

    def _latest(self, subject: str, conv: int, low: int, high: int) -> int | None:
        times = self.per_conv.get((subject, conv))
        if not times:
            return None
        k = bisect_right(times, high) - 1
        return times[k] if k >= 0 and times[k] >= low else None


class _Former:
    """The state of §4 step 2: conversations formed so far and who took part in them."""

    def __init__(self, messages: Sequence[ThreadMessage], window_days: int) -> None:
        self.messages = messages
        self.window = window_days * DAY
        self.index = _SubjectIndex()
        self.members: list[list[int]] = []
        self.participants: list[set[str]] = []
        self.with_address: dict[str, set[int]] = defaultdict(set)

    def place(self, component: list[int]) -> None:
        conv = self._target(self.messages[component[0]])
        if conv is None:
            conv = len(self.members)
            self.members.append([])
            self.participants.append(set())
        self._add(conv, component)

    def _target(self, first: ThreadMessage) -> int | None:
        subject = first.norm_subject
        if not subject or not first.from_addr or not is_reply_subject(first.subject):
            return None
        candidates = self.with_address.get(first.from_addr)
        if not candidates:
            return None
        return self.index.best(subject, first.time - self.window, first.time, candidates)

    def _add(self, conv: int, component: list[int]) -> None:
        self.members[conv].extend(component)
        known = self.participants[conv]
        for i in component:
            message = self.messages[i]
            if message.norm_subject:
                self.index.add(message.norm_subject, message.time, conv)
            for address in message.participants - known:
                known.add(address)
                self.with_address[address].add(conv)


def thread_messages(messages: Sequence[ThreadMessage], window_days: int) -> ThreadingResult:
    """Group messages into conversations (spec §4); independent of the input order."""
    former = _Former(messages, window_days)
    for component in components(messages):
        former.place(component)
    conversation_of = [0] * len(messages)
    groups = []
    for conv, members in enumerate(former.members):
        ordered = sorted(members, key=messages.__getitem__)
        for i in ordered:
            conversation_of[i] = conv
        groups.append(
            ConversationGroup(conversation_key(messages[ordered[0]].identity), tuple(ordered))
        )
    return ThreadingResult(tuple(groups), tuple(conversation_of))
