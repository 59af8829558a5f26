"""Mail for the fake Gmail: real header blocks from the Enron corpus (one person's inbox and
sent items, labelled INBOX and SENT), and synthetic conversations for volume.

Only header blocks are kept: the body of each corpus message is cut off when it is read, as a
provider that holds mail but only ever answers with metadata.
"""

from __future__ import annotations

import os
import random
import tarfile
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

from replytime.mailboxes.connectors.gmail.tests.fake_mail import FakeMailbox

REPO = Path(__file__).resolve().parents[5]
ENRON = "enron/enron-allfolders-subset-13-mailboxes.tar.xz"
PERSON = "cuilla-m"
ADDRESS = "martin.cuilla@enron.com"
FOLDERS = {"inbox": ["INBOX", "UNREAD"], "notes_inbox": ["INBOX"], "deleted_items": ["TRASH"],
           "sent_items": ["SENT"], "sent": ["SENT"]}  # fmt: skip


def corpora_dir() -> Path:
    return Path(os.environ.get("REPLYTIME_CORPORA", REPO.parent / "shared" / "corpora"))


def header_pairs(raw: bytes) -> list[tuple[str, str]]:
    """The (name, value) pairs of a message's header block, folded lines joined."""
    block = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode("utf-8", "replace")
    pairs: list[tuple[str, str]] = []
    for line in block.split("\n"):
        if line[:1] in (" ", "\t") and pairs:
            name, value = pairs[-1]
            pairs[-1] = (name, f"{value} {line.strip()}")
        elif ":" in line:
            name, value = line.split(":", 1)
            pairs.append((name.strip(), value.strip()))
    return pairs


def _internal_ms(pairs: list[tuple[str, str]], fallback: int) -> int:
    for name, value in pairs:
        if name.lower() == "date":
            try:
                return int(parsedate_to_datetime(value).timestamp() * 1000) + 1500
            except (TypeError, ValueError):
                break
    return fallback


Loaded = list[tuple[list[tuple[str, str]], list[str], int, int]]


def read_enron(target: Path) -> Loaded:
    """One Enron person's messages as (header pairs, labels, internalDate ms, size): the bodies
    are dropped as the files are read."""
    archive = corpora_dir() / ENRON
    prefix = f"maildir/{PERSON}/"
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(prefix) and m.isfile()]
        tar.extractall(target, members=members, filter="data")
    person = target / "maildir" / PERSON
    loaded: Loaded = []
    for folder, labels in FOLDERS.items():
        for path in sorted((person / folder).glob("*"), key=lambda p: p.name):
            pairs = header_pairs(path.read_bytes())
            internal = _internal_ms(pairs, 1_000_000_000_000 + len(loaded))
            loaded.append((pairs, labels, internal, path.stat().st_size))
    return loaded


def load_enron(box: FakeMailbox, loaded: Loaded) -> int:
    """Fill `box` with the messages `read_enron` found; returns how many were added."""
    for pairs, labels, internal, size in loaded:
        box.add(pairs, list(labels), internal, size, record=False)
    return len(loaded)


_CUSTOMERS = [f"{n}@client{d}.example" for d in range(40) for n in ("ana", "bo", "cy", "di")]
_TOPICS = ("Order", "Invoice", "Delivery", "Question", "Contract", "Support", "Prices", "Demo")


def synthetic(box: FakeMailbox, count: int, *, seed: int = 6, start: int = 1_767_225_600,
              record: bool = False) -> int:  # fmt: skip
    """Add `count` messages: customer questions to the mailbox and its replies (SENT), some
    automated mail, drafts and spam. Deterministic for a seed."""
    rng = random.Random(seed)
    me = box.address
    at = start
    added = 0
    while added < count:
        at += rng.randint(60, 3600)
        customer = rng.choice(_CUSTOMERS)
        root = f"<q{seed}-{added}@{customer.split('@')[1]}>"
        subject = f"{rng.choice(_TOPICS)} {rng.randint(100, 999)}"
        question = _pairs(customer, me, subject, at, root)
        if rng.random() < 0.05:
            question.append(("Auto-Submitted", "auto-generated"))
        labels = rng.choice((["INBOX"], ["INBOX", "UNREAD"], ["INBOX", "CATEGORY_UPDATES"]))
        if rng.random() < 0.02:
            labels = ["SPAM"]
        box.add(question, labels, at * 1000 + 700, record=record)
        added += 1
        if added < count and rng.random() < 0.7:
            reply_at = at + rng.randint(120, 86_400)
            reply = _pairs(me, customer, f"Re: {subject}", reply_at,
                           f"<r{seed}-{added}@{me.split('@')[1]}>", root)  # fmt: skip
            box.add(reply, ["SENT"] if rng.random() > 0.03 else ["DRAFT"], reply_at * 1000 + 300,
                    record=record)  # fmt: skip
            added += 1
    return added


def _pairs(frm: str, to: str, subject: str, at: int, mid: str, parent: str = "") -> list[tuple[str, str]]:  # fmt: skip
    from datetime import UTC, datetime

    pairs = [
        ("From", frm), ("To", to), ("Subject", subject),
        ("Date", format_datetime(datetime.fromtimestamp(at, UTC))), ("Message-ID", mid),
    ]  # fmt: skip
    if parent:
        pairs += [("In-Reply-To", parent), ("References", parent)]
    pairs += [("MIME-Version", "1.0"), ("Content-Type", "text/plain; charset=utf-8")]
    return pairs
