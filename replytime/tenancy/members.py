"""Memberships: creating an account with its first owner, roles, scopes and removal.

The rules that keep an account manageable live here, not in the views: only an owner may make
or unmake an owner, and an account always keeps at least one owner.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction

from replytime.tenancy.models import (
    Account,
    Membership,
    MembershipMailbox,
    MembershipTeam,
    Role,
    Team,
)
from replytime.tenancy.services import create_account

if TYPE_CHECKING:
    from replytime.mailboxes.models import Mailbox


class MembershipError(ValueError):
    """A change to memberships that the rules forbid; the message says why."""


@transaction.atomic
def create_account_for(user: Any, name: str, *, timezone: str = "UTC") -> Account:
    """A new account with `user` as its owner."""
    account = create_account(name, timezone=timezone)
    Membership.objects.create(account=account, user=user, role=Role.OWNER)
    return account


@transaction.atomic
def add_member(
    account: Account,
    user: Any,
    role: str,
    *,
    teams: Iterable[Team] = (),
    mailboxes: Iterable[Mailbox] = (),
    own_mailbox: Mailbox | None = None,
) -> Membership:
    """Make `user` a member with `role` (or return their existing membership unchanged)."""
    existing = Membership.objects.filter(account=account, user=user).first()
    if existing is not None:
        return existing
    membership = Membership.objects.create(account=account, user=user, role=Role(role))
    set_scope(membership, teams=teams, mailboxes=mailboxes, own_mailbox=own_mailbox)
    return membership


def set_scope(
    membership: Membership,
    *,
    teams: Iterable[Team] = (),
    mailboxes: Iterable[Mailbox] = (),
    own_mailbox: Mailbox | None = None,
) -> None:
    """Replace what a restricted manager or an agent sees (objects of other accounts are
    ignored; callers pass objects they looked up through the account already)."""
    account_id = membership.account_id
    MembershipTeam.objects.filter(membership=membership).delete()
    MembershipMailbox.objects.filter(membership=membership).delete()
    role = Role(membership.role)
    if role == Role.RESTRICTED:
        MembershipTeam.objects.bulk_create(
            MembershipTeam(account_id=account_id, membership=membership, team=t)
            for t in teams
            if t.account_id == account_id
        )
        MembershipMailbox.objects.bulk_create(
            MembershipMailbox(account_id=account_id, membership=membership, mailbox=m)
            for m in mailboxes
            if m.account_id == account_id
        )
    keep_own = role == Role.AGENT and own_mailbox is not None
    membership.own_mailbox = (
        own_mailbox if keep_own and own_mailbox.account_id == account_id else None
    )
    membership.save(update_fields=["own_mailbox"])


def _lock_memberships(account: Account) -> None:
    # Two admins demoting the last two owners at once must not leave the account ownerless.
    list(Membership.objects.select_for_update().filter(account=account).values_list("pk"))


def _owners(account: Account) -> int:
    return Membership.objects.filter(account=account, role=Role.OWNER).count()


def check_can_manage(actor: Membership, target: Membership, new_role: str | None = None) -> None:
    """Raise MembershipError unless `actor` may change `target` (to `new_role`, or remove it)."""
    touches_owner = target.role == Role.OWNER or new_role == Role.OWNER
    if touches_owner and actor.role != Role.OWNER:
        raise MembershipError("Only an owner can make someone an owner or change an owner.")
    leaves_owners = target.role == Role.OWNER and new_role != Role.OWNER
    if leaves_owners and _owners(target.account) <= 1:
        raise MembershipError("An account needs at least one owner: make someone else owner first.")


@transaction.atomic
def change_role(
    actor: Membership,
    target: Membership,
    role: str,
    *,
    teams: Iterable[Team] = (),
    mailboxes: Iterable[Mailbox] = (),
    own_mailbox: Mailbox | None = None,
) -> bool:
    """Set the role and scope of `target`; returns whether the role itself changed."""
    _lock_memberships(target.account)
    check_can_manage(actor, target, role)
    changed = target.role != role
    target.role = Role(role)
    target.save(update_fields=["role"])
    set_scope(target, teams=teams, mailboxes=mailboxes, own_mailbox=own_mailbox)
    return changed


@transaction.atomic
def remove_member(actor: Membership, target: Membership) -> None:
    """Remove `target` from its account (a person may also remove themselves)."""
    _lock_memberships(target.account)
    if actor.pk != target.pk or target.role == Role.OWNER:
        check_can_manage(actor, target, new_role="")
    target.delete()
