"""One message's header block into a `HeaderRecord` or a `Rejected` (spec §1-3, §9)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from replytime.lib.headers.addresses import parse_addresses
from replytime.lib.headers.dates import _EPOCH, _day_start, _fast_date_bytes, parse_date
from replytime.lib.headers.decoding import _bytes_to_str, decode_value
from replytime.lib.headers.fields import (
    AUTO_FIELDS,
    MAX_HEADER_BYTES,
    fields,
    has_fields,
    header_block,
)
from replytime.lib.headers.msgids import MAX_REFERENCES, _message_id, _references, parse_msgids
from replytime.lib.headers.pipermail import _PIPERMAIL_SIMPLE_RE, restore_pipermail
from replytime.mailboxes.connectors.base import (
    REASON_HEADER_TOO_LARGE,
    REASON_IMPLAUSIBLE_DATE,
    REASON_NO_DATE,
    REASON_NO_IDENTITY,
    REASON_TRUNCATED,
    REASON_UNREADABLE,
    HeaderRecord,
    RawMessage,
    Rejected,
)

# Reason codes a reader may put in front of RawMessage.error ("<reason>: <detail>").
KNOWN_REASONS = frozenset(
    {
        REASON_NO_DATE,
        REASON_NO_IDENTITY,
        REASON_UNREADABLE,
        REASON_TRUNCATED,
        REASON_HEADER_TOO_LARGE,
        REASON_IMPLAUSIBLE_DATE,
    }
)

_NOREPLY_LOCALS = frozenset(
    {"noreply", "no-reply", "donotreply", "do-not-reply", "mailer-daemon", "postmaster"}
)
_PRECEDENCE_AUTO = frozenset({"bulk", "junk", "list", "auto_reply"})
# Fields whose mere presence is a signal: (field, flag name).
_PRESENCE_FLAGS = (
    (b"list-id", "list-id"),
    (b"list-unsubscribe", "list-unsubscribe"),
    (b"x-autoreply", "x-autoreply"),
    (b"x-autorespond", "x-autorespond"),
    (b"x-auto-response-suppress", "x-auto-response-suppress"),
)


def split_reader_error(error: str) -> tuple[str, str]:
    """Split a reader's RawMessage.error into (reason code, detail).

    Convention: readers write "<reason-code>: <detail>" with a code from KNOWN_REASONS. An error
    without a known code prefix is taken as REASON_UNREADABLE with the whole text as detail.
    """
    code, sep, detail = error.partition(":")
    code = code.strip()
    if sep and code in KNOWN_REASONS:
        return code, detail.strip()
    return REASON_UNREADABLE, error.strip()


def _auto_flags(found: dict[bytes, bytes], from_addr: str | None) -> tuple[str, ...]:
    """Spec §3.3 automation signals, in AUTO_FLAG_NAMES order."""
    if found.keys().isdisjoint(AUTO_FIELDS):
        if from_addr is not None and from_addr[: from_addr.rfind("@")] in _NOREPLY_LOCALS:
            return ("noreply-sender",)
        return ()
    flags: list[str] = []
    value = found.get(b"auto-submitted")
    if value is not None:
        word = _bytes_to_str(value).split(";", 1)[0].split("(", 1)[0].strip().lower()
        if word != "no":
            flags.append("auto-submitted")
    value = found.get(b"precedence")
    if value is not None:
        words = _bytes_to_str(value).split(";", 1)[0].split()
        if words and words[0].lower() in _PRECEDENCE_AUTO:
            flags.append("precedence")
    for field, flag in _PRESENCE_FLAGS:
        if field in found:
            flags.append(flag)
    value = found.get(b"return-path")
    if value is not None and b"".join(value.split()) == b"<>":
        flags.append("null-return-path")
    if from_addr is not None and from_addr[: from_addr.rfind("@")] in _NOREPLY_LOCALS:
        flags.append("noreply-sender")
    return tuple(flags)


# Address values repeat a lot (the same senders and recipients, message after message) and
# reading one is pure, so the results for the last few thousand distinct short values are
# remembered. Long values are read each time: the memo must stay small whatever the input.
_ADDRESS_MEMO = 8192
_MEMO_VALUE_BYTES = 512


def _read_addresses(raw: bytes, pipermail: bool) -> tuple[str, ...]:
    """The addresses of one address header value."""
    text = _bytes_to_str(raw)
    if pipermail:
        text = restore_pipermail(text)
    # Encoded words are decoded only when the raw value yields nothing: display names are
    # discarded anyway, and decoding first could inject "," or "<" into the address syntax.
    addrs = parse_addresses(text)
    if not addrs and "=?" in text:
        addrs = parse_addresses(decode_value(text))
    return addrs


def _read_first_address(raw: bytes, pipermail: bool) -> str | None:
    """The first address of a From or Sender value (only their first occurrence is read)."""
    if pipermail:
        match = _PIPERMAIL_SIMPLE_RE.fullmatch(_bytes_to_str(raw))
        if match is not None:  # the common "user at host (Name)"
            return f"{match.group(1)}@{match.group(2)}".lower()
    addrs = _read_addresses(raw, pipermail)
    return addrs[0] if addrs else None


_memo_addresses = lru_cache(maxsize=_ADDRESS_MEMO)(_read_addresses)
_memo_first_address = lru_cache(maxsize=_ADDRESS_MEMO)(_read_first_address)


def _value_addresses(raw: bytes, pipermail: bool) -> tuple[str, ...]:
    if len(raw) > _MEMO_VALUE_BYTES:
        return _read_addresses(raw, pipermail)
    return _memo_addresses(raw, pipermail)


def _first_address(raw: bytes, pipermail: bool) -> str | None:
    if len(raw) > _MEMO_VALUE_BYTES:
        return _read_first_address(raw, pipermail)
    return _memo_first_address(raw, pipermail)


def _addresses(first: bytes, more: list[bytes] | None, pipermail: bool) -> tuple[str, ...]:
    """Addresses of all occurrences of one address header (duplicate headers are merged)."""
    addrs = _value_addresses(first, pipermail)
    if not more:
        return addrs
    out = list(addrs)
    for raw in more:
        out.extend(_value_addresses(raw, pipermail))
    return tuple(dict.fromkeys(out)) if len(out) > 1 else tuple(out)


def _first_date(first: bytes | None, more: list[bytes] | None) -> tuple[int | None, str]:
    """(epoch, problem) for the first Date header that parses; the problem describes why none
    did. Duplicated Date headers: the first readable one wins."""
    if first is None:
        return None, "Date header missing"
    epoch = _fast_date_bytes(first)
    if epoch is not None:
        return epoch, ""
    for raw in (first, *(more or ())):
        epoch = parse_date(_bytes_to_str(raw).strip())
        if epoch is not None:
            return epoch, ""
    return None, "Date header unparseable"


def _day_text(epoch: int) -> str:
    """The UTC day of an epoch second as YYYY-MM-DD, or "?" outside years 1-9999."""
    try:
        return (_EPOCH + timedelta(seconds=epoch)).date().isoformat()
    except OverflowError:
        return "?"


def _token(value: str) -> str | None:
    """An opaque id (X-GM-THRID, Thread-Index) with all blanks removed; empty = missing."""
    return "".join(value.split()) or None


# A HeaderRecord's values as a plain tuple, in field order (see `parse_fields`).
RecordFields = tuple[
    str,  # provider_id
    str | None,  # message_id
    tuple[str, ...],  # in_reply_to
    tuple[str, ...],  # references
    str | None,  # provider_thread_id
    str | None,  # thread_index
    str | None,  # from_addr
    str | None,  # sender
    tuple[str, ...],  # to
    tuple[str, ...],  # cc
    str,  # subject
    int | None,  # date
    int | None,  # received_at
    tuple[str, ...],  # folders
    tuple[str, ...],  # auto_flags
    int | None,  # size
]


@dataclass(frozen=True, slots=True)
class _Options:
    """What parsing needs besides the message, worked out once per import."""

    pipermail: bool
    list_to: tuple[str, ...]  # the To of pipermail messages that have none
    earliest: int  # plausible dates: from this epoch second ...
    latest: float  # ... to this one


def _options(
    list_address: str | None,
    pipermail: bool,
    now: float | None,
    min_year: int,
    max_future_days: int,
) -> _Options:
    """Spec §2 "usable time": not before Jan 1 of `min_year` UTC, not after now + the slack."""
    earliest = _day_start(max(1, min(min_year, 9999)), 1, 1) or 0
    latest = (time.time() if now is None else now) + max_future_days * 86400
    list_to = parse_addresses(list_address) if pipermail and list_address else ()
    return _Options(pipermail, list_to, earliest, latest)


def _parse(raw: RawMessage, opts: _Options) -> RecordFields | Rejected:
    pid, folder = raw.provider_id, raw.folder
    if raw.error:
        reason, detail = split_reader_error(raw.error)
        return Rejected(pid, reason, detail, folder)
    if len(raw.header) > MAX_HEADER_BYTES:
        detail = f"header block larger than {MAX_HEADER_BYTES} bytes"
        return Rejected(pid, REASON_HEADER_TOO_LARGE, detail, folder)
    block = header_block(raw.header)
    found, more = fields(block)
    if not found and not has_fields(block):
        return Rejected(pid, REASON_UNREADABLE, "no header lines found", folder)
    get = found.get  # absent fields are skipped without a call: this is the hot path
    pipermail = opts.pipermail

    value = get(b"message-id")
    message_id = _message_id(_bytes_to_str(value)) if value is not None else None
    value = get(b"from")
    from_addr = _first_address(value, pipermail) if value is not None else None
    if from_addr is None and message_id is None:
        return Rejected(pid, REASON_NO_IDENTITY, "neither a From address nor a Message-ID", folder)

    date, problem = _first_date(get(b"date"), more and more.get(b"date"))
    if date is not None and not opts.earliest <= date <= opts.latest:
        problem = f"Date {_day_text(date)} outside plausible range"
        date = None
    if date is None:
        return Rejected(pid, REASON_NO_DATE, problem, folder)

    value = get(b"to")
    to = _addresses(value, more and more.get(b"to"), pipermail) if value is not None else ()
    if not to:
        to = opts.list_to
    value = get(b"cc")
    cc = _addresses(value, more and more.get(b"cc"), pipermail) if value is not None else ()
    value = get(b"sender")
    sender = _first_address(value, pipermail) if value is not None else None
    in_reply_to: tuple[str, ...] = ()
    value = get(b"in-reply-to")
    if value is not None:
        in_reply_to = parse_msgids(_bytes_to_str(value))
    references: tuple[str, ...] = ()
    refs = get(b"references")
    if refs is not None:
        # Most replies repeat In-Reply-To as their References: reuse what was just read.
        same = refs == value and len(in_reply_to) <= MAX_REFERENCES
        references = in_reply_to if same else _references(_bytes_to_str(refs))
    value = get(b"subject")
    subject = decode_value(value).strip() if value is not None else ""
    value = get(b"x-gm-thrid")
    thread_id = _token(_bytes_to_str(value)) if value is not None else None
    value = get(b"thread-index")
    thread_index = _token(_bytes_to_str(value)) if value is not None else None
    return (
        pid,  # provider_id
        message_id,
        in_reply_to,
        references,
        thread_id,  # provider_thread_id
        thread_index,
        from_addr,
        sender,
        to,
        cc,
        subject,
        date,
        date,  # received_at: for mail files the receive time is the Date header (spec §1)
        (folder,) if folder else (),  # folders
        _auto_flags(found, from_addr),
        raw.size,
    )


def _guarded(raw: RawMessage, opts: _Options) -> RecordFields | Rejected:
    try:
        return _parse(raw, opts)
    except Exception as exc:  # one bad message must not abort an import
        detail = f"parser error ({type(exc).__name__})"
        return Rejected(raw.provider_id, REASON_UNREADABLE, detail, raw.folder)


def parse_message(
    raw: RawMessage,
    *,
    list_address: str | None = None,
    pipermail: bool = False,
    now: float | None = None,
    min_year: int = 1990,
    max_future_days: int = 2,
) -> HeaderRecord | Rejected:
    """Parse one message's header block into a HeaderRecord, or say why it cannot be stored.

    `raw.header` is the header block (a leading mbox From_ line is ignored; CRLF or LF). Rejections
    (spec §9), checked in this order: the reader's own error (`split_reader_error`), a block over
    MAX_HEADER_BYTES, no header line at all, neither a From address nor a Message-ID, and no
    usable Date (missing, unparseable, before Jan 1 of `min_year` UTC, or later than `now` +
    `max_future_days`). Rejection details never quote addresses or subjects.

    `pipermail=True` restores the obfuscated addresses of Mailman 2 archives (`restore_pipermail`)
    and uses `list_address` as the To of messages that have none.

    Never raises: an unexpected internal error becomes Rejected(REASON_UNREADABLE) whose detail
    starts with "parser error".
    """
    try:
        opts = _options(list_address, pipermail, now, min_year, max_future_days)
    except Exception as exc:  # e.g. an unreadable list address: as before, no exception
        detail = f"parser error ({type(exc).__name__})"
        return Rejected(raw.provider_id, REASON_UNREADABLE, detail, raw.folder)
    fields = _guarded(raw, opts)
    return fields if isinstance(fields, Rejected) else HeaderRecord(*fields)


def iter_fields(
    raws: Iterable[RawMessage],
    *,
    list_address: str | None = None,
    pipermail: bool = False,
    now: float | None = None,
    min_year: int = 1990,
    max_future_days: int = 2,
) -> Iterator[RecordFields | Rejected]:
    """`parse_message` for a stream of messages, for bulk imports: yields each message's
    HeaderRecord values as a plain tuple in field order (`HeaderRecord(*fields)` is what
    parse_message returns), or its Rejected, without building a record object. `now` defaults to
    the time of the first message."""
    opts = _options(list_address, pipermail, now, min_year, max_future_days)
    for raw in raws:
        yield _guarded(raw, opts)
