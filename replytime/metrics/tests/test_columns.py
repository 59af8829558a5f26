"""The dashboards' day columns (metrics.columns): packing, and rows equal after incremental
updates and after a full rebuild, kept in step with schedules and the zone."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from replytime.conversations.models import Conversation
from replytime.ingestion.store import RecordStore
from replytime.metrics import columns
from replytime.metrics.models import (
    Activity,
    ColumnState,
    DayColumns,
    ReplyFact,
    Scope,
    UnansweredItem,
)
from replytime.metrics.schedules import set_schedule
from replytime.metrics.service import recompute_account, update_account
from replytime.metrics.tests.test_service import _conversation_set
from replytime.testing import make_account, make_mailbox

pytestmark = pytest.mark.django_db

_FIELDS = {
    "facts": columns.FACT_COLUMNS,
    "volumes": columns.VOLUME_COLUMNS,
    "hourly": columns.HOURLY_COLUMNS,
    "items": columns.ITEM_COLUMNS,
}


def _rows(account) -> list[tuple]:  # type: ignore[no-untyped-def]
    """Every row of the account, decoded: (scope, day, customers, arrays...); conversations
    by key (a rebuild gives them new ids)."""
    keys = dict(Conversation.objects.filter(account=account).values_list("id", "key"))
    rows = DayColumns.objects.filter(account=account).order_by("scope", "day")
    return [(r.scope, r.day, r.customers, *(_values(r, f, keys) for f in _FIELDS)) for r in rows]


def _values(row: DayColumns, field: str, keys: dict[int, str]) -> list:
    """The packed field's entries; an item's conversation by key."""
    names = _FIELDS[field]
    entries = [list(e) for e in zip(*(c.tolist() for c in _unpack(row, field)), strict=True)]
    if field == "items":
        at = names.index("conversation")
        # Sorted: items equal but for their conversation may swap places after a rebuild.
        entries = sorted((*e[:at], keys[e[at]], *e[at + 1 :]) for e in entries)
    return entries


def _unpack(row: DayColumns, field: str) -> list[np.ndarray]:
    return columns.unpack(getattr(row, field), len(_FIELDS[field]))


def _column(row: DayColumns, field: str, name: str) -> np.ndarray:
    """One column of a packed field."""
    return _unpack(row, field)[_FIELDS[field].index(name)]


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ([], "b"),
        ([0], "b"),
        ([-128, 127], "b"),
        ([128], "h"),
        ([-(2**15), 2**15 - 1], "h"),
        ([2**31 - 1], "i"),
        ([2**31], "q"),
        ([-(2**63), 2**63 - 1], "q"),
    ],
)
def test_pack_keeps_every_value_in_the_narrowest_type(values: list[int], code: str) -> None:
    sevens = [7] * len(values)
    blob = columns.pack(values, sevens)
    assert [c.tolist() for c in columns.unpack(memoryview(blob), 2)] == [values, sevens]
    assert columns.unpack(blob, 2)[0].dtype == np.int64
    # One dtype letter per column, then records of the narrowest widths (the 7s: one byte).
    widths = {"b": 1, "h": 2, "i": 4, "q": 8}
    assert blob[:2].decode() == code + "b"
    assert len(blob) == 2 + len(values) * (widths[code] + 1)


def test_unpack_many_joins_blobs_of_every_type() -> None:
    rng = random.Random(3)

    def value() -> int:
        return rng.randint(-(2 ** rng.randint(1, 62)), 2 ** rng.randint(1, 62))

    for _ in range(300):
        blobs = [
            [[value() for _ in range(n)], [rng.randint(0, 300) for _ in range(n)]]
            for n in (rng.randint(0, 5) for _ in range(rng.randint(0, 8)))
        ]
        joined, origin = columns.unpack_many([columns.pack(*b) for b in blobs], 2)
        order = np.argsort(origin, kind="stable")  # entries come grouped by dtypes
        for c in (0, 1):
            assert joined[c][order].tolist() == [v for b in blobs for v in b[c]]
        assert origin[order].tolist() == [i for i, b in enumerate(blobs) for _ in b[0]]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_updates_give_the_rows_of_a_full_rebuild(seed: int) -> None:
    account = make_account()
    mailbox = make_mailbox(account, teams=("support",))
    make_mailbox(account, address="ben@acme.com", teams=("support",))
    items = _conversation_set(seed)
    rng = random.Random(seed)
    RecordStore(mailbox).store(items[:30])
    recompute_account(account)
    rest = items[30:]
    rng.shuffle(rest)
    while rest:
        size = rng.randint(1, 6)
        chunk, rest = rest[:size], rest[size:]
        RecordStore(mailbox).store(chunk)
        update_account(account)
    incremental = _rows(account)
    recompute_account(account)
    assert incremental == _rows(account)
    assert {r[0] for r in incremental} == {Scope.MAILBOX, Scope.TEAM, Scope.ACCOUNT}


def test_rows_hold_every_fact_and_message() -> None:
    account = make_account()
    RecordStore(make_mailbox(account)).store(_conversation_set(5))
    recompute_account(account)
    rows = DayColumns.objects.filter(account=account, scope=Scope.ACCOUNT)
    facts = ReplyFact.objects.filter(account=account, scope=Scope.ACCOUNT)
    calendar = sorted(v for r in rows for v in _column(r, "facts", "calendar").tolist())
    assert calendar == sorted(facts.values_list("calendar_seconds", flat=True))
    items = UnansweredItem.objects.filter(account=account, scope=Scope.ACCOUNT)
    counts = sorted(v for r in rows for v in _column(r, "items", "count").tolist())
    assert counts == sorted(items.values_list("count", flat=True))
    customers = {c for r in rows for c in json.loads(r.customers)}
    address = "conversation__last_external_address"
    expected = {*facts.values_list(address, flat=True), *items.values_list(address, flat=True)}
    assert customers == expected
    moves = Activity.objects.filter(account=account, scope=Scope.ACCOUNT)
    received = sum(v for r in rows for v in _column(r, "volumes", "received").tolist())
    assert received == moves.filter(inbound=True).count()
    assert columns.is_ready(account)


def test_rows_follow_schedules_and_the_zone() -> None:
    account = make_account()
    RecordStore(make_mailbox(account)).store(_conversation_set(6))
    recompute_account(account)
    before = _rows(account)
    set_schedule(account, timezone="UTC", hours="mon-fri 10:00-12:00")
    after = _rows(account)
    assert after != before
    recompute_account(account)
    assert _rows(account) == after
    # Another zone: the rows no longer fit until an update rebuilds them.
    account.timezone = "America/New_York"
    account.save(update_fields=["timezone"])
    assert not columns.is_ready(account)
    assert update_account(account) == 0
    assert columns.is_ready(account)
    recompute_account(account)
    assert ColumnState.objects.get(account=account).zone == "America/New_York"


def test_days_are_local_days_of_the_zone() -> None:
    start = 1772409600  # 2026-03-02 00:00 UTC
    days = columns.days_of("America/New_York", [("a", start), ("a", start + 5 * 3600)])
    assert days == {"a": {start // 86400 - 1, start // 86400}}
