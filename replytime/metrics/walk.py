"""The reply walk of spec §5: reply facts, unanswered items and volume roles for one scope.

A *scope* is a mailbox (§5.1), a team or the whole account (§5.2). For one scope and one
conversation the caller builds `WalkItem`s: one per mailbox record with `mailbox_item`, or one
per message for a team or the account with `group_item` (or `widened_item` when the scope holds
the message once). `walk` orders them and yields facts, the unanswered item and the ordered items,
whose `outbound` / `eligible` flags are the volume roles of §7.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from replytime.conversations.identity import MailboxRecord
from replytime.metrics.direction import EligibilityRules, is_eligible

# Scope kinds; the same codes as the database's `Scope` choices.
MAILBOX = "m"
TEAM = "t"
ACCOUNT = "a"


@dataclass(frozen=True, slots=True, order=True)
class Scope:
    """Who a fact is for: `Scope("m", mailbox_id)`, `Scope("t", team_id)` or `Scope("a", None)`."""

    kind: str
    id: int | None = None


class WalkItem(NamedTuple):
    """One record of a walk. `repliers` are the mailboxes credited if it is a reply.

    The first six fields are the §5.1 order (time, inbound before outbound, smallest
    Message-ID, from, subject; missing values are "" and sort first; the record id makes the
    order total), so plain tuple comparison orders a walk.
    """

    time: int
    outbound: bool
    message_id: str
    from_addr: str
    subject: str
    record_id: int
    eligible: bool
    automated: bool
    repliers: tuple[int, ...]


class WalkFact(NamedTuple):
    """A reply fact before business time: `answered` pending records answered by one reply."""

    start: int
    end: int
    answered: int
    repliers: tuple[int, ...]
    first_reply: bool
    start_record_id: int
    end_record_id: int


class Unanswered(NamedTuple):
    """Pending records left when the walk ended: the first one's time and how many."""

    start: int
    count: int
    start_record_id: int


class WalkOutcome(NamedTuple):
    facts: tuple[WalkFact, ...]
    unanswered: Unanswered | None
    items: tuple[WalkItem, ...]  # in walk order; the volume roles of §7


@dataclass(frozen=True, slots=True)
class Directory:
    """Tracked mailboxes: their own addresses, and which mailboxes an address belongs to."""

    addresses: Mapping[int, frozenset[str]]
    mailboxes_of: Mapping[str, tuple[int, ...]]
    rules: EligibilityRules

    @classmethod
    def build(cls, addresses: Mapping[int, frozenset[str]], rules: EligibilityRules) -> Directory:
        owners: dict[str, list[int]] = {}
        for mailbox_id in sorted(addresses):
            for address in addresses[mailbox_id]:
                owners.setdefault(address, []).append(mailbox_id)
        return cls(dict(addresses), {a: tuple(m) for a, m in owners.items()}, rules)

    def on_behalf(self, record: MailboxRecord) -> tuple[int, ...]:
        """Mailboxes credited as "on behalf of" senders (§3.2): Sender differs from From."""
        if not record.sender or record.sender == record.from_addr:
            return ()
        return self.mailboxes_of.get(record.sender, ())


def walk(items: Sequence[WalkItem]) -> WalkOutcome:
    """Walk one scope's records of one conversation (spec §5.1)."""
    ordered = sorted(items)
    facts: list[WalkFact] = []
    pending: list[WalkItem] = []
    # A first reply needs the scope's earliest record to be eligible inbound.
    may_be_first = bool(ordered) and ordered[0].eligible
    for item in ordered:
        if item.outbound:
            if pending and not item.automated:
                facts.append(_fact(pending, item, may_be_first and not facts))
                pending = []
        elif item.eligible:
            pending.append(item)
    left = Unanswered(pending[0].time, len(pending), pending[0].record_id) if pending else None
    return WalkOutcome(tuple(facts), left, tuple(ordered))


def _fact(pending: list[WalkItem], reply: WalkItem, first: bool) -> WalkFact:
    return WalkFact(
        start=pending[0].time,
        end=reply.time,
        answered=len(pending),
        repliers=reply.repliers,
        first_reply=first,
        start_record_id=pending[0].record_id,
        end_record_id=reply.record_id,
    )


def _unique(values: Sequence[int]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(values))


def mailbox_item(record: MailboxRecord, directory: Directory) -> WalkItem | None:
    """The walk item of one mailbox record for its own mailbox (§5.1); None without a time."""
    if record.time is None:
        return None
    mailbox = record.mailbox_id
    addresses = directory.addresses[mailbox]
    eligible = not record.outbound and is_eligible(
        record, addresses, directory.rules, outbound=False, automated=record.automated
    )
    return WalkItem(
        record.time,
        record.outbound,
        min(record.message_ids, default=""),
        record.from_addr or "",
        record.subject,
        record.record_id,
        eligible,
        record.automated,
        _unique((mailbox, *directory.on_behalf(record))) if record.outbound else (),
    )


def group_item(
    records: Sequence[MailboxRecord],
    directory: Directory,
    extra_addresses: Mapping[int, frozenset[str]],
) -> WalkItem | None:
    """One walk item for one message seen by several mailboxes of a team or the account (§5.2).

    `records` are the message's records in the scope's mailboxes. Outbound / eligible /
    automated if so for any of them (outbound wins: a team member's own mail needs no reply
    from the team). `extra_addresses` (team addresses) count as a mailbox's addresses for
    eligibility only.
    """
    # Sorting (time, record id) pairs: records of one message never share a record id.
    timed = sorted((r.time, r.record_id, r) for r in records if r.time is not None)
    if not timed:
        return None
    time, _, first = timed[0]
    scoped = [r for _, _, r in timed]
    outbound = any(r.outbound for r in scoped)
    eligible = not outbound and any(
        _eligible_in_group(r, directory, extra_addresses) for r in scoped
    )
    return WalkItem(
        time,
        outbound,
        min((m for r in scoped for m in r.message_ids), default=""),
        first.from_addr or "",
        first.subject,
        first.record_id,
        eligible,
        any(r.automated for r in scoped),
        _group_repliers(scoped, directory) if outbound else (),
    )


def widened_item(
    item: WalkItem,
    record: MailboxRecord,
    directory: Directory,
    extra_addresses: Mapping[int, frozenset[str]],
) -> WalkItem:
    """`group_item([record], ...)` computed from the record's own mailbox item.

    With one record the two differ only in eligibility, which team addresses can widen.
    """
    if item.outbound or item.eligible or record.mailbox_id not in extra_addresses:
        return item
    if _eligible_in_group(record, directory, extra_addresses):
        return item._replace(eligible=True)
    return item


def _eligible_in_group(
    record: MailboxRecord, directory: Directory, extra: Mapping[int, frozenset[str]]
) -> bool:
    addresses = directory.addresses[record.mailbox_id] | extra.get(record.mailbox_id, frozenset())
    return is_eligible(
        record, addresses, directory.rules, outbound=record.outbound, automated=record.automated
    )


def _group_repliers(records: Sequence[MailboxRecord], directory: Directory) -> tuple[int, ...]:
    """The mailbox that sent the reply (its From is the mailbox's), plus on-behalf credit."""
    outbound = [r for r in records if r.outbound]
    senders = [
        r.mailbox_id for r in outbound if r.from_addr in directory.addresses[r.mailbox_id]
    ] or [r.mailbox_id for r in outbound]
    credited = [m for r in outbound for m in directory.on_behalf(r)]
    return _unique(sorted(set(senders)) + sorted(set(credited)))
