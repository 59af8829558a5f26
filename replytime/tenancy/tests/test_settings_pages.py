"""The settings pages save what they show, validate what they get, audit and recompute."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_tasks.signals import task_finished

from replytime.mailboxes.models import Mailbox, MailboxAddress, TeamMember
from replytime.metrics.models import Schedule
from replytime.tenancy.models import Account, AuditEvent, Team
from replytime.testing import Personas

GENERAL = {
    "internal_domains": "acme.com\nAcme.co.uk",
    "count_internal": "on",
    "thread_window_days": "14",
    "reply_goal_seconds": "2h",
    "timezone": "Europe/London",
}


@pytest.fixture
def finished_tasks() -> Iterator[list[str]]:
    """Names of the background tasks that ran (the test backend runs them at once)."""
    seen: list[str] = []

    def record(sender: Any, task_result: Any, **kwargs: Any) -> None:
        seen.append(f"{task_result.task.name}:{task_result.status}")

    task_finished.connect(record)
    yield seen
    task_finished.disconnect(record)


def url(name: str, *args: Any) -> str:
    return reverse(name, args=["acme", *args])


def audited(action: str) -> list[dict[str, Any]]:
    events = AuditEvent.objects.filter(action=action).order_by("id")
    return list(events.values_list("detail", flat=True))


@pytest.mark.django_db
def test_general_settings_save_audit_and_recompute(
    people: Personas, owner: Client, finished_tasks: list[str]
) -> None:
    response = owner.post(url("rt-settings"), GENERAL)
    assert response.status_code == 302
    acme = Account.objects.get(name="acme")
    assert acme.internal_domain_list == ["acme.com", "acme.co.uk"]
    assert (acme.count_internal, acme.count_cc) == (True, False)
    assert (acme.thread_window_days, acme.reply_goal_seconds) == (14, 7200)
    assert acme.timezone == "Europe/London"
    assert audited("settings_changed")[0]["reply_goal_seconds"] == [14400, 7200]
    assert finished_tasks == ["recompute_account_task:SUCCESSFUL"]
    form = owner.get(url("rt-settings")).content.decode()
    assert 'value="2h"' in form and "acme.co.uk" in form


@pytest.mark.django_db
def test_general_settings_refuse_bad_values(people: Personas, owner: Client) -> None:
    bad = {**GENERAL, "internal_domains": "not a domain!", "reply_goal_seconds": "soon"}
    response = owner.post(url("rt-settings"), {**bad, "timezone": "Mars/Olympus"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "is not a domain name" in body and "is not a duration" in body
    assert "Select a valid choice" in body
    assert Account.objects.get(name="acme").reply_goal_seconds == 14400


def hours(**days: str) -> dict[str, str]:
    base = {"timezone": "Europe/Berlin", "holiday_country": "DE", "holiday_dates": "2026-12-24"}
    week = dict.fromkeys(("mon", "tue", "wed", "thu"), "08:00-12:00 13:00-17:00")
    return {**base, **week, "fri": "08:00-12:00", **days}


@pytest.mark.django_db
def test_the_account_schedule_is_saved_through_the_metrics_engine(
    people: Personas, owner: Client
) -> None:
    assert owner.post(url("rt-settings-schedule"), hours()).status_code == 302
    row = Schedule.objects.get(account=people.acme, team=None, mailbox=None)
    assert row.hours == "mon-thu 08:00-12:00 13:00-17:00, fri 08:00-12:00"
    assert (row.timezone, row.holiday_country, row.holiday_dates) == (
        "Europe/Berlin",
        "DE",
        "2026-12-24",
    )
    assert audited("schedule_changed")[0]["hours"].startswith("mon-thu")
    page = owner.get(url("rt-settings-schedule")).content.decode()
    assert 'value="08:00-12:00 13:00-17:00"' in page


@pytest.mark.django_db
def test_schedules_are_validated(people: Personas, owner: Client) -> None:
    response = owner.post(url("rt-settings-schedule"), hours(mon="25:00-26:00"))
    assert response.status_code == 200 and b"rt-error" in response.content
    empty = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "")
    response = owner.post(url("rt-settings-schedule"), hours(**empty))
    assert b"no working hours" in response.content
    response = owner.post(url("rt-settings-schedule"), hours(holiday_dates="christmas"))
    assert b"is not a date" in response.content
    assert not Schedule.objects.exists()


@pytest.mark.django_db
def test_team_and_mailbox_schedules_override_and_inherit(people: Personas, owner: Client) -> None:
    team_url = url("rt-settings-team-schedule", people.sales.public_id)
    assert owner.post(team_url, hours(holiday_country="")).status_code == 302
    assert Schedule.objects.get(team=people.sales).hours.startswith("mon-thu")
    mailbox_url = url("rt-settings-mailbox-schedule", people.ann.public_id)
    owner.post(mailbox_url, hours(sat="10:00-14:00", holiday_country=""))
    assert "sat 10:00-14:00" in Schedule.objects.get(mailbox=people.ann).hours
    owner.post(team_url, {"inherit": "1"})
    assert not Schedule.objects.filter(team=people.sales).exists()
    assert audited("schedule_changed")[-1] == {"inherit": True, "team": "Sales"}


@pytest.mark.django_db
def test_teams_are_created_edited_and_deleted(
    people: Personas, owner: Client, finished_tasks: list[str]
) -> None:
    data = {
        "name": "Renewals",
        "goal_seconds": "1d",
        "addresses": "Renewals@acme.com, deals@acme.com",
        "mailboxes": [people.ann.pk, people.ben.pk],
    }
    assert owner.post(url("rt-settings-team-new"), data).status_code == 302
    team = Team.objects.get(account=people.acme, name="Renewals")
    assert (team.goal_seconds, team.address_list) == (
        86400,
        ["renewals@acme.com", "deals@acme.com"],
    )
    assert TeamMember.objects.filter(team=team).count() == 2
    duplicate = owner.post(url("rt-settings-team-new"), {**data, "addresses": ""})
    assert b"There is a team with that name" in duplicate.content
    edit = {
        "name": "Renewals EU",
        "goal_seconds": "",
        "addresses": "",
        "mailboxes": [people.ben.pk],
    }
    owner.post(url("rt-settings-team", team.public_id), edit)
    team.refresh_from_db()
    assert (team.name, team.goal_seconds) == ("Renewals EU", None)
    assert [m.mailbox for m in team.members.all()] == [people.ben]
    owner.post(url("rt-settings-team-delete", team.public_id))
    assert not Team.objects.filter(pk=team.pk).exists()
    actions = AuditEvent.objects.order_by("id").values_list("action", flat=True)
    assert [a for a in actions if "team" in a] == [
        "team_created",
        "team_changed",
        "team_deleted",
    ]
    assert finished_tasks.count("recompute_account_task:SUCCESSFUL") == 3


@pytest.mark.django_db
def test_mailboxes_are_added_edited_and_removed(people: Personas, owner: Client) -> None:
    data = {
        "address": "Cat@Acme.com",
        "name": "Cat",
        "aliases": "cat.s@acme.com\nsales-cat@acme.com",
        "teams": [people.sales.pk],
    }
    assert owner.post(url("rt-settings-mailbox-new"), data).status_code == 302
    cat = Mailbox.objects.get(account=people.acme, address="cat@acme.com")
    assert cat.address_set() == {"cat@acme.com", "cat.s@acme.com", "sales-cat@acme.com"}
    assert [link.team for link in cat.team_links.all()] == [people.sales]
    taken = owner.post(
        url("rt-settings-mailbox-new"), {"address": "x@acme.com", "aliases": "ann@acme.com"}
    )
    assert b"Already used by another mailbox: ann@acme.com" in taken.content
    again = owner.post(url("rt-settings-mailbox-new"), {"address": "ann@acme.com"})
    assert b"already belongs to a mailbox" in again.content
    edit = {"name": "Cat S.", "aliases": "cat.s@acme.com", "teams": []}
    owner.post(url("rt-settings-mailbox", cat.public_id), edit)
    cat.refresh_from_db()
    assert cat.name == "Cat S." and cat.address_set() == {"cat@acme.com", "cat.s@acme.com"}
    assert not cat.team_links.exists()
    confirm = owner.get(url("rt-settings-mailbox-remove", cat.public_id))
    assert b"cannot be undone" in confirm.content
    owner.post(url("rt-settings-mailbox-remove", cat.public_id))
    assert not MailboxAddress.objects.filter(address__startswith="cat").exists()
    assert audited("mailbox_removed") == [{"mailbox": "cat@acme.com"}]


@pytest.mark.django_db
def test_settings_of_another_account_are_out_of_reach(people: Personas, owner: Client) -> None:
    globex_team = people.globex.teams.get()
    assert owner.get(url("rt-settings-team", globex_team.public_id)).status_code == 404
    assert owner.get(url("rt-settings-mailbox", people.gus.public_id)).status_code == 404
    carol_membership = people.members["outsider"]
    assert owner.get(url("rt-settings-member", carol_membership.public_id)).status_code == 404
