"""The account chooser at /, creating an account, and leaving one."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from replytime.tenancy.access import LAST_ACCOUNT_KEY, account_view
from replytime.tenancy.audit import Action, audit
from replytime.tenancy.forms.account import NewAccountForm
from replytime.tenancy.invitations import make_token, pending_for
from replytime.tenancy.members import MembershipError, create_account_for, remove_member
from replytime.tenancy.models import Membership
from replytime.tenancy.views.common import account_home


def _may_create_accounts(request: HttpRequest) -> bool:
    return settings.REPLYTIME_SIGNUP == "open" or bool(request.user.is_staff)


def _preferred(request: HttpRequest, memberships: QuerySet[Membership]) -> str | None:
    names = [m.account.name for m in memberships]
    last = request.session.get(LAST_ACCOUNT_KEY)
    if last in names:
        return last
    return names[0] if len(names) == 1 else None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Go to the account used last (or the only one); otherwise, or with ?choose, list them."""
    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("account")
        .order_by("account__name")
    )
    preferred = _preferred(request, memberships)
    target = account_home(preferred) if preferred else None
    if target and "choose" not in request.GET:
        return redirect(target)
    invitations = [(inv, make_token(inv)) for inv in pending_for(request.user)]
    context = {
        "memberships": [(m, account_home(m.account.name)) for m in memberships],
        "last_account": request.session.get(LAST_ACCOUNT_KEY),
        "invitations": invitations,
        "form": NewAccountForm() if _may_create_accounts(request) else None,
    }
    return render(request, "tenancy/home.html", context)


@login_required
def new_account(request: HttpRequest) -> HttpResponse:
    """Create an account; its creator becomes the owner."""
    if not _may_create_accounts(request):
        raise PermissionDenied
    form = NewAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account = create_account_for(
            request.user, form.cleaned_data["name"], timezone=form.cleaned_data["timezone"]
        )
        audit(account, Action.ACCOUNT_CREATED, actor=request.user)
        messages.success(request, f"Account {account.name} created. Add your mailboxes next.")
        return redirect("rt-settings-mailboxes", account.name)
    return render(request, "tenancy/new_account.html", {"form": form})


@account_view()
@require_POST
def leave(request: HttpRequest, account: str) -> HttpResponse:
    """Leave an account (the last owner cannot)."""
    try:
        remove_member(request.membership, request.membership)  # type: ignore[attr-defined]
    except MembershipError as exc:
        messages.error(request, str(exc))
        return redirect("/?choose")
    audit(
        request.account,
        Action.MEMBER_REMOVED,
        actor=request.user,
        member=request.user.email,
        left=True,
    )  # type: ignore[attr-defined]
    request.session.pop(LAST_ACCOUNT_KEY, None)
    messages.success(request, f"You left {account}.")
    return redirect("/?choose")
