"""Loading the generated demo organisation (replytime.demo) into an account.

Used by `replytime demo` (about 20 mailboxes, six months) and by the web benchmark (200
mailboxes, a year, a million records). Records go through the real pipeline: RecordStore in
batches, then a full metrics rebuild, so the dashboards show what a real import would.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from replytime.demo import DemoAccount, build_account, generate_records
from replytime.ingestion.store import RecordStore
from replytime.mailboxes.connectors.base import HeaderRecord
from replytime.mailboxes.models import Mailbox
from replytime.mailboxes.services import add_mailbox
from replytime.metrics.schedules import set_schedule
from replytime.metrics.service import recompute_account
from replytime.tenancy.models import Account
from replytime.tenancy.services import create_account, create_team

# The working hours the generator's people keep; the account schedule says the same.
DEMO_HOURS = "mon-fri 09:00-17:30"
_BATCH = 2000

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DemoSize:
    """How much demo data to generate: mailboxes, days up to `end`, records per mailbox-day."""

    mailboxes: int = 20
    days: int = 182
    rate: float = 12.0
    seed: int = 7


def _quiet(_: str) -> None:
    return None


def create_demo_account(name: str, demo: DemoAccount) -> tuple[Account, dict[str, Mailbox]]:
    """The account with the demo's teams, mailboxes, aliases and schedule (no records)."""
    with transaction.atomic():
        account = create_account(
            name, internal_domains=demo.internal_domains, timezone=demo.timezone
        )
        for team in demo.teams:
            create_team(
                account, team.name, addresses=team.addresses, goal_seconds=team.goal_seconds
            )
        boxes = {
            m.address: add_mailbox(
                account, m.address, name=m.name, aliases=m.aliases, teams=m.teams
            )
            for m in demo.mailboxes
        }
        set_schedule(
            account, timezone=demo.timezone, hours=DEMO_HOURS, holidays=demo.holiday_country
        )
    return account, boxes


def load_demo(
    name: str, *, end: int, size: DemoSize | None = None, progress: Progress = _quiet
) -> Account:
    """Create account `name` filled with generated mail up to `end` (epoch s), with its facts."""
    size = size or DemoSize()
    demo = build_account(seed=size.seed, mailboxes=size.mailboxes, name=name)
    account, boxes = create_demo_account(name, demo)
    started = time.perf_counter()
    stored = store_records(
        boxes,
        generate_records(
            demo, seed=size.seed, end=end, days=size.days, messages_per_mailbox_day=size.rate
        ),
        progress,
    )
    progress(f"stored {stored:,} records in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    recompute_account(account)
    progress(f"computed the metrics in {time.perf_counter() - started:.0f} s")
    return account


def store_records(
    boxes: dict[str, Mailbox],
    records: object,
    progress: Progress = _quiet,
) -> int:
    """Store (mailbox address, HeaderRecord) pairs through RecordStore, batched per mailbox."""
    stores = {address: RecordStore(box) for address, box in boxes.items()}
    pending: dict[str, list[HeaderRecord]] = {}
    total = 0
    for address, record in records:  # type: ignore[attr-defined]
        batch = pending.setdefault(address, [])
        batch.append(record)
        total += 1
        if len(batch) >= _BATCH:
            stores[address].store(pending.pop(address))
        if total % 100_000 == 0:
            progress(f"{total:,} records generated")
    for address, batch in pending.items():
        stores[address].store(batch)
    return total
