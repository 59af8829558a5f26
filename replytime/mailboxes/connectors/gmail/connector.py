"""The Gmail / Google Workspace connector (see docs/connectors/gmail.md).

Full sync, as Google's sync guide describes it: take the mailbox's historyId (getProfile), then
page through `users.messages.list` (500 ids a page) and fetch each page's metadata in batches
of up to 100 `messages.get?format=metadata` calls; one list page is one SyncPage. Then
incremental sync: `users.history.list` from the stored historyId (messageAdded, and label
changes that touch INBOX, SENT, DRAFT, SPAM, TRASH or CHAT), one history page per SyncPage; the
answer's historyId is kept only after its last page. A 404 (history id too old) starts a bounded
resync: the listing again, newest first, until a page is older than the newest message seen
minus RESYNC_OVERLAP_DAYS (or after resync_max_messages); provider ids make the store merge
what it already has. With a Pub/Sub topic, `users.watch` is renewed during syncs once a day.

Params: `auth` ("oauth" or "delegated"), `user` (the Google account), `client_id` (oauth),
`client_email` and `key_id` (delegated), `topic` (optional). Secrets: `refresh_token` and
`client_secret` (oauth), `private_key` (delegated).
"""

from __future__ import annotations

import logging
import time
from typing import Any, ClassVar

import httpx

from replytime.mailboxes.connectors.base import (
    ConnectorConfig,
    ConnectorError,
    HeaderRecord,
    Parameter,
    Rejected,
    SyncPage,
)
from replytime.mailboxes.connectors.gmail.api import GmailApi, GmailError, connector_error
from replytime.mailboxes.connectors.gmail.conf import gmail_options
from replytime.mailboxes.connectors.gmail.cursor import GmailCursor
from replytime.mailboxes.connectors.gmail.fetch import MetadataFetcher
from replytime.mailboxes.connectors.gmail.oauth import (
    RECONNECT,
    DelegatedTokens,
    TokenSource,
    UserTokens,
)
from replytime.mailboxes.connectors.gmail.quota import pacer_for
from replytime.mailboxes.connectors.gmail.records import RELEVANT_LABELS, build_record, skipped

log = logging.getLogger(__name__)
HISTORY_TYPES = ("messageAdded", "labelAdded", "labelRemoved")
WATCH_LABELS = ("INBOX", "SENT")


