"""Every URL of the project is either public by name, sign-in only by name, or guarded by
`account_view`; and the guard does what its marker says. A view added without the check makes
`test_every_url_is_classified` fail; a guard that does not refuse makes the others fail.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path

from replytime.tenancy.access import AccessRule, account_view
from replytime.tenancy.models import Invitation, Role, Upload
from replytime.testing import Personas

# Public on purpose: sign-in, sign-up, password reset, email verification, MFA and SSO pages
# (django-allauth guards its own pages) and static files.
PUBLIC_MODULE_PREFIXES = ("allauth.", "django.views.static", "django.contrib.staticfiles")
# Where django-allauth is mounted (it also uses a plain RedirectView there).
PUBLIC_ROUTE_PREFIXES = ("accounts/",)
# Pages whose signed token is the credential (an invitation to an account; the link that lets
# a mailbox's owner connect that one mailbox), and health checks. A bad token must reveal
# nothing: see test_token_pages_refuse_a_bad_token.
TOKEN_NAMES = {"rt-invitation", "rt-mailbox-activate", "rt-mailbox-activate-provider"}
# Microsoft 365: the owner's sign-in (activation link / OAuth state in the session) and
# Graph's webhooks (each notification is checked against its subscription's clientState).
TOKEN_NAMES |= {"rt-m365-activate", "rt-m365-callback"}
# Gmail: the owner's activation link, the OAuth redirect (checked against the flow held in the
# session), and Pub/Sub push (authenticated by the secret token in its path; POST only).
TOKEN_NAMES |= {"rt-gmail-activate", "rt-gmail-callback"}
PUBLIC_NAMES = TOKEN_NAMES | {"rt-health", "health", "rt-m365-notify", "rt-m365-lifecycle"}
PUBLIC_NAMES |= {"rt-gmail-push"}
# Pages for any signed-in person that belong to no account.
SIGNED_IN_NAMES = {"rt-home", "rt-account-new"}
# Every settings page is for admins and owners.
SETTINGS_PREFIX = "a/<slug:account>/settings/"

_CONVERTER = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Route:
    route: str
    name: str
    pattern: URLPattern

    @property
    def rule(self) -> AccessRule | None:
        return getattr(self.pattern.callback, "rt_access", None)

    def url(self, account: str, known: dict[str, str] | None = None) -> str:
        def fill(match: re.Match[str]) -> str:
            name, conv = match["name"], match["conv"] or "str"
            if name == "account":
                return account
            if known and name in known:
                return known[name]
            return {"uuid": str(uuid.uuid4()), "int": "1"}.get(conv, "x")

        return "/" + _CONVERTER.sub(fill, self.route)

    def kwargs_known(self, known: dict[str, str]) -> bool:
        names = [m["name"] for m in _CONVERTER.finditer(self.route)]
        return all(n == "account" or n in known for n in names)


def iter_routes(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[Route]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from iter_routes(entry, route)
        else:
            yield Route(route, entry.name or entry.lookup_str, entry)


def classify(route: Route) -> str:
    """ "public", "signed-in" or "account"; raises AssertionError for an unchecked view."""
    module = getattr(route.pattern.callback, "__module__", "") or ""
    if module.startswith(PUBLIC_MODULE_PREFIXES) or route.route.startswith(PUBLIC_ROUTE_PREFIXES):
        return "public"
    if route.name in PUBLIC_NAMES:
        return "public"
    if route.rule is not None:
        assert "<slug:account>" in route.route, f"{route.route}: needs a <slug:account> kwarg"
        return "account"
    assert "<slug:account>" not in route.route and "account>" not in route.route, (
        f"{route.route} ({route.name}) takes an account but is not wrapped by @account_view"
    )
    assert route.name in SIGNED_IN_NAMES, (
        f"{route.route} ({route.name}) has no access check: wrap it with @account_view, or "
        f"list it in PUBLIC_NAMES / SIGNED_IN_NAMES of {__name__} with a reason"
    )
    return "signed-in"


def routes_of(kind: str) -> list[Route]:
    return [r for r in iter_routes() if classify(r) == kind]


def anonymous() -> Client:
    return Client(raise_request_exception=False)


def client_as(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def known_ids(people: Personas) -> dict[str, str]:
    """Real public ids of Acme objects, for URL kwargs named like them."""
    alice = people.user("owner")
    invitation = Invitation.objects.create(account=people.acme, email="new@acme.com")
    upload = Upload.objects.create(account=people.acme, mailbox=people.ann, file_name="x.mbox")
    return {
        "team": str(people.sales.public_id),
        "mailbox": str(people.ann.public_id),
        "member": str(people.members[Role.VIEWER].public_id),
        "invitation": str(invitation.public_id),
        "upload": str(upload.public_id),
        "token": "x",
        "_alice": str(alice.pk),
    }


_TOKENS = re.compile(rb'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def _neutral(body: bytes) -> bytes:
    return _TOKENS.sub(rb"\1", body)


def test_every_url_is_classified() -> None:
    kinds = {r.route: classify(r) for r in iter_routes()}
    assert "account" in kinds.values() and "public" in kinds.values()


def test_the_walk_catches_an_unguarded_account_view() -> None:
    def naked(request: Any, account: str) -> None:
        raise AssertionError("never called")

    unguarded = Route("a/<slug:account>/x/", "x", path("a/<slug:account>/x/", naked))
    with pytest.raises(AssertionError, match="not wrapped by @account_view"):
        classify(unguarded)
    elsewhere = Route("reports/", "reports", path("reports/", naked))
    with pytest.raises(AssertionError, match="has no access check"):
        classify(elsewhere)
    guarded = account_view()(naked)
    assert classify(Route("a/<slug:account>/x/", "x", path("a/<slug:account>/x/", guarded)))


def test_settings_pages_are_for_admins() -> None:
    weak = [
        r.route
        for r in routes_of("account")
        if r.route.startswith(SETTINGS_PREFIX) and r.rule.min_role.rank < Role.ADMIN.rank
    ]
    assert weak == []


def _responses(client: Client, url: str) -> dict[str, Any]:
    """GET and POST responses, without those refused as 405 (a wrong method is refused the
    same way for every caller and account, before any access check runs)."""
    found = {m: getattr(client, m)(url) for m in ("get", "post")}
    return {m: r for m, r in found.items() if r.status_code != 405}


@pytest.mark.django_db
def test_anonymous_callers_are_sent_to_sign_in(people: Personas) -> None:
    failures = []
    for route in routes_of("account") + routes_of("signed-in"):
        url = route.url("acme")
        answered = _responses(anonymous(), url)
        if not answered:
            failures.append(f"{url}: every method refused with 405")
        for method, response in answered.items():
            location = response.headers.get("Location", "")
            if response.status_code != 302 or not location.startswith("/accounts/login/"):
                failures.append(f"{method.upper()} {url}: {response.status_code} {location}")
    assert failures == []


@pytest.mark.django_db
def test_outsiders_get_the_same_404_whether_or_not_the_account_exists(people: Personas) -> None:
    carol = client_as(people.user("outsider"))
    ids = known_ids(people)
    failures = []
    for route in routes_of("account"):
        existing = _responses(carol, route.url("acme", ids))
        missing = _responses(carol, route.url("no-such-account", ids))
        if not existing or existing.keys() != missing.keys():
            failures.append(f"{route.route}: methods answered {list(existing)} {list(missing)}")
            continue
        for method, response in existing.items():
            if response.status_code != 404 or missing[method].status_code != 404:
                failures.append(f"{method.upper()} {route.route}: {response.status_code}")
            elif _neutral(response.content) != _neutral(missing[method].content):
                failures.append(f"{method.upper()} {route.route}: the two 404 pages differ")
    assert failures == []


@pytest.mark.django_db
def test_too_weak_roles_are_refused(people: Personas) -> None:
    ids = known_ids(people)
    clients = {role: client_as(people.user(role)) for role in Role}
    failures, checked = [], 0
    for route in routes_of("account"):
        for role in Role:
            if route.rule.allows(role):
                continue
            answered = _responses(clients[role], route.url("acme", ids))
            checked += len(answered)
            if not answered:
                failures.append(f"{role} {route.route}: every method refused with 405")
            for method, response in answered.items():
                if response.status_code != 403:
                    failures.append(
                        f"{role} {method.upper()} {route.route}: {response.status_code}"
                    )
    assert checked > 0
    assert failures == []


@pytest.mark.django_db
def test_allowed_roles_pass_the_guard(people: Personas) -> None:
    """The weakest allowed role is let through (the marker matches what the guard enforces)."""
    ids = known_ids(people)
    failures = []
    for route in routes_of("account"):
        if not route.kwargs_known(ids):
            continue  # an object of a kind this test cannot create: covered by its app's tests
        weakest = min((r for r in Role if route.rule.allows(r)), key=lambda r: r.rank)
        response = client_as(people.user(weakest)).get(route.url("acme", ids))
        if response.status_code in (401, 403, 404):
            failures.append(f"{weakest} GET {route.route}: {response.status_code}")
    assert failures == []


@pytest.mark.django_db
def test_token_pages_refuse_a_bad_token(people: Personas) -> None:
    failures = []
    for route in iter_routes():
        if route.name not in TOKEN_NAMES:
            continue
        url = route.url("acme", {"token": "forged-token", "kind": "imap"})
        for client in (anonymous(), client_as(people.user("owner"))):
            response = client.get(url)
            if response.status_code not in (400, 403, 404, 410):
                failures.append(f"GET {url}: {response.status_code}")
    assert failures == []
