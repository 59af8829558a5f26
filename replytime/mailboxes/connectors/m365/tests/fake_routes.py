"""Request routing of the fake Graph: Entra endpoints, /me, /users, mail folders, delta,
subscriptions. Each handler returns (status, body, extra headers)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote

from replytime.mailboxes.connectors.m365.tests.fake_mail import (
    BODY_PROPERTIES,
    FOLDER_NAMES,
    MESSAGE_PROPERTIES,
    USER_PROPERTIES,
    DeltaState,
    User,
    parse_iso,
    project,
)

if TYPE_CHECKING:
    from replytime.mailboxes.connectors.m365.tests.fake_entra import Grant
    from replytime.mailboxes.connectors.m365.tests.fake_graph import FakeGraph

Answer = tuple[int, Any, dict[str, str]]
MAIL_READ = {"Mail.Read", "Mail.Read.All"}
MAIL_ANY = MAIL_READ | {"Mail.ReadBasic", "Mail.ReadBasic.All"}
DIRECTORY = {"User.Read.All", "User.ReadBasic.All", "Directory.Read.All"}
_FILTER = re.compile(r"^receivedDateTime (ge|gt) (\S+)$")
_RESOURCE = re.compile(r"^/?(?:users/([^/]+)|me)/mailFolders\('?(\w+)'?\)/messages$", re.I)


def err(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Answer:
    from replytime.mailboxes.connectors.m365.tests.fake_graph import graph_error

    return status, graph_error(code, message), headers or {}


class Routes:
    def __init__(self, fake: FakeGraph) -> None:
        self.fake = fake

    def dispatch(self, handler: Any, path: str, query: dict[str, list[str]], raw: bytes,
                 prefer: str) -> Answer:  # fmt: skip
        method = handler.command
        q = {k: v[0] for k, v in query.items()}
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts[0] != "v1.0":
            return self.entra(method, parts, q, raw)
        token = (handler.headers.get("Authorization") or "").removeprefix("Bearer ")
        grant = self.fake.entra.grant_for(token)
        if grant is None:
            return err(401, "InvalidAuthenticationToken", "Access token has expired or is not "
                       "yet valid.", {"WWW-Authenticate": 'Bearer realm=""'})  # fmt: skip
        rest = parts[1:]
        if rest[:1] == ["subscriptions"]:
            return self.subscriptions(method, rest, raw, grant)
        if rest == ["me"]:
            user = self.fake.mail.users.get(grant.user_id or "")
            if user is None:
                return err(400, "BadRequest", "/me request is only valid with delegated "
                           "authentication flow.")  # fmt: skip
            return self.profile(user, q)
        if rest == ["users"]:
            return self.users(grant, q)
        if len(rest) >= 2 and rest[0] == "users" and method == "GET":
            return self.user_routes(grant, rest[1], rest[2:], q, prefer)
        return err(400, "BadRequest", "Resource not found for the segment.")

    # -- Entra ---------------------------------------------------------------------------------

    def entra(self, method: str, parts: list[str], q: dict[str, str], raw: bytes) -> Answer:
        entra, tenant = self.fake.entra, parts[0]
        if parts[1:] == ["discovery", "instance"]:
            return 200, entra.instance_metadata(q.get("authorization_endpoint", "")), {}
        if not entra.knows(tenant):
            return 400, {"error": "invalid_tenant", "error_description": f"AADSTS90002: Tenant "
                         f"'{tenant}' not found."}, {}  # fmt: skip
        if parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            return 200, entra.discovery(tenant), {}
        if parts[1:] == ["oauth2", "v2.0", "authorize"] and method == "GET":
            status, where = entra.authorize(q)
            if status == 302:
                return 302, "", {"Location": where}
            return status, where, {}
        if parts[1:] == ["oauth2", "v2.0", "token"] and method == "POST":
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            status, body = entra.token(form)
            return status, body, {"Cache-Control": "no-store", "Pragma": "no-cache"}
        return 404, "Not found", {}

    # -- directory -----------------------------------------------------------------------------

    def _select(self, q: dict[str, str], allowed: frozenset[str]) -> tuple[str, ...] | Answer:
        names = tuple(s.strip() for s in q.get("$select", "").split(",") if s.strip())
        for name in names:
            if name not in allowed:
                return err(400, "RequestBroker--ParseUri", f"Could not find a property named "
                           f"'{name}' on type 'microsoft.graph.entity'.")  # fmt: skip
        return names

    def profile(self, user: User, q: dict[str, str]) -> Answer:
        select = self._select(q, USER_PROPERTIES)
        if not isinstance(select, tuple):
            return select
        data = user.profile()
        body = {k: v for k, v in data.items() if not select or k in select}
        body["@odata.context"] = f"{self.fake.graph_url}/$metadata#users/$entity"
        return 200, body, {}

    def users(self, grant: Grant, q: dict[str, str]) -> Answer:
        if grant.user_id is not None or not grant.scopes & DIRECTORY:
            return err(403, "Authorization_RequestDenied", "Insufficient privileges to complete "
                       "the operation.")  # fmt: skip
        select = self._select(q, USER_PROPERTIES)
        if not isinstance(select, tuple):
            return select
        top = min(999, int(q.get("$top", "100")))
        users = sorted(self.fake.mail.users.values(), key=lambda u: u.upn)
        start = int(q.get("$skiptoken", "0") or 0)
        page = users[start : start + top]
        fields = select or ("id", "displayName", "mail", "userPrincipalName")
        body: dict[str, Any] = {
            "@odata.context": f"{self.fake.graph_url}/$metadata#users({','.join(fields)})",
            "value": [{k: u.profile()[k] for k in fields} for u in page],
        }
        if start + top < len(users):
            sel = quote(",".join(fields))
            body["@odata.nextLink"] = (f"{self.fake.graph_url}/users?$select={sel}&$top={top}"
                                       f"&$skiptoken={start + top}")  # fmt: skip
        return 200, body, {}

    # -- mailboxes -----------------------------------------------------------------------------

    def user_routes(self, grant: Grant, key: str, rest: list[str], q: dict[str, str],
                    prefer: str) -> Answer:  # fmt: skip
        user = self.fake.mail.find(key)
        if user is None:
            return err(
                404,
                "Request_ResourceNotFound",
                f"Resource '{key}' does not exist or one "
                "of its queried reference-property objects are not present.",
            )
        if not rest:
            if grant.user_id not in (None, user.id):
                return err(403, "Authorization_RequestDenied", "Insufficient privileges.")
            return self.profile(user, q)
        if rest[0] != "mailFolders" or len(rest) < 2 or rest[1].lower() not in FOLDER_NAMES:
            return err(400, "BadRequest", "Unsupported segment in the fake.")
        denied = self._mail_denied(grant, user)
        if denied is not None:
            return denied
        folder = rest[1].lower()
        if len(rest) == 2:
            return 200, {"@odata.context": f"{self.fake.graph_url}/$metadata#mailFolders/$entity",
                         "id": user.folders[folder].folder_id,
                         "displayName": FOLDER_NAMES[folder]}, {}  # fmt: skip
        if rest[2:] == ["messages", "delta"]:
            return self.delta(grant, user, folder, q, prefer)
        return err(400, "BadRequest", "Unsupported segment in the fake.")

    def _mail_denied(self, grant: Grant, user: User) -> Answer | None:
        if grant.user_id is None:
            if not grant.scopes & MAIL_ANY:
                return err(403, "ErrorAccessDenied", "Access is denied. Check credentials and "
                           "try again.")  # fmt: skip
            policy = self.fake.policy
            if policy is not None and user.id not in policy:
                return err(
                    403,
                    "ErrorAccessDenied",
                    "Access to OData is disabled: [RAOP] : "
                    "Blocked by tenant configured AppOnly AccessPolicy settings.",
                )
        elif grant.user_id != user.id or not grant.scopes & MAIL_ANY:
            return err(403, "ErrorAccessDenied", "Access is denied. Check credentials and try "
                       "again.")  # fmt: skip
        if not user.has_mailbox:
            return err(404, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, "
                       "soft-deleted, or is hosted on-premise.")  # fmt: skip
        return None

    def delta(self, grant: Grant, user: User, folder: str, q: dict[str, str],
              prefer: str) -> Answer:  # fmt: skip
        mail = self.fake.mail
        if "attachments" in q.get("$expand", ""):
            return err(400, "ErrorInvalidProperty", "The fake Graph refuses $expand=attachments.")
        token = q.get("$skiptoken") or q.get("$deltatoken")
        if token is not None:
            state = mail.recall(token)
            if state is None:
                return err(410, "SyncStateNotFound", "The sync state generation is not found; "
                           "generation=149;[highest=157].")  # fmt: skip
            if "$deltatoken" in q:
                state = mail.changes_since(state)
        else:
            state_or_error = self._new_round(user, folder, q)
            if not isinstance(state_or_error, DeltaState):
                return state_or_error
            state = state_or_error
        prefs = _preferences(prefer)
        size = min(int(prefs.get("odata.maxpagesize", "10")), self.fake_max_page)
        immutable = prefs.get("IdType", "").strip('"') == "ImmutableId"
        entries, rest = mail.take_page(state, size)
        full = bool(grant.scopes & MAIL_READ)
        base = f"{self.fake.graph_url}/users/{user.id}/mailFolders/{folder}/messages/delta"
        body: dict[str, Any] = {
            "@odata.context": f"{self.fake.graph_url}/$metadata#Collection(message)",
            "value": [project(e, state.select, full=full, immutable=immutable) for e in entries],
        }
        if rest is not None:
            body["@odata.nextLink"] = f"{base}?$skiptoken={mail.remember(rest)}"
        else:
            done = DeltaState(user.id, folder, state.select, state.since, [], state.seq)
            body["@odata.deltaLink"] = f"{base}?$deltatoken={mail.remember(done)}"
        applied = [f"odata.maxpagesize={size}"] + (['IdType="ImmutableId"'] if immutable else [])
        return 200, body, {"Preference-Applied": ", ".join(applied)}

    fake_max_page = 1000

    def _new_round(self, user: User, folder: str, q: dict[str, str]) -> DeltaState | Answer:
        select = self._select(q, MESSAGE_PROPERTIES)
        if not isinstance(select, tuple):
            return select
        if set(select) & BODY_PROPERTIES:
            return err(400, "ErrorInvalidProperty", "The fake Graph refuses body, bodyPreview "
                       "and uniqueBody: replytime must never ask for them.")  # fmt: skip
        since = None
        if "$filter" in q:
            match = _FILTER.match(q["$filter"])
            if match is None:
                return err(400, "ErrorInvalidUrlQueryFilter", "The query filter contains one "
                           "or more invalid nodes.")  # fmt: skip
            since = parse_iso(match.group(2))
        return self.fake.mail.start_round(user, folder, select, since)

    # -- subscriptions -------------------------------------------------------------------------

    def subscriptions(self, method: str, rest: list[str], raw: bytes, grant: Grant) -> Answer:
        subs = self.fake.subscriptions
        body = json.loads(raw or b"{}")
        if method == "POST" and len(rest) == 1:
            status, result = subs.create(body, grant.client_id, self._resource_user(grant))
        elif method == "PATCH" and len(rest) == 2:
            status, result = subs.renew(rest[1], body)
        elif method == "DELETE" and len(rest) == 2:
            return (204, "", {}) if subs.delete(rest[1]) else err(404, "ResourceNotFound", "x")
        else:
            return err(405, "MethodNotAllowed", "Not supported by the fake.")
        if status >= 400:
            code = "ResourceNotFound" if status == 404 else "ValidationError"
            return err(status, code, str(result))
        return status, result, {}

    def _resource_user(self, grant: Grant) -> Any:
        def user_of(resource: str) -> str | None:
            match = _RESOURCE.match(resource)
            if match is None or match.group(2).lower() not in FOLDER_NAMES:
                return None
            user = (
                self.fake.mail.find(match.group(1))
                if match.group(1)
                else (self.fake.mail.users.get(grant.user_id or ""))
            )
            if user is None or self._mail_denied(grant, user) is not None:
                return None
            return user.id

        return user_of


def _preferences(prefer: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in prefer.split(","):
        name, _, value = part.strip().partition("=")
        if name:
            found[name.strip()] = value.strip()
    return found
