"""Change-notification subscriptions of the fake Graph (POST/PATCH/DELETE /subscriptions).

Creating a subscription runs the validation handshake against notificationUrl (and
lifecycleNotificationUrl): a POST with `?validationToken=...` that must be answered 200,
text/plain, with the token as body, within 10 seconds; otherwise the create fails with 400 like
Graph. `notify` and `lifecycle` deliver the notification payloads Graph would send.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from replytime.mailboxes.connectors.m365.tests.fake_mail import iso, parse_iso

# (url, json body or None, validation token or None) -> (status, content type, text)
Deliver = Callable[[str, Any, "str | None"], tuple[int, str, str]]
CHANGE_TYPES = frozenset({"created", "updated", "deleted"})
MAX_MINUTES = 10080  # Outlook messages, basic notifications


def http_deliver(url: str, payload: Any, token: str | None) -> tuple[int, str, str]:
    """Deliver over real HTTP (a replytime started with `serve`)."""
    target = f"{url}?validationToken={quote(token)}" if token is not None else url
    answer = (
        httpx.post(target, json=payload, timeout=10.0)
        if payload is not None
        else (httpx.post(target, timeout=10.0))
    )
    return answer.status_code, answer.headers.get("content-type", ""), answer.text


@dataclass
class Subscription:
    id: str
    resource: str
    change_type: str
    notification_url: str
    lifecycle_url: str | None
    client_state: str | None
    expires: datetime
    client_id: str
    user_id: str

    def as_json(self, base: str) -> dict[str, Any]:
        return {
            "@odata.context": f"{base}/$metadata#subscriptions/$entity",
            "id": self.id, "resource": self.resource, "applicationId": self.client_id,
            "changeType": self.change_type, "clientState": self.client_state,
            "notificationUrl": self.notification_url,
            "lifecycleNotificationUrl": self.lifecycle_url,
            "expirationDateTime": iso(self.expires), "creatorId": str(uuid.uuid4()),
            "includeResourceData": False, "latestSupportedTlsVersion": "v1_2",
            "encryptionCertificate": None, "encryptionCertificateId": None,
            "notificationQueryOptions": None, "notificationUrlAppId": None,
        }  # fmt: skip


class Subscriptions:
    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.items: dict[str, Subscription] = {}
        self.deliver: Deliver = http_deliver
        self.max_minutes = MAX_MINUTES
        self.lock = threading.Lock()
        self.deliveries: list[tuple[str, Any, int]] = []

    def _handshake(self, url: str) -> bool:
        token = secrets.token_urlsafe(24) + " +/&="  # characters that must survive encoding
        started = time.monotonic()
        try:
            status, ctype, text = self.deliver(url, None, token)
        except Exception:
            return False
        quick = time.monotonic() - started < 10
        return quick and status == 200 and ctype.startswith("text/plain") and text == token

    def create(
        self, body: dict[str, Any], client_id: str, user_of: Callable[[str], str | None]
    ) -> tuple[int, dict[str, Any] | str]:
        """(201, subscription) or (status, error message)."""
        kinds = {k.strip() for k in str(body.get("changeType", "")).split(",")}
        if not kinds or not kinds <= CHANGE_TYPES:
            return 400, "Invalid 'changeType' attribute."
        url = str(body.get("notificationUrl") or "")
        lifecycle = body.get("lifecycleNotificationUrl")
        if not url.startswith("https://") or (lifecycle and not lifecycle.startswith("https://")):
            return 400, "The notification endpoint must use https."
        state = body.get("clientState")
        if state is not None and len(state) > 128:
            return 400, "clientState must not be longer than 128 characters."
        user_id = user_of(str(body.get("resource") or ""))
        if user_id is None:
            return 400, "Resource not supported or not found."
        try:
            expires = parse_iso(str(body["expirationDateTime"]))
        except (KeyError, ValueError):
            return 400, "expirationDateTime is required."
        now = datetime.now(UTC)
        if expires > now + timedelta(minutes=self.max_minutes):
            return 400, f"Subscription expiration can only be {self.max_minutes} minutes in " \
                        "the future."  # fmt: skip
        expires = max(expires, now + timedelta(minutes=45))  # Graph raises short lifetimes
        for target in (url, lifecycle):
            if target and not self._handshake(target):
                return 400, "Subscription validation request failed. Notification endpoint " \
                            "must respond with 200 OK to validation request."  # fmt: skip
        sub = Subscription(str(uuid.uuid4()), str(body["resource"]), ",".join(sorted(kinds)),
                           url, lifecycle, state, expires, client_id, user_id)  # fmt: skip
        with self.lock:
            self.items[sub.id] = sub
        return 201, sub.as_json("")

    def renew(self, sub_id: str, body: dict[str, Any]) -> tuple[int, Any]:
        sub = self.items.get(sub_id)
        if sub is None:
            return 404, "The object was not found."
        try:
            expires = parse_iso(str(body["expirationDateTime"]))
        except (KeyError, ValueError):
            return 400, "expirationDateTime is required."
        if expires > datetime.now(UTC) + timedelta(minutes=self.max_minutes):
            return 400, f"Subscription expiration can only be {self.max_minutes} minutes in " \
                        "the future."  # fmt: skip
        sub.expires = expires
        return 200, sub.as_json("")

    def delete(self, sub_id: str) -> bool:
        with self.lock:
            return self.items.pop(sub_id, None) is not None

    def for_user(self, user_id: str) -> list[Subscription]:
        return [s for s in self.items.values() if s.user_id == user_id]

    # -- deliveries ----------------------------------------------------------------------------

    def notify(self, sub: Subscription, message_id: str, *, client_state: str | None = None):
        """POST a `created` notification for one message, as Graph does."""
        resource = f"Users/{sub.user_id}/Messages/{message_id}"
        item = {
            "subscriptionId": sub.id, "subscriptionExpirationDateTime": iso(sub.expires),
            "changeType": "created", "resource": resource,
            "resourceData": {"@odata.type": "#Microsoft.Graph.Message", "@odata.id": resource,
                             "@odata.etag": 'W/"CQAAABYAAAD"', "id": message_id},
            "clientState": sub.client_state if client_state is None else client_state,
            "tenantId": self.tenant_id,
        }  # fmt: skip
        return self._post(sub.notification_url, {"value": [item]})

    def lifecycle(self, sub: Subscription, event: str, *, client_state: str | None = None):
        item = {
            "subscriptionId": sub.id, "subscriptionExpirationDateTime": iso(sub.expires),
            "tenantId": self.tenant_id, "lifecycleEvent": event,
            "clientState": sub.client_state if client_state is None else client_state,
        }  # fmt: skip
        if event == "subscriptionRemoved":
            self.delete(sub.id)
        return self._post(sub.lifecycle_url or sub.notification_url, {"value": [item]})

    def _post(self, url: str, payload: Any) -> int:
        status, _ctype, _text = self.deliver(url, payload, None)
        self.deliveries.append((url, payload, status))
        return status
