"""The fingerprint of spec §3.1: one message's identity when its Message-ID cannot be trusted."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from json.encoder import encode_basestring  # the C encoder json.dumps itself uses for str

from replytime.mailboxes.connectors.base import HeaderRecord


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
    if subject.__class__ is str and _collapsed(subject):
        collapsed = subject
    else:
        collapsed = " ".join((subject or "").split())
    to_sorted = list(to) if _one_at_most(to) else sorted(set(to))
    cc_sorted = list(cc) if _one_at_most(cc) else sorted(set(cc))
    data = None
    if date.__class__ is int:
        try:
            data = _json_array(from_addr, date, collapsed, to_sorted, cc_sorted)
        except TypeError:  # not all text: let json say how it encodes that
            data = None
    if data is None:
        payload = [from_addr, date, collapsed, to_sorted, cc_sorted]
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(data.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _collapsed(text: str) -> bool:
    """True when `" ".join(text.split())` is `text` itself. (A printable string holds no white
    space but the ASCII blank: every other white-space character is a separator or a control.)"""
    return text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "


def _one_at_most(values: Iterable[str]) -> bool:
    """A tuple or list of at most one value: already sorted and distinct."""
    kind = values.__class__
    return (kind is tuple or kind is list) and len(values) < 2  # type: ignore[arg-type]


def _json_array(from_addr: str, date: int, subject: str, to: list[str], cc: list[str]) -> str:
    """Exactly `json.dumps([from_addr, date, subject, to, cc], ensure_ascii=False,
    separators=(",", ":"))` for text values and an int date, without json's generic machinery
    (several times faster). Raises TypeError for a value that is not text."""
    probe = from_addr + subject + "".join(to) + "".join(cc)
    if probe.isprintable() and '"' not in probe and "\\" not in probe:
        # Nothing to escape (json escapes only '"', "\" and control characters).
        to_text = '"' + '","'.join(to) + '"' if to else ""
        cc_text = '"' + '","'.join(cc) + '"' if cc else ""
        return f'["{from_addr}",{date},"{subject}",[{to_text}],[{cc_text}]]'
    q = encode_basestring
    to_text = ",".join([q(a) for a in to])
    cc_text = ",".join([q(a) for a in cc])
    return f"[{q(from_addr)},{date},{q(subject)},[{to_text}],[{cc_text}]]"


def fingerprint(rec: HeaderRecord) -> str | None:
    """The fingerprint of a parsed record (see `fingerprint_of`)."""
    return fingerprint_of(rec.from_addr, rec.date, rec.subject, rec.to, rec.cc)
