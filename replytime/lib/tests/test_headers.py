"""Unit tests of the header-block parser (spec §1-3, §9)."""

from __future__ import annotations

import calendar
import dataclasses
import time

import pytest

from replytime.lib.headers import (
    MAX_HEADER_BYTES,
    MAX_REFERENCES,
    decode_value,
    fingerprint,
    parse_addresses,
    parse_date,
    parse_message,
    parse_msgids,
    pipermail_key,
    restore_pipermail,
    split_reader_error,
)
from replytime.mailboxes.connectors.base import (
    AUTO_FLAG_NAMES,
    REASON_HEADER_TOO_LARGE,
    REASON_NO_DATE,
    REASON_NO_IDENTITY,
    REASON_TRUNCATED,
    REASON_UNREADABLE,
    HeaderRecord,
    RawMessage,
    Rejected,
)

NOW = calendar.timegm((2026, 3, 10, 0, 0, 0))
MON_10 = calendar.timegm((2026, 3, 2, 10, 0, 0))  # Mon, 2 Mar 2026 10:00:00 UTC


def epoch(*parts: int) -> int:
    return calendar.timegm((*parts, 0, 0, 0)[:6])


def raw(header: bytes | str, **kw: object) -> RawMessage:
    data = header.encode() if isinstance(header, str) else header
    fields: dict[str, object] = {"provider_id": "box/1", "folder": "INBOX", "header": data}
    fields.update(kw)
    return RawMessage(**fields)  # type: ignore[arg-type]


def record(header: bytes | str, **kw: object) -> HeaderRecord:
    result = parse_message(raw(header), now=NOW, **kw)  # type: ignore[arg-type]
    assert isinstance(result, HeaderRecord), result
    return result


def rejected(header: bytes | str, **kw: object) -> Rejected:
    result = parse_message(raw(header), now=NOW, **kw)  # type: ignore[arg-type]
    assert isinstance(result, Rejected), result
    return result


BASIC = (
    "From: Bob Client <Bob@Client.COM>\n"
    'To: ann@acme.com, "Smith, Carl" <carl@acme.com>\n'
    "Cc: dora@acme.com (Dora)\n"
    "Subject: Prices\n"
    "Date: Mon, 2 Mar 2026 10:00:00 +0000\n"
    "Message-ID: <Abc.123@Client.com>\n"
)


# --- the record --------------------------------------------------------------------------------


def test_basic_record() -> None:
    rec = record(BASIC)
    assert rec.provider_id == "box/1"
    assert rec.message_id == "Abc.123@Client.com"
    assert rec.from_addr == "bob@client.com"
    assert rec.to == ("ann@acme.com", "carl@acme.com")
    assert rec.cc == ("dora@acme.com",)
    assert rec.subject == "Prices"
    assert rec.date == MON_10
    assert rec.received_at == MON_10
    assert rec.folders == ("INBOX",)
    assert rec.auto_flags == ()
    assert rec.in_reply_to == ()
    assert rec.references == ()
    assert rec.sender is None


def test_header_record_field_order() -> None:
    # parse_message builds HeaderRecord positionally for speed; this guards the order.
    assert [f.name for f in dataclasses.fields(HeaderRecord)] == [
        "provider_id",
        "message_id",
        "in_reply_to",
        "references",
        "provider_thread_id",
        "thread_index",
        "from_addr",
        "sender",
        "to",
        "cc",
        "subject",
        "date",
        "received_at",
        "folders",
        "auto_flags",
        "size",
    ]


def test_size_folder_and_no_folder() -> None:
    rec = parse_message(raw(BASIC, size=1234, folder=""), now=NOW)
    assert isinstance(rec, HeaderRecord)
    assert rec.size == 1234
    assert rec.folders == ()


def test_mbox_from_line_is_ignored() -> None:
    rec = record("From bob@client.com Mon Mar  2 10:00:00 2026\n" + BASIC)
    assert rec.from_addr == "bob@client.com"


def test_crlf_block_and_body_cut() -> None:
    block = BASIC.replace("\n", "\r\n") + "\r\nFrom: not-a-header@body.example\r\n"
    rec = record(block)
    assert rec.from_addr == "bob@client.com"
    assert rec.subject == "Prices"
    assert rec.message_id == "Abc.123@Client.com"


