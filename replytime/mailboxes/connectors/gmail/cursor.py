"""The Gmail cursor, stored as compact JSON (opaque to the framework).

`phase` is "list" while a full (or bounded re-)sync pages through `users.messages.list`, and
"history" afterwards. `history` is the historyId to read changes from: during a listing, the
mailbox's id taken before it began (Google's sync guide: history from there catches what arrived
meanwhile); afterwards, the id of the last history answer fully processed. `page` is the list
or history page token of the page to fetch next. A listing ends at the first page whose
messages are all older than `stop_before` (epoch s), or after `limit` messages (0: no limit).
`newest` is the latest receive time seen, the watermark of a bounded resync.
`watch_until`/`watch_at` track the Pub/Sub watch (epoch s).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields


@dataclass
class GmailCursor:
    phase: str = "list"
    history: str = ""
    page: str = ""
    stop_before: int | None = None
    limit: int = 0
    listed: int = 0
    newest: int | None = None
    watch_until: int | None = None
    watch_at: int | None = None

    @classmethod
    def load(cls, text: str | None) -> GmailCursor | None:
        """The cursor of `text`, or None for no cursor (a first sync)."""
        if not text:
            return None
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def dump(self) -> str:
        data = {k: v for k, v in asdict(self).items() if v not in (None, "", 0)}
        return json.dumps({"v": 1, **data}, separators=(",", ":"), sort_keys=True)

    def seen(self, received_at: int | None) -> None:
        if received_at is not None:
            self.newest = max(self.newest or 0, received_at)
