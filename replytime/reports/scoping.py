"""What a member may see, and which fact scope a dashboard reads.

The metrics engine stores facts per scope (spec §5): each mailbox, each team, the whole account.
A dashboard reads exactly one of them:
- the account scope, when the member may see account totals and no team or mailbox is chosen;
- one team's scope, when a visible team is chosen;
- one mailbox's scope, when a visible mailbox is chosen;
- otherwise the mailbox scopes of every mailbox the member may see ("your mailboxes": a
  restricted manager's chosen mailboxes, an agent's own). Their figures are over the union of
  those mailboxes' facts; a conversation answered by two of them counts once per mailbox,
  exactly as it does in each mailbox's own figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from replytime.mailboxes.models import Mailbox, TeamMember
from replytime.metrics.models import Scope
from replytime.tenancy.access import for_account
from replytime.tenancy.models import Account, Team

ACCOUNT, TEAM, MAILBOX, MAILBOXES = "account", "team", "mailbox", "mailboxes"
_MAILBOX_FIELDS = ("id", "account_id", "public_id", "address", "name")


@dataclass(frozen=True)
class Visibility:
    """The account and what one membership may see of it (from tenancy.access)."""

    account: Account
    mailboxes: tuple[Mailbox, ...]
    teams: tuple[Team, ...]
    totals: bool

    @property
    def mailbox_ids(self) -> tuple[int, ...]:
        return tuple(m.pk for m in self.mailboxes)

    @property
    def team_ids(self) -> tuple[int, ...]:
        return tuple(t.pk for t in self.teams)


@dataclass(frozen=True)
class Target:
    """The scope a dashboard reads (see the module docstring)."""

    kind: str
    label: str
    goal: int
    team: Team | None = None
    mailbox: Mailbox | None = None
    mailbox_ids: tuple[int, ...] = field(default=())

    def facts(self) -> Q:
        """Filter for ReplyFact, UnansweredItem and Activity rows of this scope."""
        if self.kind == ACCOUNT:
            return Q(scope=Scope.ACCOUNT)
        if self.kind == TEAM:
            assert self.team is not None
            return Q(scope=Scope.TEAM, team_id=self.team.pk)
        if self.kind == MAILBOX:
            assert self.mailbox is not None
            return Q(scope=Scope.MAILBOX, mailbox_id=self.mailbox.pk)
        return Q(scope=Scope.MAILBOX, mailbox_id__in=self.mailbox_ids)

    def member_ids(self) -> tuple[int, ...] | None:
        """The mailboxes whose queue items belong here; None means every mailbox."""
        if self.kind == MAILBOX:
            assert self.mailbox is not None
            return (self.mailbox.pk,)
        if self.kind == MAILBOXES:
            return self.mailbox_ids
        return None


def visibility_of(account: Account, *, mailboxes=None, teams=None, totals: bool) -> Visibility:  # type: ignore[no-untyped-def]
    """A Visibility from querysets (or None for "everything in the account")."""
    mailboxes = for_account(account, Mailbox) if mailboxes is None else mailboxes
    teams = for_account(account, Team) if teams is None else teams
    return Visibility(
        account=account,
        mailboxes=tuple(
            mailboxes.filter(account=account).order_by("address").only(*_MAILBOX_FIELDS)
        ),
        teams=tuple(teams.filter(account=account).order_by("name")),
        totals=totals,
    )


def _find(items: tuple, public_id: str):  # type: ignore[no-untyped-def]
    return next((i for i in items if str(i.public_id) == public_id), None) if public_id else None


def resolve_target(vis: Visibility, *, team: str = "", mailbox: str = "") -> Target:
    """The scope for the chosen team / mailbox public ids; invisible choices are ignored."""
    account = vis.account
    chosen_mailbox = _find(vis.mailboxes, mailbox)
    if chosen_mailbox is not None:
        return Target(
            MAILBOX, chosen_mailbox.name or chosen_mailbox.address,
            account.reply_goal_seconds, mailbox=chosen_mailbox,
        )  # fmt: skip
    chosen_team = _find(vis.teams, team)
    if chosen_team is not None:
        goal = chosen_team.goal_seconds or account.reply_goal_seconds
        return Target(TEAM, chosen_team.name, goal, team=chosen_team)
    if vis.totals:
        return Target(ACCOUNT, "All mailboxes", account.reply_goal_seconds)
    if len(vis.mailboxes) == 1:
        only = vis.mailboxes[0]
        return Target(MAILBOX, only.name or only.address, account.reply_goal_seconds, mailbox=only)
    return Target(
        MAILBOXES, "Your mailboxes", account.reply_goal_seconds, mailbox_ids=vis.mailbox_ids
    )


def team_member_ids(account: Account, team: Team) -> tuple[int, ...]:
    return tuple(
        for_account(account, TeamMember).filter(team=team).values_list("mailbox_id", flat=True)
    )