def test_folded_headers_are_unfolded() -> None:
    rec = record(
        "From: bob@client.com\nDate: Mon, 2 Mar 2026\n 10:00:00 +0000\n"
        "Subject: a long\n\tsubject\n  line\nTo: ann@acme.com,\n carl@acme.com\n"
        "References: <a@x>\n\t<b@x>\n"
    )
    assert rec.date == MON_10
    assert rec.subject == "a long\tsubject  line"
    assert rec.to == ("ann@acme.com", "carl@acme.com")
    assert rec.references == ("a@x", "b@x")


def test_header_names_are_case_insensitive_and_may_have_blanks() -> None:
    rec = record("FROM: bob@client.com\ndate : Mon, 2 Mar 2026 10:00:00 +0000\nmessage-id: <x@y>\n")
    assert rec.from_addr == "bob@client.com"
    assert rec.date == MON_10
    assert rec.message_id == "x@y"


def test_duplicate_headers() -> None:
    rec = record(
        "From: first@x.com\nFrom: second@x.com\nTo: a@x.com\nTo: b@x.com, a@x.com\n"
        "Subject: one\nSubject: two\nDate: garbage\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n"
        "Message-ID: <1@x>\nMessage-ID: <2@x>\n"
    )
    assert rec.from_addr == "first@x.com"  # single-valued: the first wins
    assert rec.to == ("a@x.com", "b@x.com")  # To/Cc: every occurrence, merged, deduplicated
    assert rec.subject == "one"
    assert rec.date == MON_10  # Date: the first one that parses
    assert rec.message_id == "1@x"


def test_sender_thread_ids() -> None:
    rec = record(
        BASIC + "Sender: Assistant <Assist@Acme.com>\nX-GM-THRID: 1234567890123\n"
        "Thread-Index: AQHWx1h2\n abcd==\n"
    )
    assert rec.sender == "assist@acme.com"
    assert rec.provider_thread_id == "1234567890123"
    assert rec.thread_index == "AQHWx1h2abcd=="


# --- Message-IDs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<Abc@X.com>", "Abc@X.com"),
        ("  < abc@x >  ", "abc@x"),
        ("<abc@x> (comment)", "abc@x"),
        ("garbage-without-brackets", "garbage-without-brackets"),
        ("  bare@id  ", "bare@id"),
        ("<>", None),
        ("", None),
        ("   ", None),
    ],
)
def test_message_id(value: str, expected: str | None) -> None:
    rec = record(f"From: bob@x.com\nDate: Mon, 2 Mar 2026 10:00:00 +0000\nMessage-ID: {value}\n")
    assert rec.message_id == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<a@x>", ("a@x",)),
        ("<a@x> <b@x>\t<c@x>", ("a@x", "b@x", "c@x")),
        ("<a@x> (message from Bob on Tue, 1 Apr 97)", ("a@x",)),
        ("Bob's message of Tue, 1 Apr 1997 18:15:38 +1200", ()),
        ("a@x b@x", ("a@x", "b@x")),
        ("<a@x>,<b@x>", ("a@x", "b@x")),
        ("<a@x> <a@x>", ("a@x",)),
        ("<>", ()),
        ("", ()),
    ],
)
def test_parse_msgids(value: str, expected: tuple[str, ...]) -> None:
    assert parse_msgids(value) == expected


def test_in_reply_to_keeps_all_ids() -> None:
    rec = record(BASIC + "In-Reply-To: <p1@x> <p2@x>\n")
    assert rec.in_reply_to == ("p1@x", "p2@x")


def test_references_are_capped() -> None:
    ids = [f"<id{i}@x>" for i in range(500)]
    rec = record(BASIC + "References: " + "\n ".join(ids) + "\n")
    assert len(rec.references) == MAX_REFERENCES
    assert rec.references[0] == "id0@x"
    assert rec.references[1] == "id401@x"
    assert rec.references[-1] == "id499@x"


