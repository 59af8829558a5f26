"""Customers from the day columns (reports.columnar), equal to the SQL path of customers.py.

A busy account has thousands of customer domains but the page shows the first hundred: when
the table is sorted by a count (replies, first replies, unanswered) or by name, the counts of
every customer pick the rows shown and only those get their statistics computed. Sorted by a
time, every customer's statistics are needed and computed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from replytime.reports.board import sort_rows
from replytime.reports.columnar import days_of, selection_of
from replytime.reports.npstats import grouped_stats
from replytime.reports.queries import Context
from replytime.reports.sqlstats import EMPTY

# Sort columns whose values are counts known without statistics.
_COUNTS = ("name", "n", "first_n", "unanswered")


def rows_from_columns(ctx: Context, closed: list[int], limit: int | None) -> tuple[list, int]:
    """(the sorted rows, the first `limit` of them when given; how many rows there are)."""
    fields = ("facts", "items", "customers")
    data = days_of(ctx, selection_of(ctx.target), ctx.days.first, fields)
    facts = data.facts(business=ctx.business)
    if ctx.business:
        facts = facts.where(~facts.off_hours)
    items = data.items(closed)
    labels: dict[str, int] = {}
    code_of = _codes(ctx, data.names, labels)
    group = code_of[facts.customer] if len(facts.customer) else facts.customer
    waiting = code_of[items.customer] if len(items.customer) else items.customer
    size = len(labels)
    n = np.bincount(group, minlength=size)
    first_n = np.bincount(group[facts.first], minlength=size)
    unanswered = np.bincount(waiting, weights=items.count, minlength=size).astype(np.int64)
    present = np.flatnonzero((n > 0) | (np.bincount(waiting, minlength=size) > 0))
    names = list(labels)
    sort, direction = ctx.filters.sort or "n", ctx.filters.dir
    chosen = present
    if limit is not None and sort in _COUNTS:
        light = [
            {"name": names[c] or "(unknown)", "code": c, "n": int(n[c]),
             "first_n": int(first_n[c]), "unanswered": int(unanswered[c])}
            for c in present.tolist()
        ]  # fmt: skip
        chosen = np.array([r["code"] for r in sort_rows(light, sort, direction)[:limit]])
    keep = np.isin(group, chosen)
    goal = ctx.target.goal
    every = grouped_stats(group[keep], facts.value[keep], goal)
    firsts = keep & facts.first
    first = grouped_stats(group[firsts], facts.value[firsts], goal)
    rows = [_row(names[c], every.get(c, EMPTY), first.get(c, EMPTY), int(unanswered[c]))
            for c in chosen.tolist()]  # fmt: skip
    rows = sort_rows(rows, sort, direction)
    return (rows[:limit] if limit is not None else rows), len(present)


def _codes(ctx: Context, names: list[str], labels: dict[str, int]) -> Any:
    """A code of `labels` for each customer address: its domain (customer_expr: the part after
    the first "@", all of it without one) or, by contact, the address itself."""
    by_contact = ctx.filters.by == "contact"
    named = (n if by_contact else n[n.find("@") + 1 :] for n in names)
    return np.array([labels.setdefault(n, len(labels)) for n in named], dtype=np.int64)


def _row(name: str, s: Any, f: Any, unanswered: int) -> dict[str, Any]:
    return {
        "name": name or "(unknown)", "key": name or "", "n": s["n"], "median": s["median"],
        "p90": s["p90"], "mean": s["mean"], "within_goal": s["within_goal"],
        "first_median": f["median"], "first_n": f["n"], "unanswered": unanswered,
    }  # fmt: skip
