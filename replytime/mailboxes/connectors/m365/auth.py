"""Tokens from Entra ID through msal: delegated (auth code + PKCE, refresh) and app-only.

Delegated access asks for Mail.ReadBasic and User.Read; msal adds openid, profile and
offline_access itself (it refuses them when passed explicitly), so a refresh token comes back.
msal's token cache is serialized and sealed in the keystore with the connection's secrets;
when a refresh rotates the refresh token, the connector hands the new cache back
(`refreshed_secrets`) and the sync runner seals it again.

A revoked or expired grant (invalid_grant, interaction_required, AADSTS codes) is permanent:
the mailbox pauses until its owner connects it again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msal
import requests

from replytime.mailboxes.connectors.base import ConnectorError, RequestBudget

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
DELEGATED_SCOPES = ["Mail.ReadBasic", "User.Read"]
APP_SCOPES = ["https://graph.microsoft.com/.default"]
_AADSTS = re.compile(r"AADSTS(\d+)")
# Errors that no retry fixes: the grant is gone, the app or its secret is wrong.
_PERMANENT = frozenset(
    {
        "invalid_grant",
        "interaction_required",
        "consent_required",
        "login_required",
        "invalid_client",
        "unauthorized_client",
        "invalid_scope",
        "invalid_request",
    }
)
_APP_ERRORS = frozenset({"invalid_client", "unauthorized_client"})


class _CountedSession(requests.Session):
    """msal's HTTP session: every round trip to Entra ID spends a unit of the run's budget."""

    def __init__(self, budget: RequestBudget | None, verify: str | bool, timeout: float) -> None:
        super().__init__()
        self.budget = budget
        self.verify = verify
        self.timeout = timeout

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if self.budget is not None:
            self.budget.spend()
        # Explicit, because REQUESTS_CA_BUNDLE in the environment would override the session.
        kwargs.setdefault("verify", self.verify)
        kwargs.setdefault("timeout", self.timeout)
        return super().request(*args, **kwargs)


def build_app(
    options: Mapping[str, Any],
    tenant: str,
    client_id: str,
    secret: str,
    cache: msal.SerializableTokenCache | None = None,
    budget: RequestBudget | None = None,
) -> msal.ConfidentialClientApplication:
    """An msal client for one app registration in one tenant.

    msal fetches the tenant's OIDC discovery document on creation. Any authority host other
    than Microsoft's own (a national cloud, the test fake) is used as given: no authority
    validation and no instance discovery against login.microsoftonline.com.
    """
    host = str(options.get("authority_host") or DEFAULT_AUTHORITY_HOST).rstrip("/")
    known = host == DEFAULT_AUTHORITY_HOST
    timeout = float(options.get("timeout") or 60)
    session = _CountedSession(budget, options.get("ca_file") or True, timeout)
    try:
        return msal.ConfidentialClientApplication(
            client_id,
            client_credential=secret,
            authority=f"{host}/{tenant}",
            token_cache=cache,
            validate_authority=known,
            instance_discovery=None if known else False,
            http_client=session,
            timeout=timeout,
        )
    except ValueError:
        raise ConnectorError(
            "Microsoft Entra ID does not know this tenant.",
            True,
            action="Check the tenant id on the Microsoft 365 settings page.",
        ) from None
    except requests.RequestException as exc:
        raise ConnectorError(
            f"Microsoft Entra ID cannot be reached ({type(exc).__name__})."
        ) from None


def token_error(result: Mapping[str, Any], *, delegated: bool) -> ConnectorError:
    """An msal error result as a ConnectorError (permanent when no retry can fix it)."""
    error = str(result.get("error") or "error")
    description = str(result.get("error_description") or "")
    codes = result.get("error_codes") or [int(m) for m in _AADSTS.findall(description)]
    code_text = f" (AADSTS{codes[0]})" if codes else ""
    if error in _APP_ERRORS:
        return ConnectorError(
            f"Microsoft Entra ID refused the app registration: {error}{code_text}.",
            True,
            action="Check the client id and enter a new client secret on the Microsoft 365 "
            "settings page (client secrets expire).",
        )
    if error in _PERMANENT:
        action = (
            "Ask the mailbox owner to connect it again (send a new activation link): the "
            "sign-in was revoked, expired or needs consent again."
            if delegated
            else "Grant admin consent for the app's application permissions again."
        )
        return ConnectorError(
            f"Microsoft Entra ID no longer accepts this mailbox's grant: {error}{code_text}.",
            True,
            action=action,
        )
    return ConnectorError(f"Microsoft Entra ID could not issue a token: {error}{code_text}.")


def load_cache(serialized: str) -> msal.SerializableTokenCache:
    cache = msal.SerializableTokenCache()
    if serialized:
        cache.deserialize(serialized)
    return cache


class DelegatedTokens:
    """Access tokens of one signed-in user, refreshed from the cached refresh token."""

    def __init__(self, app: msal.ConfidentialClientApplication, cache: msal.SerializableTokenCache):
        self.app = app
        self.cache = cache
        self.granted: frozenset[str] = frozenset()

    def __call__(self, fresh: bool = False) -> str:
        accounts = self.app.get_accounts()
        if not accounts:
            raise ConnectorError(
                "No Microsoft 365 sign-in is stored for this mailbox.",
                True,
                action="Ask the mailbox owner to connect it (send an activation link).",
            )
        try:
            result = self.app.acquire_token_silent_with_error(
                DELEGATED_SCOPES, account=accounts[0], force_refresh=fresh
            )
        except requests.RequestException as exc:
            raise ConnectorError(
                f"Microsoft Entra ID cannot be reached ({type(exc).__name__})."
            ) from None
        if not result or "access_token" not in result:
            raise token_error(result or {"error": "invalid_grant"}, delegated=True)
        self.granted = frozenset(str(result.get("scope") or "").split()) or self.granted
        return str(result["access_token"])


class AppTokens:
    """App-only access tokens (client credentials); msal caches them until they expire."""

    def __init__(self, app: msal.ConfidentialClientApplication) -> None:
        self.app = app

    def __call__(self, fresh: bool = False) -> str:
        try:
            result = self.app.acquire_token_for_client(APP_SCOPES)
            if fresh and "access_token" in result:
                # msal serves a cached token; a refused one must not come back.
                self.app.remove_tokens_for_client()
                result = self.app.acquire_token_for_client(APP_SCOPES)
        except requests.RequestException as exc:
            raise ConnectorError(
                f"Microsoft Entra ID cannot be reached ({type(exc).__name__})."
            ) from None
        if "access_token" not in result:
            raise token_error(result, delegated=False)
        return str(result["access_token"])
