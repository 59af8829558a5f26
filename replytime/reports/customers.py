"""Customers: reply-time figures by external domain or by contact.

The customer of a fact is its conversation's latest external sender
(Conversation.last_external_address), reached through the fact's conversation key (a primary
key join, no scan of records). For the common conversation with one customer this is exactly
the sender of the first pending message; a conversation with several external senders is
credited to the latest. (An exact per-fact customer needs a column written by the metrics
engine; see docs/dashboards.md.)

The figures come from the engine's day columns (customers_columns.py) when they are complete,
otherwise from the facts tables (below); both give the same rows.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Sum, Value
from django.db.models.expressions import Expression
from django.db.models.functions import Concat, StrIndex, Substr

from replytime.reports.board import sort_rows
from replytime.reports.customers_columns import rows_from_columns
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
    """Rows per customer (domain or contact), sorted as the filters ask (default: most replies)."""
    return shown(ctx, None)[0]


def shown(ctx: Context, limit: int | None = SHOWN) -> tuple[list[dict[str, Any]], int]:
    """The first `limit` rows (all when None) as `customers` sorts them, and how many there are."""
    if ctx.columnar and ctx.closed_ids is not None:
        return rows_from_columns(ctx, ctx.closed_ids, limit)
    rows = _rows_sql(ctx)
    return (rows[:limit] if limit is not None else rows), len(rows)


def _rows_sql(ctx: Context) -> list[dict[str, Any]]:
    """Every fact and the first replies are stacked in one window query, told apart by a
    one-letter prefix on the group ("e" every reply, "f" first replies)."""
    every_stats, first_stats = _from_sql(ctx)
    g = customer_expr(ctx.filters.by)
    items = open_items(ctx, ctx.period).values(g=g).annotate(t=Sum("count"))
    unanswered = {r["g"] or "": r["t"] or 0 for r in items}
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


def _from_sql(ctx: Context) -> tuple[dict[str, Any], dict[str, Any]]:
    """(every, first) stats per customer from the facts tables, in one window query."""
    g = customer_expr(ctx.filters.by)
    base = clock_filter(ctx, facts(ctx, ctx.period))
    columns = value_columns(ctx, ctx.target.goal)
    every = base.values(g=Concat(Value("e"), g), **columns)
    first = base.filter(first_reply=True).values(g=Concat(Value("f"), g), **columns)
    stats = grouped_stats(*every.union(first, all=True).query.sql_with_params(), text=True)
    by_name: dict[str, dict[str, Any]] = {"e": {}, "f": {}}
    for key, value in stats.items():
        by_name[str(key)[:1]][str(key)[1:]] = value
    return by_name["e"], by_name["f"]
