"""Import of mail files: read header blocks → parse → store in batches → update metrics.

Memory stays bounded: messages stream from the readers one at a time and at most one batch of
parsed records is held. Each batch is stored in its own transaction, so an import that is killed
keeps every batch it finished, and running it again stores only what is missing.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from replytime.ingestion.checkpoints import background_checkpoints
from replytime.ingestion.models import ImportRun
from replytime.ingestion.parallel import parsed_batches
from replytime.ingestion.store import RecordStore
from replytime.lib.headers import RecordFields, iter_fields
from replytime.mailboxes.connectors.base import HeaderRecord, RawMessage, Rejected
from replytime.mailboxes.connectors.files import detect_format
from replytime.mailboxes.models import Mailbox

log = logging.getLogger(__name__)

Progress = Callable[[int], None]


def parse_stream(
    raws: Iterable[RawMessage], *, pipermail: bool = False, list_address: str | None = None
) -> Iterator[HeaderRecord | Rejected]:
    """`parse_message` over a stream of messages, with the plausibility settings."""
    for fields in fields_stream(raws, pipermail=pipermail, list_address=list_address):
        yield fields if isinstance(fields, Rejected) else HeaderRecord(*fields)


def fields_stream(
    raws: Iterable[RawMessage], *, pipermail: bool = False, list_address: str | None = None
) -> Iterator[RecordFields | Rejected]:
    """Each message's HeaderRecord values as a plain tuple (`iter_fields`), or its Rejected,
    with the plausibility settings: what an import's parser process sends."""
    return iter_fields(
        raws,
        list_address=list_address,
        pipermail=pipermail,
        now=int(time.time()),
        min_year=settings.REPLYTIME_MIN_YEAR,
        max_future_days=settings.REPLYTIME_MAX_FUTURE_DAYS,
    )


def run_import(
    mailbox: Mailbox,
    paths: Sequence[Path],
    *,
    fmt: str = "auto",
    list_address: str | None = None,
    progress: Progress | None = None,
    update_metrics: bool = True,
) -> ImportRun:
    """Import mail files into `mailbox`; returns the finished ImportRun with its counts."""
    for path in paths:
        if not path.exists():
            raise ValueError(f"{path} does not exist")
    run = ImportRun.objects.create(
        account_id=mailbox.account_id,
        mailbox=mailbox,
        source="\n".join(str(p) for p in paths)[:10000],
    )
    pipermail = fmt == "pipermail" or list_address is not None or _all_pipermail(paths, fmt)
    try:
        with _few_collections():
            _store_all(mailbox, run, paths, fmt, pipermail, list_address, progress)
    except BaseException as exc:
        # The batches stored so far stay; the run says it did not finish.
        run.status = ImportRun.Status.FAILED
        run.error = type(exc).__name__
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    if update_metrics:
        _update_metrics(mailbox)
    run.status = ImportRun.Status.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    log.info("import %s finished: read=%d stored=%d", run.public_id, run.read, run.stored)
    return run


def _store_all(
    mailbox: Mailbox,
    run: ImportRun,
    paths: Sequence[Path],
    fmt: str,
    pipermail: bool,
    list_address: str | None,
    progress: Progress | None,
) -> None:
    """Parse in the parser processes and store their batches, one transaction each."""
    store = RecordStore(mailbox, run, remember_keys=True)
    batches = parsed_batches(
        paths,
        fmt=fmt,
        pipermail=pipermail,
        list_address=list_address,
        batch_size=settings.REPLYTIME_IMPORT_BATCH,
        processes=parser_processes(),
        # SQLite's store does its work in this process; PostgreSQL's mostly in the server, while
        # this process waits: there the parser processes have time to spare.
        prepare_in_parser=connection.vendor != "sqlite",
    )
    with background_checkpoints() as checkpoints:
        for records, rejected in batches:
            store.store_prepared(records, rejected)
            if checkpoints is not None:
                checkpoints.request()
            if progress:
                progress(len(records) + len(rejected))


@contextlib.contextmanager
def _few_collections() -> Iterator[None]:
    """Keep Python's cyclic garbage collector out of the way while an import runs.

    An import allocates millions of small tuples and strings (none in reference cycles), so the
    collector runs every 700 allocations, and its full collections walk every object the
    process holds, Django's hundreds of thousands included. Freezing what exists (before the
    parser processes fork, so they inherit it) and collecting the youngest generation every
    50,000 allocations gave 10 % more messages per second (docs/performance.md); both are
    undone at the end."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, before[1], before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def parser_processes() -> int:
    """How many parser processes an import starts (REPLYTIME_IMPORT_PARSERS; 0 = automatic).
    Automatic leaves a core to the store: on two cores a second parser only takes CPU time from
    the store (measured: docs/performance.md)."""
    wanted = int(settings.REPLYTIME_IMPORT_PARSERS)
    if wanted > 0:
        return wanted
    return max(1, min(4, (os.cpu_count() or 1) - 1))


def _all_pipermail(paths: Sequence[Path], fmt: str) -> bool:
    """Mailman archives found by detection get their addresses restored like --format pipermail."""
    return fmt == "auto" and all(detect_format(p) == "pipermail" for p in paths)


def _update_metrics(mailbox: Mailbox) -> None:
    """Bring conversations and facts up to date with the records just stored."""
    try:
        from replytime.metrics.service import update_account
    except ImportError:  # the metrics engine is optional while it is being built
        return
    update_account(mailbox.account)


def is_terminal() -> bool:
    return sys.stderr.isatty()
