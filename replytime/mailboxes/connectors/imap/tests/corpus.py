"""Real messages for the IMAP tests: one Enron mailbox from ../shared/corpora."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[5]
ENRON = "enron/enron-allfolders-subset-13-mailboxes.tar.xz"
PERSON = "delainey-d"
ADDRESS = "david.delainey@enron.com"


def corpora_dir() -> Path:
    return Path(os.environ.get("REPLYTIME_CORPORA", REPO.parent / "shared" / "corpora"))


def unpack_person(target: Path, person: str = PERSON) -> Path:
    """Unpack one Enron person's maildir folders into `target`; returns their folder."""
    archive = corpora_dir() / ENRON
    prefix = f"maildir/{person}/"
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(prefix) and m.isfile()]
        tar.extractall(target, members=members, filter="data")
    return target / "maildir" / person


def messages(person_dir: Path, *folders: str) -> list[bytes]:
    """The messages of the given folders, with CRLF line ends as IMAP wants them."""
    found: list[bytes] = []
    for folder in folders:
        for path in sorted((person_dir / folder).rglob("*"), key=lambda p: str(p)):
            if path.is_file():
                found.append(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    return found
