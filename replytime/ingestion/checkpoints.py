"""WAL checkpoints of a SQLite import in a background thread.

In WAL mode SQLite copies committed pages back into the database file ("checkpoints") from
inside the commit that takes the write-ahead log past `wal_autocheckpoint` pages, and with
`synchronous=NORMAL` that checkpoint waits for the disk (fsync). An import commits a batch every
few thousand messages, and its index updates touch pages all over the file, so nearly every
commit checkpoints megabytes and blocks on the disk while the parser waits.

`background_checkpoints` moves that work to a thread with its own connection: after each batch
the importer asks for a passive checkpoint (it never blocks writers or readers), and the disk
wait overlaps the parsing and storing of the next batch. Checkpoints happen as often as before,
so nothing about durability changes; the importer's own automatic checkpoint stays as a safety
net at a higher threshold, in case the thread falls behind. On any other database, or a SQLite
database that is not a WAL file on disk, it does nothing.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator

from django.db import connection

# Pages the importer's own connection lets the log grow to before it checkpoints itself.
_SAFETY_NET_PAGES = 20_000


class Checkpointer:
    """Runs `PRAGMA wal_checkpoint(PASSIVE)` on request, one at a time, in a daemon thread."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.wanted = threading.Event()
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)

    def request(self) -> None:
        """Ask for a checkpoint of everything committed so far (returns at once). The thread
        starts on the first request, so that a parser process forked before has none."""
        if not self.thread.is_alive() and not self.stopping:
            self.thread.start()
        self.wanted.set()

    def stop(self) -> None:
        """Finish the checkpoint under way, if any, and end the thread."""
        self.stopping = True
        if self.thread.is_alive():
            self.wanted.set()
            self.thread.join()

    def _run(self) -> None:
        try:
            db = sqlite3.connect(self.path, timeout=0, check_same_thread=False)
        except sqlite3.Error:
            return  # checkpoints stay with the importer's connection, as usual
        with contextlib.closing(db):
            while True:
                self.wanted.wait()
                self.wanted.clear()
                if self.stopping:
                    return
                with contextlib.suppress(sqlite3.Error):  # busy: another one is running
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


def _wal_file() -> str | None:
    """The file of the default connection when it is a SQLite database in WAL mode."""
    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict["NAME"])
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    return name if str(mode).lower() == "wal" else None


def _autocheckpoint(pages: int | None = None) -> int:
    """The connection's `wal_autocheckpoint` (set first when `pages` is given)."""
    with connection.cursor() as cursor:
        if pages is not None:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")
        cursor.execute("PRAGMA wal_autocheckpoint")
        return int(cursor.fetchone()[0])


@contextlib.contextmanager
def background_checkpoints() -> Iterator[Checkpointer | None]:
    """Checkpoint the default SQLite connection's database in a thread while the body runs;
    call `request()` on the result after each commit. Yields None (and changes nothing) when
    the database is not a SQLite WAL file."""
    path = _wal_file()
    if path is None:
        yield None
        return
    before = _autocheckpoint()
    _autocheckpoint(max(before, _SAFETY_NET_PAGES) if before > 0 else before)
    checkpointer = Checkpointer(path)
    try:
        yield checkpointer
    finally:
        checkpointer.stop()
        if connection.connection is not None:  # the importer's connection is still open
            _autocheckpoint(before)
