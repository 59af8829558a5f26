"""A private Dovecot for the IMAP tests (session-scoped), filled from the Enron corpus.

Dovecot comes from Debian's dovecot-imapd (scripts/dovecot.sh installs it). Without it the
tests are skipped with a message, except with CI=true, where they fail: a missing service must
not hide a test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from replytime.mailboxes.connectors.imap.tests.corpus import corpora_dir, messages, unpack_person
from replytime.mailboxes.connectors.imap.tests.dovecot import Dovecot, dovecot_installed

IN_CI = os.environ.get("CI", "").lower() == "true"
USERS = {
    "ann": "ann-imap-pass",  # read-only for tests: the inbox and Sent of one person
    "bulk": "bulk-imap-pass",  # a larger mailbox for the crash test
    "act": "act-imap-pass",  # the activation test
    "live": "live-imap-pass",  # tests that append new mail
    "resync": "resync-imap-pass",  # the UIDVALIDITY test
}


@dataclass
class ImapWorld:
    server: Dovecot
    corpus: Path
    inbox: list[bytes]
    sent: list[bytes]
    extra: list[bytes]


def _require(condition: bool, message: str) -> None:
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{message} (CI=true: this must not be skipped)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def imap_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImapWorld]:
    _require(dovecot_installed(), "Dovecot is not installed: run `bash scripts/dovecot.sh`")
    _require(corpora_dir().exists(), f"The corpora are missing: {corpora_dir()}")
    person = unpack_person(tmp_path_factory.mktemp("corpus"))
    inbox = messages(person, "inbox", "notes_inbox", "deleted_items")
    sent = messages(person, "sent_items")
    extra = messages(person, "discussion_threads")
    server = Dovecot(users=dict(USERS)).start()
    try:
        for user in ("ann", "act", "live", "resync"):
            server.append(inbox, user=user)
            server.append(sent, folder="Sent", user=user)
        server.append(extra + messages(person, "all_documents"), user="bulk")
        server.append(messages(person, "_sent_mail"), folder="Sent", user="bulk")
        yield ImapWorld(server, person, inbox, sent, extra)
    finally:
        server.stop()


@pytest.fixture
def dovecot(imap_world: ImapWorld) -> Dovecot:
    return imap_world.server


def imap_params(server: Dovecot, user: str, **extra: object) -> dict[str, object]:
    return {
        "host": server.host,
        "port": server.port,
        "security": "ssl",
        "user": user,
        "ca_pem": server.ca_file.read_text(),
        **extra,
    }
