"""Invitations: sending, the accept flow for new and existing people, expiry and revocation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from replytime.tenancy.invitations import invitation_for_token, make_token
from replytime.tenancy.models import AuditEvent, Invitation, Membership, Role
from replytime.testing import PASSWORD, Personas, make_user


def _invite(client: Client, email: str, role: str, **extra: Any) -> Any:
    data = {"email": email, "role": role, **extra}
    return client.post(reverse("rt-settings-people", args=["acme"]), data)


def _token_from_mail() -> str:
    found = re.search(r"/invitations/([^/\s]+)/", mail.outbox[-1].body)
    assert found, mail.outbox[-1].body
    return found.group(1)


@pytest.mark.django_db
def test_an_admin_invites_by_email(people: Personas, owner: Client) -> None:
    response = _invite(owner, "Zoe@Example.com", Role.MANAGER)
    assert response.status_code == 302
    invitation = Invitation.objects.get(account=people.acme)
    assert (invitation.email, invitation.role) == ("zoe@example.com", Role.MANAGER)
    message = mail.outbox[-1]
    assert message.to == ["zoe@example.com"] and "acme" in message.subject
    assert message.alternatives and "Accept the invitation" in message.alternatives[0][0]
    event = AuditEvent.objects.get(account=people.acme, action="invitation_sent")
    assert event.detail["email"] == "zoe@example.com" and event.actor_email == "alice@acme.com"


@pytest.mark.django_db
def test_a_new_person_signs_up_from_the_link_and_joins(people: Personas, owner: Client) -> None:
    _invite(owner, "zoe@example.com", Role.RESTRICTED, teams=[people.support.pk])
    token = _token_from_mail()
    zoe = Client()
    page = zoe.get(reverse("rt-invitation", args=[token]))
    assert page.status_code == 200 and b"Join acme" in page.content
    next_url = reverse("rt-invitation", args=[token])
    response = zoe.post(
        reverse("account_signup") + f"?next={next_url}",
        {"email": "zoe@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    # The link proved the address: no verification email, straight back to the invitation.
    assert response.headers["Location"] == next_url
    assert zoe.post(next_url).status_code == 302
    membership = Membership.objects.get(account=people.acme, user__email="zoe@example.com")
    assert membership.role == Role.RESTRICTED
    assert list(membership.teams.all()) == [people.support]
    assert invitation_for_token(token) is None  # used
    assert AuditEvent.objects.filter(account=people.acme, action="member_joined").exists()


@pytest.mark.django_db
def test_an_existing_person_joins_a_second_account(people: Personas) -> None:
    carol = people.user("outsider")
    invitation = Invitation.objects.create(account=people.acme, email="carol@globex.com")
    url = reverse("rt-invitation", args=[make_token(invitation)])
    client = Client()
    client.force_login(carol)
    assert client.post(url).status_code == 302
    assert Membership.objects.filter(user=carol).count() == 2
    # Both accounts are now in Carol's switcher, and she can open either.
    body = client.get("/?choose").content
    assert b"acme" in body and b"globex" in body


@pytest.mark.django_db
def test_the_invitation_needs_the_invited_address(people: Personas) -> None:
    invitation = Invitation.objects.create(account=people.acme, email="someone@else.com")
    url = reverse("rt-invitation", args=[make_token(invitation)])
    client = Client()
    client.force_login(people.user("outsider"))
    page = client.post(url)
    assert page.status_code == 200 and b"this invitation is for someone@else.com" in page.content
    assert not Membership.objects.filter(account=people.acme, user=people.user("outsider")).exists()


@pytest.mark.django_db
def test_expired_forged_and_revoked_links_do_not_work(
    people: Personas, owner: Client, settings: Any
) -> None:
    invitation = Invitation.objects.create(account=people.acme, email="late@example.com")
    token = make_token(invitation)
    assert Client().get(reverse("rt-invitation", args=[token + "x"])).status_code == 404
    settings.REPLYTIME_INVITATION_DAYS = 0
    assert invitation_for_token(token) is None
    settings.REPLYTIME_INVITATION_DAYS = 14
    revoke = reverse("rt-settings-invitation-revoke", args=["acme", invitation.public_id])
    assert owner.post(revoke).status_code == 302
    assert Client().get(reverse("rt-invitation", args=[token])).status_code == 404
    assert AuditEvent.objects.filter(action="invitation_revoked").count() == 1


@pytest.mark.django_db
def test_invite_mode_opens_sign_up_only_to_invited_people(people: Personas, settings: Any) -> None:
    settings.REPLYTIME_SIGNUP = "invite"
    invitation = Invitation.objects.create(account=people.acme, email="zed@example.com")
    client = Client()
    signup = reverse("account_signup")
    assert b'name="password1"' not in client.get(signup).content
    client.get(reverse("rt-invitation", args=[make_token(invitation)]))
    assert b'name="password1"' in client.get(signup).content


@pytest.mark.django_db
def test_only_owners_invite_owners_and_members_are_not_invited_twice(
    people: Personas, client_for: Any
) -> None:
    admin = client_for(people.user(Role.ADMIN))
    assert _invite(admin, "x@example.com", Role.OWNER).status_code == 400
    response = _invite(admin, "bob@acme.com", Role.VIEWER)
    assert response.status_code == 400 and b"already a member" in response.content
    response = _invite(admin, "y@example.com", Role.AGENT)
    assert b"Choose the agent" in response.content
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_resending_renews_the_link(people: Personas, owner: Client) -> None:
    _invite(owner, "zoe@example.com", Role.VIEWER)
    invitation = Invitation.objects.get()
    resend = reverse("rt-settings-invitation-resend", args=["acme", invitation.public_id])
    assert owner.post(resend).status_code == 302
    assert len(mail.outbox) == 2
    assert invitation_for_token(_token_from_mail()) == invitation


@pytest.mark.django_db
def test_pending_invitations_show_on_the_chooser(people: Personas) -> None:
    Invitation.objects.create(account=people.globex, email="bob@acme.com", role=Role.VIEWER)
    client = Client()
    client.force_login(people.user(Role.VIEWER))
    body = client.get("/?choose").content
    assert b"globex</strong> invited you" in body
    assert make_user  # builders are importable for other suites


@pytest.mark.django_db
def test_the_command_line_prints_an_invitation_link(people: Personas) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("account", "invite", "acme", "Owner2@Example.com", "--role", "admin", stdout=out)
    token = re.search(r"/invitations/([^/\s]+)/", out.getvalue()).group(1)
    invitation = invitation_for_token(token)
    assert (invitation.email, invitation.role) == ("owner2@example.com", Role.ADMIN)
