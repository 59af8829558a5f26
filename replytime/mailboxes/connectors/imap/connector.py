"""The IMAP connector (see docs/connectors/imap.md).

Per folder it keeps UIDVALIDITY, the last UID stored, HIGHESTMODSEQ and a date watermark. An
unchanged folder costs one STATUS round trip and no SELECT. New messages are fetched with
`UID FETCH <uids> (BODY.PEEK[HEADER.FIELDS (...)] INTERNALDATE RFC822.SIZE)` in batches of
REPLYTIME_IMAP_BATCH UIDs. A changed UIDVALIDITY starts a bounded resync: the messages since the
watermark minus RESYNC_OVERLAP are fetched again under their new UIDs, and the store merges them
with the copies it has (same Message-ID or fingerprint), so nothing is counted twice.
Expunges are not applied: a message deleted later was still received and answered.
"""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import UTC, datetime
from typing import Any, ClassVar

from imapclient import IMAPClient

from replytime.mailboxes.connectors.base import (
    ConnectorConfig,
    ConnectorError,
    HeaderRecord,
    Parameter,
    Rejected,
    SyncPage,
)
from replytime.mailboxes.connectors.imap.cursor import FolderState, ImapCursor
from replytime.mailboxes.connectors.imap.fastfetch import fetch_headers
from replytime.mailboxes.connectors.imap.records import build_record, fetch_items
from replytime.mailboxes.connectors.imap.session import imap_errors, open_session

log = logging.getLogger(__name__)

RESYNC_OVERLAP = 7 * 86400
_SENT_NAMES = ("Sent", "Sent Items", "Sent Messages", "Sent Mail", "INBOX.Sent", "INBOX/Sent")


