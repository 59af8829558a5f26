"""Gmail connector benchmark against the fake Google, with Gmail's documented per-user quota
imposed (250 units per user per second on average, enforced as 15,000 units per moving
minute; messages.list and messages.get cost 5 units, history.list 2, getProfile 1).

Figures: HTTP requests per 1,000 messages, bytes per message (request and answer bodies),
wall time of an initial sync of 20,000 messages and of an incremental sync of 200 (through the
real sync runner, storage and metrics update included), and the ratio of the quota-limited
minimum time (units used / 250 per second) to the measured time (1.0 = as fast as the quota
allows). The connector paces itself at 95% of the quota, so about 0.95 is the ceiling.

    python -m benchmarks.provider_bench_gmail

BENCH_GMAIL_SCALE=10 multiplies the quota (fake and connector alike) for a quicker run; the
ratio stays comparable. BENCH_GMAIL_LATENCY adds seconds per round trip (default 0.05).
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

INITIAL, INCREMENTAL = 20_000, 200
UNITS_PER_SECOND = 250.0
ADDRESS = "bench@acme.example"


def _django(data: Path) -> None:
    os.environ.update(REPLYTIME_DATA=str(data), DATABASE_URL="", KEYSTORE_DATABASE_URL="")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "replytime.settings")
    import django

    django.setup()
    from django.core.management import call_command

    for alias in ("default", "keystore"):
        call_command("migrate", database=alias, verbosity=0)


def _units(fake: Any, since: int) -> int:
    from replytime.mailboxes.connectors.gmail.tests.fake_gmail import UNITS

    return sum(UNITS.get(e.api, 0) for e in fake.log[since:] if e.status == 200)


def _run(fake: Any, mailbox: Any, rate: float) -> dict[str, Any]:
    from replytime.mailboxes.sync.runner import run_sync
    from replytime.mailboxes.sync.scheduler import claim

    since = len(fake.log)
    started = time.perf_counter()
    outcomes = []
    while not outcomes or outcomes[-1].status == "partial":
        outcomes.append(run_sync(mailbox.connection.pk, claim(mailbox.connection.pk, force=True)))
    wall = time.perf_counter() - started
    outer = [e for e in fake.log[since:] if not e.in_batch]
    stored = max(1, sum(o.stored for o in outcomes))
    quota_seconds = _units(fake, since) / rate
    return {
        "status": outcomes[-1].status, "runs": len(outcomes), "messages": stored,
        "requests": len(outer), "requests_per_1000": round(len(outer) * 1000 / stored, 2),
        "bytes_per_message": round(sum(e.bytes_in + e.bytes_out for e in outer) / stored, 1),
        "answer_bytes_per_message": round(sum(e.bytes_out for e in outer) / stored, 1),
        "wall_seconds": round(wall, 2), "quota_units": _units(fake, since),
        "quota_limited_seconds": round(quota_seconds, 2),
        "ratio_to_quota_limited_max": round(min(1.0, quota_seconds / wall), 3) if wall else 0.0,
        "refused_by_quota": len([e for e in fake.log[since:] if e.status in (403, 429)]),
    }  # fmt: skip


def bench_gmail() -> dict[str, Any]:
    scale = float(os.environ.get("BENCH_GMAIL_SCALE", "1"))
    scratch = Path(tempfile.mkdtemp(prefix="replytime-gmail-bench-"))
    _django(scratch / "data")
    from django.conf import settings

    from replytime.mailboxes.connectors.gmail.tests.conftest import grant
    from replytime.mailboxes.connectors.gmail.tests.corpus import synthetic
    from replytime.mailboxes.connectors.gmail.tests.fake_gmail import FakeGoogle
    from replytime.mailboxes.sync.connections import save_connection
    from replytime.testing import make_account, make_mailbox

    rate = UNITS_PER_SECOND * scale
    fake = FakeGoogle().start()
    try:
        fake.latency = float(os.environ.get("BENCH_GMAIL_LATENCY", "0.05"))
        fake.quota_rate, fake.quota_window = rate, 60.0
        options = fake.options(units_per_second=rate, backoff_base=1.0, max_inline_wait=30.0)
        settings.REPLYTIME_GMAIL = dataclasses.asdict(options)
        settings.REPLYTIME_SYNC_MAX_REQUESTS = 100_000
        box = fake.add_user(ADDRESS)
        synthetic(box, INITIAL, start=1_760_000_000)
        mailbox = make_mailbox(make_account("bench", internal_domains=["acme.example"]), ADDRESS)
        client, refresh = grant(fake, ADDRESS)
        params = {"auth": "oauth", "user": ADDRESS, "client_id": client.client_id}
        save_connection(mailbox, "gmail", params,
                        {"refresh_token": refresh, "client_secret": client.secret})  # fmt: skip
        fake.reset_log()
        initial = _run(fake, mailbox, rate)
        synthetic(box, INCREMENTAL, seed=7, start=1_790_000_000, record=True)
        incremental = _run(fake, mailbox, rate)
    finally:
        fake.stop()
    return {"provider": "gmail", "quota_units_per_user_second": rate, "quota_scale": scale,
            "batch_size": options.batch_size, "latency_seconds": fake.latency,
            "body_requests": len(fake.body_requests()), "initial": initial,
            "incremental": incremental}  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(bench_gmail(), indent=2))
