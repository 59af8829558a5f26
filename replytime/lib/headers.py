"""Fast parsing of one message's header block into a `HeaderRecord` (spec §1-3, §9).

replytime reads header metadata only. This module turns the raw header bytes a reader found into
the normalised fields of spec §2, or into a `Rejected` with a reason code of spec §9.

Speed matters (an import must keep up with tens of thousands of messages per second on one core),
so the hot path avoids `email.parser`: one compiled regex splits the block into fields, only the
fields replytime uses are decoded, and the common shapes of addresses and dates take regex fast
paths. Slower, more general code runs only for the rare odd value.

Nothing here raises on bad input: every oddity becomes a best-effort value, a `None`, or a
`Rejected`. `parse_message` also has a last-resort guard so that a bug turns into a counted
rejection instead of aborting an import.
"""

from __future__ import annotations

import binascii
import calendar
import codecs
import contextlib
import hashlib
import json
import re
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_tz
from functools import lru_cache

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

__all__ = [
    "KNOWN_REASONS",
    "MAX_HEADER_BYTES",
    "MAX_REFERENCES",
    "decode_value",
    "fingerprint",
    "parse_addresses",
    "parse_date",
    "parse_message",
    "parse_msgids",
    "pipermail_key",
    "restore_pipermail",
    "split_reader_error",
]

# A header block larger than this is rejected (REASON_HEADER_TOO_LARGE). Readers keep at most
# MAX_HEADER_BYTES + 1 bytes of a header so that the parser can tell "too large" apart.
MAX_HEADER_BYTES = 1 << 20

# References are capped at the first id plus the last MAX_REFERENCES - 1 ids. The first id is the
# thread root and the last ones are the nearest ancestors: together they keep every link that
# threading needs while bounding memory for pathological headers with thousands of ids.
MAX_REFERENCES = 100

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

# ---------------------------------------------------------------------------------------------
# Header fields
# ---------------------------------------------------------------------------------------------

# One header field: a name of printable ASCII without ":" (obsolete syntax allows blanks before
# the colon), then the value with its continuation lines. Lines that are no field are ignored.
_FIELD_RE = re.compile(rb"^([!-9;-~]++)[ \t]*+:[ \t]*+(.*(?:\n[ \t].*)*)", re.MULTILINE)
# The empty line that ends a header block (LF or CRLF).
_BLANK_LINE_RE = re.compile(rb"\n\r?\n")

# Fields replytime reads, by lowercased name, mapped to a short slot name.
_WANTED = {
    b"message-id": "mid",
    b"in-reply-to": "irt",
    b"references": "refs",
    b"from": "from",
    b"sender": "sender",
    b"to": "to",
    b"cc": "cc",
    b"subject": "subject",
    b"date": "date",
    b"x-gm-thrid": "thrid",
    b"thread-index": "tindex",
    b"auto-submitted": "auto-submitted",
    b"precedence": "precedence",
    b"list-id": "list-id",
    b"list-unsubscribe": "list-unsubscribe",
    b"x-autoreply": "x-autoreply",
    b"x-autorespond": "x-autorespond",
    b"x-auto-response-suppress": "x-auto-response-suppress",
    b"return-path": "return-path",
}

# Slots where every occurrence is kept (duplicates are merged); other slots keep the first one.
_MULTI = frozenset({"to", "cc", "date"})

_NOREPLY_LOCALS = frozenset(
    {"noreply", "no-reply", "donotreply", "do-not-reply", "mailer-daemon", "postmaster"}
)
_PRECEDENCE_AUTO = frozenset({"bulk", "junk", "list", "auto_reply"})
_AUTO_SLOTS = frozenset(
    {
        "auto-submitted",
        "precedence",
        "list-id",
        "list-unsubscribe",
        "x-autoreply",
        "x-autorespond",
        "x-auto-response-suppress",
        "return-path",
    }
)


# Field name as written -> slot (or None): saves lowercasing the same names again and again.
# Bounded, because hostile input can invent any number of names.
_SLOT_MEMO: dict[bytes, str | None] = {}
_SLOT_MEMO_MAX = 4096


def _slot_of(name: bytes) -> str | None:
    slot = _WANTED.get(name.lower())
    if len(_SLOT_MEMO) >= _SLOT_MEMO_MAX:
        _SLOT_MEMO.clear()
    _SLOT_MEMO[name] = slot
    return slot


def _fields(block: bytes) -> dict[str, list[bytes]]:
    """The wanted fields of a header block (see `_header_block`) by slot, values unfolded.

    Only wanted values are unfolded (RFC 5322: the line break is removed, the white space after
    it kept): big headers are mostly long folded Received lines that nobody reads."""
    found: dict[str, list[bytes]] = {}
    memo_get = _SLOT_MEMO.get
    for name, value in _FIELD_RE.findall(block):
        slot = memo_get(name, "")
        if slot == "":
            slot = _slot_of(name)
        if slot is None:
            continue
        if b"\n" in value:
            value = value.replace(b"\n", b"")
        if slot not in found:
            found[slot] = [value]
        elif slot in _MULTI:
            found[slot].append(value)
    return found


def _header_block(data: bytes) -> bytes:
    """The header part of `data`, ready for `_FIELD_RE`: without a leading mbox From_ line, cut
    at the first empty line (a reader normally did that already), CRLF turned into LF."""
    if data.startswith(b"From "):
        nl = data.find(b"\n")
        data = data[nl + 1 :] if nl >= 0 else b""
    blank = _BLANK_LINE_RE.search(data)
    if blank is not None:
        data = data[: blank.start() + 1]
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
    return data


