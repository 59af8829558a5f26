"""Reading and parsing mail files in a separate process while the caller stores.

Parsing is CPU work and storing waits on the database, so on two or more cores they overlap:
a child process reads and parses, and hands over batches of prepared values through a bounded
queue (at most `_QUEUE_BATCHES` batches in flight, so memory stays bounded). The child exits on
its own if the parent dies, e.g. when an import is killed.

A batch crosses the queue as one `marshal` blob of plain tuples (prepared records, rejections as
(provider id, reason, detail, folder)): several times cheaper to encode and decode than pickled
objects, and only ever read by the process that forked its writer.
"""

from __future__ import annotations

import marshal
import multiprocessing as mp
import os
import queue
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from replytime.ingestion.store import Prepared
from replytime.mailboxes.connectors.base import Rejected

_QUEUE_BATCHES = 4
_DONE = "done"
_ERROR = "error"
_POLL_SECONDS = 1.0

# What the store gets: the prepared records of a batch and its rejections.
Batch = tuple[list[Prepared], list[Rejected]]


def _encode(records: list[Prepared], rejected: list[Rejected]) -> bytes:
    flat = [(r.provider_id, r.reason, r.detail, r.folder) for r in rejected]
    return marshal.dumps((records, flat))


def _decode(blob: bytes) -> Batch:
    records, flat = marshal.loads(blob)
    return records, [Rejected(*r) for r in flat]


def _child(out: Any, parent: int, paths: Sequence[Path], options: dict[str, Any]) -> None:
    from replytime.ingestion.pipeline import prepared_stream
    from replytime.mailboxes.connectors.files import iter_messages

    def put(message: tuple[str, Any]) -> None:
        while True:
            try:
                out.put(message, timeout=_POLL_SECONDS)
                return
            except queue.Full:
                if os.getppid() != parent:  # the importer is gone: stop quietly
                    os._exit(0)

    try:
        records: list[Prepared] = []
        rejected: list[Rejected] = []
        raws = iter_messages(list(paths), options["fmt"])
        stream = prepared_stream(raws, pipermail=options["pipermail"], list_address=options["list"])
        size = options["batch"]
        for item in stream:
            if isinstance(item, Rejected):
                rejected.append(item)
            else:
                records.append(item)
            if len(records) + len(rejected) >= size:
                put(("batch", _encode(records, rejected)))
                records, rejected = [], []
        if records or rejected:
            put(("batch", _encode(records, rejected)))
        put((_DONE, None))
    except BaseException:  # report everything, including KeyboardInterrupt, to the parent
        put((_ERROR, traceback.format_exc()))


class ParseError(RuntimeError):
    """The parser process failed; the message holds its traceback."""


def parsed_batches(
    paths: Sequence[Path],
    *,
    fmt: str,
    pipermail: bool,
    list_address: str | None,
    batch_size: int,
) -> Iterator[Batch]:
    """Batches of prepared records and rejections, parsed in a child process, in input order."""
    ctx = mp.get_context("fork")
    channel = ctx.Queue(maxsize=_QUEUE_BATCHES)
    options = {"fmt": fmt, "pipermail": pipermail, "list": list_address, "batch": batch_size}
    child = ctx.Process(target=_child, args=(channel, os.getpid(), paths, options), daemon=True)
    child.start()
    try:
        while True:
            kind, payload = _get(channel, child)
            if kind == _DONE:
                return
            if kind == _ERROR:
                raise ParseError(payload)
            yield _decode(payload)
    finally:
        if child.is_alive():
            child.terminate()
        child.join()


def _get(channel: Any, child: Any) -> tuple[str, Any]:
    while True:
        try:
            return channel.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            if not child.is_alive():
                raise ParseError(
                    f"the parser process ended unexpectedly ({child.exitcode})"
                ) from None
