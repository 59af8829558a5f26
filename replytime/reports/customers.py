"""Customers: reply-time figures by external domain or by contact.

The customer of a fact is its conversation's latest external sender
(Conversation.last_external_address), reached through the fact's conversation key (a primary
key join, no scan of records). For the common conversation with one customer this is exactly
the sender of the first pending message; a conversation with several external senders is
credited to the latest. (An exact per-fact customer needs a column written by the metrics
engine; see docs/dashboards.md.)
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Sum, Value
from django.db.models.expressions import Expression
from django.db.models.functions import Concat, StrIndex, Substr

from replytime.reports.board import sort_rows
from replytime.reports.queries import Context, clock_filter, facts, open_items, value_columns
from replytime.reports.sqlstats import EMPTY, grouped_stats

COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "Customer"),
    ("median", "Median"),
    ("p90", "p90"),
    ("mean", "Mean"),
    ("n", "Replies"),
    ("within_goal", "Within goal"),
    ("first_median", "First reply median"),
    ("first_n", "First replies"),
    ("unanswered", "Unanswered"),
)
SHOWN = 100


def customer_expr(by: str, prefix: str = "conversation__") -> Expression:
    address = F(f"{prefix}last_external_address")
    if by == "contact":
        return address
    return Substr(address, StrIndex(address, Value("@")) + 1)


def customers(ctx: Context) -> list[dict[str, Any]]:
    """Rows per customer (domain or contact), sorted as the filters ask (default: most replies).

    Every fact and the first replies are stacked in one window query, told apart by a one-letter
    prefix on the group ("e" every reply, "f" first replies).
    """
    g = customer_expr(ctx.filters.by)
    base = clock_filter(ctx, facts(ctx, ctx.period))
    columns = value_columns(ctx, ctx.target.goal)
    every = base.values(g=Concat(Value("e"), g), **columns)
    first = base.filter(first_reply=True).values(g=Concat(Value("f"), g), **columns)
    stats = grouped_stats(*every.union(first, all=True).query.sql_with_params(), text=True)
    by_name: dict[str, dict[str, Any]] = {"e": {}, "f": {}}
    for key, value in stats.items():
        by_name[str(key)[:1]][str(key)[1:]] = value
    unanswered = {
        r["g"] or "": r["t"] or 0
        for r in open_items(ctx, ctx.period).values(g=g).annotate(t=Sum("count"))
    }
    every_stats, first_stats = by_name["e"], by_name["f"]
    rows = []
    for name in set(every_stats) | set(unanswered):
        s = every_stats.get(name, EMPTY)
        f = first_stats.get(name, EMPTY)
        rows.append(
            {
                "name": name or "(unknown)",
                "key": name or "",
                "n": s["n"],
                "median": s["median"],
                "p90": s["p90"],
                "mean": s["mean"],
                "within_goal": s["within_goal"],
                "first_median": f["median"],
                "first_n": f["n"],
                "unanswered": unanswered.get(name, 0),
            }
        )
    return sort_rows(rows, ctx.filters.sort or "n", ctx.filters.dir)
