"""The shapes every connector and mail-file reader hands to the ingestion pipeline.

Connectors and readers do I/O only; they never write to the database. Everything here is header
metadata: no field can carry a message body or an attachment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

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


# ---------------------------------------------------------------------------------------------
# Live connectors (issue 5): the interface, its configuration, errors and request budget.
# ---------------------------------------------------------------------------------------------


class ConnectorError(Exception):
    """A connector could not do its I/O.

    `permanent` errors (bad credentials, a certificate that fails verification, a folder that
    does not exist) pause the mailbox until someone acts; `action` says what fixes it. Other
    errors are retried with back-off; `retry_after` (seconds) is the server's own hint. The
    message is shown to operators, so it is written in words and names no address or subject.
    """

    def __init__(
        self,
        message: str,
        permanent: bool = False,
        retry_after: float | None = None,
        *,
        action: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after
        self.action = action


class BudgetExhausted(Exception):
    """The run used its request budget; the sync continues in the next run from its cursor."""


class RequestBudget:
    """How many requests (round trips) one sync run may make."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.spent = 0

    def spend(self, count: int = 1) -> None:
        if self.spent + count > self.limit:
            raise BudgetExhausted(f"request budget of {self.limit} used")
        self.spent += count


@dataclass(frozen=True, slots=True)
class Parameter:
    """One setting a connector needs; forms and `mailbox connect` are built from these.

    `secret` values are sealed in the keystore and never shown again. `kind` is one of text,
    int, bool, choice, list (one value per line) or pem.
    """

    name: str
    label: str
    kind: str = "text"
    secret: bool = False
    required: bool = True
    help: str = ""
    default: Any = None
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ConnectorConfig:
    """Everything a connector instance gets: plain values only, no model, no database."""

    mailbox_id: int
    address: str
    params: Mapping[str, Any]
    secrets: Mapping[str, str] = field(repr=False, default_factory=dict)
    budget: RequestBudget = field(default_factory=lambda: RequestBudget(10_000))
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SyncPage:
    """One page of a sync: parsed messages and the opaque cursor just after them.

    The caller stores `items` and `cursor` in one transaction; `more` says whether another
    call may return more. Connectors must make replaying a page harmless: the same messages
    come back with the same provider ids.
    """

    items: tuple[HeaderRecord | Rejected, ...]
    cursor: str
    more: bool


@runtime_checkable
class Connector(Protocol):
    """A live mailbox source. Connectors do I/O only: they never touch the database.

    An instance lives for one sync run (or one connection check) and may keep a network
    session open between `fetch_page` calls; `close` ends it. Every round trip spends one unit
    of `config.budget`.
    """

    kind: ClassVar[str]
    label: ClassVar[str]
    parameters: ClassVar[tuple[Parameter, ...]]

    def __init__(self, config: ConnectorConfig) -> None: ...

    def check(self) -> None:
        """Connect and authenticate; raise ConnectorError saying what is wrong."""
        ...

    def fetch_page(self, cursor: str | None) -> SyncPage:
        """The next page after `cursor` (None: from the start)."""
        ...

    def close(self) -> None: ...
