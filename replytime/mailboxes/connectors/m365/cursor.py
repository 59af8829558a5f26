"""The M365 connector's cursor: per folder, where its delta round stands.

Stored as compact JSON in MailboxConnection.cursor:
`{"v": 1, "folders": {"inbox": {"next": ..., "delta": ..., "watermark": ..., "since": ...}}}`.
`next` is the @odata.nextLink of an unfinished round, `delta` the @odata.deltaLink of the last
finished one (both opaque, used verbatim), `watermark` the newest receivedDateTime seen (epoch
seconds), and `since` the start of a bounded resync round after an expired delta link.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass
class FolderCursor:
    next: str | None = None
    delta: str | None = None
    watermark: int | None = None
    since: int | None = None

    def link(self) -> str | None:
        """The URL to continue from, or None to start a new round."""
        return self.next or self.delta

    def expire(self, overlap_seconds: int) -> None:
        """The link is gone (410). After a finished round, restart from the watermark minus
        the overlap; an unfinished first (or resync) round starts again as it started, since
        its older pages were never read (pages come newest first)."""
        finished = self.delta is not None
        self.next = self.delta = None
        if finished and self.watermark is not None:
            self.since = self.watermark - overlap_seconds


@dataclass
class M365Cursor:
    folders: dict[str, FolderCursor] = field(default_factory=dict)

    @classmethod
    def load(cls, text: str | None) -> M365Cursor:
        if not text:
            return cls()
        try:
            data = json.loads(text)
            folders = {
                name: FolderCursor(**values) for name, values in data.get("folders", {}).items()
            }
        except (ValueError, TypeError, AttributeError):
            return cls()  # an unreadable cursor: start again (the store merges duplicates)
        return cls(folders)

    def folder(self, name: str) -> FolderCursor:
        return self.folders.setdefault(name, FolderCursor())

    def dump(self) -> str:
        data = {"v": 1, "folders": {n: asdict(f) for n, f in sorted(self.folders.items())}}
        return json.dumps(data, separators=(",", ":"))