# ---------------------------------------------------------------------------------------------
# Decoding (8-bit bytes and RFC 2047 encoded words)
# ---------------------------------------------------------------------------------------------

_ENCODED_WORD_RE = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?]*)\?=")
_BLANK_RE = re.compile(r"[ \t\r\n]*")
_NOT_BASE64_RE = re.compile(rb"[^A-Za-z0-9+/]")


def _bytes_to_str(raw: bytes) -> str:
    """Undeclared 8-bit header bytes: UTF-8 when valid, else cp1252, else latin-1 (never fails)."""
    if raw.isascii():
        return raw.decode("ascii")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


@lru_cache(maxsize=256)
def _codec_for(charset: str) -> str | None:
    """The Python codec for a MIME charset name, or None when unknown or not a text codec."""
    name = charset.split("*", 1)[0].strip().lower()  # RFC 2231 language suffix: "utf-8*en"
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    # Refuse bytes-to-bytes or str-to-str codecs (base64, rot13, ...): they are no charsets.
    return info.name if getattr(info, "_is_text_encoding", True) else None


def _decode_charset(data: bytes, charset: str) -> str:
    codec = _codec_for(charset)
    if codec is not None:
        try:
            return data.decode(codec)
        except Exception:  # codecs may raise anything on hostile input
            try:
                return data.decode(codec, "replace")
            except Exception:
                pass
    return _bytes_to_str(data)


def _word_bytes(encoding: str, text: str) -> bytes:
    """The bytes carried by one encoded word; broken base64 is decoded as far as possible."""
    if encoding in "Qq":
        raw = text.replace("_", " ").encode("latin-1", "replace")
        return binascii.a2b_qp(raw)
    raw = _NOT_BASE64_RE.sub(b"", text.encode("ascii", "ignore"))
    if len(raw) % 4 == 1:  # a lone trailing character carries no complete byte
        raw = raw[:-1]
    raw += b"=" * (-len(raw) % 4)
    try:
        return binascii.a2b_base64(raw)
    except (binascii.Error, ValueError):
        return b""


def _decode_encoded_words(text: str) -> str:
    """Decode RFC 2047 encoded words. White space between two adjacent encoded words is dropped,
    and adjacent words of one charset are joined as bytes first, so that a multi-byte character
    split across two words survives."""
    out: list[str] = []
    pos = 0
    pending = bytearray()
    pending_charset = ""
    for match in _ENCODED_WORD_RE.finditer(text):
        gap = text[pos : match.start()]
        if pending and (not gap or _BLANK_RE.fullmatch(gap)):
            gap = ""  # adjacent encoded words: the blank between them is not part of the text
        elif pending:
            out.append(_decode_charset(bytes(pending), pending_charset))
            pending.clear()
        out.append(gap)
        charset, encoding, payload = match.groups()
        data = _word_bytes(encoding, payload)
        if pending and charset.lower() != pending_charset.lower():
            out.append(_decode_charset(bytes(pending), pending_charset))
            pending.clear()
        pending_charset = charset
        pending += data
        pos = match.end()
    if pending:
        out.append(_decode_charset(bytes(pending), pending_charset))
    out.append(text[pos:])
    return "".join(out)


def decode_value(raw: bytes | str) -> str:
    """A header value as text: unfolded, 8-bit bytes decoded (UTF-8, else cp1252/latin-1), and RFC
    2047 encoded words decoded. Never raises; undecodable pieces are kept as best-effort text."""
    text = _bytes_to_str(raw) if isinstance(raw, bytes) else raw
    if "\n" in text or "\r" in text:
        text = text.replace("\r\n", "").replace("\n", "").replace("\r", "")
    if "=?" in text:
        # On any surprise keep the raw text rather than fail the message.
        with contextlib.suppress(Exception):
            text = _decode_encoded_words(text)
    return text


# ---------------------------------------------------------------------------------------------
# Message-IDs
# ---------------------------------------------------------------------------------------------

_ANGLE_ID_RE = re.compile(r"<([^<>]*)>")
_BARE_ID_RE = re.compile(r"[^\s<>()\",;]+@[^\s<>()\",;]+")


def parse_msgids(value: str) -> tuple[str, ...]:
    """All message ids in a References or In-Reply-To value, in order, without angle brackets or
    surrounding blanks, duplicates kept once. Without any "<", blank-separated tokens that contain
    an "@" count as ids (old mailers); text around bracketed ids (phrases, comments) is ignored."""
    stripped = value.strip()
    if stripped[:1] == "<" and stripped[-1:] == ">" and stripped.count("<") == 1:
        ident = stripped[1:-1].strip()  # the common case: exactly one "<id>"
        return (ident,) if ident else ()
    if "<" in value:
        ids = [m.strip() for m in _ANGLE_ID_RE.findall(value)]
    else:
        ids = _BARE_ID_RE.findall(value)
    ids = [i for i in ids if i]
    if len(ids) > 1:
        ids = list(dict.fromkeys(ids))
    return tuple(ids)


def _message_id(value: str) -> str | None:
    """Spec §2: brackets and surrounding blanks removed, case kept, empty = missing. A value
    without brackets is kept as its trimmed text."""
    value = value.strip()
    if value.startswith("<"):
        end = value.find(">")
        ident = value[1:end] if end > 0 else value[1:]
        ident = ident.strip()
    else:
        match = _ANGLE_ID_RE.search(value)
        ident = match.group(1).strip() if match else value
    return ident or None


