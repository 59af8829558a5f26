"""Invitations by email: create, send, look up by signed token, accept, revoke.

The link in the email carries a signed, timestamped token of the invitation's public id; it
stops working after REPLYTIME_INVITATION_DAYS, once accepted, or when the invitation is revoked.
Accepting needs a signed-in person whose verified address is the invited one; following the
link counts as verifying that address (see `views.invitations`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from replytime.tenancy.access import for_account
from replytime.tenancy.members import MembershipError, add_member
from replytime.tenancy.models import Account, Invitation, Membership, Role, Team
from replytime.tenancy.services import normalise_address

if TYPE_CHECKING:
    from replytime.mailboxes.models import Mailbox

_SALT = "replytime.tenancy.invitation"


def make_token(invitation: Invitation) -> str:
    return signing.dumps(str(invitation.public_id), salt=_SALT, compress=False)


def invitation_for_token(token: str) -> Invitation | None:
    """The pending invitation a token names, or None (bad, expired, used or revoked)."""
    max_age = settings.REPLYTIME_INVITATION_DAYS * 86400
    try:
        public_id = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    return (
        Invitation.objects.select_related("account", "invited_by")
        .filter(public_id=public_id, accepted_at__isnull=True)
        .first()
    )


def verified_addresses(user: Any) -> set[str]:
    """The user's addresses that count as theirs (verified ones, or any without verification)."""
    from allauth.account.models import EmailAddress

    rows = EmailAddress.objects.filter(user=user)
    if settings.ACCOUNT_EMAIL_VERIFICATION != "none":
        rows = rows.filter(verified=True)
    return {address.lower() for address in rows.values_list("email", flat=True)}


def pending_for(user: Any) -> list[Invitation]:
    """Invitations waiting for any of the user's verified addresses."""
    addresses = verified_addresses(user)
    if not addresses:
        return []
    return list(
        Invitation.objects.select_related("account")
        .filter(email__in=addresses, accepted_at__isnull=True)
        .exclude(account__memberships__user=user)
    )


@transaction.atomic
def invite(
    account: Account,
    email: str,
    role: str,
    *,
    invited_by: Any,
    teams: Iterable[Team] = (),
    mailboxes: Iterable[Mailbox] = (),
    own_mailbox: Mailbox | None = None,
) -> Invitation:
    """Create (or renew) the invitation of `email` to `account` with `role`."""
    address = normalise_address(email)
    same_person = Q(user__emailaddress__email__iexact=address) | Q(user__email__iexact=address)
    if Membership.objects.filter(same_person, account=account).exists():
        raise MembershipError(f"{address} is already a member of this account.")
    invitation = (
        for_account(account, Invitation).filter(email=address, accepted_at__isnull=True).first()
    )
    invitation = invitation or Invitation(account=account, email=address)
    invitation.role = Role(role)
    invitation.invited_by = invited_by
    invitation.own_mailbox = own_mailbox if role == Role.AGENT else None
    restricted = role == Role.RESTRICTED
    invitation.scope = {
        "teams": [str(t.public_id) for t in teams] if restricted else [],
        "mailboxes": [str(m.public_id) for m in mailboxes] if restricted else [],
    }
    invitation.save()
    return invitation


def send_invitation(request: HttpRequest, invitation: Invitation) -> None:
    """Email the invitation link (plain text and HTML) and record when it was sent."""
    link = request.build_absolute_uri(reverse("rt-invitation", args=[make_token(invitation)]))
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "account": invitation.account,
        "link": link,
        "inviter": getattr(inviter, "email", "") or "A colleague",
        "role": Role(invitation.role).label,
        "days": settings.REPLYTIME_INVITATION_DAYS,
    }
    subject = render_to_string("emails/invitation_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=render_to_string("emails/invitation_message.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(
        render_to_string("emails/invitation_message.html", context), "text/html"
    )
    message.send()
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at"])


@transaction.atomic
def accept(invitation: Invitation, user: Any) -> Membership:
    """Join the invitation's account with its role and scope; marks the invitation used."""
    from replytime.mailboxes.models import Mailbox

    account = invitation.account
    scope = invitation.scope or {}
    teams = for_account(account, Team).filter(public_id__in=scope.get("teams", []))
    mailboxes = for_account(account, Mailbox).filter(public_id__in=scope.get("mailboxes", []))
    membership = add_member(
        account,
        user,
        invitation.role,
        teams=list(teams),
        mailboxes=list(mailboxes),
        own_mailbox=invitation.own_mailbox,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership
