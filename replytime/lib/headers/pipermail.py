"""Pipermail (Mailman 2 public archives): restoring obfuscated addresses."""

from __future__ import annotations

import re

from replytime.lib.headers.addresses import _strip_comments

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
