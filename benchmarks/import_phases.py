"""One phase of the import benchmark, run in its own process; prints one JSON line."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import peak_rss_mb

FIELDS = ("From", "To", "Cc", "Date", "Subject", "Message-ID", "In-Reply-To", "References")


def raw(files: list[Path]) -> dict:
    """The raw limit: only read each message's header block bytes."""
    from replytime.mailboxes.connectors.files import iter_messages

    n = size = 0
    for message in iter_messages(files, "pipermail"):
        n += 1
        size += len(message.header)
    return {"messages": n, "header_bytes": size}


def naive(files: list[Path]) -> dict:
    """The naive approach: the standard library parser, headers only, storing nothing."""
    import email.policy
    from email.parser import BytesParser

    from replytime.mailboxes.connectors.files import iter_messages

    parser = BytesParser(policy=email.policy.default)
    n = 0
    for message in iter_messages(files, "pipermail"):
        parsed = parser.parsebytes(message.header, headersonly=True)
        for name in FIELDS:
            # Real-world garbage makes the stdlib raise; the naive way just skips that header.
            with contextlib.suppress(Exception):
                str(parsed.get(name, ""))
        n += 1
    return {"messages": n}


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "replytime.settings")
    import django

    django.setup()


def parse_only(files: list[Path]) -> dict:
    """Our reader and parser, storing nothing."""
    _django()
    from replytime.ingestion.pipeline import parse_stream
    from replytime.mailboxes.connectors.files import iter_messages

    n = 0
    for _ in parse_stream(
        iter_messages(files, "pipermail"), pipermail=True, list_address="r@r.test"
    ):
        n += 1
    return {"messages": n}


def store(files: list[Path]) -> dict:
    """Parse and store into the database named by DATABASE_URL (a fresh one)."""
    _django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from replytime.ingestion.pipeline import run_import
    from replytime.mailboxes.services import add_mailbox
    from replytime.tenancy.services import create_account

    account = create_account("bench", timezone="UTC")
    mailbox = add_mailbox(account, "r-list@r-project.test", name="R lists")
    started = time.perf_counter()
    run = run_import(
        mailbox, files, fmt="pipermail", list_address="r-list@r-project.test", update_metrics=False
    )
    return {
        # The import itself, like the other phases' reading: not the interpreter's start, Django's
        # set-up or the creation of the empty schema (reported apart as setup_seconds).
        "import_seconds": time.perf_counter() - started,
        "messages": run.read,
        "stored": run.stored,
        "duplicates": run.duplicates,
        "rejected": run.rejected,
    }


PHASES = {"raw": raw, "naive": naive, "parse": parse_only, "store": store}


def main() -> None:
    phase, listing = sys.argv[1], Path(sys.argv[2])
    files = [Path(line) for line in listing.read_text().splitlines() if line]
    with tempfile.TemporaryDirectory() as data:
        os.environ.setdefault("REPLYTIME_DATA", data)
        started = time.perf_counter()
        figures = PHASES[phase](files)
        elapsed = time.perf_counter() - started
    timed = figures.pop("import_seconds", elapsed)
    if timed != elapsed:
        figures["setup_seconds"] = round(elapsed - timed, 2)
    figures.update(seconds=round(timed, 2), peak_rss_mb=round(peak_rss_mb(), 1))
    figures["per_second"] = round(figures["messages"] / timed) if timed else None
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
