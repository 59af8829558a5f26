from __future__ import annotations

from collections.abc import Iterator

import pytest

from replytime.mailboxes.connectors.registry import CONNECTORS
from replytime.mailboxes.tests import dummy


@pytest.fixture
def dummy_connector(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[dummy.DummyConnector]]:
    monkeypatch.setitem(
        CONNECTORS, "dummy", ("Dummy", "replytime.mailboxes.tests.dummy.DummyConnector")
    )
    dummy.PAGES.clear()
    dummy.ERRORS.clear()
    dummy.CALLS.clear()
    yield dummy.DummyConnector
