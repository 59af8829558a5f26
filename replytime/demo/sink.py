"""Routing messages to per-mailbox records, and releasing them in time order.

A message becomes one record per tracked mailbox that sees it (spec §1 "Record"): a Sent copy for
the sender's mailbox, an INBOX copy for every mailbox it is addressed to, directly, through an
alias, or through a team address (which delivers to every member, all with the same
Message-ID). Records wait in a heap keyed by their time; the generator drains it day by day, so
only the future records of threads still running are held in memory.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator

from replytime.demo.mail import Message
from replytime.demo.worktime import Calendar
from replytime.demo.world import World
from replytime.mailboxes.connectors.base import HeaderRecord

SENT = ("Sent",)
INBOX = ("INBOX",)
# Seconds between Date and delivery: the Internet is slower than the office network.
_EXTERNAL_DELAY = 45
_INTERNAL_DELAY = 4

# (time, sequence, mailbox, message, outbound, received_at); the sequence breaks ties, so
# messages are never compared and the order is deterministic.
_Entry = tuple[int, int, str, Message, bool, int]


class Sink:
    """Turns messages into records within [start, end] and yields them in time order."""

    def __init__(
        self,
        world: World,
        rng: random.Random,
        start: int,
        end: int,
        stats: Counter[str] | None,
    ) -> None:
        self.start = start
        self.end = end
        self.generated = 0
        self._rng = rng
        self._mailbox_of = world.mailbox_of
        self._team_members = world.team_members
        self._internal = world.internal
        self._stats = stats
        self._cal: Calendar = world.cal
        # Local day index -> records of that day, unsorted until the day is drained.
        self._days: dict[int, list[_Entry]] = {}
        self._seq = 0
        self._serial = 0

    def post(self, msg: Message, label: str) -> None:
        """Route one message to the mailboxes that see it; records after `end` are dropped."""
        # The hot path of the generator: locals instead of attribute look-ups throughout.
        mailbox_of = self._mailbox_of
        owner = mailbox_of.get(msg.sender) if msg.sender else None
        if owner is None:
            owner = mailbox_of.get(msg.from_addr)
        end = self.end
        date = msg.date
        if date > end:
            return
        days = self._days
        day = self._cal.index(date)
        bucket = days.get(day)
        if bucket is None:
            bucket = days[day] = []
        # Deliveries take seconds, so a copy lands on the same local day or the next one.
        boundary = self._cal.day_start[day + 1]
        seq = self._seq
        count = 0
        if owner is not None:
            seq += 1
            bucket.append((date, seq, owner, msg, True, date))
            count += 1
        external = msg.from_addr.rpartition("@")[2] not in self._internal
        spread = _EXTERNAL_DELAY if external else _INTERNAL_DELAY
        delivered = {owner}
        via_team = 0
        rand = self._rng.random
        team_members = self._team_members
        for address in (*msg.to, *msg.cc):
            box = mailbox_of.get(address)
            boxes: tuple[str, ...] = (box,) if box is not None else team_members.get(address, ())
            for box in boxes:
                if box in delivered:
                    continue
                delivered.add(box)
                received = date + 1 + int(rand() * spread)
                if received > end:
                    continue
                seq += 1
                entry = (received, seq, box, msg, False, received)
                if received < boundary:
                    bucket.append(entry)
                else:
                    days.setdefault(day + 1, []).append(entry)
                count += 1
                via_team += address in team_members
        self._seq = seq
        self.generated += count
        if self._stats is not None:
            self._count(label, count, via_team)

    def _count(self, label: str, records: int, via_team: int) -> None:
        stats = self._stats
        assert stats is not None
        stats[f"messages:{label}"] += 1
        stats[f"records:{label}"] += records
        stats["records"] += records
        stats["records-via-team-address"] += via_team

    def drain(self, day: int) -> Iterator[tuple[str, HeaderRecord]]:
        """Yield (mailbox, record) for every record of local days up to `day`, oldest first."""
        for key in sorted(k for k in self._days if k <= day):
            entries = self._days.pop(key)
            entries.sort()
            yield from self._records(entries)

    def _records(self, entries: list[_Entry]) -> Iterator[tuple[str, HeaderRecord]]:
        serial = self._serial
        for _, _, box, msg, outbound, received in entries:
            serial += 1
            yield (
                box,
                HeaderRecord(
                    provider_id=f"demo:{serial}",
                    message_id=msg.message_id,
                    in_reply_to=msg.in_reply_to,
                    references=msg.references,
                    thread_index=msg.thread_index,
                    from_addr=msg.from_addr,
                    sender=msg.sender,
                    to=msg.to,
                    cc=msg.cc,
                    subject=msg.subject,
                    date=msg.date,
                    received_at=received,
                    folders=SENT if outbound else INBOX,
                    auto_flags=msg.auto_flags,
                    size=msg.size,
                ),
            )
            self._serial = serial

    @property
    def waiting(self) -> int:
        """Records generated but not yet released (the bounded working set)."""
        return sum(len(v) for v in self._days.values())
