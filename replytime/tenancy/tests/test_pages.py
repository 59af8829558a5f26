"""Security headers, the Content-Security-Policy, and pages free of inline script."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from replytime.tenancy.models import Role
from replytime.testing import PASSWORD, Personas

# Inline code a strict CSP would block: a <script> without src, an event-handler attribute,
# a javascript: URL, or a style attribute.
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
_HANDLER = re.compile(rb"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
_JS_URL = re.compile(rb"javascript:", re.IGNORECASE)
_STYLE_ATTR = re.compile(rb"<[^>]+\sstyle\s*=", re.IGNORECASE)


def assert_clean(response: Any, url: str) -> None:
    assert response.status_code == 200, url
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy, policy
    assert "unsafe-eval" not in policy and "frame-ancestors 'none'" in policy
    body = response.content
    for name, pattern in (
        ("inline script", _INLINE_SCRIPT),
        ("event handler", _HANDLER),
        ("javascript: URL", _JS_URL),
        ("style attribute", _STYLE_ATTR),
    ):
        found = pattern.search(body)
        assert found is None, f"{url}: {name}: {found.group(0)[:120]!r}"


def settings_urls(people: Personas) -> list[str]:
    a = people.acme.name
    team, mailbox = people.sales.public_id, people.ann.public_id
    member = people.members[Role.VIEWER].public_id  # type: ignore[attr-defined]
    names = [
        ("rt-settings", []),
        ("rt-settings-schedule", []),
        ("rt-settings-teams", []),
        ("rt-settings-team-new", []),
        ("rt-settings-team", [team]),
        ("rt-settings-team-schedule", [team]),
        ("rt-settings-mailboxes", []),
        ("rt-settings-mailbox-new", []),
        ("rt-settings-mailbox", [mailbox]),
        ("rt-settings-mailbox-schedule", [mailbox]),
        ("rt-settings-mailbox-remove", [mailbox]),
        ("rt-settings-people", []),
        ("rt-settings-member", [member]),
        ("rt-settings-import", []),
        ("rt-settings-audit", []),
    ]
    return [reverse(name, args=[a, *args]) for name, args in names]


@pytest.mark.django_db
def test_every_settings_page_is_free_of_inline_code(people: Personas, owner: Client) -> None:
    for url in [*settings_urls(people), "/?choose", reverse("rt-account-new")]:
        assert_clean(owner.get(url), url)


@pytest.mark.django_db
def test_sign_in_and_profile_pages_are_free_of_inline_code(
    people: Personas, client_for: Callable[[Any], Client]
) -> None:
    anonymous = Client()
    for name in ("account_login", "account_signup", "account_reset_password"):
        assert_clean(anonymous.get(reverse(name)), name)
    alice = Client()
    alice.post(reverse("account_login"), {"login": "alice@acme.com", "password": PASSWORD})
    assert_clean(alice.get(reverse("account_reauthenticate")), "account_reauthenticate")
    # Turning on two-factor asks for the password again (allauth's reauthentication).
    alice.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    for name in ("account_email", "account_change_password", "mfa_index", "mfa_activate_totp"):
        assert_clean(alice.get(reverse(name)), name)


@pytest.mark.django_db
def test_security_headers_are_sent(owner: Client) -> None:
    response = owner.get("/?choose")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy


@pytest.mark.django_db
def test_vendored_assets_are_served_by_the_app() -> None:
    client = Client()
    for path in (
        "/static/vendor/htmx-2.0.11.min.js",
        "/static/vendor/chart-4.6.1.umd.min.js",
        "/static/replytime/app.css",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
def test_the_nav_renders_before_the_dashboards_exist(owner: Client, people: Personas) -> None:
    body = owner.get(reverse("rt-settings", args=["acme"])).content.decode()
    assert "Settings" in body and 'aria-current="page"' in body
    assert "acme" in body and "globex" not in body
