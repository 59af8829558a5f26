"""Dashboard tests start with an empty cache: row ids repeat across rolled-back tests, so a
figure cached by one test could otherwise be served to the next."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from replytime.reports import caching, queries


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()
    caching._versions.clear()
    queries._CLOCKS.clear()
    yield
    cache.clear()
    caching._versions.clear()
