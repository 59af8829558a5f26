"""Helpers shared by the settings views."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

SETTINGS_TABS = [
    ("general", "General", "rt-settings"),
    ("schedule", "Business hours", "rt-settings-schedule"),
    ("teams", "Teams", "rt-settings-teams"),
    ("mailboxes", "Mailboxes", "rt-settings-mailboxes"),
    ("people", "People", "rt-settings-people"),
    ("import", "Import", "rt-settings-import"),
    ("audit", "Audit log", "rt-settings-audit"),
]


def settings_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, tab: str, status: int = 200
) -> HttpResponse:
    """Render a settings page with the settings tabs; `tab` marks the current one."""
    account = request.account  # type: ignore[attr-defined]
    tabs = [
        (key, label, reverse(name, args=[account.name]), key == tab)
        for key, label, name in SETTINGS_TABS
    ]
    return render(request, template, {"tabs": tabs, **context}, status=status)


def saved(request: HttpRequest, message: str, name: str, *args: Any) -> HttpResponseRedirect:
    """Flash `message` and redirect to the URL `name` of the current account (post/redirect/get)."""
    messages.success(request, message)
    return redirect(name, request.account.name, *args)  # type: ignore[attr-defined]


def account_home(account_name: str) -> str | None:
    """The dashboard of an account, if the reports app provides it."""
    try:
        return reverse("rt-overview", args=[account_name])
    except NoReverseMatch:
        return None
