"""The audit log page (admins)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse

from replytime.tenancy.access import account_view, for_account
from replytime.tenancy.audit import Action, action_label
from replytime.tenancy.models import AuditEvent, Role
from replytime.tenancy.views.common import settings_page

PAGE_SIZE = 50


@account_view(Role.ADMIN)
def audit_log(request: HttpRequest, account: str) -> HttpResponse:
    events = for_account(request.account, AuditEvent)  # type: ignore[attr-defined]
    action = request.GET.get("action", "")
    if action:
        events = events.filter(action=action)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(event, action_label(event.action)) for event in page]
    context = {"page": page, "rows": rows, "actions": Action.choices, "action": action}
    return settings_page(request, "tenancy/settings/audit.html", context, tab="audit")
