"""The shapes every connector and mail-file reader hands to the ingestion pipeline.

Connectors and readers do I/O only; they never write to the database. Everything here is header
metadata: no field can carry a message body or an attachment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Automation signals of spec §3.3, as short flag names kept in HeaderRecord.auto_flags.
AUTO_FLAG_NAMES = (
    "auto-submitted",
    "precedence",
    "list-id",
    "list-unsubscribe",
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
    "null-return-path",
    "noreply-sender",
)


@dataclass(frozen=True, slots=True)
class RawMessage:
    """One message as a mail-file reader found it: its header block and where it came from.

    `header` holds only the bytes of the header block (up to the first empty line); the reader
    skipped the body without keeping it. `error` is set (and `header` may be partial or empty)
    when the reader could not read the message whole, e.g. a truncated file: the pipeline turns
    it into a counted rejection.
    """

    provider_id: str
    folder: str
    header: bytes
    size: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class HeaderRecord:
    """The normalised header metadata of one message seen by one mailbox (spec §1, §2).

    Times are UTC epoch seconds. Addresses are lowercased bare addresses. Message-IDs carry no
    angle brackets.
    """

    provider_id: str
    message_id: str | None
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
    size: int | None = None


@dataclass(frozen=True, slots=True)
class Rejected:
    """A message that cannot be stored, with a reason code of spec §9 and a short detail.

    The detail must not contain an email address or a subject (it may reach logs and the UI as
    diagnostic text): say what was wrong, not what the header said.
    """

    provider_id: str
    reason: str
    detail: str = ""
    folder: str = field(default="")


# Reason codes used across the product.
REASON_NO_DATE = "no-date"
REASON_NO_IDENTITY = "no-from-no-message-id"
REASON_UNREADABLE = "unreadable-headers"
REASON_TRUNCATED = "truncated"
REASON_HEADER_TOO_LARGE = "header-too-large"
REASON_IMPLAUSIBLE_DATE = "implausible-date"
