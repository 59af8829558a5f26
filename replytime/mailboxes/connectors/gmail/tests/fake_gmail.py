"""A local fake of Google for the Gmail connector: a real HTTP server on 127.0.0.1.

It serves the documented endpoints (OAuth consent and token endpoints, Gmail users.* methods,
the batch endpoint, the Admin SDK Directory `users.list`, JWKS and the Gmail discovery
document) with Google's parameter rules and error envelopes, enforces per-user quota units in
a moving window, and can inject 5xx answers, revoke grants and expire history. Its request
log (inner batch calls included) lets tests prove that no request ever asked for a body.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from replytime.mailboxes.connectors.gmail.conf import GMAIL_SCOPE, GmailOptions
from replytime.mailboxes.connectors.gmail.tests.fake_auth import (
    AccessToken,
    FakeAuth,
    directory_allowed,
)
from replytime.mailboxes.connectors.gmail.tests.fake_http import (
    Reply,
    build_batch,
    check_params,
    google_error,
    parse_batch,
)
from replytime.mailboxes.connectors.gmail.tests.fake_mail import FakeMailbox, GmailHandlers

UNITS = {"getProfile": 1, "messages.list": 5, "messages.get": 5, "history.list": 2,
         "watch": 100, "stop": 50}  # fmt: skip
PROJECT = "replytime-test"


@dataclass
class Logged:
    """One request the fake answered (a batch's inner calls are logged one by one)."""

    method: str
    path: str
    params: dict[str, list[str]]
    status: int
    api: str = ""
    user: str = ""
    in_batch: bool = False
    bytes_in: int = 0
    bytes_out: int = 0


@dataclass
class DirectoryUser:
    email: str
    name: str
    admin: bool = False
    suspended: bool = False
    aliases: list[str] = field(default_factory=list)


class FakeGoogle:
    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.auth = FakeAuth(f"{self.base}/token")
        self.gmail = GmailHandlers()
        self.mailboxes: dict[str, FakeMailbox] = {}
        self.users: dict[str, DirectoryUser] = {}
        self.log: list[Logged] = []
        self.lock = threading.RLock()
        self.quota_rate: float | None = None  # units per user per second; None: no limit
        self.quota_window = 60.0
        self.quota_status = 429  # or 403 (userRateLimitExceeded)
        self.quota_retry_after: float | None = None
        self._spent: dict[str, deque[tuple[float, int]]] = defaultdict(deque)
        self.faults: list[int] = []  # statuses for the next Gmail calls (5xx injection)
        self.fault_every = 0  # every n-th Gmail call answers 503 (0: never)
        self._calls = 0
        self.latency = 0.0  # seconds added to every HTTP round trip (a network's)
        self.directory_page_cap = 500  # Directory users.list answers at most this many a page
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- life cycle and set-up -------------------------------------------------------------------

    def start(self) -> FakeGoogle:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def options(self, **changes: Any) -> GmailOptions:
        """Connector options pointing every endpoint at this fake."""
        base = GmailOptions(
            auth_url=f"{self.base}/o/oauth2/v2/auth", token_url=f"{self.base}/token",
            gmail_url=self.base, directory_url=self.base, certs_url=f"{self.base}/oauth2/v3/certs",
            backoff_base=0.01, max_inline_wait=5.0, units_per_second=1e9,
        )  # fmt: skip
        return base.with_(**changes)

    def add_user(self, email: str, name: str = "", *, admin: bool = False,
                 suspended: bool = False, aliases: tuple[str, ...] = ()) -> FakeMailbox:  # fmt: skip
        self.users[email] = DirectoryUser(email, name or email.split("@")[0], admin, suspended,
                                          list(aliases))  # fmt: skip
        return self.mailboxes.setdefault(email, FakeMailbox(email))

    def reset_log(self) -> None:
        with self.lock:
            self.log.clear()

    def gmail_calls(self, api: str | None = None) -> list[Logged]:
        return [e for e in self.log if e.api and (api is None or e.api == api)]

    def body_requests(self) -> list[Logged]:
        """Logged calls that asked for more than metadata: a message body, raw, or a search."""
        bad = []
        for entry in self.log:
            fmt = entry.params.get("format", ["full"])
            if (
                (entry.api == "messages.get" and fmt[0] not in ("metadata", "minimal"))
                or "q" in entry.params
                or "snippet" in ",".join(entry.params.get("fields", []))
            ):
                bad.append(entry)
        return bad

    # -- quota and faults ------------------------------------------------------------------------

    def _quota(self, user: str, units: int) -> Reply | None:
        if self.quota_rate is None:
            return None
        now = time.monotonic()
        spent = self._spent[user]
        while spent and spent[0][0] <= now - self.quota_window:
            spent.popleft()
        if sum(u for _t, u in spent) + units > self.quota_rate * self.quota_window:
            headers = (
                {"Retry-After": f"{self.quota_retry_after:g}"} if self.quota_retry_after else {}
            )
            if self.quota_status == 403:
                reply = google_error(403, "User-rate limit exceeded.", "userRateLimitExceeded",
                                     "usageLimits")  # fmt: skip
            else:
                reply = google_error(429, "Too many concurrent requests for user.",
                                     "rateLimitExceeded", "usageLimits")  # fmt: skip
            reply.headers.update(headers)
            return reply
        spent.append((now, units))
        return None

    def _fault(self) -> Reply | None:
        self._calls += 1
        status = self.faults.pop(0) if self.faults else 0
        if not status and self.fault_every and self._calls % self.fault_every == 0:
            status = 503
        if not status:
            return None
        return google_error(status, "The service is currently unavailable.", "backendError")

    # -- dispatch --------------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes,
               *, in_batch: bool = False) -> Reply:  # fmt: skip
        parts = urlsplit(target)
        path, params = unquote(parts.path), parse_qs(parts.query, keep_blank_values=True)
        entry = Logged(method, path, params, 0, in_batch=in_batch, bytes_in=len(body) + len(target))
        with self.lock:
            reply = self._route(method, path, params, headers, body, entry)
            reply.compact = params.get("prettyPrint") == ["false"]
            entry.status = reply.status
            entry.bytes_out = len(reply.payload())
            self.log.append(entry)
        return reply

    def _route(self, method: str, path: str, params: dict[str, list[str]], headers: dict[str, str],
               body: bytes, entry: Logged) -> Reply:  # fmt: skip
        flat = {k: v[0] for k, v in params.items()}
        if path == "/o/oauth2/v2/auth" and method == "GET":
            return self.auth.authorize(flat, set(self.users))
        if path == "/token" and method == "POST":
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            return self.auth.token(form, {u: not d.suspended for u, d in self.users.items()})
        if path == "/oauth2/v3/certs":
            return Reply(200, self.auth.jwks())
        if path.startswith("/discovery/v1/apis/gmail/v1/rest"):
            return self._discovery()
        if path in ("/batch/gmail/v1", "/batch") and method == "POST":
            return self._batch(headers, body, entry)
        if path.startswith("/gmail/v1/users/"):
            return self._gmail(method, path, params, headers, body, entry)
        if path == "/admin/directory/v1/users" and method == "GET":
            return self._directory(params, headers, entry)
        return google_error(404, "Not Found", "notFound")

    def _token(self, headers: dict[str, str]) -> AccessToken | Reply:
        token = self.auth.bearer(headers.get("authorization", ""))
        if token is None:
            message = "Request had invalid authentication credentials."
            return google_error(401, message, "authError", location="Authorization",
                                locationType="header")  # fmt: skip
        return token

    def _gmail(self, method: str, path: str, params: dict[str, list[str]], headers: dict[str, str],
               body: bytes, entry: Logged) -> Reply:  # fmt: skip
        token = self._token(headers)
        if isinstance(token, Reply):
            return token
        user_id, _sep, rest = path.removeprefix("/gmail/v1/users/").partition("/")
        route = self._gmail_route(method, rest)
        if route is None:
            return google_error(404, "Not Found", "notFound")
        entry.api, entry.user = route, token.user
        if GMAIL_SCOPE not in token.scopes:
            return google_error(403, "Request had insufficient authentication scopes.",
                                "insufficientPermissions")  # fmt: skip
        if user_id not in ("me", token.user) or token.user not in self.mailboxes:
            return google_error(403, "Delegation denied", "forbidden")
        if fault := self._fault():
            return fault
        if over := self._quota(token.user, UNITS[route]):
            return over
        return self._call_gmail(route, self.mailboxes[token.user], rest, params, body)

    @staticmethod
    def _gmail_route(method: str, rest: str) -> str | None:
        routes = {("GET", "profile"): "getProfile", ("GET", "messages"): "messages.list",
                  ("GET", "history"): "history.list", ("POST", "watch"): "watch",
                  ("POST", "stop"): "stop"}  # fmt: skip
        if (method, rest) in routes:
            return routes[(method, rest)]
        if method == "GET" and rest.startswith("messages/") and rest.count("/") == 1:
            return "messages.get"
        return None

    def _call_gmail(self, route: str, box: FakeMailbox, rest: str,
                    params: dict[str, list[str]], body: bytes) -> Reply:  # fmt: skip
        if route == "getProfile":
            return self.gmail.profile(box, params)
        if route == "messages.list":
            return self.gmail.list(box, params)
        if route == "messages.get":
            return self.gmail.get(box, rest.split("/", 1)[1], params)
        if route == "history.list":
            return self.gmail.history(box, params)
        if route == "watch":
            try:
                data = json.loads(body or b"null")
            except ValueError:
                data = None
            return self.gmail.watch(box, params, data, PROJECT)
        return Reply(204)

    def _batch(self, headers: dict[str, str], body: bytes, entry: Logged) -> Reply:
        try:
            inner = parse_batch(headers.get("content-type", ""), body)
        except ValueError as exc:
            return google_error(400, str(exc), "badRequest")
        if len(inner) > 100:
            return google_error(
                400, "A batch request cannot contain more than 100 calls.", "badRequest"
            )
        answers: list[tuple[str, Reply]] = []
        for call in inner:
            if not call.target.startswith("/gmail/v1/"):
                answers.append(
                    (call.content_id, google_error(400, "Not a Gmail call", "badRequest"))
                )
                continue
            merged = {**headers, **call.headers}
            reply = self.handle(call.method, call.target, merged, call.body, in_batch=True)
            answers.append((call.content_id, reply))
        entry.api = "batch"
        return build_batch(answers)

    def _directory(
        self, params: dict[str, list[str]], headers: dict[str, str], entry: Logged
    ) -> Reply:
        token = self._token(headers)
        if isinstance(token, Reply):
            return token
        entry.api, entry.user = "directory.users.list", token.user
        admin = self.users.get(token.user)
        if not directory_allowed(token) or admin is None or not admin.admin:
            return google_error(403, "Not Authorized to access this resource/api", "forbidden")
        allowed = {"customer", "domain", "maxResults", "pageToken", "orderBy", "projection",
                   "viewType", "query", "showDeleted", "sortOrder", "customFieldMask", "event"}  # fmt: skip
        if error := check_params(params, allowed):
            return error
        customer, domain = params.get("customer", [""])[0], params.get("domain", [""])[0]
        if not customer and not domain:
            return google_error(400, "Bad Request", "badRequest")
        users = sorted((u for u in self.users.values()
                        if not domain or u.email.endswith(f"@{domain}")), key=lambda u: u.email)  # fmt: skip
        size = max(1, min(self.directory_page_cap, int(params.get("maxResults", ["100"])[0])))
        offset = int(params.get("pageToken", ["0"])[0] or 0)
        page = users[offset : offset + size]
        answer: dict[str, Any] = {"kind": "admin#directory#users", "etag": '"fake"',
                                  "users": [self._dir_user(u) for u in page]}  # fmt: skip
        if offset + size < len(users):
            answer["nextPageToken"] = str(offset + size)
        return Reply(200, answer)

    @staticmethod
    def _dir_user(user: DirectoryUser) -> dict[str, Any]:
        given, _sp, family = user.name.partition(" ")
        return {
            "kind": "admin#directory#user", "id": str(abs(hash(user.email)) % 10**21),
            "primaryEmail": user.email,
            "name": {"givenName": given, "familyName": family, "fullName": user.name},
            "isAdmin": user.admin, "isDelegatedAdmin": False, "suspended": user.suspended,
            "archived": False, "isMailboxSetup": True, "aliases": list(user.aliases),
            "orgUnitPath": "/", "customerId": "C01fake",
            "creationTime": "2020-01-01T00:00:00.000Z",
        }  # fmt: skip

    def _discovery(self) -> Reply:
        import googleapiclient

        doc_path = Path(googleapiclient.__file__).parent / "discovery_cache/documents/gmail.v1.json"
        doc = json.loads(doc_path.read_text())
        doc["rootUrl"] = doc["mtlsRootUrl"] = f"{self.base}/"
        doc["baseUrl"] = f"{self.base}/"
        return Reply(200, doc)


def _handler_for(fake: FakeGoogle) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            if fake.latency:
                time.sleep(fake.latency)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = fake.handle(self.command, self.path, headers, body)
            payload = reply.payload()
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                if name.lower() != "content-type":
                    self.send_header(name, value)
            if payload:
                self.send_header("Content-Type", reply.content_type())
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

    return Handler
