"""Splitting a header block into its fields (spec §1): names matched case-insensitively,
values unfolded."""

from __future__ import annotations

import re

# A header block larger than this is rejected (REASON_HEADER_TOO_LARGE). Readers keep at most
# MAX_HEADER_BYTES + 1 bytes of a header so that the parser can tell "too large" apart.
MAX_HEADER_BYTES = 1 << 20

# One header field: a name of printable ASCII without ":" (obsolete syntax allows blanks before
# the colon), then the value with its continuation lines. Lines that are no field are ignored.
_FIELD_RE = re.compile(rb"^([!-9;-~]++)[ \t]*+:[ \t]*+(.*(?:\n[ \t].*)*)", re.MULTILINE)

# Fields that mark automated mail, by lowercased name.
AUTO_FIELDS = frozenset(
    {
        b"auto-submitted",
        b"precedence",
        b"list-id",
        b"list-unsubscribe",
        b"x-autoreply",
        b"x-autorespond",
        b"x-auto-response-suppress",
        b"return-path",
    }
)
# Fields replytime reads, by lowercased name.
_WANTED = AUTO_FIELDS | {
    b"message-id",
    b"in-reply-to",
    b"references",
    b"from",
    b"sender",
    b"to",
    b"cc",
    b"subject",
    b"date",
    b"x-gm-thrid",
    b"thread-index",
}
# Fields whose every occurrence is read (duplicates are merged); of other fields only the first
# occurrence counts.
_MULTI = frozenset({b"to", b"cc", b"date"})

# Field name as written -> lowercased name, or b"" for a field nobody reads: saves lowercasing
# the same names again and again. Bounded, because hostile input can invent any number of names.
_NAME_MEMO: dict[bytes, bytes] = {}
_NAME_MEMO_MAX = 4096

# What `fields` returns: the first value of every field read, by lowercased name, and the later
# values of the fields in _MULTI that occur more than once (None when none does, the common case).
Fields = tuple[dict[bytes, bytes], dict[bytes, list[bytes]] | None]


def _name_of(name: bytes) -> bytes:
    lowered = name.lower()
    key = lowered if lowered in _WANTED else b""
    if len(_NAME_MEMO) >= _NAME_MEMO_MAX:
        _NAME_MEMO.clear()
    _NAME_MEMO[name] = key
    return key


def fields(block: bytes) -> Fields:
    """The fields replytime reads in a header block (see `header_block`), values unfolded.

    Only those values are unfolded (RFC 5322: the line break is removed, the white space after
    it kept): big headers are mostly long folded Received lines that nobody reads."""
    found: dict[bytes, bytes] = {}
    more: dict[bytes, list[bytes]] | None = None
    memo_get = _NAME_MEMO.get
    for name, value in _FIELD_RE.findall(block):
        key = memo_get(name)
        if key is None:
            key = _name_of(name)
        if not key:
            continue
        if b"\n" in value:
            value = value.replace(b"\n", b"")
        if key not in found:
            found[key] = value
        elif key in _MULTI:
            if more is None:
                more = {}
            more.setdefault(key, []).append(value)
    return found, more


def has_fields(block: bytes) -> bool:
    """Whether a header block holds any header field at all (read or not)."""
    return _FIELD_RE.search(block) is not None


def header_block(data: bytes) -> bytes:
    """The header part of `data`, ready for `fields`: without a leading mbox From_ line, cut at
    the first empty line (a reader normally did that already), CRLF turned into LF."""
    if data.startswith(b"From "):
        nl = data.find(b"\n")
        data = data[nl + 1 :] if nl >= 0 else b""
    cut = data.find(b"\n\n")
    if b"\r" not in data:
        return data[: cut + 1] if cut >= 0 else data
    crlf = data.find(b"\n\r\n")
    if crlf >= 0 and (cut < 0 or crlf < cut):
        cut = crlf
    if cut >= 0:
        data = data[: cut + 1]
    return data.replace(b"\r\n", b"\n") if b"\r" in data else data
