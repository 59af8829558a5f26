"""The mail side of the fake Graph: users, folders, messages, $select and delta rounds.

Messages are held as Graph JSON without any body: a body placeholder exists only in the
default projection (a request without $select), as Graph would return it, so that a test can
show the connector never gets there. Delta state lives server-side behind opaque tokens,
like Graph's; `expire_tokens` makes every outstanding token answer 410 SyncStateNotFound.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Property names of the message resource (Graph v1.0), for $select validation.
MESSAGE_PROPERTIES = frozenset(
    [
        "bccRecipients",
        "body",
        "bodyPreview",
        "categories",
        "ccRecipients",
        "changeKey",
        "conversationId",
        "conversationIndex",
        "createdDateTime",
        "flag",
        "from",
        "hasAttachments",
        "id",
        "importance",
        "inferenceClassification",
        "internetMessageHeaders",
        "internetMessageId",
        "isDeliveryReceiptRequested",
        "isDraft",
        "isRead",
        "isReadReceiptRequested",
        "lastModifiedDateTime",
        "parentFolderId",
        "receivedDateTime",
        "replyTo",
        "sender",
        "sentDateTime",
        "subject",
        "toRecipients",
        "uniqueBody",
        "webLink",
    ]
)
BODY_PROPERTIES = frozenset({"body", "bodyPreview", "uniqueBody"})
DEFAULT_PROJECTION = (
    "id", "createdDateTime", "lastModifiedDateTime", "changeKey", "categories",
    "receivedDateTime", "sentDateTime", "hasAttachments", "internetMessageId", "subject",
    "bodyPreview", "importance", "parentFolderId", "conversationId", "isDeliveryReceiptRequested",
    "isReadReceiptRequested", "isRead", "isDraft", "webLink", "inferenceClassification", "body",
    "sender", "from", "toRecipients", "ccRecipients", "bccRecipients", "replyTo", "flag",
)  # fmt: skip
USER_PROPERTIES = frozenset(
    [
        "id",
        "displayName",
        "mail",
        "userPrincipalName",
        "givenName",
        "surname",
        "jobTitle",
        "accountEnabled",
    ]
)
FOLDER_NAMES = {"inbox": "Inbox", "sentitems": "Sent Items"}
MAX_FILTERED = 5000  # delta with $filter returns at most this many messages


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Folder:
    name: str
    folder_id: str
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (sequence number, message id, "upsert" | "removed")
    changes: list[tuple[int, str, str]] = field(default_factory=list)
    seq: int = 0

    def upsert(self, message: dict[str, Any]) -> None:
        message["parentFolderId"] = self.folder_id
        self.messages[message["id"]] = message
        self.seq += 1
        self.changes.append((self.seq, message["id"], "upsert"))

    def remove(self, message_id: str) -> dict[str, Any] | None:
        found = self.messages.pop(message_id, None)
        if found is not None:
            self.seq += 1
            self.changes.append((self.seq, message_id, "removed"))
        return found


@dataclass
class User:
    id: str
    upn: str
    mail: str
    display_name: str
    has_mailbox: bool = True
    folders: dict[str, Folder] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in FOLDER_NAMES:
            self.folders.setdefault(name, Folder(name, f"AQMkAD{secrets.token_hex(8)}{name}"))

    def profile(self) -> dict[str, Any]:
        return {"id": self.id, "displayName": self.display_name, "mail": self.mail,
                "userPrincipalName": self.upn, "givenName": None, "surname": None,
                "jobTitle": None, "accountEnabled": True}  # fmt: skip


@dataclass
class DeltaState:
    user_id: str
    folder: str
    select: tuple[str, ...]
    since: datetime | None
    pending: list[tuple[str, str]]  # (message id, "upsert" | "removed") still to page out
    seq: int  # the folder's sequence number the next round starts after


class MailStore:
    """Users and their mail; thread-safe (the fake serves requests in parallel)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.users: dict[str, User] = {}
        self.tokens: dict[str, DeltaState] = {}

    def add_user(self, user: User) -> User:
        with self.lock:
            self.users[user.id] = user
        return user

    def find(self, key: str) -> User | None:
        key = key.lower()
        for user in self.users.values():
            if key in (user.id.lower(), user.upn.lower(), user.mail.lower()):
                return user
        return None

    def deliver(self, user_id: str, folder: str, message: dict[str, Any]) -> None:
        with self.lock:
            self.users[user_id].folders[folder].upsert(message)

    def expire_tokens(self) -> int:
        with self.lock:
            count = len(self.tokens)
            self.tokens.clear()
            return count

    # -- delta ---------------------------------------------------------------------------------

    def start_round(
        self, user: User, folder: str, select: tuple[str, ...], since: datetime | None
    ) -> DeltaState:
        """An initial delta request: every message in the folder (newest first)."""
        with self.lock:
            store = user.folders[folder]
            found = [
                m for m in store.messages.values()
                if since is None or parse_iso(m["receivedDateTime"]) >= since
            ]  # fmt: skip
            found.sort(key=lambda m: m["receivedDateTime"], reverse=True)
            if since is not None:
                found = found[:MAX_FILTERED]
            pending = [(m["id"], "upsert") for m in found]
            return DeltaState(user.id, folder, select, since, pending, store.seq)

    def changes_since(self, state: DeltaState) -> DeltaState:
        """A round started from a delta token: what changed after its sequence number."""
        with self.lock:
            store = self.users[state.user_id].folders[state.folder]
            latest: dict[str, str] = {}
            for seq, message_id, kind in store.changes:
                if seq > state.seq:
                    latest.pop(message_id, None)
                    latest[message_id] = kind
            pending = list(latest.items())
            return DeltaState(
                state.user_id, state.folder, state.select, state.since, pending, store.seq
            )

    def take_page(
        self, state: DeltaState, size: int
    ) -> tuple[list[dict[str, Any]], DeltaState | None]:
        """Up to `size` entries of a round, and the state after them (None: round over).

        States are never changed in place, so a link can be replayed (a crashed client
        repeating its last request gets the same page).
        """
        with self.lock:
            store = self.users[state.user_id].folders[state.folder]
            out: list[dict[str, Any]] = []
            for message_id, kind in state.pending[:size]:
                message = store.messages.get(message_id)
                if kind == "removed" or message is None:
                    out.append({"@odata.type": "#microsoft.graph.message", "id": message_id,
                                "@removed": {"reason": "deleted"}})  # fmt: skip
                elif state.since is None or parse_iso(message["receivedDateTime"]) >= state.since:
                    out.append(message)
            rest = state.pending[size:]
            return out, (dataclasses.replace(state, pending=rest) if rest else None)

    def remember(self, state: DeltaState) -> str:
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = state
        return token

    def recall(self, token: str) -> DeltaState | None:
        with self.lock:
            return self.tokens.get(token)


def project(
    message: dict[str, Any], select: tuple[str, ...], *, full: bool, immutable: bool
) -> dict[str, Any]:
    """A message as Graph returns it for this $select and permission.

    Under Mail.ReadBasic (`full` False) internetMessageHeaders and body fields are left out.
    Without `Prefer: IdType="ImmutableId"` the id is the default (folder-bound) REST id.
    """
    if "@removed" in message:
        return dict(message)
    fields = select or DEFAULT_PROJECTION
    out: dict[str, Any] = {"@odata.etag": f'W/"{message["changeKey"]}"'}
    for name in fields:
        if name in BODY_PROPERTIES or name == "internetMessageHeaders":
            if not full:
                continue
            if name in BODY_PROPERTIES:
                out[name] = _body_placeholder(name)
                continue
        if name in message:
            out[name] = message[name]
    out["id"] = message["id"] if immutable else message["restId"]
    return out


def _body_placeholder(name: str) -> Any:
    text = "fake body text: a client that stores this has read a body"
    if name == "bodyPreview":
        return text
    return {"contentType": "text", "content": text}
