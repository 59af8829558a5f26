"""Formatting helpers of the dashboard templates."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import template

from replytime.lib.durations import format_duration
from replytime.reports import tables

register = template.Library()

# Heat levels 0..8: CSS classes, because the CSP forbids inline style attributes.
HEAT_LEVELS = 8


@register.filter
def dur(seconds: float | None) -> str:
    return "\u2013" if seconds is None else format_duration(seconds)


@register.filter
def bdur(seconds: float | None) -> str:
    """Business time in hours past a day: "7d 2h" of working time would read as calendar days."""
    return tables.bdur(seconds)


@register.filter
def pct(value: float | None) -> str:
    return "\u2013" if value is None else f"{value * 100:.0f}%"


@register.filter
def local(epoch: int | None, zone: str) -> str:
    """An epoch as `Mon 02 Mar 2026, 10:00` in the account zone."""
    if epoch is None:
        return "\u2013"
    return datetime.fromtimestamp(epoch, ZoneInfo(zone)).strftime("%a %d %b %Y, %H:%M")


@register.filter
def local_iso(epoch: int | None, zone: str) -> str:
    if epoch is None:
        return ""
    return datetime.fromtimestamp(epoch, ZoneInfo(zone)).isoformat()


@register.inclusion_tag("reports/_delta.html")
def delta(figure: dict[str, Any], better: str = "", kind: str = "count") -> dict[str, Any]:
    """The change of a figure against the previous period, coloured by whether it is good.

    `better` is "lower" (times, unanswered), "higher" (share within goal) or empty for volumes,
    whose rise or fall is neither good nor bad in itself.
    """
    change = figure.get("change")
    if change is None:
        return {"show": False, "previous": figure.get("previous"), "kind": kind}
    if abs(change) < 0.005 or better not in ("lower", "higher"):
        tone = "flat"
    elif (change < 0) == (better == "lower"):
        tone = "good"
    else:
        tone = "bad"
    return {
        "show": True,
        "arrow": "▲" if change > 0 else ("▼" if change < 0 else "•"),
        "text": f"{abs(change) * 100:.0f}%",
        "tone": tone,
        "previous": figure.get("previous"),
        "kind": kind,
    }


@register.filter
def heat(value: float | None, top: float | None) -> str:
    """`heat-0` .. `heat-8`: the value's share of the top value, in steps."""
    return _heat(value, top)


def _heat(value: float | None, top: float | None) -> str:
    if not value or not top:
        return "heat-0"
    level = max(1, min(HEAT_LEVELS, round(value / top * HEAT_LEVELS)))
    return f"heat-{level}"


@register.filter
def heatlog(value: float | None, top: float | None) -> str:
    """Like `heat` on a log scale: reply times span minutes to days, and a linear scale would
    paint everything but the slowest hour the same colour."""
    if value is None or not top:
        return "heat-0"
    level = round(math.log1p(value) / math.log1p(top) * HEAT_LEVELS)
    return f"heat-{max(1, min(HEAT_LEVELS, level))}"


@register.simple_tag(takes_context=True)
def board_rows(context: template.Context, rows: list[dict[str, Any]]) -> str:
    """The leaderboard's rows (reports.tables: rendered in Python, hundreds of rows)."""
    return tables.board_rows(rows, context["overview_url"], context["query"])


@register.simple_tag
def customer_rows(rows: list[dict[str, Any]]) -> str:
    return tables.customer_rows(rows)


@register.simple_tag
def heat_rows(heat: dict[str, Any], tone: str) -> str:
    """A heatmap's rows: volume cells by `heat`, median cells by `heatlog`."""
    if tone == "volume":
        return tables.heat_rows(heat["grid"], tone, lambda v: _heat(v, heat["max_volume"]))
    return tables.heat_rows(heat["grid"], tone, lambda v: heatlog(v, heat["max_median"]))


@register.simple_tag(takes_context=True)
def queue_rows(context: template.Context, rows: list[dict[str, Any]]) -> str:
    """The queue's rows, with close buttons for members who may write."""
    zone = context["zone"]
    return tables.queue_rows(
        rows,
        context["conversation_base"],
        lambda t: local(t, zone),
        bool(context.get("rt_can_write")),
    )
