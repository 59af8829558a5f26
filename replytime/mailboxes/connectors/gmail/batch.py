"""Gmail batch requests: up to 100 GETs in one `multipart/mixed` POST to /batch/gmail/v1.

Each part is `Content-Type: application/http` holding a request line with the path only; the
outer request's Authorization applies to every part. The answer is `multipart/mixed` too, one
`application/http` part per call, in any order, matched on `Content-ID: <response-…>`.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

_BOUNDARY_RE = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_STATUS_RE = re.compile(rb"^HTTP/\d(?:\.\d)?\s+(\d{3})")


@dataclass(frozen=True)
class PartResponse:
    """One call's answer inside a batch."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


def build(paths: Sequence[tuple[str, str]]) -> tuple[str, bytes]:
    """(Content-Type, body) of a batch of GETs; `paths` are (key, path with query) pairs."""
    boundary = f"batch_rt_{secrets.token_hex(12)}"
    chunks: list[str] = []
    for key, path in paths:
        chunks.append(
            f"--{boundary}\r\n"
            "Content-Type: application/http\r\n"
            "Content-Transfer-Encoding: binary\r\n"
            f"Content-ID: <{key}>\r\n\r\n"
            f"GET {path} HTTP/1.1\r\n\r\n"
        )
    chunks.append(f"--{boundary}--\r\n")
    return f"multipart/mixed; boundary={boundary}", "".join(chunks).encode("utf-8")


def _headers(block: bytes) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in block.split(b"\r\n"):
        name, sep, value = line.partition(b":")
        if sep:
            found[name.decode("latin-1").strip().lower()] = value.decode("latin-1").strip()
    return found


def _split_head(data: bytes) -> tuple[bytes, bytes]:
    data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    head, _sep, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _inner(part: bytes) -> tuple[str, PartResponse]:
    outer_head, http_message = _split_head(part.strip(b"\r\n"))
    content_id = _headers(outer_head).get("content-id", "").strip("<>")
    status_head, body = _split_head(http_message)
    match = _STATUS_RE.match(status_head)
    status = int(match.group(1)) if match else 500
    headers = _headers(status_head.partition(b"\r\n")[2])
    body = body.strip()
    try:
        payload: Any = json.loads(body) if body else None
    except ValueError:
        payload = None
    key = content_id.removeprefix("response-")
    return key, PartResponse(status, headers, payload)


def parse(content_type: str, body: bytes) -> dict[str, PartResponse]:
    """The parts of a batch answer, keyed by the Content-ID sent with each call."""
    match = _BOUNDARY_RE.search(content_type or "")
    if not match:
        raise ValueError("batch answer without a multipart boundary")
    delimiter = b"--" + match.group(1).encode("latin-1")
    answers: dict[str, PartResponse] = {}
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        key, response = _inner(chunk)
        answers[key] = response
    return answers
