"""The IMAP cursor: per folder, UIDVALIDITY, the last UID stored, HIGHESTMODSEQ and the latest
INTERNALDATE seen (the watermark for a bounded resync); plus the folder plan (which folders to
sync, and which one is Sent) from the last LIST, so that a sync need not LIST every time.
Serialised as compact JSON; cursors written before the plan was kept load with no plan."""

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
class FolderPlan:
    """(folder, is_sent) pairs from a LIST at `listed_at` (epoch seconds), made for the
    configured extra folders `chosen`; stale when those change or after a maximum age."""

    folders: list[tuple[str, bool]]
    chosen: list[str]
    listed_at: int

    def usable(self, chosen: list[str], now: float, max_age: float) -> bool:
        return self.chosen == chosen and 0 <= now - self.listed_at < max_age


@dataclass
class ImapCursor:
    folders: dict[str, FolderState] = field(default_factory=dict)
    plan: FolderPlan | None = None

    @classmethod
    def load(cls, text: str | None) -> ImapCursor:
        if not text:
            return cls()
        data = json.loads(text)
        folders = {name: FolderState(**state) for name, state in data.get("folders", {}).items()}
        plan = data.get("plan")
        if plan is not None:
            pairs = [(str(name), bool(sent)) for name, sent in plan["folders"]]
            plan = FolderPlan(pairs, list(plan["chosen"]), int(plan["listed_at"]))
        return cls(folders, plan)

    def dump(self) -> str:
        folders = {name: asdict(state) for name, state in sorted(self.folders.items())}
        data: dict[str, object] = {"v": 1, "folders": folders}
        if self.plan is not None:
            data["plan"] = asdict(self.plan)
        return json.dumps(data, separators=(",", ":"))

    def folder(self, name: str) -> FolderState:
        return self.folders.setdefault(name, FolderState())
