"""An account's Google set-up (OAuth client, service account, push) and the connections built
from it: one owner's grant, or the Workspace users an admin ticks (bulk add).

Secrets go through the keystore: the set-up holds sealed tokens, and every Gmail connection
gets its own sealed copy of what it needs, so a sync never reads the set-up. Saving the set-up
updates the account's Gmail connections accordingly.
"""

from __future__ import annotations

import json
import logging
import secrets as random_secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from replytime.keystore.services import seal, unseal
from replytime.mailboxes.connectors.base import ConnectorError
from replytime.mailboxes.connectors.gmail.conf import GmailOptions, gmail_options
from replytime.mailboxes.connectors.gmail.directory import DomainUser, ServiceAccountKey
from replytime.mailboxes.connectors.gmail.models import GoogleSetup
from replytime.mailboxes.models import Mailbox, MailboxAddress, MailboxConnection
from replytime.mailboxes.services import add_mailbox
from replytime.mailboxes.sync.connections import (
    _purpose as connection_purpose,
)
from replytime.mailboxes.sync.connections import (
    check_connection,
    save_connection,
)
from replytime.mailboxes.sync.scheduler import start_now
from replytime.tenancy.models import Account

log = logging.getLogger(__name__)
KIND = "gmail"


def _purpose(account: Account, what: str) -> str:
    return f"gmail-setup:{account.public_id}:{what}"


def setup_of(account: Account) -> GoogleSetup:
    found = GoogleSetup.objects.filter(account=account).first()
    if found is None:
        found, _ = GoogleSetup.objects.get_or_create(
            account=account, defaults={"push_token": random_secrets.token_urlsafe(32)}
        )
    return found


def oauth_client(account: Account, options: GmailOptions | None = None) -> tuple[str, str]:
    """(client id, client secret) for the account: its own, else the installation's."""
    options = options or gmail_options()
    setup = GoogleSetup.objects.filter(account=account).first()
    if setup is not None and setup.client_id:
        secret = unseal(account.pk, setup.client_secret, purpose=_purpose(account, "client"))
        return setup.client_id, secret
    return options.client_id, options.client_secret


def service_account(account: Account) -> ServiceAccountKey | None:
    setup = GoogleSetup.objects.filter(account=account).first()
    if setup is None or not setup.service_account_key:
        return None
    key = unseal(account.pk, setup.service_account_key, purpose=_purpose(account, "sa"))
    return ServiceAccountKey(setup.service_account_email, setup.service_account_key_id, key)


def parse_key_file(text: str) -> ServiceAccountKey:
    """The parts replytime needs of a service account's JSON key file; ValueError if it is not one."""
    try:
        data = json.loads(text)
    except ValueError:
        raise ValueError("This is not a JSON key file.") from None
    if not isinstance(data, dict) or data.get("type") != "service_account":
        raise ValueError("This is not a service account's JSON key.")
    missing = [k for k in ("client_email", "private_key", "private_key_id") if not data.get(k)]
    if missing:
        raise ValueError(f"The key file lacks {', '.join(missing)}.")
    return ServiceAccountKey(data["client_email"], data["private_key_id"], data["private_key"])


@transaction.atomic
def save_setup(account: Account, values: Mapping[str, Any]) -> GoogleSetup:
    """Store the set-up page's values (a secret left empty keeps the stored one)."""
    setup = setup_of(account)
    setup.client_id = str(values.get("client_id") or "").strip()
    if values.get("client_secret"):
        setup.client_secret = seal(account.pk, str(values["client_secret"]),
                                   purpose=_purpose(account, "client"))  # fmt: skip
    if not setup.client_id:
        setup.client_secret = ""
    if values.get("key_file"):
        key = parse_key_file(str(values["key_file"]))
        setup.service_account_email, setup.service_account_key_id = key.client_email, key.key_id
        setup.service_account_key = seal(
            account.pk, key.private_key, purpose=_purpose(account, "sa")
        )
    setup.admin_email = str(values.get("admin_email") or "").strip().lower()
    setup.domain = str(values.get("domain") or "").strip().lower()
    setup.topic = str(values.get("topic") or "").strip()
    setup.save()
    refresh_connections(account)
    return setup


