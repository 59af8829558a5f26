"""Schedules, and the facts the metrics engine derives from conversations (spec §5-7).

Facts exist for three scopes: a mailbox, a team, and the whole account. `scope` says which;
`mailbox` or `team` is set accordingly (both null for the account scope).
"""

from __future__ import annotations

from django.db import models

from replytime.conversations.models import Conversation
from replytime.mailboxes.models import Mailbox
from replytime.tenancy.models import Account, Team


class Scope(models.TextChoices):
    MAILBOX = "m", "mailbox"
    TEAM = "t", "team"
    ACCOUNT = "a", "account"


class Schedule(models.Model):
    """Business hours (spec §6) of the account (no mailbox, no team), a team or a mailbox."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    mailbox = models.OneToOneField(Mailbox, null=True, blank=True, on_delete=models.CASCADE)
    team = models.OneToOneField(Team, null=True, blank=True, on_delete=models.CASCADE)
    timezone = models.CharField(max_length=64)
    # The --hours text, e.g. "mon-thu 08:00-12:00 13:00-17:00, fri 08:00-12:00".
    hours = models.TextField()
    holiday_country = models.CharField(max_length=8, blank=True, default="")
    holiday_subdivision = models.CharField(max_length=16, blank=True, default="")
    # Newline-separated YYYY-MM-DD dates.
    holiday_dates = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)


class ScopedFact(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    scope = models.CharField(max_length=1, choices=Scope.choices)
    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.CASCADE)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE)

    class Meta:
        abstract = True


class ReplyFact(ScopedFact):
    start = models.BigIntegerField()
    end = models.BigIntegerField()
    calendar_seconds = models.BigIntegerField()
    business_seconds = models.BigIntegerField()
    off_hours = models.BooleanField(default=False)
    answered = models.PositiveIntegerField()
    first_reply = models.BooleanField(default=False)
    replier = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["account", "scope", "start"], name="fact_acct_scope_start"),
            models.Index(fields=["mailbox", "start"], name="fact_mb_start"),
            models.Index(fields=["team", "start"], name="fact_team_start"),
            models.Index(fields=["conversation"], name="fact_conv"),
        ]


class UnansweredItem(ScopedFact):
    start = models.BigIntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["account", "scope", "start"], name="unans_acct_scope_start"),
            models.Index(fields=["conversation"], name="unans_conv"),
        ]


class Activity(ScopedFact):
    """One message as seen by one scope, for the volume figures of spec §7."""

    time = models.BigIntegerField()
    inbound = models.BooleanField(default=False)
    eligible = models.BooleanField(default=False)
    outbound = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["account", "scope", "time"], name="act_acct_scope_time"),
            models.Index(fields=["conversation"], name="act_conv"),
        ]
