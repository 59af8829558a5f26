"""The tenant (Account) and its teams. Every tenant-owned row elsewhere carries `account`."""

from __future__ import annotations

import uuid

from django.conf import settings
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


class Role(models.TextChoices):
    """What a member may do in an account; see `Role.rank` for the "at least" order."""

    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    RESTRICTED = "restricted", "Restricted manager"
    AGENT = "agent", "Agent"
    VIEWER = "viewer", "Viewer"

    @property
    def rank(self) -> int:
        """Higher is stronger: owner > admin > manager > restricted > agent > viewer."""
        return _ROLE_RANK[self.value]

    @property
    def description(self) -> str:
        return _ROLE_DESCRIPTIONS[self.value]


_ROLE_RANK = {"owner": 60, "admin": 50, "manager": 40, "restricted": 30, "agent": 20, "viewer": 10}
_ROLE_DESCRIPTIONS = {
    "owner": "Everything, including who the owners are.",
    "admin": "Settings, mailboxes and people, and all data.",
    "manager": "All dashboards and data; can close conversations.",
    "restricted": "Only the chosen teams and mailboxes.",
    "agent": "Only their own mailbox.",
    "viewer": "Read-only dashboards of the whole account.",
}


class Membership(models.Model):
    """A person's place in an account: their role and, for partial roles, what they see.

    A restricted manager sees the chosen teams (and their mailboxes) and the chosen mailboxes;
    an agent sees `own_mailbox` only. The scope rows are ignored for every other role.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    own_mailbox = models.ForeignKey(
        "mailboxes.Mailbox", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    teams = models.ManyToManyField(Team, through="MembershipTeam", related_name="+", blank=True)
    mailboxes = models.ManyToManyField(
        "mailboxes.Mailbox", through="MembershipMailbox", related_name="+", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="membership_unique_user"),
        ]
        indexes = [models.Index(fields=["user", "account"], name="membership_user_acct")]

    def __str__(self) -> str:
        return f"{self.user} in {self.account} ({self.role})"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class MembershipTeam(models.Model):
    """A team a restricted manager may see."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE)
    team = models.ForeignKey(Team, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "team"], name="membership_team_unique"),
        ]


class MembershipMailbox(models.Model):
    """A mailbox a restricted manager may see."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE)
    mailbox = models.ForeignKey("mailboxes.Mailbox", on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "mailbox"], name="membership_mailbox_unique"
            ),
        ]


class Invitation(models.Model):
    """An invitation by email to join an account with a role (accepted once, or revoked).

    `scope` holds the public ids of the teams and mailboxes a restricted manager will see
    ({"teams": [...], "mailboxes": [...]}); they are re-checked against the account on accept.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="invitations")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(max_length=320)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    own_mailbox = models.ForeignKey(
        "mailboxes.Mailbox", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scope = models.JSONField(default=dict, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "email"],
                condition=models.Q(accepted_at__isnull=True),
                name="invitation_one_pending",
            ),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} to {self.account}"


class AuditEvent(models.Model):
    """Who did what in an account, when and from where. `detail` never holds a subject."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="audit_events")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept when the user is deleted, so the trail still says who it was.
    actor_email = models.CharField(max_length=320, blank=True, default="")
    action = models.CharField(max_length=40)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "-created_at"], name="audit_acct_time")]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} in {self.account}"


class Upload(models.Model):
    """A mail file uploaded for import; the file is deleted once the import has run."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="uploads")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mailbox = models.ForeignKey("mailboxes.Mailbox", on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    size = models.BigIntegerField(default=0)
    fmt = models.CharField(max_length=16, default="auto")
    # Where the file waits for the worker, relative to REPLYTIME_DATA; empty once removed.
    stored_path = models.CharField(max_length=500, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    import_run = models.ForeignKey(
        "ingestion.ImportRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "-created_at"], name="upload_acct_time")]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
