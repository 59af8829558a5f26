"""An account's Google set-up: its OAuth client, its Workspace service account, and push."""

from __future__ import annotations

from django.db import models

from replytime.tenancy.models import Account


class GoogleSetup(models.Model):
    """What an account's admin entered on the Gmail set-up page.

    `client_secret` and `service_account_key` hold keystore tokens, never the plain values.
    Empty client fields fall back to the installation's settings. `push_token` is the secret
    path segment of the account's Pub/Sub push endpoint.
    """

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="google_setup")
    client_id = models.CharField(max_length=200, blank=True, default="")
    client_secret = models.TextField(blank=True, default="")
    service_account_email = models.CharField(max_length=320, blank=True, default="")
    service_account_key_id = models.CharField(max_length=100, blank=True, default="")
    service_account_key = models.TextField(blank=True, default="")
    admin_email = models.CharField(max_length=320, blank=True, default="")
    domain = models.CharField(max_length=253, blank=True, default="")
    topic = models.CharField(max_length=300, blank=True, default="")
    push_token = models.CharField(max_length=64, unique=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Google set-up of account {self.account_id}"
