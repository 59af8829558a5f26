from __future__ import annotations

import os
import signal
import subprocess
import sys
from types import FrameType
from typing import Any

from django.core.management.base import CommandParser

from replytime.keystore.services import verify_keyring
from replytime.lib.commands import ReplytimeCommand


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def default_workers() -> int:
    """Two web processes per core. A request's Python work holds its process's GIL, so only
    several processes use several cores; two per core keep the cores busy while a process
    waits for the database."""
    return 2 * max(1, os.cpu_count() or 1)


class Command(ReplytimeCommand):
    help = (
        "Serve the web app (gunicorn: WORKERS processes of THREADS threads each) and run a "
        "background worker beside it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to listen everywhere")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="web processes (default: two per CPU core)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=1,
            help="requests each web process serves at once (default 1: gunicorn's sync worker, "
            "which takes a request only when free; more than 1: its gthread worker)",
        )
        parser.add_argument("--no-worker", action="store_false", dest="worker", help="web app only")

    def run(self, **options: Any) -> None:
        from django.db import connections

        from replytime.lib.webserver import serve

        verify_keyring()
        # The web processes are forked from this one: none may inherit an open connection.
        connections.close_all()
        worker = None
        if options["worker"]:
            worker = subprocess.Popen(
                [sys.executable, "-m", "replytime", "worker"], env=os.environ.copy()
            )
        signal.signal(signal.SIGTERM, _stop)
        self.stdout.write(f"replytime is serving on http://{options['host']}:{options['port']}/")
        self.stdout.flush()
        try:
            serve(
                host=options["host"],
                port=options["port"],
                workers=options["workers"] or default_workers(),
                threads=max(1, options["threads"]),
            )
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(30)
                except subprocess.TimeoutExpired:
                    worker.kill()
