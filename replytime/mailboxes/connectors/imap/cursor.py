"""The IMAP cursor: per folder, UIDVALIDITY, the last UID stored, HIGHESTMODSEQ and the latest
INTERNALDATE seen (the watermark for a bounded resync). Serialised as compact JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass
class FolderState:
    uidvalidity: int = 0
    last_uid: int = 0
    modseq: int | None = None
    watermark: int | None = None


@dataclass
class ImapCursor:
    folders: dict[str, FolderState] = field(default_factory=dict)

    @classmethod
    def load(cls, text: str | None) -> ImapCursor:
        if not text:
            return cls()
        data = json.loads(text)
        return cls({name: FolderState(**state) for name, state in data.get("folders", {}).items()})

    def dump(self) -> str:
        folders = {name: asdict(state) for name, state in sorted(self.folders.items())}
        return json.dumps({"v": 1, "folders": folders}, separators=(",", ":"))

    def folder(self, name: str) -> FolderState:
        return self.folders.setdefault(name, FolderState())
