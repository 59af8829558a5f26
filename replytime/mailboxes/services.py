"""Adding mailboxes with their aliases and teams."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from replytime.mailboxes.models import Mailbox, MailboxAddress, TeamMember
from replytime.tenancy.access import for_account, get_team
from replytime.tenancy.models import Account
from replytime.tenancy.services import normalise_address


@transaction.atomic
def add_mailbox(
    account: Account,
    address: str,
    *,
    name: str = "",
    aliases: Iterable[str] = (),
    teams: Iterable[str] = (),
    connector: str = "files",
) -> Mailbox:
    """Create a mailbox; its addresses must not belong to another mailbox of the account."""
    primary = normalise_address(address)
    all_addresses = list(dict.fromkeys([primary, *(normalise_address(a) for a in aliases)]))
    taken = for_account(account, MailboxAddress).filter(address__in=all_addresses)
    if taken.exists():
        raise ValueError(
            f"{taken.first().address} already belongs to a mailbox of account {account.name!r}"
        )
    team_objs = [get_team(account, t) for t in teams]
    mailbox = Mailbox.objects.create(
        account=account, address=primary, name=name.strip(), connector=connector
    )
    MailboxAddress.objects.bulk_create(
        MailboxAddress(account=account, mailbox=mailbox, address=a, is_primary=(a == primary))
        for a in all_addresses
    )
    TeamMember.objects.bulk_create(
        TeamMember(account=account, team=t, mailbox=mailbox) for t in team_objs
    )
    return mailbox
