"""Idempotent, batched storage of header records for one mailbox.

A message already stored for the mailbox (same provider id, Message-ID or fingerprint, spec
§3.1) is not stored again: the new copy is merged into the stored record (folders, Message-IDs,
references; the earliest receive time) and counted as a duplicate. Merging is a union, so the
result does not depend on which copy came first or on how often an import is re-run.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction

from replytime.ingestion.models import ImportRun, Record, Rejection
from replytime.lib.headers import fingerprint
from replytime.mailboxes.connectors.base import HeaderRecord, Rejected
from replytime.mailboxes.models import Mailbox

# Columns written by the fast insert path, in order.
_COLUMNS = (
    "account_id",
    "mailbox_id",
    "provider_id",
    "message_id",
    "extra_message_ids",
    "in_reply_to",
    "references",
    "provider_thread_id",
    "thread_index",
    "from_addr",
    "sender",
    "to_addrs",
    "cc_addrs",
    "subject",
    "date",
    "received_at",
    "folders",
    "auto_flags",
    "size",
    "fingerprint",
    "dirty",
)
_row_tuple = operator.itemgetter(*_COLUMNS)
_MERGED = ("extra_message_ids", "in_reply_to", "references", "folders", "auto_flags")
# Parameters per IN (...) lookup: well under SQLite's and PostgreSQL's limits.
_CHUNK = 500


@dataclass
class BatchCounts:
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0

    def add(self, other: BatchCounts) -> None:
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.rejected += other.rejected


@dataclass
class _Row:
    """A record on its way to the database (new) or already there (existing)."""

    values: dict[str, object]
    pk: int | None = None
    changed: bool = False
    keys: set[str] = field(default_factory=set)


def _join(values: Iterable[str]) -> str:
    return "\n".join(values)


def _split(value: object) -> list[str]:
    return [v for v in str(value or "").split("\n") if v]


def _identity_keys(values: dict[str, object]) -> set[str]:
    keys = {f"p:{values['provider_id']}"}
    if values["message_id"]:
        keys.add(f"m:{values['message_id']}")
    keys.update(f"m:{m}" for m in _split(values["extra_message_ids"]))
    if values["fingerprint"]:
        keys.add(f"f:{values['fingerprint']}")
    return keys


Prepared = dict[str, object]


def prepare(rec: HeaderRecord) -> Prepared:
    """The column values of a record, except its account and mailbox.

    Pure and picklable, so an import can prepare records in a parser process.
    """
    return {
        "provider_id": rec.provider_id[:500],
        "message_id": rec.message_id[:998] if rec.message_id else None,
        "extra_message_ids": "",
        "in_reply_to": _join(rec.in_reply_to),
        "references": _join(rec.references),
        "provider_thread_id": rec.provider_thread_id,
        "thread_index": rec.thread_index,
        "from_addr": rec.from_addr,
        "sender": rec.sender,
        "to_addrs": _join(rec.to),
        "cc_addrs": _join(rec.cc),
        "subject": rec.subject,
        "date": rec.date,
        "received_at": rec.received_at,
        "folders": _join(sorted(set(rec.folders))),
        "auto_flags": _join(sorted(set(rec.auto_flags))),
        "size": rec.size,
        "fingerprint": fingerprint(rec),
        "dirty": True,
    }


def _adds_nothing(target: _Row, other: dict[str, object]) -> bool:
    """True when `other` is an exact copy of what `target` already holds (the common case)."""
    values = target.values
    if other["message_id"] != values["message_id"] or other["extra_message_ids"]:
        return False
    if not all(other[k] in ("", values[k]) for k in _MERGED[1:]):
        return False
    mine, theirs = values["received_at"], other["received_at"]
    return theirs is None or (mine is not None and mine <= theirs)  # type: ignore[operator]


def _merge_into(target: _Row, other: dict[str, object]) -> None:
    """Union `other` into `target` (spec §3.1: same message, same mailbox)."""
    if _adds_nothing(target, other):
        target.keys |= _identity_keys(other)
        return
    before = {k: target.values[k] for k in (*_MERGED, "received_at")}
    ids = set(_split(target.values["extra_message_ids"]))
    ids.update(_split(other["extra_message_ids"]))
    if other["message_id"]:
        ids.add(str(other["message_id"]))
    ids.discard(str(target.values["message_id"] or ""))
    target.values["extra_message_ids"] = _join(sorted(ids))
    for name in ("in_reply_to", "references"):
        merged = dict.fromkeys([*_split(target.values[name]), *_split(other[name])])
        target.values[name] = _join(merged)
    for name in ("folders", "auto_flags"):
        target.values[name] = _join(sorted({*_split(target.values[name]), *_split(other[name])}))
    times = [t for t in (target.values["received_at"], other["received_at"]) if t is not None]
    target.values["received_at"] = min(times) if times else None  # type: ignore[type-var]
    after = {k: target.values[k] for k in (*_MERGED, "received_at")}
    if after != before:
        target.changed = True
        target.values["dirty"] = True
    target.keys |= _identity_keys(other)


class RecordStore:
    """Stores parsed messages of one mailbox; each `store()` call is one transaction."""

    def __init__(self, mailbox: Mailbox, run: ImportRun | None = None) -> None:
        self.mailbox = mailbox
        self.run = run
        self.table = Record._meta.db_table

    def store(self, items: Sequence[HeaderRecord | Prepared | Rejected]) -> BatchCounts:
        """Store a batch in one transaction: HeaderRecords, prepared values or rejections."""
        records = [prepare(i) if isinstance(i, HeaderRecord) else i for i in items]
        rejected = [i for i in items if isinstance(i, Rejected)]
        records = [r for r in records if isinstance(r, dict)]
        with transaction.atomic():
            counts = self._store_records(records)
            self._store_rejections(rejected)
            counts.rejected = len(rejected)
            if self.run is not None:
                self._count(counts, len(items))
        return counts

    def _count(self, counts: BatchCounts, read: int) -> None:
        run = self.run
        assert run is not None
        run.read += read
        run.stored += counts.stored
        run.duplicates += counts.duplicates
        run.rejected += counts.rejected
        ImportRun.objects.filter(pk=run.pk).update(
            read=run.read, stored=run.stored, duplicates=run.duplicates, rejected=run.rejected
        )

    def _store_records(self, incoming: list[Prepared]) -> BatchCounts:
        counts = BatchCounts()
        owner = {"account_id": self.mailbox.account_id, "mailbox_id": self.mailbox.pk}
        for values in incoming:
            values.update(owner)
        by_key = self._existing(incoming)
        new_rows: list[_Row] = []
        for values in incoming:
            keys = _identity_keys(values)
            match = next((by_key[k] for k in keys if k in by_key), None)
            if match is not None:
                _merge_into(match, values)
                counts.duplicates += 1
            else:
                match = _Row(values=values, keys=keys)
                new_rows.append(match)
                counts.stored += 1
            for key in match.keys:
                by_key.setdefault(key, match)
        self._insert(new_rows)
        self._update([row for row in by_key.values() if row.pk is not None and row.changed])
        return counts

    def _existing(self, incoming: list[dict[str, object]]) -> dict[str, _Row]:
        """Stored rows of this mailbox that share an identity key with the incoming batch."""
        wanted: dict[str, set[str]] = {
            "provider_id": set(),
            "message_id": set(),
            "fingerprint": set(),
        }
        for values in incoming:
            wanted["provider_id"].add(str(values["provider_id"]))
            if values["message_id"]:
                wanted["message_id"].add(str(values["message_id"]))
            if values["fingerprint"]:
                wanted["fingerprint"].add(str(values["fingerprint"]))
        found: dict[int, _Row] = {}
        for column in ("provider_id", "message_id", "fingerprint"):
            for row in self._select(column, sorted(wanted[column])):
                pk, values = row[0], dict(zip(_COLUMNS, row[1:], strict=True))
                if pk not in found:
                    found[pk] = _Row(values=values, pk=pk, keys=_identity_keys(values))
        by_key: dict[str, _Row] = {}
        for row in sorted(found.values(), key=lambda r: r.pk or 0):
            for key in row.keys:
                by_key.setdefault(key, row)
        return by_key

    def _select(self, column: str, values: list[str]) -> Iterator[tuple]:
        """Stored rows of this mailbox whose `column` is one of `values` (raw SQL: hot path)."""
        if not values:
            return
        quote = connection.ops.quote_name
        head = (
            f"SELECT {', '.join(quote(c) for c in ('id', *_COLUMNS))} FROM {quote(self.table)} "
            f"WHERE mailbox_id = %s AND {quote(column)}"
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # One array parameter: one round trip and no placeholder list to build.
                cursor.execute(f"{head} = ANY(%s)", [self.mailbox.pk, values])
                yield from cursor.fetchall()
                return
            for i in range(0, len(values), _CHUNK):
                chunk = values[i : i + _CHUNK]
                cursor.execute(
                    f"{head} IN ({', '.join(['%s'] * len(chunk))})", [self.mailbox.pk, *chunk]
                )
                yield from cursor.fetchall()

    def _insert(self, rows: list[_Row]) -> None:
        if not rows:
            return
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in _COLUMNS)
        marks = ", ".join(["%s"] * len(_COLUMNS))
        values = [_row_tuple(r.values) for r in rows]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY streams the batch in one go: several times faster than INSERTs.
                sql = f"COPY {quote(self.table)} ({columns}) FROM STDIN"
                with cursor.cursor.copy(sql) as copy:
                    for row in values:
                        copy.write_row(row)
                return
            sql = f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({marks})"
            cursor.executemany(sql, values)

    def _update(self, rows: list[_Row]) -> None:
        for row in rows:
            Record.objects.filter(pk=row.pk).update(
                **{name: row.values[name] for name in (*_MERGED, "received_at", "dirty")}
            )

    def _store_rejections(self, rejected: Sequence[Rejected]) -> None:
        if not rejected:
            return
        Rejection.objects.bulk_create(
            [
                Rejection(
                    account_id=self.mailbox.account_id,
                    mailbox=self.mailbox,
                    import_run=self.run,
                    source=r.provider_id[:500],
                    folder=r.folder,
                    reason=r.reason,
                    detail=r.detail[:1000],
                )
                for r in rejected
            ],
            ignore_conflicts=True,
        )
