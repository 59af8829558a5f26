"""A small Microsoft Graph client: bearer tokens, Prefer headers, throttling and error mapping.

Every round trip spends one unit of the run's RequestBudget. Graph's Outlook limits are per app
and per mailbox: at most 4 concurrent requests, 10,000 per 10 minutes. A process-wide
semaphore per mailbox keeps this process under the concurrency limit whatever runs at once
(a sync, a subscription renewal, a connection check). A 429 or 503/504 is retried here,
honouring Retry-After when it is short and backing off with jitter when there is none; a
longer wait becomes a ConnectorError with `retry_after`, so the runner reschedules the mailbox
instead of holding a worker.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from replytime.mailboxes.connectors.base import ConnectorError, RequestBudget
from replytime.mailboxes.sync.backoff import backoff_delay

log = logging.getLogger(__name__)

MAILBOX_CONCURRENCY = 4  # Graph: concurrent requests per app per mailbox
_ATTEMPTS = 5
_RETRY_STATUSES = frozenset({429, 502, 503, 504})
# Error codes Graph uses when a delta token can no longer be used (HTTP 410 Gone).
RESYNC_CODES = frozenset(
    {"syncstatenotfound", "syncstateinvalid", "resyncrequired", "resyncapplication"}
)

_slots: dict[str, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()
# Replaced in tests to record waits instead of sleeping.
sleep: Callable[[float], None] = time.sleep

TokenSource = Callable[[bool], str]


def mailbox_slots(key: str) -> threading.BoundedSemaphore:
    """The semaphore limiting this process's concurrent requests to one mailbox."""
    with _slots_lock:
        slot = _slots.get(key)
        if slot is None:
            slot = _slots[key] = threading.BoundedSemaphore(MAILBOX_CONCURRENCY)
        return slot


class GraphError(ConnectorError):
    """A Graph error answer: HTTP status and Graph's error code kept for callers."""

    def __init__(self, message: str, status: int, code: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.status = status
        self.code = code


def error_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("code") or "")
    return ""


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _mapped(response: httpx.Response) -> GraphError:
    """A non-2xx answer as a GraphError worded for an operator (no address, no subject)."""
    status, code = response.status_code, error_code(response)
    lowered = code.lower()
    if status == 410 or lowered in RESYNC_CODES:
        return GraphError("The saved sync position has expired.", status, code)
    if status == 401:
        return GraphError(
            "Microsoft Graph refused the access token.", status, code, permanent=True,
            action="Connect the mailbox again: its sign-in is no longer accepted.",
        )  # fmt: skip
    if status == 403:
        return GraphError(
            "Microsoft Graph denied access to this mailbox (for application access: the "
            "application access policy does not include it).", status, code, permanent=True,
            action="Grant the app access: add the mailbox to the group of the application "
            "access policy (New-ApplicationAccessPolicy), or have its owner connect it.",
        )  # fmt: skip
    if status == 404:
        return GraphError(
            f"Microsoft Graph does not find this mailbox or folder ({code or 'not found'}).",
            status, code, permanent=True,
            action="Check that the mailbox exists in Exchange Online and is licensed.",
        )  # fmt: skip
    if status in _RETRY_STATUSES:
        return GraphError(
            f"Microsoft Graph is busy (HTTP {status} {code}).".replace(" )", ")"), status, code,
            retry_after=_retry_after(response),
        )  # fmt: skip
    return GraphError(f"Microsoft Graph answered HTTP {status} {code}.".strip(), status, code)


class GraphClient:
    """Requests to Graph for one mailbox (`mailbox_key`: the user id it reads).

    `token` returns an access token; called with True it must get a fresh one (after a 401).
    """

    def __init__(
        self,
        base_url: str,
        token: TokenSource,
        budget: RequestBudget,
        *,
        mailbox_key: str,
        verify: str | bool | ssl.SSLContext = True,
        timeout: float = 60.0,
        max_inline_wait: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._budget = budget
        self._slots = mailbox_slots(mailbox_key)
        self._max_wait = max_inline_wait
        if isinstance(verify, str):
            verify = ssl.create_default_context(cafile=verify)  # type: ignore[assignment]
        self._http = httpx.Client(verify=verify, timeout=timeout)
        self.bytes_received = 0
        self.requests = 0

    def close(self) -> None:
        self._http.close()

    def url(self, path: str) -> str:
        return path if path.startswith("https://") else f"{self.base_url}/{path.lstrip('/')}"

    def get(self, path: str, *, params: Mapping[str, str] | None = None, prefer: str = "") -> Any:
        return self.request("GET", path, params=params, prefer=prefer).json()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        prefer: str = "",
    ) -> httpx.Response:
        """One Graph call with retries; returns a 2xx response or raises GraphError."""
        fresh_token = False
        for attempt in range(_ATTEMPTS):
            response = self._send(method, path, params, body, prefer, fresh_token)
            if response.is_success:
                return response
            error = _mapped(response)
            if response.status_code == 401 and not fresh_token:
                fresh_token = True  # the token may have expired just now: one fresh try
                continue
            if response.status_code not in _RETRY_STATUSES or attempt == _ATTEMPTS - 1:
                raise error
            wait = error.retry_after
            if wait is None:
                wait = backoff_delay(attempt, base=0.5, cap=self._max_wait)
            if wait > self._max_wait:
                raise error
            log.info("graph: HTTP %d, waiting %.1f s before retrying", response.status_code, wait)
            sleep(wait)
        raise AssertionError("unreachable")

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: Any,
        prefer: str,
        fresh_token: bool,
    ) -> httpx.Response:
        self._budget.spend()
        headers = {"Authorization": f"Bearer {self._token(fresh_token)}"}
        if prefer:
            headers["Prefer"] = prefer
        with self._slots:
            try:
                response = self._http.request(
                    method, self.url(path), params=params, json=body, headers=headers
                )
            except httpx.TimeoutException:
                raise ConnectorError("Microsoft Graph did not answer in time.") from None
            except httpx.HTTPError as exc:
                raise ConnectorError(
                    f"Microsoft Graph cannot be reached ({type(exc).__name__})."
                ) from None
        self.requests += 1
        self.bytes_received += len(response.content)
        return response
