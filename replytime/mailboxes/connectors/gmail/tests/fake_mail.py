"""The fake's mailboxes and its Gmail API handlers (users.getProfile, messages.list/get,
history.list, watch/stop), answering with the JSON shapes and types Google documents:
ids, historyId and internalDate as strings, sizeEstimate as an integer, payload.headers as
{name, value} pairs, and a `snippet` unless a `fields` selection leaves it out."""

from __future__ import annotations

import base64
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from replytime.mailboxes.connectors.gmail.tests.fake_http import (
    HISTORY,
    LIST_MESSAGES,
    MESSAGE,
    PROFILE,
    FieldsError,
    Reply,
    Schema,
    check_params,
    google_error,
    parse_fields,
    project,
)

NOT_FOUND = ("Requested entity was not found.", "notFound")


@dataclass
class FakeMessage:
    id: str
    thread_id: str
    labels: list[str]
    internal_ms: int
    headers: list[tuple[str, str]]
    size: int
    history_id: int
    rendered: dict[tuple[str, ...], bytes] = field(default_factory=dict)  # answers, by query

    def resource(self, fmt: str, wanted: list[str] | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "threadId": self.thread_id,
            "labelIds": list(self.labels),
            "snippet": f"SNIPPET-{self.id} body-derived preview text",
            "sizeEstimate": self.size,
            "historyId": str(self.history_id),
            "internalDate": str(self.internal_ms),
        }
        if fmt == "metadata":
            names = {w.lower() for w in wanted} if wanted else None
            headers = [{"name": n, "value": v} for n, v in self.headers
                       if names is None or n.lower() in names]  # fmt: skip
            body["payload"] = {"partId": "", "mimeType": "text/plain", "filename": "",
                               "headers": headers, "body": {"size": 0}}  # fmt: skip
        return body


@dataclass
class HistoryEntry:
    id: int
    kind: str  # messageAdded, messageDeleted, labelAdded, labelRemoved
    message: FakeMessage
    labels: list[str] = field(default_factory=list)


class FakeMailbox:
    """One user's mail: messages newest first, and the history of changes."""

    def __init__(self, address: str, *, first_history: int = 1_000_000) -> None:
        self.address = address
        self.messages: dict[str, FakeMessage] = {}
        self.history: list[HistoryEntry] = []
        self.history_id = first_history
        self.oldest_history = first_history
        self._ids = itertools.count(1)
        self._threads: dict[str, str] = {}
        self._order: list[str] | None = None

    def _next_history(self) -> int:
        self.history_id += 1 + self.history_id % 3  # increasing, not contiguous
        return self.history_id

    def add(self, headers: list[tuple[str, str]], labels: list[str], internal_ms: int,
            size: int = 0, *, record: bool = True) -> FakeMessage:  # fmt: skip
        """Add a message (and a messageAdded history record unless `record` is false)."""
        message_id = f"{0x18C0000000000000 + next(self._ids) * 4099:016x}"
        thread_id = self._thread_of(headers, message_id)
        history = self._next_history()
        message = FakeMessage(message_id, thread_id, list(labels), internal_ms, list(headers),
                              size or 2000 + len(str(headers)), history)  # fmt: skip
        self.messages[message_id] = message
        self._order = None
        if record:
            self.history.append(HistoryEntry(history, "messageAdded", message))
        else:
            self.oldest_history = self.history_id
        return message

    def _thread_of(self, headers: list[tuple[str, str]], message_id: str) -> str:
        values = {n.lower(): v for n, v in headers}
        refs = (values.get("references") or values.get("in-reply-to") or "").split()
        own = values.get("message-id", "").strip()
        root = refs[0] if refs else own
        thread = self._threads[root] if root and root in self._threads else message_id
        for key in (root, own):
            if key:
                self._threads.setdefault(key, thread)
        return thread

    def relabel(self, message_id: str, add: tuple[str, ...] = (),
                remove: tuple[str, ...] = ()) -> None:  # fmt: skip
        message = self.messages[message_id]
        for kind, labels in (("labelAdded", add), ("labelRemoved", remove)):
            if not labels:
                continue
            for label in labels:
                if kind == "labelAdded" and label not in message.labels:
                    message.labels.append(label)
                if kind == "labelRemoved" and label in message.labels:
                    message.labels.remove(label)
            message.history_id = self._next_history()
            message.rendered.clear()
            self.history.append(HistoryEntry(message.history_id, kind, message, list(labels)))

    def expire_history(self) -> None:
        """Forget all history so far: older start ids now answer 404 (as after ~a week)."""
        self.oldest_history = self._next_history()
        self.history.clear()

    def order(self) -> list[str]:
        if self._order is None:
            items = sorted(self.messages.values(), key=lambda m: (-m.internal_ms, m.id))
            self._order = [m.id for m in items]
        return self._order


