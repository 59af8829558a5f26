"""Importing mail files end to end through the `replytime` command."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

ACCOUNT, MAILBOX = "acme", "ann@acme.com"


def _mbox(path: Path, count: int, first: int = 0) -> Path:
    """An mbox of `count` small messages, with a body line that looks like a separator."""
    start = datetime(2024, 1, 1, 9, tzinfo=UTC)
    with path.open("w") as out:
        for n in range(first, first + count):
            when = start + timedelta(minutes=7 * n)
            out.write(f"From sender{n % 50}@client.com {when:%a %b %d %H:%M:%S %Y}\n")
            out.write(f"From: Customer {n % 50} <sender{n % 50}@client.com>\n")
            out.write(f"To: {MAILBOX}\nSubject: Question {n}\n")
            out.write(f"Date: {format_datetime(when)}\nMessage-ID: <m{n}@client.com>\n\n")
            out.write("Hello,\n>From the start of the year we see this.\n\n")
    return path


def _run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "replytime", *args],
        env=env,
        capture_output=True,
        text=True,
        check=check,
    )


def _env(data: Path) -> dict[str, str]:
    # The command runs on its own SQLite files in `data`, whatever database the suite uses.
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KEYSTORE_DATABASE_URL")
    }
    env.update(REPLYTIME_DATA=str(data), REPLYTIME_IMPORT_BATCH="250", REPLYTIME_IMPORT_PARSERS="2")
    return env


def _setup(env: dict[str, str]) -> None:
    _run(env, "account", "create", ACCOUNT, "--internal-domain", "acme.com")
    _run(env, "mailbox", "add", ACCOUNT, MAILBOX)


def _records(data: Path) -> list[tuple]:
    with sqlite3.connect(data / "replytime.sqlite3") as db:
        return db.execute(
            "SELECT provider_id, message_id, from_addr, to_addrs, subject, date, received_at,"
            " folders FROM ingestion_record ORDER BY provider_id"
        ).fetchall()


def test_it_imports_an_mbox_and_prints_the_counts(tmp_path: Path) -> None:
    env = _env(tmp_path / "data")
    _setup(env)
    source = _mbox(tmp_path / "ann.mbox", 30)
    out = _run(env, "import", ACCOUNT, MAILBOX, str(source)).stdout
    assert "read 30, stored 30, duplicates 0, rejected 0" in out
    again = _run(env, "import", ACCOUNT, MAILBOX, str(source)).stdout
    assert "read 30, stored 0, duplicates 30, rejected 0" in again


def test_it_says_what_to_do_when_the_mailbox_is_unknown(tmp_path: Path) -> None:
    env = _env(tmp_path / "data")
    _run(env, "account", "create", ACCOUNT)
    result = _run(env, "import", ACCOUNT, "zed@acme.com", str(tmp_path), check=False)
    assert result.returncode != 0
    assert "replytime mailbox add acme zed@acme.com" in result.stderr


@pytest.mark.parametrize("parts", [1, 7])
def test_a_killed_import_run_again_ends_like_an_uninterrupted_one(
    tmp_path: Path, parts: int
) -> None:
    # One file is parsed by one process; several files by two, merged back in file order.
    sizes = [20000 // parts] * (parts - 1) + [20000 - 20000 // parts * (parts - 1)]
    sources = [
        str(_mbox(tmp_path / f"part{i}.mbox", size, sum(sizes[:i]))) for i, size in enumerate(sizes)
    ]
    clean = tmp_path / "clean"
    env = _env(clean)
    _setup(env)
    _run(env, "import", ACCOUNT, MAILBOX, *sources)

    killed = tmp_path / "killed"
    env = _env(killed)
    _setup(env)
    proc = subprocess.Popen(
        [sys.executable, "-m", "replytime", "import", ACCOUNT, MAILBOX, *sources],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Kill it once some batches are stored, well before the end.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        try:
            if len(_records(killed)) >= 2000:
                break
        except sqlite3.OperationalError:
            continue
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = len(_records(killed))
    assert 0 < partial < 20000, "the import must be killed part-way"
    _run(env, "import", ACCOUNT, MAILBOX, *sources)
    assert _records(killed) == _records(clean)
    assert len(_records(clean)) == 20000


@pytest.mark.parametrize("junk", [b"\x00\xff\xfe" * 1000, b"Subject: no from, no id\n\nbody\n"])
def test_junk_files_become_counted_rejections(tmp_path: Path, junk: bytes) -> None:
    env = _env(tmp_path / "data")
    _setup(env)
    folder = tmp_path / "mail" / "inbox"
    folder.mkdir(parents=True)
    (folder / "1.eml").write_bytes(junk)
    _mbox(tmp_path / "mail" / "inbox" / "2.eml", 1)
    out = _run(env, "import", ACCOUNT, MAILBOX, str(tmp_path / "mail")).stdout
    assert "read 2, stored 1, duplicates 0, rejected 1" in out
    listing = _run(env, "rejections", ACCOUNT).stdout
    assert "1.eml" in listing
