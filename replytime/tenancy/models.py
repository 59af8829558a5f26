"""The tenant (Account) and its teams. Every tenant-owned row elsewhere carries `account`."""

from __future__ import annotations

import uuid

from django.db import models

DEFAULT_GOAL_SECONDS = 4 * 3600


class Account(models.Model):
    """One organisation, with the metric settings of spec §1."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.SlugField(max_length=100, unique=True)
    # Empty means "the domains of all mailbox addresses" (spec §1 default).
    internal_domains = models.TextField(blank=True, default="")
    count_internal = models.BooleanField(default=False)
    count_cc = models.BooleanField(default=False)
    thread_window_days = models.PositiveIntegerField(default=30)
    reply_goal_seconds = models.PositiveIntegerField(default=DEFAULT_GOAL_SECONDS)
    timezone = models.CharField(max_length=64, default="UTC")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    @property
    def internal_domain_list(self) -> list[str]:
        return [d for d in self.internal_domains.split("\n") if d]

    def effective_internal_domains(self) -> frozenset[str]:
        """The configured internal domains, or the domains of every mailbox address."""
        configured = self.internal_domain_list
        if configured:
            return frozenset(configured)
        from replytime.mailboxes.models import MailboxAddress

        addresses = MailboxAddress.objects.filter(account=self).values_list("address", flat=True)
        return frozenset(a.rsplit("@", 1)[1] for a in addresses if "@" in a)


class Team(models.Model):
    """A named group of mailboxes with an optional goal and team (group) addresses."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="teams")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    goal_seconds = models.PositiveIntegerField(null=True, blank=True)
    # Newline-separated lowercased addresses of group/distribution lists delivering to members.
    addresses = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="team_unique_name"),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def address_list(self) -> list[str]:
        return [a for a in self.addresses.split("\n") if a]
