"""The IMAP connector (see docs/connectors/imap.md).

Per folder it keeps UIDVALIDITY, the last UID stored, HIGHESTMODSEQ and a date watermark; the
cursor also keeps the folder plan of the last LIST (refreshed daily, or when the chosen folders
change), so a sync does not LIST each time. Each folder is opened with EXAMINE (read-only): its
UIDNEXT and UIDVALIDITY tell whether anything is new, so an unchanged folder costs that one
round trip. New messages are fetched with `UID FETCH <uids> (BODY.PEEK[HEADER.FIELDS (...)]
INTERNALDATE RFC822.SIZE)` in batches of REPLYTIME_IMAP_BATCH UIDs: when the UIDs above the last
one stored fit in one batch, that range is fetched at once (no SEARCH); otherwise a UID SEARCH
lists them. The next batch's FETCH is sent before the current one is read (pipelining), so the
server prepares it while this one is parsed and stored.

A changed UIDVALIDITY starts a bounded resync: the messages since the watermark minus
RESYNC_OVERLAP are fetched again under their new UIDs, and the store merges them with the
copies it has (same Message-ID or fingerprint), so nothing is counted twice. Expunges are not
applied: a message deleted later was still received and answered.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from replytime.mailboxes.connectors.base import (
    BudgetExhausted,
    ConnectorConfig,
    ConnectorError,
    HeaderRecord,
    Parameter,
    Rejected,
    SyncPage,
)
from replytime.mailboxes.connectors.imap.cursor import FolderPlan, FolderState, ImapCursor
from replytime.mailboxes.connectors.imap.fastfetch import FetchPipe
from replytime.mailboxes.connectors.imap.records import build_record, fetch_items
from replytime.mailboxes.connectors.imap.session import imap_errors, open_session

log = logging.getLogger(__name__)

RESYNC_OVERLAP = 7 * 86400
# How long the folder plan of a LIST is trusted (a new Sent folder shows up within this time).
PLAN_MAX_AGE = 86400
_SENT_NAMES = ("Sent", "Sent Items", "Sent Messages", "Sent Mail", "INBOX.Sent", "INBOX/Sent")


@dataclass
class _InFlight:
    """A FETCH sent ahead and not read yet."""

    folder: str
    uids: list[int]
    tag: bytes


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
        self._listed = False  # a LIST ran in this session (the plan is fresh)
        self._pending: dict[str, list[int]] = {}
        self._selected: str | None = None
        self._pipe: FetchPipe | None = None
        self._inflight: _InFlight | None = None
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
            self._pipe = FetchPipe(self._client)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._drain()
            with contextlib.suppress(Exception):
                self._client.logout()
        self._client, self._pipe, self._selected, self._inflight = None, None, None, None
        self._listed = False
        self._pending.clear()

    def check(self) -> None:
        try:
            with imap_errors("while checking the connection"):
                self._list_folders(self._session())
        except ConnectorError:
            self.close()
            raise

    # -- folders -------------------------------------------------------------------------------

    def _chosen(self) -> list[str]:
        return [str(name) for name in self.config.params.get("folders") or ()]

    def _plan(self, client: IMAPClient, state: ImapCursor) -> list[tuple[str, bool]]:
        """The folders to sync: the cursor's plan while it is usable, else a new LIST."""
        chosen, now = self._chosen(), time.time()
        if state.plan is None or not state.plan.usable(chosen, now, PLAN_MAX_AGE):
            state.plan = FolderPlan(self._list_folders(client), chosen, int(now))
        return state.plan.folders

    def _list_folders(self, client: IMAPClient) -> list[tuple[str, bool]]:
        """(folder, is_sent) for the inbox, the \\Sent special-use folder and chosen folders."""
        self.config.budget.spend()
        listing = client.list_folders()
        self._listed = True
        names = {name: flags for flags, _sep, name in listing}
        sent = next((n for n, flags in names.items() if b"\\Sent" in flags), None)
        if sent is None:
            sent = next((n for n in _SENT_NAMES if n in names), None)
        plan = [("INBOX", False)] + ([(sent, True)] if sent else [])
        for name in self._chosen():
            if name not in names:
                raise ConnectorError(
                    f"The folder {name!r} does not exist on the IMAP server.",
                    True,
                    action="Correct or remove the folder name in the mailbox's settings.",
                )
            if all(name != p for p, _ in plan):
                plan.append((name, False))
        return plan

    # -- pages ---------------------------------------------------------------------------------

    def fetch_page(self, cursor: str | None) -> SyncPage:
        state = ImapCursor.load(cursor)
        try:
            with imap_errors("while syncing"):
                client = self._session()
                for name, sent in self._plan(client, state):
                    folder = state.folder(name)
                    pending = self._pending_uids(client, name, folder)
                    if pending is None:
                        # A folder of the saved plan is gone: save the cursor without the
                        # plan, and the next page starts with a new LIST.
                        state.plan = None
                        return SyncPage((), state.dump(), more=True)
                    if pending:
                        items = self._next_batch(client, name, sent, folder, pending)
                        return SyncPage(tuple(items), state.dump(), more=True)
        except ConnectorError:
            self.close()  # the session state is unknown now: start afresh on retry
            raise
        return SyncPage((), state.dump(), more=False)

    def _batch_size(self) -> int:
        return max(1, int(self.config.options.get("batch", 1000)))

    def _examine(self, client: IMAPClient, name: str) -> dict[bytes, Any]:
        self._drain()
        self.config.budget.spend()
        info: dict[bytes, Any] = client.select_folder(name, readonly=True)
        self._selected = name
        return info

    def _pending_uids(self, client: IMAPClient, name: str, folder: FolderState) -> list[int] | None:  # fmt: skip
        """UIDs still to fetch in `name` during this run (worked out once per run), or None
        when the folder cannot be opened and the plan that named it came from the cursor."""
        if name in self._pending:
            return self._pending[name]
        try:
            info = self._examine(client, name)
        except imaplib.IMAP4.abort:
            raise
        except IMAPClientError:
            if self._listed:
                raise
            return None
        uidvalidity = int(info[b"UIDVALIDITY"])
        uidnext = self._uidnext(client, name, info)
        if folder.uidvalidity and folder.uidvalidity != uidvalidity:
            pending = self._resync(client, name, folder, uidnext)
        else:
            pending = self._new_uids(client, folder, uidnext)
        folder.uidvalidity = uidvalidity
        modseq = info.get(b"HIGHESTMODSEQ")
        folder.modseq = int(modseq) if modseq is not None else None
        self._pending[name] = pending
        return pending

    def _uidnext(self, client: IMAPClient, name: str, info: dict[bytes, Any]) -> int:
        if b"UIDNEXT" in info:  # RFC 3501 servers send it with every SELECT/EXAMINE
            return int(info[b"UIDNEXT"])
        self.config.budget.spend()
        return int(client.folder_status(name, [b"UIDNEXT"])[b"UIDNEXT"])

    def _new_uids(self, client: IMAPClient, folder: FolderState, uidnext: int) -> list[int]:
        """UIDs above the last one stored. When one batch covers them, the candidate range
        itself (a UID that does not exist is simply not answered): no SEARCH round trip."""
        last = folder.last_uid
        if uidnext - 1 <= last:
            return []
        if uidnext - 1 - last <= self._batch_size():
            return list(range(last + 1, uidnext))
        self.config.budget.spend()
        found = client.search(["UID", f"{last + 1}:*"])
        return sorted(u for u in found if u > last)

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

    # -- fetching (pipelined) ------------------------------------------------------------------

    def _next_batch(
        self, client: IMAPClient, name: str, sent: bool, folder: FolderState, pending: list[int]
    ) -> list[HeaderRecord | Rejected]:
        """Fetch the next batch of `pending` (sent ahead by the previous call when possible),
        send the batch after it, then parse this one into records."""
        size = self._batch_size()
        batch = pending[:size]
        del pending[:size]
        if self._selected != name:
            self._examine(client, name)
        tag = self._take_inflight(name, batch) or self._send(batch)
        if pending:
            self._send_ahead(name, pending[:size])
        response = self._fetch_pipe().wait(tag, batch)
        items = self._records(name, sent, folder, batch, response)
        folder.last_uid = max(folder.last_uid, batch[-1])
        self.messages_fetched += len(items)
        return items

    def _fetch_pipe(self) -> FetchPipe:
        if self._pipe is None:
            raise RuntimeError("no IMAP session")
        return self._pipe

    def _send(self, batch: list[int]) -> bytes:
        self.config.budget.spend()
        return self._fetch_pipe().send(batch, fetch_items(self._gmail))

    def _send_ahead(self, name: str, batch: list[int]) -> None:
        try:
            tag = self._send(batch)
        except BudgetExhausted:
            return  # the next page asks again, and ends the run there
        self._inflight = _InFlight(name, batch, tag)

    def _take_inflight(self, name: str, batch: list[int]) -> bytes | None:
        ahead, self._inflight = self._inflight, None
        if ahead is None:
            return None
        if ahead.folder == name and ahead.uids == batch:
            return ahead.tag
        self._inflight = ahead
        self._drain()  # not the batch wanted (cannot happen in order): read and drop it
        return None

    def _drain(self) -> None:
        """Read and drop the answer of a FETCH sent ahead: nothing else may be sent before."""
        ahead, self._inflight = self._inflight, None
        if ahead is not None and self._pipe is not None:
            self._pipe.wait(ahead.tag, ahead.uids)

    def _records(
        self,
        name: str,
        sent: bool,
        folder: FolderState,
        batch: list[int],
        response: dict[int, dict[bytes, Any]],
    ) -> list[HeaderRecord | Rejected]:
        options = self.config.options
        now = time.time()
        items: list[HeaderRecord | Rejected] = []
        for uid in batch:
            data = response.get(uid)
            if data is None:  # expunged since, or a UID of the range that never existed
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
        return items
