"""Audit events for sign-ins, failed sign-ins and security changes (Django and allauth signals).

These are personal events, so each is written once into every account the person belongs to.
A failed sign-in for an address that belongs to nobody is recorded nowhere (the rate limits
still apply to it).
"""

from __future__ import annotations

from typing import Any

from allauth.account.signals import password_changed, password_reset
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from replytime.tenancy.audit import Action, audit_user_event


def _user_for_address(address: str) -> Any:
    from allauth.account.models import EmailAddress

    link = EmailAddress.objects.filter(email__iexact=address).select_related("user").first()
    if link is not None:
        return link.user
    return get_user_model().objects.filter(email__iexact=address).first()


@receiver(user_logged_in, dispatch_uid="rt_audit_signin")
def _signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_user_event(user, Action.SIGNIN, request)


@receiver(user_logged_out, dispatch_uid="rt_audit_signout")
def _signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_user_event(user, Action.SIGNOUT, request)


@receiver(user_login_failed, dispatch_uid="rt_audit_signin_failed")
def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    address = credentials.get("email") or credentials.get("username") or ""
    user = _user_for_address(str(address)) if address else None
    if user is not None:
        audit_user_event(user, Action.SIGNIN_FAILED, request)


@receiver(password_changed, dispatch_uid="rt_audit_password_changed")
@receiver(password_reset, dispatch_uid="rt_audit_password_reset")
def _password_changed(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit_user_event(user, Action.PASSWORD_CHANGED, request)


@receiver(authenticator_added, dispatch_uid="rt_audit_mfa_added")
@receiver(authenticator_removed, dispatch_uid="rt_audit_mfa_removed")
@receiver(authenticator_reset, dispatch_uid="rt_audit_mfa_reset")
def _mfa_changed(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    authenticator = kwargs.get("authenticator")
    kind = getattr(authenticator, "type", "")
    audit_user_event(user, Action.MFA_CHANGED, request, authenticator=kind)
