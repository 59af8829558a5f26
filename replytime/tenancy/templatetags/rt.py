"""Template helpers: links that tolerate missing URL names, optional includes, durations."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from replytime.lib.durations import format_duration
from replytime.tenancy.models import Role

register = template.Library()


@register.simple_tag
def rt_url(name: str, *args: Any, **kwargs: Any) -> str:
    """`{% url %}` that gives "#" when the name does not exist (yet): the nav links to pages
    other parts of the app provide, and must render before they do."""
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return "#"


@register.simple_tag(takes_context=True)
def optional_include(context: template.Context, name: str) -> str:
    """Render `name` with the current context if such a template exists, else nothing."""
    try:
        found = get_template(name)
    except template.TemplateDoesNotExist:
        return ""
    return found.render(context.flatten(), context.get("request"))


@register.filter
def duration(seconds: float | None) -> str:
    return format_duration(seconds)


@register.filter
def role_label(role: str) -> str:
    try:
        return str(Role(role).label)
    except ValueError:
        return role


@register.simple_tag
def rt_account_url(account_name: str) -> str:
    """Where an account opens: its overview, or the chooser until the dashboards exist."""
    url = rt_url("rt-overview", account_name)
    return url if url != "#" else reverse("rt-home") + "?choose"


@register.simple_tag(takes_context=True)
def rt_nav_link(context: template.Context, name: str, label: str, prefix: str = "") -> str:
    """A nav item for the current account's page `name`, marked current when it is open."""
    account = context.get("rt_account")
    request = context.get("request")
    href = rt_url(name, account.name) if account is not None else "#"
    match = getattr(request, "resolver_match", None)
    current = (match.url_name or "") if match else ""
    active = current == name or bool(prefix and current.startswith(prefix))
    marker = mark_safe(' aria-current="page"') if active else ""
    return format_html('<li><a href="{}"{}>{}</a></li>', href, marker, label)


@register.filter
def role_description(role: str) -> str:
    try:
        return Role(role).description
    except ValueError:
        return ""
