"""One sync run of a claimed connection: pages → store (page and cursor in one transaction) →
metrics update → status.

Crash safety comes from the order of writes: a page's records and the cursor after them commit
together, so a run killed at any point resumes from the last committed cursor, and the store's
idempotency (provider id, Message-ID, fingerprint) makes a replayed page harmless. Records
stored but not yet folded into the metrics stay marked dirty, and the next run's metrics update
picks them up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from replytime.ingestion.models import ImportRun
from replytime.ingestion.store import RecordStore
from replytime.mailboxes.connectors.base import (
    BudgetExhausted,
    Connector,
    ConnectorError,
    RequestBudget,
    SyncPage,
)
from replytime.mailboxes.models import MailboxConnection
from replytime.mailboxes.sync.backoff import backoff_delay, next_retry_delay
from replytime.mailboxes.sync.connections import keep_refreshed_secrets, open_connector
from replytime.mailboxes.sync.scheduler import lease_end

log = logging.getLogger(__name__)
Sleep = Callable[[float], None]
# Longest wait for a retry inside a run; longer hints end the run and reschedule it instead.
_MAX_INLINE_WAIT = 30.0


class ClaimLost(Exception):
    """Another run holds the connection now (our lease expired): stop without writing."""


@dataclass
class SyncOutcome:
    """What one run did; `status` is done, partial (budget used, continues soon), failed
    (will retry), paused (permanent error) or lost (claim lost)."""

    mailbox_id: int
    status: str = "done"
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    pages: int = 0
    requests: int = 0
    metrics_updated: int = 0
    error: str = ""
    action: str = ""
    retry_after: float | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def run_sync(connection_id: int, claim: str, *, attempts: int = 3, sleep: Sleep = time.sleep) -> SyncOutcome:  # fmt: skip
    """Run the sync of a connection claimed with `claim` (see scheduler.claim)."""
    conn = (
        MailboxConnection.objects.select_related("mailbox", "account")
        .filter(pk=connection_id, claim=claim)
        .first()
    )
    if conn is None:
        return SyncOutcome(mailbox_id=0, status="lost")
    outcome = SyncOutcome(conn.mailbox_id)
    budget = RequestBudget(settings.REPLYTIME_SYNC_MAX_REQUESTS)
    run = ImportRun.objects.create(
        account_id=conn.account_id, mailbox=conn.mailbox, source=f"sync:{conn.kind}"
    )
    connector: Connector | None = None
    try:
        connector = open_connector(conn, budget)
        _pages(conn, claim, connector, RecordStore(conn.mailbox, run), outcome, attempts, sleep)
    except BudgetExhausted:
        outcome.status = "partial"
    except ClaimLost:
        outcome.status = "lost"
    except ConnectorError as exc:
        outcome.status = "paused" if exc.permanent else "failed"
        outcome.error, outcome.action = exc.message, exc.action
        outcome.retry_after = exc.retry_after
    finally:
        if connector is not None:
            keep_refreshed_secrets(conn, connector)
            connector.close()
    outcome.requests = budget.spent
    outcome.metrics_updated = _update_metrics(conn)
    _finish(conn, claim, run, outcome)
    log.info(
        "sync mailbox=%d status=%s stored=%d duplicates=%d rejected=%d pages=%d requests=%d",
        outcome.mailbox_id, outcome.status, outcome.stored, outcome.duplicates,
        outcome.rejected, outcome.pages, outcome.requests,
    )  # fmt: skip
    return outcome


def _pages(
    conn: MailboxConnection,
    claim: str,
    connector: Connector,
    store: RecordStore,
    outcome: SyncOutcome,
    attempts: int,
    sleep: Sleep,
) -> None:
    cursor = conn.cursor or None
    while True:
        page = _fetch(connector, cursor, attempts, sleep)
        _commit(conn, claim, store, page, outcome)
        cursor = page.cursor
        if not page.more:
            return


def _fetch(connector: Connector, cursor: str | None, attempts: int, sleep: Sleep) -> SyncPage:
    """One page, retrying transient errors with exponential back-off and jitter."""
    for attempt in range(attempts):
        try:
            return connector.fetch_page(cursor)
        except ConnectorError as exc:
            wait = exc.retry_after if exc.retry_after is not None else backoff_delay(attempt)
            if exc.permanent or attempt == attempts - 1 or wait > _MAX_INLINE_WAIT:
                raise
            sleep(wait)
    raise AssertionError("unreachable")


def _commit(
    conn: MailboxConnection, claim: str, store: RecordStore, page: SyncPage, outcome: SyncOutcome
) -> None:
    with transaction.atomic():
        counts = store.store(page.items)
        held = MailboxConnection.objects.filter(pk=conn.pk, claim=claim).update(
            cursor=page.cursor, next_sync_at=lease_end(timezone.now())
        )
        if not held:
            raise ClaimLost  # rolls the page back: the run that holds the claim stores it
    outcome.pages += 1
    outcome.stored += counts.stored
    outcome.duplicates += counts.duplicates
    outcome.rejected += counts.rejected


def _update_metrics(conn: MailboxConnection) -> int:
    try:
        from replytime.metrics.service import update_account
    except ImportError:  # the metrics engine is optional while it is being built
        return 0
    try:
        return update_account(conn.account)
    except Exception:
        # The records are stored and stay dirty: the next run's update folds them in.
        log.exception("metrics update after sync of mailbox %d failed", conn.mailbox_id)
        return 0


def _finish(conn: MailboxConnection, claim: str, run: ImportRun, outcome: SyncOutcome) -> None:
    now = timezone.now()
    interval = conn.interval_seconds or settings.REPLYTIME_SYNC_INTERVAL
    values: dict[str, object] = {"claim": "", "last_sync_at": now, "last_stored": outcome.stored}
    if outcome.status in ("done", "partial"):
        later = now if outcome.status == "partial" else now + timedelta(seconds=interval)
        values.update(
            last_success_at=now, failures=0, last_error="", error_action="", next_sync_at=later
        )
    elif outcome.status == "paused":
        values.update(
            state=MailboxConnection.State.PAUSED, next_sync_at=None, last_error=outcome.error,
            error_action=outcome.action, last_error_at=now, failures=conn.failures + 1,
        )  # fmt: skip
    elif outcome.status == "failed":
        delay = next_retry_delay(conn.failures, outcome.retry_after, interval=interval)
        values.update(
            next_sync_at=now + timedelta(seconds=delay), last_error=outcome.error,
            error_action="", last_error_at=now, failures=conn.failures + 1,
        )  # fmt: skip
    if outcome.status != "lost":
        MailboxConnection.objects.filter(pk=conn.pk, claim=claim).update(**values)
    ok = outcome.status in ("done", "partial")
    run.status = ImportRun.Status.DONE if ok else ImportRun.Status.FAILED
    run.error = outcome.error[:1000] or ("" if ok else outcome.status)
    run.finished_at = now
    run.save(update_fields=["status", "error", "finished_at"])
