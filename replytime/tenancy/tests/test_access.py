"""The access API: roles, visible mailboxes and teams, lookups that 404 outside the scope."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from replytime.mailboxes.models import Mailbox
from replytime.tenancy.access import (
    LAST_ACCOUNT_KEY,
    AccessRule,
    account_view,
    can_see_account_totals,
    get_mailbox_for_user,
    get_team_for_user,
    has_role,
    visible_mailboxes,
    visible_teams,
)
from replytime.tenancy.models import Role
from replytime.testing import Personas, make_mailbox


def test_roles_rank_from_owner_to_viewer() -> None:
    order = [Role.OWNER, Role.ADMIN, Role.MANAGER, Role.RESTRICTED, Role.AGENT, Role.VIEWER]
    assert sorted(Role, key=lambda r: -r.rank) == order


def test_it_refuses_viewers_when_writing() -> None:
    rule = AccessRule(Role.VIEWER, write=True)
    assert rule.allows(Role.AGENT) and not rule.allows(Role.VIEWER)
    assert AccessRule(Role.MANAGER).allows(Role.ADMIN)
    assert not AccessRule(Role.MANAGER).allows(Role.RESTRICTED)


def _addresses(mailboxes: Any) -> set[str]:
    return {m.address for m in mailboxes}


@pytest.mark.django_db
def test_each_role_sees_its_part_of_the_account(people: Personas) -> None:
    whole = {"ann@acme.com", "ben@acme.com"}
    for role in (Role.OWNER, Role.ADMIN, Role.MANAGER, Role.VIEWER):
        member = people.members[role]
        assert _addresses(visible_mailboxes(member)) == whole
        assert {t.name for t in visible_teams(member)} == {"Sales", "Support"}
        assert can_see_account_totals(member)
    frank = people.members[Role.RESTRICTED]
    assert _addresses(visible_mailboxes(frank)) == {"ann@acme.com"}
    assert [t.name for t in visible_teams(frank)] == ["Sales"]
    gina = people.members[Role.AGENT]
    assert _addresses(visible_mailboxes(gina)) == {"ben@acme.com"}
    assert not visible_teams(gina).exists()
    assert not can_see_account_totals(frank) and not can_see_account_totals(gina)


@pytest.mark.django_db
def test_a_restricted_manager_sees_chosen_mailboxes_and_their_teams_members(
    people: Personas,
) -> None:
    from replytime.tenancy.members import set_scope

    extra = make_mailbox(people.acme, "cat@acme.com")
    frank = people.members[Role.RESTRICTED]
    set_scope(frank, teams=[people.sales], mailboxes=[extra, people.gus])  # gus: other account
    assert _addresses(visible_mailboxes(frank)) == {"ann@acme.com", "cat@acme.com"}
    assert visible_mailboxes(frank).count() == 2  # no duplicates through the joins


@pytest.mark.django_db
def test_lookups_404_outside_what_the_member_sees(people: Personas) -> None:
    request = RequestFactory().get("/")
    request.membership = people.members[Role.AGENT]
    assert get_mailbox_for_user(request, people.ben.public_id) == people.ben
    for hidden in (people.ann.public_id, people.gus.public_id, uuid.uuid4(), "not-a-uuid"):
        with pytest.raises(Http404):
            get_mailbox_for_user(request, hidden)
    with pytest.raises(Http404):
        get_team_for_user(request, people.support.public_id)
    request.membership = people.members[Role.MANAGER]
    assert get_team_for_user(request, str(people.support.public_id)) == people.support
    with pytest.raises(Http404):
        get_team_for_user(request, people.globex.teams.get().public_id)


@account_view(Role.MANAGER)
def _probe(request: Any, account: str) -> HttpResponse:
    return HttpResponse(f"{request.account.name}:{request.membership.role}:{account}")


def _call(people: Personas, role: str, account: str = "acme") -> Any:
    from django.contrib.sessions.backends.db import SessionStore

    request = RequestFactory().get(f"/a/{account}/")
    request.user = people.user(role)
    request.session = SessionStore()
    return request, _probe(request, account=account)


@pytest.mark.django_db
def test_the_decorator_sets_the_account_and_remembers_it(people: Personas) -> None:
    request, response = _call(people, Role.MANAGER)
    assert response.content == b"acme:manager:acme"
    assert request.session[LAST_ACCOUNT_KEY] == "acme"
    assert _probe.rt_access == AccessRule(Role.MANAGER)  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_the_decorator_refuses_weak_roles_and_outsiders(people: Personas) -> None:
    with pytest.raises(PermissionDenied):
        _call(people, Role.RESTRICTED)
    with pytest.raises(Http404):
        _call(people, "outsider")
    with pytest.raises(Http404):
        _call(people, Role.OWNER, account="nope")


@pytest.mark.django_db
def test_has_role_compares_ranks(people: Personas) -> None:
    assert has_role(people.members[Role.ADMIN], Role.MANAGER)
    assert not has_role(people.members[Role.AGENT], Role.RESTRICTED)
    assert Mailbox.objects.count() == 3


@pytest.mark.django_db
def test_htmx_requests_of_signed_out_people_reload_the_sign_in_page(people: Personas) -> None:
    from django.test import Client
    from django.urls import reverse

    url = reverse("rt-settings-import", args=["acme"])
    response = Client().get(url, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/accounts/login/?next=")
