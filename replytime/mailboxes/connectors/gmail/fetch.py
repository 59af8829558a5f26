"""Fetching the metadata of many messages: batches of `users.messages.get?format=metadata`.

Parts of a batch fail on their own (429, 403 rate limits, 5xx, a 401 for a token that just
expired): only those parts are sent again, after a back-off, up to `retries` times. A 404 part
is a message deleted since it was listed and is simply left out. Metadata already fetched is
kept by the instance, so a page retried after an error does not fetch it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from replytime.mailboxes.connectors.base import ConnectorError
from replytime.mailboxes.connectors.gmail.api import GmailApi, connector_error, error_of
from replytime.mailboxes.connectors.gmail.records import metadata_path

log = logging.getLogger(__name__)


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class MetadataFetcher:
    def __init__(self, api: GmailApi) -> None:
        self.api = api
        self.found: dict[str, dict[str, Any] | None] = {}

    def fetch(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """The metadata of `ids` that still exist, in the order of `ids`."""
        wanted = list(dict.fromkeys(ids))
        pending = [mid for mid in wanted if mid not in self.found]
        attempt = 0
        while pending:
            failed, hint, expired = self._round(pending)
            if not failed:
                break
            if attempt >= self.api.options.retries:
                raise ConnectorError(
                    f"Gmail kept refusing {len(failed)} message(s) of a batch.", retry_after=hint
                )
            if expired:
                self.api.tokens.token(fresh=True)
            else:
                self.api.pacer.drain()
            self.api.wait_before_retry(attempt, hint)
            attempt += 1
            pending = failed
        return [body for mid in wanted if (body := self.found.get(mid)) is not None]

    def forget(self) -> None:
        """The page was handed over: its metadata is not needed any more."""
        self.found.clear()

    def _round(self, pending: Sequence[str]) -> tuple[list[str], float | None, bool]:
        """One pass over `pending`; returns (ids to retry, the longest Retry-After, 401 seen)."""
        failed: list[str] = []
        hint: float | None = None
        expired = False
        for chunk in _chunks(pending, max(1, min(100, self.api.options.batch_size))):
            keys = {f"item-{i}": mid for i, mid in enumerate(chunk)}
            parts = self.api.batch("messages.get", [(k, metadata_path(m)) for k, m in keys.items()])
            for key, mid in keys.items():
                part = parts.get(key)
                if part is None:
                    failed.append(mid)
                elif part.status == 200 and isinstance(part.body, dict):
                    self.found[mid] = part.body
                elif part.status == 404:
                    self.found[mid] = None
                else:
                    err = error_of(part.status, part.headers, part.body)
                    if err.status == 401:
                        expired = True
                    elif not err.retryable:
                        raise connector_error(err, delegated=self.api.delegated())
                    elif err.retry_after is not None:
                        hint = max(hint or 0.0, err.retry_after)
                    failed.append(mid)
        if failed:
            log.info("gmail batch: %d part(s) to retry", len(failed))
        return failed, hint, expired
