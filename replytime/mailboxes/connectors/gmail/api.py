"""Calls to the Gmail API for one user: authorization, quota pacing, retries and errors.

Every call goes to `users/me` (the token says whose mailbox), so no address appears in a URL
or a log line. Rate-limit answers (429, 403 rateLimitExceeded/userRateLimitExceeded) and 5xx
are retried with exponential back-off and full jitter, honouring Retry-After; a 401 gets one
fresh access token. What cannot be retried becomes a ConnectorError for the sync runner.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from replytime.mailboxes.connectors.base import ConnectorError, RequestBudget
from replytime.mailboxes.connectors.gmail import batch
from replytime.mailboxes.connectors.gmail.conf import GmailOptions
from replytime.mailboxes.connectors.gmail.oauth import FIX_DELEGATION, RECONNECT, TokenSource
from replytime.mailboxes.connectors.gmail.quota import UNITS, UnitPacer
from replytime.mailboxes.sync.backoff import backoff_delay

RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
Params = Mapping[str, str | int | Sequence[str]]


class GmailError(Exception):
    """An error answer of the API, as Google's envelope describes it."""

    def __init__(
        self, status: int, reason: str = "", message: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(f"{status} {reason} {message}".strip())
        self.status, self.reason, self.message = status, reason, message
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        if self.status == 429 or self.status >= 500:
            return True
        return self.status == 403 and self.reason in RATE_REASONS


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after") or headers.get("Retry-After")
    try:
        return float(value) if value else None
    except ValueError:
        return None


def error_of(status: int, headers: Mapping[str, str], body: Any) -> GmailError:
    """A GmailError from an answer's status, headers and JSON body (Google's error envelope)."""
    error = body.get("error") if isinstance(body, dict) else None
    reason = message = ""
    if isinstance(error, dict):
        message = str(error.get("message", ""))
        details = error.get("errors") or []
        if details and isinstance(details[0], dict):
            reason = str(details[0].get("reason", ""))
        reason = reason or str(error.get("status", ""))
    return GmailError(status, reason, message, _retry_after(headers))


def connector_error(err: GmailError, *, delegated: bool) -> ConnectorError:
    """How the sync runner should treat an error that was not (or no longer) retried."""
    what = f"Gmail answered {err.status}{f' ({err.reason})' if err.reason else ''}."
    if err.retryable:
        return ConnectorError(what, retry_after=err.retry_after)
    if err.status == 401:
        return ConnectorError(what, True, action=FIX_DELEGATION if delegated else RECONNECT)
    if err.status == 403 and err.reason == "dailyLimitExceeded":
        return ConnectorError(what, retry_after=3600.0)
    if err.status == 403 and err.reason == "domainPolicy":
        return ConnectorError(
            what,
            True,
            action="The Google Workspace admin must allow replytime's access to Gmail "
            "(Admin console > Security > API controls > App access control).",
        )
    if err.status == 403:
        return ConnectorError(what, True, action=FIX_DELEGATION if delegated else RECONNECT)
    return ConnectorError(what)


@dataclass
class Traffic:
    """Round trips and bytes of one connector instance (for the status page and benchmark)."""

    requests: int = 0
    calls: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    retries: int = 0
    slept: float = 0.0


class GmailApi:
    """The Gmail API of the user the token source speaks for."""

    def __init__(
        self,
        http: httpx.Client,
        options: GmailOptions,
        tokens: TokenSource,
        budget: RequestBudget,
        pacer: UnitPacer,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.http, self.options, self.tokens = http, options, tokens
        self.budget, self.pacer, self.sleep = budget, pacer, sleep
        self.base = f"{options.gmail_url}/gmail/v1/users/me"
        self.traffic = Traffic()

    # -- plumbing ------------------------------------------------------------------------------

    def _send(
        self,
        verb: str,
        url: str,
        *,
        params: Params | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        self.budget.spend()
        all_headers = {"Authorization": f"Bearer {self.tokens.token()}", **(headers or {})}
        try:
            response = self.http.request(
                verb,
                url,
                params=params,
                json=json_body,
                content=content,
                headers=all_headers,
                timeout=self.options.timeout,
            )
        except httpx.HTTPError as exc:
            raise GmailError(503, "networkError", type(exc).__name__) from None
        self.traffic.requests += 1
        self.traffic.bytes_sent += len(response.request.content or b"") + len(str(response.url))
        self.traffic.bytes_received += len(response.content)
        if response.status_code >= 300:
            try:
                body = response.json()
            except ValueError:
                body = None
            raise error_of(response.status_code, response.headers, body)
        return response

    def wait_before_retry(self, attempt: int, hint: float | None) -> None:
        """Sleep before retry `attempt` (0-based), or end the page if the server wants longer."""
        delay = (
            hint
            if hint is not None
            else backoff_delay(
                attempt, base=self.options.backoff_base, cap=self.options.max_inline_wait
            )
        )
        if delay > self.options.max_inline_wait:
            raise ConnectorError("Gmail asked to wait before retrying.", retry_after=delay)
        self.traffic.retries += 1
        self.traffic.slept += delay
        self.sleep(delay)

    def _with_retries(self, units: int, send: Callable[[], httpx.Response]) -> httpx.Response:
        refreshed = False
        attempt = 0
        while True:
            self.pacer.take(units)
            try:
                return send()
            except GmailError as err:
                if err.status == 401 and not refreshed:
                    refreshed = True
                    self.tokens.token(fresh=True)
                    continue
                if not err.retryable or attempt >= self.options.retries:
                    raise
                if err.status in (429, 403):
                    self.pacer.drain()
                self.wait_before_retry(attempt, err.retry_after)
                attempt += 1

    def delegated(self) -> bool:
        return self.tokens.delegated

    def _checked(
        self, units: int, send: Callable[[], httpx.Response], passthrough: frozenset[int]
    ) -> httpx.Response:
        try:
            return self._with_retries(units, send)
        except GmailError as err:
            if err.status in passthrough:
                raise
            raise connector_error(err, delegated=self.delegated()) from None

    def call(
        self,
        method: str,
        verb: str,
        path: str,
        *,
        params: Params | None = None,
        json_body: Any = None,
        passthrough: frozenset[int] = frozenset(),
    ) -> dict[str, Any]:
        """One API method. Errors become ConnectorError, except the statuses in `passthrough`,
        raised as GmailError for the caller to handle (e.g. 404 for a stale history id)."""
        url = f"{self.base}/{path}" if path else self.base
        # Google indents JSON unless told otherwise; compact answers are smaller.
        params = {**(params or {}), "prettyPrint": "false"}
        self.traffic.calls += 1
        response = self._checked(
            UNITS[method],
            lambda: self._send(verb, url, params=params, json_body=json_body),
            passthrough,
        )
        if not response.content:
            return {}
        body: dict[str, Any] = response.json()
        return body

    def batch(self, method: str, paths: Sequence[tuple[str, str]]) -> dict[str, batch.PartResponse]:
        """GETs in one batch request; the caller retries the parts that failed."""
        content_type, body = batch.build(paths)
        url = f"{self.options.gmail_url}/batch/gmail/v1"
        self.traffic.calls += len(paths)
        response = self._checked(
            UNITS[method] * len(paths),
            lambda: self._send("POST", url, content=body, headers={"Content-Type": content_type}),
            frozenset(),
        )
        try:
            return batch.parse(response.headers.get("content-type", ""), response.content)
        except ValueError:
            raise ConnectorError("Gmail's batch answer could not be read.") from None
