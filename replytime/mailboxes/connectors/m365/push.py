"""Graph change notifications: subscriptions per folder, renewal, and what a notification does.

A notification never fetches mail: it checks clientState and makes the mailbox's sync due now
(the delta query then reads what changed). Polling stays the safety net for lost
notifications. Subscriptions ask for `created` on Inbox and Sent Items, expire after
REPLYTIME_M365["subscription_minutes"] (Graph allows at most 10,080 for mail), and are renewed
by the scheduler hook `renew_due` before `renew_before_minutes` remain. Lifecycle events:
reauthorizationRequired renews, subscriptionRemoved recreates, missed runs a delta sync.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from replytime.mailboxes.connectors.base import ConnectorError, RequestBudget
from replytime.mailboxes.connectors.m365.connector import M365Connector
from replytime.mailboxes.connectors.m365.graph import GraphError
from replytime.mailboxes.connectors.m365.models import GraphSubscription, M365App
from replytime.mailboxes.connectors.m365.records import FOLDERS
from replytime.mailboxes.models import MailboxConnection
from replytime.mailboxes.sync.connections import keep_refreshed_secrets, open_connector
from replytime.mailboxes.sync.scheduler import start_now

log = logging.getLogger(__name__)
_CLAIM = timedelta(minutes=5)


def digest(client_state: str) -> str:
    return hashlib.sha256(client_state.encode()).hexdigest()


def state_matches(sub: GraphSubscription, client_state: object) -> bool:
    if not isinstance(client_state, str):
        return False
    return hmac.compare_digest(sub.client_state_digest, digest(client_state))


def notification_urls() -> tuple[str, str] | None:
    """(notificationUrl, lifecycleNotificationUrl), or None when they cannot be https."""
    base = settings.REPLYTIME_M365.get("notification_base_url") or settings.REPLYTIME_BASE_URL
    if not base.startswith("https://"):
        return None
    return base + reverse("rt-m365-notify"), base + reverse("rt-m365-lifecycle")


def _expiry() -> str:
    minutes = int(settings.REPLYTIME_M365.get("subscription_minutes") or 4230)
    when = timezone.now() + timedelta(minutes=minutes)
    return when.strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


def push_wanted(conn: MailboxConnection) -> bool:
    app = M365App.objects.filter(account_id=conn.account_id).first()
    return (
        conn.kind == "m365"
        and conn.state == MailboxConnection.State.ACTIVE
        and (app is None or app.push)
        and notification_urls() is not None
    )


def ensure(conn: MailboxConnection) -> int:
    """Create missing subscriptions and renew expiring ones; returns how many changed.

    Graph's validation handshake calls our notification URL during the create, so this runs
    in a worker (a task), never inside a web request that the handshake would wait on.
    """
    urls = notification_urls()
    if urls is None or not push_wanted(conn):
        return 0
    connector = open_connector(conn, RequestBudget(20))
    assert isinstance(connector, M365Connector)
    changed = 0
    try:
        for folder in FOLDERS:
            changed += _ensure_folder(conn, connector, folder, urls)
    finally:
        keep_refreshed_secrets(conn, connector)
        connector.close()
    return changed


def _ensure_folder(
    conn: MailboxConnection, connector: M365Connector, folder: str, urls: tuple[str, str]
) -> int:
    sub = GraphSubscription.objects.filter(connection=conn, folder=folder).first()
    soon = timezone.now() + timedelta(
        minutes=int(settings.REPLYTIME_M365.get("renew_before_minutes") or 720)
    )
    if sub is not None and sub.expires_at > soon:
        return 0
    if sub is not None and renew(connector, sub):
        return 1
    create(conn, connector, folder, urls)
    return 1


def renew(connector: M365Connector, sub: GraphSubscription) -> bool:
    """PATCH the expiry; False when Graph no longer knows the subscription (recreate it)."""
    expiry = _expiry()
    try:
        answer = connector.graph().request(
            "PATCH", f"subscriptions/{sub.subscription_id}", body={"expirationDateTime": expiry}
        )
    except GraphError as exc:
        if exc.status == 404:
            sub.delete()
            return False
        raise
    sub.expires_at = _parse(answer.json().get("expirationDateTime") or expiry)
    sub.renew_claim_at = None
    sub.save(update_fields=["expires_at", "renew_claim_at"])
    return True


def create(
    conn: MailboxConnection, connector: M365Connector, folder: str, urls: tuple[str, str]
) -> GraphSubscription:
    client_state = secrets.token_urlsafe(48)  # under Graph's 128-character limit
    body = {
        "changeType": "created",
        "notificationUrl": urls[0],
        "lifecycleNotificationUrl": urls[1],
        "resource": f"{connector.user_path}/mailFolders('{folder}')/messages",
        "expirationDateTime": _expiry(),
        "clientState": client_state,
        "latestSupportedTlsVersion": "v1_2",
    }
    answer = connector.graph().request("POST", "subscriptions", body=body).json()
    with transaction.atomic():
        GraphSubscription.objects.filter(connection=conn, folder=folder).delete()
        return GraphSubscription.objects.create(
            connection=conn, folder=folder, subscription_id=answer["id"],
            client_state_digest=digest(client_state),
            expires_at=_parse(answer["expirationDateTime"]),
        )  # fmt: skip


def _parse(text: str) -> datetime:
    """A Graph DateTimeOffset with up to 7 fractional digits ("...45.9356913Z")."""
    base = text.rstrip("Z").split(".")[0]
    return datetime.fromisoformat(base).replace(tzinfo=UTC)


# -- notifications ---------------------------------------------------------------------------


def accept(items: list[Any], *, lifecycle: bool) -> tuple[int, int]:
    """Check each notification's clientState and act; returns (accepted, rejected).

    A change notification only makes the sync due now. Lifecycle events are queued for a
    worker (renewing calls Graph, which must not hold up the answer to Graph).
    """
    accepted = rejected = 0
    for item in items:
        if not isinstance(item, dict):
            rejected += 1
            continue
        sub = (
            GraphSubscription.objects.select_related("connection")
            .filter(subscription_id=str(item.get("subscriptionId") or ""))
            .first()
        )
        if sub is None or not state_matches(sub, item.get("clientState")):
            rejected += 1
            continue
        accepted += 1
        GraphSubscription.objects.filter(pk=sub.pk).update(last_notified_at=timezone.now())
        event = str(item.get("lifecycleEvent") or "") if lifecycle else ""
        if event in ("reauthorizationRequired", "subscriptionRemoved"):
            from replytime.mailboxes.connectors.m365.tasks import lifecycle_event

            lifecycle_event.enqueue(sub.pk, event)
        if event != "reauthorizationRequired":
            start_now(sub.connection_id)  # a change, `missed`, or a removed subscription
    if rejected:
        log.warning("m365: %d notification(s) with an unknown subscription or a wrong "
                    "clientState were dropped", rejected)  # fmt: skip
    return accepted, rejected


def handle_lifecycle(sub_id: int, event: str) -> None:
    """Worker side of a lifecycle event: renew (reauthorize) or recreate the subscription."""
    sub = GraphSubscription.objects.select_related("connection__mailbox").filter(pk=sub_id).first()
    urls = notification_urls()
    if sub is None or urls is None:
        return
    conn = sub.connection
    connector = open_connector(conn, RequestBudget(20))
    assert isinstance(connector, M365Connector)
    try:
        if event == "subscriptionRemoved" or not renew(connector, sub):
            create(conn, connector, sub.folder, urls)
    except ConnectorError as exc:
        log.warning("m365 mailbox %d: subscription %s failed: %s", conn.mailbox_id, event,
                    exc.message)  # fmt: skip
    finally:
        keep_refreshed_secrets(conn, connector)
        connector.close()


def renew_due() -> int:
    """Scheduler hook: queue a renewal for connections whose subscriptions expire soon or are
    missing. Cheap when nothing is due (two indexed queries); a short claim keeps several
    schedulers from queueing the same work."""
    if notification_urls() is None:
        return 0
    from replytime.mailboxes.connectors.m365.tasks import ensure_subscriptions

    now = timezone.now()
    soon = now + timedelta(minutes=int(settings.REPLYTIME_M365.get("renew_before_minutes") or 720))
    active = MailboxConnection.objects.filter(kind="m365", state=MailboxConnection.State.ACTIVE)
    covered = GraphSubscription.objects.filter(expires_at__gt=soon).values("connection_id")
    claimed = GraphSubscription.objects.filter(renew_claim_at__gt=now - _CLAIM).values(
        "connection_id"
    )
    due = active.exclude(pk__in=covered).exclude(pk__in=claimed).values_list("pk", flat=True)
    queued = 0
    for pk in list(due[:100]):
        with transaction.atomic():
            GraphSubscription.objects.filter(connection_id=pk).update(renew_claim_at=now)
            ensure_subscriptions.enqueue(pk)
            queued += 1
    return queued
