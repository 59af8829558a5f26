"""A local fake of Microsoft Graph v1.0 and Entra ID, served over HTTPS on 127.0.0.1.

Faithful to the documentation where replytime depends on it: exact paths and OData query
parameters ($select validated against the message resource, body fields and
$expand=attachments refused), Graph's JSON and error envelope, Prefer headers with
Preference-Applied, 401 InvalidAuthenticationToken, 403 ErrorAccessDenied for mailboxes outside
the application access policy, 404 MailboxNotEnabledForRESTAPI, 410 SyncStateNotFound for
expired delta tokens, 429 with Retry-After for the per-mailbox concurrency limit (4) and the
request quota (10,000 per 10 minutes per app per mailbox), and injectable 5xx answers.
`log` records every request (method, path, query, Prefer, status) so tests can prove what was
asked for. Entra endpoints are in fake_entra, mail and delta in fake_mail, subscriptions in
fake_push.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from replytime.mailboxes.connectors.m365.tests.fake_entra import App, Entra, Grant
from replytime.mailboxes.connectors.m365.tests.fake_mail import MailStore, User
from replytime.mailboxes.connectors.m365.tests.fake_push import Subscriptions
from replytime.mailboxes.connectors.m365.tests.fake_routes import Routes
from replytime.mailboxes.connectors.m365.tests.fake_tls import make_certificate

MAILBOX_PATH = re.compile(r"^/v1\.0/users/([^/]+)/mailFolders")


@dataclass
class Logged:
    method: str
    path: str
    query: dict[str, list[str]]
    prefer: str
    status: int = 0
    size: int = 0
    body: Any = None


@dataclass
class Throttle:
    """The Outlook limits per app per mailbox, and failures a test injects."""

    concurrency: int = 4
    quota: int = 10_000
    window: float = 600.0
    latency: float = 0.0
    inject: deque[tuple[int, str, int | None]] = field(default_factory=deque)
    inflight: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    max_inflight: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    recent: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    refused: int = 0


class FakeGraph:
    """Start with `start()`; `authority_host`, `graph_url` and `ca_file` point clients at it."""

    def __init__(self, workdir: Path, tenant_id: str | None = None) -> None:
        self.workdir = workdir
        self.tenant_id = tenant_id or str(uuid.uuid4())
        self.mail = MailStore()
        self.throttle = Throttle()
        self.log: list[Logged] = []
        self.policy: set[str] | None = None  # application access policy: allowed user ids
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.origin = ""
        self.entra: Entra
        self.subscriptions = Subscriptions(self.tenant_id)
        self.routes = Routes(self)

    # -- life cycle ----------------------------------------------------------------------------

    def start(self) -> FakeGraph:
        cert, key = make_certificate(self.workdir)
        self.ca_file = str(cert)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        import ssl

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self.origin = f"https://127.0.0.1:{server.server_address[1]}"
        self.entra = Entra(self.origin, self.tenant_id)
        self.entra.upn_of = lambda uid: (self.mail.users[uid].upn if uid in self.mail.users
                                         else uid)  # fmt: skip
        threading.Thread(target=server.serve_forever, daemon=True, name="fake-graph").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def authority_host(self) -> str:
        return self.origin

    @property
    def graph_url(self) -> str:
        return f"{self.origin}/v1.0"

    def options(self, **extra: Any) -> dict[str, Any]:
        """REPLYTIME_M365 settings pointing at this fake."""
        return {"authority_host": self.authority_host, "graph_url": self.graph_url,
                "ca_file": self.ca_file, "timeout": 30, "page_size": 100,
                "resync_overlap_days": 7, "max_inline_wait": 30, "subscription_minutes": 4230,
                "renew_before_minutes": 720, "notification_base_url": "", **extra}  # fmt: skip

    # -- set-up --------------------------------------------------------------------------------

    def register_app(self, client_id: str, secret: str, redirect_uris: set[str],
                     roles: set[str] | None = None) -> App:  # fmt: skip
        app = App(client_id, secret, set(redirect_uris), set(roles or ()))
        self.entra.apps[client_id] = app
        return app

    def add_user(self, upn: str, *, user_id: str | None = None, mailbox: bool = True) -> User:
        user = User(user_id or str(uuid.uuid4()), upn, upn, upn.split("@")[0].title(), mailbox)
        return self.mail.add_user(user)

    def user_token(self, user: User, scopes: set[str], client_id: str = "test") -> str:
        """An access token for a user without an OAuth round (for tests of Graph itself)."""
        return self.entra._issue(Grant(client_id, self.tenant_id, user.id, frozenset(scopes),
                                       time.time() + 3600))  # fmt: skip

    def app_token(self, roles: set[str], client_id: str = "test") -> str:
        return self.entra._issue(Grant(client_id, self.tenant_id, None, frozenset(roles),
                                       time.time() + 3600))  # fmt: skip

    def fail_next(self, count: int, status: int = 503, code: str = "ServiceUnavailable",
                  retry_after: int | None = None) -> None:  # fmt: skip
        """The next `count` mailbox requests answer `status` (5xx or 429)."""
        for _ in range(count):
            self.throttle.inject.append((status, code, retry_after))

    def requests_to(self, prefix: str) -> list[Logged]:
        return [r for r in self.log if r.path.startswith(prefix)]

    # -- dispatch ------------------------------------------------------------------------------

    def handle(self, handler: _Handler) -> None:
        split = urlsplit(handler.path)
        query = parse_qs(split.query, keep_blank_values=True)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        prefer = ", ".join(handler.headers.get_all("Prefer") or [])
        entry = Logged(handler.command, split.path, query, prefer)
        with self.lock:
            self.log.append(entry)
        mailbox = MAILBOX_PATH.match(split.path)
        key = mailbox.group(1).lower() if mailbox else None
        if key is not None:
            refused = self._limits(key)
            if refused is not None:
                self._send(handler, entry, *refused)
                return
        try:
            if self.throttle.latency and key is not None:
                time.sleep(self.throttle.latency)
            status, body, headers = self.routes.dispatch(handler, split.path, query, raw, prefer)
        finally:
            if key is not None:
                with self.lock:
                    self.throttle.inflight[key] -= 1
        self._send(handler, entry, status, body, headers)

    def _limits(self, key: str) -> tuple[int, Any, dict[str, str]] | None:
        """Counts the request in; an answer when a limit or an injected failure refuses it."""
        t = self.throttle
        with self.lock:
            if t.inject:
                status, code, retry = t.inject.popleft()
                headers = {"Retry-After": str(retry)} if retry is not None else {}
                return status, graph_error(code, "Injected failure."), headers
            now = time.monotonic()
            recent = t.recent[key]
            while recent and recent[0] < now - t.window:
                recent.popleft()
            if len(recent) >= t.quota:
                t.refused += 1
                wait = max(1, int(recent[0] + t.window - now) + 1)
                return (
                    429,
                    graph_error(
                        "ApplicationThrottled", "Application is over its MailboxRequests limit."
                    ),
                    {"Retry-After": str(wait)},
                )
            if t.inflight[key] >= t.concurrency:
                t.refused += 1
                return (
                    429,
                    graph_error(
                        "ApplicationThrottled", "Application is over its MailboxConcurrency limit."
                    ),
                    {"Retry-After": "1"},
                )
            recent.append(now)
            t.inflight[key] += 1
            t.max_inflight[key] = max(t.max_inflight[key], t.inflight[key])
        return None

    def _send(self, handler: _Handler, entry: Logged, status: int, body: Any,
              headers: dict[str, str]) -> None:  # fmt: skip
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            ctype = "application/json;odata.metadata=minimal;odata.streaming=true;" \
                    "IEEE754Compatible=false;charset=utf-8"  # fmt: skip
        else:
            data = str(body or "").encode()
            ctype = headers.pop("Content-Type", "text/html; charset=utf-8")
        entry.status, entry.size, entry.body = status, len(data), body
        handler.send_response(status)
        handler.send_header("Content-Type", ctype)
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("request-id", str(uuid.uuid4()))
        handler.send_header("client-request-id", str(uuid.uuid4()))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)


def graph_error(code: str, message: str) -> dict[str, Any]:
    """Graph's error envelope."""
    request_id = str(uuid.uuid4())
    return {"error": {"code": code, "message": message, "innerError": {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"), "request-id": request_id,
        "client-request-id": request_id}}}  # fmt: skip


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _dispatch(self) -> None:
        self.server.fake.handle(self)  # type: ignore[attr-defined]

    do_GET = do_POST = do_PATCH = do_DELETE = _dispatch