# --- addresses -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a@b.com", ("a@b.com",)),
        ("A@B.COM", ("a@b.com",)),
        ("John <John@X.com>", ("john@x.com",)),
        ('"Doe, John" <j@x.com>', ("j@x.com",)),
        ("j@x.com (John Doe)", ("j@x.com",)),
        ("j@x.com (John (the) Doe)", ("j@x.com",)),
        ("a@x.com, b@y.com; c@z.com", ("a@x.com", "b@y.com", "c@z.com")),
        ("a@x.com, A@X.com, a@x.com", ("a@x.com",)),
        ('"john doe"@example.com', ('"john doe"@example.com',)),
        ('"John Doe"@Example.com', ('"john doe"@example.com',)),
        ('"john"@example.com', ("john@example.com",)),
        ('"a\\"b"@x.com', ('"a\\"b"@x.com',)),
        ("undisclosed-recipients:;", ()),
        ("Undisclosed recipients: ;", ()),
        ("Team: a@x.com, Bob <b@x.com>;, c@x.com", ("a@x.com", "b@x.com", "c@x.com")),
        ("<@relay1,@relay2:user@host.com>", ("user@host.com",)),
        ("user @ host.com", ("user@host.com",)),
        ("John Smith js@x.com", ("js@x.com",)),
        ("<mailto:a@x.com>", ("a@x.com",)),
        ("'a@x.com'", ("'a@x.com'",)),  # "'" is an atom character: kept, as RFC 5322 reads it
        ("not an address", ()),
        ("Bob", ()),
        ("@x.com", ()),
        ("a@", ()),
        ("", ()),
        ('"Doe, John" <j@x.com>, "x@evil.com" <k@y.com>', ("j@x.com", "k@y.com")),
        ("=?utf-8?q?M=C3=BCller=2C_A?= <a@x.com>, b@y.com", ("a@x.com", "b@y.com")),
        ("a@b.com.", ("a@b.com",)),
        ("José <josé@exämple.org>", ("josé@exämple.org",)),
    ],
)
def test_parse_addresses(value: str, expected: tuple[str, ...]) -> None:
    assert parse_addresses(value) == expected


def test_address_list_in_record_drops_entries_without_at() -> None:
    rec = record(BASIC.replace("To: ann@acme.com,", "To: Ann Smith, ann@acme.com,"))
    assert rec.to == ("ann@acme.com", "carl@acme.com")


def test_fully_encoded_from_is_decoded_as_a_last_resort() -> None:
    # Some mailers encode "Name <addr>" as one encoded word.
    rec = record("From: =?utf-8?b?Qm9iIDxib2JAeC5jb20+?=\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n")
    assert rec.from_addr == "bob@x.com"


def test_eight_bit_addresses_and_names() -> None:
    rec = record(
        "From: J\xf6rg <j\xf6rg@example.de>\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n".encode(
            "latin-1"
        )
    )
    assert rec.from_addr == "jörg@example.de"


# --- pipermail ----------------------------------------------------------------------------------

PIPERMAIL = (
    "From jdoe at example.org  Sun Mar  1 18:17:33 2015\n"
    "From: jdoe at example.org (John Doe)\n"
    "Date: Sun, 1 Mar 2015 19:17:33 +0100\n"
    "Subject: [Rd] question\n"
    "Message-ID: <m1@example.org>\n"
)


def test_pipermail_at_address_and_list_to() -> None:
    rec = record(PIPERMAIL, pipermail=True, list_address="R-Devel@R-Project.org")
    assert rec.from_addr == "jdoe@example.org"
    assert rec.to == ("r-devel@r-project.org",)
    assert rec.date == calendar.timegm((2015, 3, 1, 18, 17, 33))


def test_pipermail_off_keeps_at_text_unparsed() -> None:
    rec = record(PIPERMAIL)  # without pipermail=True "jdoe at example.org" is no address
    assert rec.from_addr is None
    assert rec.to == ()
    assert rec.message_id == "m1@example.org"


def test_pipermail_does_not_replace_an_existing_to() -> None:
    rec = record(PIPERMAIL + "To: other@x.org\n", pipermail=True, list_address="l@x.org")
    assert rec.to == ("other@x.org",)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("jdoe at example.org (John Doe)", "jdoe@example.org"),
        ("John Doe <jdoe at example.org>", "John Doe <jdoe@example.org>"),
        ("Kurt.Hornik@ci.tuwien.ac.at (Kurt Hornik)", "Kurt.Hornik@ci.tuwien.ac.at (Kurt Hornik)"),
        ("murdoch@dunc@n @end|ng |rom gm@||@com (Duncan Murdoch)", "murdoch*du*c**@gm*||*com"),
        ("murdoch@dunc@n @ending from gm@il@com (Duncan Murdoch)", "murdoch*du*c**@gm*||*com"),
        ("iuke-tier@ey m@iii@g oii uiow@@edu (x)", "|uke-t|er*ey@u|ow**edu"),
        ("luke-tier@ey m@ili@g off uiow@@edu (x)", "|uke-t|er*ey@u|ow**edu"),
        ("postmaster (postmaster)", "postmaster (postmaster)"),
    ],
)
def test_restore_pipermail(value: str, expected: str) -> None:
    assert restore_pipermail(value).strip() == expected


