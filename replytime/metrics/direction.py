"""Direction, automation and eligibility of a record relative to a mailbox (spec §2, §3.2-3.4).

Everything here is a pure function of a record-like object (see `RecordLike`) and plain settings,
so the database layer, the metrics core and the tests all share one definition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

# Last path components (leading dots removed, casefolded) that make a mail-file folder "sent".
SENT_FOLDER_NAMES = frozenset(
    {"sent", "sent items", "sent_items", "_sent_mail", "sent mail", "sent messages"}
)
# Provider markers: Gmail's SENT label, Graph's well-known sentitems, IMAP's \Sent special use.
_PROVIDER_SENT = frozenset({"sent", "sentitems", "\\sent"})
_MAILDIR_LEAVES = frozenset({"cur", "new", "tmp"})
AUTOMATED_LOCAL_PARTS = frozenset(
    {"noreply", "no-reply", "donotreply", "do-not-reply", "mailer-daemon", "postmaster"}
)


class RecordLike(Protocol):
    """The fields of a record that direction and eligibility read."""

    @property
    def from_addr(self) -> str | None: ...
    @property
    def sender(self) -> str | None: ...
    @property
    def to(self) -> tuple[str, ...]: ...
    @property
    def cc(self) -> tuple[str, ...]: ...
    @property
    def folders(self) -> tuple[str, ...]: ...
    @property
    def auto_flags(self) -> tuple[str, ...]: ...
    @property
    def date(self) -> int | None: ...
    @property
    def received_at(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class EligibilityRules:
    """The account settings that decide eligibility (spec §1, §3.4).

    `internal_domains` must already be the effective list (the configured one, or the domains of
    all mailbox addresses); see `default_internal_domains`.
    """

    internal_domains: frozenset[str]
    count_internal: bool = False
    count_cc: bool = False


def domain_of(address: str | None) -> str | None:
    """The part after the last `@`, or None."""
    if not address or "@" not in address:
        return None
    return address.rsplit("@", 1)[1]


def default_internal_domains(addresses: Iterable[str]) -> frozenset[str]:
    """The spec §1 default: the domains of all mailbox addresses (primary and aliases)."""
    domains = (domain_of(a) for a in addresses)
    return frozenset(d for d in domains if d)


def is_internal_address(address: str | None, internal_domains: frozenset[str]) -> bool:
    """An address is internal when its domain is listed; a missing address is external."""
    domain = domain_of(address)
    return domain is not None and domain in internal_domains


@lru_cache(maxsize=4096)
def is_sent_folder(folder: str) -> bool:
    """Whether a folder name or label marks sent mail (spec §3.2)."""
    if folder.casefold() in _PROVIDER_SENT:
        return True
    parts = [p for p in folder.split("/") if p]
    # Readers should already drop a Maildir cur/new/tmp leaf; dropping it here is harmless.
    if len(parts) > 1 and parts[-1] in _MAILDIR_LEAVES:
        parts.pop()
    return bool(parts) and parts[-1].lstrip(".").casefold() in SENT_FOLDER_NAMES


def is_outbound(record: RecordLike, addresses: frozenset[str]) -> bool:
    """Outbound for a mailbox with these addresses: sent by it (From or Sender) or filed as sent."""
    if record.from_addr in addresses or record.sender in addresses:
        return True
    return any(is_sent_folder(f) for f in record.folders)


def is_automated(record: RecordLike) -> bool:
    """Automated mail (spec §3.3): the parser's flags, or a no-reply style From local part."""
    if record.auto_flags:
        return True
    sender = record.from_addr
    return bool(sender) and sender.rsplit("@", 1)[0] in AUTOMATED_LOCAL_PARTS


def is_eligible(
    record: RecordLike,
    addresses: frozenset[str],
    rules: EligibilityRules,
    *,
    outbound: bool | None = None,
    automated: bool | None = None,
) -> bool:
    """Whether an inbound record needs a reply from the mailbox with these addresses (§3.4).

    `outbound` / `automated` may be passed when already known (e.g. "any copy" merges of §3.1).
    """
    if outbound is None:
        outbound = is_outbound(record, addresses)
    if automated is None:
        automated = is_automated(record)
    if outbound or automated or record.from_addr in addresses:
        return False
    if not rules.count_internal and is_internal_address(record.from_addr, rules.internal_domains):
        return False
    return _addressed_to(record, addresses, rules.count_cc)


def _addressed_to(record: RecordLike, addresses: frozenset[str], count_cc: bool) -> bool:
    if not addresses.isdisjoint(record.to):
        return True
    return count_cc and not addresses.isdisjoint(record.cc)


def record_time(record: RecordLike, outbound: bool) -> int | None:
    """A record's time `t` (spec §2); None means no usable time (rejection `no-date`)."""
    return choose_time(outbound, record.date, record.received_at)


def choose_time(outbound: bool, date: int | None, received_at: int | None) -> int | None:
    """Outbound: the Date header, else `received_at`; inbound: `received_at`, else Date."""
    if outbound:
        return date if date is not None else received_at
    return received_at if received_at is not None else date
