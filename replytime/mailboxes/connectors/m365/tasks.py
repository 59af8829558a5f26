"""Background tasks of the Microsoft 365 connector (django_tasks API): they take ids only."""

from __future__ import annotations

from django_tasks import task

from replytime.mailboxes.connectors.base import ConnectorError
from replytime.mailboxes.models import MailboxConnection


@task()
def ensure_subscriptions(connection_id: int) -> int:
    """Create or renew the Graph subscriptions of one connection; returns how many changed."""
    from replytime.mailboxes.connectors.m365.push import ensure

    conn = MailboxConnection.objects.select_related("mailbox").filter(pk=connection_id).first()
    if conn is None:
        return 0
    try:
        return ensure(conn)
    except ConnectorError:
        return 0  # polling keeps the mailbox in sync; the next tick tries again


@task()
def lifecycle_event(subscription_pk: int, event: str) -> None:
    from replytime.mailboxes.connectors.m365.push import handle_lifecycle

    handle_lifecycle(subscription_pk, event)
