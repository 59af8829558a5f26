"""The IMAP connector against a real Dovecot: header-only fetches, cursors, TLS and errors."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import pytest

from replytime.mailboxes.connectors.base import (
    Connector,
    ConnectorConfig,
    ConnectorError,
    HeaderRecord,
    RequestBudget,
    SyncPage,
)
from replytime.mailboxes.connectors.imap.connector import ImapConnector
from replytime.mailboxes.connectors.imap.cursor import ImapCursor
from replytime.mailboxes.connectors.imap.records import HEADER_ITEM, build_record
from replytime.mailboxes.connectors.imap.tests.conftest import USERS, ImapWorld, imap_params
from replytime.mailboxes.connectors.imap.tests.dovecot import Dovecot


def connector(server: Dovecot, user: str, budget: int = 1000, **params: object) -> ImapConnector:
    config = ConnectorConfig(
        mailbox_id=1,
        address=f"{user}@example.com",
        params=imap_params(server, user, **params),
        secrets={"password": USERS[user]},
        budget=RequestBudget(budget),
        options={"batch": 40},
    )
    return ImapConnector(config)


def sync_all(conn: ImapConnector, cursor: str | None = None) -> tuple[list[SyncPage], str]:
    pages: list[SyncPage] = []
    while True:
        page = conn.fetch_page(cursor)
        pages.append(page)
        cursor = page.cursor
        if not page.more:
            return pages, cursor


def new_message(prefix: str, i: int) -> bytes:
    return (
        b"From: carol@client.example\r\nTo: live@example.com\r\nSubject: %s one %d\r\n"
        b"Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <%s-%d@client.example>\r\n\r\n"
        b"secret body text\r\n" % (prefix.encode(), i, prefix.encode(), i)
    )


def sent_commands(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The commands of the protocol log (imapclient's debug log), without their tags and
    without the LOGIN."""
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("> b'")]
    commands = [line[4:-1].split(" ", 1)[1] for line in lines]
    return [c for c in commands if not c.startswith("LOGIN")]


def test_it_implements_the_connector_protocol() -> None:
    config = ConnectorConfig(mailbox_id=1, address="a@b.example", params={"host": "x"})
    assert isinstance(ImapConnector(config), Connector)


def test_it_fetches_the_inbox_and_sent_headers_and_never_a_body(
    imap_world: ImapWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="imapclient")
    conn = connector(imap_world.server, "ann")
    pages, _cursor = sync_all(conn)
    conn.close()
    items = [item for page in pages for item in page.items]
    assert len(items) == len(imap_world.inbox) + len(imap_world.sent)
    records = [i for i in items if isinstance(i, HeaderRecord)]
    sent = [r for r in records if "\\Sent" in r.folders]
    assert len(sent) == len([r for r in records if "Sent" in r.folders]) > 0
    assert all(r.received_at and r.received_at > datetime(2020, 1, 1, tzinfo=UTC).timestamp()
               for r in records)  # fmt: skip
    # The protocol log: every command sent; no FETCH may ask for anything but header fields.
    sent_lines = [r.getMessage() for r in caplog.records if "> b'" in r.getMessage()]
    fetches = [line for line in sent_lines if " FETCH " in line]
    assert fetches, "the protocol log must show the FETCH commands"
    for line in fetches:
        assert HEADER_ITEM in line
        stripped = line.replace(HEADER_ITEM, "").replace("RFC822.SIZE", "")
        for forbidden in ("BODY[", "BODY.PEEK[", "RFC822", "BODYSTRUCTURE", "BINARY"):
            assert forbidden not in stripped, line
    # No line of any message body ever reached the client.
    log_text = "\n".join(r.getMessage() for r in caplog.records)
    split = [m.split(b"\r\n\r\n", 1) for m in imap_world.inbox + imap_world.sent]
    headers = b"\n".join(head for head, _body in split).decode(errors="replace")
    bodies = [body for _head, body in split]
    lines = {line.strip() for b in bodies for line in b.decode(errors="replace").splitlines()}
    # Forwarded mail quotes header lines in its body; those may match headers legitimately.
    lines = {
        line
        for line in lines
        if len(line) > 30 and not re.match(r"[\w-]+:\s", line) and line not in headers
    }
    assert len(lines) > 100
    assert not [line for line in lines if line in log_text]


def test_an_unchanged_mailbox_costs_one_examine_per_folder(
    imap_world: ImapWorld, caplog: pytest.LogCaptureFixture
) -> None:
    _pages, cursor = sync_all(connector(imap_world.server, "ann"))
    caplog.set_level(logging.DEBUG, logger="imapclient")
    conn = connector(imap_world.server, "ann")
    pages, _ = sync_all(conn, cursor)
    conn.close()
    assert [p.items for p in pages] == [()]
    # login, then one EXAMINE for INBOX and one for Sent: the folder plan comes from the
    # cursor (no LIST), and no STATUS, SEARCH or FETCH.
    assert conn.config.budget.spent == 3
    commands = [c.split()[0] for c in sent_commands(caplog)]
    assert commands == ["EXAMINE", "EXAMINE", "LOGOUT"]