def _references(value: str) -> tuple[str, ...]:
    ids = parse_msgids(value)
    if len(ids) > MAX_REFERENCES:
        ids = (ids[0], *ids[-(MAX_REFERENCES - 1) :])
    return ids


# ---------------------------------------------------------------------------------------------
# Addresses
# ---------------------------------------------------------------------------------------------

_COMMENT_RE = re.compile(r"\([^()]*\)")
_ADDR_CHARS = r"[^\s<>()\[\]\",;:@\\]++@[^\s<>()\[\]\",;:@\\]++"
# One address in the common shapes "a@b", "a@b (Name)", "Name <a@b>", "\"Name\" <a@b>".
_ONE_ADDR_RE = re.compile(
    rf"\s*+(?:({_ADDR_CHARS})\s*+(?:\([^()\\]*+\))?"
    rf"|(?:\"[^\"\\]*+\"\s*+|[^<>\",;:()@\\]*+)<({_ADDR_CHARS})>\s*+(?:\([^()\\]*+\))?)\s*+"
)
# A list of such addresses ("a@b, Name <c@d>; e@f"), no comments, no "@" in display names. Its
# addresses do not end with "." so that findall and the normalisation agree.
_LIST_ADDR = r"[^\s<>()\[\]\",;:@\\]++@(?:[^\s<>()\[\]\",;:@\\.]++|\.(?=[^\s<>()\[\]\",;:@\\.]))++"
_LIST_ITEM = rf"(?:{_LIST_ADDR}|(?:\"[^\"\\@]*+\"\s*+|[^<>\",;:()@\\]*+)<{_LIST_ADDR}>)"
_ADDR_LIST_RE = re.compile(rf"\s*+{_LIST_ITEM}(?:\s*+[,;]\s*+{_LIST_ITEM})*+\s*+[,;]?\s*+")
_ADDR_FIND_RE = re.compile(_LIST_ADDR)
_SLOW_CHARS_RE = re.compile(r"[\":\\]")
_DOT_ATOM_RE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_ADDR_TOKEN_RE = re.compile(
    r"""
    (?P<q>"(?:[^"\\]|\\.)*(?:"|\Z))     # quoted string (an unterminated one runs to the end)
  | (?P<a><[^<>]*(?:>|\Z))              # angle address
  | (?P<c>\()                           # comment: skipped by _skip_comment (nesting)
  | (?P<s>[,;])                         # entry separator (";" ends a group)
  | (?P<k>:)                            # group name end
  | (?P<w>\s+)
  | (?P<t>[^\s"(),;:<>]+)               # atom, dot-atom, addr-spec pieces
  | (?P<x>[)>])                         # stray closer
    """,
    re.VERBOSE | re.DOTALL,
)


def _strip_comments(value: str) -> str:
    """Remove (comments), nested ones too; an unclosed "(" (or absurd nesting) removes the rest
    of the value."""
    for _ in range(8):  # each round removes one nesting level
        if "(" not in value:
            return value
        stripped = _COMMENT_RE.sub(" ", value)
        if stripped == value:
            break
        value = stripped
    cut = value.find("(")
    return value if cut < 0 else value[:cut]


def _norm_addr(addr: str) -> str | None:
    """Lowercase a bare address; None unless it has a non-empty local part and domain."""
    addr = addr.strip()
    if addr[:7].lower() == "mailto:":
        addr = addr[7:]
    quoted = addr.startswith('"') and addr.rfind('"@') > 0
    if not quoted and (" " in addr or "\t" in addr):
        addr = _join_spaced(addr)
    addr = addr.rstrip(".")
    at = addr.rfind("@")
    if at <= 0 or at == len(addr) - 1:
        return None
    local, domain = addr[:at], addr[at + 1 :].strip()
    if quoted and local.endswith('"') and len(local) >= 2:
        local = _unquote_local(local[1:-1])
    if not domain or " " in domain:
        return None
    return f"{local}@{domain}".lower()


def _join_spaced(addr: str) -> str:
    """Blanks inside an address: "user @ host" (obsolete syntax) is joined, otherwise the last
    blank-separated token that holds an "@" is kept ("John Smith js@x" -> "js@x")."""
    tokens = addr.split()
    if any(tok.startswith("@") or tok.endswith("@") for tok in tokens):
        return "".join(tokens)
    with_at = [tok for tok in tokens if "@" in tok]
    return with_at[-1] if with_at else addr


def _unquote_local(content: str) -> str:
    """A quoted local part: unquoted when it is a plain dot-atom (`"john"@x` is `john@x`), else
    kept in quotes with its content unescaped, so that one mailbox has one spelling."""
    content = re.sub(r"\\(.)", r"\1", content)
    if _DOT_ATOM_RE.fullmatch(content):
        return content
    return '"' + content.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fast_addresses(value: str) -> list[str]:
    """Addresses of a value without quotes, backslashes or group colons."""
    out = []
    for part in value.replace(";", ",").split(","):
        lt = part.rfind("<")
        if lt >= 0:
            gt = part.find(">", lt)
            part = part[lt + 1 : gt] if gt > 0 else part[lt + 1 :]
        addr = _norm_addr(part)
        if addr is not None:
            out.append(addr)
    return out


