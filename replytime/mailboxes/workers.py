"""Task workers, and the task rows that a vanished worker leaves "running".

django-tasks-db writes, on each task row a worker claims, that worker's id (`worker_ids`; the
last one is the worker running it), but it keeps no list of live workers and no heartbeat: a
worker killed with SIGKILL, or lost with its machine, leaves its row RUNNING forever. (A mailbox
sync itself is safe anyway: its lease expires and the next run takes it over.)

So each `replytime worker` registers itself (TaskWorker) under the id it hands to db_worker
(`--worker-id`), renews `seen_at` every REPLYTIME_WORKER_HEARTBEAT seconds, and deletes its row
when it stops cleanly. When a worker starts, and at each of its heartbeats, it marks RUNNING
rows whose worker is gone as FAILED through django-tasks-db's own `set_failed`, with a
`WorkerLost` error that names the worker and why it counts as gone:

- on the same machine (same boot id and pid namespace): its process is gone, or the pid now
  belongs to another process (start time differs); known at once;
- elsewhere: no heartbeat for REPLYTIME_WORKER_STALE seconds (4 heartbeats by default);
- not registered (a plain `db_worker`, or a worker of an older version): the task has run for
  longer than REPLYTIME_WORKER_STALE.

If a worker was only paused that long and finishes its task later, django-tasks-db records the
real outcome over the failure.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from replytime.mailboxes.models import TaskWorker

log = logging.getLogger(__name__)


class WorkerLost(RuntimeError):
    """The reason recorded on a task row whose worker vanished while running it."""


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def machine_key() -> str:
    """This kernel boot and pid namespace ("" where /proc is missing): pids are comparable
    only between processes with the same key."""
    boot = _read("/proc/sys/kernel/random/boot_id")
    try:
        namespace = str(Path("/proc/self/ns/pid").readlink())
    except OSError:
        return ""
    return f"{boot}/{namespace}" if boot else ""


def process_key(pid: int, machine: str) -> str:
    """`machine/pid/start time` of a live process, or "" if there is no such process."""
    stat = _read(f"/proc/{pid}/stat")
    if not machine or not stat:
        return ""
    # The command name (field 2) may hold spaces and parentheses: count from its end.
    fields = stat.rsplit(")", 1)[-1].split()
    return f"{machine}/{pid}/{fields[19]}" if len(fields) > 19 else ""


def stale_after() -> timedelta:
    return timedelta(seconds=settings.REPLYTIME_WORKER_STALE)


# -- registration ----------------------------------------------------------------------------


def _register(worker_id: str) -> None:
    host, pid, now = socket.gethostname(), os.getpid(), timezone.now()
    TaskWorker.objects.create(worker_id=worker_id, host=host[:255], pid=pid,
                              process=process_key(pid, machine_key()), started_at=now,
                              seen_at=now)  # fmt: skip


def register_worker() -> str:
    """Register this process as a worker; returns its id (at most 64 characters)."""
    worker_id = f"{socket.gethostname()[:40]}-{os.getpid()}-{secrets.token_hex(4)}"
    _register(worker_id)
    return worker_id


def heartbeat(worker_id: str) -> None:
    """Renew `seen_at` (registering again if another worker took this one for gone)."""
    if not TaskWorker.objects.filter(worker_id=worker_id).update(seen_at=timezone.now()):
        log.warning("worker %s was taken for gone; registering it again", worker_id)
        _register(worker_id)


def unregister_worker(worker_id: str) -> None:
    TaskWorker.objects.filter(worker_id=worker_id).delete()


# -- finding the gone ------------------------------------------------------------------------


def why_gone(worker: TaskWorker, now: datetime, machine: str) -> str:
    """Why a registered worker counts as gone, or "" while it may be alive."""
    recorded = worker.process
    if machine and recorded.startswith(machine + "/"):
        if process_key(worker.pid, machine) != recorded:
            return f"its process {worker.pid} on {worker.host} no longer exists"
        return ""
    if worker.seen_at < now - stale_after():
        return f"no heartbeat from {worker.host} since {worker.seen_at:%Y-%m-%d %H:%M:%S} UTC"
    return ""


def _why_row_lost(
    row: DBTaskResult, workers: dict[str, TaskWorker], gone: dict[str, str], now: datetime
) -> str:
    worker_id = row.worker_ids[-1] if row.worker_ids else ""
    if worker_id in gone:
        return f"worker {worker_id} is gone: {gone[worker_id]}"
    if worker_id in workers:
        return ""
    started = row.started_at or row.enqueued_at
    if started < now - stale_after():
        return f"worker {worker_id or '(none recorded)'} is not a registered replytime worker"
    return ""


def reap_lost_tasks(reaper: str = "") -> int:
    """Mark RUNNING task rows whose worker is gone as FAILED (WorkerLost, with the reason),
    and drop the registrations of gone workers; returns how many rows were marked."""
    now, machine = timezone.now(), machine_key()
    workers = {w.worker_id: w for w in TaskWorker.objects.all()}
    gone = {wid: why for wid, w in workers.items() if (why := why_gone(w, now, machine))}
    marked = 0
    for row in DBTaskResult.objects.running():
        reason = _why_row_lost(row, workers, gone, now)
        if not reason:
            continue
        by = f" (noticed by worker {reaper})" if reaper else ""
        row.set_failed(WorkerLost(f"{reason}; the task never finished{by}"))
        log.warning("task %s (%s) marked failed: %s", row.id, row.task_path, reason)
        marked += 1
    if gone:
        TaskWorker.objects.filter(worker_id__in=list(gone)).delete()
    return marked


def run_heartbeat(worker_id: str, stop: threading.Event, interval: float | None = None) -> None:
    """Beat and reap every `interval` seconds until `stop` is set (a worker thread)."""
    interval = interval if interval is not None else settings.REPLYTIME_WORKER_HEARTBEAT
    while not stop.wait(interval):
        try:
            heartbeat(worker_id)
            reap_lost_tasks(worker_id)
        except Exception:  # a locked or briefly unreachable database must not end the loop
            log.exception("worker heartbeat failed")
        finally:
            connections.close_all()  # this thread's connections only
