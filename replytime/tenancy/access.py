"""The one place where tenant-owned objects are looked up.

Every lookup is scoped to an account; callers outside the account get the same "not found"
whether or not the object exists.

The command line uses `get_account`, `get_team`, `get_mailbox` and `for_account`. Web views
use `account_view`, which resolves the account and the caller's membership once, and the
`visible_*` / `get_*_for_user` functions below, which narrow every lookup to what that
membership may see (restricted managers and agents see only part of an account).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase

from replytime.tenancy.models import Account, Membership, Role, Team

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


# --- web access ----------------------------------------------------------------------------

# One message for "no such account" and "not your account", so a 404 tells an outsider nothing.
NOT_FOUND = "Not found."
# The session key that remembers the account a person used last (the chooser at / uses it).
LAST_ACCOUNT_KEY = "rt_last_account"
# Roles that see every mailbox and team of their account.
_WHOLE_ACCOUNT_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER, Role.VIEWER})

View = Callable[..., HttpResponseBase]


class TenantRequest(HttpRequest):
    """The request an `account_view` receives (for type hints only)."""

    account: Account
    membership: Membership


@dataclass(frozen=True, slots=True)
class AccessRule:
    """What `account_view` demands; stored on the view as `rt_access` for the URL audit test."""

    min_role: Role
    write: bool = False

    def allows(self, role: str) -> bool:
        granted = Role(role)
        if self.write and granted == Role.VIEWER:
            return False
        return granted.rank >= self.min_role.rank


def has_role(membership: Membership, min_role: str) -> bool:
    """True when the membership's role is `min_role` or stronger."""
    return Role(membership.role).rank >= Role(min_role).rank


def can_write(membership: Membership) -> bool:
    """Viewers only read; every other role may act (close conversations, export...)."""
    return membership.role != Role.VIEWER


def membership_for(user: Any, account_name: str) -> Membership | None:
    """The user's membership in the account named `account_name`, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Membership.objects.select_related("account")
        .filter(user=user, account__name=account_name)
        .first()
    )


def account_view(min_role: str = Role.VIEWER, *, write: bool = False) -> Callable[[View], View]:
    """Guard a function view whose first URL kwarg is `account` (the account's name).

    Anonymous callers are redirected to sign-in; a signed-in person without a membership gets
    Http404 (the same whether or not the account exists); a role weaker than `min_role`, or a
    viewer when `write` is set, gets PermissionDenied (403). On success `request.account` and
    `request.membership` are set and the account is remembered as the last one used. The
    `account` kwarg is passed on to the view unchanged. Put this decorator outermost.
    """
    rule = AccessRule(Role(min_role), write)

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(request: HttpRequest, account: str, *args: Any, **kwargs: Any) -> Any:
            if not request.user.is_authenticated:
                return _to_sign_in(request)
            membership = membership_for(request.user, account)
            if membership is None:
                raise Http404(NOT_FOUND)
            if not rule.allows(membership.role):
                raise PermissionDenied
            request.account = membership.account  # type: ignore[attr-defined]
            request.membership = membership  # type: ignore[attr-defined]
            if request.session.get(LAST_ACCOUNT_KEY) != account:
                request.session[LAST_ACCOUNT_KEY] = account
            return view(request, account, *args, **kwargs)

        guarded.rt_access = rule  # type: ignore[attr-defined]
        return guarded

    return decorate


def _to_sign_in(request: HttpRequest) -> HttpResponseBase:
    response = redirect_to_login(request.get_full_path())
    if request.headers.get("HX-Request"):
        # An HTMX fragment (a polled progress row) must not swap the sign-in page into the
        # page: HTMX sends the whole window there instead.
        response = HttpResponse(status=204, headers={"HX-Redirect": response["Location"]})
    return response


def visible_mailboxes(membership: Membership) -> QuerySet[Mailbox]:
    """The mailboxes this member may see: all, the chosen ones (and those of the chosen
    teams) for a restricted manager, or only their own for an agent."""
    from replytime.mailboxes.models import Mailbox

    mailboxes = for_account(membership.account, Mailbox)
    role = Role(membership.role)
    if role in _WHOLE_ACCOUNT_ROLES:
        return mailboxes
    if role == Role.AGENT:
        return (
            mailboxes.filter(pk=membership.own_mailbox_id)
            if membership.own_mailbox_id
            else mailboxes.none()
        )
    chosen = Q(membershipmailbox__membership=membership) | Q(
        team_links__team__membershipteam__membership=membership
    )
    ids = mailboxes.filter(chosen).values("pk")
    return mailboxes.filter(pk__in=ids)


def visible_teams(membership: Membership) -> QuerySet[Team]:
    """The teams this member may see: all, the chosen ones for a restricted manager, none for
    an agent."""
    teams = for_account(membership.account, Team)
    role = Role(membership.role)
    if role in _WHOLE_ACCOUNT_ROLES:
        return teams
    if role == Role.AGENT:
        return teams.none()
    return teams.filter(membershipteam__membership=membership)


def can_see_account_totals(membership: Membership) -> bool:
    """Whether account-wide figures may be shown (not to restricted managers or agents)."""
    return Role(membership.role) in _WHOLE_ACCOUNT_ROLES


def _membership_of(request: HttpRequest) -> Membership:
    membership = getattr(request, "membership", None)
    if membership is None:
        raise ImproperlyConfigured("get_*_for_user needs a view wrapped by @account_view")
    return membership


def _uuid_or_404(public_id: str | uuid.UUID) -> uuid.UUID:
    try:
        return public_id if isinstance(public_id, uuid.UUID) else uuid.UUID(str(public_id))
    except ValueError:
        raise Http404(NOT_FOUND) from None


def get_mailbox_for_user(request: HttpRequest, public_id: str | uuid.UUID) -> Mailbox:
    """The mailbox with this public id if the caller may see it; Http404 otherwise."""
    mailbox = visible_mailboxes(_membership_of(request)).filter(public_id=_uuid_or_404(public_id))
    found = mailbox.first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def get_team_for_user(request: HttpRequest, public_id: str | uuid.UUID) -> Team:
    """The team with this public id if the caller may see it; Http404 otherwise."""
    found = visible_teams(_membership_of(request)).filter(public_id=_uuid_or_404(public_id)).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def get_object_in_account(request: HttpRequest, model: type[M], public_id: str | uuid.UUID) -> M:
    """Any account-owned row by public id (for admin pages: members, invitations, uploads)."""
    account = _membership_of(request).account
    found = for_account(account, model).filter(public_id=_uuid_or_404(public_id)).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found
