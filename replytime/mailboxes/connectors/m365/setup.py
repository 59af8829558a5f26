"""Setting up Microsoft 365: the app registration, the owner's sign-in, the admin's bulk add.

The client secret is sealed in the keystore (purpose bound to the account) and copied, sealed
again, into each connection's secrets, so that a connector needs nothing but its own
connection. Saving a new secret re-seals it into every Microsoft 365 connection of the account.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from replytime.keystore.services import seal, unseal
from replytime.mailboxes.activation import complete
from replytime.mailboxes.connectors.base import ConnectorError, RequestBudget
from replytime.mailboxes.connectors.m365.auth import (
    APP_SCOPES,
    DELEGATED_SCOPES,
    AppTokens,
    build_app,
    load_cache,
    token_error,
)
from replytime.mailboxes.connectors.m365.graph import GraphClient, GraphError
from replytime.mailboxes.connectors.m365.models import M365App
from replytime.mailboxes.models import ActivationInvite, Mailbox, MailboxConnection
from replytime.mailboxes.services import add_mailbox
from replytime.mailboxes.sync.connections import (
    _purpose,
    check_connection,
    save_connection,
)
from replytime.mailboxes.sync.scheduler import start_now
from replytime.tenancy.access import NotFound, get_mailbox
from replytime.tenancy.models import Account

log = logging.getLogger(__name__)
_MAX_DIRECTORY_PAGES = 50
NOT_CONFIGURED = ConnectorError(
    "Microsoft 365 is not set up for this account yet.",
    True,
    action="Ask an administrator to enter the app registration on the Microsoft 365 settings page.",
)


def _app_purpose(account_id: int) -> str:
    return f"m365-app:{account_id}"


def options() -> dict[str, Any]:
    return dict(settings.REPLYTIME_M365)


def redirect_uri() -> str:
    return settings.REPLYTIME_BASE_URL + reverse("rt-m365-callback")


def app_of(account_id: int) -> tuple[M365App, str]:
    """The account's app registration and its client secret; ConnectorError if missing."""
    app = M365App.objects.filter(account_id=account_id).first()
    if app is None or not app.secret:
        raise NOT_CONFIGURED
    return app, unseal(account_id, app.secret, purpose=_app_purpose(account_id))


@transaction.atomic
def save_app(account: Account, *, tenant_id: str, client_id: str, secret: str,
             full_headers: bool, push: bool) -> M365App:  # fmt: skip
    """Store the registration; an empty `secret` keeps the stored one."""
    app, _ = M365App.objects.select_for_update().get_or_create(
        account=account, defaults={"tenant_id": tenant_id, "client_id": client_id}
    )
    app.tenant_id, app.client_id = tenant_id.strip(), client_id.strip()
    app.full_headers, app.push = full_headers, push
    if secret:
        app.secret = seal(account.pk, secret, purpose=_app_purpose(account.pk))
    app.save()
    plain = unseal(account.pk, app.secret, purpose=_app_purpose(account.pk)) if app.secret else ""
    for conn in MailboxConnection.objects.select_related("mailbox").filter(
        account=account, kind="m365"
    ):
        _refresh_connection(conn, app, plain)
    return app


def _refresh_connection(conn: MailboxConnection, app: M365App, secret: str) -> None:
    purpose = _purpose(conn.mailbox)
    secrets = json.loads(unseal(conn.account_id, conn.secrets, purpose=purpose) or "{}")
    secrets["client_secret"] = secret
    conn.secrets = seal(conn.account_id, json.dumps(secrets), purpose=purpose)
    conn.params = {**conn.params, "tenant": app.tenant_id, "client_id": app.client_id}
    if conn.params.get("mode") == "application":
        conn.params["full_headers"] = app.full_headers
    conn.save(update_fields=["secrets", "params"])


# -- the owner's sign-in (delegated) ---------------------------------------------------------


def start_sign_in(invite: ActivationInvite) -> dict[str, Any]:
    """msal's auth code flow (PKCE, state, nonce) for the invite's mailbox owner."""
    app, secret = app_of(invite.account_id)
    client = build_app(options(), app.tenant_id, app.client_id, secret)
    return dict(client.initiate_auth_code_flow(
        DELEGATED_SCOPES, redirect_uri=redirect_uri(), login_hint=invite.mailbox.address,
        prompt="select_account",
    ))  # fmt: skip


