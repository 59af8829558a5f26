"""The Microsoft 365 connector (see docs/connectors/m365.md).

Two delta streams per mailbox, Inbox and Sent Items:
`GET /users/{id}/mailFolders/{inbox|sentitems}/messages/delta?$select=<header fields>` with
`Prefer: IdType="ImmutableId", odata.maxpagesize=N`. Each page is one SyncPage; the cursor keeps
each folder's @odata.nextLink (mid-round) or @odata.deltaLink (round finished). A run ends when
both folders reached a delta link, so an idle mailbox costs two requests per run.

An expired delta link (410 SyncStateNotFound and the other resync codes) starts a bounded round
filtered on `receivedDateTime ge <newest seen - overlap>`; the immutable ids and Message-IDs
make the store merge what comes again, so nothing is counted twice.

Params: `mode` ("delegated" or "application"), `tenant`, `client_id`, `user_id` (Graph user
id), `full_headers` (application mode with Mail.Read.All). Secrets: `client_secret`, and in
delegated mode `token_cache` (msal's serialized cache, holding the refresh token).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote

from replytime.mailboxes.connectors.base import (
    ConnectorConfig,
    ConnectorError,
    Parameter,
    SyncPage,
)
from replytime.mailboxes.connectors.m365.auth import (
    AppTokens,
    DelegatedTokens,
    build_app,
    load_cache,
)
from replytime.mailboxes.connectors.m365.cursor import FolderCursor, M365Cursor
from replytime.mailboxes.connectors.m365.graph import RESYNC_CODES, GraphClient, GraphError
from replytime.mailboxes.connectors.m365.records import FOLDERS, page_records, select_clause

log = logging.getLogger(__name__)


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class M365Connector:
    kind: ClassVar[str] = "m365"
    label: ClassVar[str] = "Microsoft 365"
    # Nothing to type in: the owner signs in with Microsoft (see activation_view), or an admin
    # adds the mailbox from the tenant's directory.
    parameters: ClassVar[tuple[Parameter, ...]] = ()
    # The URL name the activation flow redirects to instead of showing a form.
    activation_view: ClassVar[str] = "rt-m365-activate"

    def __init__(self, config: ConnectorConfig) -> None:
        self.config = config
        self.options: dict[str, Any] = dict(config.options.get("m365") or {})
        self.mode = str(config.params.get("mode") or "delegated")
        self._graph: GraphClient | None = None
        self._delegated: DelegatedTokens | None = None
        self._done: set[str] = set()
        self.removed = 0

    # -- session -------------------------------------------------------------------------------

    @property
    def user_path(self) -> str:
        user_id = str(self.config.params.get("user_id") or "")
        if not user_id:
            raise ConnectorError(
                "This Microsoft 365 connection names no mailbox.",
                True,
                action="Connect the mailbox through its activation link or the admin's "
                "Microsoft 365 directory page.",
            )
        return f"users/{quote(user_id, safe='')}"

    def graph(self) -> GraphClient:
        if self._graph is not None:
            return self._graph
        params, secrets = self.config.params, self.config.secrets
        if not secrets.get("client_secret") or not params.get("client_id"):
            raise ConnectorError(
                "The Microsoft 365 app registration is incomplete.",
                True,
                action="Enter the tenant id, client id and client secret on the Microsoft 365 "
                "settings page, then connect the mailbox again.",
            )
        cache = load_cache(secrets.get("token_cache", "")) if self.mode == "delegated" else None
        app = build_app(
            self.options, str(params.get("tenant") or "organizations"),
            str(params["client_id"]), secrets["client_secret"], cache, self.config.budget,
        )  # fmt: skip
        if cache is not None:
            self._delegated = DelegatedTokens(app, cache)
            tokens: Any = self._delegated
        else:
            tokens = AppTokens(app)
        self._graph = GraphClient(
            str(self.options.get("graph_url") or "https://graph.microsoft.com/v1.0"),
            tokens,
            self.config.budget,
            mailbox_key=str(params.get("user_id") or self.config.mailbox_id),
            verify=self.options.get("ca_file") or True,
            timeout=float(self.options.get("timeout") or 60),
            max_inline_wait=float(self.options.get("max_inline_wait") or 30),
        )
        return self._graph

    def close(self) -> None:
        if self._graph is not None:
            self._graph.close()
        self._graph = None
        self._done.clear()

    def refreshed_secrets(self) -> dict[str, str] | None:
        """The secrets with msal's cache as it is now, if a refresh changed it (else None)."""
        tokens = self._delegated
        if tokens is None or not tokens.cache.has_state_changed:
            return None
        return {**self.config.secrets, "token_cache": tokens.cache.serialize()}

    def check(self) -> None:
        """Sign-in works, the account is this mailbox, and its mail folders can be read."""
        graph = self.graph()
        profile = graph.get(self.user_path, params={"$select": "id,mail,userPrincipalName"})
        names = {str(profile.get(k) or "").lower() for k in ("mail", "userPrincipalName")}
        if self.config.address.lower() not in names:
            raise ConnectorError(
                "The Microsoft 365 account signed in is not this mailbox.",
                True,
                action="Sign in with the account of the mailbox the link was sent for.",
            )
        graph.get(f"{self.user_path}/mailFolders/inbox", params={"$select": "id"})

    # -- pages ---------------------------------------------------------------------------------

    def fetch_page(self, cursor: str | None) -> SyncPage:
        state = M365Cursor.load(cursor)
        for folder in FOLDERS:
            if folder not in self._done:
                return self._page(state, folder)
        return SyncPage((), state.dump(), more=False)

    def _page(self, state: M365Cursor, folder: str) -> SyncPage:
        current = state.folder(folder)
        try:
            body = self._delta(current, folder)
        except GraphError as exc:
            if exc.status != 410 and exc.code.lower() not in RESYNC_CODES:
                raise
            overlap = int(self.options.get("resync_overlap_days") or 7) * 86400
            current.expire(overlap)
            log.info("m365 mailbox %d: %s delta link expired, bounded resync",
                     self.config.mailbox_id, folder)  # fmt: skip
            body = self._delta(current, folder)
        items, removed, newest = page_records(
            body.get("value") or [],
            folder,
            now=time.time(),
            min_year=int(self.config.options.get("min_year", 1990)),
            max_future_days=int(self.config.options.get("max_future_days", 2)),
        )
        self.removed += removed
        if newest is not None:
            current.watermark = max(current.watermark or 0, newest)
        self._advance(current, folder, body)
        return SyncPage(tuple(items), state.dump(), more=len(self._done) < len(FOLDERS))

    def _advance(self, current: FolderCursor, folder: str, body: dict[str, Any]) -> None:
        if body.get("@odata.nextLink"):
            current.next = str(body["@odata.nextLink"])
        elif body.get("@odata.deltaLink"):
            current.delta, current.next, current.since = str(body["@odata.deltaLink"]), None, None
            self._done.add(folder)
        else:
            raise ConnectorError("Microsoft Graph sent a delta page without a next link.")

    def _prefer(self) -> str:
        size = int(self.options.get("page_size") or 100)
        return f'IdType="ImmutableId", odata.maxpagesize={size}'

    def _full_headers(self) -> bool:
        if self.mode == "application":
            return bool(self.config.params.get("full_headers"))
        granted = self._delegated.granted if self._delegated else frozenset()
        return "Mail.Read" in granted or "https://graph.microsoft.com/Mail.Read" in granted

    def _delta(self, current: FolderCursor, folder: str) -> dict[str, Any]:
        graph = self.graph()
        link = current.link()
        if link:
            return dict(graph.get(link, prefer=self._prefer()))
        params = {"$select": select_clause(self._full_headers())}
        if current.since is not None:
            params["$filter"] = f"receivedDateTime ge {iso(current.since)}"
        path = f"{self.user_path}/mailFolders/{folder}/messages/delta"
        return dict(graph.get(path, params=params, prefer=self._prefer()))