def _skip_comment(value: str, pos: int) -> int:
    """Index just past the comment that opens at value[pos] (nesting and quoted-pairs honoured)."""
    depth = 0
    i = pos
    n = len(value)
    while i < n:
        ch = value[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _entry_address(tokens: list[str], angle: str | None) -> str | None:
    """The address of one list entry: its angle address, else its addr-spec pieces joined."""
    if angle is not None:
        inner = angle[1:-1] if angle.endswith(">") else angle[1:]
        if ":" in inner:  # obsolete route: <@relay1,@relay2:user@host>
            inner = inner[inner.rfind(":") + 1 :]
        return _norm_addr(inner)
    if not tokens:
        return None
    # Join pieces around an "@" ("john doe"@x arrives as a quoted token then "@x"); when several
    # blank-separated words remain, keep the one that holds the "@".
    words: list[str] = []
    for tok in tokens:
        if tok == " ":
            words.append("")
        elif words and words[-1] != "" and (tok.startswith("@") or words[-1].endswith("@")):
            words[-1] += tok
        elif words and words[-1] == "":
            words[-1] = tok
        else:
            words.append(tok)
    words = [w for w in words if w]
    for word in reversed(words):
        if "@" in word:
            return _norm_addr(word)
    return None


def _slow_addresses(value: str) -> list[str]:
    """Full RFC 5322 address-list reading: quoted strings, comments, groups, routes."""
    out: list[str] = []
    tokens: list[str] = []
    angle: str | None = None
    pos = 0
    n = len(value)

    def flush() -> None:
        nonlocal angle
        addr = _entry_address(tokens, angle)
        if addr is not None:
            out.append(addr)
        tokens.clear()
        angle = None

    while pos < n:
        if value[pos] == "(":
            pos = _skip_comment(value, pos)
            tokens.append(" ")
            continue
        match = _ADDR_TOKEN_RE.match(value, pos)
        if match is None:  # cannot happen with the catch-all classes above; be safe anyway
            pos += 1
            continue
        pos = match.end()
        kind = match.lastgroup
        text = match.group()
        if kind == "a":
            angle = text
        elif kind == "s":
            flush()
        elif kind == "k":
            if angle is None:  # "Group name:" - the words so far were the group's display name
                tokens.clear()
        elif kind == "w":
            tokens.append(" ")
        elif kind in ("q", "t"):
            tokens.append(text)
    flush()
    return out


def parse_addresses(value: str) -> tuple[str, ...]:
    """The bare addresses of an address-list header value, per spec §2: display names and
    comments dropped, quoted local parts kept, lowercased, entries without a local part and a
    domain around an "@" dropped, duplicates kept once in first-seen order. Groups such as
    `undisclosed-recipients:;` contribute their members (here: none)."""
    match = _ONE_ADDR_RE.fullmatch(value)
    if match is not None:
        addr = (match.group(1) or match.group(2)).lower()
        return (addr.rstrip(".") if addr.endswith(".") else addr,)
    if _ADDR_LIST_RE.fullmatch(value):  # a plain list: all of it in C
        found = _ADDR_FIND_RE.findall(value.lower())
        return tuple(dict.fromkeys(found)) if len(found) > 1 else tuple(found)
    value = value.strip()
    if not value:
        return ()
    if "(" in value and '"' not in value:
        value = _strip_comments(value)
    addrs = _slow_addresses(value) if _SLOW_CHARS_RE.search(value) else _fast_addresses(value)
    if len(addrs) > 1:
        addrs = list(dict.fromkeys(addrs))
    return tuple(addrs)


# --- pipermail (Mailman 2 public archives) -----------------------------------------------------

# Older archives write "user at host"; newer R-list months replace characters and the "@" with a
# phrase. Four schemes occur, all of the form "<local> <separator> <domain>":
#   "@end|ng |rom": a, s, "." -> "@"  and  i, l, f -> "|"
#   "@ending from": a, s, "." -> "@"
#   "m@ili@g off":  a, n, "." -> "@"
#   "m@iii@g oii":  a, n, "." -> "@"  and  l, f -> "i"
# The substitutions are many-to-one, so the address cannot be restored. Instead every
# character that some scheme may have replaced is folded into one class: {a, s, n, ., @} -> "*"
# and {i, l, f, |} -> "|". The folded text is identical for a given address under all four
# schemes, so one sender keeps one pseudo-address across scheme changes, e.g.
# "murdoch@dunc@n @end|ng |rom gm@||@com" -> "murdoch*du*c**@gm*||*com". The pseudo-address has
# exactly one "@", so it survives address normalisation, and its domain never equals a real one.
_PIPERMAIL_FOLD = str.maketrans(
    {"a": "*", "s": "*", "n": "*", ".": "*", "@": "*", "i": "|", "l": "|", "f": "|"}
)
_PIPERMAIL_SCHEMES = r"@end\|ng\s+\|rom|@ending\s+from|m@iii@g\s+oii|m@ili@g\s+off"
_PIPERMAIL_OBFUSCATED_RE = re.compile(
    rf"(?P<pre>.*?<|\s*)(?P<local>[^\s<>]+)\s+(?:{_PIPERMAIL_SCHEMES})\s+(?P<domain>[^\s<>]+)"
    r"(?P<post>>.*|\s*)",
    re.DOTALL,
)
_PIPERMAIL_SIMPLE_RE = re.compile(r"\s*([^\s<>()\"@]+) at ([^\s<>()\"@]+)\s*(?:\([^()]*\))?\s*")
_PIPERMAIL_AT_RE = re.compile(
    r"(?P<pre>.*?<|\s*)(?P<local>[^\s<>@]+)\s+at\s+(?P<domain>[^\s<>@]+)(?P<post>>.*|\s*)",
    re.DOTALL,
)


def pipermail_key(address: str) -> str:
    """The folded form of an address (see the comment above `_PIPERMAIL_FOLD`). A real address
    and the pseudo-address of its obfuscated spelling have the same key, so an importer may map
    pseudo-addresses back to real addresses seen in older, unobfuscated months."""
    local, _, domain = address.lower().rpartition("@")
    return f"{local.translate(_PIPERMAIL_FOLD)}@{domain.translate(_PIPERMAIL_FOLD)}"


def restore_pipermail(value: str) -> str:
    """Undo pipermail address obfuscation in an address header value: "user at host" becomes
    user@host; a character-substituted address becomes its deterministic pseudo-address. Values
    that already hold an "@" outside comments are returned unchanged."""
    if len(value) > 1000:  # no obfuscated address is that long; keep the regexes cheap
        return value
    match = _PIPERMAIL_SIMPLE_RE.fullmatch(value)
    if match is not None:  # the common "user at host (Name)"
        return f"{match.group(1)}@{match.group(2)}"
    bare = _strip_comments(value)
    if "@" not in bare:
        match = _PIPERMAIL_AT_RE.fullmatch(bare)
        if match:
            return f"{match['pre']}{match['local']}@{match['domain']}{match['post']}"
        return value
    match = _PIPERMAIL_OBFUSCATED_RE.fullmatch(bare)
    if match:
        local = match["local"].lower().translate(_PIPERMAIL_FOLD)
        domain = match["domain"].lower().translate(_PIPERMAIL_FOLD)
        return f"{match['pre']}{local}@{domain}{match['post']}"
    return value


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
    # A few non-English abbreviations that some mailers wrote into Date headers.
    "mai": 5, "okt": 10, "dez": 12, "mrz": 3, "mär": 3, "déc": 12, "fév": 2, "avr": 4,
}  # fmt: skip