def test_a_few_new_messages_cost_one_fetch_and_no_search(
    imap_world: ImapWorld, caplog: pytest.LogCaptureFixture
) -> None:
    server = imap_world.server
    _pages, cursor = sync_all(connector(server, "live"))
    server.append([new_message("few", i) for i in range(3)], user="live")
    caplog.set_level(logging.DEBUG, logger="imapclient")
    conn = connector(server, "live")
    pages, _ = sync_all(conn, cursor)
    conn.close()
    assert sorted(i.message_id for p in pages for i in p.items) == [
        f"few-{i}@client.example" for i in range(3)
    ]
    verbs = [c.split()[0] for c in sent_commands(caplog)]
    assert verbs == ["EXAMINE", "UID", "EXAMINE", "LOGOUT"]  # UID FETCH <range>, no SEARCH
    assert conn.config.budget.spent == 4


def test_fetches_are_pipelined_and_a_stop_between_pages_leaves_a_clean_session(
    imap_world: ImapWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="imapclient")
    conn = connector(imap_world.server, "ann")
    first = conn.fetch_page(None)
    # The second batch's FETCH went out before the first page was returned.
    assert [c for c in sent_commands(caplog) if " FETCH " in c][1:2]
    conn.close()  # reads the batch sent ahead, then logs out
    assert sent_commands(caplog)[-1] == "LOGOUT"
    resumed = connector(imap_world.server, "ann")
    pages, _ = sync_all(resumed, first.cursor)
    resumed.close()
    again, _ = sync_all(connector(imap_world.server, "ann"))
    assert len(first.items) + sum(len(p.items) for p in pages) == sum(len(p.items) for p in again)


def test_a_folder_gone_from_a_saved_plan_is_listed_again(imap_world: ImapWorld) -> None:
    _pages, cursor = sync_all(connector(imap_world.server, "ann"))
    stale = ImapCursor.load(cursor)
    assert stale.plan is not None
    stale.plan.folders.append(("Deleted Meanwhile", False))
    conn = connector(imap_world.server, "ann")
    pages, final = sync_all(conn, stale.dump())
    assert [p.items for p in pages] == [(), ()]
    plan = ImapCursor.load(final).plan
    assert plan is not None and ("Deleted Meanwhile", False) not in plan.folders


def test_new_mail_shows_up_in_the_next_sync(imap_world: ImapWorld) -> None:
    server = imap_world.server
    _pages, cursor = sync_all(connector(server, "live"))
    server.append([new_message("new", i) for i in range(3)], user="live")
    pages, _ = sync_all(connector(server, "live"), cursor)
    items = [i for p in pages for i in p.items]
    assert sorted(i.message_id for i in items) == [f"new-{i}@client.example" for i in range(3)]


def test_starttls_on_the_plain_port(imap_world: ImapWorld) -> None:
    server = imap_world.server
    conn = connector(server, "ann", port=server.plain_port, security="starttls")
    conn.check()
    conn.close()


def test_a_wrong_password_is_permanent_and_says_what_to_do(imap_world: ImapWorld) -> None:
    conn = connector(imap_world.server, "ann")
    conn.config.secrets["password"] = "wrong"  # type: ignore[index]
    with pytest.raises(ConnectorError) as info:
        conn.check()
    assert info.value.permanent
    assert "refused the user name or password" in info.value.message
    assert "password" in info.value.action


def test_an_unverified_certificate_is_refused(imap_world: ImapWorld) -> None:
    conn = connector(imap_world.server, "ann", ca_pem="")
    with pytest.raises(ConnectorError) as info:
        conn.check()
    assert info.value.permanent
    assert "certificate" in info.value.message
    assert "--ca-file" in info.value.action


def test_a_missing_folder_is_permanent(imap_world: ImapWorld) -> None:
    conn = connector(imap_world.server, "ann", folders=["No Such Folder"])
    with pytest.raises(ConnectorError) as info:
        conn.check()
    assert info.value.permanent


def test_an_unreachable_server_is_retried_later(imap_world: ImapWorld) -> None:
    from replytime.mailboxes.connectors.imap.tests.dovecot import free_port

    conn = connector(imap_world.server, "ann", port=free_port())
    with pytest.raises(ConnectorError) as info:
        conn.check()
    assert not info.value.permanent


def test_gmail_thread_ids_become_provider_thread_ids() -> None:
    # A FETCH result as imapclient parses it from Gmail (X-GM-EXT-1): recorded shape.
    data = {
        b"SEQ": 7,
        b"BODY[HEADER.FIELDS (FROM TO SUBJECT DATE MESSAGE-ID)]": (
            b"From: Bob <bob@client.example>\r\nTo: ann@acme.example\r\nSubject: Prices\r\n"
            b"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\nMessage-ID: <CAF1@mail.gmail.com>\r\n\r\n"
        ),
        b"INTERNALDATE": datetime(2023, 11, 14, 22, 13, 21, tzinfo=UTC),
        b"RFC822.SIZE": 5120,
        b"X-GM-THRID": 1782000000000000001,
    }
    record = build_record(
        31710, data, folder="[Gmail]/Sent Mail", uidvalidity=11, sent=True,
        now=1.8e9, min_year=1990, max_future_days=2,
    )  # fmt: skip
    assert isinstance(record, HeaderRecord)
    assert record.provider_thread_id == format(1782000000000000001, "x")
    assert record.received_at == 1700000001
    assert record.folders == ("[Gmail]/Sent Mail", "\\Sent")
    assert record.size == 5120
