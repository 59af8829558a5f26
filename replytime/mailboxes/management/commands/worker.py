from __future__ import annotations

import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandParser

from replytime.keystore.services import verify_keyring
from replytime.lib.commands import ReplytimeCommand
from replytime.mailboxes.sync.scheduler import run_scheduler
from replytime.mailboxes.workers import (
    reap_lost_tasks,
    register_worker,
    run_heartbeat,
    unregister_worker,
)


class Command(ReplytimeCommand):
    """The worker registers itself (replytime.mailboxes.workers) before it takes any task, marks
    the task rows of vanished workers failed, and unregisters when it stops cleanly."""

    help = "Run a background worker: the sync scheduler and the task runner (django_tasks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between polls of the task queue"
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_false",
            dest="scheduler",
            help="only run tasks (when another process schedules)",
        )
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")

    def run(self, **options: Any) -> None:
        verify_keyring()
        worker_id = register_worker()
        try:
            # Task rows left "running" by workers that vanished (SIGKILL, a lost machine).
            reaped = reap_lost_tasks(worker_id)
            if reaped:
                self.stderr.write(f"{reaped} task(s) of vanished workers marked failed")
            self._work(worker_id, options)
        finally:
            unregister_worker(worker_id)

    def _work(self, worker_id: str, options: dict[str, Any]) -> None:
        stop = threading.Event()
        threading.Thread(
            target=run_heartbeat, args=(worker_id, stop), name="replytime-heartbeat", daemon=True
        ).start()
        if options["scheduler"]:
            # Several workers may each run a scheduler: claims are conditional UPDATEs.
            threading.Thread(
                target=run_scheduler, args=(stop,), name="replytime-scheduler", daemon=True
            ).start()
        try:
            worker_options: dict[str, Any] = {
                "interval": options["interval"],
                "reload": False,
                "startup_delay": False,
                "verbosity": options["verbosity"],
                "worker_id": worker_id,
            }
            if options["batch"]:
                worker_options["batch"] = True
            call_command("db_worker", **worker_options)
        finally:
            stop.set()
