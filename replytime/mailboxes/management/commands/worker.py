from __future__ import annotations

import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandParser

from replytime.keystore.services import verify_keyring
from replytime.lib.commands import ReplytimeCommand
from replytime.mailboxes.sync.scheduler import run_scheduler


class Command(ReplytimeCommand):
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
        stop = threading.Event()
        if options["scheduler"]:
            # Several workers may each run a scheduler: claims are conditional UPDATEs.
            thread = threading.Thread(
                target=run_scheduler, args=(stop,), name="replytime-scheduler", daemon=True
            )
            thread.start()
        try:
            worker_options: dict[str, Any] = {
                "interval": options["interval"],
                "reload": False,
                "startup_delay": False,
                "verbosity": options["verbosity"],
            }
            if options["batch"]:
                worker_options["batch"] = True
            call_command("db_worker", **worker_options)
        finally:
            stop.set()
