"""Keeping conversations and facts in step with the stored records.

`update_account` is incremental: it rebuilds only the conversations that the records stored
since the last update (the `dirty` ones) can touch, found through the conversations' lookup
keys (Message-IDs and placeholders, thread ids, Thread-Index prefixes, fingerprints and
normalised subjects). Rebuilding a conversation set from all of its records with the same pure
core as a full rebuild gives the same result: conversation keys depend only on content.

`recompute_account` is the full rebuild (`replytime recompute`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence

from django.db import connection, transaction

from replytime.conversations.identity import RecordInfo
from replytime.conversations.models import Conversation, ConversationKey
from replytime.ingestion.models import Record
from replytime.metrics import columns
from replytime.metrics.engine_core import CoreResult, compute_core
from replytime.metrics.loading import iter_record_infos, load_config
from replytime.metrics.models import Activity, ReplyFact, UnansweredItem
from replytime.tenancy.access import for_account
from replytime.tenancy.models import Account

log = logging.getLogger(__name__)

_CHUNK = 500
# Past this share of dirty records, a full rebuild is cheaper than chasing keys.
_FULL_REBUILD_SHARE = 0.5
_DERIVED = (Activity, ReplyFact, UnansweredItem, ConversationKey)
# (DayColumns rows are derived too: see metrics.columns, rebuilt after the facts.)


def _chunks(values: Sequence[int] | Sequence[str], size: int = _CHUNK) -> Iterable[list]:
    for i in range(0, len(values), size):
        yield list(values[i : i + size])


def recompute_account(account: Account) -> CoreResult:
    """Rebuild every conversation and fact of the account from its stored records."""
    with transaction.atomic():
        _lock(account)
        return _recompute(account)


def update_account(account: Account) -> int:
    """Bring conversations and facts up to date with new records; returns records processed."""
    with transaction.atomic():
        _lock(account)
        dirty_q = for_account(account, Record).filter(dirty=True)
        dirty = list(iter_record_infos(dirty_q))
        if not dirty:
            if not columns.is_ready(account):
                # Facts from before the column store, or of another zone: build its rows.
                columns.rebuild_all(account)
            return 0
        if len(dirty) >= for_account(account, Record).count() * _FULL_REBUILD_SHARE:
            _recompute(account)
        else:
            held = set(dirty_q.exclude(conversation=None).values_list("conversation_id", flat=True))
            _update_incrementally(account, dirty, held)
        return len(dirty)


def _recompute(account: Account) -> CoreResult:
    settings, mailboxes, teams = load_config(account)
    infos = list(iter_record_infos(for_account(account, Record)))
    result = compute_core(settings, mailboxes, teams, infos)
    _delete_all(account)
    _persist(account, result, {i.id: i for i in infos})
    columns.rebuild_all(account)
    return result


def _lock(account: Account) -> None:
    # One metrics update per account at a time (SQLite's IMMEDIATE transactions already
    # serialise writers; on PostgreSQL the row lock does).
    Account.objects.select_for_update().filter(pk=account.pk).first()


def _update_incrementally(account: Account, dirty: list[RecordInfo], held: set[int]) -> None:
    """Rebuild the conversations the dirty records can touch, until no new one is found."""
    settings, mailboxes, teams = load_config(account)
    started = time.perf_counter()
    infos = {i.id: i for i in dirty}
    touched: set[int] = set()
    found = set(held)
    while True:
        if found:
            touched |= found
            q = for_account(account, Record).filter(conversation_id__in=sorted(found))
            infos.update((i.id, i) for i in iter_record_infos(q) if i.id not in infos)
        result = compute_core(settings, mailboxes, teams, infos.values())
        found = _conversations_sharing_keys(account, _keys_of(result, infos)) - touched
        if not found:
            break
    # The dashboards' day columns of every day that loses or gains a fact or a message.
    days = columns.days_of_conversations(account, sorted(touched))
    _delete_conversations(account, sorted(touched))
    _persist(account, result, infos)
    columns.refresh_days(account, columns.merge(days, _days_of_result(account, result)))
    log.info(
        "metrics update: %d records, %d conversations replaced, %.2fs",
        len(infos),
        len(touched),
        time.perf_counter() - started,
    )


def _days_of_result(account: Account, result: CoreResult) -> dict[str, set[int]]:
    pairs = [(f.scope.kind, f.start) for f in result.facts]
    pairs.extend((r.scope.kind, r.time) for r in result.activity)
    pairs.extend((u.scope.kind, u.start) for u in result.unanswered)
    return columns.days_of(account.timezone, pairs)


def _keys_of(result: CoreResult, infos: dict[int, RecordInfo]) -> set[str]:
    keys: set[str] = set()
    for conv in result.conversations:
        keys.update(_lookup_keys(conv.lookup_keys, conv.record_ids, infos))
    return keys


def _lookup_keys(
    lookup: Iterable[str], record_ids: Iterable[int], infos: dict[int, RecordInfo]
) -> list[str]:
    keys = list(lookup)
    # Equal fingerprints make two records one message (spec §3.1), so they are keys too.
    keys.extend(f"f:{infos[i].fingerprint}" for i in record_ids if infos[i].fingerprint)
    return [k[:1000] for k in dict.fromkeys(keys)]


def _conversations_sharing_keys(account: Account, keys: set[str]) -> set[int]:
    found: set[int] = set()
    q = for_account(account, ConversationKey)
    for chunk in _chunks(sorted(keys)):
        found.update(q.filter(key__in=chunk).values_list("conversation_id", flat=True))
    return found


def _delete_all(account: Account) -> None:
    for model in _DERIVED:
        for_account(account, model)._raw_delete(model.objects.db)  # type: ignore[attr-defined]
    for_account(account, Record).update(conversation=None)
    for_account(account, Conversation)._raw_delete(Conversation.objects.db)  # type: ignore[attr-defined]


def _delete_conversations(account: Account, ids: list[int]) -> None:
    for chunk in _chunks(ids):
        for model in _DERIVED:
            q = for_account(account, model).filter(conversation_id__in=chunk)
            q._raw_delete(model.objects.db)  # type: ignore[attr-defined]
        for_account(account, Record).filter(conversation_id__in=chunk).update(conversation=None)
        q = for_account(account, Conversation).filter(id__in=chunk)
        q._raw_delete(Conversation.objects.db)  # type: ignore[attr-defined]


def _persist(account: Account, result: CoreResult, infos: dict[int, RecordInfo]) -> None:
    conversations = Conversation.objects.bulk_create(
        [
            Conversation(
                account=account,
                key=c.key,
                subject=c.subject,
                first_time=c.first_time,
                last_time=c.last_time,
                message_count=c.message_count,
                origin=c.origin,
                waiting=c.waiting,
                last_external_address=c.last_external_address,
            )
            for c in result.conversations
        ],
        batch_size=1000,
    )
    ids = {c.key: c.pk for c in conversations}
    key_rows = [
        (account.pk, ids[c.key], key)
        for c in result.conversations
        for key in _lookup_keys(c.lookup_keys, c.record_ids, infos)
    ]
    _insert(ConversationKey, ("account_id", "conversation_id", "key"), key_rows)
    _write_facts(account, result, ids)
    _mark_records(result, ids, infos)


def _scope_columns(scope: object) -> tuple[str, int | None, int | None]:
    kind, ident = scope.kind, scope.id  # type: ignore[attr-defined]
    return kind, ident if kind == "m" else None, ident if kind == "t" else None


def _write_facts(account: Account, result: CoreResult, ids: dict[str, int]) -> None:
    a = account.pk
    facts = [
        (
            a,
            *_scope_columns(f.scope),
            ids[f.conversation],
            f.start,
            f.end,
            f.calendar_seconds,
            f.business_seconds,
            f.off_hours,
            f.answered,
            f.first_reply,
            f.replier,
        )
        for f in result.facts
    ]
    _insert(
        ReplyFact,
        (
            "account_id",
            "scope",
            "mailbox_id",
            "team_id",
            "conversation_id",
            "start",
            "end",
            "calendar_seconds",
            "business_seconds",
            "off_hours",
            "answered",
            "first_reply",
            "replier_id",
        ),
        facts,
    )
    items = [
        (a, *_scope_columns(u.scope), ids[u.conversation], u.start, u.count)
        for u in result.unanswered
    ]
    _insert(
        UnansweredItem,
        ("account_id", "scope", "mailbox_id", "team_id", "conversation_id", "start", "count"),
        items,
    )
    rows = [
        (
            a,
            *_scope_columns(r.scope),
            ids[r.conversation],
            r.time,
            r.inbound,
            r.eligible,
            r.outbound,
        )
        for r in result.activity
    ]
    _insert(
        Activity,
        (
            "account_id",
            "scope",
            "mailbox_id",
            "team_id",
            "conversation_id",
            "time",
            "inbound",
            "eligible",
            "outbound",
        ),
        rows,
    )


def _mark_records(result: CoreResult, ids: dict[str, int], infos: dict[int, RecordInfo]) -> None:
    """Point each record at its conversation and clear its dirty flag, a chunk per statement.

    One UPDATE per record costs a round trip each (minutes for a million records on
    PostgreSQL); `UPDATE ... FROM (VALUES ...)` works on both PostgreSQL and SQLite >= 3.33.
    """
    table = connection.ops.quote_name(Record._meta.db_table)
    rows = [(rid, ids[key]) for rid, key in result.conversation_of_record.items()]
    orphans = [rid for rid in infos if rid not in result.conversation_of_record]
    with connection.cursor() as cursor:
        for i in range(0, len(rows), _CHUNK):
            chunk = rows[i : i + _CHUNK]
            values = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET conversation_id = v.column2, dirty = false "
                f"FROM (VALUES {values}) AS v WHERE {table}.id = v.column1",
                [x for pair in chunk for x in pair],
            )
        for chunk in _chunks(orphans):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET conversation_id = NULL, dirty = false WHERE id IN ({marks})",
                chunk,
            )


def _insert(model: type, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams all rows in one statement: far faster than row-by-row INSERTs.
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
        for i in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[i : i + 5000])
