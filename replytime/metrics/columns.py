"""The column store of the dashboards: each scope kind's facts and volumes per local day.

A dashboard over a year would otherwise scan and sort hundreds of thousands of fact rows per
request. Instead, the metrics engine keeps one `DayColumns` row per (account, scope kind,
local day of the account zone) holding that day's reply facts as packed integer arrays (local
hour, owner, calendar and business seconds, flags, customer) and its volumes summed per owner
(and per owner and hour for the heatmap). A page reads one row per day and computes exact
statistics with numpy (reports.npstats): nothing is approximated, the rows only store the
facts more compactly.

The rows are rebuilt from the database: every row of the account after a full rebuild or a
schedule change (`rebuild_all`), and only the days whose facts or activity changed after an
incremental update (`refresh_days`), so an incremental update gives exactly the rows of a
full rebuild. `ColumnState` marks the rows complete for one zone: until they are (an account
upgraded from before the store, or whose zone changed since), the dashboards compute from the
facts tables, and the next metrics update builds the rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection
from django.db.models import Max, Min

from replytime.conversations.models import Conversation
from replytime.metrics.localtime import DAY, local_seconds
from replytime.metrics.models import (
    Activity,
    ColumnState,
    DayColumns,
    ReplyFact,
    Scope,
    UnansweredItem,
)
from replytime.metrics.periods import local_midnight
from replytime.tenancy.access import for_account
from replytime.tenancy.models import Account

Ints = npt.NDArray[np.int64]
OFF_HOURS, FIRST_REPLY = 1, 2
_EPOCH = date(1970, 1, 1)
# Days read from the facts tables per query while building.
_BLOCK_DAYS = 31
_DTYPES = {b"b": "i1", b"h": "<i2", b"i": "<i4", b"q": "<i8"}


# The columns of each packed field of DayColumns, in order.
FACT_COLUMNS = ("hour", "owner", "calendar", "business", "flags", "customer")
VOLUME_COLUMNS = ("owner", "received", "eligible", "sent")
HOURLY_COLUMNS = ("owner", "hour", "received")
ITEM_COLUMNS = ("start", "owner", "count", "conversation", "customer")


def _code(array: Ints) -> bytes:
    """The letter of the narrowest dtype that holds every value of the array."""
    if len(array) == 0:
        return b"b"
    low, high = int(array.min()), int(array.max())
    for code, dtype in _DTYPES.items():
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return code
    raise ValueError("value out of the 64-bit range")


def _record(codes: bytes) -> np.dtype:
    """The packed record of one entry: a field per column, of the column's dtype."""
    return np.dtype([(f"c{i}", _DTYPES[codes[i : i + 1]]) for i in range(len(codes))])


def pack(*columns: Iterable[int] | Ints) -> bytes:
    """Equal-length integer columns as bytes: a dtype letter per column (the narrowest that
    holds the column), then one packed record per entry.

    Rows of a period whose columns have the same dtypes are read back with one numpy call per
    field (`unpack_many`), however many days they are.
    """
    arrays = [np.asarray(c, dtype=np.int64) for c in columns]
    codes = b"".join(_code(a) for a in arrays)
    records = np.empty(len(arrays[0]), dtype=_record(codes))
    for i, array in enumerate(arrays):
        records[f"c{i}"] = array
    return codes + records.tobytes()


def unpack(blob: bytes | memoryview, width: int = 1) -> list[Ints]:
    """The `width` int64 columns `pack` stored."""
    return unpack_many([blob], width)[0]


