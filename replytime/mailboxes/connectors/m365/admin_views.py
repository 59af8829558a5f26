"""Admin pages: the account's Entra app registration, and bulk add from the tenant directory."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from replytime.mailboxes.connectors.base import ConnectorError
from replytime.mailboxes.connectors.m365 import push, setup
from replytime.mailboxes.connectors.m365.forms import AppForm
from replytime.mailboxes.connectors.m365.models import M365App
from replytime.tenancy.access import account_view
from replytime.tenancy.audit import audit
from replytime.tenancy.models import Role
from replytime.tenancy.views.common import saved, settings_page


@account_view(Role.ADMIN, write=True)
def app_settings(request: HttpRequest, account: str) -> HttpResponse:
    found = M365App.objects.filter(account=request.account).first()  # type: ignore[attr-defined]
    initial = (
        {"tenant_id": found.tenant_id, "client_id": found.client_id,
         "full_headers": found.full_headers, "push": found.push}
        if found else {"push": True}
    )  # fmt: skip
    form = AppForm(request.POST or None, initial=initial, has_secret=bool(found and found.secret))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        setup.save_app(
            request.account,  # type: ignore[attr-defined]
            tenant_id=data["tenant_id"], client_id=data["client_id"],
            secret=data["client_secret"], full_headers=data["full_headers"], push=data["push"],
        )  # fmt: skip
        audit(request, "m365.app_saved", tenant=data["tenant_id"], client=data["client_id"])
        return saved(request, "Microsoft 365 app registration saved.", "rt-m365-settings")
    urls = push.notification_urls()
    context = {"form": form, "app": found, "redirect_uri": setup.redirect_uri(),
               "notify_urls": urls}  # fmt: skip
    return settings_page(request, "m365/settings.html", context, tab="mailboxes")


@account_view(Role.ADMIN, write=True)
def directory(request: HttpRequest, account: str) -> HttpResponse:
    """GET lists the tenant's mailboxes; POST adds and connects the ticked ones."""
    try:
        users = setup.list_directory(request.account)  # type: ignore[attr-defined]
    except ConnectorError as exc:
        context = {"error": exc.message, "action": exc.action, "users": [], "outcomes": []}
        return settings_page(request, "m365/directory.html", context, tab="mailboxes")
    outcomes: list[tuple[str, str]] = []
    if request.method == "POST":
        chosen = set(request.POST.getlist("user"))
        picked = [u for u in users if u.id in chosen and not u.added]
        outcomes = setup.bulk_add(request.account, picked)  # type: ignore[attr-defined]
        audit(request, "m365.bulk_add", count=len(picked))
        users = setup.list_directory(request.account)  # type: ignore[attr-defined]
    context = {"users": users, "outcomes": outcomes, "error": "", "action": ""}
    return settings_page(request, "m365/directory.html", context, tab="mailboxes")
