"""The Entra ID (v2.0 endpoint) side of the fake: OIDC discovery, authorize, token.

Implements what msal uses: `/{tenant}/v2.0/.well-known/openid-configuration`, instance
discovery, `/{tenant}/oauth2/v2.0/authorize` (signs in the user the test chose and redirects
back with `code` and `state`), and `/{tenant}/oauth2/v2.0/token` for authorization_code (with
PKCE S256 verification), refresh_token (rotating refresh tokens) and client_credentials.
Errors use Entra's shape: {"error", "error_description": "AADSTS...", "error_codes", ...}.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

GRAPH = "https://graph.microsoft.com/"
RESERVED = frozenset({"openid", "profile", "offline_access", "email"})


@dataclass
class App:
    client_id: str
    secret: str
    redirect_uris: set[str]
    roles: set[str] = field(default_factory=set)  # consented application permissions


@dataclass
class Grant:
    """What an access token stands for: an app alone, or an app acting for one user."""

    client_id: str
    tenant: str
    user_id: str | None
    scopes: frozenset[str]
    expires_at: float


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _short(scope: str) -> str:
    return scope[len(GRAPH) :] if scope.startswith(GRAPH) else scope


def _error(status: int, error: str, code: int, text: str) -> tuple[int, dict[str, Any]]:
    body = {
        "error": error,
        "error_description": f"AADSTS{code}: {text} Trace ID: {uuid.uuid4()} "
        f"Correlation ID: {uuid.uuid4()} Timestamp: {time.strftime('%Y-%m-%d %H:%M:%SZ')}",
        "error_codes": [code],
        "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ"),
        "trace_id": str(uuid.uuid4()),
        "correlation_id": str(uuid.uuid4()),
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }
    return status, body


class Entra:
    """One tenant's directory of apps, and the codes and tokens it issued."""

    def __init__(self, origin: str, tenant_id: str) -> None:
        self.origin = origin
        self.tenant_id = tenant_id
        self.apps: dict[str, App] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.refresh_tokens: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, Grant] = {}
        self.sign_in_user: str | None = None  # who "signs in" at the authorize endpoint
        self.token_lifetime = 3599
        self.lock = threading.Lock()

    def knows(self, tenant: str) -> bool:
        return tenant in (self.tenant_id, "organizations", "common")

    def discovery(self, tenant: str) -> dict[str, Any]:
        base = f"{self.origin}/{tenant}"
        return {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt",
                                                      "client_secret_basic"],
            "jwks_uri": f"{self.origin}/{tenant}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{self.origin}/{self.tenant_id}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{self.origin}/oidc/userinfo",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "oid", "tid"],
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
        }  # fmt: skip

    def instance_metadata(self, endpoint: str) -> dict[str, Any]:
        host = self.origin.split("//", 1)[1]
        return {
            "tenant_discovery_endpoint": f"{self.origin}/{self.tenant_id}/v2.0/.well-known/"
            "openid-configuration",
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        }

    # -- authorize -----------------------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> tuple[int, str]:
        """(status, Location or error text) for a GET of the authorize endpoint."""
        app = self.apps.get(query.get("client_id", ""))
        if app is None:
            return 400, "AADSTS700016: Application not found in the directory."
        redirect = query.get("redirect_uri", "")
        if redirect not in app.redirect_uris:
            return 400, "AADSTS50011: The redirect URI specified in the request does not match."
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return 302, f"{redirect}?" + urlencode({
                "error": "invalid_request", "state": query.get("state", ""),
                "error_description": "AADSTS9002325: Proof Key for Code Exchange is required.",
            })  # fmt: skip
        code = secrets.token_urlsafe(32)
        scopes = frozenset(_short(s) for s in query.get("scope", "").split())
        with self.lock:
            self.codes[code] = {
                "client_id": app.client_id, "redirect_uri": redirect, "user": self.sign_in_user,
                "challenge": query["code_challenge"], "scopes": scopes,
                "nonce": query.get("nonce"),
            }  # fmt: skip
        params = {"code": code, "state": query.get("state", ""), "session_state": str(uuid.uuid4())}
        return 302, f"{redirect}?{urlencode(params)}"

    # -- token ---------------------------------------------------------------------------------

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        app = self.apps.get(form.get("client_id", ""))
        if app is None:
            return _error(400, "unauthorized_client", 700016, "Application not found.")
        if form.get("client_secret") != app.secret:
            return _error(401, "invalid_client", 7000215, "Invalid client secret provided.")
        grant = form.get("grant_type")
        if grant == "authorization_code":
            return self._by_code(app, form)
        if grant == "refresh_token":
            return self._by_refresh(app, form)
        if grant == "client_credentials":
            return self._for_client(app, form)
        return _error(400, "unsupported_grant_type", 70003, "The grant type is not supported.")

    def _by_code(self, app: App, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            code = self.codes.pop(form.get("code", ""), None)
        if code is None or code["client_id"] != app.client_id:
            return _error(400, "invalid_grant", 54005, "OAuth2 Authorization code was already "
                          "redeemed or is not valid.")  # fmt: skip
        if code["redirect_uri"] != form.get("redirect_uri"):
            return _error(400, "invalid_grant", 50148, "The redirect_uri does not match.")
        verifier = form.get("code_verifier", "")
        if _b64(hashlib.sha256(verifier.encode()).digest()) != code["challenge"]:
            return _error(400, "invalid_grant", 501481, "The Code_Verifier does not match the "
                          "code_challenge supplied in the authorization request.")  # fmt: skip
        return 200, self._user_tokens(app, code["user"], code["scopes"], code["nonce"])

    def _by_refresh(self, app: App, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            held = self.refresh_tokens.get(form.get("refresh_token", ""))
        if held is None or held["client_id"] != app.client_id:
            return _error(400, "invalid_grant", 9002313, "Invalid request. Request is malformed "
                          "or invalid.")  # fmt: skip
        if held["revoked"]:
            return _error(400, "invalid_grant", 50173, "The provided grant has expired due to "
                          "it being revoked, a fresh auth token is needed.")  # fmt: skip
        return 200, self._user_tokens(app, held["user"], held["scopes"], None)

    def _for_client(self, app: App, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("scope", "") != f"{GRAPH}.default":
            return _error(
                400,
                "invalid_scope",
                1002012,
                "The provided value for scope is not "
                "valid. Client credential flows must have a scope value with /.default.",
            )
        token = self._issue(Grant(app.client_id, self.tenant_id, None, frozenset(app.roles),
                                  time.time() + self.token_lifetime))  # fmt: skip
        return 200, {"token_type": "Bearer", "expires_in": self.token_lifetime,
                     "ext_expires_in": self.token_lifetime, "access_token": token}  # fmt: skip

    def _issue(self, grant: Grant) -> str:
        token = "eyJ0eXAiOiJKV1QifQ." + secrets.token_urlsafe(48)
        with self.lock:
            self.access_tokens[token] = grant
        return token

    def _user_tokens(
        self, app: App, user_id: str | None, scopes: frozenset[str], nonce: str | None
    ) -> dict[str, Any]:
        granted = frozenset(s for s in scopes if s not in RESERVED)
        access = self._issue(Grant(app.client_id, self.tenant_id, user_id, granted,
                                   time.time() + self.token_lifetime))  # fmt: skip
        refresh = "0.AQ" + secrets.token_urlsafe(64)
        with self.lock:
            self.refresh_tokens[refresh] = {"client_id": app.client_id, "user": user_id,
                                            "scopes": scopes, "revoked": False}  # fmt: skip
        claims = {
            "aud": app.client_id, "iss": f"{self.origin}/{self.tenant_id}/v2.0",
            "iat": int(time.time()), "nbf": int(time.time()), "exp": int(time.time()) + 3600,
            "name": "Fake User", "oid": user_id, "preferred_username": self.upn_of(user_id),
            "sub": _b64(hashlib.sha256(f"{user_id}".encode()).digest()),
            "tid": self.tenant_id, "ver": "2.0",
        }  # fmt: skip
        if nonce:
            claims["nonce"] = nonce
        header = _b64(json.dumps({"typ": "JWT", "alg": "RS256", "kid": "fake"}).encode())
        id_token = f"{header}.{_b64(json.dumps(claims).encode())}.{_b64(secrets.token_bytes(32))}"
        client_info = _b64(json.dumps({"uid": user_id, "utid": self.tenant_id}).encode())
        return {
            "token_type": "Bearer", "scope": " ".join(sorted(scopes | {"openid", "profile"})),
            "expires_in": self.token_lifetime, "ext_expires_in": self.token_lifetime,
            "access_token": access, "refresh_token": refresh, "id_token": id_token,
            "client_info": client_info,
        }  # fmt: skip

    upn_of: Any = staticmethod(lambda user_id: user_id)  # replaced by the server

    # -- knobs ---------------------------------------------------------------------------------

    def revoke_user(self, user_id: str) -> None:
        """An admin revoked the user's sessions: refresh tokens stop working."""
        with self.lock:
            for held in self.refresh_tokens.values():
                if held["user"] == user_id:
                    held["revoked"] = True

    def expire_access_tokens(self) -> None:
        with self.lock:
            for grant in self.access_tokens.values():
                grant.expires_at = 0

    def grant_for(self, token: str) -> Grant | None:
        with self.lock:
            grant = self.access_tokens.get(token)
        if grant is None or grant.expires_at < time.time():
            return None
        return grant
