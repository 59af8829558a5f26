"""Google OAuth 2.0: the authorization-code flow with PKCE for one owner, refresh tokens, and
service-account assertions for domain-wide delegation (a Workspace admin adds mailboxes).

Access tokens are cached per process until shortly before they expire, keyed by a digest of
the credential, so consecutive sync runs of a mailbox do not mint a token each time.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from replytime.mailboxes.connectors.base import ConnectorError
from replytime.mailboxes.connectors.gmail import jwt
from replytime.mailboxes.connectors.gmail.conf import (
    GMAIL_SCOPE,
    IDENTITY_SCOPES,
    JWT_BEARER,
    GmailOptions,
)

RECONNECT = (
    "Ask the mailbox's owner to connect it again: send a new activation link, which signs "
    "in with Google and grants replytime read access to message headers."
)
FIX_CLIENT = "Check the Google OAuth client ID and secret on the account's Gmail set-up page."
FIX_DELEGATION = (
    "A Google Workspace super admin must allow the service account's client ID for the scope "
    "https://www.googleapis.com/auth/gmail.metadata (Admin console > Security > API controls > "
    "Domain-wide delegation)."
)
# Renew this many seconds before the access token's announced expiry.
_MARGIN = 120


def code_verifier() -> str:
    """A PKCE code verifier: 43-128 characters of the unreserved set (RFC 7636 §4.1)."""
    return secrets.token_urlsafe(64)[:96]


def code_challenge(verifier: str) -> str:
    """The S256 challenge of a verifier."""
    return jwt.b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def authorization_url(
    options: GmailOptions,
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    verifier: str,
    login_hint: str = "",
) -> str:
    """Where to send the owner's browser: Google's consent screen for gmail.metadata only.

    `access_type=offline` and `prompt=consent` make Google issue a refresh token even when the
    owner consented before; `include_granted_scopes` is left out on purpose, so that no broader
    scope granted to the same client earlier is merged into this grant.
    """
    query = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": " ".join((*IDENTITY_SCOPES, GMAIL_SCOPE)),
        "state": state,
        "code_challenge": code_challenge(verifier),
        "code_challenge_method": "S256",
        "access_type": "offline",
        "prompt": "consent",
    }
    if login_hint:
        query["login_hint"] = login_hint
    return f"{options.auth_url}?{urlencode(query)}"


@dataclass(frozen=True)
class Grant:
    """What the token endpoint returned for an authorization code."""

    refresh_token: str
    access_token: str
    expires_in: int
    scopes: frozenset[str]


def _token_error(response: httpx.Response, delegated: bool) -> ConnectorError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = str(body.get("error", "")) if isinstance(body, dict) else ""
    if response.status_code >= 500 or response.status_code == 429:
        return ConnectorError(f"Google's token service answered {response.status_code}.")
    if code == "invalid_grant" and not delegated:
        return ConnectorError(
            "Google no longer accepts this mailbox's authorization (revoked or expired).",
            True,
            action=RECONNECT,
        )
    if code == "invalid_grant":
        return ConnectorError(
            "Google refused the delegated sign-in for this user (unknown or suspended user, "
            "or a bad service-account key).",
            True,
            action="Check that the user exists and is active, and that the service-account "
            "key on the Gmail set-up page is current.",
        )
    if code in ("unauthorized_client", "access_denied") and delegated:
        return ConnectorError(
            "Domain-wide delegation is not allowed for this scope.", True, action=FIX_DELEGATION
        )
    if code in ("invalid_client", "unauthorized_client"):
        return ConnectorError("Google rejected the OAuth client.", True, action=FIX_CLIENT)
    return ConnectorError(
        f"Google's token service refused the request ({code or response.status_code}).",
        True,
        action=RECONNECT if not delegated else FIX_DELEGATION,
    )


def _post_token(
    http: httpx.Client, options: GmailOptions, form: Mapping[str, str], *, delegated: bool
) -> dict[str, Any]:
    try:
        response = http.post(options.token_url, data=dict(form), timeout=options.timeout)
    except httpx.HTTPError as exc:
        raise ConnectorError(
            f"Google's token service cannot be reached ({type(exc).__name__})."
        ) from None
    if response.status_code != 200:
        raise _token_error(response, delegated)
    body: dict[str, Any] = response.json()
    return body


def exchange_code(
    http: httpx.Client,
    options: GmailOptions,
    *,
    client_id: str,
    client_secret: str,
    code: str,
    verifier: str,
    redirect_uri: str,
) -> Grant:
    """Trade an authorization code (and the PKCE verifier) for a refresh token."""
    body = _post_token(
        http,
        options,
        {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "client_id": client_id,
            "client_secret": client_secret,
            "redirect_uri": redirect_uri,
        },
        delegated=False,
    )
    scopes = frozenset(str(body.get("scope", "")).split())
    if GMAIL_SCOPE not in scopes:
        raise ConnectorError(
            "Google did not grant read access to message headers (gmail.metadata).",
            True,
            action="Connect again and leave the 'View your email message metadata' box ticked.",
        )
    if not body.get("refresh_token"):
        raise ConnectorError(
            "Google returned no refresh token.", True, action="Connect the mailbox again."
        )
    return Grant(
        str(body["refresh_token"]),
        str(body["access_token"]),
        int(body.get("expires_in", 3599)),
        scopes,
    )


_cache: dict[str, tuple[str, float]] = {}
_cache_lock = threading.Lock()


def _cache_key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def forget_tokens() -> None:
    with _cache_lock:
        _cache.clear()


class TokenSource:
    """Hands out access tokens, minting a new one when the cached one is near its end."""

    delegated = False

    def __init__(self, http: httpx.Client, options: GmailOptions, on_request: Callable[[], None]):
        self.http = http
        self.options = options
        self.on_request = on_request

    def _key(self) -> str:
        raise NotImplementedError

    def _mint(self) -> dict[str, Any]:
        raise NotImplementedError

    def token(self, *, fresh: bool = False) -> str:
        key = self._key()
        with _cache_lock:
            cached = _cache.get(key)
        if cached and not fresh and cached[1] > time.time():
            return cached[0]
        self.on_request()
        body = self._mint()
        access = str(body["access_token"])
        until = time.time() + int(body.get("expires_in", 3599)) - _MARGIN
        with _cache_lock:
            _cache[key] = (access, until)
        return access


class UserTokens(TokenSource):
    """Access tokens of one owner's grant, from its refresh token."""

    def __init__(
        self,
        http: httpx.Client,
        options: GmailOptions,
        on_request: Callable[[], None],
        *,
        client_id: str,
        client_secret: str,
        refresh_token: str,
    ) -> None:
        super().__init__(http, options, on_request)
        self.client_id, self.client_secret = client_id, client_secret
        self.refresh_token = refresh_token

    def _key(self) -> str:
        return _cache_key("user", self.client_id, self.refresh_token)

    def _mint(self) -> dict[str, Any]:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": self.refresh_token,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        return _post_token(self.http, self.options, form, delegated=False)


