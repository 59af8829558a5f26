"""Fixtures of the web-app tests: personas across two accounts, clients, immediate tasks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from replytime.testing import Personas, make_personas

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _web_settings(settings: Any, tmp_path: Path) -> None:
    # Tasks run in the request; uploads go to a temporary data folder; rate-limit counters
    # and used TOTP codes (both in the cache) start empty for every test.
    settings.TASKS = IMMEDIATE_TASKS
    settings.DATA_DIR = tmp_path
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    settings.REPLYTIME_SIGNUP = "open"
    cache.clear()


@pytest.fixture
def people(db: None) -> Personas:
    return make_personas()


@pytest.fixture
def client_for() -> Callable[[Any], Client]:
    """A test client signed in as `user` (without going through the sign-in form)."""

    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def owner(people: Personas, client_for: Callable[[Any], Client]) -> Client:
    return client_for(people.user("owner"))
