"""SIGKILL a worker at random points of a large IMAP sync: no duplicate, no loss.

Runs the real `replytime` command in subprocesses on a private SQLite data folder (a worker
must be killable, so it cannot share the test's in-memory database). A reference account syncs
the same mailbox without interruption; both must end with the same records and facts.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from replytime.mailboxes.connectors.imap.tests.conftest import USERS, ImapWorld
from replytime.mailboxes.connectors.imap.tests.corpus import ADDRESS

_RECORD_COLUMNS = (
    "r.provider_id, r.message_id, r.extra_message_ids, r.folders, r.received_at, r.date, "
    "r.from_addr, r.to_addrs, r.cc_addrs, r.subject, r.in_reply_to, r.fingerprint"
)


SETUP = """
from django.core.management import call_command
for account in ("acme", "ref"):
    call_command("account", "create", account, "--internal-domain", "enron.com", "--count-internal")
    call_command("mailbox", "connect", account, "{address}", *{connect!r})
call_command("sync", "ref")
"""
FACTS = """
from django.core.management import call_command
call_command("facts", "acme", "--format", "csv")
print("=====")
call_command("facts", "ref", "--format", "csv")
"""


class Cli:
    def __init__(self, data: Path) -> None:
        self.env = {
            **os.environ,
            "REPLYTIME_DATA": str(data),
            "DATABASE_URL": "",
            "KEYSTORE_DATABASE_URL": "",
            # Small batches: many commit points to be killed between, and a sync long enough
            # to be killed three times on a fast machine too.
            "REPLYTIME_IMAP_BATCH": "10",
            "REPLYTIME_SYNC_LEASE": "2",
            "REPLYTIME_SCHEDULER_TICK_MS": "200",
            "REPLYTIME_SYNC_INTERVAL": "3600",
        }
        for name in ("REPLYTIME_MASTER_KEY", "REPLYTIME_MASTER_KEY_FILE", "CI_UNUSED"):
            self.env.pop(name, None)
        self.db = data / "replytime.sqlite3"

    def __call__(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "replytime", *args],
            env=self.env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    def worker(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "replytime", "worker", "--interval", "0.1"],
            env=self.env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def query(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.db, timeout=30) as db:
            return db.execute(sql, params).fetchall()

    def records(self, account: str) -> list[tuple[object, ...]]:
        return sorted(
            self.query(
                f"SELECT {_RECORD_COLUMNS} FROM ingestion_record r JOIN tenancy_account a "
                "ON a.id = r.account_id WHERE a.name = ?",
                account,
            ),
            key=repr,
        )

    def synced(self, account: str) -> bool:
        rows = self.query(
            "SELECT c.last_success_at, c.claim FROM mailboxes_mailboxconnection c "
            "JOIN tenancy_account a ON a.id = c.account_id WHERE a.name = ?",
            account,
        )
        return bool(rows and rows[0][0] and not rows[0][1])


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_sigkill_at_random_points_loses_and_duplicates_nothing(
    imap_world: ImapWorld, tmp_path: Path
) -> None:
    server = imap_world.server
    cli = Cli(tmp_path / "data")
    (tmp_path / "pw").write_text(USERS["bulk"])
    connect = [
        "imap", "--host", server.host, "--port", str(server.port), "--user", "bulk",
        "--password-file", str(tmp_path / "pw"), "--ca-file", str(server.ca_file),
    ]  # fmt: skip
    # One process for the set-up (each `replytime` start costs seconds).
    cli("shell", "--no-imports", "-c", SETUP.format(address=ADDRESS, connect=connect))
    reference = cli.records("ref")
    assert len(reference) > 500

    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    kills = 0
    while kills < 3 and not cli.synced("acme"):
        before = len(cli.records("acme"))
        worker = cli.worker()
        storing = wait_for(lambda b=before: len(cli.records("acme")) > b, 30)  # type: ignore[misc]
        time.sleep(rng.uniform(0, 0.05))  # the whole sync takes well under a second
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        kills += storing
    worker = cli.worker()
    try:
        assert wait_for(lambda: cli.synced("acme"), 120), f"sync did not finish (seed {seed})"
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)

    assert kills >= 3, f"the sync ended before the worker could be killed often (seed {seed})"
    # Each killed worker left its task row RUNNING; the next worker start marked it failed.
    tasks = "SELECT status, exception_class_path FROM django_tasks_database_dbtaskresult"
    statuses = [row[0] for row in cli.query(tasks)]
    lost = cli.query(f"{tasks} WHERE exception_class_path LIKE '%WorkerLost'")
    assert "RUNNING" not in statuses and len(lost) >= kills, statuses
    records = cli.records("acme")
    ids = [r[0] for r in records]
    assert len(ids) == len(set(ids)), "a message was stored twice"
    assert records == reference, f"records differ from an uninterrupted sync (seed {seed})"
    facts = [part.strip() for part in cli("shell", "--no-imports", "-c", FACTS).split("=====")]
    assert facts[0].count("\n") > 5, "the mailbox should produce reply facts"
    assert facts[0] == facts[1], f"facts differ from an uninterrupted sync (seed {seed})"
