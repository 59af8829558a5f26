"""Saving teams and mailboxes from the settings pages (the CLI creates them through
`services.create_team` and `mailboxes.services.add_mailbox`, which these build on)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from replytime.mailboxes.models import Mailbox, MailboxAddress, TeamMember
from replytime.mailboxes.services import add_mailbox
from replytime.tenancy.access import for_account
from replytime.tenancy.models import Account, Team


def _set_team_links(
    account: Account,
    *,
    team: Team | None = None,
    mailbox: Mailbox | None = None,
    others: Iterable[Team] | Iterable[Mailbox],
) -> None:
    """Make the TeamMember rows of one team (or one mailbox) exactly `others`."""
    links = for_account(account, TeamMember)
    if team is not None:
        links.filter(team=team).delete()
        rows = [TeamMember(account=account, team=team, mailbox=m) for m in others]
    else:
        links.filter(mailbox=mailbox).delete()
        rows = [TeamMember(account=account, team=t, mailbox=mailbox) for t in others]
    TeamMember.objects.bulk_create(rows)


@transaction.atomic
def save_team(
    account: Account,
    team: Team | None,
    *,
    name: str,
    goal_seconds: int | None,
    addresses: str,
    mailboxes: Iterable[Mailbox],
) -> Team:
    """Create or update a team with exactly these member mailboxes."""
    team = team or Team(account=account)
    team.name = name
    team.goal_seconds = goal_seconds
    team.addresses = addresses
    team.save()
    _set_team_links(account, team=team, others=list(mailboxes))
    return team


@transaction.atomic
def create_mailbox(
    account: Account, *, address: str, name: str, aliases: Iterable[str], teams: Iterable[Team]
) -> Mailbox:
    mailbox = add_mailbox(account, address, name=name, aliases=aliases)
    _set_team_links(account, mailbox=mailbox, others=list(teams))
    return mailbox


@transaction.atomic
def update_mailbox(
    mailbox: Mailbox, *, name: str, aliases: Iterable[str], teams: Iterable[Team]
) -> None:
    """Set the display name, the aliases (the primary address stays) and the teams."""
    account = mailbox.account
    mailbox.name = name.strip()
    mailbox.save(update_fields=["name"])
    for_account(account, MailboxAddress).filter(mailbox=mailbox, is_primary=False).delete()
    MailboxAddress.objects.bulk_create(
        MailboxAddress(account=account, mailbox=mailbox, address=a, is_primary=False)
        for a in aliases
    )
    _set_team_links(account, mailbox=mailbox, others=list(teams))