def test_pipermail_obfuscation_schemes_give_one_pseudo_address() -> None:
    spellings = [
        "From: murdoch@dunc@n @end|ng |rom gm@||@com (Duncan Murdoch)",
        "From: murdoch@dunc@n @ending from gm@il@com (Duncan Murdoch)",
    ]
    addrs = set()
    for line in spellings:
        rec = record(f"{line}\nDate: Fri, 6 Mar 2026 06:52:13 +0000\n", pipermail=True)
        addrs.add(rec.from_addr)
    assert addrs == {"murdoch*du*c**@gm*||*com"}
    # ... and the real address of older months has the same key, so the two can be joined.
    assert pipermail_key("murdoch.duncan@gmail.com") == "murdoch*du*c**@gm*||*com"


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mon, 2 Mar 2026 10:00:00 +0000", MON_10),
        ("Mon, 02 Mar 2026 10:00:00 +0000", MON_10),
        ("2 Mar 2026 10:00:00 +0000", MON_10),  # no weekday
        ("Mon,  2 Mar 2026   10:00:00   +0000", MON_10),  # extra blanks
        ("mon, 2 mar 2026 10:00:00 gmt", MON_10),  # lowercase
        ("Mon, 2 Mar 2026 10:00:00 +0000 (GMT)", MON_10),
        ("Mon, 2 Mar 2026 10:00:00 -0000", MON_10),
        ("Mon, 2 Mar 2026 10:00:00", MON_10),  # no zone = UTC
        ("Mon, 2 Mar 2026 10:00", MON_10),  # no seconds
        ("Mon, 2 Mar 2026 02:00:00 -0800 (PST)", MON_10),
        ("Mon, 2 Mar 2026 02:00:00 PST", MON_10),
        ("Mon, 2 Mar 2026 05:00:00 EST", MON_10),
        ("Mon, 2 Mar 2026 06:00:00 EDT", MON_10),
        ("Mon, 2 Mar 2026 04:00:00 CST", MON_10),
        ("Mon, 2 Mar 2026 04:00:00 MDT", MON_10),
        ("Mon, 2 Mar 2026 10:00:00 UT", MON_10),
        ("Mon, 2 Mar 2026 10:00:00 Z", MON_10),
        ("Mon, 2 Mar 2026 10:00:00 A", MON_10),  # military zones count as UTC (RFC 5322 4.3)
        ("Mon, 2 Mar 2026 11:00:00 +0100 (CET)", MON_10),
        ("Mon, 2 Mar 2026 11:00:00 CET", MON_10),
        ("Mon, 2 Mar 2026 11:00:00 GMT+0100", MON_10),
        ("Mon, 2 Mar 2026 10:00:00 XYZ", MON_10),  # unknown zone name: UTC
        ("Mon, 2 Mar 2026 15:30:00 +0530", MON_10),
        ("Mon, 2 Mar 26 10:00:00 +0000", MON_10),  # two-digit year
        ("Tue, 1 Apr 97 10:28:56 +0200", epoch(1997, 4, 1, 8, 28, 56)),
        ("Thu, 22 Aug 102 12:07:35 +0000", epoch(2002, 8, 22, 12, 7, 35)),  # three digits
        ("Thu, 22 Aug 0102 12:07:35 +0000", epoch(2002, 8, 22, 12, 7, 35)),  # tm_year bug
        ("2-Mar-2026 10:00:00 +0000", MON_10),
        ("Monday, 2 March 2026 10:00:00 +0000", MON_10),
        ("Mon Mar  2 10:00:00 2026", MON_10),  # asctime
        ("Mon Mar 2 11:00:00 CET 2026", MON_10),
        ("Mon Mar 2 10:00:00 2026 +0000", MON_10),
        ("2026-03-02T10:00:00Z", MON_10),  # ISO-like
        ("2026-03-02 11:00:00 +01:00", MON_10),
        ("2026-03-02T05:00:00.123-05:00", MON_10),
        ("2026/03/02 Mon 04:00:00 CST", MON_10),
        ("Monday, March 02, 2026 10:00 AM", MON_10),
        ("Monday, March 2, 2026 2:00:00 AM PST", MON_10),
        ("Mon, 2 Mar 2026 10:00:00 am +0000", MON_10),
        ("Sun, 1 Mar 2026 10:00:00 pm -1200", MON_10),
        ("  Mon, 2 Mar 2026 10:00:00 +0000  ", MON_10),
        ("Mon, 29 Feb 2027 10:00:00 +0000", None),  # no such day
        ("Mon, 2 Foo 2026 10:00:00 +0000", None),
        ("garbage", None),
        ("", None),
        ("Thu Jan 01 00:00:10 +0000", None),  # no year
    ],
)
def test_parse_date(value: str, expected: int | None) -> None:
    assert parse_date(value) == expected