def _token(value: dict[str, int]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _untoken(text: str) -> dict[str, int]:
    try:
        value = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except ValueError:
        raise ValueError(text) from None
    if not isinstance(value, dict):
        raise ValueError(text)
    return value


def _int_param(params: dict[str, list[str]], name: str, default: int, top: int) -> int:
    raw = params.get(name, [str(default)])[0]
    if not raw.isdigit():
        raise ValueError(name)
    return max(1, min(top, int(raw)))


def _shape(body: dict[str, Any], params: dict[str, list[str]], schema: Schema) -> Reply:
    if "fields" not in params:
        return Reply(200, body)
    try:
        tree = parse_fields(params["fields"][0], schema)
    except FieldsError as exc:
        return google_error(400, f"Invalid field selection {exc}", "invalidParameter")
    return Reply(200, project(body, tree))


class GmailHandlers:
    """users.* methods of one fake mailbox; the caller has already checked the token."""

    def profile(self, box: FakeMailbox, params: dict[str, list[str]]) -> Reply:
        if error := check_params(params, set()):
            return error
        body = {"emailAddress": box.address, "messagesTotal": len(box.messages),
                "threadsTotal": len({m.thread_id for m in box.messages.values()}),
                "historyId": str(box.history_id)}  # fmt: skip
        return _shape(body, params, PROFILE)

    def list(self, box: FakeMailbox, params: dict[str, list[str]]) -> Reply:
        allowed = {"maxResults", "pageToken", "labelIds", "includeSpamTrash", "q"}
        if error := check_params(params, allowed, {"labelIds"}):
            return error
        if "q" in params:
            message = "Metadata scope does not support 'q' parameter"
            return google_error(403, message, "forbidden")
        try:
            size = _int_param(params, "maxResults", 100, 500)
            offset = _untoken(params["pageToken"][0])["o"] if "pageToken" in params else 0
        except (ValueError, KeyError):
            return google_error(400, "Invalid pageToken or maxResults", "invalidArgument")
        spam = params.get("includeSpamTrash", ["false"])[0] == "true"
        labels = set(params.get("labelIds", []))
        ids = [i for i in box.order() if self._listed(box.messages[i], spam, labels)]
        page = ids[offset : offset + size]
        body: dict[str, Any] = {"resultSizeEstimate": len(ids)}
        if page:
            body["messages"] = [{"id": i, "threadId": box.messages[i].thread_id} for i in page]
        if offset + size < len(ids):
            body["nextPageToken"] = _token({"o": offset + size, "t": int(time.time())})
        return _shape(body, params, LIST_MESSAGES)

    @staticmethod
    def _listed(message: FakeMessage, spam: bool, labels: set[str]) -> bool:
        if not spam and {"SPAM", "TRASH"} & set(message.labels):
            return False
        return labels <= set(message.labels)

    def get(self, box: FakeMailbox, message_id: str, params: dict[str, list[str]]) -> Reply:
        if error := check_params(params, {"format", "metadataHeaders"}, {"metadataHeaders"}):
            return error
        fmt = params.get("format", ["full"])[0]
        if fmt not in ("minimal", "full", "raw", "metadata"):
            return google_error(400, f"Invalid value at 'format' ({fmt})", "invalid")
        if fmt in ("full", "raw"):
            # The gmail.metadata scope never allows a body (the fake grants no other scope).
            message = f"Metadata scope doesn't allow format {fmt.upper()}"
            return google_error(403, message, "forbidden")
        message_obj = box.messages.get(message_id)
        if message_obj is None:
            return google_error(404, *NOT_FOUND)
        wanted = params.get("metadataHeaders") if fmt == "metadata" else None
        key = (fmt, *(wanted or ()), "|", *params.get("fields", ()), *params.get("prettyPrint", ()))
        cached = message_obj.rendered.get(key)
        if cached is not None:  # the same answer again (a retried batch part)
            return Reply(200, raw=cached)
        reply = _shape(message_obj.resource(fmt, wanted), params, MESSAGE)
        if reply.status == 200:
            reply.compact = params.get("prettyPrint") == ["false"]
            message_obj.rendered[key] = reply.payload()
        return reply

    def history(self, box: FakeMailbox, params: dict[str, list[str]]) -> Reply:
        allowed = {"startHistoryId", "historyTypes", "labelId", "maxResults", "pageToken"}
        if error := check_params(params, allowed, {"historyTypes"}):
            return error
        start_raw = params.get("startHistoryId", [""])[0]
        if not start_raw.isdigit():
            return google_error(400, "Invalid startHistoryId", "invalidArgument")
        start = int(start_raw)
        if start < box.oldest_history or start == 0:
            return google_error(404, *NOT_FOUND)
        kinds = set(params.get("historyTypes", []))
        unknown = kinds - {"messageAdded", "messageDeleted", "labelAdded", "labelRemoved"}
        if unknown:
            return google_error(400, f"Invalid value for historyTypes: {unknown}", "invalid")
        try:
            size = _int_param(params, "maxResults", 100, 500)
            offset = _untoken(params["pageToken"][0])["o"] if "pageToken" in params else 0
        except (ValueError, KeyError):
            return google_error(400, "Invalid pageToken", "invalidArgument")
        label = params.get("labelId", [""])[0]
        entries = [e for e in box.history if e.id > start and (not kinds or e.kind in kinds)
                   and (not label or label in e.message.labels)]  # fmt: skip
        page = entries[offset : offset + size]
        body: dict[str, Any] = {"historyId": str(box.history_id)}
        if page:
            body["history"] = [self._record(e) for e in page]
        if offset + size < len(entries):
            body["nextPageToken"] = _token({"o": offset + size})
        return _shape(body, params, HISTORY)

    @staticmethod
    def _record(entry: HistoryEntry) -> dict[str, Any]:
        ref = {"id": entry.message.id, "threadId": entry.message.thread_id}
        full = {**ref, "labelIds": list(entry.message.labels)}
        key = {"messageAdded": "messagesAdded", "messageDeleted": "messagesDeleted",
               "labelAdded": "labelsAdded", "labelRemoved": "labelsRemoved"}[entry.kind]  # fmt: skip
        item: dict[str, Any] = {"message": full}
        if entry.kind.startswith("label"):
            item["labelIds"] = list(entry.labels)
        return {"id": str(entry.id), "messages": [ref], key: [item]}

    def watch(self, box: FakeMailbox, params: dict[str, list[str]], body: Any,
              project_id: str) -> Reply:  # fmt: skip
        if error := check_params(params, set()):
            return error
        if not isinstance(body, dict) or not isinstance(body.get("topicName"), str):
            return google_error(400, "Invalid topicName", "invalidArgument")
        parts = body["topicName"].split("/")
        if len(parts) != 4 or parts[0] != "projects" or parts[2] != "topics":
            return google_error(
                400, "Invalid topicName does not match projects/*/topics/*", "invalidArgument"
            )
        if parts[1] != project_id:
            message = "Invalid topicName: the topic's project must be the caller's project"
            return google_error(400, message, "invalidArgument")
        known = {"topicName", "labelIds", "labelFilterBehavior", "labelFilterAction"}
        if set(body) - known:
            return google_error(400, "Unknown field in WatchRequest", "invalid")
        expiration = int((time.time() + 7 * 86400) * 1000)
        return Reply(200, {"historyId": str(box.history_id), "expiration": str(expiration)})
