"""Subject normalisation of spec §2: `norm_subject` and `is_reply_subject`.

The rule, applied after casefolding: repeatedly strip from the start white space, one bracketed
tag `[...]` and one prefix (a reply or forward token, optional white space, an optional `[n]`,
`(n)` or `^n`, optional white space, then `:`); finally collapse white space and trim.
"""

from __future__ import annotations

import re
from functools import lru_cache

REPLY_TOKENS = frozenset({"re", "aw", "sv", "vs", "antw", "ref", "réf", "rif", "odp", "res"})
FORWARD_TOKENS = frozenset({"fw", "fwd", "wg", "tr", "enc", "rv", "doorst"})
PREFIX_TOKENS = REPLY_TOKENS | FORWARD_TOKENS

_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"\[[^\]]*\]")
# A token of letters (any script: `[^\W\d_]` is "a word character that is not a digit or _").
_PREFIX = re.compile(r"([^\W\d_]+)\s*(?:\[\d+\]|\(\d+\)|\^\d+)?\s*:")


def _strip_space(s: str, pos: int) -> int:
    match = _SPACE.match(s, pos)
    return match.end() if match else pos


def _strip_tag(s: str, pos: int) -> int:
    match = _TAG.match(s, pos)
    return match.end() if match else pos


def _prefix_at(s: str, pos: int) -> tuple[str, int] | None:
    """The prefix token at `pos` and the position after its colon, or None."""
    match = _PREFIX.match(s, pos)
    if match is None or match.group(1) not in PREFIX_TOKENS:
        return None
    return match.group(1), match.end()


def _strip_start(s: str) -> tuple[int, str | None]:
    """Where the subject proper starts, and the first prefix token stripped (if any)."""
    pos, first = 0, None
    while True:
        start = pos
        pos = _strip_space(s, pos)
        pos = _strip_tag(s, pos)
        pos = _strip_space(s, pos)
        prefix = _prefix_at(s, pos)
        if prefix is not None:
            first = first or prefix[0]
            pos = prefix[1]
        if pos == start:
            return pos, first


@lru_cache(maxsize=65536)
def _analyse(subject: str) -> tuple[str, bool]:
    folded = subject.casefold()
    if ":" not in folded and not folded[:1].isspace() and not folded.startswith("["):
        # Fast path: a prefix needs a colon and nothing else can be stripped at the start.
        return " ".join(folded.split()), False
    pos, first = _strip_start(folded)
    normalised = " ".join(folded[pos:].split())
    return normalised, first is not None and first in REPLY_TOKENS


def norm_subject(subject: str | None) -> str:
    """The normalised subject (spec §2); None counts as the empty subject."""
    return _analyse(subject or "")[0]


def is_reply_subject(subject: str | None) -> bool:
    """True when the first prefix stripped (after leading tags) is a reply token."""
    return _analyse(subject or "")[1]