def test_leap_day_and_epoch_start() -> None:
    assert parse_date("Thu, 29 Feb 2024 00:00:00 +0000") == epoch(2024, 2, 29)
    assert parse_date("Thu, 1 Jan 1970 00:00:00 +0000") == 0


# --- rejections ----------------------------------------------------------------------------------


def test_missing_date_is_rejected() -> None:
    rej = rejected("From: bob@x.com\nMessage-ID: <a@x>\n")
    assert rej.reason == REASON_NO_DATE
    assert rej.detail == "Date header missing"
    assert rej.provider_id == "box/1"
    assert rej.folder == "INBOX"


def test_unparseable_date_is_rejected_without_quoting_it() -> None:
    rej = rejected("From: bob@x.com\nDate: secret@x.com said soon\n")
    assert rej.reason == REASON_NO_DATE
    assert rej.detail == "Date header unparseable"


@pytest.mark.parametrize(
    ("date", "day"),
    [
        ("Thu, 1 Jan 1970 00:00:00 +0000", "1970-01-01"),
        ("Mon, 31 Dec 1979 16:00:00 -0800 (PST)", "1980-01-01"),
        ("Mon, 4 Jan 2044 14:48:58 -0800 (PST)", "2044-01-04"),
        ("Sun, 27 Nov 0001 13:27:14 -0800 (PST)", "0001-11-27"),
    ],
)
def test_implausible_dates_are_rejected(date: str, day: str) -> None:
    rej = rejected(f"From: bob@x.com\nDate: {date}\n")
    assert rej.reason == REASON_NO_DATE
    assert rej.detail == f"Date {day} outside plausible range"


def test_plausibility_window_is_configurable() -> None:
    header = "From: bob@x.com\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n"
    assert isinstance(parse_message(raw(header), now=NOW, min_year=2027), Rejected)
    just_before = MON_10 - 2 * 86400 + 1
    assert isinstance(parse_message(raw(header), now=just_before), HeaderRecord)
    assert isinstance(parse_message(raw(header), now=just_before - 2), Rejected)
    assert isinstance(
        parse_message(raw(header), now=just_before - 2, max_future_days=3), HeaderRecord
    )
    # now defaults to the clock: a date in 2026 is in the past or near future for a while yet.
    assert isinstance(parse_message(raw(header)), HeaderRecord) == (
        time.time() > MON_10 - 2 * 86400
    )


def test_no_from_and_no_message_id_is_rejected() -> None:
    rej = rejected("To: ann@acme.com\nDate: Mon, 2 Mar 2026 10:00:00 +0000\nSubject: hi\n")
    assert rej.reason == REASON_NO_IDENTITY


def test_message_id_alone_is_enough_identity() -> None:
    rec = record("Message-ID: <a@x>\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n")
    assert rec.from_addr is None
    assert rec.message_id == "a@x"


def test_binary_junk_is_unreadable() -> None:
    junk = bytes(range(256)) * 4
    rej = rejected(junk.replace(b":", b""))
    assert rej.reason == REASON_UNREADABLE
    assert rej.detail == "no header lines found"


def test_empty_header_is_unreadable() -> None:
    assert rejected(b"").reason == REASON_UNREADABLE


def test_header_over_one_mib_is_rejected() -> None:
    big = BASIC + "X-Filler: " + "x" * MAX_HEADER_BYTES + "\n"
    rej = rejected(big)
    assert rej.reason == REASON_HEADER_TOO_LARGE
    assert "bytes" in rej.detail
    # Exactly MAX_HEADER_BYTES is still parsed.
    exact = BASIC + "X-Filler: "
    exact += "x" * (MAX_HEADER_BYTES - len(exact) - 1) + "\n"
    assert len(exact) == MAX_HEADER_BYTES
    assert isinstance(parse_message(raw(exact), now=NOW), HeaderRecord)


