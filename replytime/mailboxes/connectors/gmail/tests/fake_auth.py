"""The fake's OAuth side: the consent screen (authorization endpoint), the token endpoint
(authorization_code with PKCE S256, refresh_token, and jwt-bearer assertions checked against the
service account's public key and the domain-wide delegation grants), access tokens, JWKS and
Google-signed OIDC tokens (id_token, Pub/Sub push)."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from replytime.mailboxes.connectors.gmail import jwt
from replytime.mailboxes.connectors.gmail.conf import DIRECTORY_SCOPE, GMAIL_SCOPE, JWT_BEARER
from replytime.mailboxes.connectors.gmail.tests.fake_http import Reply

IDENTITY = {"openid", "email", "profile"}
GRANTABLE = IDENTITY | {GMAIL_SCOPE}
ISSUER = "https://accounts.google.com"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_of(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@dataclass
class Client:
    client_id: str
    secret: str
    redirect_uris: set[str]


@dataclass
class ServiceAccount:
    email: str
    client_id: str
    key_id: str
    key: rsa.RSAPrivateKey
    delegated_scopes: set[str] = field(default_factory=set)

    def json_key(self, project: str, token_uri: str) -> dict[str, str]:
        """The JSON key file Google Cloud hands out for this account."""
        return {
            "type": "service_account", "project_id": project, "private_key_id": self.key_id,
            "private_key": pem_of(self.key), "client_email": self.email,
            "client_id": self.client_id, "token_uri": token_uri,
        }  # fmt: skip


@dataclass
class AccessToken:
    user: str
    scopes: set[str]
    expires: float
    client: str


def _oauth_error(status: int, error: str, description: str) -> Reply:
    return Reply(status, {"error": error, "error_description": description})


class FakeAuth:
    def __init__(self, token_url: str) -> None:
        self.token_url = token_url
        self.clients: dict[str, Client] = {}
        self.service_accounts: dict[str, ServiceAccount] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.refresh: dict[str, dict[str, Any]] = {}
        self.access: dict[str, AccessToken] = {}
        self.signing_key = new_key()
        self.signing_kid = secrets.token_hex(8)
        self.consent = "grant"  # or "deny", or "no-gmail" (the owner unticks the scope)
        self.signed_in = ""
        self.chosen_account = ""  # the owner picks this Google account, whatever the hint
        self.token_lifetime = 3599

    # -- set-up --------------------------------------------------------------------------------

    def add_client(self, redirect_uri: str) -> Client:
        client = Client(f"{secrets.token_hex(6)}.apps.googleusercontent.com",
                        f"GOCSPX-{secrets.token_urlsafe(20)}", {redirect_uri})  # fmt: skip
        self.clients[client.client_id] = client
        return client

    def add_service_account(self, project: str, scopes: set[str]) -> ServiceAccount:
        account = ServiceAccount(f"replytime-{secrets.token_hex(3)}@{project}.iam.gserviceaccount.com",
                                 str(10**20 + secrets.randbelow(10**19)), secrets.token_hex(20),
                                 new_key(), set(scopes))  # fmt: skip
        self.service_accounts[account.email] = account
        return account

    def revoke(self, user: str) -> None:
        """The user removes replytime's access (or the grant expires)."""
        for grant in self.refresh.values():
            if grant["user"] == user:
                grant["revoked"] = True
        self.access = {t: a for t, a in self.access.items() if a.user != user}

    def expire_access_tokens(self) -> None:
        for token in self.access.values():
            token.expires = 0

    def jwks(self) -> dict[str, Any]:
        return {"keys": [jwt.jwk_of(self.signing_key.public_key(), self.signing_kid)]}

    def google_token(self, claims: dict[str, Any]) -> str:
        """A token signed by the fake's Google key (id_token, Pub/Sub push OIDC token)."""
        now = int(time.time())
        full = {"iss": ISSUER, "iat": now, "exp": now + 3600, **claims}
        return jwt.sign(full, pem_of(self.signing_key), self.signing_kid)

    # -- endpoints -----------------------------------------------------------------------------

    def authorize(self, params: dict[str, str], users: set[str]) -> Reply:
        client = self.clients.get(params.get("client_id", ""))
        redirect = params.get("redirect_uri", "")
        if client is None:
            return Reply(
                401, raw=b"Error 401: invalid_client", headers={"Content-Type": "text/plain"}
            )
        if redirect not in client.redirect_uris:
            return Reply(
                400, raw=b"Error 400: redirect_uri_mismatch", headers={"Content-Type": "text/plain"}
            )
        scopes = set(params.get("scope", "").split())
        problem = ""
        if params.get("response_type") != "code":
            problem = "unsupported_response_type"
        elif GMAIL_SCOPE not in scopes or not scopes <= GRANTABLE:
            problem = "invalid_scope"
        elif params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            problem = "invalid_request"
        elif self.consent == "deny":
            problem = "access_denied"
        if problem:
            return self._redirect(redirect, {"error": problem, "state": params.get("state", "")})
        user = params.get("login_hint", "") if params.get("login_hint") in users else self.signed_in
        user = self.chosen_account or user
        granted = scopes - {GMAIL_SCOPE} if self.consent == "no-gmail" else scopes
        code = f"4/0{secrets.token_urlsafe(30)}"
        self.codes[code] = {"client": client.client_id, "redirect": redirect, "user": user,
                            "scopes": granted, "challenge": params["code_challenge"],
                            "expires": time.time() + 600}  # fmt: skip
        query = {"state": params.get("state", ""), "code": code, "scope": " ".join(sorted(granted))}
        return self._redirect(redirect, query)

    @staticmethod
    def _redirect(uri: str, query: dict[str, str]) -> Reply:
        return Reply(302, headers={"Location": f"{uri}?{urlencode(query)}"})

    def token(self, form: dict[str, str], users: dict[str, bool]) -> Reply:
        grant = form.get("grant_type", "")
        if grant == "authorization_code":
            return self._code(form)
        if grant == "refresh_token":
            return self._refresh(form)
        if grant == JWT_BEARER:
            return self._assertion(form, users)
        return _oauth_error(400, "unsupported_grant_type", "Invalid grant_type: " + grant)

    def _client_ok(self, form: dict[str, str]) -> Client | None:
        client = self.clients.get(form.get("client_id", ""))
        return (
            client
            if client and secrets.compare_digest(client.secret, form.get("client_secret", ""))
            else None
        )

    def _issue(self, user: str, scopes: set[str], client: str) -> dict[str, Any]:
        access = f"ya29.{secrets.token_urlsafe(40)}"
        self.access[access] = AccessToken(user, scopes, time.time() + self.token_lifetime, client)
        return {"access_token": access, "expires_in": self.token_lifetime,
                "scope": " ".join(sorted(scopes)), "token_type": "Bearer"}  # fmt: skip

    def _code(self, form: dict[str, str]) -> Reply:
        client = self._client_ok(form)
        if client is None:
            return _oauth_error(401, "invalid_client", "The OAuth client was not found.")
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or grant["expires"] < time.time() or grant["client"] != client.client_id:
            return _oauth_error(400, "invalid_grant", "Bad Request")
        if form.get("redirect_uri") != grant["redirect"]:
            return _oauth_error(400, "redirect_uri_mismatch", "Bad Request")
        verifier = form.get("code_verifier", "")
        digest = jwt.b64url(hashlib.sha256(verifier.encode()).digest())
        if not verifier or not secrets.compare_digest(digest, grant["challenge"]):
            return _oauth_error(400, "invalid_grant", "Invalid code verifier.")
        refresh = f"1//0{secrets.token_urlsafe(40)}"
        self.refresh[refresh] = {"user": grant["user"], "scopes": grant["scopes"],
                                 "client": client.client_id, "revoked": False}  # fmt: skip
        body = self._issue(grant["user"], grant["scopes"], client.client_id)
        body["refresh_token"] = refresh
        body["id_token"] = self.google_token(
            {
                "aud": client.client_id,
                "sub": hashlib.sha1(grant["user"].encode()).hexdigest(),
                "email": grant["user"],
                "email_verified": True,
            }
        )
        return Reply(200, body)

    def _refresh(self, form: dict[str, str]) -> Reply:
        client = self._client_ok(form)
        if client is None:
            return _oauth_error(401, "invalid_client", "Unauthorized")
        grant = self.refresh.get(form.get("refresh_token", ""))
        if grant is None or grant["revoked"] or grant["client"] != client.client_id:
            return _oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
        return Reply(200, self._issue(grant["user"], grant["scopes"], client.client_id))

    def _assertion(self, form: dict[str, str], users: dict[str, bool]) -> Reply:
        try:
            header, claims, _signing_input, _signature = jwt.split(form.get("assertion", ""))
        except jwt.JwtError:
            return _oauth_error(400, "invalid_grant", "Invalid JWT.")
        account = self.service_accounts.get(str(claims.get("iss", "")))
        if account is None or header.get("alg") != "RS256":
            return _oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        try:
            jwt.verify(form["assertion"], {str(header.get("kid", "")): account.key.public_key()},
                       audience=self.token_url, issuers=(account.email,), leeway=0)  # fmt: skip
        except jwt.JwtError:
            return _oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        if int(claims.get("exp", 0)) - int(claims.get("iat", 0)) > 3600:
            message = "Invalid JWT: Token must be a short-lived token (60 minutes)"
            return _oauth_error(400, "invalid_grant", message)
        scopes = set(str(claims.get("scope", "")).split())
        if not scopes or not scopes <= account.delegated_scopes:
            message = ("Client is unauthorized to retrieve access tokens using this method, or "
                       "client not authorized for any of the scopes requested.")  # fmt: skip
            return _oauth_error(401, "unauthorized_client", message)
        subject = str(claims.get("sub", ""))
        if subject not in users:
            return _oauth_error(400, "invalid_grant", "Invalid email or User ID")
        return Reply(200, self._issue(subject, scopes, account.client_id))

    def bearer(self, header: str) -> AccessToken | None:
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        found = self.access.get(token)
        if found is None or found.expires < time.time():
            return None
        return found


def directory_allowed(token: AccessToken) -> bool:
    return bool(
        {DIRECTORY_SCOPE, "https://www.googleapis.com/auth/admin.directory.user"} & token.scopes
    )