def unpack_many(blobs: list[bytes | memoryview], width: int) -> tuple[list[Ints], Ints]:
    """The `width` columns of many `pack` blobs (int64), and the blob of every entry.

    Blobs of the same dtypes are joined and converted at once (one numpy call per column and
    kind of blob, not per blob): a year of days is hundreds of blobs per field. Entries come
    grouped by kind, each group in blob order; `blob[i]` says where entry i came from.
    """
    views = [memoryview(b) for b in blobs]
    kinds = [bytes(v[:width]) for v in views]
    groups: dict[bytes, list[int]] = {}
    for i, kind in enumerate(kinds):
        groups.setdefault(kind, []).append(i)
    sizes = {kind: _record(kind) for kind in groups}
    total = sum((len(v) - width) // sizes[k].itemsize for v, k in zip(views, kinds, strict=True))
    out = [np.empty(total, dtype=np.int64) for _ in range(width)]
    origin = np.empty(total, dtype=np.int64)
    at = 0
    for kind, chosen in sorted(groups.items()):
        data = np.frombuffer(b"".join(views[i][width:] for i in chosen), dtype=sizes[kind])
        counts = [(len(views[i]) - width) // sizes[kind].itemsize for i in chosen]
        end = at + len(data)
        origin[at:end] = np.repeat(np.array(chosen, dtype=np.int64), counts)
        for c in range(width):
            out[c][at:end] = data[f"c{c}"]  # widened to int64 in place
        at = end
    return out, origin


def is_ready(account: Account) -> bool:
    """True when the account's rows are complete for its current zone."""
    state = ColumnState.objects.filter(account=account).values_list("zone", flat=True).first()
    return state == account.timezone


def rebuild_all(account: Account) -> None:
    """Rewrite every row of the account from its facts, and mark them complete."""
    for_account(account, DayColumns)._raw_delete(DayColumns.objects.db)  # type: ignore[attr-defined]
    zone = account.timezone
    for scope in Scope.values:
        for first, last in _blocks(account, scope):
            _write(account, scope, set(range(first, last + 1)), zone)
    ColumnState.objects.update_or_create(account=account, defaults={"zone": zone})


def refresh_days(account: Account, days: dict[str, set[int]]) -> None:
    """Rewrite the rows of these local days per scope kind (after an incremental update);
    everything when the rows are not complete for the account's zone."""
    if not is_ready(account):
        rebuild_all(account)
        return
    for scope, chosen in days.items():
        if chosen:
            rows = for_account(account, DayColumns).filter(scope=scope, day__in=sorted(chosen))
            rows._raw_delete(DayColumns.objects.db)  # type: ignore[attr-defined]
            for run in _runs(sorted(chosen)):
                _write(account, scope, set(run), account.timezone)


def days_of(zone: str, rows: Iterable[tuple[str, int]]) -> dict[str, set[int]]:
    """{scope kind: local days} of (scope kind, epoch time) pairs."""
    by_scope: dict[str, list[int]] = {}
    for scope, t in rows:
        by_scope.setdefault(scope, []).append(t)
    return {
        scope: set((local_seconds(np.array(times, dtype=np.int64), zone) // DAY).tolist())
        for scope, times in by_scope.items()
    }


def days_of_conversations(account: Account, ids: list[int]) -> dict[str, set[int]]:
    """The (scope kind, local days) holding facts, activity or unanswered items of these
    conversations."""
    pairs: list[tuple[str, int]] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for model, column in ((ReplyFact, "start"), (Activity, "time"), (UnansweredItem, "start")):
            rows = for_account(account, model).filter(conversation_id__in=chunk)
            pairs.extend(rows.values_list("scope", column))
    return days_of(account.timezone, pairs)


def merge(a: dict[str, set[int]], b: dict[str, set[int]]) -> dict[str, set[int]]:
    return {k: a.get(k, set()) | b.get(k, set()) for k in set(a) | set(b)}


def _day_start(day: int, zone: str) -> int:
    return local_midnight(_EPOCH + timedelta(days=day), zone)


def _runs(days: list[int]) -> Iterator[list[int]]:
    """Consecutive days in runs of at most _BLOCK_DAYS (one query per run)."""
    run: list[int] = []
    for day in days:
        if run and (day != run[-1] + 1 or len(run) >= _BLOCK_DAYS):
            yield run
            run = []
        run.append(day)
    if run:
        yield run


def _blocks(account: Account, scope: str) -> Iterator[tuple[int, int]]:
    """(first, last) local days, _BLOCK_DAYS at a time, covering all the scope's rows."""
    times: list[int] = []
    for model, column in ((ReplyFact, "start"), (Activity, "time"), (UnansweredItem, "start")):
        found = (
            for_account(account, model)
            .filter(scope=scope)
            .aggregate(lo=Min(column), hi=Max(column))
        )
        times.extend(t for t in found.values() if t is not None)
    if not times:
        return
    first, last = (
        int(d) for d in local_seconds(np.array([min(times), max(times)]), account.timezone) // DAY
    )
    for day in range(first, last + 1, _BLOCK_DAYS):
        yield day, min(day + _BLOCK_DAYS - 1, last)


def _owner_column(scope: str) -> str | None:
    return {Scope.MAILBOX: "mailbox_id", Scope.TEAM: "team_id"}.get(Scope(scope))


def _fetch(sql: str, params: list[Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _write(account: Account, scope: str, days: set[int], zone: str) -> None:
    """Build and store the rows of `days` (consecutive) of one scope kind."""
    lo, hi = _day_start(min(days), zone), _day_start(max(days) + 1, zone)
    facts = _split(_fact_rows(account, scope, lo, hi), zone)
    moves = _split(_activity_rows(account, scope, lo, hi), zone)
    items = _split(_item_rows(account, scope, lo, hi), zone)
    rows = [
        _day_row(account, scope, day, facts.get(day), moves.get(day), items.get(day))
        for day in sorted((set(facts) | set(moves) | set(items)) & days)
    ]
    DayColumns.objects.bulk_create(rows, batch_size=100)


Part = tuple[Ints, Ints, list[tuple]]


def _chosen(part: Part | None) -> tuple[Ints, list[tuple]]:
    """The local hours and rows of one day's part (none when absent)."""
    if part is None:
        return np.zeros(0, dtype=np.int64), []
    hours, picked, rows = part
    return hours, [rows[i] for i in picked.tolist()]


def _day_row(
    account: Account, scope: str, day: int, facts: Part | None, moves: Part | None,
    items: Part | None,
) -> DayColumns:  # fmt: skip
    fact_hours, fact_rows = _chosen(facts)
    _, item_rows = _chosen(items)
    # Customers of the day's facts and unanswered items (the last column of both).
    names = sorted({r[-1] for r in fact_rows} | {r[-1] for r in item_rows})
    index = {name: i for i, name in enumerate(names)}
    return DayColumns(
        account=account, scope=scope, day=day, customers=json.dumps(names, separators=(",", ":")),
        **_fact_fields(fact_hours, fact_rows, index), **_volume_fields(*_chosen(moves)),
        **_item_fields(item_rows, index),
    )  # fmt: skip


def _fact_rows(account: Account, scope: str, lo: int, hi: int) -> list[tuple]:
    owner = f"f.{_owner_column(scope)}" if _owner_column(scope) else "0"
    f, c = ReplyFact._meta.db_table, Conversation._meta.db_table
    sql = (
        f"SELECT f.start, {owner}, f.calendar_seconds, f.business_seconds, f.off_hours, "
        f"f.first_reply, c.last_external_address FROM {f} f JOIN {c} c ON c.id = f.conversation_id "
        "WHERE f.account_id = %s AND f.scope = %s AND f.start >= %s AND f.start < %s"
    )
    return _fetch(sql, [account.pk, scope, lo, hi])


def _item_rows(account: Account, scope: str, lo: int, hi: int) -> list[tuple]:
    owner = f"u.{_owner_column(scope)}" if _owner_column(scope) else "0"
    u, c = UnansweredItem._meta.db_table, Conversation._meta.db_table
    sql = (
        f"SELECT u.start, {owner}, u.count, u.conversation_id, c.last_external_address "
        f"FROM {u} u JOIN {c} c ON c.id = u.conversation_id "
        "WHERE u.account_id = %s AND u.scope = %s AND u.start >= %s AND u.start < %s"
    )
    return _fetch(sql, [account.pk, scope, lo, hi])


def _activity_rows(account: Account, scope: str, lo: int, hi: int) -> list[tuple]:
    owner = _owner_column(scope) or "0"
    sql = (
        f"SELECT time, {owner}, inbound, eligible, outbound FROM {Activity._meta.db_table} "
        "WHERE account_id = %s AND scope = %s AND time >= %s AND time < %s"
    )
    return _fetch(sql, [account.pk, scope, lo, hi])


def _split(rows: list[tuple], zone: str) -> dict[int, tuple[Ints, Ints, list[tuple]]]:
    """Rows (epoch time first) by local day: (local hours, row indexes, the rows)."""
    if not rows:
        return {}
    local = local_seconds(np.array([r[0] for r in rows], dtype=np.int64), zone)
    days, hours = local // DAY, local % DAY // 3600
    order = np.argsort(days, kind="stable")
    result: dict[int, tuple[Ints, Ints, list[tuple]]] = {}
    for day in np.unique(days).tolist():
        picked = order[days[order] == day]
        result[day] = (hours[picked], picked, rows)
    return result


def _fact_fields(hours: Ints, chosen: list[tuple], index: dict[str, int]) -> dict[str, Any]:
    owner = np.array([r[1] or 0 for r in chosen], dtype=np.int64)
    calendar = np.array([r[2] for r in chosen], dtype=np.int64)
    business = np.array([r[3] for r in chosen], dtype=np.int64)
    flags = np.array(
        [OFF_HOURS * bool(r[4]) + FIRST_REPLY * bool(r[5]) for r in chosen], dtype=np.int64
    )
    customer = np.array([index[r[6]] for r in chosen], dtype=np.int64)
    # A canonical order, so the same facts always give the same bytes.
    order = np.lexsort((customer, flags, business, calendar, hours, owner))
    columns = (hours, owner, calendar, business, flags, customer)
    return {"facts": pack(*(c[order] for c in columns))}


def _item_fields(chosen: list[tuple], index: dict[str, int]) -> dict[str, Any]:
    start, owner, count, conversation = (
        np.array([r[k] or 0 for r in chosen], dtype=np.int64) for k in range(4)
    )
    customer = np.array([index[r[4]] for r in chosen], dtype=np.int64)
    # Conversation ids last: a rebuild gives conversations new ids, not new order otherwise.
    order = np.lexsort((conversation, customer, count, owner, start))
    columns = (start, owner, count, conversation, customer)
    return {"items": pack(*(c[order] for c in columns))}


def _volume_fields(hours: Ints, chosen: list[tuple]) -> dict[str, Any]:
    owner = np.array([r[1] or 0 for r in chosen], dtype=np.int64)
    roles = [np.array([bool(r[k]) for r in chosen], dtype=bool) for k in (2, 3, 4)]
    owners, inverse = np.unique(owner, return_inverse=True)
    sums = [np.bincount(inverse[role], minlength=len(owners)) for role in roles]
    # (owner, hour) cells of the inbound messages, as one sortable code.
    cells = owner[roles[0]] * 24 + hours[roles[0]]
    codes, counts = np.unique(cells, return_counts=True)
    return {
        "volumes": pack(owners, *sums),
        "hourly": pack(codes // 24, codes % 24, counts),
    }
