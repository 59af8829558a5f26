"""The Workspace domain's users, from the Admin SDK Directory API (`users.list`).

Read with the service account's domain-wide delegation, impersonating an admin of the domain
(the Directory API answers only admins) with `admin.directory.user.readonly`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from replytime.mailboxes.connectors.base import ConnectorError, RequestBudget
from replytime.mailboxes.connectors.gmail.api import GmailError, error_of
from replytime.mailboxes.connectors.gmail.conf import DIRECTORY_SCOPE, GmailOptions
from replytime.mailboxes.connectors.gmail.oauth import FIX_DELEGATION, DelegatedTokens

FIX_DIRECTORY = (
    "Allow the service account's client ID the scope "
    f"{DIRECTORY_SCOPE} in domain-wide delegation, and enter the address of a Workspace "
    "admin on the Gmail set-up page."
)


@dataclass(frozen=True)
class DomainUser:
    email: str
    name: str
    suspended: bool
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class ServiceAccountKey:
    client_email: str
    key_id: str
    private_key: str


def _user(item: dict[str, Any]) -> DomainUser:
    name = item.get("name") or {}
    return DomainUser(
        email=str(item["primaryEmail"]).lower(),
        name=str(name.get("fullName") or ""),
        suspended=bool(item.get("suspended") or item.get("archived")),
        aliases=tuple(str(a).lower() for a in item.get("aliases") or ()),
    )


def list_users(options: GmailOptions, key: ServiceAccountKey, admin: str, domain: str = "",
               *, max_pages: int = 100) -> list[DomainUser]:  # fmt: skip
    """Every user of the domain (or of the admin's whole customer), sorted by address."""
    with httpx.Client() as http:
        tokens = DelegatedTokens(
            http, options, RequestBudget(max_pages + 5).spend, client_email=key.client_email,
            private_key=key.private_key, key_id=key.key_id, subject=admin,
            scopes=(DIRECTORY_SCOPE,),
        )  # fmt: skip
        found: list[DomainUser] = []
        params: dict[str, str | int] = {"maxResults": 500, "orderBy": "email"}
        params.update({"domain": domain} if domain else {"customer": "my_customer"})
        for _page in range(max_pages):
            body = _page_of(http, options, tokens, params)
            found += [_user(item) for item in body.get("users") or ()]
            token = body.get("nextPageToken")
            if not token:
                break
            params["pageToken"] = str(token)
    return sorted(found, key=lambda u: u.email)


def _page_of(http: httpx.Client, options: GmailOptions, tokens: DelegatedTokens,
             params: dict[str, str | int]) -> dict[str, Any]:  # fmt: skip
    url = f"{options.directory_url}/admin/directory/v1/users"
    headers = {"Authorization": f"Bearer {tokens.token()}"}
    try:
        response = http.get(url, params=params, headers=headers, timeout=options.timeout)
    except httpx.HTTPError as exc:
        raise ConnectorError(
            f"Google's Directory API cannot be reached ({type(exc).__name__})."
        ) from None
    if response.status_code == 200:
        body: dict[str, Any] = response.json()
        return body
    try:
        payload = response.json()
    except ValueError:
        payload = None
    err: GmailError = error_of(response.status_code, response.headers, payload)
    if err.status in (401, 403):
        raise ConnectorError(
            f"The Directory API refused to list the domain's users ({err.status}).",
            True,
            action=FIX_DIRECTORY if err.status == 403 else FIX_DELEGATION,
        )
    raise ConnectorError(f"The Directory API answered {err.status}.", retry_after=err.retry_after)
