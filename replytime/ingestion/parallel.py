"""Reading and parsing mail files in a separate process while the caller stores.

Parsing is CPU work and storing waits on the database, so on two or more cores they overlap:
a child process reads and parses, and hands over batches of prepared values through a bounded
queue (at most `_QUEUE_BATCHES` batches in flight, so memory stays bounded). The child exits on
its own if the parent dies, e.g. when an import is killed.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from replytime.ingestion.store import Prepared, prepare
from replytime.mailboxes.connectors.base import HeaderRecord, Rejected

_QUEUE_BATCHES = 4
_DONE = "done"
_ERROR = "error"
_POLL_SECONDS = 1.0

Batch = list[Prepared | Rejected]


def _prepared(item: HeaderRecord | Rejected) -> Prepared | Rejected:
    return prepare(item) if isinstance(item, HeaderRecord) else item


def _child(out: Any, parent: int, paths: Sequence[Path], options: dict[str, Any]) -> None:
    from replytime.ingestion.pipeline import parse_stream
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
        batch: Batch = []
        raws = iter_messages(list(paths), options["fmt"])
        parsed = parse_stream(raws, pipermail=options["pipermail"], list_address=options["list"])
        for item in parsed:
            batch.append(_prepared(item))
            if len(batch) >= options["batch"]:
                put(("batch", batch))
                batch = []
        if batch:
            put(("batch", batch))
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
    """Batches of prepared records and rejections, parsed in a child process."""
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
            yield payload
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
