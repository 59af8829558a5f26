"""Streaming split of mbox files (and pipermail archives) into header blocks.

The splitter works on large byte buffers: it finds a message's From_ line, takes the bytes up to
the first empty line as the header block, then jumps to the next separator with `bytes.find`,
discarding the body chunk by chunk. Memory stays bounded by a few read chunks plus one header
(at most MAX_HEADER_BYTES + 1 bytes are kept), whatever the size of the mailbox.

Separators. A body line that starts with "From " must not split a message, and writers do not
always escape such lines (">From "). So a line counts as a separator only when it looks like a
real From_ line: "From <sender> <asctime date>" (`FROM_LINE_RE`), or, for pipermail archives, the
stricter form Mailman writes, with two blanks before the date (`PIPERMAIL_FROM_LINE_RE`). No empty
line is required before a separator: pipermail archives contain real separators that directly
follow a body's last line. `git format-patch`'s fixed "From <sha> Mon Sep 17 00:00:00 2001" line
(patches pasted into bodies) separates only in files that start with it (patch series). A
mailbox whose first line does not look like a From_ line at all (some exporters write odd dates)
is split leniently: any "From " line after an empty line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from replytime.lib.headers import MAX_HEADER_BYTES
from replytime.mailboxes.connectors.base import REASON_TRUNCATED, REASON_UNREADABLE
from replytime.mailboxes.connectors.files.streams import CHUNK, STREAM_ERRORS, read_error

_DAY = rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MON = rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"

# "From sender@x Thu Dec 31 22:50:51 2009", with the variants writers produce: extra blanks,
# "From - Mon ..." (Thunderbird), a zone before or after the year (Gmail Takeout), no seconds, or
# an RFC 5322 date. Matched against one line without its "\n".
FROM_LINE_RE = re.compile(
    rb"From (?:[^\n]*? )?"
    rb"(?:" + _DAY + rb" +" + _MON + rb" +\d{1,2} +\d{1,2}:\d\d(?::\d\d)?"
    rb"(?: +[A-Z]{1,5}| +[+-]\d{4})? +\d{4}(?: +[+-]\d{4}| +[A-Z]{1,5})?"
    rb"|" + _DAY + rb",? +\d{1,2} +" + _MON + rb" +\d{4} +\d{1,2}:\d\d(?::\d\d)?(?: +[+-]\d{4})?)"
    rb" *\r?"
)
# The From_ line of Mailman 2 public archives (see the corpora README).
PIPERMAIL_FROM_LINE_RE = re.compile(
    rb"From .+  " + _DAY + rb" " + _MON + rb" [ 0-9][0-9] \d\d:\d\d:\d\d \d{4}\r?"
)

# `git format-patch` output starts with this fixed From_ line; patches pasted or attached into a
# message body carry it too, so it separates messages only in a file that starts with it.
_GIT_MAGIC_RE = re.compile(rb"From [0-9a-f]{40} Mon Sep 17 00:00:00 2001\r?")

# A "From " line after at most this many bytes without a newline is no separator.
_MAX_FROM_LINE = 4096


@dataclass(frozen=True, slots=True)
class MboxPart:
    """One message found in a mailbox: where its From_ line starts in the (decompressed)
    stream, its header block, its size in bytes (from the line after the From_ line up to the next
    separator), and an error ("<reason>: <detail>") when it could not be read whole."""

    offset: int
    header: bytes
    size: int | None
    error: str | None = None


def separator_for(first_line: bytes, pipermail: bool) -> re.Pattern[bytes] | None:
    """The separator pattern for a mailbox whose first line is `first_line` (no "\\n"), or None
    for lenient splitting."""
    if pipermail and PIPERMAIL_FROM_LINE_RE.fullmatch(first_line):
        return PIPERMAIL_FROM_LINE_RE
    if FROM_LINE_RE.fullmatch(first_line):
        return FROM_LINE_RE
    return None


class _Splitter:
    """State of one streaming split: `buf` holds the unread window of the stream and `base` is
    the stream offset of buf[0]."""

    def __init__(self, stream: BinaryIO, first: bytes) -> None:
        self.stream = stream
        self.buf = first
        self.base = 0
        self.eof = False
        self.error: str | None = None
        # Set by first_line(): the separator pattern (None: lenient), whether git's magic From_
        # line separates, and whether to look for CRLF empty lines.
        self.sep: re.Pattern[bytes] | None = None
        self.git_ok = False
        self.crlf = False

    def first_line(self, pipermail: bool) -> int:
        """Skip leading empty lines, choose the separator pattern from the first line, and
        return the index where that line starts."""
        while not self.eof:
            lead = len(self.buf) - len(self.buf.lstrip(b"\r\n"))
            if self.buf.find(b"\n", lead) >= 0 or len(self.buf) - lead >= _MAX_FROM_LINE:
                break
            self.more(0)
        lead = len(self.buf) - len(self.buf.lstrip(b"\r\n"))
        nl = self.buf.find(b"\n", lead, lead + _MAX_FROM_LINE)
        line = self.buf[lead : nl if nl >= 0 else lead + _MAX_FROM_LINE]
        self.sep = separator_for(line, pipermail)
        self.crlf = line.endswith(b"\r") or b"\r\n" in self.buf
        self.git_ok = _GIT_MAGIC_RE.fullmatch(line) is not None
        return lead

    def more(self, keep: int) -> int:
        """Drop buf[:keep] and append the next chunk. Returns `keep` (the shift of every index)."""
        if self.eof:
            return 0
        try:
            chunk = self.stream.read(CHUNK)
        except STREAM_ERRORS as exc:
            chunk = b""
            self.error = read_error(exc)
        if not chunk:
            self.eof = True
        self.buf = self.buf[keep:] + chunk
        self.base += keep
        return keep

    def is_separator(self, start: int) -> bool | None:
        """Whether the line starting at buf[start] (which begins with "From ") is a separator;
        None when more data is needed to decide."""
        buf = self.buf
        end = buf.find(b"\n", start, start + _MAX_FROM_LINE)
        if end < 0:
            if len(buf) - start >= _MAX_FROM_LINE:
                return False  # far too long for a From_ line
            if not self.eof:
                return None
            end = len(buf)
        if self.sep is None:  # lenient: the previous line is empty
            return start >= 2 and (
                buf[start - 2 : start] == b"\n\n" or buf[start - 3 : start] == b"\n\r\n"
            )
        if self.sep.fullmatch(buf, start, end) is None:
            return False
        return self.git_ok or _GIT_MAGIC_RE.fullmatch(buf, start, end) is None

    def next_separator(self, start: int) -> int:
        """Index of the next separator line after buf[start] (which should be a "\n"), reading
        and discarding as needed, or -1 at the end of the stream."""
        while True:
            hit = self.buf.find(b"\nFrom ", start)
            if hit < 0:
                if self.eof:
                    return -1
                # Keep a short tail: a separator may straddle the chunk boundary.
                keep = max(start, len(self.buf) - 16)
                start = max(start - self.more(keep), 0)
                continue
            decision = self.is_separator(hit + 1)
            if decision is None:  # the candidate line is incomplete: read on, then look again
                start = hit - self.more(max(hit - 2, 0))
                continue
            if decision:
                return hit + 1
            start = hit + 1

    def header_end(self, line_end: int) -> tuple[int, int]:
        """(end of the header block, start of what follows it) for a header that starts after the
        From_ line ending at buf[line_end] ("\\n"). The header ends at the first empty line or at
        a separator line, whichever comes first. Returns (-1, -1) if the buffer holds neither."""
        buf = self.buf
        blank = buf.find(b"\n\n", line_end)
        skip = 2
        if self.crlf:
            blank_crlf = buf.find(b"\n\r\n", line_end)
            if blank_crlf >= 0 and (blank < 0 or blank_crlf < blank):
                blank, skip = blank_crlf, 3
        limit = blank if blank >= 0 else len(buf)
        hit = buf.find(b"\nFrom ", line_end, limit)
        while hit >= 0:
            if self.is_separator(hit + 1):
                return hit + 1, hit + 1
            hit = buf.find(b"\nFrom ", hit + 1, limit)
        if blank >= 0:
            return blank + 1, blank + skip
        return -1, -1


def split_mbox(stream: BinaryIO, first: bytes, *, pipermail: bool = False) -> Iterator[MboxPart]:
    """Split a mailbox stream into MboxParts. `first` is the data already read from the stream
    (it must start with the first From_ line; leading empty lines are allowed)."""
    splitter = _Splitter(stream, first)
    pos = splitter.first_line(pipermail)
    while pos >= 0:
        part, pos = _one_message(splitter, pos)
        yield part


def _one_message(sp: _Splitter, pos: int) -> tuple[MboxPart, int]:
    """Read the message whose From_ line starts at buf[pos]. Returns it and the buffer index of
    the next From_ line (-1 at the end of the stream)."""
    line_end = sp.buf.find(b"\n", pos)
    while line_end < 0 and not sp.eof and len(sp.buf) - pos < _MAX_FROM_LINE:
        pos -= sp.more(pos)
        line_end = sp.buf.find(b"\n", pos)
    offset = sp.base + pos
    if line_end < 0:
        if sp.eof:
            error = sp.error or f"{REASON_TRUNCATED}: file ends inside a From_ line"
        else:  # only the first line can get here: separators are checked for length
            error = f"{REASON_UNREADABLE}: not an mbox file (first line too long)"
        return MboxPart(offset, b"", None, error), -1
    header_abs = offset + (line_end + 1 - pos)
    header, after = _read_header(sp, pos, line_end)
    if after < 0:  # the stream ended inside the header block
        complete = sp.error is None and header.endswith(b"\n")
        error = None if complete else sp.error or f"{REASON_TRUNCATED}: file ends in a header"
        return MboxPart(offset, header, sp.base + len(sp.buf) - header_abs, error), -1
    nxt = sp.next_separator(after - 1)
    end_abs = sp.base + (nxt if nxt >= 0 else len(sp.buf))
    return MboxPart(offset, header, end_abs - header_abs, sp.error if nxt < 0 else None), nxt


def _read_header(sp: _Splitter, pos: int, line_end: int) -> tuple[bytes, int]:
    """(header block, buffer index just past it, or -1 when the stream ended inside it).

    Moves the buffer window as needed. A header over MAX_HEADER_BYTES is cut to
    MAX_HEADER_BYTES + 1 bytes (so that the parser rejects it as too large) and the rest of it
    is skipped without being kept.
    """
    kept: bytes | None = None
    start = line_end + 1
    while True:
        end, after = sp.header_end(line_end)
        if end >= 0:
            if kept is None:
                kept = sp.buf[start : min(end, start + MAX_HEADER_BYTES + 1)]
            return kept, after
        if sp.eof:
            if kept is None:
                kept = sp.buf[start : start + MAX_HEADER_BYTES + 1]
            return kept, -1
        if kept is None and len(sp.buf) - start > MAX_HEADER_BYTES:
            kept = sp.buf[start : start + MAX_HEADER_BYTES + 1]
        if kept is None:  # keep the From_ line and the header so far, search them again
            shift = sp.more(pos)
            pos, start, line_end = pos - shift, start - shift, line_end - shift
        else:  # drop what we have, but an empty line or a From_ line may straddle the boundary
            tail = sp.buf.rfind(b"\n", max(len(sp.buf) - _MAX_FROM_LINE, 0))
            sp.more(tail - 1 if tail > 0 else max(len(sp.buf) - 2, 0))
            line_end = 0
