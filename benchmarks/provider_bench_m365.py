"""Microsoft 365 connector benchmark against the fake Graph, with Outlook's documented limits
imposed (4 concurrent requests and 10,000 requests per 10 minutes per app per mailbox).

Figures: HTTP requests per 1,000 messages, bytes per message, wall time of an initial sync of
20,000 messages and of an incremental sync of 200, and the ratio of the quota-limited minimum
time to the measured time (1.0 = as fast as the request quota allows). Runs in a scratch SQLite
database: `python -m benchmarks.provider_bench_m365`.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

INITIAL, INCREMENTAL = 20_000, 200
QUOTA, WINDOW = 10_000, 600.0


def _django(data: Path) -> None:
    os.environ.update(REPLYTIME_DATA=str(data), DATABASE_URL="", KEYSTORE_DATABASE_URL="")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "replytime.settings")
    import django

    django.setup()
    from django.core.management import call_command

    for alias in ("default", "keystore"):
        call_command("migrate", database=alias, verbosity=0)


def _run(fake: Any, mailbox: Any) -> dict[str, float]:
    from replytime.mailboxes.sync.runner import run_sync
    from replytime.mailboxes.sync.scheduler import claim

    before_log = len(fake.log)
    started = time.perf_counter()
    outcome = run_sync(mailbox.connection.pk, claim(mailbox.connection.pk, force=True))
    wall = time.perf_counter() - started
    graph = [r for r in fake.log[before_log:] if r.path.startswith("/v1.0/")]
    total = len(fake.log) - before_log
    messages = max(1, outcome.stored)
    quota_time = total / (QUOTA / WINDOW)
    return {
        "status": outcome.status, "messages": outcome.stored, "requests": total,
        "graph_requests": len(graph), "requests_per_1000": round(total * 1000 / messages, 2),
        "bytes_per_message": round(sum(r.size for r in graph) / messages, 1),
        "wall_seconds": round(wall, 2), "quota_limited_seconds": round(quota_time, 2),
        "ratio_to_quota_limited_max": round(min(1.0, quota_time / wall), 3) if wall else 0.0,
        "throttled": fake.throttle.refused,
    }  # fmt: skip


def bench_m365() -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="replytime-m365-bench-"))
    _django(scratch / "data")
    from django.conf import settings

    from replytime.mailboxes.connectors.m365.tests import conftest
    from replytime.mailboxes.connectors.m365.tests.fake_corpus import synthetic
    from replytime.mailboxes.connectors.m365.tests.fake_graph import FakeGraph

    fake = FakeGraph(scratch / "fake").start()
    try:
        fake.register_app(conftest.CLIENT_ID, conftest.SECRET, {conftest.REDIRECT},
                          conftest.APP_ROLES)  # fmt: skip
        fake.throttle.latency = float(os.environ.get("BENCH_GRAPH_LATENCY", "0.05"))
        settings.REPLYTIME_M365 = fake.options()
        settings.REPLYTIME_SYNC_MAX_REQUESTS = 100_000
        user = conftest.new_user(fake)
        start = datetime(2024, 1, 1, tzinfo=UTC)
        conftest.fill(
            fake,
            user,
            synthetic(user.mail, INITIAL * 2 // 3, start=start, sent=False),
            synthetic(user.mail, INITIAL - INITIAL * 2 // 3, start=start, sent=True),
        )
        mailbox = conftest.connect_app(fake, user, account_name="bench")
        initial = _run(fake, mailbox)
        later = datetime(2024, 6, 1, tzinfo=UTC)
        for message in synthetic(user.mail, INCREMENTAL, start=later, sent=False, seed=7):
            fake.mail.deliver(user.id, "inbox", message)
        incremental = _run(fake, mailbox)
    finally:
        fake.stop()
    return {"provider": "m365", "page_size": settings.REPLYTIME_M365["page_size"],
            "latency_seconds": fake.throttle.latency, "initial": initial,
            "incremental": incremental}  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(bench_m365(), indent=2))
