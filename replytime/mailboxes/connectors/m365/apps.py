from __future__ import annotations

from django.apps import AppConfig


class M365Config(AppConfig):
    """The Microsoft 365 connector's own tables: app registrations and Graph subscriptions."""

    name = "replytime.mailboxes.connectors.m365"
    label = "m365"
    verbose_name = "Microsoft 365 connector"