def oauth_params(account: Account, user: str, refresh_token: str) -> tuple[dict[str, Any], dict[str, str]]:  # fmt: skip
    client_id, client_secret = oauth_client(account)
    setup = GoogleSetup.objects.filter(account=account).first()
    params = {"auth": "oauth", "user": user, "client_id": client_id}
    if setup and setup.topic:
        params["topic"] = setup.topic
    return params, {"refresh_token": refresh_token, "client_secret": client_secret}


def delegated_params(account: Account, user: str) -> tuple[dict[str, Any], dict[str, str]]:
    key = service_account(account)
    if key is None:
        raise ConnectorError("No service account is set up.", True,
                             action="Upload the service account's JSON key on the Gmail set-up page.")  # fmt: skip
    setup = setup_of(account)
    params = {"auth": "delegated", "user": user, "client_email": key.client_email,
              "key_id": key.key_id}  # fmt: skip
    if setup.topic:
        params["topic"] = setup.topic
    return params, {"private_key": key.private_key}


def refresh_connections(account: Account) -> int:
    """Give the account's Gmail connections the current client secret, key and topic."""
    changed = 0
    conns = MailboxConnection.objects.select_related("mailbox").filter(account=account, kind=KIND)
    for conn in conns:
        purpose = connection_purpose(conn.mailbox)
        values = (
            json.loads(unseal(account.pk, conn.secrets, purpose=purpose)) if conn.secrets else {}
        )
        user = str(conn.params.get("user") or conn.mailbox.address)
        if conn.params.get("auth") == "delegated":
            if service_account(account) is None:
                continue
            params, values = delegated_params(account, user)
        else:
            params, fresh = oauth_params(account, user, str(values.get("refresh_token", "")))
            values.update(fresh)
        conn.params = params
        conn.secrets = seal(account.pk, json.dumps(values), purpose=purpose)
        conn.save(update_fields=["params", "secrets"])
        changed += 1
    return changed


@dataclass
class BulkResult:
    added: list[str] = field(default_factory=list)
    connected: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _mailbox_for(account: Account, user: DomainUser) -> tuple[Mailbox, bool]:
    found = Mailbox.objects.filter(account=account, addresses__address=user.email).first()
    if found is not None:
        return found, False
    taken = set(MailboxAddress.objects.filter(account=account, address__in=user.aliases)
                .values_list("address", flat=True))  # fmt: skip
    aliases = [a for a in user.aliases if a not in taken]
    return add_mailbox(account, user.email, name=user.name, aliases=aliases, connector=KIND), True


def bulk_add(account: Account, users: Iterable[DomainUser]) -> BulkResult:
    """Add and connect the ticked users through domain-wide delegation, then start syncs.

    The first user's connection is checked (it proves the delegation covers gmail.metadata);
    the others are saved straight away so that two hundred users do not wait on two hundred
    round trips; a user whose mailbox then fails shows the error and action on its status.
    """
    result = BulkResult()
    checked = False
    for user in users:
        mailbox, created = _mailbox_for(account, user)
        params, secrets = delegated_params(account, user.email)
        if not checked:
            try:
                check_connection(mailbox, KIND, params, secrets)
            except ConnectorError as exc:
                result.errors.append(f"{exc.message} {exc.action}".strip())
                return result
            checked = True
        conn = save_connection(mailbox, KIND, params, secrets)
        start_now(conn.pk)
        (result.added if created else result.connected).append(user.email)
    log.info("gmail bulk add: %d added, %d connected for account %d",
             len(result.added), len(result.connected), account.pk)  # fmt: skip
    return result
