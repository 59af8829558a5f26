"""Reading a period's facts, volumes and unanswered items from the engine's day columns.

`metrics.columns` keeps each scope kind's reply facts, volumes and unanswered items per local
day of the account zone as packed arrays. A dashboard reads the rows of its days in one query
per scope kind (`Days`, only the fields it needs), keeps the owners in view, and computes exact
statistics with numpy (npstats). The figures equal those computed from the facts tables (the
tests compare both, and both with build_report). When the rows are not complete for the
account's zone (`Context.columnar` false) the pages use the SQL path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import psycopg
from django.db import connection

from replytime.metrics.columns import (
    FACT_COLUMNS,
    FIRST_REPLY,
    HOURLY_COLUMNS,
    ITEM_COLUMNS,
    OFF_HOURS,
    VOLUME_COLUMNS,
    unpack_many,
)
from replytime.metrics.models import DayColumns, Scope
from replytime.reports.scoping import ACCOUNT, MAILBOX, TEAM, Target
from replytime.reports.zones import day_number
from replytime.tenancy.access import for_account
from replytime.tenancy.models import Account

if TYPE_CHECKING:
    from replytime.reports.queries import Context

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

_WIDTH = {
    "facts": len(FACT_COLUMNS),
    "volumes": len(VOLUME_COLUMNS),
    "hourly": len(HOURLY_COLUMNS),
    "items": len(ITEM_COLUMNS),
}


@dataclass(frozen=True)
class Selection:
    """Which rows to read: a scope kind and its owners in view (None: every owner)."""

    scope: str
    owners: tuple[int, ...] | None = None


def selection_of(target: Target) -> Selection:
    """The scope kind and owners of a dashboard target (scoping.Target.facts)."""
    if target.kind == ACCOUNT:
        return Selection(Scope.ACCOUNT)
    if target.kind == TEAM:
        assert target.team is not None
        return Selection(Scope.TEAM, (target.team.pk,))
    if target.kind == MAILBOX:
        assert target.mailbox is not None
        return Selection(Scope.MAILBOX, (target.mailbox.pk,))
    return Selection(Scope.MAILBOX, target.mailbox_ids)


@dataclass
class Facts:
    """Reply facts of a selection and days, one array entry per fact."""

    day: Ints
    hour: Ints
    owner: Ints
    value: Ints  # seconds of the chosen clock
    off_hours: Bools
    first: Bools
    customer: Ints  # index into Days.names (when customers were read)

    def where(self, mask: Bools) -> Facts:
        return Facts(
            self.day[mask], self.hour[mask], self.owner[mask], self.value[mask],
            self.off_hours[mask], self.first[mask],
            self.customer[mask] if len(self.customer) else self.customer,
        )  # fmt: skip


@dataclass
class Volumes:
    """Received, eligible and sent messages per (local day, owner)."""

    day: Ints
    owner: Ints
    received: Ints
    eligible: Ints
    sent: Ints


@dataclass
class Items:
    """Open unanswered items (closed conversations left out)."""

    day: Ints
    start: Ints
    owner: Ints
    count: Ints
    customer: Ints  # index into Days.names (when customers were read)


class Days:
    """The rows of one selection from local day `first` to `last`, read in one query.

    `fields` are the packed DayColumns fields the caller uses ("facts", "volumes", "hourly",
    "items"), and "customers" to name the customers of facts and items.
    """

    def __init__(
        self, account: Account, sel: Selection, first: date, last: date, fields: tuple[str, ...]
    ) -> None:
        self.sel = sel
        rows = _fetch(account, sel.scope, day_number(first), day_number(last), fields)
        days = np.array([r[0] for r in rows], dtype=np.int64)
        self._m: dict[str, list[Ints]] = {}
        self._days: dict[str, Ints] = {}
        self._row: dict[str, Ints] = {}
        for k, name in enumerate(fields, start=1):
            if name in _WIDTH:
                self._m[name], self._row[name] = unpack_many([r[k] for r in rows], _WIDTH[name])
                self._days[name] = days[self._row[name]]
        self.names: list[str] = []
        self._customer: dict[str, Ints] = {}
        if "customers" in fields:
            self._index_customers([r[fields.index("customers") + 1] for r in rows])

    def _column(self, field: str, columns: tuple[str, ...], name: str) -> Ints:
        return self._m[field][columns.index(name)]

    def _index_customers(self, lists: list[str]) -> None:
        """Day-local customer indexes turned into indexes of one list, `names`."""
        index: dict[str, int] = {}
        maps = [
            np.array([index.setdefault(n, len(index)) for n in json.loads(text)], dtype=np.int64)
            for text in lists
        ]
        self.names = list(index)
        flat = np.concatenate(maps) if maps else np.zeros(0, dtype=np.int64)
        offsets = np.cumsum([0, *(len(m) for m in maps)])[:-1].astype(np.int64)
        for field, columns in (("facts", FACT_COLUMNS), ("items", ITEM_COLUMNS)):
            if field in self._m:
                local = self._column(field, columns, "customer")
                at = offsets[self._row[field]] + local
                self._customer[field] = flat[at] if len(local) else local

    def _owners(self, owner: Ints) -> Bools | None:
        if self.sel.owners is None:
            return None
        return np.isin(owner, np.array(self.sel.owners, dtype=np.int64))

    def facts(self, *, business: bool) -> Facts:
        """The facts, with the business or the calendar seconds as `value`."""

        def col(name: str) -> Ints:
            return self._column("facts", FACT_COLUMNS, name)

        flags = col("flags")
        facts = Facts(
            self._days["facts"], col("hour"), col("owner"),
            col("business" if business else "calendar"), (flags & OFF_HOURS) != 0,
            (flags & FIRST_REPLY) != 0, self._customer.get("facts", np.zeros(0, dtype=np.int64)),
        )  # fmt: skip
        mask = self._owners(facts.owner)
        return facts if mask is None else facts.where(mask)

    def volumes(self) -> Volumes:
        owner, received, eligible, sent = self._m["volumes"]
        v = Volumes(self._days["volumes"], owner, received, eligible, sent)
        mask = self._owners(v.owner)
        if mask is None:
            return v
        return Volumes(v.day[mask], v.owner[mask], v.received[mask], v.eligible[mask], v.sent[mask])

    def hourly(self) -> tuple[Ints, Ints]:
        """(weekday * 24 + local hour, received) per entry of the inbound mail."""
        owner, hour, received = self._m["hourly"]
        cells = weekday(self._days["hourly"]) * 24 + hour
        mask = self._owners(owner)
        return (cells, received) if mask is None else (cells[mask], received[mask])

    def items(self, closed: list[int]) -> Items:
        """The unanswered items whose conversation is not among the `closed` ids."""
        start, owner, count, conversation, _ = self._m["items"]
        keep = np.isin(conversation, np.array(closed, dtype=np.int64), invert=True)
        mask = self._owners(owner)
        if mask is not None:
            keep &= mask
        customer = self._customer.get("items", np.zeros(0, dtype=np.int64))
        return Items(
            self._days["items"][keep], start[keep], owner[keep], count[keep],
            customer[keep] if len(customer) else customer,
        )  # fmt: skip


def _fetch(
    account: Account, scope: str, first: int, last: int, fields: tuple[str, ...]
) -> list[tuple]:
    """(day, *fields) of the rows from day `first` to `last`, in day order.

    On PostgreSQL the packed fields come in binary: as text, bytea travels hex-encoded (twice
    the bytes, then decoded), a third of the time of a year's rows.
    """
    q = for_account(account, DayColumns).filter(scope=scope, day__gte=first, day__lte=last)
    q = q.order_by("day").values_list("day", *fields)
    if connection.vendor != "postgresql":
        return list(q)
    sql, params = q.query.sql_with_params()
    connection.ensure_connection()
    # Django's connections default to client-side cursors, which cannot read binary; not
    # prepared, as Django's own statements are not (poolers such as PgBouncer need that).
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, binary=True, prepare=False)
        return cursor.fetchall()


def days_of(ctx: Context, sel: Selection, first: date, fields: tuple[str, ...]) -> Days:
    """The rows of `sel` from `first` to the last day of the context's range, read once per
    request (pages ask for the same data from several figure functions)."""
    key = (sel, first, fields)
    if key not in ctx.loaded:
        ctx.loaded[key] = Days(ctx.account, sel, first, ctx.days.last, fields)
    return ctx.loaded[key]  # type: ignore[no-any-return]


def sums_by(keys: Ints, *counts: Ints) -> dict[int, tuple[int, ...]]:
    """{key: (sum of each of `counts`)} over the distinct keys."""
    distinct, inverse = np.unique(keys, return_inverse=True)
    totals = [np.bincount(inverse, weights=c, minlength=len(distinct)) for c in counts]
    columns = [t.astype(np.int64).tolist() for t in totals]
    return {k: tuple(c[i] for c in columns) for i, k in enumerate(distinct.tolist())}


def weekday(day: Ints) -> Ints:
    """Monday 0 of local day numbers (day 0, 1970-01-01, was a Thursday)."""
    return (day + 3) % 7


def week(day: Ints) -> Ints:
    """Monday-based week numbers (zones.local_week) of local day numbers."""
    return (day + 3) // 7
