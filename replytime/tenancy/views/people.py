"""People: members and their roles, invitations."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from replytime.tenancy.access import (
    LAST_ACCOUNT_KEY,
    account_view,
    for_account,
    get_object_in_account,
)
from replytime.tenancy.audit import Action, audit
from replytime.tenancy.forms.people import InviteForm, MemberForm
from replytime.tenancy.invitations import invite, send_invitation
from replytime.tenancy.members import MembershipError, change_role, remove_member
from replytime.tenancy.models import Invitation, Membership, Role
from replytime.tenancy.views.common import saved, settings_page


def _scope_detail(scope: dict[str, Any]) -> dict[str, Any]:
    own = scope.get("own_mailbox")
    return {
        "teams": sorted(t.name for t in scope["teams"]),
        "mailboxes": sorted(m.address for m in scope["mailboxes"]),
        "own_mailbox": own.address if own else None,
    }


@account_view(Role.ADMIN, write=True)
def people(request: HttpRequest, account: str) -> HttpResponse:
    """Members and pending invitations; POST sends an invitation."""
    current = request.account  # type: ignore[attr-defined]
    actor = request.membership  # type: ignore[attr-defined]
    form = InviteForm(
        request.POST or None, account=current, actor=actor, initial={"role": Role.VIEWER}
    )
    if request.method == "POST" and form.is_valid():
        scope = form.scope()
        try:
            invitation = invite(
                current,
                form.cleaned_data["email"],
                form.cleaned_data["role"],
                invited_by=request.user,
                **scope,
            )
        except MembershipError as exc:
            form.add_error("email", str(exc))
        else:
            send_invitation(request, invitation)
            audit(
                request,
                Action.INVITATION_SENT,
                email=invitation.email,
                role=invitation.role,
                **_scope_detail(scope),
            )
            return saved(request, f"Invitation sent to {invitation.email}.", "rt-settings-people")
    members = (
        for_account(current, Membership)
        .select_related("user", "own_mailbox")
        .prefetch_related("teams", "mailboxes")
        .order_by("user__email")
    )
    invitations = for_account(current, Invitation).filter(accepted_at__isnull=True)
    context = {"form": form, "members": members, "invitations": invitations}
    status = 400 if form.is_bound and form.errors else 200
    return settings_page(
        request, "tenancy/settings/people.html", context, tab="people", status=status
    )


@account_view(Role.ADMIN, write=True)
def member_edit(request: HttpRequest, account: str, member: str) -> HttpResponse:
    target = get_object_in_account(request, Membership, member)
    actor = request.membership  # type: ignore[attr-defined]
    form = MemberForm(
        request.POST or None,
        account=request.account,  # type: ignore[attr-defined]
        actor=actor,
        initial=MemberForm.initial_for(target),
    )
    if request.method == "POST" and form.is_valid():
        old_role = target.role
        scope = form.scope()
        try:
            change_role(actor, target, form.cleaned_data["role"], **scope)
        except MembershipError as exc:
            form.add_error("role", str(exc))
        else:
            audit(
                request,
                Action.ROLE_CHANGED,
                member=target.user.email,
                old_role=old_role,
                new_role=target.role,
                **_scope_detail(scope),
            )
            return saved(
                request,
                f"{target.user.email} is now {target.role_enum.label}.",
                "rt-settings-people",
            )
    context = {"form": form, "member": target}
    return settings_page(request, "tenancy/settings/member_form.html", context, tab="people")


@account_view(Role.ADMIN, write=True)
@require_POST
def member_remove(request: HttpRequest, account: str, member: str) -> HttpResponse:
    target = get_object_in_account(request, Membership, member)
    email = target.user.email
    try:
        remove_member(request.membership, target)  # type: ignore[attr-defined]
    except MembershipError as exc:
        messages.error(request, str(exc))
        return redirect("rt-settings-people", account)
    audit(request, Action.MEMBER_REMOVED, member=email, role=target.role)
    if target.user_id == request.user.pk:
        request.session.pop(LAST_ACCOUNT_KEY, None)
        messages.success(request, f"You left {account}.")
        return redirect("/?choose")
    return saved(request, f"{email} removed.", "rt-settings-people")


@account_view(Role.ADMIN, write=True)
@require_POST
def invitation_resend(request: HttpRequest, account: str, invitation: str) -> HttpResponse:
    found = get_object_in_account(request, Invitation, invitation)
    if found.accepted_at is not None:
        return saved(request, "That invitation was accepted already.", "rt-settings-people")
    send_invitation(request, found)
    audit(request, Action.INVITATION_SENT, email=found.email, role=found.role, resent=True)
    return saved(request, f"Invitation sent to {found.email} again.", "rt-settings-people")


@account_view(Role.ADMIN, write=True)
@require_POST
def invitation_revoke(request: HttpRequest, account: str, invitation: str) -> HttpResponse:
    found = get_object_in_account(request, Invitation, invitation)
    if found.accepted_at is None:
        found.delete()
        audit(request, Action.INVITATION_REVOKED, email=found.email)
    return saved(request, f"Invitation of {found.email} revoked.", "rt-settings-people")
