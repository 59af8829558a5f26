"""What the connector asks Graph for, and how a Graph message becomes a HeaderRecord.

`$select` names header properties only. `body`, `bodyPreview`, `uniqueBody`, attachments and
extended properties are never requested (Mail.ReadBasic could not read them anyway).
`internetMessageHeaders` is selected only when the granted permission returns them (Mail.Read):
under Mail.ReadBasic the record has no In-Reply-To/References and threading falls back to
conversationId and subjects.

A record is built by writing the structured fields (and the few RFC headers replytime reads)
as a header block and parsing it with the shared parser, so that every spec §2 rule
(lowercased bare addresses, Message-IDs without brackets, implausible dates) applies exactly
as for mail files and IMAP.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from replytime.lib.headers import parse_date, parse_message
from replytime.mailboxes.connectors.base import HeaderRecord, RawMessage, Rejected

SELECT_FIELDS = (
    "id", "conversationId", "internetMessageId", "subject", "from", "sender", "toRecipients",
    "ccRecipients", "sentDateTime", "receivedDateTime", "parentFolderId", "isDraft",
)  # fmt: skip
HEADERS_FIELD = "internetMessageHeaders"
# Properties that carry message text or attachments: never selected, never expanded.
FORBIDDEN_FIELDS = frozenset({"body", "bodyPreview", "uniqueBody", "attachments"})
# RFC headers taken from internetMessageHeaders (the rest come from structured fields).
_RFC_HEADERS = frozenset(
    {
        "in-reply-to", "references", "thread-index", "auto-submitted", "precedence", "list-id",
        "list-unsubscribe", "x-autoreply", "x-autorespond", "x-auto-response-suppress",
        "return-path",
    }
)  # fmt: skip
FOLDERS = ("inbox", "sentitems")
_LINE_BREAKS = re.compile(r"[\r\n\x00]+")


def select_clause(with_headers: bool) -> str:
    fields = SELECT_FIELDS + ((HEADERS_FIELD,) if with_headers else ())
    return ",".join(fields)


def _clean(value: object) -> str:
    """A header value on one line: a value must not be able to add header lines."""
    return _LINE_BREAKS.sub(" ", str(value)).strip()


def _address(entry: object) -> str:
    if not isinstance(entry, Mapping):
        return ""
    email = entry.get("emailAddress")
    if not isinstance(email, Mapping):
        return ""
    return _clean(email.get("address") or "")


def _addresses(entries: object) -> str:
    if not isinstance(entries, list):
        return ""
    return ", ".join(a for a in (_address(e) for e in entries) if "@" in a)


def _rfc_date(iso: object) -> str:
    epoch = epoch_of(iso)
    if epoch is None:
        return ""
    return format_datetime(datetime.fromtimestamp(epoch, UTC))


def epoch_of(iso: object) -> int | None:
    """Epoch seconds of a Graph DateTimeOffset ("2023-11-14T22:13:21Z"), or None."""
    if not isinstance(iso, str) or not iso:
        return None
    return parse_date(iso)


def header_block(message: Mapping[str, Any]) -> bytes:
    """The header block replytime reads, written from a Graph message's fields."""
    lines: list[str] = []
    fields = (
        ("From", _address(message.get("from"))),
        ("Sender", _address(message.get("sender"))),
        ("To", _addresses(message.get("toRecipients"))),
        ("Cc", _addresses(message.get("ccRecipients"))),
        ("Subject", _clean(message.get("subject") or "")),
        ("Date", _rfc_date(message.get("sentDateTime") or message.get("receivedDateTime"))),
        ("Message-ID", _clean(message.get("internetMessageId") or "")),
    )
    lines.extend(f"{name}: {value}" for name, value in fields if value)
    for header in message.get(HEADERS_FIELD) or ():
        if not isinstance(header, Mapping):
            continue
        name = _clean(header.get("name") or "")
        if name.lower() in _RFC_HEADERS:
            lines.append(f"{name}: {_clean(header.get('value') or '')}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def build_record(
    message: Mapping[str, Any],
    folder: str,
    *,
    now: float,
    min_year: int,
    max_future_days: int,
) -> HeaderRecord | Rejected:
    """One Graph message (a delta entry without `@removed`) as a record or a rejection."""
    provider_id = f"graph:{message.get('id', '')}"
    raw = RawMessage(provider_id=provider_id, folder=folder, header=header_block(message))
    parsed = parse_message(raw, now=now, min_year=min_year, max_future_days=max_future_days)
    if isinstance(parsed, Rejected):
        return parsed
    received = epoch_of(message.get("receivedDateTime"))
    return dataclasses.replace(
        parsed,
        received_at=received if received is not None else parsed.received_at,
        provider_thread_id=_clean(message.get("conversationId") or "") or None,
        folders=(folder,),
    )


def page_records(
    entries: Iterable[Mapping[str, Any]],
    folder: str,
    *,
    now: float,
    min_year: int,
    max_future_days: int,
) -> tuple[list[HeaderRecord | Rejected], int, int | None]:
    """(records, removals seen, newest receive time) of one delta page.

    `@removed` entries (deleted, or moved out of the folder) are not applied: a message that
    left the folder was still received or sent, and its reply time stays in the history.
    Drafts are skipped: they were never sent.
    """
    items: list[HeaderRecord | Rejected] = []
    removed, newest = 0, None
    for entry in entries:
        if "@removed" in entry:
            removed += 1
            continue
        if entry.get("isDraft") is True:
            continue
        record = build_record(
            entry, folder, now=now, min_year=min_year, max_future_days=max_future_days
        )
        if isinstance(record, HeaderRecord) and record.received_at is not None:
            newest = max(newest or 0, record.received_at)
        items.append(record)
    return items, removed, newest
