"""An account's Entra app registration and the Graph subscriptions of its mailboxes."""

from __future__ import annotations

from django.db import models

from replytime.mailboxes.models import MailboxConnection
from replytime.tenancy.models import Account


class M365App(models.Model):
    """The Entra ID app registration an account connects Microsoft 365 mailboxes with.

    `secret` holds a keystore token (never the plain client secret). `full_headers` says the
    admin granted Mail.Read(.All) instead of Mail.ReadBasic(.All): only then are
    internetMessageHeaders (In-Reply-To, References) requested in application mode.
    """

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="m365_app")
    tenant_id = models.CharField(max_length=100)
    client_id = models.CharField(max_length=100)
    secret = models.TextField(blank=True, default="")
    full_headers = models.BooleanField(default=False)
    push = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Microsoft 365 app of account {self.account_id}"


class GraphSubscription(models.Model):
    """One change-notification subscription (one folder of one connected mailbox).

    Only a SHA-256 digest of the clientState secret is kept: enough to check notifications,
    useless to forge one. `renew_claim_at` is a short lease so that one worker renews it.
    """

    connection = models.ForeignKey(
        MailboxConnection, on_delete=models.CASCADE, related_name="graph_subscriptions"
    )
    folder = models.CharField(max_length=32)
    subscription_id = models.CharField(max_length=100, unique=True)
    client_state_digest = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    renew_claim_at = models.DateTimeField(null=True, blank=True)
    last_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "folder"], name="m365_sub_folder"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="m365_sub_expiry")]

    def __str__(self) -> str:
        return f"Graph subscription {self.subscription_id} ({self.folder})"
