"""Conversations rebuilt from header records (spec §4) and their states (spec §8)."""

from __future__ import annotations

from django.db import models

from replytime.tenancy.models import Account


class Conversation(models.Model):
    """One conversation. `key` is stable: a rebuild gives the same key to the same thread."""

    class Origin(models.TextChoices):
        INTERNAL = "internal"
        INBOUND = "inbound"
        OUTBOUND = "outbound"

    class Waiting(models.TextChoices):
        NONE = ""
        OURS = "ours", "awaiting our reply"
        THEIRS = "theirs", "awaiting their reply"

    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    key = models.CharField(max_length=40)
    subject = models.TextField(blank=True, default="")
    first_time = models.BigIntegerField()
    last_time = models.BigIntegerField()
    message_count = models.PositiveIntegerField(default=0)
    origin = models.CharField(max_length=16, choices=Origin.choices)
    waiting = models.CharField(max_length=16, choices=Waiting.choices, blank=True, default="")
    last_external_address = models.CharField(max_length=320, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="conversation_key"),
        ]
        indexes = [models.Index(fields=["account", "last_time"], name="conv_acct_last")]


class ConversationKey(models.Model):
    """Lookup keys (message ids, placeholders, subjects, thread ids) of a conversation.

    They let an incremental update find the conversations new records can touch without
    reading every record of the account.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="keys")
    key = models.CharField(max_length=1000)

    class Meta:
        indexes = [models.Index(fields=["account", "key"], name="convkey_acct_key")]


class Closure(models.Model):
    """A conversation closed by a user (spec §8); kept by stable key so rebuilds keep it."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    conversation_key = models.CharField(max_length=40)
    closed_at = models.BigIntegerField()
    closed_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "conversation_key"], name="closure_unique"),
        ]
