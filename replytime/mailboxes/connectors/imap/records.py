"""What the IMAP connector asks for, and how a FETCH response becomes header records.

Only `BODY.PEEK[HEADER.FIELDS (...)]` with exactly the fields replytime stores, plus
INTERNALDATE and RFC822.SIZE (and Gmail's X-GM-THRID). Never BODY[], BODY[TEXT], RFC822 or
BODYSTRUCTURE: no body or attachment name ever crosses the wire.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from replytime.lib.headers import parse_message
from replytime.mailboxes.connectors.base import HeaderRecord, RawMessage, Rejected

HEADER_FIELDS = (
    "FROM", "SENDER", "TO", "CC", "SUBJECT", "DATE", "MESSAGE-ID", "IN-REPLY-TO", "REFERENCES",
    "THREAD-INDEX", "AUTO-SUBMITTED", "PRECEDENCE", "LIST-ID", "LIST-UNSUBSCRIBE",
    "X-AUTOREPLY", "X-AUTORESPOND", "X-AUTO-RESPONSE-SUPPRESS", "RETURN-PATH",
)  # fmt: skip
HEADER_ITEM = f"BODY.PEEK[HEADER.FIELDS ({' '.join(HEADER_FIELDS)})]"
# Items whose presence in a FETCH would mean a body could be transferred.
FORBIDDEN_ITEMS = ("BODY[]", "BODY[TEXT]", "BODY.PEEK[]", "BODY.PEEK[TEXT]", "RFC822 ", "RFC822)")
SENT_LABEL = "\\Sent"


def fetch_items(gmail: bool) -> list[str]:
    items = [HEADER_ITEM, "INTERNALDATE", "RFC822.SIZE"]
    if gmail:
        items.append("X-GM-THRID")
    return items


def _header_bytes(data: Mapping[bytes, Any]) -> bytes:
    for key, value in data.items():
        if key.startswith(b"BODY[HEADER.FIELDS"):
            return bytes(value or b"")
    return b""


def _epoch(value: object) -> int | None:
    """INTERNALDATE as epoch seconds: a datetime (imapclient) or an int (fastfetch)."""
    if isinstance(value, datetime):
        return int(value.timestamp())
    return value if isinstance(value, int) else None


def provider_id(folder: str, uidvalidity: int, uid: int) -> str:
    return f"imap:{uidvalidity}:{uid}:{folder}"


def build_record(
    uid: int,
    data: Mapping[bytes, Any],
    *,
    folder: str,
    uidvalidity: int,
    sent: bool,
    now: float,
    min_year: int,
    max_future_days: int,
) -> HeaderRecord | Rejected:
    """One FETCH result as a HeaderRecord (receive time = INTERNALDATE) or a Rejected."""
    size = data.get(b"RFC822.SIZE")
    raw = RawMessage(
        provider_id=provider_id(folder, uidvalidity, uid),
        folder=folder,
        header=_header_bytes(data),
        size=int(size) if size is not None else None,
    )
    parsed = parse_message(raw, now=now, min_year=min_year, max_future_days=max_future_days)
    if isinstance(parsed, Rejected):
        return parsed
    thread = data.get(b"X-GM-THRID")
    received = _epoch(data.get(b"INTERNALDATE"))
    return dataclasses.replace(
        parsed,
        received_at=received if received is not None else parsed.received_at,
        folders=(folder, SENT_LABEL) if sent else (folder,),
        # Gmail's API writes thread ids in hex; use the same form so both connectors agree.
        provider_thread_id=format(int(thread), "x") if thread is not None else None,
    )
