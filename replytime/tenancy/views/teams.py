"""Teams: list, create, edit (members, addresses, goal) and delete."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from replytime.metrics.models import Schedule
from replytime.tenancy.access import account_view, for_account, get_team_for_user
from replytime.tenancy.audit import Action, audit
from replytime.tenancy.configure import save_team
from replytime.tenancy.forms.teams import TeamForm
from replytime.tenancy.models import Role, Team
from replytime.tenancy.tasks import schedule_recompute
from replytime.tenancy.views.common import saved, settings_page


@account_view(Role.ADMIN, write=True)
def team_list(request: HttpRequest, account: str) -> HttpResponse:
    teams = for_account(request.account, Team).annotate(size=Count("members"))  # type: ignore[attr-defined]
    scheduled = set(
        for_account(request.account, Schedule)  # type: ignore[attr-defined]
        .exclude(team=None)
        .values_list("team_id", flat=True)
    )
    rows = [(team, team.id in scheduled) for team in teams]
    return settings_page(request, "tenancy/settings/teams.html", {"rows": rows}, tab="teams")


def _save(request: HttpRequest, form: TeamForm, team: Team | None) -> Team:
    data = form.cleaned_data
    saved_team = save_team(
        request.account,  # type: ignore[attr-defined]
        team,
        name=data["name"],
        goal_seconds=data["goal_seconds"],
        addresses=data["addresses"],
        mailboxes=data["mailboxes"],
    )
    action = Action.TEAM_CHANGED if team else Action.TEAM_CREATED
    audit(
        request,
        action,
        team=saved_team.name,
        members=sorted(m.address for m in data["mailboxes"]),
        goal_seconds=data["goal_seconds"],
    )
    schedule_recompute(request.account)  # type: ignore[attr-defined]
    return saved_team


@account_view(Role.ADMIN, write=True)
def team_new(request: HttpRequest, account: str) -> HttpResponse:
    form = TeamForm(request.POST or None, account=request.account)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        team = _save(request, form, None)
        return saved(request, f"Team {team.name} created.", "rt-settings-teams")
    context = {"form": form, "team": None}
    return settings_page(request, "tenancy/settings/team_form.html", context, tab="teams")


@account_view(Role.ADMIN, write=True)
def team_edit(request: HttpRequest, account: str, team: str) -> HttpResponse:
    found = get_team_for_user(request, team)
    form = TeamForm(
        request.POST or None,
        account=request.account,  # type: ignore[attr-defined]
        team=found,
        initial=TeamForm.initial_for(found),
    )
    if request.method == "POST" and form.is_valid():
        _save(request, form, found)
        return saved(request, f"Team {found.name} saved.", "rt-settings-teams")
    context = {"form": form, "team": found}
    return settings_page(request, "tenancy/settings/team_form.html", context, tab="teams")


@account_view(Role.ADMIN, write=True)
@require_POST
def team_delete(request: HttpRequest, account: str, team: str) -> HttpResponse:
    found = get_team_for_user(request, team)
    name = found.name
    found.delete()
    audit(request, Action.TEAM_DELETED, team=name)
    schedule_recompute(request.account)  # type: ignore[attr-defined]
    return saved(request, f"Team {name} deleted.", "rt-settings-teams")
