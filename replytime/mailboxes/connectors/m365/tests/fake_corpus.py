"""Mail for the fake Graph: real Enron header blocks turned into Graph message JSON, and
synthetic conversations for volume. No body is ever kept."""

from __future__ import annotations

import hashlib
import itertools
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Any

from replytime.mailboxes.connectors.m365.tests.fake_mail import iso

_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg)\s*:\s*)+", re.I)
# A random start per process: the converted corpus is cached on disk between test runs, and
# ids made by a new process must not collide with the cached ones.
_counter = itertools.count(secrets.randbits(40))


def _ids() -> tuple[str, str, str]:
    n = next(_counter)
    digest = hashlib.sha256(str(n).encode()).hexdigest()
    return (f"AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A{digest[:24]}", f"AAMkAD{digest[24:52]}",
            f"CQAAABYAAAD{digest[52:64]}")  # fmt: skip


def conversation_id(subject: str) -> str:
    topic = _PREFIX.sub("", subject or "").strip().lower()
    return "AAQkAD" + hashlib.sha256(topic.encode()).hexdigest()[:40] + "="


def _recipients(values: list[str]) -> list[dict[str, Any]]:
    return [{"emailAddress": {"name": name or address, "address": address}}
            for name, address in getaddresses(values) if "@" in address]  # fmt: skip


def graph_message(
    *,
    sender: str,
    to: list[str],
    cc: list[str] | None = None,
    subject: str,
    sent: datetime,
    message_id: str,
    headers: list[tuple[str, str]] | None = None,
    delay: timedelta = timedelta(seconds=2),
) -> dict[str, Any]:
    """A message as the fake stores it (all properties, no body)."""
    immutable, rest, change = _ids()
    return {
        "id": immutable, "restId": rest, "changeKey": change,
        "createdDateTime": iso(sent + delay), "lastModifiedDateTime": iso(sent + delay),
        "categories": [], "receivedDateTime": iso(sent + delay), "sentDateTime": iso(sent),
        "hasAttachments": False, "internetMessageId": f"<{message_id}>", "subject": subject,
        "importance": "normal", "conversationId": conversation_id(subject),
        "conversationIndex": "AQHZ" + change[-8:], "isDeliveryReceiptRequested": False,
        "isReadReceiptRequested": False, "isRead": True, "isDraft": False,
        "webLink": "https://outlook.office365.com/owa/?ItemID=" + immutable,
        "inferenceClassification": "focused",
        "sender": _recipients([sender])[0] if _recipients([sender]) else None,
        "from": _recipients([sender])[0] if _recipients([sender]) else None,
        "toRecipients": _recipients(to), "ccRecipients": _recipients(cc or []),
        "bccRecipients": [], "replyTo": [],
        "flag": {"flagStatus": "notFlagged"},
        "internetMessageHeaders": [{"name": n, "value": v} for n, v in headers or []],
    }  # fmt: skip


def from_header_block(block: bytes) -> dict[str, Any] | None:
    """A Graph message from a real header block (None when it has no usable Date)."""
    parsed = message_from_bytes(block, policy=compat32)
    try:
        sent = parsedate_to_datetime(str(parsed["Date"]))
    except (TypeError, ValueError):
        return None
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    message_id = str(parsed["Message-ID"] or "").strip().strip("<>")
    if not message_id:
        return None
    return graph_message(
        sender=str(parsed["From"] or ""), to=[str(v) for v in parsed.get_all("To") or []],
        cc=[str(v) for v in parsed.get_all("Cc") or []],
        subject=" ".join(str(parsed["Subject"] or "").split()), sent=sent,
        message_id=message_id, headers=[(k, " ".join(str(v).split())) for k, v in parsed.items()],
    )  # fmt: skip


def header_blocks(person_dir: Path, *folders: str) -> Iterator[bytes]:
    """The header blocks (only) of the messages of an unpacked Enron person."""
    for folder in folders:
        for path in sorted((person_dir / folder).rglob("*"), key=str):
            if path.is_file():
                data = path.read_bytes().replace(b"\r\n", b"\n")
                yield data.split(b"\n\n", 1)[0] + b"\n"


def synthetic(owner: str, count: int, *, start: datetime, sent: bool, seed: int = 0
              ) -> list[dict[str, Any]]:  # fmt: skip
    """`count` messages of one mailbox: customers writing in (or the owner replying)."""
    out = []
    for i in range(count):
        customer = f"customer{(i + seed) % 997}@client{(i + seed) % 13}.example"
        when = start + timedelta(minutes=7 * i + (31 if sent else 0))
        subject = f"Order {(i + seed) % 4000} question"
        if sent:
            out.append(graph_message(
                sender=owner, to=[customer], subject=f"RE: {subject}", sent=when,
                message_id=f"r{seed}-{i}@acme.example",
                headers=[("In-Reply-To", f"<q{seed}-{i}@client.example>")],
            ))  # fmt: skip
        else:
            out.append(graph_message(
                sender=customer, to=[owner], subject=subject, sent=when,
                message_id=f"q{seed}-{i}@client.example",
            ))  # fmt: skip
    return out
