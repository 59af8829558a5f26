"""Address-list header values as bare, lowercased addresses (spec §2)."""

from __future__ import annotations

import re

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
