"""The audit trail: who signed in, failed to, or changed what in an account.

`audit(...)` is the one way to write an event; the web views, the sign-in signal receivers and
other apps (exports) call it. Details are small JSON values; a subject or a body can never be
stored (the key names are refused), because the trail is shown to every admin.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.http import HttpRequest

from replytime.tenancy.models import Account, AuditEvent


class Action(models.TextChoices):
    """Known actions, with the labels the audit page shows. Other strings are accepted too."""

    SIGNIN = "signin", "Signed in"
    SIGNIN_FAILED = "signin_failed", "Failed sign-in"
    SIGNOUT = "signout", "Signed out"
    PASSWORD_CHANGED = "password_changed", "Changed password"
    MFA_CHANGED = "mfa_changed", "Changed two-factor authentication"
    ACCOUNT_CREATED = "account_created", "Created the account"
    SETTINGS_CHANGED = "settings_changed", "Changed account settings"
    SCHEDULE_CHANGED = "schedule_changed", "Changed business hours"
    TEAM_CREATED = "team_created", "Created a team"
    TEAM_CHANGED = "team_changed", "Changed a team"
    TEAM_DELETED = "team_deleted", "Deleted a team"
    MAILBOX_ADDED = "mailbox_added", "Added a mailbox"
    MAILBOX_CHANGED = "mailbox_changed", "Changed a mailbox"
    MAILBOX_REMOVED = "mailbox_removed", "Removed a mailbox"
    INVITATION_SENT = "invitation_sent", "Sent an invitation"
    INVITATION_REVOKED = "invitation_revoked", "Revoked an invitation"
    MEMBER_JOINED = "member_joined", "Joined the account"
    ROLE_CHANGED = "role_changed", "Changed a role"
    MEMBER_REMOVED = "member_removed", "Removed a member"
    IMPORT_STARTED = "import_started", "Uploaded a mail file"
    EXPORT = "export", "Exported data"


# Never stored in a detail: the trail must not leak message content to admins.
_FORBIDDEN_KEYS = ("subject", "body")


def action_label(action: str) -> str:
    try:
        return str(Action(action).label)
    except ValueError:
        return action.replace("_", " ").capitalize()


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address; behind a proxy (REPLYTIME_BEHIND_PROXY) the one it reports."""
    if getattr(settings, "REPLYTIME_BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # The last hop is the one our own proxy added; earlier ones are client-supplied.
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR") or None


def _clean_detail(detail: dict[str, Any]) -> dict[str, Any]:
    for key in detail:
        if any(word in key.lower() for word in _FORBIDDEN_KEYS):
            raise ValueError(f"audit detail {key!r} is not allowed: no subjects or bodies")
    # Round-trip through JSON so dates, UUIDs and decimals are stored as plain strings.
    return json.loads(json.dumps(detail, cls=DjangoJSONEncoder))


def audit(
    target: HttpRequest | Account, action: str, /, *, actor: Any = None, **detail: Any
) -> AuditEvent:
    """Record `action` in the account of `target` (a request from an `account_view`, or an
    Account). With a request, the signed-in user and their address are recorded; `actor`
    overrides the user. `detail` holds small JSON values (never a subject or a body)."""
    ip = None
    if isinstance(target, Account):
        account = target
    else:
        account = target.account  # type: ignore[attr-defined]
        ip = client_ip(target)
        if actor is None and target.user.is_authenticated:
            actor = target.user
    return AuditEvent.objects.create(
        account=account,
        actor=actor,
        actor_email=getattr(actor, "email", "") or "",
        action=action,
        ip=ip,
        detail=_clean_detail(detail),
    )


def audit_user_event(
    user: Any, action: str, request: HttpRequest | None = None, **detail: Any
) -> int:
    """Record a personal event (a sign-in...) in every account the user belongs to."""
    from replytime.tenancy.models import Membership

    ip = client_ip(request) if request is not None else None
    accounts = Membership.objects.filter(user=user).values_list("account_id", flat=True)
    clean = _clean_detail(detail)
    events = [
        AuditEvent(
            account_id=account_id,
            actor=user,
            actor_email=user.email or "",
            action=action,
            ip=ip,
            detail=clean,
        )
        for account_id in accounts
    ]
    AuditEvent.objects.bulk_create(events)
    return len(events)