def finish_sign_in(
    invite: ActivationInvite, flow: dict[str, Any], query: dict[str, str]
) -> MailboxConnection:
    """Redeem the code (msal checks state, nonce and sends the PKCE verifier), then check,
    save and start the connection through the activation flow."""
    app, secret = app_of(invite.account_id)
    cache = load_cache("")
    client = build_app(options(), app.tenant_id, app.client_id, secret, cache)
    try:
        result = client.acquire_token_by_auth_code_flow(flow, query)
    except ValueError:
        raise ConnectorError(
            "The sign-in answer did not match this request; start again.",
            True,
            action="Open the activation link again.",
        ) from None
    if "access_token" not in result:
        raise token_error(result, delegated=True)
    claims = result.get("id_token_claims") or {}
    params = {"mode": "delegated", "tenant": app.tenant_id, "client_id": app.client_id,
              "user_id": str(claims.get("oid") or "")}  # fmt: skip
    return complete(invite, "m365", params, {"client_secret": secret,
                                              "token_cache": cache.serialize()})  # fmt: skip


# -- the admin's directory (application permissions) -----------------------------------------


@dataclass
class DirectoryUser:
    id: str
    name: str
    address: str
    added: bool = False


def _app_graph(account_id: int) -> GraphClient:
    app, secret = app_of(account_id)
    opts = options()
    client = build_app(opts, app.tenant_id, app.client_id, secret)
    tokens = AppTokens(client)
    return GraphClient(opts["graph_url"], tokens, RequestBudget(_MAX_DIRECTORY_PAGES + 10),
                       mailbox_key=f"directory:{account_id}", verify=opts.get("ca_file") or True,
                       timeout=float(opts.get("timeout") or 60))  # fmt: skip


def list_directory(account: Account) -> list[DirectoryUser]:
    """The tenant's users with a mail address (`GET /users`, following @odata.nextLink)."""
    graph = _app_graph(account.pk)
    found: list[DirectoryUser] = []
    try:
        page = graph.get("users", params={"$select": "id,displayName,mail,userPrincipalName",
                                          "$top": "999"})  # fmt: skip
        for _ in range(_MAX_DIRECTORY_PAGES):
            for entry in page.get("value") or []:
                address = str(entry.get("mail") or "").lower()
                if address:
                    found.append(
                        DirectoryUser(
                            str(entry["id"]), str(entry.get("displayName") or ""), address
                        )
                    )
            if not page.get("@odata.nextLink"):
                break
            page = graph.get(page["@odata.nextLink"])
    finally:
        graph.close()
    known = set(Mailbox.objects.filter(account=account, connection__kind="m365")
                .values_list("address", flat=True))  # fmt: skip
    for user in found:
        user.added = user.address in known
    return sorted(found, key=lambda u: u.address)


def bulk_add(account: Account, users: list[DirectoryUser]) -> list[tuple[str, str]]:
    """Add and connect the chosen mailboxes (application mode); (address, outcome) each.

    A mailbox the application access policy excludes is not added: Graph answers 403
    ErrorAccessDenied for it, and the outcome says how to include it.
    """
    app, secret = app_of(account.pk)
    outcomes: list[tuple[str, str]] = []
    for user in users:
        params = {"mode": "application", "tenant": app.tenant_id, "client_id": app.client_id,
                  "user_id": user.id, "full_headers": app.full_headers}  # fmt: skip
        try:
            mailbox = get_mailbox(account, user.address)
        except NotFound:
            mailbox = Mailbox(account=account, address=user.address, pk=None)
        try:
            check_connection(mailbox, "m365", params, {"client_secret": secret})
        except GraphError as exc:
            outcomes.append((user.address, _refused(exc)))
            continue
        except ConnectorError as exc:
            outcomes.append((user.address, f"not connected: {exc.message}"))
            continue
        if mailbox.pk is None:
            mailbox = add_mailbox(account, user.address, name=user.name, connector="m365")
        conn = save_connection(mailbox, "m365", params, {"client_secret": secret})
        start_now(conn.pk)
        outcomes.append((user.address, "connected; the first sync has started"))
    return outcomes


def _refused(exc: GraphError) -> str:
    if exc.status == 403:
        return (
            "not permitted: the application access policy of the tenant does not include "
            "this mailbox (add it to the policy's group, or leave it out)"
        )
    if exc.code == "MailboxNotEnabledForRESTAPI":
        return "skipped: no Exchange Online mailbox (unlicensed, inactive or on-premises)"
    return f"not connected: {exc.message}"


__all__ = ["APP_SCOPES", "bulk_add", "finish_sign_in", "list_directory", "save_app"]