# Named zones in minutes east of UTC: RFC 5322 names plus common abbreviations seen in real mail
# (an ambiguous name takes its most common meaning in mail: IST = India, CST = US Central).
# Military letters and unknown names count as UTC (RFC 5322 §4.3: their sign was wrong in RFC
# 822, so they carry no reliable offset; a missing zone is UTC per spec §2).
_ZONES = {
    "ut": 0, "utc": 0, "gmt": 0, "z": 0, "wet": 0, "bst": 60, "ist": 330, "west": 60,
    "cet": 60, "met": 60, "mez": 60, "cest": 120, "mest": 120, "mesz": 120, "eet": 120,
    "eest": 180, "msk": 180, "msd": 240, "sast": 120, "cat": 120, "eat": 180,
    "hkt": 480, "sgt": 480, "awst": 480, "wib": 420, "kst": 540, "jst": 540,
    "acst": 570, "acdt": 630, "aest": 600, "aedt": 660, "nzst": 720, "nzdt": 780,
    "est": -300, "edt": -240, "cst": -360, "cdt": -300, "mst": -420, "mdt": -360,
    "pst": -480, "pdt": -420, "akst": -540, "akdt": -480, "hst": -600, "hdt": -540,
    "ast": -240, "adt": -180, "nst": -210, "ndt": -150, "brt": -180, "art": -180,
}  # fmt: skip

