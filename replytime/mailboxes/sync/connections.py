"""Connecting a mailbox: validating parameters, sealing secrets, building connector instances."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from replytime.keystore.services import SecretUnavailable, seal, unseal
from replytime.mailboxes.connectors.base import (
    Connector,
    ConnectorConfig,
    ConnectorError,
    Parameter,
    RequestBudget,
)
from replytime.mailboxes.connectors.registry import connector_class
from replytime.mailboxes.models import Mailbox, MailboxConnection


def _purpose(mailbox: Mailbox) -> str:
    # Binds the ciphertext to this mailbox: copied onto another row it does not decrypt.
    return f"mailbox:{mailbox.public_id}"


def connection_of(mailbox: Mailbox) -> MailboxConnection:
    conn, _ = MailboxConnection.objects.get_or_create(
        mailbox=mailbox, defaults={"account_id": mailbox.account_id}
    )
    return conn


def split_values(kind: str, values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(plain parameters, secret parameters) of a connector, empty values left out."""
    params: dict[str, Any] = {}
    secrets: dict[str, str] = {}
    for parameter in connector_class(kind).parameters:
        value = values.get(parameter.name)
        if value in (None, "", [], ()):
            continue
        if parameter.secret:
            secrets[parameter.name] = str(value)
        else:
            params[parameter.name] = value
    return params, secrets


def connector_options() -> dict[str, Any]:
    """Installation-wide values connectors need, passed in so connectors never read settings."""
    return {
        "batch": settings.REPLYTIME_IMAP_BATCH,
        "timeout": settings.REPLYTIME_IMAP_TIMEOUT,
        "ca_file": settings.REPLYTIME_IMAP_CA_FILE,
        "min_year": settings.REPLYTIME_MIN_YEAR,
        "max_future_days": settings.REPLYTIME_MAX_FUTURE_DAYS,
        "m365": getattr(settings, "REPLYTIME_M365", {}),
        "gmail": getattr(settings, "REPLYTIME_GMAIL", {}),
    }


def build_connector(
    mailbox: Mailbox,
    kind: str,
    params: Mapping[str, Any],
    secrets: Mapping[str, str],
    budget: RequestBudget | None = None,
) -> Connector:
    config = ConnectorConfig(
        mailbox_id=mailbox.pk,
        address=mailbox.address,
        params=dict(params),
        secrets=dict(secrets),
        budget=budget or RequestBudget(settings.REPLYTIME_SYNC_MAX_REQUESTS),
        options=connector_options(),
    )
    return connector_class(kind)(config)


def open_connector(conn: MailboxConnection, budget: RequestBudget) -> Connector:
    """The connector of a stored connection, its secrets unsealed from the keystore."""
    try:
        secrets = json.loads(unseal(conn.account_id, conn.secrets, purpose=_purpose(conn.mailbox)))
    except SecretUnavailable as exc:
        raise ConnectorError(
            f"The stored credentials cannot be read ({exc}).",
            True,
            action="Connect the mailbox again (replytime mailbox connect, or a new activation "
            "link).",
        ) from None
    return build_connector(conn.mailbox, conn.kind, conn.params, secrets, budget)


def keep_refreshed_secrets(conn: MailboxConnection, connector: Connector) -> None:
    """Re-seal credentials the connector renewed during a run (a rotated OAuth refresh token);
    skipped when the stored secrets changed meanwhile (the mailbox was connected again)."""
    refreshed = getattr(connector, "refreshed_secrets", None)
    fresh = refreshed() if refreshed is not None else None
    if fresh:
        sealed = seal(conn.account_id, json.dumps(dict(fresh)), purpose=_purpose(conn.mailbox))
        MailboxConnection.objects.filter(pk=conn.pk, secrets=conn.secrets).update(secrets=sealed)


def check_connection(
    mailbox: Mailbox, kind: str, params: Mapping[str, Any], secrets: Mapping[str, str]
) -> None:
    """Connect and authenticate once; raises ConnectorError when that fails."""
    connector = build_connector(mailbox, kind, params, secrets, RequestBudget(50))
    try:
        connector.check()
    finally:
        connector.close()


def missing_required(kind: str, values: Mapping[str, Any]) -> list[Parameter]:
    return [
        p
        for p in connector_class(kind).parameters
        if p.required and values.get(p.name) in (None, "", [], ())
    ]


@transaction.atomic
def save_connection(
    mailbox: Mailbox, kind: str, params: Mapping[str, Any], secrets: Mapping[str, str]
) -> MailboxConnection:
    """Store a checked connection (secrets sealed) and make it due for a sync now.

    The cursor is kept when the connector and server stay the same (new password), and reset
    otherwise.
    """
    conn = MailboxConnection.objects.select_for_update().get(pk=connection_of(mailbox).pk)
    same_source = conn.kind == kind and conn.params.get("host") == params.get("host")
    conn.kind = kind
    conn.params = dict(params)
    conn.secrets = seal(mailbox.account_id, json.dumps(dict(secrets)), purpose=_purpose(mailbox))
    conn.cursor = conn.cursor if same_source else ""
    conn.state = MailboxConnection.State.ACTIVE
    if not conn.claim:  # a running sync keeps its lease; it reschedules itself when it ends
        conn.next_sync_at = timezone.now()
    conn.failures = 0
    conn.last_error = conn.error_action = ""
    conn.save()
    Mailbox.objects.filter(pk=mailbox.pk).update(connector=kind)
    return conn
