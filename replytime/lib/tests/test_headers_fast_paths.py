"""The import's fast paths give exactly what the general code gives."""

from __future__ import annotations

import calendar
import hashlib
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replytime.lib.headers import fingerprint_of, iter_fields, parse_message
from replytime.lib.tests.test_headers_property import header_blocks
from replytime.mailboxes.connectors.base import HeaderRecord, RawMessage, Rejected

NOW = calendar.timegm((2030, 1, 1, 0, 0, 0))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    blocks=st.lists(st.one_of(header_blocks(), st.binary(max_size=300)), max_size=4),
    pipermail=st.booleans(),
)
def test_iter_fields_yields_what_parse_message_returns(
    blocks: list[bytes], pipermail: bool
) -> None:
    raws = [RawMessage(f"box/x#{i}", "INBOX", b, size=len(b)) for i, b in enumerate(blocks)]
    options = {"list_address": "list@x.org", "pipermail": pipermail, "now": NOW}
    for raw, fields in zip(raws, iter_fields(raws, **options), strict=True):
        expected = parse_message(raw, **options)
        got = fields if isinstance(fields, Rejected) else HeaderRecord(*fields)
        assert got == expected


def _reference(from_addr: str, date: int, subject: str, to: list[str], cc: list[str]) -> str:
    """The definition of spec §3.1, written the plain way."""
    payload = [from_addr, date, " ".join(subject.split()), sorted(set(to)), sorted(set(cc))]
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(data.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


TEXT = st.text(alphabet=st.sampled_from(list('ab "\\\n\t\x00\x1f\x7f\xa0\u2028é€\ud800😀')))


@given(
    from_addr=TEXT.filter(bool),
    date=st.integers(-(10**12), 10**12),
    subject=TEXT,
    to=st.lists(TEXT, max_size=3),
    cc=st.lists(TEXT, max_size=3),
    as_tuples=st.booleans(),
)
def test_fingerprint_fast_path_matches_the_definition(
    from_addr: str, date: int, subject: str, to: list[str], cc: list[str], as_tuples: bool
) -> None:
    expected = _reference(from_addr, date, subject, to, cc)
    given_to, given_cc = (tuple(to), tuple(cc)) if as_tuples else (to, cc)
    assert fingerprint_of(from_addr, date, subject, given_to, given_cc) == expected
