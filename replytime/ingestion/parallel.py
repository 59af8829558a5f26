"""Reading and parsing mail files in child processes while the caller stores.

Parsing is CPU work and storing waits on the database, so on two or more cores they overlap:
parser processes read and parse, and hand over batches of parsed values through bounded
queues (at most `_QUEUE_BATCHES` batches in flight per process, so memory stays bounded). A
child exits on its own if the parent dies, e.g. when an import is killed.

With several parser processes, each takes whole input paths in turn (path i goes to process
i mod n) and marks the end of each path; the parent reads the paths' batches back in input
order, so the store sees exactly the stream one process would give and an import stays
deterministic and resumable. One large path (a single mbox or Maildir) is parsed by one
process.

A batch crosses a queue as one `marshal` blob of plain tuples (each record's column values;
rejections as (provider id, reason, detail, folder)): several times cheaper to encode and decode
than pickled objects, and only ever read by the process that forked its writer. Where the
column values are computed balances the two processes' CPU time: on SQLite the parser
processes do all but the fingerprint (`prepare_without_fingerprint`) and the parent adds it as
it decodes (`with_fingerprint`); measured on two cores, preparing everything in the parser kept
the store waiting (18 % slower), and so did computing the fingerprint there, while leaving the
joins to the store made it the bound (5 % slower). On PostgreSQL the store mostly waits for the
server, so the parser processes prepare everything (`prepare_in_parser`).
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

from replytime.ingestion.store import (
    Prepared,
    prepare_fields,
    prepare_without_fingerprint,
    with_fingerprint,
)
from replytime.lib.headers import RecordFields
from replytime.mailboxes.connectors.base import Rejected

_QUEUE_BATCHES = 2
_BATCH = "batch"
_PATH_END = "path-end"  # the last batch of one input path (its payload may be None)
_DONE = "done"
_ERROR = "error"
_POLL_SECONDS = 1.0

# What the store gets: the prepared records of a batch and its rejections.
Batch = tuple[list[Prepared], list[Rejected]]


def _encode(records: list[Any], rejected: list[Rejected], prepared: bool) -> bytes:
    flat = [(r.provider_id, r.reason, r.detail, r.folder) for r in rejected]
    return marshal.dumps((prepared, records, flat))


def _decode(blob: bytes) -> Batch:
    prepared, records, flat = marshal.loads(blob)
    if not prepared:
        records = [with_fingerprint(r) for r in records]
    return records, [Rejected(*r) for r in flat]


def _child(out: Any, parent: int, paths: Sequence[Path], options: dict[str, Any]) -> None:
    """Parse `paths`; with `options["per_path"]`, one path at a time, each ended by _PATH_END."""

    def put(message: tuple[str, Any]) -> None:
        while True:
            try:
                out.put(message, timeout=_POLL_SECONDS)
                return
            except queue.Full:
                if os.getppid() != parent:  # the importer is gone: stop quietly
                    os._exit(0)

    try:
        if options["per_path"]:
            for path in paths:
                last = _parse_into(put, [path], options)
                put((_PATH_END, last))
        else:
            last = _parse_into(put, list(paths), options)
            if last is not None:
                put((_BATCH, last))
        put((_DONE, None))
    except BaseException:  # report everything, including KeyboardInterrupt, to the parent
        put((_ERROR, traceback.format_exc()))


def _parse_into(put: Any, paths: list[Path], options: dict[str, Any]) -> bytes | None:
    """Send full batches of `paths` through `put`; return the last, partial one (or None)."""
    from replytime.ingestion.pipeline import fields_stream
    from replytime.mailboxes.connectors.files import iter_messages

    records: list[RecordFields | Prepared] = []
    rejected: list[Rejected] = []
    raws = iter_messages(paths, options["fmt"])
    stream = fields_stream(raws, pipermail=options["pipermail"], list_address=options["list"])
    size, prepare = options["batch"], options["prepare"]
    for item in stream:
        if isinstance(item, Rejected):
            rejected.append(item)
        else:
            records.append(prepare_fields(item) if prepare else prepare_without_fingerprint(item))
        if len(records) + len(rejected) >= size:
            put((_BATCH, _encode(records, rejected, prepare)))
            records, rejected = [], []
    return _encode(records, rejected, prepare) if records or rejected else None


class ParseError(RuntimeError):
    """The parser process failed; the message holds its traceback."""


def parsed_batches(
    paths: Sequence[Path],
    *,
    fmt: str,
    pipermail: bool,
    list_address: str | None,
    batch_size: int,
    processes: int = 1,
    prepare_in_parser: bool = False,
) -> Iterator[Batch]:
    """Batches of prepared records and rejections, parsed in `processes` child processes (at
    most one per path), in input order. `prepare_in_parser` has the parser processes run
    `prepare_fields` instead of the caller (see the module's docstring)."""
    options = {"fmt": fmt, "pipermail": pipermail, "list": list_address, "batch": batch_size}
    options["prepare"] = prepare_in_parser
    n = max(1, min(processes, len(paths)))
    options["per_path"] = n > 1
    ctx = mp.get_context("fork")
    channels = [ctx.Queue(maxsize=_QUEUE_BATCHES) for _ in range(n)]
    children = [
        ctx.Process(target=_child, args=(channels[k], os.getpid(), paths[k::n], options))
        for k in range(n)
    ]
    for child in children:
        child.daemon = True
        child.start()
    try:
        if n == 1:
            yield from _batches_of(channels[0], children[0])
        else:
            yield from _merged(channels, children, len(paths), batch_size)
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
            child.join()


def _batches_of(channel: Any, child: Any) -> Iterator[Batch]:
    while True:
        kind, payload = _get(channel, child)
        if kind == _DONE:
            return
        if kind == _ERROR:
            raise ParseError(payload)
        yield _decode(payload)


def _merged(channels: list[Any], children: list[Any], paths: int, size: int) -> Iterator[Batch]:
    """The paths' batches in input order, regrouped into batches of at least `size` items
    (the last paths of a mailbox export are often small)."""
    records: list[Prepared] = []
    rejected: list[Rejected] = []
    n = len(channels)
    for i in range(paths):
        channel, child = channels[i % n], children[i % n]
        while True:
            kind, payload = _get(channel, child)
            if kind == _ERROR:
                raise ParseError(payload)
            if kind == _DONE:
                raise ParseError("a parser process stopped before the end of its paths")
            if payload is not None:
                more_records, more_rejected = _decode(payload)
                records.extend(more_records)
                rejected.extend(more_rejected)
            if len(records) + len(rejected) >= size:
                yield records, rejected
                records, rejected = [], []
            if kind == _PATH_END:
                break
    if records or rejected:
        yield records, rejected


def _get(channel: Any, child: Any) -> tuple[str, Any]:
    while True:
        try:
            return channel.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            if not child.is_alive():
                raise ParseError(
                    f"the parser process ended unexpectedly ({child.exitcode})"
                ) from None
