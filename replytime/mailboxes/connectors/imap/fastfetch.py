"""A lean, pipelinable `UID FETCH` for the header-only items.

imapclient's general response parser costs about 0.6 ms per message, and even imaplib's own
response loop (regex matches and a debug-log call per line, with imapclient's debug level)
costs about 0.1 ms; either would take much of the budget of a 2,000 messages/s sync. The shape of our
FETCH is fixed (UID, INTERNALDATE, RFC822.SIZE, one header literal, maybe X-GM-THRID), so this
module writes the command on imapclient's underlying imaplib connection and reads the answer
straight from its socket file: one `readline` per line and one `read` per literal.

Sending and waiting are separate (`FetchPipe.send`, then `FetchPipe.wait`), so a caller can
have the next batch on its way while it works on this one. The result has imapclient's shape
({uid: {b"INTERNALDATE": ..., ...}}, with INTERNALDATE as epoch seconds rather than a datetime:
half the parsing time went into building datetimes), so `records.build_record` serves both.
"""

from __future__ import annotations

import imaplib
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

_UID = re.compile(rb"\bUID (\d+)")
_DATE = re.compile(
    rb'INTERNALDATE "\s?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"'
)
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
_THRID = re.compile(rb"X-GM-THRID (\d+)")
_LITERAL = re.compile(rb"\{(\d+)\}\r\n\Z")
_HEADER_LITERAL = re.compile(rb"BODY\[HEADER\.FIELDS \([^)]*\)\] \{\d+\}\r\n\Z")
_MONTHS = {m: i for i, m in enumerate(
    (b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec"), 1)}  # fmt: skip
_EPOCH_DAY = date(1970, 1, 1).toordinal()
_MAX_LINE = 1_000_000  # as imaplib: a longer line means a broken or hostile server
HEADER_KEY = b"BODY[HEADER.FIELDS]"


def uid_set(uids: Sequence[int]) -> str:
    """Sorted UIDs as a compact IMAP set: 1:1000,1005,1010:1012."""
    parts: list[str] = []
    start = prev = uids[0]
    for uid in uids[1:]:
        if uid != prev + 1:
            parts.append(f"{start}:{prev}" if prev > start else str(start))
            start = uid
        prev = uid
    parts.append(f"{start}:{prev}" if prev > start else str(start))
    return ",".join(parts)


def _internaldate(meta: bytes) -> int | None:
    """INTERNALDATE as epoch seconds (None when missing or not a real date)."""
    match = _DATE.search(meta)
    if match is None:
        return None
    day, mon, year, hh, mm, ss, sign, zh, zm = match.groups()
    month = _MONTHS.get(mon.lower())
    if month is None:
        return None
    try:
        days = date(int(year), month, int(day)).toordinal() - _EPOCH_DAY
    except ValueError:  # 31-Feb-2024: a broken server; the Date header serves instead
        return None
    offset = (int(zh) * 3600 + int(zm) * 60) * (-1 if sign == b"-" else 1)
    return days * 86400 + int(hh) * 3600 + int(mm) * 60 + int(ss) - offset


def _entry(meta: bytes, header: bytes) -> tuple[int, dict[bytes, Any]] | None:
    uid = _UID.search(meta)
    if uid is None:
        return None
    data: dict[bytes, Any] = {HEADER_KEY: header, b"INTERNALDATE": _internaldate(meta)}
    if size := _SIZE.search(meta):
        data[b"RFC822.SIZE"] = int(size.group(1))
    if thread := _THRID.search(meta):
        data[b"X-GM-THRID"] = int(thread.group(1))
    return int(uid.group(1)), data


class FetchPipe:
    """Pipelined `UID FETCH`es of the header items on one imapclient connection.

    `send` writes a command without waiting; `wait` reads until that command is complete and
    returns its messages. Dovecot (and RFC 3501 5.5) may run pipelined FETCHes in parallel, so
    the untagged answers of a later command can arrive before an earlier one is complete:
    every message read is kept by UID until the command that asked for it is waited for.
    Nothing but FETCHes may be sent while one is not waited for.
    """

    def __init__(self, client: IMAPClient) -> None:
        self.imap: imaplib.IMAP4 = client._imap
        self.received: dict[int, dict[bytes, Any]] = {}
        self.completed: dict[bytes, bytes] = {}  # tag -> the rest of its completion line
        self.open: set[bytes] = set()

    def send(self, uids: Sequence[int], items: Sequence[str]) -> bytes:
        """Write `UID FETCH <uids> (<items>)` (uids sorted); returns its tag.

        The command goes to the protocol log like any other (imapclient's
        "imapclient.imaplib" logger at DEBUG), so the log shows everything the client asked.
        """
        imap = self.imap
        tag: bytes = imap._new_tag()
        line = b"%s UID FETCH %s (%s)" % (tag, uid_set(uids).encode(), " ".join(items).encode())
        if imap.debug >= 4:
            imap._mesg(f"> {line!r}")
        imap.send(line + b"\r\n")
        self.open.add(tag)
        return tag

    def wait(self, tag: bytes, uids: Sequence[int]) -> dict[int, dict[bytes, Any]]:
        """{uid: data} (imapclient's shape) of the messages of `uids` that the command sent
        with `tag` returned. Other untagged responses (EXISTS, EXPUNGE, flag updates) are
        skipped: the connector works with UIDs only. Raises IMAPClientError when the server
        refused the command, imaplib.IMAP4.abort when the connection ended."""
        while tag not in self.completed:
            self._read_one()
        status = self.completed.pop(tag)
        self.imap.tagged_commands.pop(tag, None)
        found = {uid: data for uid in uids if (data := self.received.pop(uid, None)) is not None}
        if not self.open and not self.completed:
            self.received.clear()  # answers for UIDs nobody asked for
        if not status.startswith(b"OK"):
            raise IMAPClientError(f"FETCH failed: {status.strip()!r}"[:200])
        return found

    def _read_one(self) -> None:
        segments, literals = _read_response(self.imap)
        first = segments[0]
        if first.startswith(b"* "):
            if first.startswith(b"* BYE"):
                raise imaplib.IMAP4.abort(f"server closed the connection: {first[:100]!r}")
            entry = _fetch_entry(segments, literals) if b" FETCH " in first[:24] else None
            if entry is not None:
                self.received[entry[0]] = entry[1]
            return
        tag, _, rest = first.partition(b" ")
        if tag in self.open:
            if self.imap.debug >= 4:
                self.imap._mesg(f"< {first.rstrip()!r}")  # the completion, for the protocol log
            self.open.discard(tag)
            self.completed[tag] = rest
        # anything else (a continuation request, an unknown tag) cannot answer a FETCH: skip


def _read_response(imap: imaplib.IMAP4) -> tuple[list[bytes], list[bytes]]:
    """One server response: its text split at the literals, and the literals."""
    readline, read = imap.file.readline, imap.file.read
    segments: list[bytes] = []
    literals: list[bytes] = []
    while True:
        line = readline(_MAX_LINE + 1)
        if not line:
            raise imaplib.IMAP4.abort("socket error: EOF")
        if len(line) > _MAX_LINE:
            raise imaplib.IMAP4.error(f"got more than {_MAX_LINE} bytes")
        segments.append(line)
        literal = _LITERAL.search(line)
        if literal is None:
            return segments, literals
        size = int(literal.group(1))
        data = read(size)
        if len(data) < size:
            raise imaplib.IMAP4.abort("socket error: EOF inside a literal")
        literals.append(data)


def _fetch_entry(segments: list[bytes], literals: list[bytes]) -> tuple[int, dict[bytes, Any]] | None:  # fmt: skip
    """(uid, data) of an untagged FETCH response that carries our header item, else None."""
    header: bytes | None = None
    for text, literal in zip(segments, literals, strict=False):
        if _HEADER_LITERAL.search(text):
            header = literal
    meta = b"".join(segments)
    if header is None:
        # No literal: an empty header as a quoted string or NIL, or an unsolicited FETCH
        # (flags changed by another session), which lacks our items and is skipped.
        if b"BODY[HEADER.FIELDS" not in meta:
            return None
        header = b""
    return _entry(meta, header)
