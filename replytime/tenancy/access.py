"""The one place where tenant-owned objects are looked up.

Every lookup is scoped to an account; callers outside the account get the same "not found"
whether or not the object exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db.models import Model, QuerySet

from replytime.tenancy.models import Account, Team

if TYPE_CHECKING:
    from replytime.mailboxes.models import Mailbox

M = TypeVar("M", bound=Model)


class NotFound(LookupError):
    """The object does not exist in this account (or the account does not exist)."""


def get_account(name: str) -> Account:
    try:
        return Account.objects.get(name=name)
    except Account.DoesNotExist:
        raise NotFound(
            f"No account named {name!r}. Create it with: replytime account create {name}"
        ) from None


def for_account(account: Account, model: type[M]) -> QuerySet[M]:
    """All rows of `model` that belong to `account`: the only way list queries are built."""
    return model._default_manager.filter(account=account)


def get_team(account: Account, name: str) -> Team:
    try:
        return for_account(account, Team).get(name=name)
    except Team.DoesNotExist:
        raise NotFound(
            f"No team named {name!r} in account {account.name!r}. "
            f"Create it with: replytime team create {account.name} {name!r}"
        ) from None


def get_mailbox(account: Account, address: str) -> Mailbox:
    """The mailbox whose primary address or alias is `address`."""
    from replytime.mailboxes.models import Mailbox, MailboxAddress

    link = for_account(account, MailboxAddress).filter(address=address.strip().lower()).first()
    if link is None:
        raise NotFound(
            f"No mailbox {address!r} in account {account.name!r}. "
            f"Add it with: replytime mailbox add {account.name} {address}"
        )
    return for_account(account, Mailbox).get(pk=link.mailbox_id)
