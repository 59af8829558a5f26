"""Dashboard views through the Django test client: roles, isolation, HTMX, exports, closing."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from replytime.conversations.models import Closure, Conversation
from replytime.reports.tests.mail import SECRET, load_mail
from replytime.tenancy.models import AuditEvent, Role
from replytime.testing import Personas, make_personas

pytestmark = pytest.mark.django_db

WEEK = "period=custom&from=2026-03-02&to=2026-03-08"
PAGES = ("rt-overview", "rt-trend", "rt-leaderboard", "rt-awaiting", "rt-customers", "rt-when")
READERS = (Role.OWNER, Role.ADMIN, Role.MANAGER, Role.RESTRICTED, Role.AGENT, Role.VIEWER)


@pytest.fixture
def people(db: None) -> Personas:
    people = make_personas()
    load_mail(people)
    return people


@pytest.fixture
def as_role(people: Personas) -> Callable[[str], Client]:
    def make(role: str) -> Client:
        client = Client()
        client.force_login(people.user(role))
        return client

    return make


def _url(name: str, account: str = "acme", *args: Any) -> str:
    return reverse(name, args=[account, *args]) + "?" + WEEK


@pytest.mark.parametrize("role", READERS)
def test_every_dashboard_answers_each_reader(as_role: Callable[[str], Client], role: str) -> None:
    client = as_role(role)
    for name in PAGES:
        response = client.get(_url(name))
        assert response.status_code == 200, (name, role)
        assert SECRET not in response.content.decode()


def test_an_outsider_gets_404_and_anonymous_is_sent_to_sign_in(
    as_role: Callable[[str], Client],
) -> None:
    for name in PAGES:
        assert as_role("outsider").get(_url(name)).status_code == 404
        assert Client().get(_url(name)).status_code == 302
    assert as_role("outsider").get(_url("rt-overview", "no-such-account")).status_code == 404


def test_the_overview_shows_the_figures(as_role: Callable[[str], Client]) -> None:
    page = as_role(Role.MANAGER).get(_url("rt-overview")).content.decode()
    assert "2h 00m" in page  # median of 30m, 2h and 4h
    assert "All mailboxes" in page


def test_htmx_gets_only_the_panel(as_role: Callable[[str], Client]) -> None:
    response = as_role(Role.MANAGER).get(_url("rt-leaderboard"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and "ann@acme.com" in body


def test_a_restricted_manager_sees_only_the_chosen_mailboxes(
    as_role: Callable[[str], Client], people: Personas
) -> None:
    client = as_role(Role.RESTRICTED)  # team Sales: ann only
    board = client.get(_url("rt-leaderboard")).content.decode()
    assert "ann@acme.com" in board and "ben@acme.com" not in board
    queue = client.get(_url("rt-awaiting")).content.decode()
    assert "dave@client.com" not in queue
    # Asking for the other mailbox or team is ignored.
    other = client.get(_url("rt-leaderboard") + f"&mailbox={people.ben.public_id}").content.decode()
    assert "ben@acme.com" not in other
    help_conv = Conversation.objects.get(account=people.acme, subject="Help")
    assert client.get(reverse("rt-conversation", args=["acme", help_conv.key])).status_code == 404


def test_an_agent_sees_their_own_mailbox(as_role: Callable[[str], Client]) -> None:
    page = as_role(Role.AGENT).get(_url("rt-awaiting")).content.decode()
    assert "dave@client.com" in page
    board = as_role(Role.AGENT).get(_url("rt-leaderboard")).content.decode()
    assert "ann@acme.com" not in board


def test_the_conversation_page_is_a_header_timeline(
    as_role: Callable[[str], Client], people: Personas
) -> None:
    conv = Conversation.objects.get(account=people.acme, subject="Order")
    page = as_role(Role.VIEWER).get(reverse("rt-conversation", args=["acme", conv.key])).content
    assert b"carol@other.org" in page and b"replied in" in page
    globex = Conversation.objects.get(account=people.globex)
    missing = as_role(Role.OWNER).get(reverse("rt-conversation", args=["acme", globex.key]))
    assert missing.status_code == 404


def test_closing_needs_a_writer_and_hides_the_conversation(
    as_role: Callable[[str], Client], people: Personas
) -> None:
    conv = Conversation.objects.get(account=people.acme, subject="Help")
    url = reverse("rt-close", args=["acme", conv.key])
    assert as_role(Role.VIEWER).post(url).status_code == 403
    assert as_role("outsider").post(url).status_code == 404
    assert as_role(Role.MANAGER).get(url).status_code == 405
    response = as_role(Role.AGENT).post(url, {"next": "/a/acme/awaiting/?" + WEEK})
    assert response.status_code == 302
    assert Closure.objects.filter(account=people.acme, conversation_key=conv.key).exists()
    assert "dave@client.com" not in as_role(Role.MANAGER).get(_url("rt-awaiting")).content.decode()
    assert AuditEvent.objects.filter(account=people.acme, action="conversation.close").exists()
    as_role(Role.MANAGER).post(url, {"action": "reopen"})
    assert "dave@client.com" in as_role(Role.MANAGER).get(_url("rt-awaiting")).content.decode()


@pytest.mark.parametrize(
    "table", ["overview", "trend", "leaderboard", "awaiting", "customers", "when"]
)
def test_every_table_exports_to_csv_and_xlsx(
    as_role: Callable[[str], Client], people: Personas, table: str
) -> None:
    client = as_role(Role.VIEWER)
    url = reverse("rt-export", args=["acme", table]) + "?" + WEEK
    response = client.get(url + "&format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) > 1 and SECRET not in response.content.decode()
    response = client.get(url + "&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in next(sheet.iter_rows())] == rows[0]
    event = AuditEvent.objects.filter(account=people.acme, action="export").latest("id")
    assert event.detail["table"] == table


def test_the_leaderboard_export_has_hand_computed_values(as_role: Callable[[str], Client]) -> None:
    url = reverse("rt-export", args=["acme", "leaderboard"]) + "?" + WEEK + "&format=csv"
    rows = list(csv.DictReader(io.StringIO(as_role(Role.OWNER).get(url).content.decode())))
    ann = next(r for r in rows if r["name"] == "ann@acme.com")
    assert (ann["replies"], ann["median_seconds"], ann["received"]) == ("2", "4500.0", "3")


def test_a_conversation_exports_its_timeline(
    as_role: Callable[[str], Client], people: Personas
) -> None:
    conv = Conversation.objects.get(account=people.acme, subject="Order")
    url = reverse("rt-export", args=["acme", "conversation"]) + f"?key={conv.key}&format=csv"
    rows = list(csv.reader(io.StringIO(as_role(Role.OWNER).get(url).content.decode())))
    assert len(rows) == 4 and rows[3][6] == "7200"
    unknown = reverse("rt-export", args=["acme", "nope"]) + "?format=csv"
    assert as_role(Role.OWNER).get(unknown).status_code == 404
