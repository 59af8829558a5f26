"""CSV and XLSX exports of every dashboard table, with the same filters as the page.

Durations are exported in seconds (numbers a spreadsheet can compute with), shares as
fractions, times as ISO 8601 in the account zone. Every export is written to the audit trail.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from replytime.reports import board, customers
from replytime.reports.heatmap import heatmap
from replytime.reports.overview import overview, with_ages
from replytime.reports.pages import context_for
from replytime.reports.queries import Context
from replytime.reports.queue import queue
from replytime.reports.timeline import timeline, visible_conversation
from replytime.reports.trend import trend
from replytime.tenancy.access import account_view
from replytime.tenancy.audit import audit
from replytime.tenancy.models import Role

Table = tuple[list[str], Iterable[Sequence[Any]]]
# The longest export of the queue (rows); past that, narrow the filters.
MAX_QUEUE_ROWS = 50_000

STAT_HEADER = ["n", "median_seconds", "p90_seconds", "mean_seconds", "within_goal"]


def _iso(t: int | None, zone: str) -> str:
    return "" if t is None else datetime.fromtimestamp(t, ZoneInfo(zone)).isoformat()


def _overview(ctx: Context, request: HttpRequest) -> Table:
    o = with_ages(ctx, overview(ctx))
    rows: list[list[Any]] = []
    for name in ("reply_time", "first_reply_time"):
        for key, figure in o[name].items():
            rows.append([f"{name}.{key}", figure["value"], figure["previous"], figure["change"]])
    for key, figure in o["volume"].items():
        rows.append([f"volume.{key}", figure["value"], figure["previous"], figure["change"]])
    u = o["unanswered"]
    rows.append(["unanswered", u["value"], u["previous"], u["change"]])
    rows.append(["oldest_unanswered_age_seconds", o["oldest_age"], "", ""])
    rows.append(["oldest_unanswered_business_seconds", o["oldest_business"], "", ""])
    return ["figure", "value", "previous_period", "change"], rows


def _trend(ctx: Context, request: HttpRequest) -> Table:
    t = trend(ctx)
    header = [
        t["unit"],
        "replies",
        "median_seconds",
        "p90_seconds",
        "within_goal",
        "received",
        "sent",
    ]
    rows = [
        [
            r["start"].isoformat(),
            r["n"],
            r["median"],
            r["p90"],
            r["within_goal"],
            r["received"],
            r["sent"],
        ]
        for r in t["rows"]
    ]
    return header, rows


_BOARD = (
    "n",
    "median",
    "p90",
    "mean",
    "within_goal",
    "first_median",
    "received",
    "sent",
    "unanswered",
)


def _leaderboard(ctx: Context, request: HttpRequest) -> Table:
    header = ["kind", "name", "address", "replies", "median_seconds", "p90_seconds", "mean_seconds",
              "within_goal", "first_reply_median_seconds", "received", "sent", "unanswered"]  # fmt: skip
    rows = [
        [r["kind"], r["name"], r["address"], *(r[k] for k in _BOARD)]
        for r in board.leaderboard(ctx)
    ]
    return header, rows


def _awaiting(ctx: Context, request: HttpRequest) -> Table:
    result = queue(ctx, limit=MAX_QUEUE_ROWS)
    header = ["conversation", "subject", "customer", "domain", "waiting_on", "messages_waiting",
              "waiting_since", "age_seconds", "business_age_seconds"]  # fmt: skip
    rows = [
        [
            r["key"],
            r["subject"],
            r["customer"],
            r["domain"],
            r["owner"],
            r["count"],
            _iso(r["start"], ctx.zone),
            r["age"],
            r["business_age"],
        ]
        for r in result["rows"]
    ]
    return header, rows


def _customers(ctx: Context, request: HttpRequest) -> Table:
    keys = (
        "n",
        "median",
        "p90",
        "mean",
        "within_goal",
        "first_median",
        "first_n",
        "unanswered",
    )
    header = [ctx.filters.by, "replies", "median_seconds", "p90_seconds", "mean_seconds", "within_goal",
              "first_reply_median_seconds", "first_replies", "unanswered"]  # fmt: skip
    return header, [[r["key"], *(r[k] for k in keys)] for r in customers.customers(ctx)]


def _when(ctx: Context, request: HttpRequest) -> Table:
    h = heatmap(ctx)
    rows = [
        [day["day"], c["hour"], c["volume"], c["n"], c["median"]]
        for day in h["grid"]
        for c in day["cells"]
    ]
    return ["weekday", "hour", "inbound_messages", "replies", "median_seconds"], rows


def _conversation(ctx: Context, request: HttpRequest) -> Table:
    conv = visible_conversation(ctx, request.GET.get("key", ""))
    t = timeline(ctx, conv)
    rows = []
    for m in t["entries"]:
        reply = next(iter(m["replies"]), None)
        rows.append([
            _iso(m["time"], ctx.zone), m["direction"], m["from"], " ".join(m["to"]), " ".join(m["cc"]),
            "; ".join(m["mailboxes"]), reply["calendar"] if reply else "",
            (reply["business"] if reply and reply["business"] is not None else ""),
        ])  # fmt: skip
    header = [
        "time",
        "direction",
        "from",
        "to",
        "cc",
        "mailboxes",
        "reply_seconds",
        "reply_business_seconds",
    ]
    return header, rows


TABLES: dict[str, Callable[[Context, HttpRequest], Table]] = {
    "overview": _overview,
    "trend": _trend,
    "leaderboard": _leaderboard,
    "awaiting": _awaiting,
    "customers": _customers,
    "when": _when,
    "conversation": _conversation,
}


def _cell(value: Any) -> Any:
    return "" if value is None else value


def _csv(name: str, header: list[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe(_cell(v)) for v in row])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _safe(value: Any) -> Any:
    # Spreadsheet formula injection: a cell from mail headers must never start a formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _xlsx(name: str, header: list[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(name[:31])
    sheet.append(header)
    for row in rows:
        sheet.append([_safe(_cell(v)) for v in row])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@account_view(Role.VIEWER)
@require_GET
def export(request: HttpRequest, account: str, table: str) -> HttpResponse:
    """`/a/<account>/export/<table>/?format=csv|xlsx&<filters>`: one dashboard table."""
    build = TABLES.get(table)
    fmt = request.GET.get("format", "csv")
    if build is None or fmt not in ("csv", "xlsx"):
        raise Http404("No such export")
    ctx = context_for(request)
    header, rows = build(ctx, request)
    rows = list(rows)
    audit(request, "export", table=table, format=fmt, rows=len(rows), query=ctx.filters.query())
    name = f"replytime-{account}-{table}-{ctx.days.first}-{ctx.days.last}"
    return (_xlsx if fmt == "xlsx" else _csv)(name, header, rows)