def test_reader_errors_become_rejections() -> None:
    result = parse_message(raw(b"", error="truncated: compressed stream ends early"), now=NOW)
    assert result == Rejected("box/1", REASON_TRUNCATED, "compressed stream ends early", "INBOX")
    result = parse_message(raw(BASIC, error="disk on fire"), now=NOW)
    assert isinstance(result, Rejected)
    assert result.reason == REASON_UNREADABLE
    assert result.detail == "disk on fire"


def test_split_reader_error() -> None:
    assert split_reader_error("header-too-large: over 1 MiB") == (
        REASON_HEADER_TOO_LARGE,
        "over 1 MiB",
    )
    assert split_reader_error("unknown: thing") == (REASON_UNREADABLE, "unknown: thing")


def test_rejection_details_never_carry_addresses_or_subjects() -> None:
    headers = [
        "From: secret@x.com\nSubject: Top secret plan\n",
        "From: secret@x.com\nSubject: Top secret plan\nDate: secret@x.com\n",
        "From: secret@x.com\nSubject: Top secret plan\nDate: Thu, 1 Jan 1970 00:00:00 +0000\n",
        "Subject: Top secret plan\nTo: secret@x.com\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n",
    ]
    for header in headers:
        rej = rejected(header)
        assert "secret" not in rej.detail.lower()
        assert "@" not in rej.detail


# --- automation flags -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "flags"),
    [
        ("Auto-Submitted: auto-generated\n", ("auto-submitted",)),
        ("Auto-Submitted: auto-replied (vacation)\n", ("auto-submitted",)),
        ("Auto-Submitted: no\n", ()),
        ("Auto-Submitted: No (comment)\n", ()),
        ("Precedence: bulk\n", ("precedence",)),
        ("Precedence: JUNK\n", ("precedence",)),
        ("Precedence: list\n", ("precedence",)),
        ("Precedence: auto_reply\n", ("precedence",)),
        ("Precedence: first-class\n", ()),
        ("List-Id: <dev.lists.example.org>\n", ("list-id",)),
        ("List-Unsubscribe: <mailto:u@x.org>\n", ("list-unsubscribe",)),
        ("X-Autoreply: yes\n", ("x-autoreply",)),
        ("X-Autorespond: yes\n", ("x-autorespond",)),
        ("X-Auto-Response-Suppress: All\n", ("x-auto-response-suppress",)),
        ("Return-Path: <>\n", ("null-return-path",)),
        ("Return-Path: < >\n", ("null-return-path",)),
        ("Return-Path: <bounce@x.com>\n", ()),
        (
            "Precedence: list\nList-Id: <l>\nAuto-Submitted: auto-generated\nReturn-Path: <>\n",
            ("auto-submitted", "precedence", "list-id", "null-return-path"),
        ),
    ],
)
def test_auto_flags(extra: str, flags: tuple[str, ...]) -> None:
    assert record(BASIC + extra).auto_flags == flags
    assert set(flags) <= set(AUTO_FLAG_NAMES)


@pytest.mark.parametrize(
    "local", ["noreply", "no-reply", "donotreply", "do-not-reply", "mailer-daemon", "postmaster"]
)
def test_noreply_sender(local: str) -> None:
    rec = record(BASIC.replace("Bob@Client.COM", f"{local.upper()}@Client.COM"))
    assert rec.auto_flags == ("noreply-sender",)


def test_noreply_needs_exact_local_part() -> None:
    assert record(BASIC.replace("Bob@", "noreply-team@")).auto_flags == ()


