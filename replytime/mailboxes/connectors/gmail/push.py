"""Gmail push through Cloud Pub/Sub: checking a push request and turning it into a sync.

A push is only a trigger. Its payload (`message.data`, base64 of {emailAddress, historyId})
names the mailbox; the sync then reads history from replytime's own stored cursor, never from
the notified id, and never reads mail here. Pushes are authenticated by the secret token in the
push URL (one per account) and, when REPLYTIME_GOOGLE_PUSH_AUDIENCE is set, by the OIDC token
Pub/Sub signs (audience, issuer, and optionally the pushing service account's email).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from replytime.mailboxes.connectors.gmail import jwt
from replytime.mailboxes.connectors.gmail.conf import GmailOptions
from replytime.mailboxes.connectors.gmail.models import GoogleSetup
from replytime.mailboxes.models import MailboxAddress, MailboxConnection
from replytime.mailboxes.sync.scheduler import start_now

log = logging.getLogger(__name__)
ISSUERS = ("https://accounts.google.com", "accounts.google.com")


class PushRejected(Exception):
    """The request is not a genuine Gmail push for this replytime."""


@dataclass(frozen=True)
class Notification:
    email: str
    history_id: str


def parse(body: bytes) -> Notification:
    """The Gmail notification inside a Pub/Sub push envelope."""
    try:
        envelope = json.loads(body)
        data = json.loads(base64.b64decode(envelope["message"]["data"], validate=False))
        return Notification(str(data["emailAddress"]).lower(), str(data["historyId"]))
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise PushRejected("not a Gmail push envelope") from None


_certs: dict[str, Any] = {"keys": {}, "until": 0.0}
_certs_lock = threading.Lock()


def _google_keys(options: GmailOptions, refresh: bool = False) -> dict[str, rsa.RSAPublicKey]:
    with _certs_lock:
        if refresh or _certs["until"] < time.time():
            response = httpx.get(options.certs_url, timeout=options.timeout)
            response.raise_for_status()
            keys = {str(k["kid"]): jwt.public_key_from_jwk(k) for k in response.json()["keys"]}
            _certs.update(keys=keys, until=time.time() + 3600)
        return dict(_certs["keys"])


def verify_bearer(authorization: str, options: GmailOptions) -> None:
    """Check Pub/Sub's OIDC token when an audience is configured (else the URL token suffices)."""
    if not options.push_audience:
        return
    token = authorization.removeprefix("Bearer ").strip()
    if not token or token == authorization:
        raise PushRejected("no bearer token")
    try:
        keys = _google_keys(options)
        if jwt.split(token)[0].get("kid") not in keys:
            keys = _google_keys(options, refresh=True)  # Google rotated its keys
        claims = jwt.verify(token, keys, audience=options.push_audience, issuers=ISSUERS)
    except (jwt.JwtError, httpx.HTTPError) as exc:
        raise PushRejected(f"bad push token ({exc})") from None
    expected = options.push_service_account
    if expected and (claims.get("email") != expected or not claims.get("email_verified")):
        raise PushRejected("pushed by another service account")


def setup_for_token(token: str) -> GoogleSetup:
    setup = GoogleSetup.objects.select_related("account").filter(push_token=token).first()
    if setup is None or not token:
        raise PushRejected("unknown push token")
    return setup


def trigger(setup: GoogleSetup, note: Notification) -> bool:
    """Start a sync of the account's Gmail mailbox named in `note`; False if none matches.

    A sync that is running already is left alone (its claim must not be taken over); the next
    poll catches anything it missed.
    """
    owners = MailboxAddress.objects.filter(account=setup.account, address=note.email)
    conn = MailboxConnection.objects.filter(
        account=setup.account, kind="gmail", state=MailboxConnection.State.ACTIVE,
        mailbox_id__in=owners.values("mailbox_id"),
    ).first()  # fmt: skip
    if conn is None:
        return False
    started = start_now(conn.pk)
    log.info(
        "gmail push for mailbox %d: %s",
        conn.mailbox_id,
        "sync started" if started else "sync already running",
    )
    return True
