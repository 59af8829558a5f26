"""What the Gmail connector asks for, and how a `format=metadata` message becomes a record.

Only `format=metadata` with exactly the headers replytime stores, and a `fields` projection
that leaves out `snippet` (body-derived text) so it never even crosses the wire. The headers
come back as name/value pairs; they are written out as a header block and parsed by the same
parser as mail files, then Gmail's own facts replace what a header block cannot say: the
receive time (`internalDate`), the message and thread ids, and the labels.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from replytime.lib.headers import parse_message
from replytime.mailboxes.connectors.base import HeaderRecord, RawMessage, Rejected

METADATA_HEADERS = (
    "From",
    "Sender",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Thread-Index",
    "Auto-Submitted",
    "Precedence",
    "List-Id",
    "List-Unsubscribe",
    "X-Autoreply",
    "X-Autorespond",
    "X-Auto-Response-Suppress",
    "Return-Path",
)
# Partial response: everything a record needs, and nothing body-derived.
MESSAGE_FIELDS = "id,threadId,labelIds,internalDate,historyId,sizeEstimate,payload/headers"
# Messages in these labels are not mail the mailbox received or sent.
SKIPPED_LABELS = frozenset({"DRAFT", "SPAM", "TRASH", "CHAT"})
# Labels that flip with reading and starring: kept out so that a record does not depend on
# when it was fetched (the store merges labels as a union).
VOLATILE_LABELS = frozenset({"UNREAD", "STARRED", "IMPORTANT"})
# Label changes that can make a message count (or stop it being skipped): refetch on these.
RELEVANT_LABELS = frozenset({"INBOX", "SENT"}) | SKIPPED_LABELS


def _metadata_query() -> str:
    query = [("format", "metadata"), *(("metadataHeaders", h) for h in METADATA_HEADERS)]
    # prettyPrint=false: Google's JSON is indented by default; compact answers are smaller.
    query += [("fields", MESSAGE_FIELDS), ("prettyPrint", "false")]
    return urlencode(query)


_METADATA_QUERY = _metadata_query()


def metadata_path(message_id: str) -> str:
    """The path and query of `users.messages.get` for one message (used inside batches)."""
    return f"/gmail/v1/users/me/messages/{quote(message_id, safe='')}?{_METADATA_QUERY}"


def _clean(value: str) -> str:
    # A value is one unfolded line; a stray CR or LF must not start a forged header line.
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


def header_block(headers: list[Mapping[str, Any]], internal_date: int | None) -> bytes:
    """The header block of a message from its name/value pairs.

    A message without a Date header gets one from `internalDate` (Google's own receive time),
    so a message Gmail holds is never rejected for lacking a date.
    """
    lines: list[str] = []
    has_date = False
    for item in headers:
        name, value = str(item.get("name", "")).strip(), str(item.get("value", ""))
        if not name or ":" in name:
            continue
        has_date = has_date or name.lower() == "date"
        lines.append(f"{name}: {_clean(value)}")
    if not has_date and internal_date is not None:
        from email.utils import formatdate

        lines.append(f"Date: {formatdate(internal_date, usegmt=True)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape")


def skipped(message: Mapping[str, Any]) -> bool:
    """Drafts, spam, trash and chats are not mail the mailbox took part in."""
    return bool(SKIPPED_LABELS.intersection(message.get("labelIds") or ()))


def build_record(
    message: Mapping[str, Any], *, now: float, min_year: int, max_future_days: int
) -> HeaderRecord | Rejected:
    """One `format=metadata` message as a HeaderRecord (or a Rejected saying why not)."""
    message_id = str(message["id"])
    labels = tuple(
        sorted(str(x) for x in message.get("labelIds") or () if x not in VOLATILE_LABELS)
    )
    try:
        internal = int(str(message.get("internalDate", ""))) // 1000
    except ValueError:
        internal = None
    payload = message.get("payload") or {}
    raw = RawMessage(
        provider_id=message_id,
        folder="",
        header=header_block(list(payload.get("headers") or ()), internal),
        size=int(message["sizeEstimate"]) if message.get("sizeEstimate") is not None else None,
    )
    parsed = parse_message(raw, now=now, min_year=min_year, max_future_days=max_future_days)
    if isinstance(parsed, Rejected):
        return dataclasses.replace(parsed, folder=",".join(labels))
    return dataclasses.replace(
        parsed,
        received_at=internal if internal is not None else parsed.received_at,
        provider_thread_id=str(message["threadId"]) if message.get("threadId") else None,
        folders=labels,
    )
