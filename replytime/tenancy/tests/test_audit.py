"""The audit trail: the service others call, and the admins' page."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from replytime.tenancy.audit import Action, audit, client_ip
from replytime.tenancy.models import AuditEvent, Role
from replytime.testing import Personas


@pytest.mark.django_db
def test_exports_are_recorded_with_the_caller(people: Personas) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    request.user = people.user(Role.MANAGER)
    request.account = people.acme
    event = audit(
        request, Action.EXPORT, table="leaderboard", fmt="xlsx", start=dt.date(2026, 3, 1)
    )
    assert (event.actor_email, event.ip, event.account) == (
        "erin@acme.com",
        "203.0.113.9",
        people.acme,
    )
    assert event.detail == {"table": "leaderboard", "fmt": "xlsx", "start": "2026-03-01"}


@pytest.mark.django_db
def test_it_refuses_subjects_and_bodies(people: Personas) -> None:
    for key in ("subject", "email_subject", "Body"):
        with pytest.raises(ValueError, match="no subjects or bodies"):
            audit(people.acme, "export", **{key: "Re: prices"})
    assert not AuditEvent.objects.exists()


def test_the_client_address_comes_from_our_proxy_only_when_told(settings: Any) -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7"
    )
    settings.REPLYTIME_BEHIND_PROXY = False
    assert client_ip(request) == "10.0.0.2"
    settings.REPLYTIME_BEHIND_PROXY = True
    assert client_ip(request) == "198.51.100.7"


@pytest.mark.django_db
def test_admins_see_their_accounts_trail_only(people: Personas, client_for: Any) -> None:
    audit(people.acme, Action.EXPORT, actor=people.user(Role.VIEWER), table="trend")
    audit(people.globex, Action.EXPORT, actor=people.user("outsider"), table="secret-globex")
    dave = client_for(people.user(Role.ADMIN))
    body = dave.get(reverse("rt-settings-audit", args=["acme"])).content.decode()
    assert "Exported data" in body and "bob@acme.com" in body and "trend" in body
    assert "secret-globex" not in body and "carol@globex.com" not in body


@pytest.mark.django_db
def test_the_trail_filters_by_action_and_pages(people: Personas, owner: Client) -> None:
    AuditEvent.objects.bulk_create(
        AuditEvent(account=people.acme, action="export", public_id=uuid.uuid4(), detail={"n": n})
        for n in range(60)
    )
    audit(people.acme, Action.ROLE_CHANGED, member="bob@acme.com")
    url = reverse("rt-settings-audit", args=["acme"])
    only_roles = owner.get(url, {"action": "role_changed"}).content.decode()
    assert "<td>Changed a role</td>" in only_roles and "<td>Exported data</td>" not in only_roles
    first = owner.get(url, {"action": "export"}).content.decode()
    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in owner.get(url, {"action": "export", "page": 2}).content.decode()
