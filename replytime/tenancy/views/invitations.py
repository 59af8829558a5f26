"""The page an invitation link opens: sign in or sign up, then join."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from replytime.tenancy.adapters import INVITATION_SESSION_KEY
from replytime.tenancy.audit import Action, audit
from replytime.tenancy.invitations import accept, invitation_for_token, verified_addresses
from replytime.tenancy.models import Role
from replytime.tenancy.views.common import account_home


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the signed token is the credential. Joining needs the invited address."""
    found = invitation_for_token(token)
    if found is None:
        return render(request, "tenancy/invitation_invalid.html", status=404)
    context = {"invitation": found, "role": Role(found.role), "next": request.path}
    if not request.user.is_authenticated:
        # Following the emailed link proves the address, so signing up with it needs no
        # second verification email, and "invite only" sign-up lets this visitor in.
        request.session[INVITATION_SESSION_KEY] = token
        get_adapter(request).stash_verified_email(request, found.email)
        return render(request, "tenancy/invitation.html", context)
    matches = found.email.lower() in verified_addresses(request.user)
    if request.method == "POST" and matches:
        membership = accept(found, request.user)
        audit(found.account, Action.MEMBER_JOINED, actor=request.user, role=membership.role)
        request.session.pop(INVITATION_SESSION_KEY, None)
        messages.success(request, f"Welcome to {found.account.name}.")
        target = account_home(found.account.name)
        return redirect(target or reverse("rt-home") + "?choose")
    return render(request, "tenancy/invitation.html", {**context, "matches": matches})
