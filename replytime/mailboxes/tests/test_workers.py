"""Task rows of vanished workers: registration, heartbeats, and the clean-up at start-up."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from replytime.mailboxes.models import TaskWorker
from replytime.mailboxes.tests.tasks import sleepy
from replytime.mailboxes.workers import (
    heartbeat,
    machine_key,
    process_key,
    reap_lost_tasks,
    register_worker,
    unregister_worker,
)

LOST = "replytime.mailboxes.workers.WorkerLost"


def running_row(worker_id: str, started_ago: float = 0) -> DBTaskResult:
    row = DBTaskResult.objects.get(id=sleepy.enqueue(1).id)
    row.claim(worker_id)
    DBTaskResult.objects.filter(id=row.id).update(
        started_at=timezone.now() - timedelta(seconds=started_ago)
    )
    return row


def registered(worker_id: str, *, pid: int, process: str, seen_ago: float = 0) -> None:
    now = timezone.now()
    TaskWorker.objects.create(worker_id=worker_id, host="box", pid=pid, process=process,
                              started_at=now, seen_at=now - timedelta(seconds=seen_ago))  # fmt: skip


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.django_db
def test_rows_of_gone_workers_fail_and_the_others_keep_running(settings: object) -> None:
    machine = machine_key()
    assert machine, "these tests need Linux /proc"
    me = register_worker()
    gone_pid = dead_pid()
    registered("local-dead", pid=gone_pid, process=f"{machine}/{gone_pid}/123")
    registered("reused-pid", pid=os.getpid(), process=f"{machine}/{os.getpid()}/1")
    registered("remote-silent", pid=7, process="other-boot/pid:[1]/7/9", seen_ago=3600)
    registered("remote-alive", pid=7, process="other-boot/pid:[1]/7/9", seen_ago=5)
    rows = {
        name: running_row(name, started_ago)
        for name, started_ago in [
            ("local-dead", 0), ("reused-pid", 0), ("remote-silent", 0), ("remote-alive", 0),
            (me, 3600), ("never-registered", 3600), ("just-started", 1),
        ]
    }  # fmt: skip
    assert reap_lost_tasks(me) == 4
    status = {name: DBTaskResult.objects.get(id=row.id) for name, row in rows.items()}
    failed = {name for name, row in status.items() if row.status == "FAILED"}
    assert failed == {"local-dead", "reused-pid", "remote-silent", "never-registered"}
    assert all(status[name].exception_class_path == LOST for name in failed)
    assert "its process" in status["local-dead"].traceback
    assert "no heartbeat from box" in status["remote-silent"].traceback
    assert "not a registered replytime worker" in status["never-registered"].traceback
    assert f"noticed by worker {me}" in status["local-dead"].traceback
    # The registrations of the gone workers are dropped; live ones stay.
    assert set(TaskWorker.objects.values_list("worker_id", flat=True)) == {me, "remote-alive"}


@pytest.mark.django_db
def test_a_worker_beats_and_registers_again_if_taken_for_gone() -> None:
    me = register_worker()
    assert TaskWorker.objects.get(worker_id=me).process == process_key(os.getpid(), machine_key())
    TaskWorker.objects.filter(worker_id=me).update(seen_at=timezone.now() - timedelta(days=1))
    heartbeat(me)
    assert TaskWorker.objects.get(worker_id=me).seen_at > timezone.now() - timedelta(minutes=1)
    TaskWorker.objects.all().delete()
    heartbeat(me)
    assert TaskWorker.objects.filter(worker_id=me).exists()
    unregister_worker(me)
    assert not TaskWorker.objects.exists()


# -- the real commands -------------------------------------------------------------------------


def _env(data: Path) -> dict[str, str]:
    env = {**os.environ, "REPLYTIME_DATA": str(data), "DATABASE_URL": "",
           "KEYSTORE_DATABASE_URL": "", "REPLYTIME_SCHEDULER_TICK_MS": "200"}  # fmt: skip
    for name in ("REPLYTIME_MASTER_KEY", "REPLYTIME_MASTER_KEY_FILE"):
        env.pop(name, None)
    return env


def _task_row(db: Path, task_id: str) -> tuple[str, str, str, str]:
    with sqlite3.connect(db, timeout=30) as conn:
        row = conn.execute(
            "SELECT status, worker_ids, exception_class_path, traceback "
            "FROM django_tasks_database_dbtaskresult WHERE id = ?",
            (task_id.replace("-", ""),),
        ).fetchone()
    return row or ("", "", "", "")


def _workers(db: Path) -> list[str]:
    with sqlite3.connect(db, timeout=30) as conn:
        return [r[0] for r in conn.execute("SELECT worker_id FROM mailboxes_taskworker")]


@pytest.mark.slow
def test_a_task_of_a_sigkilled_worker_is_failed_by_the_next_worker_start(tmp_path: Path) -> None:
    env, db = _env(tmp_path / "data"), tmp_path / "data" / "replytime.sqlite3"
    replytime = [sys.executable, "-m", "replytime"]
    enqueue = "from replytime.mailboxes.tests.tasks import sleepy; print(sleepy.enqueue(600).id)"
    done = subprocess.run([*replytime, "shell", "--no-imports", "-c", enqueue], env=env,
                          capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    task_id = done.stdout.strip().splitlines()[-1]
    worker = subprocess.Popen([*replytime, "worker", "--interval", "0.1", "--no-scheduler"],
                              env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while _task_row(db, task_id)[0] != "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
    status, worker_ids, _, _ = _task_row(db, task_id)
    assert status == "RUNNING", "the task should have been running when the worker died"
    assert len(_workers(db)) == 1  # the killed worker could not unregister

    # The next worker start (here one that runs what is queued, then exits).
    after = subprocess.run([*replytime, "worker", "--batch", "--no-scheduler"], env=env,
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert after.returncode == 0, after.stderr
    assert "1 task(s) of vanished workers marked failed" in after.stderr
    status, _, exception, traceback = _task_row(db, task_id)
    assert (status, exception) == ("FAILED", LOST)
    killed = worker_ids.strip('[]"')
    assert f"worker {killed} is gone: its process {worker.pid}" in traceback
    assert _workers(db) == []  # the dead one was dropped, the batch worker unregistered
