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
    # Bumped by every transaction that stores records into the mailbox (ingestion.store): lets
    # an import tell whether anyone else wrote to the mailbox since its own last batch.
    record_writes = models.BigIntegerField(default=0, editable=False)

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


class MailboxConnection(models.Model):
    """How a mailbox is tracked live: its connector, sealed credentials, cursor and sync state.

    `secrets` holds only a keystore token (ciphertext plus a key reference), never a plain
    secret. `cursor` is the connector's opaque position. The scheduler claims a due connection
    by a conditional UPDATE of `next_sync_at` (and `claim`), so one sync runs at a time; a
    running sync pushes `next_sync_at` ahead (its lease) after every page.
    """

    class State(models.TextChoices):
        INVITED = "invited", "waiting for the owner to connect it"
        ACTIVE = "active", "connected"
        PAUSED = "paused", "paused after an error"
        DISCONNECTED = "disconnected", "disconnected"

    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    mailbox = models.OneToOneField(Mailbox, on_delete=models.CASCADE, related_name="connection")
    kind = models.CharField(max_length=32, blank=True, default="")
    params = models.JSONField(default=dict, blank=True)
    secrets = models.TextField(blank=True, default="")
    cursor = models.TextField(blank=True, default="")
    state = models.CharField(max_length=16, choices=State.choices, default=State.INVITED)
    interval_seconds = models.PositiveIntegerField(null=True, blank=True)
    next_sync_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_stored = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    error_action = models.TextField(blank=True, default="")
    failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["state", "next_sync_at"], name="connection_due")]

    def __str__(self) -> str:
        return f"{self.kind or 'unconnected'} connection of mailbox {self.mailbox_id}"


class ActivationInvite(models.Model):
    """An activation email sent to a mailbox owner; its link works once, until it expires."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="invites")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"activation invite {self.public_id}"


class TaskWorker(models.Model):
    """A running `replytime worker` (see replytime/mailboxes/workers.py).

    `worker_id` is the id the worker gives django-tasks-db, which writes it into the
    `worker_ids` of each task row it claims. `process` identifies the process on its machine
    (boot id, pid namespace, pid and start time; empty where /proc is missing), so a worker on
    the same machine can tell at once that it is gone; others rely on the heartbeat `seen_at`.
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    process = models.CharField(max_length=200, blank=True, default="")
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"worker {self.worker_id} ({self.host}, pid {self.pid})"
