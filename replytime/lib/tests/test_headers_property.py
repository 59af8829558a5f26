"""Property tests: parse_message and its helpers never raise on malformed input, and keep their
output invariants on everything."""

from __future__ import annotations

import calendar
import email.utils
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from replytime.lib.headers import (
    MAX_REFERENCES,
    decode_value,
    fingerprint,
    parse_addresses,
    parse_date,
    parse_message,
    parse_msgids,
    restore_pipermail,
)
from replytime.lib.headers import dates as headers
from replytime.mailboxes.connectors.base import AUTO_FLAG_NAMES, HeaderRecord, RawMessage, Rejected

FIELD_NAMES = [
    "From",
    "To",
    "Cc",
    "Sender",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "X-GM-THRID",
    "Thread-Index",
    "Auto-Submitted",
    "Precedence",
    "List-Id",
    "Return-Path",
    "X-Mailer",
    "Received",
]
CHARSETS = ["utf-8", "iso-8859-1", "cp1252", "koi8-r", "gb2312", "x-unknown", "base64", "utf-7"]

# Values full of the characters that matter to header syntax.
SYNTAX = st.text(
    alphabet=st.sampled_from(list('<>()",;:@\\=?_ \t.abcAB09-+|\u00e9\u20ac')),
    max_size=60,
)


@st.composite
def encoded_words(draw: st.DrawFn) -> str:
    charset = draw(st.sampled_from(CHARSETS))
    encoding = draw(st.sampled_from("QqBbx"))
    payload = draw(st.text(alphabet="=ABCabc019+/_?-", max_size=20))
    return f"=?{charset}?{encoding}?{payload}?="


VALUES = st.one_of(
    st.text(max_size=80),
    SYNTAX,
    encoded_words(),
    st.lists(st.one_of(SYNTAX, encoded_words()), max_size=4).map(" ".join),
    st.sampled_from(
        [
            "Mon, 2 Mar 2026 10:00:00 +0000",
            "bob@x.com",
            "Bob <bob@x.com>",
            "<id@x>",
            "undisclosed-recipients:;",
            "jdoe at example.org (John)",
            "a@b @end|ng |rom c@d",
        ]
    ),
)


@st.composite
def header_blocks(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(0, 12))):
        name = draw(st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=12)))
        value = draw(VALUES)
        # Random folding: break the value at blanks into continuation lines.
        if draw(st.booleans()):
            value = value.replace(" ", draw(st.sampled_from(["\n ", "\n\t", "\r\n ", " "])), 3)
        sep = draw(st.sampled_from([": ", ":", " : ", ":\t", " "]))
        lines.append(f"{name}{sep}{value}")
    # Most blocks get a usable Date and an identity, so that the record path is exercised too.
    if draw(st.integers(0, 3)):
        lines.insert(draw(st.integers(0, len(lines))), "Date: Mon, 2 Mar 2026 10:00:00 +0000")
    if draw(st.integers(0, 3)):
        lines.insert(draw(st.integers(0, len(lines))), f"From: {draw(VALUES)} <a@x.org>")
    if draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), f"To: {draw(VALUES)}, {draw(VALUES)} b@y")
    if draw(st.booleans()):
        lines.insert(0, "From someone@x  Mon Mar  2 10:00:00 2026")
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    encoding = draw(st.sampled_from(["utf-8", "latin-1", "cp1252"]))
    data = eol.join(lines).encode(encoding, "replace")
    if draw(st.booleans()):
        data += draw(st.binary(max_size=40))
    return data


def check_result(result: HeaderRecord | Rejected, provider_id: str) -> None:
    """Invariants of every parse_message result."""
    assert isinstance(result, HeaderRecord | Rejected)
    assert result.provider_id == provider_id
    if isinstance(result, Rejected):
        assert not result.detail.startswith("parser error"), result.detail
        return
    assert result.date is not None
    assert result.received_at == result.date
    assert result.from_addr is not None or result.message_id is not None
    for addr in (result.from_addr, result.sender, *result.to, *result.cc):
        if addr is not None:
            assert "@" in addr
            assert addr == addr.lower()
            assert addr == addr.strip()
    assert len(set(result.to)) == len(result.to)
    assert len(set(result.cc)) == len(result.cc)
    if result.message_id is not None:
        assert result.message_id == result.message_id.strip()
        assert result.message_id
    assert len(result.references) <= MAX_REFERENCES
    assert all(
        i and "<" not in i and ">" not in i for i in (*result.in_reply_to, *result.references)
    )
    assert set(result.auto_flags) <= set(AUTO_FLAG_NAMES)
    assert result.subject == result.subject.strip()
    fingerprint(result)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2000))
def test_random_bytes_never_raise(data: bytes) -> None:
    for pipermail in (False, True):
        result = parse_message(
            RawMessage("p", "f", data), pipermail=pipermail, list_address="list@x.org"
        )
        check_result(result, "p")


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(block=header_blocks(), pipermail=st.booleans())
@example(block=b"From: =?base64?b?Zm9v?=\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n", pipermail=False)
@example(block=b"Message-ID: <a@b>\nDate: Mon, 31 Dec 9999 23:59:59 -1400\n", pipermail=False)
def test_random_header_blocks_never_raise(block: bytes, pipermail: bool) -> None:
    now = calendar.timegm((2030, 1, 1, 0, 0, 0))
    result = parse_message(
        RawMessage("box/x#0", "", block, size=len(block)),
        pipermail=pipermail,
        list_address="list@x.org",
        now=now,
        min_year=1,
        max_future_days=10**7,
    )
    check_result(result, "box/x#0")


