from __future__ import annotations

from django.apps import AppConfig


class MailboxesConfig(AppConfig):
    name = "replytime.mailboxes"
    label = "mailboxes"