class ImapConnector:
    kind: ClassVar[str] = "imap"
    label: ClassVar[str] = "IMAP"
    parameters: ClassVar[tuple[Parameter, ...]] = (
        Parameter("host", "IMAP server", help="For example imap.example.com"),
        Parameter(
            "security",
            "Security",
            kind="choice",
            default="ssl",
            choices=(("ssl", "IMAPS (TLS from the start)"), ("starttls", "STARTTLS")),
        ),
        Parameter("port", "Port", kind="int", required=False, help="Empty: 993, or 143"),
        Parameter("user", "User name", help="Often the email address itself"),
        Parameter("password", "Password or app password", secret=True, required=False),
        Parameter(
            "oauth2_token",
            "OAuth 2 access token (XOAUTH2)",
            secret=True,
            required=False,
            help="Instead of a password, for servers that require OAuth",
        ),
        Parameter(
            "folders",
            "More folders",
            kind="list",
            required=False,
            help="One per line; the inbox and the Sent folder are always included",
        ),
        Parameter("ca_pem", "CA certificate (PEM)", kind="pem", required=False),
    )

    def __init__(self, config: ConnectorConfig) -> None:
        self.config = config
        self._client: IMAPClient | None = None
        self._plan: list[tuple[str, bool]] | None = None
        self._pending: dict[str, list[int]] = {}
        self._selected: str | None = None
        self.messages_fetched = 0

    # -- session -------------------------------------------------------------------------------

    def _session(self) -> IMAPClient:
        if self._client is None:
            # Greeting, (STARTTLS,) LOGIN and CAPABILITY: counted as one unit of the budget.
            self.config.budget.spend()
            self._client = open_session(
                self.config.params, self.config.secrets, self.config.options
            )
            self._gmail = b"X-GM-EXT-1" in self._client.capabilities()
            self._condstore = b"CONDSTORE" in self._client.capabilities()
        return self._client

    def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.logout()
        self._client, self._plan, self._selected = None, None, None
        self._pending.clear()

    def check(self) -> None:
        try:
            with imap_errors("while checking the connection"):
                self._folders(self._session())
        except ConnectorError:
            self.close()
            raise

    # -- folders -------------------------------------------------------------------------------

    def _folders(self, client: IMAPClient) -> list[tuple[str, bool]]:
        """(folder, is_sent) for the inbox, the \\Sent special-use folder and chosen folders."""
        if self._plan is not None:
            return self._plan
        self.config.budget.spend()
        listing = client.list_folders()
        names = {name: flags for flags, _sep, name in listing}
        sent = next((n for n, flags in names.items() if b"\\Sent" in flags), None)
        if sent is None:
            sent = next((n for n in _SENT_NAMES if n in names), None)
        plan = [("INBOX", False)] + ([(sent, True)] if sent else [])
        for name in self.config.params.get("folders") or ():
            if name not in names:
                raise ConnectorError(
                    f"The folder {name!r} does not exist on the IMAP server.",
                    True,
                    action="Correct or remove the folder name in the mailbox's settings.",
                )
            if all(name != p for p, _ in plan):
                plan.append((name, False))
        self._plan = plan
        return plan

    # -- pages ---------------------------------------------------------------------------------

    def fetch_page(self, cursor: str | None) -> SyncPage:
        state = ImapCursor.load(cursor)
        try:
            with imap_errors("while syncing"):
                client = self._session()
                for name, sent in self._folders(client):
                    folder = state.folder(name)
                    pending = self._pending_uids(client, name, folder)
                    if pending:
                        batch = pending[: self._batch_size()]
                        del pending[: len(batch)]
                        items = self._fetch(client, name, sent, folder, batch)
                        return SyncPage(tuple(items), state.dump(), more=True)
        except ConnectorError:
            self.close()  # the session state is unknown now: start afresh on retry
            raise
        return SyncPage((), state.dump(), more=False)

    def _batch_size(self) -> int:
        return max(1, int(self.config.options.get("batch", 1000)))

    def _select(self, client: IMAPClient, name: str) -> dict[bytes, Any]:
        self.config.budget.spend()
        info: dict[bytes, Any] = client.select_folder(name, readonly=True)
        self._selected = name
        return info

    def _pending_uids(self, client: IMAPClient, name: str, folder: FolderState) -> list[int]:
        """UIDs still to fetch in `name` during this run (computed once per run)."""
        if name in self._pending:
            return self._pending[name]
        self.config.budget.spend()
        items = [b"UIDNEXT", b"UIDVALIDITY"] + ([b"HIGHESTMODSEQ"] if self._condstore else [])
        status = client.folder_status(name, items)
        uidvalidity, uidnext = int(status[b"UIDVALIDITY"]), int(status[b"UIDNEXT"])
        modseq = status.get(b"HIGHESTMODSEQ")
        pending: list[int] = []
        if folder.uidvalidity != uidvalidity or uidnext - 1 > folder.last_uid:
            self._select(client, name)
            if folder.uidvalidity and folder.uidvalidity != uidvalidity:
                pending = self._resync(client, name, folder, uidnext)
            else:
                self.config.budget.spend()
                found = client.search(["UID", f"{folder.last_uid + 1}:*"])
                pending = sorted(u for u in found if u > folder.last_uid)
            folder.uidvalidity = uidvalidity
        folder.modseq = int(modseq) if modseq is not None else None
        self._pending[name] = pending
        return pending

    def _resync(
        self, client: IMAPClient, name: str, folder: FolderState, uidnext: int
    ) -> list[int]:
        """UIDVALIDITY changed: the UIDs of the messages since the watermark (minus overlap)."""
        self.config.budget.spend()
        if folder.watermark is None:
            found = client.search(["ALL"])
        else:
            since = datetime.fromtimestamp(folder.watermark - RESYNC_OVERLAP, UTC).date()
            found = client.search(["SINCE", since])
        pending = sorted(found)
        # Stored with the first page, so a crash does not widen the resync to the whole folder.
        folder.last_uid = pending[0] - 1 if pending else uidnext - 1
        log.info("imap mailbox %d: UIDVALIDITY changed, resync of %d messages",
                 self.config.mailbox_id, len(pending))  # fmt: skip
        return pending

    def _fetch(
        self, client: IMAPClient, name: str, sent: bool, folder: FolderState, batch: list[int]
    ) -> list[HeaderRecord | Rejected]:
        if self._selected != name:
            self._select(client, name)
        self.config.budget.spend()
        response = fetch_headers(client, batch, fetch_items(self._gmail))
        options = self.config.options
        now = time.time()
        items: list[HeaderRecord | Rejected] = []
        for uid in batch:
            data = response.get(uid)
            if data is None:  # expunged since the search
                continue
            record = build_record(
                uid,
                data,
                folder=name,
                uidvalidity=folder.uidvalidity,
                sent=sent,
                now=now,
                min_year=options.get("min_year", 1990),
                max_future_days=options.get("max_future_days", 2),
            )
            if isinstance(record, HeaderRecord) and record.received_at is not None:
                folder.watermark = max(folder.watermark or 0, record.received_at)
            items.append(record)
        folder.last_uid = max(folder.last_uid, batch[-1])
        self.messages_fetched += len(items)
        return items
