"""Idempotent, batched storage of header records for one mailbox.

A message already stored for the mailbox (same provider id, Message-ID or fingerprint, spec
§3.1) is not stored again: the new copy is merged into the stored record (folders, Message-IDs,
references; the earliest receive time) and counted as a duplicate. Merging is a union, so the
result does not depend on which copy came first or on how often an import is re-run.

Records travel as `Prepared` tuples of column values (see `prepare`): cheap to build, to send
from a parser process and to hand to the database driver as they are.

Every batch bumps the mailbox's `record_writes` stamp first thing in its transaction (on
PostgreSQL that row-locks the mailbox: two writers of one mailbox take turns). A bulk import
into an empty mailbox (`remember_keys`) keeps the keys it stored in a KeyFilter and looks up
only those the filter cannot rule out, for as long as the stamp shows no other writer.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.db import connection, transaction

from replytime.ingestion.keyfilter import KeyFilter
from replytime.ingestion.models import ImportRun, Record, Rejection
from replytime.lib.headers import RecordFields, fingerprint_of
from replytime.mailboxes.connectors.base import HeaderRecord, Rejected
from replytime.mailboxes.models import Mailbox

# The columns of a Prepared tuple, in order.
PREPARED_COLUMNS = (
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
)
# Columns written by the fast insert path, in order: the owner, the prepared values, the flag.
_COLUMNS = ("account_id", "mailbox_id", *PREPARED_COLUMNS, "dirty")
# Positions in a Prepared tuple.
_PID, _MID, _EXTRA, _IRT, _REFS = 0, 1, 2, 3, 4
_RECEIVED, _FOLDERS, _FLAGS, _FP = 13, 14, 15, 17
_FROM, _TO, _CC, _SUBJECT, _DATE = 7, 9, 10, 11, 12
_UNIONS = (_IRT, _REFS, _FOLDERS, _FLAGS)  # merged as unions besides the Message-IDs
_MERGED = (_EXTRA, *_UNIONS, _RECEIVED)  # everything a merge may change
# Parameters per IN (...) lookup on SQLite: well under its limit.
_CHUNK = 500

# The column values of one record, in PREPARED_COLUMNS order, without its account, mailbox and
# dirty flag: multi-valued fields newline-joined, the fingerprint computed.
Prepared = tuple[
    str,  # provider_id
    str | None,  # message_id
    str,  # extra_message_ids
    str,  # in_reply_to
    str,  # references
    str | None,  # provider_thread_id
    str | None,  # thread_index
    str | None,  # from_addr
    str | None,  # sender
    str,  # to_addrs
    str,  # cc_addrs
    str,  # subject
    int | None,  # date
    int | None,  # received_at
    str,  # folders
    str,  # auto_flags
    int | None,  # size
    str | None,  # fingerprint
]

_record_fields = operator.attrgetter(
    "provider_id",
    "message_id",
    "in_reply_to",
    "references",
    "provider_thread_id",
    "thread_index",
    "from_addr",
    "sender",
    "to",
    "cc",
    "subject",
    "date",
    "received_at",
    "folders",
    "auto_flags",
    "size",
)


@dataclass
class BatchCounts:
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0

    def add(self, other: BatchCounts) -> None:
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.rejected += other.rejected


def _join(values: Iterable[str]) -> str:
    return "\n".join(values)


def _split(value: object) -> list[str]:
    return [v for v in str(value or "").split("\n") if v]


def _set_text(values: tuple[str, ...]) -> str:
    """Distinct values, sorted, newline-joined."""
    return values[0] if len(values) == 1 else _join(sorted(set(values)))


def prepare_fields(fields: RecordFields) -> Prepared:
    """The Prepared tuple of a record given as its HeaderRecord values in field order (what
    `replytime.lib.headers.iter_fields` yields). Pure: a parser process can run it."""
    fingerprint = fingerprint_of(fields[6], fields[11], fields[10], fields[8], fields[9])
    return _columns(fields, fingerprint)


def prepare_without_fingerprint(fields: RecordFields) -> Prepared:
    """`prepare_fields` but for the fingerprint (None), which `with_fingerprint` adds from the
    column values: how a parser process shares the work with the importer (parallel.py)."""
    return _columns(fields, None)


def _columns(fields: RecordFields, fingerprint: str | None) -> Prepared:
    pid, mid, irt, refs, thread, index, from_addr, sender, to, cc = fields[:10]
    subject, date, received, folders, flags, size = fields[10:]
    return (
        pid[:500],
        mid[:998] if mid else None,
        "",
        _join(irt),
        _join(refs),
        thread,
        index,
        from_addr,
        sender,
        _join(to),
        _join(cc),
        subject,
        date,
        received,
        _set_text(folders),
        _set_text(flags),
        size,
        fingerprint,
    )


def with_fingerprint(values: Prepared) -> Prepared:
    """`values` (from `prepare_without_fingerprint`) with their fingerprint: the same as
    `prepare_fields` gives, since the To and Cc columns are the addresses joined in order."""
    to, cc = values[_TO], values[_CC]
    fingerprint = fingerprint_of(
        values[_FROM],
        values[_DATE],  # type: ignore[arg-type]
        values[_SUBJECT],  # type: ignore[arg-type]
        to.split("\n") if to else (),  # type: ignore[union-attr]
        cc.split("\n") if cc else (),  # type: ignore[union-attr]
    )
    return (*values[:_FP], fingerprint)  # type: ignore[return-value]


def prepare(rec: HeaderRecord) -> Prepared:
    """The Prepared tuple of a record. Pure and picklable."""
    return prepare_fields(_record_fields(rec))


class _Row:
    """A record on its way to the database (pk None) or already there; `values` become a list
    when a merge changes them."""

    __slots__ = ("changed", "pk", "values")

    def __init__(self, values: Sequence[object], pk: int | None = None) -> None:
        self.values = values
        self.pk = pk
        self.changed = False


class _Identities:
    """Rows by identity key: provider id, Message-ID (main or extra) and fingerprint. The first
    row registered for a key keeps it."""

    def __init__(self) -> None:
        self.pids: dict[object, _Row] = {}
        self.mids: dict[object, _Row] = {}
        self.fps: dict[object, _Row] = {}

    def match(self, values: Sequence[object]) -> _Row | None:
        """The row that shares a key with `values`, looked up in a fixed order: provider id,
        Message-ID, extra Message-IDs, fingerprint."""
        row = self.pids.get(values[_PID])
        if row is None and values[_MID]:
            row = self.mids.get(values[_MID])
        if row is None and values[_EXTRA]:
            row = next((self.mids[m] for m in _split(values[_EXTRA]) if m in self.mids), None)
        if row is None and values[_FP]:
            row = self.fps.get(values[_FP])
        return row

    def add(self, values: Sequence[object], row: _Row) -> None:
        """Register the keys of `values` for `row`, except keys another row already holds."""
        self.pids.setdefault(values[_PID], row)
        if values[_MID]:
            self.mids.setdefault(values[_MID], row)
        if values[_EXTRA]:
            for mid in _split(values[_EXTRA]):
                self.mids.setdefault(mid, row)
        if values[_FP]:
            self.fps.setdefault(values[_FP], row)


class _Keys:
    """The identity keys of a batch: its provider ids, Message-IDs and fingerprints."""

    def __init__(self, batch: Sequence[Prepared]) -> None:
        self.size = len(batch)
        self.pids = {v[_PID] for v in batch}
        mids = [v[_MID] for v in batch if v[_MID]]
        fps = [v[_FP] for v in batch if v[_FP]]
        self.mids, self.fps = set(mids), set(fps)
        self.repeated = len(self.mids) != len(mids) or len(self.fps) != len(fps)
        # Extra Message-IDs (only records merged before carry them) are left to the matching.
        self.extras = any(v[_EXTRA] for v in batch)

    def all_distinct(self) -> bool:
        """True when no two records of the batch share a provider id, a Message-ID or a
        fingerprint (and none carries extra Message-IDs)."""
        return len(self.pids) == self.size and not self.repeated and not self.extras


def _adds_nothing(values: Sequence[object], other: Prepared) -> bool:
    """True when `other` is an exact copy of what `values` already hold (the common case)."""
    if other[_MID] != values[_MID] or other[_EXTRA]:
        return False
    if not all(other[i] in ("", values[i]) for i in _UNIONS):
        return False
    mine, theirs = values[_RECEIVED], other[_RECEIVED]
    return theirs is None or (mine is not None and mine <= theirs)  # type: ignore[operator]


def _merge_into(target: _Row, other: Prepared) -> None:
    """Union `other` into `target` (spec §3.1: same message, same mailbox)."""
    if _adds_nothing(target.values, other):
        return
    values = list(target.values)
    before = [values[i] for i in _MERGED]
    ids = set(_split(values[_EXTRA]))
    ids.update(_split(other[_EXTRA]))
    if other[_MID]:
        ids.add(str(other[_MID]))
    ids.discard(str(values[_MID] or ""))
    values[_EXTRA] = _join(sorted(ids))
    for i in (_IRT, _REFS):
        values[i] = _join(dict.fromkeys([*_split(values[i]), *_split(other[i])]))
    for i in (_FOLDERS, _FLAGS):
        values[i] = _join(sorted({*_split(values[i]), *_split(other[i])}))
    times = [t for t in (values[_RECEIVED], other[_RECEIVED]) if t is not None]
    values[_RECEIVED] = min(times) if times else None  # type: ignore[type-var]
    target.values = values
    if [values[i] for i in _MERGED] != before:
        target.changed = True


class RecordStore:
    """Stores parsed messages of one mailbox; each `store()` call is one transaction."""

    def __init__(
        self, mailbox: Mailbox, run: ImportRun | None = None, *, remember_keys: bool = False
    ) -> None:
        """`remember_keys`: if the mailbox holds no record when the first batch comes, keep the
        keys stored since in a KeyFilter (16 MB) and look up only the keys it cannot rule out,
        for as long as this store is the mailbox's only writer. For bulk imports."""
        self.mailbox = mailbox
        self.run = run
        self.table = Record._meta.db_table
        self._remember = remember_keys
        self._known: KeyFilter | None = None
        self._stamp: int | None = None  # the mailbox's record_writes after this store's last batch

    def store(self, items: Sequence[HeaderRecord | Prepared | Rejected]) -> BatchCounts:
        """Store a batch in one transaction: HeaderRecords, prepared values or rejections."""
        records: list[Prepared] = []
        rejected: list[Rejected] = []
        for item in items:
            if isinstance(item, HeaderRecord):
                records.append(prepare(item))
            elif isinstance(item, Rejected):
                rejected.append(item)
            else:
                records.append(item)
        return self.store_prepared(records, rejected)

    def store_prepared(
        self, records: Sequence[Prepared], rejected: Sequence[Rejected]
    ) -> BatchCounts:
        """Store a batch of prepared records and rejections in one transaction (the import's
        path: `store` with the sorting-out already done)."""
        with transaction.atomic():
            self._claim()
            counts = self._store_records(records)
            self._store_rejections(rejected)
            counts.rejected = len(rejected)
            if self.run is not None:
                self._count(counts, len(records) + len(rejected))
        return counts

    def _claim(self) -> None:
        """Count this batch in the mailbox's write stamp, first thing in the transaction: on
        PostgreSQL the update row-locks the mailbox, so two stores of one mailbox take turns
        (SQLite has one writer anyway). A stamp that moved by more than this store's own
        batches means another writer was here: the key filter no longer knows every key."""
        mailboxes = connection.ops.quote_name(Mailbox._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {mailboxes} SET record_writes = record_writes + 1 WHERE id = %s"
                " RETURNING record_writes",
                [self.mailbox.pk],
            )
            row = cursor.fetchone()
        if row is None:
            raise Mailbox.DoesNotExist("the mailbox was removed while records were stored")
        stamp = int(row[0])
        if self._stamp is None:
            if self._remember and not Record.objects.filter(mailbox_id=self.mailbox.pk).exists():
                self._known = KeyFilter()
        elif stamp != self._stamp + 1:
            self._known = None
        self._stamp = stamp

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

    def _store_records(self, incoming: Sequence[Prepared]) -> BatchCounts:
        counts = BatchCounts()
        keys = _Keys(incoming)
        known = self._known
        if known is None:
            index = self._existing(keys.pids, keys.mids, keys.fps)
        else:
            # Only keys this store may have stored before can be in the database.
            seen = known.seen
            index = self._existing(seen(keys.pids), seen(keys.mids), seen(keys.fps))
        if not index.pids and keys.all_distinct():
            # Nothing stored shares a key with the batch and no two records in it share one:
            # every record is new (the common case of a first import), no matching needed.
            counts.stored = len(incoming)
            self._insert(list(incoming))
            return counts
        match, add = index.match, index.add
        new_rows: list[_Row] = []
        for values in incoming:
            row = match(values)
            if row is None:
                row = _Row(values)
                new_rows.append(row)
            else:
                _merge_into(row, values)
            add(values, row)
        counts.stored = len(new_rows)
        counts.duplicates = len(incoming) - len(new_rows)
        self._insert([row.values for row in new_rows])
        changed = {id(row): row for row in index.pids.values() if row.pk is not None}
        self._update([row for row in changed.values() if row.changed])
        return counts

    def _existing(
        self, pids: Iterable[str], mids: Iterable[str], fps: Iterable[str]
    ) -> _Identities:
        """Stored rows of this mailbox with one of these provider ids, Message-IDs or
        fingerprints (the identity keys of an incoming batch)."""
        wanted = {"provider_id": pids, "message_id": mids, "fingerprint": fps}
        found: dict[int, list[object]] = {}
        for column, values in wanted.items():
            # Any order: the database sorts an IN list itself, and rows are taken by id below.
            for row in self._select(column, list(values)):
                found.setdefault(row[0], list(row[1:]))
        index = _Identities()
        for pk in sorted(found):
            values = found[pk]
            index.add(values, _Row(values, pk))
        return index

    def _select(self, column: str, values: list[str]) -> Iterator[tuple]:
        """Stored rows of this mailbox whose `column` is one of `values` (raw SQL: hot path)."""
        if not values:
            return
        quote = connection.ops.quote_name
        head = (
            f"SELECT {', '.join(quote(c) for c in ('id', *PREPARED_COLUMNS))} "
            f"FROM {quote(self.table)} WHERE mailbox_id = %s AND {quote(column)}"
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

    def _insert(self, rows: list[Sequence[object]]) -> None:
        if not rows:
            return
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in _COLUMNS)
        owner = (self.mailbox.account_id, self.mailbox.pk)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY streams the batch in one go: several times faster than INSERTs.
                sql = f"COPY {quote(self.table)} ({columns}) FROM STDIN"
                with cursor.cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row((*owner, *row, True))
                return
            # The owner and the flag are the same for every row: bound once, in the statement.
            marks = ", ".join(["%s"] * len(PREPARED_COLUMNS))
            account, mailbox = (int(v) for v in owner)
            sql = (
                f"INSERT INTO {quote(self.table)} ({columns}) "
                f"VALUES ({account}, {mailbox}, {marks}, 1)"
            )
            cursor.executemany(sql, rows)

    def _update(self, rows: list[_Row]) -> None:
        names = [PREPARED_COLUMNS[i] for i in _MERGED]
        for row in rows:
            fields = dict(zip(names, (row.values[i] for i in _MERGED), strict=True))
            Record.objects.filter(pk=row.pk).update(**fields, dirty=True)

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
