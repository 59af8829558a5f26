"""A connector registered only in tests: pages from a list, errors on demand."""

from __future__ import annotations

import json
from typing import ClassVar

from replytime.mailboxes.connectors.base import (
    ConnectorConfig,
    ConnectorError,
    HeaderRecord,
    Parameter,
    SyncPage,
)

PAGES: list[list[HeaderRecord]] = []
# Raised by the n-th fetch_page call (0-based) of the whole test; consumed when raised.
ERRORS: dict[int, ConnectorError] = {}
CALLS: list[str | None] = []


class DummyConnector:
    kind: ClassVar[str] = "dummy"
    label: ClassVar[str] = "Dummy"
    parameters: ClassVar[tuple[Parameter, ...]] = (
        Parameter("host", "Host"),
        Parameter("password", "Password", secret=True),
    )

    def __init__(self, config: ConnectorConfig) -> None:
        self.config = config

    def check(self) -> None:
        if self.config.secrets.get("password") != "right":
            raise ConnectorError("The server refused the password.", True, action="Fix it.")

    def fetch_page(self, cursor: str | None) -> SyncPage:
        self.config.budget.spend()
        call = len(CALLS)
        CALLS.append(cursor)
        if call in ERRORS:
            raise ERRORS.pop(call)
        position = json.loads(cursor)["page"] if cursor else 0
        if position >= len(PAGES):
            return SyncPage((), json.dumps({"page": position}), more=False)
        return SyncPage(tuple(PAGES[position]), json.dumps({"page": position + 1}), more=True)

    def close(self) -> None:
        pass
