"""The metrics benchmark on one database, in its own process; prints one JSON line.

The R lists (r-help headers-only and r-devel, about 250k messages) as one shared mailbox:
the list address, with the ten most active posters as aliases (the "core members"), so that
questions from others are inbound and the core members' answers are replies.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from benchmarks._common import peak_rss_mb

LIST = "r-lists@r-project.test"
INCREMENT = 1000


def _parsed(files: list[Path]) -> Iterator:
    from replytime.ingestion.pipeline import parse_stream
    from replytime.mailboxes.connectors.files import iter_messages

    return parse_stream(iter_messages(files, "pipermail"), pipermail=True, list_address=LIST)


def _store(store, items: Iterator, batch: int = 5000) -> None:
    while chunk := list(islice(items, batch)):
        store.store(chunk)


def main() -> None:
    files = [Path(p) for p in Path(sys.argv[1]).read_text().splitlines() if p]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "replytime.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from replytime.ingestion.models import Record
    from replytime.ingestion.store import RecordStore
    from replytime.mailboxes.connectors.base import HeaderRecord
    from replytime.mailboxes.services import add_mailbox
    from replytime.metrics.report import build_report
    from replytime.metrics.service import recompute_account, update_account
    from replytime.tenancy.services import create_account

    posters: Counter[str] = Counter()
    total = 0
    for item in _parsed(files):
        total += 1
        if isinstance(item, HeaderRecord) and item.from_addr:
            posters[item.from_addr] += 1
    core = [address for address, _ in posters.most_common(10)]
    account = create_account("rlists", internal_domains=["r-project.test"])
    mailbox = add_mailbox(account, LIST, name="R lists", aliases=core)
    store = RecordStore(mailbox)
    items = _parsed(files)
    _store(store, islice(items, total - INCREMENT))
    figures: dict[str, object] = {"messages": total, "records_before": Record.objects.count()}

    started = time.perf_counter()
    result = recompute_account(account)
    figures["full_rebuild_s"] = round(time.perf_counter() - started, 2)
    figures["conversations"] = len(result.conversations)
    figures["facts"] = len(result.facts)
    figures["rss_after_rebuild_mb"] = round(peak_rss_mb(), 1)
    del result

    started = time.perf_counter()
    _store(store, items)
    figures["store_1000_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    figures["incremental_records"] = update_account(account)
    figures["incremental_update_s"] = round(time.perf_counter() - started, 2)

    timings = []
    for _ in range(5):
        started = time.perf_counter()
        json.dumps(build_report(account))
        timings.append(time.perf_counter() - started)
    figures["report_json_s"] = round(sorted(timings)[len(timings) // 2], 3)
    figures["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as data:
        os.environ.setdefault("REPLYTIME_DATA", data)
        main()
