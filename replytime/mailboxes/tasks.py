"""Background tasks (django_tasks API). Thin: they take ids and call the sync service."""

from __future__ import annotations

from django_tasks import task

from replytime.mailboxes.sync.runner import run_sync


@task()
def sync_mailbox(connection_id: int, claim: str) -> dict[str, object]:
    """One sync run of a claimed connection; the result holds counts only."""
    return run_sync(connection_id, claim).as_dict()