@given(value=st.one_of(st.text(max_size=200), SYNTAX))
def test_helpers_never_raise(value: str) -> None:
    addrs = parse_addresses(value)
    assert all("@" in a and a == a.lower() for a in addrs)
    assert len(set(addrs)) == len(addrs)
    epoch = parse_date(value)
    assert epoch is None or isinstance(epoch, int)
    assert all(parse_msgids(value))
    assert isinstance(restore_pipermail(value), str)
    assert isinstance(decode_value(value), str)


@given(raw=st.binary(max_size=300))
def test_decode_value_accepts_any_bytes(raw: bytes) -> None:
    text = decode_value(raw)
    assert isinstance(text, str)
    assert "\n" not in text


LOCAL = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789._+-", min_size=1, max_size=12)
DOMAIN = st.from_regex(r"[a-z0-9]{1,10}(\.[a-z0-9]{1,8}){0,2}\.[a-z]{2,4}", fullmatch=True)
NAME = st.text(alphabet="abcdefgh XYZ,.'", max_size=20)


@given(local=LOCAL, domain=DOMAIN, name=NAME, shape=st.integers(0, 3))
def test_address_shapes_round_trip(local: str, domain: str, name: str, shape: int) -> None:
    local = local.strip(".").replace("..", ".") or "x"
    addr = f"{local}@{domain}"
    clean = name.replace('"', "")
    value = [
        addr,
        f'"{clean}" <{addr}>',
        f"{addr} ({clean.replace(',', '')})",
        f"{clean.replace(',', '').replace('.', '')} <{addr}>",
    ][shape]
    assert parse_addresses(value) == (addr.lower(),)


@given(
    moment=st.datetimes(
        min_value=datetime(1990, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.just(UTC),
    ),
    offset_minutes=st.integers(-12 * 60, 14 * 60),
)
def test_rfc5322_dates_round_trip(moment: datetime, offset_minutes: int) -> None:
    local = moment.astimezone(timezone(timedelta(minutes=offset_minutes)))
    value = email.utils.format_datetime(local.replace(microsecond=0))
    assert parse_date(value) == int(moment.replace(microsecond=0).timestamp())
    assert parse_date(value + " (comment)") == int(moment.replace(microsecond=0).timestamp())


@given(
    to=st.lists(st.sampled_from(["a@x", "b@x", "c@x", "d@x"]), unique=True),
    cc=st.lists(st.sampled_from(["e@x", "f@x"]), unique=True),
    subject=st.text(max_size=30),
    data=st.data(),
)
def test_fingerprint_ignores_recipient_order(
    to: list[str], cc: list[str], subject: str, data: st.DataObject
) -> None:
    one = HeaderRecord(
        "p", None, from_addr="z@x", date=5, subject=subject, to=tuple(to), cc=tuple(cc)
    )
    shuffled = HeaderRecord(
        "q",
        "other",
        from_addr="z@x",
        date=5,
        subject=" " + " ".join(subject.split()) + " ",
        to=tuple(data.draw(st.permutations(to))),
        cc=tuple(data.draw(st.permutations(cc))),
    )
    assert fingerprint(one) == fingerprint(shuffled)


@given(
    weekday=st.sampled_from(["", "Mon, ", "Sun, "]),
    day=st.integers(0, 39),
    month=st.sampled_from(["Jan", "Feb", "Jun", "Dec", "Foo"]),
    year=st.sampled_from(["1997", "2026", "0102", "9999", "0001"]),
    clock=st.tuples(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99)),
    sign=st.sampled_from("+-"),
    zone=st.integers(0, 9999),
    comment=st.sampled_from(["", " (PST)", " (MET DST)"]),
)
def test_fast_date_path_agrees_with_the_general_one(
    weekday: str,
    day: int,
    month: str,
    year: str,
    clock: tuple[int, int, int],
    sign: str,
    zone: int,
    comment: str,
) -> None:
    hh, mm, ss = clock
    value = f"{weekday}{day} {month} {year} {hh:02d}:{mm:02d}:{ss:02d} {sign}{zone:04d}{comment}"
    assert parse_date(value) == headers._parse_rfc(value)


@given(
    day=st.integers(0, 39),
    month=st.sampled_from(["Jan", "Feb", "Dec", "Foo"]),
    year=st.sampled_from(["1997", "2026", "0102", "0001"]),
    clock=st.tuples(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99)),
    zone=st.sampled_from(["+0000", "-0800", "+1400", "+1401", "-0099", "+9999"]),
)
def test_fast_bytes_date_path_agrees_with_parse_date(
    day: int, month: str, year: str, clock: tuple[int, int, int], zone: str
) -> None:
    value = f"Mon, {day} {month} {year} {clock[0]:02d}:{clock[1]:02d}:{clock[2]:02d} {zone}"
    fast = headers._fast_date_bytes(value.encode())
    assert fast is None or fast == parse_date(value)
