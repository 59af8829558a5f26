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

The package is split by concern: `fields` (the header block), `decoding` (8-bit and RFC 2047),
`msgids`, `addresses`, `pipermail`, `dates`, `fingerprints`, and `message`, which puts them
together. Import from the package: the names below are its interface.
"""

from __future__ import annotations

from replytime.lib.headers.addresses import parse_addresses
from replytime.lib.headers.dates import parse_date
from replytime.lib.headers.decoding import decode_value
from replytime.lib.headers.fields import MAX_HEADER_BYTES
from replytime.lib.headers.fingerprints import fingerprint, fingerprint_of
from replytime.lib.headers.message import (
    KNOWN_REASONS,
    RecordFields,
    iter_fields,
    parse_message,
    split_reader_error,
)
from replytime.lib.headers.msgids import MAX_REFERENCES, parse_msgids
from replytime.lib.headers.pipermail import pipermail_key, restore_pipermail

__all__ = [
    "KNOWN_REASONS",
    "MAX_HEADER_BYTES",
    "MAX_REFERENCES",
    "RecordFields",
    "decode_value",
    "fingerprint",
    "fingerprint_of",
    "iter_fields",
    "parse_addresses",
    "parse_date",
    "parse_message",
    "parse_msgids",
    "pipermail_key",
    "restore_pipermail",
    "split_reader_error",
]
