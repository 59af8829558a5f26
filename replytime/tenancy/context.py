"""Template context for every page: the signed-in person's accounts and current role."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from replytime.tenancy.access import can_write, has_role
from replytime.tenancy.models import Membership, Role


def _memberships(user: Any) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user).select_related("account").order_by("account__name")
    )


def web(request: HttpRequest) -> dict[str, Any]:
    """`rt_memberships` (lazy: queried only when the page shows the switcher), the current
    `rt_account` and `rt_membership` inside an account view, and what that member may do."""
    context: dict[str, Any] = {
        "rt_signup_open_setting": settings.REPLYTIME_SIGNUP == "open",
        "rt_social_enabled": bool(settings.SOCIALACCOUNT_PROVIDERS),
    }
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    membership: Membership | None = getattr(request, "membership", None)
    context["rt_memberships"] = SimpleLazyObject(lambda: _memberships(user))
    context["rt_membership"] = membership
    context["rt_account"] = membership.account if membership else None
    context["rt_is_admin"] = bool(membership and has_role(membership, Role.ADMIN))
    context["rt_can_write"] = bool(membership and can_write(membership))
    return context