# The shape nearly every mailer writes: "Mon, 2 Mar 2026 10:00:00 +0000", maybe with a comment.
_FAST_DATE_RE = re.compile(
    r"\s*(?:[A-Z][a-z]{2}, )?(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"
    r"(?: \([^()]*\))?\s*"
)
_FAST_MONTHS = {name.capitalize(): number for name, number in list(_MONTHS.items())[:12]}
_MONTH_WORD = r"[A-Za-z\u00e4\u00e9\u00fb]{3,9}\.?"
# RFC 5322 with its obsolete variants (no weekday, two- or three-digit year, no seconds, named or
# military zone, "GMT+0100", zone with a comment, extra blanks, AM/PM). Possessive quantifiers
# keep the matching linear on long runs of blanks.
_DATE_RE = re.compile(
    rf"\s*+(?:[A-Za-z]++\.?\s*+,?\s*+)?(?P<d>\d{{1,2}})(?:\s*+-\s*+|\s++)(?P<mon>{_MONTH_WORD})"
    r"(?:\s*+-\s*+|\s++)(?P<y>\d{2,4}),?\s++(?P<H>\d{1,2}):(?P<M>\d\d)(?::(?P<S>\d\d)(?:[.,]\d+)?)?"
    r"(?:\s*+(?P<ampm>[AaPp])\.?[Mm]\b\.?)?"
    r"\s*+(?:(?P<sign>[+-])\s*+(?P<zh>\d\d?):?(?P<zm>\d\d)(?:\s++[A-Za-z]{1,5}\b)?"
    r"|(?P<zname>[A-Za-z]{1,5})(?:\s*+(?P<nsign>[+-])(?P<nzh>\d\d?):?(?P<nzm>\d\d)?)?)?"
    r"\s*+(?:\(.*)?\Z",  # a trailing comment, "(PDT)", whatever it holds
)
# asctime / From_ line: "Tue Apr  1 09:28:56 1997", optionally with a zone before or after the year.
_ASCTIME_RE = re.compile(
    rf"\s*[A-Za-z]+,?\s+({_MONTH_WORD})\s+(\d{{1,2}})\s+(\d{{1,2}}):(\d\d)(?::(\d\d))?"
    r"\s+(?:([A-Za-z]{1,5}|[+-]\d{4})\s+)?(\d{4})(?:\s+([A-Za-z]{1,5}|[+-]\d{4}))?\s*\Z",
)
# ISO 8601-like: "2026-03-02T10:00:00Z", "2026-03-02 10:00:00 +01:00", "2026/03/02 10:00".
_ISO_RE = re.compile(
    r"\s*(\d{4})[-/](\d\d)[-/](\d\d)(?:T|\s+(?:[A-Za-z]{3}\s+)?)(\d\d):(\d\d)(?::(\d\d)(?:[.,]\d+)?)?"
    r"\s*(?:([A-Za-z]{1,5})|([+-])(\d\d):?(\d\d)?)?\s*\Z",
    re.IGNORECASE,
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ZONE_WORD_RE = re.compile(r"\b([A-Za-z]{1,5})\b\s*\Z")
_MERIDIEM_RE = re.compile(r"\d\s*([AaPp])\.?[Mm]\b\.?", re.ASCII)


def _year(text: str) -> int:
    """RFC 5322 §4.3 obsolete years: 00-49 -> 20xx, 50-99 -> 19xx, three digits -> +1900. A
    zero-padded "0102" is the same three-digit year (C's tm_year printed with %04d)."""
    year = int(text)
    if len(text) == 2:
        return year + (2000 if year < 50 else 1900)
    if len(text) == 3 or (text[0] == "0" and 100 <= year <= 199):
        return year + 1900
    return year


def _month(word: str) -> int | None:
    return _MONTHS.get(word[:3].lower())


@lru_cache(maxsize=16384)
def _day_start(year: int, month: int, day: int) -> int | None:
    """Epoch second of a UTC day's midnight, or None for an impossible calendar day."""
    if not (1 <= month <= 12 and 1 <= day <= 31 and 1 <= year <= 9999):
        return None
    if day > calendar.monthrange(year, month)[1]:
        return None
    return calendar.timegm((year, month, day, 0, 0, 0))


def _zone_minutes(
    sign: str | None, hours: str | None, minutes: str | None, name: str | None
) -> int:
    """Minutes east of UTC for a numeric offset or a zone name; implausible offsets count as 0."""
    if sign:
        offset = int(hours or 0) * 60 + int(minutes or 0)
        if offset > 14 * 60 or int(minutes or 0) >= 60:
            return 0
        return -offset if sign == "-" else offset
    if name:
        return _ZONES.get(name.lower(), 0)
    return 0


def _epoch(y: int, mo: int | None, d: int, h: int, mi: int, s: int, zone: int) -> int | None:
    if mo is None or h > 24 or mi > 59 or s > 61:
        return None
    start = _day_start(y, mo, d)
    if start is None:
        return None
    return start + h * 3600 + mi * 60 + s - zone * 60


def _parse_rfc(value: str) -> int | None:
    m = _DATE_RE.match(value)
    if m is None:
        return None
    g = m.groupdict()
    if g["sign"]:
        zone = _zone_minutes(g["sign"], g["zh"], g["zm"], None)
    elif g["nsign"]:  # "GMT+0100", "UTC-5": an offset relative to the named zone
        zone = _zone_minutes(g["nsign"], g["nzh"], g["nzm"], None) + _ZONES.get(
            g["zname"].lower(), 0
        )
    else:
        zone = _zone_minutes(None, None, None, g["zname"])
    hour = int(g["H"])
    if g["ampm"] and hour <= 12:
        hour = hour % 12 + (12 if g["ampm"] in "Pp" else 0)
    minute, second = int(g["M"]), int(g["S"] or 0)
    return _epoch(_year(g["y"]), _month(g["mon"]), int(g["d"]), hour, minute, second, zone)


def _parse_asctime(value: str) -> int | None:
    m = _ASCTIME_RE.match(value)
    if m is None:
        return None
    mon, day, hh, mm, ss, zone_a, year, zone_b = m.groups()
    zone_text = zone_a or zone_b
    zone = 0
    if zone_text:
        if zone_text[0] in "+-":
            zone = _zone_minutes(zone_text[0], zone_text[1:3], zone_text[3:5], None)
        else:
            zone = _zone_minutes(None, None, None, zone_text)
    return _epoch(int(year), _month(mon), int(day), int(hh), int(mm), int(ss or 0), zone)


def _parse_iso(value: str) -> int | None:
    m = _ISO_RE.match(value)
    if m is None:
        return None
    year, mon, day, hh, mm, ss, zname, sign, zh, zm = m.groups()
    zone = _zone_minutes(sign, zh, zm, zname)
    return _epoch(int(year), int(mon), int(day), int(hh), int(mm), int(ss or 0), zone)


def _parse_fallback(value: str) -> int | None:
    """email.utils.parsedate_tz for anything else, with our named-zone table for names it does
    not know (it reports those as "no zone"), and AM/PM, which it would read as a zone."""
    meridiem = _MERIDIEM_RE.search(value)
    if meridiem is not None:
        value = value[: meridiem.start(1)] + value[meridiem.end() :]
    try:
        parts = parsedate_tz(value)
    except Exception:  # it has raised on hostile input in some Python versions
        return None
    if parts is None:
        return None
    year, mon, day, hh, mm, ss = parts[:6]
    offset = parts[9]
    if offset is None:
        zone_match = _ZONE_WORD_RE.search(value)
        offset = _ZONES.get(zone_match.group(1).lower(), 0) * 60 if zone_match else 0
    if not isinstance(year, int) or year < 1:
        return None
    if meridiem is not None and hh <= 12:  # "10:00 PM" (Outlook-style dates)
        hh = hh % 12 + (12 if meridiem.group(1).lower() == "p" else 0)
    return _epoch(year, mon, day, hh, mm, ss, offset // 60)


# Raw-bytes twin of _FAST_DATE_RE for the hot path: no decoding, and the day's start is cached by
# its (day, month, year) text, since a mailbox holds many messages per day.
_FAST_DATE_BYTES_RE = re.compile(
    rb"\s*(?:[A-Z][a-z]{2}, )?(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"
    rb"(?: \([^()]*\))?\s*"
)
_DAY_STARTS: dict[tuple[bytes, bytes, bytes], int | None] = {}


def _fast_date_bytes(raw: bytes) -> int | None:
    """parse_date for the common shape, on raw bytes; None means "use parse_date"."""
    match = _FAST_DATE_BYTES_RE.fullmatch(raw)
    if match is None:
        return None
    key = match.group(1, 2, 3)
    start = _DAY_STARTS.get(key, -1)
    if start == -1:
        day, mon, year = key
        month = _FAST_MONTHS.get(mon.decode("ascii"), 0)
        start = _day_start(_year(year.decode("ascii")), month, int(day))
        if len(_DAY_STARTS) > 100_000:
            _DAY_STARTS.clear()
        _DAY_STARTS[key] = start
    hh, mm, ss, sign, zh, zm = match.group(4, 5, 6, 7, 8, 9)
    hour, minute, second, zone = int(hh), int(mm), int(ss), int(zh) * 60 + int(zm)
    if start is None or hour > 24 or minute > 59 or second > 61 or zone > 14 * 60 or int(zm) > 59:
        return None  # let parse_date decide on the odd ones
    return start + hour * 3600 + minute * 60 + second - (zone if sign == b"+" else -zone) * 60


def parse_date(value: str) -> int | None:
    """A Date header value as UTC epoch seconds, or None when it cannot be read.

    Accepts RFC 5322 dates with the obsolete forms (no weekday, two- or three-digit years, named
    zones such as PST, military zones, a trailing comment such as "(PDT)", extra blanks, any
    letter case), asctime-style dates, and ISO 8601-like dates. A date without a zone, or with
    an unknown zone name, is taken as UTC (spec §2). Impossible calendar dates give None; no
    plausibility window is applied here (see `parse_message`).
    """
    match = _FAST_DATE_RE.fullmatch(value)
    if match is not None:
        day, mon, year, hh, mm, ss, sign, zh, zm = match.groups()
        start = _day_start(_year(year), _FAST_MONTHS.get(mon, 0), int(day))
        hour, minute, second, zone = int(hh), int(mm), int(ss), int(zh) * 60 + int(zm)
        if start is not None and hour <= 24 and minute <= 59 and second <= 61:
            if zone > 14 * 60 or int(zm) >= 60:
                zone = 0  # an impossible offset carries no information, as in _zone_minutes
            elif sign == "-":
                zone = -zone
            return start + hour * 3600 + minute * 60 + second - zone * 60
    if not value or len(value) > 200:
        return None
    try:
        for parser in (_parse_rfc, _parse_asctime, _parse_iso, _parse_fallback):
            epoch = parser(value)
            if epoch is not None:
                return epoch
    except (ValueError, OverflowError, TypeError):
        return None
    return None


# ---------------------------------------------------------------------------------------------
# The record
# ---------------------------------------------------------------------------------------------


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


def _auto_flags(found: dict[str, list[bytes]], from_addr: str | None) -> tuple[str, ...]:
    """Spec §3.3 automation signals, in AUTO_FLAG_NAMES order."""
    if found.keys().isdisjoint(_AUTO_SLOTS):
        if from_addr is not None and from_addr[: from_addr.rfind("@")] in _NOREPLY_LOCALS:
            return ("noreply-sender",)
        return ()
    flags: list[str] = []
    value = found.get("auto-submitted")
    if value is not None:
        word = _bytes_to_str(value[0]).split(";", 1)[0].split("(", 1)[0].strip().lower()
        if word != "no":
            flags.append("auto-submitted")
    value = found.get("precedence")
    if value is not None:
        words = _bytes_to_str(value[0]).split(";", 1)[0].split()
        if words and words[0].lower() in _PRECEDENCE_AUTO:
            flags.append("precedence")
    for name in ("list-id", "list-unsubscribe", "x-autoreply", "x-autorespond"):
        if name in found:
            flags.append(name)
    if "x-auto-response-suppress" in found:
        flags.append("x-auto-response-suppress")
    value = found.get("return-path")
    if value is not None and b"".join(value[0].split()) == b"<>":
        flags.append("null-return-path")
    if from_addr is not None and from_addr[: from_addr.rfind("@")] in _NOREPLY_LOCALS:
        flags.append("noreply-sender")
    return tuple(flags)


def _addresses(
    values: list[bytes] | None, pipermail: bool, *, first_only: bool = False
) -> tuple[str, ...]:
    """Addresses of all occurrences of one address header (duplicate headers are merged)."""
    if not values:
        return ()
    out: list[str] = []
    for raw in values:
        text = _bytes_to_str(raw)
        if pipermail:
            match = _PIPERMAIL_SIMPLE_RE.fullmatch(text)
            if match is not None and first_only:  # the common "user at host (Name)"
                return (f"{match.group(1)}@{match.group(2)}".lower(),)
            text = restore_pipermail(text)
        # Encoded words are decoded only when the raw value yields nothing: display names are
        # discarded anyway, and decoding first could inject "," or "<" into the address syntax.
        addrs = parse_addresses(text)
        if not addrs and "=?" in text:
            addrs = parse_addresses(decode_value(text))
        if first_only and addrs:
            return addrs[:1]
        out.extend(addrs)
    if len(values) > 1 and len(out) > 1:
        out = list(dict.fromkeys(out))
    return tuple(out)


def _first_date(values: list[bytes] | None) -> tuple[int | None, str]:
    """(epoch, problem) for the first Date header that parses; the problem describes why none
    did. Duplicated Date headers: the first readable one wins."""
    if not values:
        return None, "Date header missing"
    epoch = _fast_date_bytes(values[0])
    if epoch is not None:
        return epoch, ""
    for raw in values:
        epoch = parse_date(_bytes_to_str(raw).strip())
        if epoch is not None:
            return epoch, ""
    return None, "Date header unparseable"


def _plausible(epoch: int, now: float | None, min_year: int, max_future_days: int) -> bool:
    """Spec §2 "usable time": not before Jan 1 of `min_year` UTC, not after now + the slack."""
    if epoch < (_day_start(max(1, min(min_year, 9999)), 1, 1) or 0):  # (cached)
        return False
    return epoch <= (time.time() if now is None else now) + max_future_days * 86400


def _day_text(epoch: int) -> str:
    """The UTC day of an epoch second as YYYY-MM-DD, or "?" outside years 1-9999."""
    try:
        return (_EPOCH + timedelta(seconds=epoch)).date().isoformat()
    except OverflowError:
        return "?"


def _token(value: str) -> str | None:
    """An opaque id (X-GM-THRID, Thread-Index) with all blanks removed; empty = missing."""
    return "".join(value.split()) or None


def _parse(
    raw: RawMessage,
    list_address: str | None,
    pipermail: bool,
    now: float | None,
    min_year: int,
    max_future_days: int,
) -> HeaderRecord | Rejected:
    pid, folder = raw.provider_id, raw.folder
    if raw.error:
        reason, detail = split_reader_error(raw.error)
        return Rejected(pid, reason, detail, folder)
    if len(raw.header) > MAX_HEADER_BYTES:
        detail = f"header block larger than {MAX_HEADER_BYTES} bytes"
        return Rejected(pid, REASON_HEADER_TOO_LARGE, detail, folder)
    block = _header_block(raw.header)
    found = _fields(block)
    if not found and _FIELD_RE.search(block) is None:
        return Rejected(pid, REASON_UNREADABLE, "no header lines found", folder)
    get = found.get  # absent fields are skipped without a call: this is the hot path

    value = get("mid")
    message_id = _message_id(_bytes_to_str(value[0])) if value else None
    value = get("from")
    from_list = _addresses(value, pipermail, first_only=True) if value else ()
    from_addr = from_list[0] if from_list else None
    if from_addr is None and message_id is None:
        return Rejected(pid, REASON_NO_IDENTITY, "neither a From address nor a Message-ID", folder)

    date, problem = _first_date(get("date"))
    if date is not None and not _plausible(date, now, min_year, max_future_days):
        problem = f"Date {_day_text(date)} outside plausible range"
        date = None
    if date is None:
        return Rejected(pid, REASON_NO_DATE, problem, folder)

    value = get("to")
    to = _addresses(value, pipermail) if value else ()
    if not to and pipermail and list_address:
        to = parse_addresses(list_address)
    value = get("cc")
    cc = _addresses(value, pipermail) if value else ()
    value = get("sender")
    sender = _addresses(value, pipermail, first_only=True) if value else ()
    value = get("irt")
    in_reply_to = parse_msgids(_bytes_to_str(value[0])) if value else ()
    value = get("refs")
    references = _references(_bytes_to_str(value[0])) if value else ()
    value = get("subject")
    subject = decode_value(value[0]).strip() if value else ""
    value = get("thrid")
    thread_id = _token(_bytes_to_str(value[0])) if value else None
    value = get("tindex")
    thread_index = _token(_bytes_to_str(value[0])) if value else None
    # Positional arguments in HeaderRecord field order (keywords cost ~1 µs per record here);
    # test_headers.py::test_header_record_field_order guards the order.
    return HeaderRecord(
        pid,  # provider_id
        message_id,
        in_reply_to,
        references,
        thread_id,  # provider_thread_id
        thread_index,
        from_addr,
        sender[0] if sender else None,
        to,
        cc,
        subject,
        date,
        date,  # received_at: for mail files the receive time is the Date header (spec §1)
        (folder,) if folder else (),  # folders
        _auto_flags(found, from_addr),
        raw.size,
    )


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
        return _parse(raw, list_address, pipermail, now, min_year, max_future_days)
    except Exception as exc:  # one bad message must not abort an import
        detail = f"parser error ({type(exc).__name__})"
        return Rejected(raw.provider_id, REASON_UNREADABLE, detail, raw.folder)


def fingerprint_of(
    from_addr: str | None,
    date: int | None,
    subject: str | None,
    to: Iterable[str],
    cc: Iterable[str],
) -> str | None:
    """Spec §3.1 fingerprint: a 32-hex-digit BLAKE2b digest of (from address, Date epoch second,
    subject with white-space runs collapsed and trimmed, sorted To, sorted Cc), encoded as a JSON
    array so that no two different tuples share an encoding. None without a From address or a
    Date. The one definition of the fingerprint: storage and the metrics engine both use it."""
    if not from_addr or date is None:
        return None
    collapsed = " ".join((subject or "").split())
    payload = [from_addr, date, collapsed, sorted(set(to)), sorted(set(cc))]
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(data.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def fingerprint(rec: HeaderRecord) -> str | None:
    """The fingerprint of a parsed record (see `fingerprint_of`)."""
    return fingerprint_of(rec.from_addr, rec.date, rec.subject, rec.to, rec.cc)
