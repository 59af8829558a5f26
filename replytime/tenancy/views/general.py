"""Account settings of spec §1."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from replytime.tenancy.access import account_view
from replytime.tenancy.audit import Action, audit
from replytime.tenancy.forms.account import AccountSettingsForm
from replytime.tenancy.models import Role
from replytime.tenancy.tasks import schedule_recompute
from replytime.tenancy.views.common import saved, settings_page


@account_view(Role.ADMIN, write=True)
def general(request: HttpRequest, account: str) -> HttpResponse:
    current = request.account  # type: ignore[attr-defined]
    form = AccountSettingsForm(
        request.POST or None, initial=AccountSettingsForm.initial_for(current)
    )
    if request.method == "POST" and form.is_valid():
        changes = form.apply(current)
        if not changes:
            return saved(request, "Nothing changed.", "rt-settings")
        audit(request, Action.SETTINGS_CHANGED, **changes)
        schedule_recompute(current)
        return saved(
            request,
            "Settings saved. Reply times are being recomputed in the background.",
            "rt-settings",
        )
    return settings_page(request, "tenancy/settings/general.html", {"form": form}, tab="general")
