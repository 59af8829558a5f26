"""Role changes, scopes, removal, leaving, creating accounts and the chooser."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from replytime.tenancy.access import LAST_ACCOUNT_KEY
from replytime.tenancy.models import Account, AuditEvent, Membership, Role
from replytime.testing import Personas, make_user


def _edit(client: Client, member: Membership, **data: Any) -> Any:
    url = reverse("rt-settings-member", args=["acme", member.public_id])
    return client.post(url, data)


@pytest.mark.django_db
def test_an_owner_changes_a_role_and_it_is_audited(people: Personas, owner: Client) -> None:
    bob = people.members[Role.VIEWER]
    assert _edit(owner, bob, role=Role.MANAGER).status_code == 302
    bob.refresh_from_db()
    assert bob.role == Role.MANAGER
    event = AuditEvent.objects.get(account=people.acme, action="role_changed")
    assert event.detail["member"] == "bob@acme.com"
    assert (event.detail["old_role"], event.detail["new_role"]) == ("viewer", "manager")


@pytest.mark.django_db
def test_a_restricted_scope_and_an_agent_mailbox_are_saved(people: Personas, owner: Client) -> None:
    bob = people.members[Role.VIEWER]
    _edit(owner, bob, role=Role.RESTRICTED, mailboxes=[people.ben.pk])
    bob.refresh_from_db()
    assert list(bob.mailboxes.all()) == [people.ben] and not bob.teams.exists()
    _edit(owner, bob, role=Role.AGENT, own_mailbox=people.ann.pk)
    bob.refresh_from_db()
    assert bob.own_mailbox == people.ann and not bob.mailboxes.exists()
    response = _edit(owner, bob, role=Role.RESTRICTED)
    assert b"at least one team or mailbox" in response.content


@pytest.mark.django_db
def test_admins_cannot_touch_owners(people: Personas, client_for: Any) -> None:
    dave = client_for(people.user(Role.ADMIN))
    alice = people.members[Role.OWNER]
    response = _edit(dave, alice, role=Role.VIEWER)
    assert b"Only an owner" in response.content
    response = _edit(dave, people.members[Role.VIEWER], role=Role.OWNER)
    assert response.status_code == 200 and b"Select a valid choice" in response.content
    remove = reverse("rt-settings-member-remove", args=["acme", alice.public_id])
    dave.post(remove)
    assert Membership.objects.filter(pk=alice.pk).exists()


@pytest.mark.django_db
def test_the_last_owner_stays(people: Personas, owner: Client) -> None:
    alice = people.members[Role.OWNER]
    response = _edit(owner, alice, role=Role.ADMIN)
    assert b"at least one owner" in response.content
    _edit(owner, people.members[Role.ADMIN], role=Role.OWNER)
    assert _edit(owner, alice, role=Role.ADMIN).status_code == 302


@pytest.mark.django_db
def test_removing_a_member(people: Personas, owner: Client) -> None:
    bob = people.members[Role.VIEWER]
    owner.post(reverse("rt-settings-member-remove", args=["acme", bob.public_id]))
    assert not Membership.objects.filter(pk=bob.pk).exists()
    assert AuditEvent.objects.get(action="member_removed").detail["member"] == "bob@acme.com"


@pytest.mark.django_db
def test_a_member_leaves_an_account(people: Personas, client_for: Any) -> None:
    bob = client_for(people.user(Role.VIEWER))
    assert bob.post(reverse("rt-account-leave", args=["acme"])).status_code == 302
    assert not Membership.objects.filter(user=people.user(Role.VIEWER)).exists()
    alice = client_for(people.user(Role.OWNER))
    alice.post(reverse("rt-account-leave", args=["acme"]))
    assert Membership.objects.filter(user=people.user(Role.OWNER)).exists()  # last owner


@pytest.mark.django_db
def test_creating_an_account_makes_you_its_owner(db: None) -> None:
    client = Client()
    client.force_login(make_user("new@example.com"))
    page = client.get("/")
    assert page.status_code == 200 and b"not in any account yet" in page.content
    response = client.post(reverse("rt-account-new"), {"name": "newco", "timezone": "Europe/Paris"})
    assert response.headers["Location"] == reverse("rt-settings-mailboxes", args=["newco"])
    account = Account.objects.get(name="newco")
    assert account.timezone == "Europe/Paris"
    assert Membership.objects.get(account=account).role == Role.OWNER
    taken = client.post(reverse("rt-account-new"), {"name": "newco", "timezone": "UTC"})
    assert b"taken" in taken.content


@pytest.mark.django_db
def test_only_staff_create_accounts_in_invite_mode(db: None, settings: Any) -> None:
    settings.REPLYTIME_SIGNUP = "invite"
    client = Client()
    client.force_login(make_user("new@example.com"))
    assert (
        client.post(reverse("rt-account-new"), {"name": "x", "timezone": "UTC"}).status_code == 403
    )


@pytest.mark.django_db
def test_the_chooser_remembers_the_last_account(people: Personas, client_for: Any) -> None:
    carol = people.user("outsider")
    Membership.objects.create(account=people.acme, user=carol, role=Role.VIEWER)
    client = client_for(carol)
    page = client.get("/")
    assert page.status_code == 200  # two accounts, none used yet: the chooser
    client.get(reverse("rt-settings", args=["globex"]))
    assert client.session[LAST_ACCOUNT_KEY] == "globex"
    assert client.get("/").headers["Location"] == reverse("rt-overview", args=["globex"])
    body = client.get("/?choose").content.decode()
    assert "last used" in body
