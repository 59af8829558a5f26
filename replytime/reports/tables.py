"""The rows of the dashboards' large tables, rendered in Python.

A leaderboard has a row per mailbox and team (hundreds), a heatmap 336 cells, Customers a
hundred rows: through the template engine each cell costs tens of microseconds (variable
lookups, filters, autoescaping), which made rendering the largest part of a page's time.
These functions produce the same markup with every value escaped (`escape`), and the
templates keep the rest of each page (`rt_reports` tags `board_rows`, `customer_rows`,
`heat_rows`, `queue_rows`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from replytime.lib.durations import format_duration

_DASH = "\u2013"


def dur(seconds: float | None) -> str:
    return _DASH if seconds is None else format_duration(seconds)


def pct(value: float | None) -> str:
    return _DASH if value is None else f"{value * 100:.0f}%"


def _cells(row: dict[str, Any], columns: Iterable[tuple[str, Callable[[Any], str]]]) -> str:
    parts = []
    for i, (key, show) in enumerate(columns):
        value = row[key]
        css = "num rtd-strong" if i == 0 else "num"
        if key == "unanswered" and value:
            css += " rtd-warn"
        # Numbers, durations and shares: digits, letters, spaces, "%" and a dash only.
        parts.append(f'<td class="{css}">{show(value)}</td>')
    return "".join(parts)


_BOARD = (
    ("median", dur), ("p90", dur), ("mean", dur), ("n", str), ("within_goal", pct),
    ("first_median", dur), ("received", str), ("sent", str), ("unanswered", str),
)  # fmt: skip
_CUSTOMERS = (
    ("median", dur), ("p90", dur), ("mean", dur), ("n", str), ("within_goal", pct),
    ("first_median", dur), ("first_n", str), ("unanswered", str),
)  # fmt: skip


def board_rows(rows: list[dict[str, Any]], overview_url: str, query: str) -> SafeString:
    """<tr>s of the leaderboard (reports/_board_table.html)."""
    base = escape(f"{overview_url}?{query}")
    out = []
    for r in rows:
        kind = "team" if r["kind"] == "team" else "mailbox"
        href = f"{base}&amp;{kind}={escape(r['public_id'])}"
        name = f'<a href="{href}" class="rtd-name">{escape(r["name"])}</a>'
        if r["address"] and r["address"] != r["name"]:
            name += f'<span class="rtd-muted rtd-addr">{escape(r["address"])}</span>'
        out.append(f'<tr><th scope="row">{name}</th>{_cells(r, _BOARD)}</tr>')
    return mark_safe("\n".join(out))  # every value is escaped above


def customer_rows(rows: list[dict[str, Any]]) -> SafeString:
    """<tr>s of the Customers table (reports/_customers.html)."""
    out = [
        f'<tr><th scope="row">{escape(r["name"])}</th>{_cells(r, _CUSTOMERS)}</tr>' for r in rows
    ]
    return mark_safe("\n".join(out))  # every value is escaped above


def heat_rows(grid: list[dict[str, Any]], tone: str, level: Callable[[Any], str]) -> SafeString:
    """<tr>s of a weekday x hour heatmap (reports/_heat.html); `level` gives a cell's class."""
    out = []
    for day in grid:
        cells = []
        for c in day["cells"]:
            when = f"{day['day']} {c['hour']:02d}:00"
            if tone == "volume":
                title, shown = f"{when} · {c['volume']} received", c["volume"] or None
                css = level(c["volume"])
            else:
                title = f"{when} · median {dur(c['median'])} ({c['n']} replies)"
                css = level(c["median"])
                shown = None if c["median"] is None else dur(c["median"])
            inner = "" if shown is None else f'<span class="rtd-sr">{escape(shown)}</span>'
            cells.append(f'<td class="{css}" title="{escape(title)}">{inner}</td>')
        out.append(f'<tr><th scope="row">{escape(day["day"])}</th>{"".join(cells)}</tr>')
    return mark_safe("\n".join(out))  # every value is escaped above


def queue_rows(
    rows: list[dict[str, Any]], base: str, local: Callable[[int], str], can_write: bool
) -> SafeString:
    """<tr>s of the Awaiting reply queue (reports/_awaiting.html); `base` is the conversation
    URL prefix, `local` formats a start time in the account zone."""
    out = []
    for r in rows:
        href = escape(f"{base}{r['key']}/")
        subject = Truncator(r["subject"] or "(no subject)").chars(90)
        domain = (
            f'<span class="rtd-muted rtd-addr">{escape(r["domain"])}</span>' if r["domain"] else ""
        )
        cells = [
            f'<th scope="row"><a class="rtd-name" href="{href}">{escape(subject)}</a>'
            f'<span class="rtd-muted rtd-addr">since {escape(local(r["start"]))}</span></th>',
            f'<td data-label="Customer">{escape(r["customer"] or _DASH)}{domain}</td>',
            f'<td data-label="Waiting on">{escape(r["owner"])}</td>',
            f'<td class="num rtd-strong" data-label="Waiting">{dur(r["age"])}</td>',
            f'<td class="num" data-label="Business time">{bdur(r["business_age"])}</td>',
            f'<td class="num" data-label="Messages">{r["count"]}</td>',
        ]
        if can_write:
            label = escape(f"Close conversation {Truncator(r['subject']).chars(40)}")
            cells.append(
                f'<td class="rtd-actions"><button type="submit" formaction="{href}close/" '
                f'class="rtd-btn rtd-btn-small" aria-label="{label}">Close</button></td>'
            )
        out.append(f"<tr>{''.join(cells)}</tr>")
    return mark_safe("\n".join(out))  # every value is escaped above


def bdur(seconds: float | None) -> str:
    """Business time in hours past a day: "7d 2h" of working time would read as calendar days."""
    if seconds is None:
        return _DASH
    if seconds < 86400:
        return format_duration(seconds)
    return f"{round(seconds / 3600)}h"
