"""The pipelined FETCH reader on scripted server answers (no server needed)."""

from __future__ import annotations

import imaplib
import io
from datetime import UTC, datetime

import pytest
from imapclient.exceptions import IMAPClientError

from replytime.mailboxes.connectors.imap.fastfetch import HEADER_KEY, FetchPipe, uid_set

FIELDS = b"BODY[HEADER.FIELDS (FROM SUBJECT)]"


class FakeImap:
    """What FetchPipe uses of imaplib.IMAP4: tags, send, the socket file, the debug hook."""

    def __init__(self, answer: bytes) -> None:
        self.file = io.BufferedReader(io.BytesIO(answer))  # type: ignore[arg-type]
        self.sent: list[bytes] = []
        self.tagged_commands: dict[bytes, object] = {}
        self.debug = 0
        self._count = 0

    def _new_tag(self) -> bytes:
        self._count += 1
        tag = b"T%d" % self._count
        self.tagged_commands[tag] = None
        return tag

    def send(self, data: bytes) -> None:
        self.sent.append(data)


class FakeClient:
    def __init__(self, answer: bytes) -> None:
        self._imap = FakeImap(answer)


def message(seq: int, uid: int, header: bytes, size: int = 100) -> bytes:
    return (
        b'* %d FETCH (UID %d INTERNALDATE "02-Mar-2026 10:00:0%d +0100" RFC822.SIZE %d '
        b"%s {%d}\r\n%s)\r\n" % (seq, uid, seq % 10, size, FIELDS, len(header), header)
    )


def test_the_answers_of_pipelined_fetches_may_interleave() -> None:
    # B's messages arrive (and B completes) before A completes: each wait gets its own.
    answer = (
        message(1, 11, b"Subject: a1\r\n\r\n")
        + message(3, 21, b"Subject: b1\r\n\r\n")
        + b"* 4 EXISTS\r\n* 2 FETCH (FLAGS (\\Seen))\r\n"
        + b"T2 OK Fetch completed.\r\n"
        + message(2, 12, b"Subject: {7}\r\n\r\n")  # a header that looks like a literal
        + b"T1 OK Fetch completed.\r\n"
    )
    client = FakeClient(answer)
    pipe = FetchPipe(client)  # type: ignore[arg-type]
    first = pipe.send([11, 12], ["ITEMS"])
    second = pipe.send([21, 22], ["ITEMS"])
    assert client._imap.sent == [
        b"T1 UID FETCH 11:12 (ITEMS)\r\n",
        b"T2 UID FETCH 21:22 (ITEMS)\r\n",
    ]
    a = pipe.wait(first, [11, 12])
    assert sorted(a) == [11, 12]
    assert a[12][HEADER_KEY] == b"Subject: {7}\r\n\r\n"
    assert a[11][b"RFC822.SIZE"] == 100
    assert a[11][b"INTERNALDATE"] == epoch(datetime(2026, 3, 2, 9, 0, 1, tzinfo=UTC))
    assert pipe.wait(second, [21, 22]) == {21: pipe_entry(b"Subject: b1\r\n\r\n", 3)}
    assert not pipe.received and not pipe.completed and not client._imap.tagged_commands


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def pipe_entry(header: bytes, seq: int) -> dict[bytes, object]:
    return {
        HEADER_KEY: header,
        b"INTERNALDATE": epoch(datetime(2026, 3, 2, 9, 0, seq, tzinfo=UTC)),
        b"RFC822.SIZE": 100,
    }


def test_an_empty_header_and_gmail_thread_ids() -> None:
    answer = (
        b'* 1 FETCH (X-GM-THRID 1782000000000000001 UID 5 RFC822.SIZE 9 %s "" '
        b'INTERNALDATE " 2-Mar-2026 10:00:00 -0500")\r\nT1 OK done\r\n' % FIELDS
    )
    pipe = FetchPipe(FakeClient(answer))  # type: ignore[arg-type]
    found = pipe.wait(pipe.send([5], ["ITEMS"]), [5])
    assert found[5][HEADER_KEY] == b""
    assert found[5][b"X-GM-THRID"] == 1782000000000000001
    assert found[5][b"INTERNALDATE"] == epoch(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))


def test_an_impossible_internaldate_is_left_out_not_fatal() -> None:
    answer = b'* 1 FETCH (UID 5 INTERNALDATE "31-Feb-2026 10:00:00 +0000" %s "")\r\nT1 OK\r\n'
    pipe = FetchPipe(FakeClient(answer % FIELDS))  # type: ignore[arg-type]
    assert pipe.wait(pipe.send([5], ["ITEMS"]), [5])[5][b"INTERNALDATE"] is None


def test_a_refused_fetch_and_a_closed_connection() -> None:
    pipe = FetchPipe(FakeClient(b"T1 NO [SERVERBUG] oops\r\n"))  # type: ignore[arg-type]
    with pytest.raises(IMAPClientError, match="SERVERBUG"):
        pipe.wait(pipe.send([1], ["ITEMS"]), [1])
    pipe = FetchPipe(FakeClient(b"* BYE shutting down\r\n"))  # type: ignore[arg-type]
    with pytest.raises(imaplib.IMAP4.abort):
        pipe.wait(pipe.send([1], ["ITEMS"]), [1])
    pipe = FetchPipe(FakeClient(message(1, 1, b"x")[:-20]))  # type: ignore[arg-type]
    with pytest.raises(imaplib.IMAP4.abort):
        pipe.wait(pipe.send([1], ["ITEMS"]), [1])


def test_uid_sets_are_compact() -> None:
    assert uid_set([1, 2, 3, 5, 7, 8]) == "1:3,5,7:8"
    assert uid_set([4]) == "4"
