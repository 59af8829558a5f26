"""Tracked mailboxes: a primary address, aliases, a display name and team memberships."""

from __future__ import annotations

import uuid

from django.db import models

from replytime.tenancy.models import Account, Team


class Mailbox(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="mailboxes")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    address = models.CharField(max_length=320)
    name = models.CharField(max_length=200, blank=True, default="")
    connector = models.CharField(max_length=32, default="files")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "address"], name="mailbox_unique_address"),
        ]
        ordering = ["address"]

    def __str__(self) -> str:
        return self.name or self.address

    def address_set(self) -> frozenset[str]:
        return frozenset(self.addresses.values_list("address", flat=True))


class MailboxAddress(models.Model):
    """The primary address or an alias of a mailbox; unique within the account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="addresses")
    address = models.CharField(max_length=320)
    is_primary = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "address"], name="address_unique"),
        ]


class TeamMember(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="team_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "mailbox"], name="team_member_unique"),
        ]
