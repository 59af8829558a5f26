"""Header values as text: undeclared 8-bit bytes and RFC 2047 encoded words."""

from __future__ import annotations

import binascii
import codecs
import contextlib
import re
from functools import lru_cache

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