class GmailConnector:
    kind: ClassVar[str] = "gmail"
    label: ClassVar[str] = "Gmail / Google Workspace"
    # Nothing to type in for the owner: the activation flow redirects to Google's consent
    # screen (this URL name), and Workspace admins add mailboxes from the domain's directory.
    activation_view: ClassVar[str] = "rt-gmail-activate"
    parameters: ClassVar[tuple[Parameter, ...]] = (
        Parameter(
            "auth",
            "Access",
            kind="choice",
            default="oauth",
            choices=(
                ("oauth", "The owner's consent (OAuth)"),
                ("delegated", "Domain-wide delegation (service account)"),
            ),
        ),
        Parameter("client_id", "OAuth client ID", required=False),
        Parameter("client_secret", "OAuth client secret", secret=True, required=False),
        Parameter("refresh_token", "Refresh token", secret=True, required=False),
        Parameter("client_email", "Service account email", required=False),
        Parameter(
            "private_key", "Service account private key", kind="pem", secret=True, required=False
        ),
        Parameter(
            "topic",
            "Pub/Sub topic for push",
            required=False,
            help="projects/<project>/topics/<topic>; empty: polling only",
        ),
    )

    def __init__(self, config: ConnectorConfig) -> None:
        self.config = config
        self.options = gmail_options(config.options)
        self._http: httpx.Client | None = None
        self._api: GmailApi | None = None
        self._fetcher: MetadataFetcher | None = None
        self._watch_tried = False
        self.profile: dict[str, Any] | None = None

    # -- session -------------------------------------------------------------------------------

    @property
    def user(self) -> str:
        return str(self.config.params.get("user") or self.config.address)

    def _tokens(self, http: httpx.Client) -> TokenSource:
        params, secrets = self.config.params, self.config.secrets
        spend = self.config.budget.spend
        if params.get("auth") == "delegated":
            if not params.get("client_email") or not secrets.get("private_key"):
                raise ConnectorError(
                    "This Gmail connection has no service-account key.",
                    True,
                    action="Add the mailbox again from the Workspace users page.",
                )
            return DelegatedTokens(
                http,
                self.options,
                spend,
                client_email=str(params["client_email"]),
                private_key=secrets["private_key"],
                key_id=str(params.get("key_id") or ""),
                subject=self.user,
            )
        if not secrets.get("refresh_token"):
            raise ConnectorError(
                "This Gmail connection holds no authorization.", True, action=RECONNECT
            )
        return UserTokens(
            http,
            self.options,
            spend,
            client_id=str(params.get("client_id") or self.options.client_id),
            client_secret=secrets.get("client_secret") or self.options.client_secret,
            refresh_token=secrets["refresh_token"],
        )

    @property
    def api(self) -> GmailApi:
        if self._api is None:
            self._http = httpx.Client(follow_redirects=False)
            rate = self.options.units_per_second * self.options.quota_share
            capacity = 5 * max(1, min(100, self.options.batch_size)) + 5
            self._api = GmailApi(
                self._http,
                self.options,
                self._tokens(self._http),
                self.config.budget,
                pacer_for(self.user, rate, capacity),
            )
        return self._api

    @property
    def fetcher(self) -> MetadataFetcher:
        if self._fetcher is None:
            self._fetcher = MetadataFetcher(self.api)
        return self._fetcher

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
        self._http = self._api = self._fetcher = None

    def check(self) -> None:
        """Fetch the profile (1 unit): proves the grant works and tells whose mailbox it is."""
        try:
            self.profile = self.api.call("getProfile", "GET", "profile")
        except ConnectorError:
            self.close()
            raise

    # -- pages ---------------------------------------------------------------------------------

    def fetch_page(self, cursor: str | None) -> SyncPage:
        state = GmailCursor.load(cursor)
        if state is None:
            days = self.options.initial_days
            state = self._begin_listing(time.time() - days * 86400 if days else None, 0)
        self._renew_watch(state)
        if state.phase == "list":
            return self._list_page(state)
        return self._history_page(state)

    def _begin_listing(self, stop_before: float | None, limit: int) -> GmailCursor:
        profile = self.api.call("getProfile", "GET", "profile")
        stop = int(stop_before) if stop_before is not None else None
        return GmailCursor("list", str(profile["historyId"]), stop_before=stop, limit=limit)

    def _records(
        self, ids: list[str], state: GmailCursor
    ) -> tuple[list[HeaderRecord | Rejected], int | None]:
        """Records of the messages `ids` (drafts, spam, trash and chats left out), and the
        latest receive time among all of them."""
        options = self.config.options
        now = time.time()
        items: list[HeaderRecord | Rejected] = []
        latest: int | None = None
        for message in self.fetcher.fetch(ids):
            received = int(str(message.get("internalDate") or 0)) // 1000 or None
            if received is not None:
                latest = max(latest or 0, received)
            if skipped(message):
                continue
            record = build_record(
                message,
                now=now,
                min_year=int(options.get("min_year", 1990)),
                max_future_days=int(options.get("max_future_days", 2)),
            )
            if isinstance(record, HeaderRecord):
                state.seen(record.received_at)
            items.append(record)
        return items, latest

    def _list_page(self, state: GmailCursor) -> SyncPage:
        params: dict[str, Any] = {"maxResults": self.options.list_page_size}
        if state.page:
            params["pageToken"] = state.page
        answer = self.api.call("messages.list", "GET", "messages", params=params)
        ids = [str(m["id"]) for m in answer.get("messages") or ()]
        items, latest = self._records(ids, state)
        state.listed += len(ids)
        token = answer.get("nextPageToken")
        older = state.stop_before is not None and latest is not None and latest < state.stop_before
        full = state.limit > 0 and state.listed >= state.limit
        if token and not older and not full:
            state.page = str(token)
        else:  # the listing is over: read the history since it began
            state.phase, state.page, state.stop_before, state.limit = "history", "", None, 0
            state.listed = 0
        return self._page(items, state, more=True)

    def _history_page(self, state: GmailCursor) -> SyncPage:
        params: dict[str, Any] = {
            "startHistoryId": state.history,
            "historyTypes": list(HISTORY_TYPES),
            "maxResults": self.options.list_page_size,
        }
        if state.page:
            params["pageToken"] = state.page
        try:
            answer = self.api.call(
                "history.list", "GET", "history", params=params, passthrough=frozenset({404, 400})
            )
        except GmailError as err:
            return self._history_failed(err, state)
        items, _latest = self._records(changed_ids(answer), state)
        token = answer.get("nextPageToken")
        if token:
            state.page = str(token)
        else:
            state.history, state.page = str(answer.get("historyId") or state.history), ""
        return self._page(items, state, more=bool(token))

    def _history_failed(self, err: GmailError, state: GmailCursor) -> SyncPage:
        if err.status == 400 and state.page:
            # A history page token that no longer works: start again from the stored id
            # (replayed changes are merged by provider id).
            state.page = ""
            return self._page([], state, more=True)
        if err.status != 404:
            raise connector_error(err, delegated=self.api.delegated())
        overlap = self.options.resync_overlap_days * 86400
        since = (state.newest or time.time()) - overlap
        log.info("gmail mailbox %d: history id expired, bounded resync", self.config.mailbox_id)
        fresh = self._begin_listing(since, self.options.resync_max_messages)
        fresh.newest, fresh.watch_until, fresh.watch_at = (
            state.newest,
            state.watch_until,
            state.watch_at,
        )
        return self._list_page(fresh)

    def _page(
        self, items: list[HeaderRecord | Rejected], state: GmailCursor, *, more: bool
    ) -> SyncPage:
        self.fetcher.forget()
        return SyncPage(tuple(items), state.dump(), more=more)

    # -- push ----------------------------------------------------------------------------------

    def _renew_watch(self, state: GmailCursor) -> None:
        """Renew `users.watch` once a day (Google: at least every 7 days); polling stays the
        safety net, so a failure is logged and tried again in a later run."""
        topic = str(self.config.params.get("topic") or "")
        if not topic or self._watch_tried:
            return
        now = time.time()
        renew = self.options.watch_renew_hours * 3600
        if state.watch_at and now - state.watch_at < renew and (state.watch_until or 0) > now:
            return
        self._watch_tried = True
        body = {
            "topicName": topic,
            "labelIds": list(WATCH_LABELS),
            "labelFilterBehavior": "INCLUDE",
        }
        try:
            answer = self.api.call(
                "watch", "POST", "watch", json_body=body, passthrough=frozenset({400, 403, 404})
            )
        except GmailError as err:  # e.g. the topic lacks the Pub/Sub publisher grant
            log.warning("gmail mailbox %d: watch refused (%d %s)",
                        self.config.mailbox_id, err.status, err.reason)  # fmt: skip
            return
        except ConnectorError as exc:
            if exc.permanent:  # the grant itself is gone: the sync cannot go on either
                raise
            log.warning("gmail mailbox %d: watch failed: %s", self.config.mailbox_id, exc.message)
            return
        state.watch_at = int(now)
        state.watch_until = int(str(answer.get("expiration") or 0)) // 1000 or None


def changed_ids(answer: dict[str, Any]) -> list[str]:
    """Message ids of a history page worth (re)fetching: every added message, and messages
    whose INBOX, SENT, DRAFT, SPAM, TRASH or CHAT label changed (not read/star flips)."""
    ids: list[str] = []
    for record in answer.get("history") or ():
        for added in record.get("messagesAdded") or ():
            ids.append(str(added["message"]["id"]))
        for key in ("labelsAdded", "labelsRemoved"):
            for change in record.get(key) or ():
                if RELEVANT_LABELS.intersection(change.get("labelIds") or ()):
                    ids.append(str(change["message"]["id"]))
    return list(dict.fromkeys(ids))
