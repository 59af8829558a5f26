"""Business hours of the account, a team or a mailbox (one form, three places)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from replytime.mailboxes.models import Mailbox
from replytime.metrics.models import Schedule
from replytime.metrics.schedules import refresh_business_time, set_schedule
from replytime.tenancy.access import (
    account_view,
    for_account,
    get_mailbox_for_user,
    get_team_for_user,
)
from replytime.tenancy.audit import Action, audit
from replytime.tenancy.forms.schedule import ScheduleForm, schedule_initial
from replytime.tenancy.models import Role, Team
from replytime.tenancy.views.common import settings_page


def _schedule_page(
    request: HttpRequest, *, team: Team | None = None, mailbox: Mailbox | None = None
) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    row = for_account(account, Schedule).filter(team=team, mailbox=mailbox).first()
    target = {"team": team.name} if team else ({"mailbox": mailbox.address} if mailbox else {})
    if (
        request.method == "POST"
        and "inherit" in request.POST
        and row is not None
        and (team or mailbox)
    ):
        row.delete()
        changed = refresh_business_time(account)
        audit(request, Action.SCHEDULE_CHANGED, inherit=True, **target)
        messages.success(request, f"Now using the inherited hours; {changed} reply times updated.")
        return redirect(request.path)
    form = ScheduleForm(request.POST or None, initial=schedule_initial(row, account.timezone))
    if request.method == "POST" and form.is_valid():
        changed = set_schedule(
            account,
            timezone=form.cleaned_data["timezone"],
            hours=form.hours_text(),
            holidays=form.region(),
            holiday_dates=form.dates(),
            mailbox=mailbox,
            team=team,
        )
        audit(
            request,
            Action.SCHEDULE_CHANGED,
            timezone=form.cleaned_data["timezone"],
            hours=form.canonical_hours(),
            holidays=form.region() or "",
            **target,
        )
        messages.success(request, f"Business hours saved; {changed} reply times updated.")
        return redirect(request.path)
    context = {"form": form, "row": row, "team": team, "mailbox": mailbox}
    tab = "teams" if team else ("mailboxes" if mailbox else "schedule")
    return settings_page(request, "tenancy/settings/schedule.html", context, tab=tab)


@account_view(Role.ADMIN, write=True)
def account_schedule(request: HttpRequest, account: str) -> HttpResponse:
    return _schedule_page(request)


@account_view(Role.ADMIN, write=True)
def team_schedule(request: HttpRequest, account: str, team: str) -> HttpResponse:
    return _schedule_page(request, team=get_team_for_user(request, team))


@account_view(Role.ADMIN, write=True)
def mailbox_schedule(request: HttpRequest, account: str, mailbox: str) -> HttpResponse:
    return _schedule_page(request, mailbox=get_mailbox_for_user(request, mailbox))
