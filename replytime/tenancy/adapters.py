"""django-allauth adapters: who may sign up (REPLYTIME_SIGNUP) and where people land."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.http import HttpRequest

# Set by the invitation page: the token of the invitation the visitor is holding.
INVITATION_SESSION_KEY = "rt_invitation"


def holds_invitation(request: HttpRequest) -> bool:
    from replytime.tenancy.invitations import invitation_for_token

    token = request.session.get(INVITATION_SESSION_KEY)
    return bool(token) and invitation_for_token(token) is not None


def signup_open(request: HttpRequest) -> bool:
    """Anyone may sign up in "open" mode; in "invite" mode only someone with an invitation."""
    return settings.REPLYTIME_SIGNUP == "open" or holds_invitation(request)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return signup_open(request)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return signup_open(request)
