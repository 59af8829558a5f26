"""Sign-up, email verification, sign-in, rate limits, password reset, two-factor, SSO config."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.test import Client
from django.urls import reverse

from replytime.tenancy.models import AuditEvent
from replytime.testing import PASSWORD, Personas

NEW_PASSWORD = "another-long-passphrase-7"


def _link(message: Any) -> str:
    found = re.search(r"https?://testserver(/\S+)", message.body)
    assert found, message.body
    return found.group(1)


def _sign_in(client: Client, email: str, password: str = PASSWORD) -> Any:
    return client.post(reverse("account_login"), {"login": email, "password": password})


@pytest.mark.django_db
def test_sign_up_needs_a_verified_address() -> None:
    client = Client()
    response = client.post(
        reverse("account_signup"),
        {"email": "newbie@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("account_email_verification_sent")
    assert client.get("/").status_code == 302  # not signed in yet
    confirm = _link(mail.outbox[-1])
    assert client.get(confirm).status_code == 200
    response = client.post(confirm)
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 200 and b"Create an account" in page.content


@pytest.mark.django_db
def test_sign_up_refuses_weak_passwords() -> None:
    response = Client().post(
        reverse("account_signup"),
        {"email": "newbie@example.com", "password1": "12345678", "password2": "12345678"},
    )
    assert response.status_code == 200
    assert b"too short" in response.content or b"too common" in response.content


@pytest.mark.django_db
def test_sign_in_and_failures_are_audited_in_each_account(people: Personas) -> None:
    client = Client()
    assert _sign_in(client, "alice@acme.com", "wrong-password").status_code == 200
    response = _sign_in(client, "alice@acme.com")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    actions = list(
        AuditEvent.objects.filter(account=people.acme, actor_email="alice@acme.com")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["signin_failed", "signin"]
    assert not AuditEvent.objects.filter(account=people.globex).exists()
    event = AuditEvent.objects.get(account=people.acme, action="signin")
    assert event.ip == "127.0.0.1"


@pytest.mark.django_db
def test_repeated_failed_sign_ins_are_rate_limited(people: Personas) -> None:
    client = Client()
    for _ in range(5):
        _sign_in(client, "bob@acme.com", "wrong-password")
    response = _sign_in(client, "bob@acme.com")  # even the right password waits now
    assert response.status_code == 200
    assert b"Too many failed login attempts" in response.content


@pytest.mark.django_db
def test_password_reset_by_email(people: Personas) -> None:
    client = Client()
    client.post(reverse("account_reset_password"), {"email": "bob@acme.com"})
    link = _link(mail.outbox[-1])
    form_url = client.get(link).headers.get("Location", link)  # allauth hides the key
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert _sign_in(Client(), "bob@acme.com", NEW_PASSWORD).status_code == 302
    assert _sign_in(Client(), "bob@acme.com").status_code == 200


def _code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.mark.django_db
def test_two_factor_with_an_authenticator_app_and_recovery_codes(
    people: Personas, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.MFA_TOTP_TOLERANCE = 1  # a code computed just before a 30 s step still counts
    client = Client()
    _sign_in(client, "alice@acme.com")
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals after commit
        response = client.post(reverse("mfa_activate_totp"), {"code": _code(secret)})
    assert response.status_code == 302
    user = people.user("owner")
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    codes = Authenticator.objects.get(user=user, type="recovery_codes").wrap().get_unused_codes()
    assert AuditEvent.objects.filter(account=people.acme, action="mfa_changed").exists()

    second = Client()
    response = _sign_in(second, "alice@acme.com")
    assert response.headers["Location"] == reverse("mfa_authenticate")
    assert second.get("/").status_code == 302  # the password alone does not sign in
    assert second.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code == 200
    response = second.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 302
    assert second.get("/?choose").status_code == 200

    third = Client()
    _sign_in(third, "alice@acme.com")
    response = third.post(reverse("mfa_authenticate"), {"code": _code(secret)})
    assert response.status_code == 302 and third.get("/?choose").status_code == 200


@pytest.mark.django_db
def test_sign_up_is_closed_in_invite_mode(settings: Any) -> None:
    settings.REPLYTIME_SIGNUP = "invite"
    response = Client().get(reverse("account_signup"))
    assert b"Sign Up Closed" in response.content or b"closed" in response.content.lower()


def test_sso_providers_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from replytime import settings as project_settings

    for name in ("GOOGLE", "MICROSOFT"):
        monkeypatch.delenv(f"REPLYTIME_{name}_CLIENT_ID", raising=False)
    assert project_settings._social_providers() == {}
    monkeypatch.setenv("REPLYTIME_GOOGLE_CLIENT_ID", "gid")
    monkeypatch.setenv("REPLYTIME_GOOGLE_CLIENT_SECRET", "gsecret")
    monkeypatch.setenv("REPLYTIME_MICROSOFT_CLIENT_ID", "mid")
    providers = project_settings._social_providers()
    assert providers["google"]["APPS"] == [{"client_id": "gid", "secret": "gsecret"}]
    assert "microsoft" not in providers  # a secret is needed too
    monkeypatch.setenv("REPLYTIME_MICROSOFT_CLIENT_SECRET", "msecret")
    monkeypatch.setenv("REPLYTIME_MICROSOFT_TENANT", "contoso.onmicrosoft.com")
    assert project_settings._social_providers()["microsoft"]["TENANT"] == "contoso.onmicrosoft.com"


@pytest.mark.django_db
def test_the_sign_in_page_offers_only_configured_providers(settings: Any) -> None:
    assert b"Continue with" not in Client().get(reverse("account_login")).content
    settings.SOCIALACCOUNT_PROVIDERS = {"google": {"APPS": [{"client_id": "x", "secret": "y"}]}}
    assert b"Continue with Google" in Client().get(reverse("account_login")).content
