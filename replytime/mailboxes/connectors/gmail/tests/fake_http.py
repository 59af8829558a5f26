"""Pieces of the fake Google shared by its handlers: Google's error envelope, the parameter
rules of the discovery document, the `fields` partial-response syntax, and batch bodies."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

# System parameters every Google API accepts (discovery document, top-level "parameters").
SYSTEM_PARAMS = frozenset(
    {"$.xgafv", "access_token", "alt", "callback", "fields", "key", "oauth_token",
     "prettyPrint", "quotaUser", "uploadType", "upload_protocol"}
)  # fmt: skip
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE",
}  # fmt: skip


@dataclass
class Reply:
    """One HTTP answer of the fake."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    compact: bool = False  # prettyPrint=false

    def payload(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b""
        if self.compact:
            return json.dumps(self.body, separators=(",", ":")).encode()
        return json.dumps(self.body, indent=2).encode()

    def content_type(self) -> str:
        return self.headers.get("Content-Type", "application/json; charset=UTF-8")


def google_error(code: int, message: str, reason: str, domain: str = "global",
                 **extra: str) -> Reply:  # fmt: skip
    """Google's JSON error envelope (code, message, errors[{message, domain, reason}], status)."""
    detail: dict[str, str] = {"message": message, "domain": domain, "reason": reason, **extra}
    body = {
        "error": {
            "code": code,
            "message": message,
            "errors": [detail],
            "status": _STATUS_NAMES.get(code, "UNKNOWN"),
        }
    }
    headers = (
        {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'} if code == 401 else {}
    )
    return Reply(code, body, headers)


def unknown_parameter(name: str) -> Reply:
    # What Google's gRPC-transcoding front end answers for a query parameter it cannot bind.
    message = (
        f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query parameter. '
        f"Field '{name}' could not be found in request message."
    )
    return google_error(400, message, "invalid")


def check_params(params: dict[str, list[str]], allowed: set[str],
                 repeated: set[str] = frozenset()) -> Reply | None:  # fmt: skip
    """An error answer for an unknown or wrongly repeated parameter, else None."""
    for name, values in params.items():
        if name not in allowed and name not in SYSTEM_PARAMS:
            return unknown_parameter(name)
        if len(values) > 1 and name not in repeated:
            return google_error(400, f"Parameter {name} given more than once.", "invalid")
    return None


# -- fields (partial response) -----------------------------------------------------------------

Schema = dict[str, "Schema | None"]
HEADER: Schema = {"name": None, "value": None}
PART: Schema = {"partId": None, "mimeType": None, "filename": None, "headers": HEADER,
                "body": {"size": None, "data": None, "attachmentId": None}, "parts": None}  # fmt: skip
MESSAGE: Schema = {
    "id": None, "threadId": None, "labelIds": None, "snippet": None, "historyId": None,
    "internalDate": None, "payload": PART, "sizeEstimate": None, "raw": None,
    "classificationLabelValues": None,
}  # fmt: skip
LIST_MESSAGES: Schema = {"messages": MESSAGE, "nextPageToken": None, "resultSizeEstimate": None}
_REF: Schema = {"message": MESSAGE, "labelIds": None}
HISTORY: Schema = {
    "history": {"id": None, "messages": MESSAGE, "messagesAdded": _REF,
                "messagesDeleted": _REF, "labelsAdded": _REF, "labelsRemoved": _REF},
    "nextPageToken": None, "historyId": None,
}  # fmt: skip
PROFILE: Schema = {"emailAddress": None, "messagesTotal": None, "threadsTotal": None,
                   "historyId": None}  # fmt: skip


class FieldsError(ValueError):
    pass


def _split_top(text: str) -> list[str]:
    items, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += char
    if depth:
        raise FieldsError(text)
    items.append(current)
    return [i.strip() for i in items if i.strip()]


def parse_fields(text: str, schema: Schema | None) -> dict[str, Any] | None:
    """A selection tree of `fields` (a,b/c,d(e,f)); None selects everything below. Unknown
    names raise FieldsError, as Google answers 400 "Invalid field selection"."""
    tree: dict[str, Any] = {}
    for item in _split_top(text):
        match = re.fullmatch(r"([A-Za-z$][\w$]*)(?:/(.+)|\((.+)\))?", item)
        if not match:
            raise FieldsError(item)
        name, path, group = match.groups()
        if schema is None or name not in schema:
            raise FieldsError(name)
        sub = schema[name]
        inner = path or group
        tree[name] = parse_fields(inner, sub) if inner else None
    return tree


def project(value: Any, tree: dict[str, Any] | None) -> Any:
    if tree is None:
        return value
    if isinstance(value, list):
        return [project(v, tree) for v in value]
    if not isinstance(value, dict):
        return value
    return {k: project(value[k], sub) for k, sub in tree.items() if k in value}


# -- batch bodies --------------------------------------------------------------------------------


@dataclass
class InnerRequest:
    content_id: str
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


def parse_batch(content_type: str, body: bytes) -> list[InnerRequest]:
    match = re.search(r'boundary="?([^";]+)"?', content_type or "")
    if not content_type.lower().startswith("multipart/mixed") or not match:
        raise ValueError("batch requests must be multipart/mixed with a boundary")
    delimiter = b"--" + match.group(1).encode()
    requests: list[InnerRequest] = []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.replace(b"\r\n", b"\n").strip(b"\n")
        outer, _sep, http_part = chunk.partition(b"\n\n")
        outer_headers = _header_map(outer)
        if outer_headers.get("content-type", "").split(";")[0] != "application/http":
            raise ValueError("each batch part must be application/http")
        head, _sep, inner_body = http_part.partition(b"\n\n")
        line, _sep, rest = head.partition(b"\n")
        method, target, *_version = line.decode().split(" ")
        requests.append(
            InnerRequest(
                outer_headers.get("content-id", "").strip("<>"),
                method,
                target,
                _header_map(rest),
                inner_body.strip(),
            )
        )
    return requests


def _header_map(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in block.split(b"\n"):
        name, sep, value = line.partition(b":")
        if sep:
            headers[name.decode().strip().lower()] = value.decode().strip()
    return headers


def build_batch(answers: list[tuple[str, Reply]]) -> Reply:
    boundary = f"batch_{secrets.token_urlsafe(18)}"
    chunks: list[bytes] = []
    for content_id, reply in answers:
        payload = reply.payload()
        reason = "OK" if reply.status < 300 else "Error"
        extra = "".join(f"{k}: {v}\r\n" for k, v in reply.headers.items())
        chunks.append(
            f"--{boundary}\r\nContent-Type: application/http\r\n"
            f"Content-ID: <response-{content_id}>\r\n\r\n"
            f"HTTP/1.1 {reply.status} {reason}\r\n"
            f"Content-Type: application/json; charset=UTF-8\r\n{extra}"
            f"Vary: Origin\r\nVary: X-Origin\r\nVary: Referer\r\n\r\n".encode()
            + payload
            + b"\r\n"
        )
    chunks.append(f"--{boundary}--\r\n".encode())
    return Reply(200, raw=b"".join(chunks),
                 headers={"Content-Type": f"multipart/mixed; boundary={boundary}"})  # fmt: skip
