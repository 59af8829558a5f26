from __future__ import annotations

from django.apps import AppConfig


class GmailConfig(AppConfig):
    """The Gmail connector's own table: each account's Google set-up (sealed secrets)."""

    name = "replytime.mailboxes.connectors.gmail"
    label = "gmail"
    verbose_name = "Gmail connector"