class DelegatedTokens(TokenSource):
    """Access tokens for `subject`, minted with a service account's domain-wide delegation."""

    delegated = True

    def __init__(
        self,
        http: httpx.Client,
        options: GmailOptions,
        on_request: Callable[[], None],
        *,
        client_email: str,
        private_key: str,
        key_id: str,
        subject: str,
        scopes: tuple[str, ...] = (GMAIL_SCOPE,),
    ) -> None:
        super().__init__(http, options, on_request)
        self.client_email, self.private_key, self.key_id = client_email, private_key, key_id
        self.subject, self.scopes = subject, scopes

    def _key(self) -> str:
        return _cache_key("sa", self.client_email, self.key_id, self.subject, *self.scopes)

    def assertion(self, now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        claims = {
            "iss": self.client_email,
            "sub": self.subject,
            "scope": " ".join(self.scopes),
            "aud": self.options.token_url,
            "iat": issued,
            "exp": issued + 3600,
        }
        try:
            return jwt.sign(claims, self.private_key, self.key_id)
        except jwt.JwtError as exc:
            raise ConnectorError(
                f"The service-account key cannot sign ({exc}).",
                True,
                action="Upload the service account's JSON key again on the Gmail set-up page.",
            ) from None

    def _mint(self) -> dict[str, Any]:
        form = {"grant_type": JWT_BEARER, "assertion": self.assertion()}
        return _post_token(self.http, self.options, form, delegated=True)
