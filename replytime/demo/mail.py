"""Messages and the threads they form, as the demo scenarios write them.

A `Message` is one email as its sender wrote it (headers only); the sink turns it into one
`HeaderRecord` per tracked mailbox that sees it. A `Thread` is the running state of a
conversation: its subject, the latest message to reply to, and the Outlook Thread-Index chain.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from typing import Protocol

# Mail clients keep only the latest references; long threads would otherwise grow without bound.
MAX_REFERENCES = 12
# Windows FILETIME ticks (100 ns) between 1601-01-01 and 1970-01-01, for Thread-Index headers.
_FILETIME_EPOCH = 116_444_736_000_000_000


class Party(Protocol):
    """Who writes a message: an agent or a customer company; decides mail-client habits."""

    prefix: str
    fwd_prefix: str
    outlook: bool
    legacy: bool
    id_host: str
    id_style: int


@dataclass(slots=True, eq=False)
class Message:
    """One email's headers as sent (the same for every mailbox that receives a copy)."""

    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    thread_index: str | None
    from_addr: str
    sender: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    date: int
    auto_flags: tuple[str, ...]
    size: int


class Thread:
    """The state of one conversation while a scenario writes it."""

    __slots__ = ("last", "subject", "ti")

    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.last: Message | None = None
        self.ti: bytes | None = None


def reply_subject(prefix: str, subject: str) -> str:
    """What a client puts in the Subject of a reply: it adds its prefix unless already there.

    Clients recognise their own prefix in any case ("Re:" answering "RE: ..." stays "RE: ..."),
    but not other languages' prefixes, so they stack ("AW: Re: ..."), as real threads show.
    """
    head, colon, _ = subject.partition(":")
    if colon and head.strip().casefold() == prefix.partition(":")[0].strip().casefold():
        return subject
    return prefix + subject


def message_id(rng: random.Random, party: Party) -> str:
    """A random Message-ID (without brackets) in the style of the party's mail system."""
    bits = rng.getrandbits(96)
    style = party.id_style
    if style == 0:
        return f"{bits:024x}@{party.id_host}"
    if style == 1:
        return f"{bits >> 32:016X}.{bits & 0xFFFF}@{party.id_host}"
    h = f"{bits:024x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}@{party.id_host}".upper()


def references_for(parent: Message) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(In-Reply-To, References) of a reply to `parent`."""
    refs = (*parent.references, parent.message_id)
    if len(refs) > MAX_REFERENCES:
        # Clients keep the root and the most recent ids when trimming.
        refs = (refs[0], *refs[-(MAX_REFERENCES - 1) :])
    return (parent.message_id,), refs


def thread_index(rng: random.Random, thread: Thread, t: int) -> str:
    """The next Thread-Index of an Outlook message in `thread` (22-byte root, 5 bytes per reply).

    The root carries the time and a random GUID; each reply appends a 5-byte child block. All
    values of one thread therefore share their first 22 bytes, which is what spec §4 links on.
    """
    if thread.ti is None:
        ticks = t * 10_000_000 + _FILETIME_EPOCH
        thread.ti = (ticks >> 16).to_bytes(6, "big") + rng.getrandbits(128).to_bytes(16, "big")
    else:
        thread.ti += rng.getrandbits(40).to_bytes(5, "big")
    return base64.b64encode(thread.ti).decode("ascii")


def message_size(rng: random.Random) -> int:
    """A plausible size in bytes: mostly text and signatures, sometimes an attachment."""
    return _SIZES[rng.getrandbits(10)]


def _size_table(count: int) -> tuple[int, ...]:
    # Drawn once from a fixed stream: a table lookup is much cheaper than two log-normal draws.
    rng = random.Random("replytime-demo-sizes")
    sizes = []
    for _ in range(count):
        size = int(rng.lognormvariate(9.6, 0.6))
        if rng.random() < 0.08:
            size += int(rng.lognormvariate(12.5, 1.0))
        sizes.append(size)
    return tuple(sizes)


_SIZES = _size_table(1024)
