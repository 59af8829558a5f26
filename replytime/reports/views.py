"""Dashboard pages. Each view: access check (account_view) -> context -> figures -> render."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from replytime.reports import board as board_q
from replytime.reports import customers as customers_q
from replytime.reports.caching import cached
from replytime.reports.heatmap import heatmap
from replytime.reports.overview import overview as overview_q
from replytime.reports.overview import with_ages
from replytime.reports.pages import context_for, filter_bar, respond, sort_links
from replytime.reports.queue import close_conversation, queue, reopen_conversation
from replytime.reports.timeline import timeline, visible_conversation
from replytime.reports.trend import granularity
from replytime.reports.trend import trend as trend_q
from replytime.tenancy.access import account_view
from replytime.tenancy.audit import audit
from replytime.tenancy.models import Role


def _chart(rows: list[dict[str, Any]], business: bool) -> str:
    """Chart data for static/reports/reports.js, as JSON for a data-rt-values attribute.

    Not a <script type="application/json"> element: HTMX (allowScriptTags off, for the CSP)
    drops script elements from swapped panels, so the data rides on the canvas instead.
    """
    values = {
        "labels": [r["label"] for r in rows],
        "median": [r["median"] for r in rows],
        "p90": [r["p90"] for r in rows],
        "received": [r["received"] for r in rows],
        "replies": [r["n"] for r in rows],
        "clock": "business" if business else "calendar",
    }
    return json.dumps(values, separators=(",", ":"))


@account_view(Role.VIEWER)
@require_GET
def overview(request: HttpRequest, account: str) -> HttpResponse:
    ctx = context_for(request)

    def panel() -> dict[str, Any]:
        series = cached(ctx, "trend", lambda: trend_q(ctx))
        return {
            "o": with_ages(ctx, cached(ctx, "overview", lambda: overview_q(ctx))),
            "chart": _chart(series["rows"], ctx.business),
            "unit": series["unit"],
        }

    # The unanswered card shows ages relative to now: figures are cached, the HTML is not.
    names = ("reports/overview.html", "reports/_overview.html")
    return respond(request, ctx, names, filter_bar(ctx, "rt-overview"), panel, cache_html=False)


@account_view(Role.VIEWER)
@require_GET
def trend(request: HttpRequest, account: str) -> HttpResponse:
    ctx = context_for(request)

    def panel() -> dict[str, Any]:
        series = cached(ctx, "trend", lambda: trend_q(ctx))
        chart = _chart(series["rows"], ctx.business)
        return {"rows": series["rows"], "unit": series["unit"], "chart": chart}

    page = {**filter_bar(ctx, "rt-trend"), "unit": granularity(ctx)}
    return respond(request, ctx, ("reports/trend.html", "reports/_trend.html"), page, panel)


@account_view(Role.VIEWER)
@require_GET
def leaderboard(request: HttpRequest, account: str) -> HttpResponse:
    ctx = context_for(request)

    def panel() -> dict[str, Any]:
        rows = board_q.leaderboard(ctx)
        return {
            "mailbox_rows": [r for r in rows if r["kind"] == "mailbox"],
            "team_rows": [r for r in rows if r["kind"] == "team"],
            "columns": sort_links(ctx, board_q.COLUMNS),
        }

    names = ("reports/leaderboard.html", "reports/_leaderboard.html")
    return respond(request, ctx, names, filter_bar(ctx, "rt-leaderboard"), panel)


@account_view(Role.VIEWER)
@require_GET
def awaiting(request: HttpRequest, account: str) -> HttpResponse:
    ctx = context_for(request)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1

    def panel() -> dict[str, Any]:
        result = queue(ctx, page=page)
        pages = result["pages"]
        return {
            **result,
            "prev_query": ctx.filters.query(page=str(page - 1)) if page > 1 else "",
            "next_query": ctx.filters.query(page=str(page + 1)) if page < pages else "",
        }

    # Rows carry close buttons (CSRF tokens) and ages: the rows are cached, the HTML is not.
    names = ("reports/awaiting.html", "reports/_awaiting.html")
    return respond(request, ctx, names, filter_bar(ctx, "rt-awaiting"), panel, cache_html=False)


@account_view(Role.VIEWER)
@require_GET
def customers(request: HttpRequest, account: str) -> HttpResponse:
    ctx = context_for(request)

    def panel() -> dict[str, Any]:
        rows, total = customers_q.shown(ctx)
        return {
            "rows": rows,
            "total": total,
            "shown": len(rows),
            "columns": sort_links(ctx, customers_q.COLUMNS),
        }

    names = ("reports/customers.html", "reports/_customers.html")
    return respond(request, ctx, names, filter_bar(ctx, "rt-customers"), panel)


@account_view(Role.VIEWER)
@require_GET
def when(request: HttpRequest, account: str) -> HttpResponse:
    ctx = context_for(request)

    def panel() -> dict[str, Any]:
        return {"heat": heatmap(ctx), "hours": range(24)}

    names = ("reports/when.html", "reports/_when.html")
    return respond(request, ctx, names, filter_bar(ctx, "rt-when"), panel)


@account_view(Role.VIEWER)
@require_GET
def conversation(request: HttpRequest, account: str, key: str) -> HttpResponse:
    ctx = context_for(request)
    conv = visible_conversation(ctx, key)
    page = {**filter_bar(ctx, "rt-conversation"), **timeline(ctx, conv)}
    names = ("reports/conversation.html", "reports/conversation.html")
    return respond(request, ctx, names, page, dict, cache_html=False)


@account_view(Role.AGENT, write=True)
@require_POST
def close(request: HttpRequest, account: str, key: str) -> HttpResponse:
    """Close (or, with action=reopen, reopen) a conversation; back to where the form was."""
    ctx = context_for(request)
    conv = visible_conversation(ctx, key)
    if request.POST.get("action") == "reopen":
        reopen_conversation(ctx.account, conv)
        audit(request, "conversation.reopen", conversation=conv.key)
        messages.success(request, "Conversation reopened.")
    else:
        close_conversation(ctx.account, conv, by=request.user.get_username())
        audit(request, "conversation.close", conversation=conv.key)
        messages.success(request, "Conversation closed. It comes back if a new message arrives.")
    if request.headers.get("HX-Request") == "true":
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    back = request.POST.get("next", "")
    if back.startswith(f"/a/{account}/") and "//" not in back:
        return redirect(back)
    return redirect("rt-awaiting", account)