# --- decoding -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"plain", "plain"),
        (b"=?utf-8?q?caf=C3=A9?=", "café"),
        (b"=?UTF-8?Q?caf=C3=A9_au_lait?=", "café au lait"),
        (b"=?iso-8859-1?q?caf=E9?=", "café"),
        (b"=?utf-8?b?Y2Fmw6k=?=", "café"),
        (b"=?utf-8?b?Y2Fmw6k?=", "café"),  # missing padding
        (b"=?utf-8?q?a?= =?utf-8?q?b?=", "ab"),  # blank between encoded words dropped
        (b"=?utf-8?q?a?=\n =?utf-8?q?b?=", "ab"),  # ... also when folded
        (b"x =?utf-8?q?a?= y", "x a y"),
        (b"=?utf-8?b?w6k=?==?utf-8?b?w6k=?=", "éé"),
        (b"=?utf-8?b?4oKs?=", "€"),
        (b"=?utf-8?b?4oI=?= =?utf-8?b?rA==?=", "€"),  # a character split across two words
        (b"=?utf-8*en?q?hello?=", "hello"),  # RFC 2231 language
        (b"=?x-unknown?q?caf=E9?=", "café"),  # unknown charset: latin-1 fallback
        (b"=?base64?b?Zm9v?=", "foo"),  # not a text codec
        (b"=?utf-8?q?broken", "=?utf-8?q?broken"),
        (b"=?utf-8?x?abc?=", "=?utf-8?x?abc?="),
        (b"=?utf-8?b?!!!?=", ""),
        (b"caf\xc3\xa9", "café"),  # raw UTF-8
        (b"caf\xe9", "café"),  # raw latin-1 / cp1252
        (b"\x93quoted\x94", "\u201cquoted\u201d"),  # cp1252 punctuation
        (b"\x81\x8d", "\x81\x8d"),  # undefined in cp1252: latin-1
        ("already text", "already text"),
        ("line\r\n break", "line break"),
    ],
)
def test_decode_value(value: bytes | str, expected: str) -> None:
    assert decode_value(value) == expected


def test_subject_is_decoded_and_trimmed() -> None:
    rec = record(BASIC.replace("Subject: Prices", "Subject:   =?utf-8?q?Pr=C3=A9sent?=  \t"))
    assert rec.subject == "Présent"


def test_missing_subject_is_empty() -> None:
    assert record(BASIC.replace("Subject: Prices\n", "")).subject == ""


# --- fingerprint ----------------------------------------------------------------------------------


def test_fingerprint_ignores_order_and_blank_runs() -> None:
    a = record(BASIC)
    b = record(
        BASIC.replace('ann@acme.com, "Smith, Carl" <carl@acme.com>', "carl@acme.com, ann@acme.com")
        .replace("Prices", "  Prices ")
        .replace("Message-ID: <Abc.123@Client.com>", "Message-ID: <other@x>")
    )
    assert fingerprint(a) == fingerprint(b)
    fp = fingerprint(a)
    assert fp is not None
    assert len(fp) == 32
    assert int(fp, 16) >= 0


def test_fingerprint_changes_with_each_part() -> None:
    base = fingerprint(record(BASIC))
    variants = [
        BASIC.replace("Bob@", "Rob@"),
        BASIC.replace("10:00:00", "10:00:01"),
        BASIC.replace("Prices", "Price s"),
        BASIC.replace("ann@acme.com, ", ""),
        BASIC.replace("Cc: dora@acme.com (Dora)\n", ""),
    ]
    prints = {fingerprint(record(v)) for v in variants}
    assert base not in prints
    assert len(prints) == len(variants)


def test_fingerprint_is_unambiguous_between_to_and_cc() -> None:
    to_only = HeaderRecord("p", None, from_addr="a@x", date=1, to=("b@x", "c@x"))
    split = HeaderRecord("p", None, from_addr="a@x", date=1, to=("b@x",), cc=("c@x",))
    assert fingerprint(to_only) != fingerprint(split)


def test_fingerprint_needs_from_and_date() -> None:
    assert fingerprint(HeaderRecord("p", "m", date=1)) is None
    assert fingerprint(HeaderRecord("p", "m", from_addr="a@x")) is None


# --- robustness -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        " " * 200_000 + "x",
        "a@b" + " " * 200_000 + "x",
        "a@b, " + " " * 200_000 + "x",
        "(" * 200_000,
        "(" * 20_000 + ")" * 20_000,
        '"' * 20_001,
        "a@b, " * 40_000,
        "x <" * 30_000,
    ],
)
def test_pathological_values_stay_fast(value: str) -> None:
    start = time.perf_counter()
    parse_addresses(value)
    parse_date(value)
    restore_pipermail(value)
    parse_msgids(value)
    decode_value(value)
    assert time.perf_counter() - start < 2.0


def test_parser_error_guard() -> None:
    bad = RawMessage("p", "f", None)  # type: ignore[arg-type]
    result = parse_message(bad)
    assert isinstance(result, Rejected)
    assert result.reason == REASON_UNREADABLE
    assert result.detail.startswith("parser error")
