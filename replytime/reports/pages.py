"""What every dashboard page needs besides its figures: the query context from a request,
the filter bar's choices, and rendering a full page or only its panel (HTMX)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from replytime.reports.caching import cached
from replytime.reports.filters import PRESETS, Filters, parse_filters
from replytime.reports.queries import Context
from replytime.reports.scoping import Visibility, visibility_of
from replytime.tenancy.access import can_see_account_totals, visible_mailboxes, visible_teams


def context_for(request: HttpRequest) -> Context:
    """The dashboard context of an `account_view` request: filters and what the member sees."""
    return Context(visibility(request), parse_filters(request.GET))


def visibility(request: HttpRequest) -> Visibility:
    """What the request's member may see (scoping.Visibility), read afresh on every request.

    Not cached: a narrowed list of teams or mailboxes must apply at the very next request."""
    membership = request.membership  # type: ignore[attr-defined]
    return visibility_of(
        request.account,  # type: ignore[attr-defined]
        mailboxes=visible_mailboxes(membership),
        teams=visible_teams(membership),
        totals=can_see_account_totals(membership),
    )


def _range_label(first: date, last: date) -> str:
    if first == last:
        return f"{first:%d %b %Y}"
    if first.year == last.year:
        return f"{first:%d %b} \u2013 {last:%d %b %Y}"
    return f"{first:%d %b %Y} \u2013 {last:%d %b %Y}"


def _options(items: tuple[Any, ...], chosen: str, label: Callable[[Any], str]) -> str:
    """<option>s of a select, built in one pass (an account may have hundreds of mailboxes):
    plain string joins with each label escaped (format_html costs ~20 us per option)."""
    parts = []
    for item in items:
        value = str(item.public_id)  # a UUID: nothing to escape
        selected = " selected" if value == chosen else ""
        parts.append(f'<option value="{value}"{selected}>{escape(label(item))}</option>')
    return mark_safe("".join(parts))  # every label is escaped above


def filter_bar(ctx: Context, page: str) -> dict[str, Any]:
    f: Filters = ctx.filters
    days = ctx.days
    return {
        "filters": f,
        "page": page,
        "presets": PRESETS.items(),
        "teams": ctx.vis.teams,
        "mailboxes": ctx.vis.mailboxes,
        "team_options": _options(ctx.vis.teams, f.team, lambda t: t.name),
        "mailbox_options": _options(ctx.vis.mailboxes, f.mailbox, lambda m: m.name or m.address),
        "target": ctx.target,
        "range_label": _range_label(days.first, days.last),
        "previous_label": _range_label(days.previous().first, days.previous().last),
        "first": days.first.isoformat(),
        "last": days.last.isoformat(),
        "zone": ctx.zone,
        "query": f.query(),
        "export_query": f.query(),
        "overview_url": reverse("rt-overview", args=[ctx.account.name]),
        # "/a/<account>/c/": rows link to conversations without a reverse() per row.
        "conversation_base": reverse("rt-conversation", args=[ctx.account.name, "x"])[:-2],
    }


def sort_links(ctx: Context, columns: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:
    f = ctx.filters
    current = f.sort or "n"
    return [
        {
            "key": key,
            "label": label,
            "query": f.with_sort(key).query() if f.sort else _first_sort(f, key),
            "active": key == current,
            "dir": f.dir if key == current else "",
        }
        for key, label in columns
    ]


def _first_sort(f: Filters, key: str) -> str:
    # With no sort in the URL the table is by replies, descending: a click on "Replies" flips it.
    if key == "n":
        return f.query(sort="n", dir="asc")
    return f.with_sort(key).query()


def respond(
    request: HttpRequest,
    ctx: Context,
    names: tuple[str, str],
    page: dict[str, Any],
    panel: Callable[[], dict[str, Any]],
    *,
    cache_html: bool = True,
) -> HttpResponse:
    """The whole page, or only its panel when HTMX asks (filters, sorting, paging).

    `names` are the page and panel templates; `page` is the context both share (filter bar),
    `panel()` computes the panel's own figures. A panel without forms or times relative to now
    is cached as rendered HTML (caching.py), which spares both the queries and the rendering.
    """
    template, partial = names

    def render_panel() -> str:
        return render_to_string(partial, {**page, **panel()}, request)

    name = f"html:{partial}"
    html = cached(ctx, name, render_panel) if cache_html else render_panel()
    is_htmx = request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )
    if is_htmx:
        response = HttpResponse(html)
    else:
        # The panel was rendered by our own templates, with autoescaping.
        response = render(request, template, {**page, "panel": mark_safe(html)})
    # The panel and the full page share one URL: caches must keep them apart.
    response["Vary"] = "HX-Request"
    return response
