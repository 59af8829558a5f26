"""Header-only records, the import runs that produced them, and what was rejected.

No column here can hold a message body or an attachment: a Record is the header metadata of
spec §1 and nothing else. Multi-valued headers are stored newline-separated in text columns
(portable, compact and cheap to write in bulk).
"""

from __future__ import annotations

import uuid

from django.db import models

from replytime.mailboxes.models import Mailbox
from replytime.tenancy.models import Account


def split_lines(value: str) -> tuple[str, ...]:
    return tuple(v for v in value.split("\n") if v) if value else ()


class ImportRun(models.Model):
    """One run of an import or a sync: what was read, stored, skipped and rejected."""

    class Status(models.TextChoices):
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    read = models.PositiveIntegerField(default=0)
    stored = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")


class Record(models.Model):
    """What replytime keeps of one message seen by one mailbox (spec §1); times are epoch s."""

    # No single-column indexes on the owner: the indexes below lead with account or mailbox,
    # which serves scoped queries and the foreign-key checks, and each index costs the import
    # a B-tree insert per message (docs/performance.md).
    account = models.ForeignKey(Account, on_delete=models.CASCADE, db_index=False)
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.CASCADE, related_name="records", db_index=False
    )
    provider_id = models.CharField(max_length=500)
    message_id = models.CharField(max_length=998, null=True, blank=True)
    extra_message_ids = models.TextField(blank=True, default="")
    in_reply_to = models.TextField(blank=True, default="")
    references = models.TextField(blank=True, default="")
    provider_thread_id = models.CharField(max_length=200, null=True, blank=True)
    thread_index = models.CharField(max_length=200, null=True, blank=True)
    from_addr = models.CharField(max_length=320, null=True, blank=True)
    sender = models.CharField(max_length=320, null=True, blank=True)
    to_addrs = models.TextField(blank=True, default="")
    cc_addrs = models.TextField(blank=True, default="")
    subject = models.TextField(blank=True, default="")
    date = models.BigIntegerField(null=True, blank=True)
    received_at = models.BigIntegerField(null=True, blank=True)
    folders = models.TextField(blank=True, default="")
    auto_flags = models.TextField(blank=True, default="")
    size = models.BigIntegerField(null=True, blank=True)
    fingerprint = models.CharField(max_length=64, null=True, blank=True)
    # Set by the metrics engine: the conversation this record's message belongs to.
    conversation = models.ForeignKey(
        "conversations.Conversation", null=True, blank=True, on_delete=models.SET_NULL
    )
    # Bumped when a record is stored or merged; the engine rebuilds what changed since.
    dirty = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "provider_id"], name="record_provider_id"),
        ]
        indexes = [
            models.Index(fields=["mailbox", "message_id"], name="record_mb_msgid"),
            models.Index(fields=["mailbox", "fingerprint"], name="record_mb_fp"),
            models.Index(fields=["account", "conversation"], name="record_acct_conv"),
            models.Index(fields=["account"], name="record_dirty", condition=models.Q(dirty=True)),
        ]


class Rejection(models.Model):
    """A message that could not be stored (spec §9). Re-imports do not add it twice."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE)
    import_run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL)
    source = models.CharField(max_length=500)
    folder = models.TextField(blank=True, default="")
    reason = models.CharField(max_length=64)
    detail = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "source"], name="rejection_source"),
        ]
        indexes = [models.Index(fields=["account", "reason"], name="rejection_acct_reason")]
