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


class DayColumns(models.Model):
    """The reply facts, volumes and unanswered items of one scope kind (every mailbox, every
    team, or the account) on one local day of the account zone, packed (metrics/columns.py).

    Derived from ReplyFact, Activity and Conversation rows, and rewritten with them: the
    dashboards read a period's figures from a few of these rows instead of scanning facts.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    scope = models.CharField(max_length=1, choices=Scope.choices)
    day = models.IntegerField()  # local day number: days since 1970-01-01 in the zone
    # Each field packs one matrix (columns.pack), an entry per row, in these columns:
    # reply facts: local hour of start, owner (mailbox or team id, 0 for the account),
    # calendar seconds, business seconds, flags (1 off hours, 2 first reply), customer;
    facts = models.BinaryField()
    # received (inbound), eligible and sent messages per owner: owner, received, eligible, sent;
    volumes = models.BinaryField()
    # received per owner and local hour (the heatmap): owner, hour, received;
    hourly = models.BinaryField()
    # unanswered items: start (epoch seconds), owner, count, conversation id, customer.
    items = models.BinaryField()
    # The conversations' latest external senders that the customer columns index (JSON list).
    customers = models.TextField(default="[]")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "scope", "day"], name="daycol_unique")
        ]


class ColumnState(models.Model):
    """Marks an account's DayColumns as complete, and for which zone their days are."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE)
    zone = models.CharField(max_length=64)
