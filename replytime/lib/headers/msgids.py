"""Message-ID, In-Reply-To and References values (spec §2)."""

from __future__ import annotations

import re

# References are capped at the first id plus the last MAX_REFERENCES - 1 ids. The first id is the
# thread root and the last ones are the nearest ancestors: together they keep every link that
# threading needs while bounding memory for pathological headers with thousands of ids.
MAX_REFERENCES = 100

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
